#!/bin/bash
# test.sh: the whole test suite, as CI runs it: unit and end-to-end tests on the host, then
# the scenarios against a real kernel in a VM (Tests/VM). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
echo "== swift test" >&2
swift test
echo "== VM scenarios (Tests/VM)" >&2
Tests/VM/run-scenarios.sh
