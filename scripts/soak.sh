#!/bin/bash
# soak.sh [SCRAPES]: the exporter with its agent under a long run. A release build serves a copy
# of fixtures/workloads (docker root, LVM, containerd) whose docker pool fills and drains every
# few seconds -- alerts fire and resolve, notifications go to a real receiver, the state file
# is rewritten -- while one client scrapes /metrics SCRAPES times (default 100000; every
# 1000th on a new connection). Prints RSS, open fds and CPU at the start (after 1000 warm-up
# scrapes) and every 10% after, and CPU per scrape; fails if RSS grew by more than 4 MiB or an
# fd leaked.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${1:-100000}
swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter
DIR=$(mktemp -d); trap 'kill $PID $RPID 2>/dev/null; rm -rf "$DIR"' EXIT
cp -a fixtures/workloads "$DIR/host"
RPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 Tests/Tools/receiver.py --port "$RPORT" --log "$DIR/receiver.jsonl" > "$DIR/receiver.log" 2>&1 &
RPID=$!
cat > "$DIR/agent.yml" <<YML
poll_interval: 200ms
state_dir: $DIR/state
receivers:
  - { name: soak, type: webhook, url: "http://127.0.0.1:$RPORT/hook" }
YML
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --dm.fixtures "$DIR/host" --docker.root "$DIR/host/docker" --docker.config "$DIR/host/etc/docker/daemon.json" \
  --containerd.config "$DIR/host/etc/containerd/config.toml" --config.file "$DIR/agent.yml" \
  --web.listen-address "127.0.0.1:$PORT" --log.level warn 2> "$DIR/exporter.log" &
PID=$!
for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
python3 - "$PORT" "$PID" "$N" "$DIR/host/status" <<'PY'
import http.client, os, sys, threading, time
port, pid, n, status_path = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
original = open(status_path).read()
stop = False
def writer():
    # docker's pool: 640 of 4096 data blocks used, up to 3900 (past 90%) and back, in ~4 s.
    used, step = 640, 100
    while not stop:
        used += step
        if used >= 3900 or used <= 640: step = -step
        text = original.replace("423/4096 640/4096", f"{423 + used // 8}/4096 {used}/4096")
        with open(status_path + ".tmp", "w") as f: f.write(text)
        os.rename(status_path + ".tmp", status_path)
        time.sleep(0.05)
threading.Thread(target=writer, daemon=True).start()
def sample():
    st = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    cpu = (int(st[11]) + int(st[12])) / os.sysconf("SC_CLK_TCK")
    rss = int([l for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS")][0].split()[1])
    return rss, len(os.listdir(f"/proc/{pid}/fd")), cpu
conn = None
def scrape(i):
    global conn
    if conn is None or i % 1000 == 0:
        if conn: conn.close()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", "/metrics")
    r = conn.getresponse(); body = r.read()
    assert r.status == 200 and b"thinpool_up 1" in body, r.status
for i in range(1000): scrape(i)
conn.close(); conn = None
time.sleep(0.5)
rss0, fds0, cpu0 = sample(); t0 = time.time()
print(f"start (after 1000 scrapes): RSS {rss0} kB, {fds0} fds", flush=True)
for i in range(n):
    scrape(i)
    if (i + 1) % (n // 10) == 0:
        rss, fds, cpu = sample()
        print(f"{i + 1:>7} scrapes: RSS {rss} kB, {fds} fds, CPU {cpu - cpu0:.1f} s", flush=True)
conn.close(); conn = None
stop = True
time.sleep(0.5)
rss1, fds1, cpu1 = sample(); secs = time.time() - t0
print(f"end: RSS {rss1} kB ({rss1 - rss0:+d} kB), {fds1} fds ({fds1 - fds0:+d}); "
      f"{n} scrapes in {secs:.0f} s ({n / secs:.0f}/s), CPU {1e6 * (cpu1 - cpu0) / n:.0f} us per scrape "
      f"(the agent's 5 polls a second included)")
ok = rss1 - rss0 <= 4096 and fds1 <= fds0
print("soak: " + ("ok" if ok else "FAILED: memory or fds grew"))
sys.exit(0 if ok else 1)
PY
echo "receiver got $(grep -c '"status": 200' "$DIR/receiver.jsonl" || true) notifications; exporter warnings/errors: $(grep -c -E 'level=(warn|error)' "$DIR/exporter.log" || true)"
grep -E 'level=(warn|error)' "$DIR/exporter.log" | sed -E 's/^time=[^ ]+ //; s/ (id|retry_in|notification)=[^ ]+//g' | cut -c1-200 \
  | sort | uniq -c | sort -rn | head -5 || true
