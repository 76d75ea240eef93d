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


def differ(c, where, what, theirs, ours):
    c.checks += 1
    if theirs != ours:
        tool = where.split()[0]   # "docker ...", "ctr ...", "lvs ..."
        c.failures.append(f"{where}: {what}: {tool} says {theirs!r}, we say {ours!r}")


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
    # The running exporter's /api/v1/pools is the same document as status --json.
    api = next((x for x in json.loads(files["api"])["pools"] if x["name"] == pool), {})
    for source, d in (("JSON", p), ("/api/v1/pools", api)):
        got = (((d.get("owner") or {}).get("docker")) or {}).get("driver_status") or []
        differ(c, where, f"DriverStatus ({source}): pairs", len(status), len(got))
        for i, pair in enumerate(status):
            differ(c, where, f"DriverStatus ({source}) pair {i + 1}", pair, got[i] if i < len(got) else None)
    # The dialect: the version docker's own info says, asked of its socket by status (at once)
    # and by the serving agent (on a thread of its own, kept until docker restarts).
    server = next((l.split(": ", 1)[1] for l in files["dockerinfo"].splitlines() if l.startswith(" Server Version: ")), None)
    for source, d in (("JSON", p), ("/api/v1/pools", api)):
        dialect = (((d.get("owner") or {}).get("docker")) or {}).get("dialect") or {}
        differ(c, where, f"Server Version, as our {source}'s dialect", server, dialect.get("version"))
        differ(c, where, f"where our {source} learnt docker's version", "socket", dialect.get("source"))
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


def parse_ctr_snapshots(text):
    """`ctr snapshots ls` (KEY PARENT KIND, parent may be blank) -> {key: (parent, kind)}"""
    out = {}
    for line in text.splitlines()[1:]:
        f = line.split()
        if len(f) >= 2:
            out[f[0]] = (f[1] if len(f) == 3 else "", f[-1].lower())
    return out


def ctr_snapshots(c, name, files, metrics):
    """containerd's snapshots as ctr lists them, against our names, counts and metrics."""
    where = f"ctr {name}"
    doc = json.loads(files["json"])
    pools = [p for p in doc["pools"] if ((p.get("owner") or {}).get("kind")) == "containerd"]
    if len(pools) != 1:
        c.failures.append(f"{where}: we name {len(pools)} containerd pools, want 1")
        return
    p = pools[0]
    pool = p["name"]
    snaps = parse_ctr_snapshots(files["snapshots"])
    # The device of each snapshot that has one, as `ctr snapshots mounts` names it.
    device_of = {}
    for line in files["mounts"].splitlines():
        key, _, mount = line.partition(" ")
        devs = [w for w in mount.split() if w.startswith("/dev/mapper/")]
        if devs:
            device_of[key] = devs[0][len("/dev/mapper/"):]
    ours = {v["name"]: v for v in p["thin_volumes"]}
    # Counts by kind, as ctr lists them.
    want = {}
    for _, kind in snaps.values():
        want[kind] = want.get(kind, 0) + 1
    # ("removed": containerd no longer lists them; their devices await the snapshotter's cleanup.)
    got = {}
    for t in (p["owner"].get("containerd_snapshots") or []):
        if t["kind"] != "removed":
            got[t["kind"]] = got.get(t["kind"], 0) + t["count"]
    differ(c, where, "snapshots by kind (JSON)", want, got)
    gotm = {}
    for (n, ls), v in metrics.items():
        labels = dict(ls)
        if n == "thinpool_containerd_snapshots" and labels.get("pool") == pool and labels["kind"] != "removed":
            gotm[labels["kind"]] = gotm.get(labels["kind"], 0) + int(v)
    differ(c, where, "snapshots by kind (thinpool_containerd_snapshots)", want, {k: v for k, v in gotm.items() if v})
    active = sum(t["count"] for t in (p["owner"].get("containerd_snapshots") or [])
                 if t["state"] == "active" and t["kind"] != "removed")
    differ(c, where, "snapshots with a device (active)", len(device_of), active)
    # Each device is named by containerd's key, in the JSON and in thinpool_thin_info.
    info = {dict(ls)["device"]: dict(ls) for (n, ls) in metrics if n == "thinpool_thin_info" and dict(ls).get("pool") == pool}
    for key, dev in sorted(device_of.items()):
        v = ours.get(dev)
        if v is None:
            c.failures.append(f"{where}: snapshot {key}'s device {dev} (ctr snapshots mounts) is not in our report")
            continue
        differ(c, where, f"{dev}: snapshot key", key, (v.get("owner") or {}).get("snapshot_key"))
        differ(c, where, f"{dev}: thinpool_thin_info snapshot_key", key, info.get(dev, {}).get("snapshot_key"))
    for dev, v in sorted(ours.items()):
        k = (v.get("owner") or {}).get("snapshot_key")
        if k is not None and k not in snaps:
            c.failures.append(f"{where}: our {dev} is named {k!r}, a key ctr does not list")
        if k is None and dev in device_of.values():
            c.failures.append(f"{where}: our {dev} has no key, but ctr lists its snapshot")
    # Containers: the container behind its snapshot, and its image.
    blocks = files.get("containers", "").split("@@CONTAINER ")[1:]
    for b in blocks:
        cid, _, body = b.partition("\n")
        record = json.loads(body)
        if record.get("Snapshotter") != "devmapper":
            continue
        dev = device_of.get(record.get("SnapshotKey"))
        if dev is None or dev not in ours:
            c.failures.append(f"{where}: container {cid}'s snapshot {record.get('SnapshotKey')} has no device in our report")
            continue
        o = ours[dev].get("owner") or {}
        differ(c, where, f"{dev}: container", cid.strip(), o.get("container_id"))
        differ(c, where, f"{dev}: image", record.get("Image"), o.get("image"))
        differ(c, where, f"{dev}: thinpool_thin_info image", record.get("Image"), info.get(dev, {}).get("image"))


def lvs_report(c, name, files, metrics):
    """lvs and vgs, taken just before and just after our reading: each of our values must be
    what lvs printed on one side of it."""
    where = f"lvs {name}"
    doc = json.loads(files["json"])

    def rows(key):
        return json.loads(files[key])["report"][0]["lv"]
    before, after = rows("before"), rows("after")
    vgs = json.loads(files["vgs"])["report"][0]["vg"]

    def either(what, field, b, a, ours):
        c.checks += 1
        if ours != b.get(field) and ours != a.get(field):
            c.failures.append(f"{where}: {what}: lvs says {b.get(field)!r} (before) / {a.get(field)!r} (after), we say {ours!r}")

    def config(text):
        out = {}
        for line in text.splitlines():
            k, _, v = line.strip().partition("=")
            if v:
                out[k] = v
        return out
    lvmconf = config(files.get("lvmconfig", ""))
    for b in before:
        a = next((x for x in after if x["lv_name"] == b["lv_name"]), b)
        vg, lv = b["vg_name"], b["lv_name"]
        if b["pool_lv"] == "" and b["lv_metadata_size"] != "":
            # A thin pool: our pool whose owner is this LV.
            p = next((x for x in doc["pools"] if (x.get("owner") or {}).get("vg") == vg and x["owner"].get("lv") == lv), None)
            if p is None or p.get("lvm") is None:
                c.failures.append(f"{where}: no pool of ours is LV {vg}/{lv} with an lvm report")
                continue
            m = p["lvm"]
            either(f"{vg}/{lv} data_percent", "data_percent", b, a, m["data_percent"])
            either(f"{vg}/{lv} metadata_percent", "metadata_percent", b, a, m["metadata_percent"])
            either(f"{vg}/{lv} lv_size", "lv_size", b, a, str(m["lv_size_bytes"]))
            either(f"{vg}/{lv} lv_metadata_size", "lv_metadata_size", b, a, str(m["lv_metadata_size_bytes"]))
            either(f"{vg}/{lv} lv_health_status", "lv_health_status", b, a, m["health_status"])
            either(f"{vg}/{lv} lv_when_full", "lv_when_full", b, a, m["when_full"])
            ae = m.get("autoextend") or {}
            c.checks += 1
            if ae.get("monitored") not in (b["seg_monitor"] == "monitored", a["seg_monitor"] == "monitored"):
                c.failures.append(f"{where}: {vg}/{lv} seg_monitor: lvs says {b['seg_monitor']!r}/{a['seg_monitor']!r}, we say monitored={ae.get('monitored')}")
            profile = b["lv_profile"] or b["vg_profile"]
            conf = config(files.get(f"lvmconfig:{profile}", "")) if profile else lvmconf
            differ(c, where, f"{vg}/{lv} autoextend threshold (lvmconfig)", conf.get("thin_pool_autoextend_threshold"),
                   str(ae.get("threshold_percent")))
            differ(c, where, f"{vg}/{lv} autoextend percent (lvmconfig)", conf.get("thin_pool_autoextend_percent"), str(ae.get("percent")))
            differ(c, where, f"{vg}/{lv} profile", profile or None, ae.get("profile"))
            mon = metrics.get(("thinpool_lvm_monitored", frozenset({"pool": p["name"]}.items())))
            differ(c, where, f"{vg}/{lv} thinpool_lvm_monitored", 1.0 if ae.get("monitored") else 0.0, mon)
            # The pool's thin LVs.
            for tb in before:
                if tb["pool_lv"] != lv:
                    continue
                ta = next((x for x in after if x["lv_name"] == tb["lv_name"]), tb)
                v = next((x for x in p["thin_volumes"] if (x.get("owner") or {}).get("lv") == tb["lv_name"]), None)
                if v is None or v.get("lvm") is None:
                    c.failures.append(f"{where}: thin LV {vg}/{tb['lv_name']} is not in our report")
                    continue
                either(f"{vg}/{tb['lv_name']} data_percent", "data_percent", tb, ta, v["lvm"]["data_percent"])
                either(f"{vg}/{tb['lv_name']} lv_size", "lv_size", tb, ta, str(v["lvm"]["lv_size_bytes"]))
            for g in vgs:
                if g["vg_name"] == vg:
                    differ(c, where, f"vgs {vg} vg_size", g["vg_size"], str(p["owner"].get("vg_size_bytes")))
                    differ(c, where, f"vgs {vg} vg_free", g["vg_free"], str(p["owner"].get("vg_free_bytes")))
