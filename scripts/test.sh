#!/bin/bash
# test.sh: the whole test suite, as CI runs it: unit and end-to-end tests on the host (plain,
# under AddressSanitizer, under ThreadSanitizer), the fuzzers for a bounded time, then the
# scenarios against a real kernel in a VM (Tests/VM). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
echo "== swift test" >&2
swift test
# The same suite under the sanitizers, each in its own build directory (the binaries the
# tests start are sanitized too).
echo "== swift test under AddressSanitizer (and LeakSanitizer)" >&2
LSAN_OPTIONS=suppressions=$PWD/scripts/sanitizers/lsan.supp swift test --sanitize=address --scratch-path .build-asan
echo "== swift test under ThreadSanitizer" >&2
swift test --sanitize=thread --scratch-path .build-tsan
echo "== fuzzing: every parser of outside input, ${FUZZ_SECONDS:-20} s each" >&2
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
echo "== VM scenarios (Tests/VM)" >&2
Tests/VM/run-scenarios.sh
