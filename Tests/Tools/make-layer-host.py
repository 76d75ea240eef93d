#!/usr/bin/env python3
"""make-layer-host.py DIR LAYERS: a fixture of a docker host with LAYERS active layer devices
(dmsetup table/status/info in DIR) and the docker root naming them (DIR/docker: one metadata
file and one layerdb/sha256 entry per layer, as dockerd writes them), for
scripts/bench-workloads.sh."""
import os
import sys

out, n = sys.argv[1], int(sys.argv[2])
prefix = "docker-8:1-4242"
pool = prefix + "-pool"
meta = os.path.join(out, "docker/devicemapper/metadata")
sha = os.path.join(out, "docker/image/devicemapper/layerdb/sha256")
os.makedirs(meta, exist_ok=True)
table = [f"{pool}: 0 209715200 thin-pool 7:1 7:0 128 32768 1 skip_block_zeroing"]
status = [f"{pool}: 0 209715200 thin-pool 7 2000/262144 100000/1638400 - rw discard_passdown queue_if_no_space - 1024"]
info = ["Name Maj Min Stat Open Targ Event UUID", f"{pool} 254 0 L--w {n} 1 0"]
for i in range(1, n + 1):
    h = "%064x" % i
    mapped = (i % 97) * 2048
    table.append(f"{prefix}-{h}: 0 20971520 thin 254:0 {i}")
    status.append(f"{prefix}-{h}: 0 20971520 thin {mapped} {mapped - 1 if mapped else '-'}")
    info.append(f"{prefix}-{h} 254 {i} L--w 0 1 0")
    with open(os.path.join(meta, h), "w") as f:
        f.write('{"device_id":%d,"size":10737418240,"transaction_id":%d,"initialized":false,"deleted":false}' % (i, i))
    d = os.path.join(sha, "c%063x" % i)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "cache-id"), "w") as f:
        f.write(h)
for name, lines in (("table", table), ("status", status), ("info", info)):
    with open(os.path.join(out, name), "w") as f:
        f.write("\n".join(lines) + "\n")
