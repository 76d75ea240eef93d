#!/bin/bash
# test.sh: the whole test suite, as CI runs it: format and import checks, unit and end-to-end
# tests on the host (plain, under AddressSanitizer, under ThreadSanitizer), the fuzzers for a
# bounded time, then the scenarios against a real kernel in a VM (Tests/VM), then the release
# artifacts (scripts/package.sh). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
# Each stage's seconds, printed at the end (pass or fail) so a slow stage shows itself.
STAGES=() T_STAGE=$(date +%s) T_START=$T_STAGE STAGE=install
stage() { local now; now=$(date +%s); STAGES+=("$STAGE $((now - T_STAGE))s"); T_STAGE=$now STAGE=$1; echo "== $2" >&2; }
timings() { stage end ""; echo "test.sh: ${STAGES[*]}; total $(( $(date +%s) - T_START ))s" >&2; }
scripts/install-deps.sh --test
# The tests' temporary files (logs of the processes they start, configs, state directories)
# go to a directory of this run's own: removed when the run passes, kept and named when not.
TMPDIR=$(mktemp -d "${TMPDIR:-/tmp}/thinpool-tests.XXXXXX")
export TMPDIR
trap 'rc=$?; timings; if [ $rc = 0 ]; then rm -rf "$TMPDIR"; else echo "test.sh: the tests'"'"' temporary files are in $TMPDIR" >&2; fi' EXIT
# Habits first (seconds): the code as swift-format writes it (.swift-format; fix with
# `swift format format -i -r Sources Tests Plugins Fuzz/Sources Package.swift`), and every target's
# imports equal to the dependencies Package.swift declares, the core's limited to the core.
stage lint "swift format lint, imports against Package.swift"
swift format lint --strict -r Sources Tests Plugins Fuzz/Sources Package.swift Fuzz/Package.swift
scripts/check-imports.py
stage test "swift test"
swift test
# The same suite under the sanitizers, each in its own build directory (the binaries the
# tests start are sanitized too).
stage asan "swift test under AddressSanitizer (and LeakSanitizer)"
LSAN_OPTIONS=suppressions=$PWD/scripts/sanitizers/lsan.supp swift test --sanitize=address --scratch-path .build-asan
stage tsan "swift test under ThreadSanitizer"
swift test --sanitize=thread --scratch-path .build-tsan
stage fuzz "fuzzing: every parser of outside input, ${FUZZ_SECONDS:-20} s each"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
stage vm "VM scenarios (Tests/VM)"
Tests/VM/run-scenarios.sh
# The release artifacts from the binary the VM scenarios ran: the Debian package (lintian: no
# error) and the release archive (scripts/package.sh).
stage package "scripts/package.sh: the .deb and the release archive"
THINPOOL_BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter PACKAGE_OUT=$PWD/.build/package scripts/package.sh
scripts/check-package.sh .build/package
