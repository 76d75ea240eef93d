#!/bin/bash
# capture-workloads.sh: (re)makes fixtures/workloads: the pools of the workload host
# (Tests/VM/workload-host.sh) captured from a real kernel in the VM, and beside them the
# docker data root, daemon.json and containerd config.toml that host has, written by the
# same script.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/fixtures/workloads
rm -rf "$OUT"
"$HERE/tools/capture-fixture.sh" "$HERE/tools/workloads-guest.sh" "$OUT" -f "$HERE/guest-lib.sh" -f "$HERE/workload-host.sh"
sh -c ". '$HERE/workload-host.sh'; workload_docker_root '$OUT/docker'; workload_configs '$OUT/etc'"
