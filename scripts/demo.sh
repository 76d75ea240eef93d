#!/bin/bash
# demo.sh: on a fresh Debian 12 machine with Swift, install what is needed, build, and show the
# pools of fixtures/demo (captured from a real kernel) -- no root or device-mapper needed.
# Extra arguments go to `thinpool-exporter status`, e.g. scripts/demo.sh --json.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release
exec .build/release/thinpool-exporter status --dm.fixtures fixtures/demo "$@"
