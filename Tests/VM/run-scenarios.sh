#!/bin/bash
# run-scenarios.sh [SCENARIO...]: builds thinpool-exporter (release, static Swift stdlib),
# boots the test kernel once per scenario (Tests/VM/scenarios/*.sh) with the binary inside and
# a host side (hostside.py: a forwarded port to the guest's exporter, a control endpoint),
# and checks each scenario's snapshots and host scrapes with check.py. Prints a summary; exits non-zero when a
# scenario fails. Output of each run: .build/vm/<scenario>.out
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
"$HERE/setup.sh"
if [ -z "${TPE_BIN:-}" ]; then
  echo "run-scenarios: building the release binary" >&2
  swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
  TPE_BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter
fi
OUT=$ROOT/.build/vm; mkdir -p "$OUT"
# The release binary carries ~100 MB of debug info: the initramfs gets a stripped copy.
strip -o "$OUT/thinpool-exporter" "$TPE_BIN"
# The fault injector the faults scenario preloads beneath libdevmapper.
gcc -shared -fPIC -O2 -Wall -o "$OUT/faultioctl.so" "$HERE/faultioctl.c" -ldl
TPE_BIN=$OUT/thinpool-exporter
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=("$HERE"/scenarios/*.sh)
failed=(); t0=$(date +%s)
for s in "${scenarios[@]}"; do
  name=$(basename "$s" .sh)
  ts=$(date +%s.%N)
  set +e
  # A scenario may ask for VM options in a line "# vm-args: ...".
  extra=$(sed -n 's/^# vm-args: *//p' "$s" | head -1)
  python3 "$HERE/hostside.py" "$OUT/$name.out" -m 512M -t 300 -x "$TPE_BIN" -f "$HERE/guest-lib.sh" $extra ${VM_ARGS:-} "$s"
  rc=$?
  python3 "$HERE/check.py" "$OUT/$name.out" > "$OUT/$name.check" 2>&1
  crc=$?
  set -e
  secs=$(awk -v s="$ts" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  if [ $rc = 0 ] && [ $crc = 0 ]; then
    echo "PASS $name (${secs}s): $(tail -1 "$OUT/$name.check")"
  else
    echo "FAIL $name (${secs}s): guest exit $rc; $(tail -1 "$OUT/$name.check")"
    grep -E '^FAIL|@@FAIL' "$OUT/$name.check" "$OUT/$name.out" | awk 'NR <= 20 { print "    " $0 }'
    echo "    full output: $OUT/$name.out"
    failed+=("$name")
  fi
done
echo "VM scenarios: $((${#scenarios[@]} - ${#failed[@]})) passed, ${#failed[@]} failed, $(( $(date +%s) - t0 ))s"
[ ${#failed[@]} = 0 ]
