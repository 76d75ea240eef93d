#!/bin/bash
# demo.sh [workloads] [status [--json]]: on a fresh Debian 12 machine with Swift, install what is
# needed, build, and serve the pools of fixtures/demo (captured from a real kernel) on
# http://127.0.0.1:10234/ -- no root or device-mapper needed. `status` prints them instead.
# `workloads` uses fixtures/workloads: pools used by docker (with its data root and
# daemon.json), LVM and containerd, named in the metrics and in status.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
args=(--dm.fixtures fixtures/demo)
if [ "${1:-}" = workloads ]; then
  shift
  args=(--dm.fixtures fixtures/workloads --docker.root fixtures/workloads/docker
        --docker.config fixtures/workloads/etc/docker/daemon.json
        --containerd.config fixtures/workloads/etc/containerd/config.toml)
fi
if [ "${1:-}" = status ]; then
  shift
  exec .build/release/thinpool-exporter status "${args[@]}" "$@"
fi
echo "serving ${args[1]} on http://127.0.0.1:10234/ (Ctrl-C stops)" >&2
exec .build/release/thinpool-exporter serve "${args[@]}" --web.listen-address 127.0.0.1:10234 "$@"
