#!/bin/bash
# run-scenarios.sh [SCENARIO...]: builds thinpool-exporter (release, static Swift stdlib),
# boots the test kernel once per scenario (Tests/VM/scenarios/*.sh) with the binary inside and
# a host side (hostside.py: a forwarded port to the guest's exporter, a control endpoint),
# and checks each scenario's snapshots and host scrapes with check.py. Prints a summary; exits non-zero when a
# scenario fails. Output of each run: .build/vm/<scenario>.out
# VM_JOBS (default: the number of CPUs) VMs run at once, each its own qemu with one emulated
# CPU (two for the scenarios that ask for it), its own ports and files; the longest start first
# so the lanes end together. A scenario that judges the kernel's own behaviour says so in a
# line "# kernels: 5.10 6.12": it runs on those kernels too (Debian 11's and 13's), as
# NAME@5.10 and NAME@6.12; SCENARIO@GEN on the command line runs one on one generation.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
t_setup=$(date +%s)
"$HERE/setup.sh"
echo "run-scenarios: setup $(( $(date +%s) - t_setup ))s" >&2
if [ -z "${TPE_BIN:-}" ]; then
  echo "run-scenarios: building the release binary" >&2
  swift build -c release --static-swift-stdlib --product thinpool-exporter >&2
  TPE_BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/thinpool-exporter
  echo "run-scenarios: setup and release build $(( $(date +%s) - t_setup ))s" >&2
fi
OUT=$ROOT/.build/vm; mkdir -p "$OUT"
VMCACHE=${VMCACHE:-$ROOT/.vmcache}
# The release binary carries ~100 MB of debug info: the initramfs gets a stripped copy.
strip -o "$OUT/thinpool-exporter" "$TPE_BIN"
# The fault injector the faults scenario preloads beneath libdevmapper.
gcc -shared -fPIC -O2 -Wall -o "$OUT/faultioctl.so" "$HERE/faultioctl.c" -ldl
TPE_BIN=$OUT/thinpool-exporter
scenarios=("$@")
if [ ${#scenarios[@]} = 0 ]; then
  # The longest first (seconds in a CI run: docker-info ~190, package ~170, space-scan ~80,
  # kill-autoextend ~45, lvm-report and containerd ~40, many ~30, countdown ~28), then the rest.
  for n in docker-info package space-scan kill-autoextend lvm-report containerd many countdown; do
    [ -f "$HERE/scenarios/$n.sh" ] && scenarios+=("$HERE/scenarios/$n.sh")
  done
  for s in "$HERE"/scenarios/*.sh; do
    case " ${scenarios[*]} " in *" $s "*) ;; *) scenarios+=("$s") ;; esac
  done
  # The other kernels' runs, after the long scenarios and beside the rest.
  for s in "$HERE"/scenarios/*.sh; do
    for g in $(sed -n 's/^# kernels: *//p' "$s" | head -1); do scenarios+=("$s@$g"); done
  done
fi
# A scenario with a line "# sysroot: bookworm" boots Debian 12 with systemd (run-vm.sh -R) and
# gets the Debian package, two builds of it (revisions 1 and 2: an upgrade), in
# /extra/files/package: made here from this binary unless PACKAGE_DIR holds them already.
# (No pipe into grep -q here: under pipefail its early exit fails the loop writing to it.)
need_sysroot=
for s in "${scenarios[@]}"; do grep -q '^# sysroot:' "${s%@*}" && need_sysroot=y; done
if [ -z "${PACKAGE_DIR:-}" ] && [ -n "$need_sysroot" ]; then
  "$HERE/sysroot-image.sh" "$VMCACHE"
  PACKAGE_DIR=$OUT/package; rm -rf "$PACKAGE_DIR"
  for rev in 1 2; do
    PACKAGE_OUT=$PACKAGE_DIR DEB_REVISION=$rev THINPOOL_BIN=$TPE_BIN "$ROOT/scripts/package.sh" >/dev/null
  done
  rm -f "$PACKAGE_DIR"/*.tar.gz "$PACKAGE_DIR"/sha256sums.txt
fi
JOBS=${VM_JOBS:-$(nproc)}
# One scenario: its VM, then its check; the verdict goes to $OUT/NAME.verdict (first word PASS
# or FAIL) and, in one write, to the output.
run_one() {
  local s=${1%@*} gen= name ts extra rc crc secs verdict
  case $1 in *@*) gen=${1##*@} ;; esac
  name=$(basename "$s" .sh)${gen:+@$gen}
  ts=$(date +%s.%N)
  # A scenario may ask for VM options in a line "# vm-args: ...".
  extra=$(sed -n 's/^# vm-args: *//p' "$s" | head -1)
  if grep -q '^# sysroot: bookworm' "$s"; then
    extra="$extra -R $VMCACHE/sysroot-bookworm.img -f $PACKAGE_DIR:/extra/files/package"
  fi
  set +e   # this lane's verdict is written below, whatever happens
  VM_KERNEL=${gen:-6.1} python3 "$HERE/hostside.py" "$OUT/$name.out" -m 512M -t 300 -x "$TPE_BIN" -f "$HERE/guest-lib.sh" $extra ${VM_ARGS:-} "$s"
  rc=$?
  python3 "$HERE/check.py" "$OUT/$name.out" > "$OUT/$name.check" 2>&1
  crc=$?
  secs=$(awk -v s="$ts" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  if [ $rc = 0 ] && [ $crc = 0 ]; then
    verdict="PASS $name (${secs}s): $(tail -1 "$OUT/$name.check")"
  else
    verdict="FAIL $name (${secs}s): guest exit $rc; $(tail -1 "$OUT/$name.check")
$(grep -E '^FAIL|@@FAIL' "$OUT/$name.check" "$OUT/$name.out" | awk 'NR <= 20 { print "    " $0 }')
    full output: $OUT/$name.out"
  fi
  printf '%s\n' "$verdict" > "$OUT/$name.verdict"
  printf '%s\n' "$verdict"
}
t0=$(date +%s)
verdict_name() { local s=${1%@*}; case $1 in *@*) echo "$(basename "$s" .sh)@${1##*@}" ;; *) basename "$s" .sh ;; esac; }
for s in "${scenarios[@]}"; do
  rm -f "$OUT/$(verdict_name "$s").verdict"
done
. "$ROOT/scripts/lanes.sh"
run_lanes "$JOBS" run_one "${scenarios[@]}"
failed=()
for s in "${scenarios[@]}"; do
  name=$(verdict_name "$s")
  # No verdict at all (the lane itself died) is a failure too.
  [ "$(cut -d' ' -f1 "$OUT/$name.verdict" 2>/dev/null | head -1)" = PASS ] || failed+=("$name")
done
echo "VM scenarios: $((${#scenarios[@]} - ${#failed[@]})) passed, ${#failed[@]} failed${failed:+ (${failed[*]})}, $(( $(date +%s) - t0 ))s, $JOBS at once"
[ ${#failed[@]} = 0 ]
