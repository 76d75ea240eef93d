#!/bin/bash
# demo.sh: on a fresh Debian 12 machine with Swift, install what is needed, build, and serve the
# pools of fixtures/demo (captured from a real kernel) on http://127.0.0.1:10234/ -- no root or
# device-mapper needed. `scripts/demo.sh status [--json]` prints them instead.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
if [ "${1:-}" = status ]; then
  shift
  exec .build/release/thinpool-exporter status --dm.fixtures fixtures/demo "$@"
fi
echo "serving fixtures/demo on http://127.0.0.1:10234/ (Ctrl-C stops)" >&2
exec .build/release/thinpool-exporter serve --dm.fixtures fixtures/demo --web.listen-address 127.0.0.1:10234 "$@"
