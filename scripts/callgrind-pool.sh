#!/bin/bash
# callgrind-pool.sh [FIXTURES POOL]: instructions per one-pool re-read (the alert path),
# natively, over the fixture source. By default a fixture like the VM benchmark's host: one
# docker pool (as scripts/bench-vm.sh reads it; nothing stuck, no loop files). Builds the
# release binary with the static Swift runtime (valgrind stops on the shared one), runs
# `thinpool-exporter bench pool` under callgrind at two iteration counts and prints the
# difference per read: the start-up and the first full read cancel out. The fixture client's
# own cost is included (it reads the status from memory; the kernel client makes an ioctl).
# CALLGRIND_OUT=FILE keeps the 12,000-read profile (callgrind_annotate --inclusive=yes FILE).
# THINPOOL_BIN=PATH counts another build (e.g. an earlier release, for a before/after).
set -euo pipefail
cd "$(dirname "$0")/.."
FIXTURES=${1:-}
POOL=${2:-docker-8:1-4242-pool}
command -v valgrind >/dev/null || { echo "callgrind-pool.sh: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
[ -n "${THINPOOL_BIN:-}" ] || swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
BIN=$(mktemp); DIR=$(mktemp -d); trap 'rm -rf "$BIN" "$BIN".cg.* "$DIR"' EXIT
if [ -z "$FIXTURES" ]; then
  FIXTURES=$DIR
  printf '%s\n' 'Name Maj Min Stat Open Targ Event UUID' "$POOL 254 0 L--w 1000 1 0" >"$DIR/info"
  echo "$POOL: 0 209715200 thin-pool 7:1 7:0 128 32768 1 skip_block_zeroing" >"$DIR/table"
  echo "$POOL: 0 209715200 thin-pool 7 2000/262144 100000/1638400 - rw discard_passdown queue_if_no_space - 1024" >"$DIR/status"
fi
strip --strip-debug -o "$BIN" "${THINPOOL_BIN:-$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter}"
total() {
  valgrind --tool=callgrind --callgrind-out-file="$BIN.cg.$1" "$BIN" bench pool --iterations "$1" \
    --dm.fixtures "$FIXTURES" --docker.root none "$POOL" 2>&1 >/dev/null | sed -n 's/.*Collected : *//p'
}
a=$(total 2000); b=$(total 12000)
[ -z "${CALLGRIND_OUT:-}" ] || cp "$BIN.cg.12000" "$CALLGRIND_OUT"
echo "one-pool re-read of $POOL over $FIXTURES: $(( (b - a) / 10000 )) instructions per read (callgrind, 12,000 - 2,000 reads)"
