#!/bin/bash
# bench-workloads.sh [LAYERS]: what naming the pools costs. A fixture docker host with LAYERS
# (default 5000) active layer devices and a docker root naming each (Tests/Tools/make-layer-host.py);
# one process reads every pool and thin volume 50 times without and with --docker.root, side by
# side, and the first read (which parses every metadata file) is shown apart.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter
DIR=$(mktemp -d); trap 'rm -rf "$DIR"' EXIT
python3 Tests/Tools/make-layer-host.py "$DIR" "$N"
# Files written an hour ago: past the window in which a change could share a timestamp tick.
find "$DIR/docker" -exec touch -h -d '1 hour ago' {} +
for root in none "$DIR/docker"; do
  for run in 1 2; do
    printf '%-7s run %s: ' "$([ "$root" = none ] && echo without || echo with)" "$run"
    "$BIN" bench collect --iterations 50 --dm.fixtures "$DIR" --docker.root "$root" --log.level error
  done
done | tee "$DIR/out"
awk '/^without/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") { w[n1++] = $i; break } }
     /^with / { for (i = 1; i <= NF; i++) if ($(i+1) == "us") { d[n2++] = $i; break } }
     END { printf "per collection, with docker naming / without: %.2fx, %.2fx\n", d[0] / w[0], d[1] / w[1] }' "$DIR/out"
