#!/bin/bash
# fuzz.sh [SECONDS] [TARGET...]: runs each fuzz target (Fuzz/Sources/thinpool-fuzz: every parser
# of outside input) for SECONDS (default 60) under libFuzzer with AddressSanitizer, starting
# from its seeds (Fuzz/corpus/TARGET) and the corpus grown by earlier runs (.build/fuzz/).
# Prints executions per target; exits non-zero on any crash, hang or sanitizer report (the
# input is kept as .build/fuzz/crash-TARGET-*; replay: FUZZ_TARGET=TARGET BIN FILE).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
secs=${1:-60}; [ $# -gt 0 ] && shift
mkdir -p Fuzz/.build/root && ln -sfn ../../.. Fuzz/.build/root/thinpool-exporter
# SwiftPM passes each --sanitize to swiftc as its own -sanitize= flag and swiftc keeps only the
# last: Swift code would get AddressSanitizer but no coverage counters (libFuzzer would run
# blind on everything but the C dependencies). One combined flag, last, fixes that.
flags=(-c release --sanitize fuzzer --sanitize address -Xswiftc -sanitize=fuzzer,address)
(cd Fuzz && swift build "${flags[@]}" >&2)
BIN=$(cd Fuzz && swift build "${flags[@]}" --show-bin-path)/thinpool-fuzz
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls Fuzz/corpus))
OUT=$ROOT/.build/fuzz; mkdir -p "$OUT"
# FUZZ_JOBS targets (default: the number of CPUs) run at once; each is one libFuzzer process on
# one CPU for SECONDS, as if alone. Its verdict goes to $OUT/TARGET.verdict and, in one write,
# to the output.
fuzz_one() {
  local t=$1 rc runs cov verdict
  mkdir -p "$OUT/corpus/$t"
  set +e
  FUZZ_TARGET=$t FUZZ_FIXTURES=$ROOT/fixtures/demo ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    "$BIN" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$OUT/crash-$t-" "$OUT/corpus/$t" "Fuzz/corpus/$t" > "$OUT/$t.log" 2>&1
  rc=$?
  runs=$(awk '/stat::number_of_executed_units/ {print $2}' "$OUT/$t.log")
  cov=$(grep -oE '(DONE|pulse|NEW|REDUCE).* cov: [0-9]+' "$OUT/$t.log" | tail -1 | grep -oE '[0-9]+$')
  if [ $rc = 0 ] && { [ -z "$cov" ] || grep -q "Is the code instrumented for coverage" "$OUT/$t.log"; }; then
    # Blind fuzzing (no coverage feedback) proves little: fail rather than report it as a pass.
    verdict="FUZZ FAIL $t: no coverage feedback (is the Swift code instrumented? see the flags above)"
  elif [ $rc = 0 ]; then
    verdict="fuzz $t: ${runs:-?} executions in ${secs}s, no crash; ${cov} edges covered, corpus $(ls "$OUT/corpus/$t" | wc -l) inputs"
  else
    verdict="FUZZ FAIL $t (exit $rc): $(grep -m1 -E 'ERROR|Fatal error|deadly signal|timeout' "$OUT/$t.log" || tail -1 "$OUT/$t.log")
$(grep -A30 -m1 -E "ERROR: |Fatal error" "$OUT/$t.log" | head -40 | sed 's/^/    /')"
  fi
  printf '%s\n' "$verdict" > "$OUT/$t.verdict"
  printf '%s\n' "$verdict"
}
for t in "${targets[@]}"; do rm -f "$OUT/$t.verdict"; done
. "$ROOT/scripts/lanes.sh"
run_lanes "${FUZZ_JOBS:-$(nproc)}" fuzz_one "${targets[@]}"
failed=()
for t in "${targets[@]}"; do
  # No verdict (the lane itself died) is a failure too.
  [ "$(cut -d' ' -f1 "$OUT/$t.verdict" 2>/dev/null | head -1)" = fuzz ] || failed+=("$t")
done
[ ${#failed[@]} = 0 ] || { echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}"; exit 1; }
