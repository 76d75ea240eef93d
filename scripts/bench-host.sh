#!/bin/bash
# bench-host.sh: the HTTP side on this machine, with the fixture source (fixtures/demo, or a
# generated host with many thin volumes): scrape latency under 64 concurrent clients (wrk,
# 2 threads, 20 s) and the exporter's RSS after 100 and after 10,000 scrapes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null; }
swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter
PORT=${PORT:-10299}
FIXTURE=${1:-fixtures/demo}
"$BIN" serve --dm.fixtures "$FIXTURE" --web.listen-address 127.0.0.1:$PORT --web.max-connections 128 --log.level warn &
PID=$!
trap 'kill $PID 2>/dev/null' EXIT
for i in $(seq 1 50); do curl -sf http://127.0.0.1:$PORT/healthz >/dev/null && break; sleep 0.1; done
rss() { awk '/VmRSS/{print $2}' /proc/$PID/status; }
fds() { ls /proc/$PID/fd | wc -l; }
scrape() { python3 - "$1" <<PY
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", $PORT)
for _ in range(int(sys.argv[1])):
    c.request("GET", "/metrics"); r = c.getresponse(); r.read()
    assert r.status == 200
PY
}
body=$(curl -s http://127.0.0.1:$PORT/metrics | wc -c)
echo "fixture $FIXTURE: /metrics is $body bytes"
scrape 100
echo "after 100 scrapes: RSS $(rss) kB, $(fds) fds"
scrape 9900
echo "after 10000 scrapes: RSS $(rss) kB, $(fds) fds"
echo "wrk -t2 -c64 -d20s --latency /metrics:"
wrk -t2 -c64 -d20s --latency http://127.0.0.1:$PORT/metrics | grep -E "Requests/sec|^ +50%|^ +90%|^ +99%|Latency "
echo "after wrk: RSS $(rss) kB, $(fds) fds"
