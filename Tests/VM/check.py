#!/usr/bin/env python3
"""Checks a VM scenario's output: for every snapshot, `thinpool-exporter status --json` must
agree with the dmsetup output taken at the same moment, parsed here independently of the
exporter; then every @@EXPECT line must hold. Exit 0 when all checks pass.

Usage: check.py GUEST_OUTPUT_FILE
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clients  # noqa: E402  the real clients' output against ours


def parse_targets(text):
    """dmsetup table/status (all devices) -> {name: [(start, length, type, params)]}"""
    devices = {}
    for line in text.splitlines():
        if not line.strip() or line.strip() == "No devices found":
            continue
        name, _, rest = line.partition(": ")
        if not _:
            name, rest = line.rstrip(":"), ""
        words = rest.split(None, 3)
        devices.setdefault(name, [])
        if len(words) >= 3:
            devices[name].append((int(words[0]), int(words[1]), words[2], words[3].strip() if len(words) > 3 else ""))
    return devices


def parse_info(text):
    lines = [l for l in text.splitlines() if l.strip()]
    cols = lines[0].split()
    out = {}
    for l in lines[1:]:
        f = l.split()
        row = dict(zip(cols, f))
        out[row["Name"]] = row
    return out


def parse_loops(text):
    """'7:0 <f_bfree> <f_bsize> <file>' -> {"7:0": (file, free_bytes)}"""
    out = {}
    for l in text.splitlines():
        f = l.split(None, 3)
        if len(f) == 4:
            out[f[0]] = (f[3], int(f[1]) * int(f[2]))
    return out


class Checker:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def eq(self, where, what, got, want):
        self.checks += 1
        if got != want:
            self.failures.append(f"{where}: {what}: exporter says {got!r}, dmsetup says {want!r}")

    def snapshot(self, name, files):
        where = f"snapshot {name}"
        rc = int(files.get("rc", "1").strip() or 1)
        self.eq(where, "status --json exit code", rc, 0)
        if files.get("stderr", "").strip():
            self.failures.append(f"{where}: stderr: {files['stderr'].strip()}")
        try:
            doc = json.loads(files["json"])
        except Exception as e:  # noqa: BLE001
            self.failures.append(f"{where}: not JSON ({e}): {files.get('json', '')[:200]!r}")
            return None
        tables = parse_targets(files["table"])
        statuses = parse_targets(files["status"])
        info = parse_info(files["info"])
        loops = parse_loops(files.get("loops", ""))
        by_name = {p["name"]: p for p in doc["pools"]}
        pools = sorted(n for n, t in tables.items() if len(t) == 1 and t[0][2] == "thin-pool")
        self.eq(where, "pool names", sorted(by_name), pools)
        for name in pools:
            if name in by_name:
                self.pool(f"{where} pool {name}", name, by_name[name], tables, statuses, info, loops)
        return doc

    def pool(self, where, name, p, tables, statuses, info, loops):
        start, length, _, params = tables[name][0]
        t = params.split()
        meta_dev, data_dev, bs, lwm = t[0], t[1], int(t[2]), int(t[3])
        features = t[5:5 + int(t[4])] if len(t) > 4 else []
        dev = f"{info[name]['Maj']}:{info[name]['Min']}"
        self.eq(where, "device", p["device"], dev)
        self.eq(where, "event_nr", p["event_nr"], int(info[name]["Event"]))
        self.eq(where, "uuid", p["uuid"], info[name].get("UUID"))
        self.eq(where, "block_size_bytes", p["block_size_bytes"], bs * 512)
        self.eq(where, "length_bytes", p["length_bytes"], length * 512)
        self.eq(where, "low_water_mark_blocks", p["low_water_mark_blocks"], lwm)
        self.eq(where, "low_water_mark_bytes", p["low_water_mark_bytes"], lwm * bs * 512)
        self.eq(where, "features", p["features"], features)
        self.eq(where, "data.device", p["data"]["device"], data_dev)
        self.eq(where, "metadata.device", p["metadata"]["device"], meta_dev)
        s = statuses[name][0][3].split()
        if s == ["Fail"] or s == ["Error"]:
            self.eq(where, "mode", p["mode"], s[0].lower())
            for k in ("used_blocks", "total_blocks", "used_bytes", "total_bytes", "available_bytes"):
                self.eq(where, f"data.{k}", p["data"][k], None)
        else:
            tid = int(s[0])
            mu, mt = map(int, s[1].split("/"))
            du, dt = map(int, s[2].split("/"))
            self.eq(where, "transaction_id", p["transaction_id"], tid)
            self.eq(where, "held_metadata_root", p["held_metadata_root"], None if s[3] == "-" else int(s[3]))
            self.eq(where, "mode", p["mode"], s[4])
            self.eq(where, "discard", p["discard"], s[5])
            self.eq(where, "no_space_policy", p["no_space_policy"], s[6])
            self.eq(where, "needs_check", p["needs_check"], s[7] == "needs_check")
            self.eq(where, "metadata_low_watermark_blocks", p["metadata_low_watermark_blocks"], int(s[8]))
            self.eq(where, "data.used_blocks", p["data"]["used_blocks"], du)
            self.eq(where, "data.total_blocks", p["data"]["total_blocks"], dt)
            self.eq(where, "data.used_bytes", p["data"]["used_bytes"], du * bs * 512)
            self.eq(where, "data.total_bytes", p["data"]["total_bytes"], dt * bs * 512)
            self.eq(where, "metadata.used_bytes", p["metadata"]["used_bytes"], mu * 4096)
            self.eq(where, "metadata.total_bytes", p["metadata"]["total_bytes"], mt * 4096)
            pct = p["min_free_space_percent"]
            # Docker's figures only for a pool docker may use: docker's, or of unknown owner.
            docker = p["owner"] is None or p["owner"]["kind"] == "docker"
            refuse_data = pct > 0 and dt - du < max(1, dt * pct // 100)
            refuse_meta = pct > 0 and mt - mu < max(1, mt * pct // 100)
            self.eq(where, "min_free_space_bytes", p["min_free_space_bytes"], dt * pct // 100 * bs * 512 if docker else None)
            self.eq(where, "docker_would_refuse", p["docker_would_refuse"],
                    {"data": refuse_data, "metadata": refuse_meta} if docker else None)
            self.eq(where, "at_low_water_mark", p["at_low_water_mark"], dt - du <= lwm)
            for kind, devnum, avail in (("data", data_dev, (dt - du) * bs * 512), ("metadata", meta_dev, (mt - mu) * 4096)):
                backing = loops.get(devnum)
                self.eq(where, f"{kind}.backing_file", p[kind]["backing_file"], backing[0] if backing else None)
                if backing:
                    avail = min(avail, backing[1])
                self.eq(where, f"{kind}.available_bytes", p[kind]["available_bytes"], avail)
        # Thin volumes: thin devices whose table names this pool's device number.
        want = {}
        for tname, tt in tables.items():
            if len(tt) == 1 and tt[0][2] == "thin" and tt[0][3].split()[0] == dev:
                st = statuses.get(tname, [(0, 0, "", "")])[0][3].split()
                want[tname] = {
                    "device_id": int(tt[0][3].split()[1]),
                    "size_bytes": tt[0][1] * 512,
                    "mapped_bytes": int(st[0]) * 512 if len(st) == 2 else None,
                    "highest_mapped_sector": int(st[1]) if len(st) == 2 and st[1] != "-" else None,
                }
        got = {v["name"]: {k: v[k] for k in ("device_id", "size_bytes", "mapped_bytes", "highest_mapped_sector")}
               for v in p["thin_volumes"]}
        if s != ["Fail"]:
            self.eq(where, "thin_volumes", got, want)
        else:
            self.eq(where, "thin volume names", sorted(got), sorted(n for n, tt in tables.items()
                                                                    if len(tt) == 1 and tt[0][2] == "thin" and tt[0][3] == "Fail"))


def parse_metrics(text):
    """Prometheus text format -> {(name, frozenset(labels)): float}"""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        head, _, value = line.rpartition(" ")
        name, labels = head, {}
        if "{" in head:
            name, _, rest = head.partition("{")
            rest = rest.rstrip("}")
            for part in split_labels(rest):
                k, _, v = part.partition("=")
                labels[k] = v[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out[(name, frozenset(labels.items()))] = float(value)
    return out


def split_labels(s):
    parts, cur, quoted, escaped = [], "", False, False
    for ch in s:
        if escaped:
            cur += ch
            escaped = False
        elif ch == "\\":
            cur += ch
            escaped = True
        elif ch == '"':
            cur += ch
            quoted = not quoted
        elif ch == "," and not quoted:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return parts


def check_metrics(c, name, text, files):
    """The host's scrape of the exporter against the dmsetup snapshot of the same moment."""
    where = f"host scrape {name}"
    m = parse_metrics(text)

    def get(metric, **labels):
        return m.get((metric, frozenset(labels.items())))

    c.eq(where, "thinpool_up", get("thinpool_up"), 1.0)
    tables = parse_targets(files["table"])
    statuses = parse_targets(files["status"])
    info = parse_info(files["info"])
    loops = parse_loops(files.get("loops", ""))
    pools = sorted(n for n, t in tables.items() if len(t) == 1 and t[0][2] == "thin-pool")
    scraped = sorted(dict(k[1])["pool"] for k in m if k[0] == "thinpool_pool_up")
    c.eq(where, "pools", scraped, pools)
    for p in pools:
        w = f"{where} pool {p}"
        t = tables[p][0][3].split()
        bs, lwm = int(t[2]), int(t[3])
        c.eq(w, "thinpool_pool_up", get("thinpool_pool_up", pool=p), 1.0)
        c.eq(w, "thinpool_data_block_size_bytes", get("thinpool_data_block_size_bytes", pool=p), float(bs * 512))
        c.eq(w, "thinpool_low_water_mark_bytes", get("thinpool_low_water_mark_bytes", pool=p), float(lwm * bs * 512))
        c.eq(w, "thinpool_dm_events_total", get("thinpool_dm_events_total", pool=p), float(info[p]["Event"]))
        s = statuses[p][0][3].split()
        mode = s[0].lower() if s in (["Fail"], ["Error"]) else s[4]
        for mo in ("rw", "ro", "out_of_data_space", "fail", "error"):
            c.eq(w, f"thinpool_mode{{mode={mo}}}", get("thinpool_mode", pool=p, mode=mo), 1.0 if mo == mode else 0.0)
        if mode in ("fail", "error"):
            c.eq(w, "thinpool_data_used_bytes", get("thinpool_data_used_bytes", pool=p), None)
            continue
        mu, mt = map(int, s[1].split("/"))
        du, dt = map(int, s[2].split("/"))
        c.eq(w, "thinpool_data_used_bytes", get("thinpool_data_used_bytes", pool=p), float(du * bs * 512))
        c.eq(w, "thinpool_data_size_bytes", get("thinpool_data_size_bytes", pool=p), float(dt * bs * 512))
        c.eq(w, "thinpool_metadata_used_bytes", get("thinpool_metadata_used_bytes", pool=p), float(mu * 4096))
        c.eq(w, "thinpool_metadata_size_bytes", get("thinpool_metadata_size_bytes", pool=p), float(mt * 4096))
        avail = (dt - du) * bs * 512
        backing = loops.get(t[1])
        if backing:
            avail = min(avail, backing[1])
        c.eq(w, "thinpool_data_available_bytes", get("thinpool_data_available_bytes", pool=p), float(avail))
        c.eq(w, "thinpool_transaction_id", get("thinpool_transaction_id", pool=p), float(s[0]))
        c.eq(w, "thinpool_needs_check", get("thinpool_needs_check", pool=p), 1.0 if s[7] == "needs_check" else 0.0)
        dev = f"{info[p]['Maj']}:{info[p]['Min']}"
        for tname, tt in tables.items():
            if len(tt) == 1 and tt[0][2] == "thin" and tt[0][3].split()[0] == dev:
                st = statuses[tname][0][3].split()
                c.eq(w, f"thinpool_thin_mapped_bytes{{device={tname}}}", get("thinpool_thin_mapped_bytes", pool=p, device=tname),
                     float(int(st[0]) * 512))
                c.eq(w, f"thinpool_thin_size_bytes{{device={tname}}}", get("thinpool_thin_size_bytes", pool=p, device=tname),
                     float(tt[0][1] * 512))


def lookup(pool, path):
    v = pool
    for part in path.split("."):
        v = v[part] if isinstance(v, dict) else v[int(part)]
    return v


def main():
    text = open(sys.argv[1], encoding="utf-8", errors="replace").read()
    c = Checker()
    snaps, expects, current, section = {}, [], None, None
    others = []
    scrapes, scrape = {}, None
    posts, post = [], None
    for line in text.splitlines():
        # Host sections are written whole, but may fall between any two guest lines.
        if line.startswith("@@HOSTPOST "):
            _, name, at = line.split()
            post = {"name": name, "at": float(at), "text": ""}
            posts.append(post)
            continue
        if post is not None:
            if line.startswith("@@END"):
                post = None
            else:
                post["text"] += line + "\n"
            continue
        if line.startswith("@@HOSTSCRAPE "):
            scrape = line.split()[1]
            scrapes[scrape] = ""
            continue
        if scrape is not None:
            if line.startswith("@@END"):
                scrape = None
            else:
                scrapes[scrape] += line + "\n"
            continue
        if line.startswith("@@SCRAPED ") and current is not None:
            current["__scraped"] = line.split()[1]
            continue
        if line.startswith(("@@SNAPSHOT ", "@@DOCKERCREATE ", "@@DOCKERNAMES ", "@@CTR ", "@@LVS ")):
            kind, name = line.split(None, 1)
            current = {"__name": name.strip(), "__kind": kind[2:]}
        elif line.startswith("@@FILE ") and current is not None:
            section = line.split(None, 1)[1].strip()
            current[section] = ""
        elif line.startswith("@@END") and current is not None:
            if current["__kind"] == "SNAPSHOT":
                snaps[current["__name"]] = current
            else:
                others.append(current)
            current, section = None, None
        elif line.startswith("@@EXPECT "):
            expects.append(line.split()[1:])
        elif line.startswith("@@FAIL"):
            c.failures.append("guest: " + line[7:])
        elif current is not None and section:
            current[section] += line + "\n"
    docs = {}
    for name, files in snaps.items():
        docs[name] = c.snapshot(name, files)
        if "__scraped" in files:
            key = files["__scraped"]
            if key not in scrapes:
                c.failures.append(f"snapshot {name}: no host scrape {key}")
            else:
                check_metrics(c, name, scrapes[key], files)
        if "dockerinfo" in files and docs[name] is not None:
            clients.docker_info(c, name, files, docs[name], parse_metrics(scrapes.get(files.get("__scraped"), "")))
    for files in others:
        if files["__kind"] == "DOCKERCREATE":
            clients.docker_create(c, files["__name"], files)
        elif files["__kind"] == "LVS":
            clients.lvs_report(c, files["__name"], files, parse_metrics(scrapes.get(files.get("__scraped"), "")))
        elif files["__kind"] == "CTR":
            scraped = scrapes.get(files.get("__scraped"))
            if scraped is None:
                c.failures.append(f"ctr {files['__name']}: no host scrape")
            else:
                clients.ctr_snapshots(c, files["__name"], files, parse_metrics(scraped))
        elif files["__kind"] == "DOCKERNAMES":
            scraped = scrapes.get(files.get("__scraped"))
            if scraped is None:
                c.failures.append(f"docker names {files['__name']}: no host scrape")
            else:
                clients.docker_names(c, files["__name"], files, parse_metrics(scraped))
    for e in expects:
        snap, pool, pairs = e[0], e[1], e[2:]
        doc = docs.get(snap)
        if doc is None:
            c.failures.append(f"expect: no snapshot {snap}")
            continue
        p = next((x for x in doc["pools"] if x["name"] == pool), None)
        if p is None:
            c.failures.append(f"expect {snap}: no pool {pool}")
            continue
        for pair in pairs:
            key, op, want = (pair.partition(">=") if ">=" in pair else pair.partition("="))
            got = lookup(p, key)
            c.checks += 1
            if op == ">=":
                ok = got is not None and got >= int(want)
            else:
                ok = (json.dumps(got) == want) or (isinstance(got, str) and got == want)
            if not ok:
                c.failures.append(f"expect {snap} {pool}: {key}{op}{want}, exporter says {json.dumps(got)}")
    # @@EXPECTMETRIC SNAP METRIC VALUE LABEL=VALUE...: in the host's scrape taken with snapshot
    # SNAP, exactly one series of METRIC has those labels (others may exist), and its value is
    # VALUE.
    for line in text.splitlines():
        if not line.startswith("@@EXPECTMETRIC "):
            continue
        snap, metric, want, *pairs = line.split()[1:]
        files = snaps.get(snap)
        where = f"expect_metric {snap} {metric}{{{','.join(pairs)}}}"
        c.checks += 1
        if files is None or files.get("__scraped") not in scrapes:
            c.failures.append(f"{where}: no host scrape with snapshot {snap}")
            continue
        labels = dict(p.split("=", 1) for p in pairs)
        found = [v for (n, ls), v in parse_metrics(scrapes[files["__scraped"]]).items()
                 if n == metric and all(dict(ls).get(k) == v2 for k, v2 in labels.items())]
        if len(found) != 1:
            c.failures.append(f"{where}: {len(found)} series match, want exactly 1")
        elif found[0] != float(want):
            c.failures.append(f"{where}: {found[0]:g}, want {want}")
    # @@EXPECTPOSTS HOOK ALERTNAME STATUS COUNT: the host receiver got exactly COUNT alerts of
    # that name and status (webhook v4 bodies), no more (no duplicates), no fewer.
    for line in text.splitlines():
        if not line.startswith("@@EXPECTPOSTS "):
            continue
        _, hook, alertname, status, count = line.split()
        got = 0
        for p in posts:
            if p["name"] != hook:
                continue
            body = p["text"].split("\n\n", 1)[-1]
            try:
                doc = json.loads(body)
            except ValueError:
                c.failures.append(f"host post {hook}: not JSON: {body[:200]!r}")
                continue
            got += sum(1 for a in doc.get("alerts", []) if a["labels"].get("alertname") == alertname and a["status"] == status)
        c.checks += 1
        if got != int(count):
            c.failures.append(f"host receiver {hook}: {got} {status} {alertname} alerts, want {count}")
    if not snaps:
        c.failures.append("no snapshots in the guest output")
    for f in c.failures:
        print("FAIL " + f)
    print(f"check: {len(snaps)} snapshots, {len(expects)} expectation lines, {c.checks} checks, {len(c.failures)} failures")
    sys.exit(1 if c.failures else 0)


if __name__ == "__main__":
    main()
