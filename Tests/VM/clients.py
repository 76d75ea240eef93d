"""The real clients' output against ours, for check.py: docker (docker info, docker create's
refusal, docker ps/inspect), and later containerd's ctr and LVM's lvs/vgs. The clients are
the oracle: every difference is reported as "docker says X, we say Y".
"""
import json

UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]


def human_size(n):
    """go-units HumanSize (docker 20.10): %.4g of the size divided by 1000 while >= 1000, and
    the unit with no space. Python's %g rounds as C's and Go's do."""
    size, i = float(n), 0
    while size >= 1000 and i < len(UNITS) - 1:
        size /= 1000
        i += 1
    return "%.4g%s" % (size, UNITS[i])


def storage_driver_lines(info):
    """The lines under ` Storage Driver: devicemapper` in `docker info`, without their indent."""
    lines, inside = [], False
    for line in info.splitlines():
        if line.startswith(" Storage Driver: "):
            inside = True
            continue
        if inside:
            if not line.startswith("  "):
                break
            lines.append(line[2:])
    return lines


def pool_block(text, pool):
    """Our `status` block for one pool: from its "Pool Name:" line to the blank line."""
    block, inside = [], False
    for line in text.splitlines():
        if line == f"Pool Name: {pool}":
            inside = True
        elif inside and not line.strip():
            break
        if inside:
            block.append(line)
    return block


def differ(c, where, what, docker, ours):
    c.checks += 1
    if docker != ours:
        c.failures.append(f"{where}: {what}: docker says {docker!r}, we say {ours!r}")


def docker_info(c, name, files, doc, metrics):
    where = f"docker info {name}"
    docker = storage_driver_lines(files["dockerinfo"])
    if not docker:
        c.failures.append(f"{where}: docker info has no storage-driver section: {files['dockerinfo'][:300]!r}")
        return
    pairs = dict(l.split(": ", 1) if ": " in l else (l.rstrip(":"), "") for l in docker)
    pool = pairs.get("Pool Name")
    ours = pool_block(files["text"], pool)
    if not ours:
        c.failures.append(f"{where}: our status has no pool {pool}")
        return
    # Line for line: docker's lines are ours, in docker's order, then our own lines follow.
    for i, line in enumerate(docker):
        differ(c, where, f"storage-driver line {i + 1}", line, ours[i] if i < len(ours) else None)
    # DriverStatus (docker info --format '{{json .DriverStatus}}') is our JSON's driver_status.
    p = next((x for x in doc["pools"] if x["name"] == pool), None)
    if p is None:
        c.failures.append(f"{where}: our JSON has no pool {pool}")
        return
    status = json.loads(files["driverstatus"])
    got = (((p.get("owner") or {}).get("docker")) or {}).get("driver_status")
    differ(c, where, "DriverStatus (JSON)", status, got)
    # The numbers behind docker's strings, from our metrics.
    if not metrics:
        c.failures.append(f"{where}: no host scrape")
        return

    def metric(n, **labels):
        return metrics.get((n, frozenset(labels.items())))

    sizes = {
        "Pool Blocksize": metric("thinpool_data_block_size_bytes", pool=pool),
        "Data Space Used": metric("thinpool_data_used_bytes", pool=pool),
        "Data Space Total": metric("thinpool_data_size_bytes", pool=pool),
        "Data Space Available": metric("thinpool_data_available_bytes", pool=pool),
        "Metadata Space Used": metric("thinpool_metadata_used_bytes", pool=pool),
        "Metadata Space Total": metric("thinpool_metadata_size_bytes", pool=pool),
        "Metadata Space Available": metric("thinpool_metadata_available_bytes", pool=pool),
        "Thin Pool Minimum Free Space": metric("thinpool_min_free_space_bytes", pool=pool),
        "Base Device Size": metric("thinpool_docker_base_device_size_bytes", pool=pool),
    }
    for label, value in sizes.items():
        differ(c, where, f"metric behind {label!r}", pairs.get(label), None if value is None else human_size(int(value)))
    deleted = sum(v for (n, ls), v in metrics.items()
                  if n == "thinpool_docker_devices" and dict(ls).get("pool") == pool and dict(ls).get("state") == "deleted")
    differ(c, where, "metric behind 'Deferred Deleted Device Count'", pairs.get("Deferred Deleted Device Count"), str(int(deleted)))


def docker_create(c, name, files):
    """docker create's verdict and its refusal message against what we said just before."""
    where = f"docker create {name}"
    doc = json.loads(files["json"])
    out, rc = files["create"].strip(), int(files["rc"].strip())
    pools = [p for p in doc["pools"] if ((p.get("owner") or {}).get("kind")) == "docker"]
    if len(pools) != 1:
        c.failures.append(f"{where}: we name {len(pools)} docker pools, want 1")
        return
    p = pools[0]
    refuses = p["docker_would_refuse"]["data"] or p["docker_would_refuse"]["metadata"]
    differ(c, where, "refuses a new container", rc != 0, refuses)
    if rc != 0:
        # "Error response from daemon: devmapper: Thin Pool has N free data blocks which is less
        # than minimum required M free data blocks. ..."
        differ(c, where, "refusal message", out, f"Error response from daemon: {p.get('docker_refusal')}")
    else:
        differ(c, where, "refusal message", None, p.get("docker_refusal"))


def docker_names(c, name, files, metrics):
    """docker's containers and images, with their devices, against our names and counts."""
    where = f"docker names {name}"
    doc = json.loads(files["json"])
    pools = [p for p in doc["pools"] if ((p.get("owner") or {}).get("kind")) == "docker"]
    if len(pools) != 1:
        c.failures.append(f"{where}: we name {len(pools)} docker pools, want 1")
        return
    p = pools[0]
    pool = p["name"]
    ours = {v["name"]: v for v in p["thin_volumes"]}
    containers = {}
    for line in files["ps"].splitlines():
        cid, cname, state = line.split()
        containers[cid] = (cname, state)
    devices = {}
    for line in files["containers"].splitlines():
        cid, data = line.split(" ", 1)
        devices[cid] = json.loads(data)
    info = {(n, frozenset(ls)): v for (n, ls), v in metrics.items() if n == "thinpool_thin_info"}
    running = 0
    for cid, (cname, state) in sorted(containers.items()):
        d = devices.get(cid)
        if d is None:
            c.failures.append(f"{where}: docker inspect said nothing of {cid}")
            continue
        dev = d["DeviceName"]
        if state == "running":
            running += 1
            v = ours.get(dev)
            if v is None:
                c.failures.append(f"{where}: container {cname}'s device {dev} is active but not in our report")
                continue
            owner = v.get("owner") or {}
            differ(c, where, f"{cname}: container id", cid, owner.get("container_id"))
            differ(c, where, f"{cname}: container name", cname, owner.get("container_name"))
            differ(c, where, f"{cname}: device id", d["DeviceId"], str(v["device_id"]))
            differ(c, where, f"{cname}: device size", d["DeviceSize"], str(v["size_bytes"]))
            series = [dict(ls) for (n, ls) in info if dict(ls).get("device") == dev]
            differ(c, where, f"{cname}: thinpool_thin_info series", 1, len(series))
            if series:
                s = series[0]
                differ(c, where, f"{cname}: thinpool_thin_info labels",
                       (cid, cname, d["DeviceId"], "container"),
                       (s.get("container_id"), s.get("container_name"), s.get("device_id"), s.get("kind")))
        elif dev in ours:
            c.failures.append(f"{where}: container {cname} is {state}, its device {dev} should not be active")
    # A container docker no longer lists has no series of ours.
    for (n, ls) in info:
        labels = dict(ls)
        if labels.get("container_id") and labels["container_id"] not in containers:
            c.failures.append(f"{where}: a series for container {labels['container_id']} that docker no longer has")

    def tally(kind, state):
        return int(sum(v for (n, ls), v in metrics.items() if n == "thinpool_docker_devices" and dict(ls).get("pool") == pool
                       and dict(ls).get("kind") == kind and dict(ls).get("state") == state))
    differ(c, where, "running containers (devices active)", running, tally("container", "active"))
    differ(c, where, "other containers (devices inactive)", len(containers) - running, tally("container", "inactive"))
    differ(c, where, "init layers (one per container, inactive)", len(containers), tally("init", "inactive"))
    images = [l.split(" ", 1)[0] for l in files["images"].splitlines()]
    differ(c, where, "image layers (one per image here)", len(images), tally("image", "inactive") + tally("image", "active"))
    deleted = int(sum(v for (n, ls), v in metrics.items() if n == "thinpool_docker_devices" and dict(ls).get("pool") == pool
                      and dict(ls).get("state") == "deleted"))
    differ(c, where, "deferred deleted devices", int(files["deferred"].strip() or 0), deleted)
