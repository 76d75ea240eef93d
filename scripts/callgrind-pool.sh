#!/bin/bash
# callgrind-pool.sh [POOL]: instructions per one-pool re-read (the alert path), natively,
# over the fixture source (fixtures/demo; POOL default docker-8:1-1048577-pool). Builds the
# release binary with the static Swift runtime (valgrind stops on the shared one), runs
# `thinpool-exporter bench pool` under callgrind at two iteration counts and prints the
# difference per read: the start-up and the first full read cancel out. The fixture client's
# own cost is included (it reads the status from memory; the kernel client makes an ioctl).
set -euo pipefail
cd "$(dirname "$0")/.."
POOL=${1:-docker-8:1-1048577-pool}
command -v valgrind >/dev/null || { echo "callgrind-pool.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
BIN=$(mktemp); trap 'rm -f "$BIN" "$BIN".cg.*' EXIT
strip --strip-debug -o "$BIN" "$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter"
total() {
  valgrind --tool=callgrind --callgrind-out-file="$BIN.cg.$1" "$BIN" bench pool --iterations "$1" \
    --dm.fixtures fixtures/demo --docker.root none "$POOL" 2>&1 >/dev/null | sed -n 's/.*Collected : *//p'
}
a=$(total 2000); b=$(total 12000)
echo "one-pool re-read of $POOL over fixtures/demo: $(( (b - a) / 10000 )) instructions per read (callgrind, 12,000 - 2,000 reads)"
