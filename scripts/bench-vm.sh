#!/bin/bash
# bench-vm.sh [NTHIN]: the device-mapper read benchmark in the test VM (a real 6.1 kernel under
# qemu TCG; absolute times are emulated, compare the ratios). Builds the release binary and
# dmfloor (Tests/VM/bench/dmfloor.c), then runs Tests/VM/bench/perf-guest.sh with one pool and
# NTHIN (default 1000) thin volumes, printing each figure and the ratios to the C floor.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
Tests/VM/setup.sh
swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
mkdir -p .build/bench
strip -o .build/bench/thinpool-exporter "$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter"
BIN=.build/bench/thinpool-exporter
gcc -O2 -o .build/bench/dmfloor Tests/VM/bench/dmfloor.c -ldevmapper
out=$(Tests/VM/run-vm.sh -m 768M -t 900 -x "$BIN" -x .build/bench/dmfloor -e "NTHIN=${1:-1000}" Tests/VM/bench/perf-guest.sh)
echo "$out" | grep -v '^@@'
echo "$out" | awk '
  /^== \(a\)/ { part = "a" } /^== \(b\)/ { part = "b" }
  /C floor:/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") floor[part] = $i }
  /^in-process one pool/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") { inproc["a"] = $i; break } }
  /^in-process full collection:/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") { inproc["b"] = $i; break } }
  /^in-process full collection \(no table cache\)/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") { nocache = $i; break } }
  /^subprocess/ { for (i = 1; i <= NF; i++) if ($(i+1) == "us") spawn[part] = $i }
  END {
    printf "ratios to the C floor: (a) in-process %.2fx, subprocess %.0fx; (b) in-process %.2fx (no table cache %.2fx), subprocess %.2fx\n",
      inproc["a"] / floor["a"], spawn["a"] / floor["a"], inproc["b"] / floor["b"], nocache / floor["b"], spawn["b"] / floor["b"]
  }'
