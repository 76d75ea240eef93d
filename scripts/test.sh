#!/bin/bash
# test.sh: the whole test suite, as CI runs it: format and import checks, unit and end-to-end
# tests on the host (plain, under AddressSanitizer, under ThreadSanitizer), the fuzzers for a
# bounded time, then the scenarios against a real kernel in a VM (Tests/VM). Installs what it
# needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
# The tests' temporary files (logs of the processes they start, configs, state directories)
# go to a directory of this run's own: removed when the run passes, kept and named when not.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/thinpool-tests.XXXXXX")
export TMPDIR
trap 'rc=$?; if [ $rc = 0 ]; then rm -rf "$TMPDIR"; else echo "test.sh: the tests'"'"' temporary files are in $TMPDIR" >&2; fi' EXIT
# Habits first (seconds): the code as swift-format writes it (.swift-format; fix with
# `swift format format -i -r Sources Tests Plugins Fuzz/Sources Package.swift`), and every target's
# imports equal to the dependencies Package.swift declares, the core's limited to the core.
echo "== swift format lint, imports against Package.swift" >&2
swift format lint --strict -r Sources Tests Plugins Fuzz/Sources Package.swift Fuzz/Package.swift
scripts/check-imports.py
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
