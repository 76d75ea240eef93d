# guest-lib.sh: helpers for guest scenario scripts, sourced from /extra/files/guest-lib.sh.
# A scenario builds pools, then calls `snapshot NAME` at the moments worth checking and
# `expect NAME POOL key=value...` for what that moment must show. The host-side checker
# (Tests/VM/check.py) compares every snapshot's `thinpool-exporter status --json` with its own
# reading of the dmsetup output taken at the same moment, then checks the expectations.
set -u
MB=2048                  # sectors per MiB
TPE=${TPE:-thinpool-exporter}
TPE_ARGS=${TPE_ARGS:-}

fail() {
  echo "@@FAIL $*"
  # The exporter's own account, when one is running.
  [ -f /tmp/serve.log ] && { echo "--- exporter log (last 40 lines)"; tail -40 /tmp/serve.log; }
  exit 1
}
say() { echo "=== $*"; }

# loop FILE SIZE: a sparse backing file on a new loop device; prints the device.
loop() {
  mkdir -p "$(dirname "$1")"
  truncate -s "$2" "$1" || fail "truncate $1"
  local l; l=$(losetup -f) || fail "no free loop device"
  losetup "$l" "$1" || fail "losetup $l $1"
  echo "$l"
}

# pool NAME META DATA BLOCK_SECTORS LOW_WATER [FEATURES...]: create a thin pool over two devices.
pool() {
  local name=$1 meta=$2 data=$3 bs=$4 lwm=$5; shift 5
  local feat=""; [ $# -gt 0 ] && feat=" $# $*"
  dmsetup create "$name" --table "0 $(blockdev --getsz "$data") thin-pool $meta $data $bs $lwm$feat" \
    || fail "create pool $name"
}

# thin POOL ID NAME SIZE_MB: provision thin device ID in POOL as /dev/mapper/NAME.
thin() {
  dmsetup message "$1" 0 "create_thin $2" || fail "create_thin $2 in $1"
  dmsetup create "$3" --table "0 $(($4 * MB)) thin /dev/mapper/$1 $2" || fail "create thin $3"
}

# write DEV MB [SEEK_MB]: direct writes, so the blocks are provisioned when it returns.
write() { dd if=/dev/zero of="$1" bs=1M count="$2" seek="${3:-0}" oflag=direct 2>/dev/null; }

events() { dmsetup info -c --noheadings -o events "$1" | tr -d ' '; }

# The loop devices' backing files and their filesystems' free space (statfs f_bfree, f_bsize),
# read here from sysfs and stat so the checker need not trust the exporter for them.
loops() {
  for b in /sys/block/loop*/loop/backing_file; do
    [ -r "$b" ] || continue
    local d=${b%/loop/backing_file}; local f; f=$(cat "$b")
    echo "$(cat "$d/dev") $(stat -f -c '%f %s' "$f") $f"
  done
}

# snapshot NAME: dmsetup output and the exporter's JSON at one moment. The dmsetup status is
# read before and after the exporter; a moment where they differ is taken again.
snapshot() {
  local name=$1 try=0 before after json rc
  while :; do
    before=$(dmsetup status)
    json=$($TPE status --json $TPE_ARGS 2>/tmp/tpe.err); rc=$?
    after=$(dmsetup status)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 5 ] && fail "snapshot $name: the pools kept changing"
  done
  echo "@@SNAPSHOT $name"
  echo "@@FILE table"; dmsetup table
  echo "@@FILE status"; echo "$after"
  echo "@@FILE info"; dmsetup info -c
  echo "@@FILE loops"; loops
  echo "@@FILE json"; echo "$json"
  echo "@@FILE stderr"; cat /tmp/tpe.err
  echo "@@FILE rc"; echo "$rc"
  echo "@@END"
}

# expect SNAPSHOT POOL key=value...: JSON fields of POOL in SNAPSHOT (dotted paths into
# objects: data.used_blocks=640). Values compare as JSON text (true, null, "rw" as rw).
expect() {
  local snap=$1 pool=$2; shift 2
  echo "@@EXPECT $snap $pool $*"
}

# expect_metric SNAPSHOT METRIC VALUE LABEL=VALUE...: in the host scrape of SNAPSHOT (taken by
# host_scrape), exactly one METRIC series has these labels, and its value is VALUE.
expect_metric() {
  echo "@@EXPECTMETRIC $*"
}

# serve [ARGS...]: start `thinpool-exporter serve` on :10234 in the background (the host reaches
# it through a forwarded port) and wait until it answers.
serve() {
  $TPE serve --web.listen-address :10234 "$@" > /tmp/serve.log 2>&1 &
  SERVE_PID=$!
  local i=0
  until wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the exporter did not start: $(cat /tmp/serve.log)"
    sleep 0.1
  done
}

# host_scrape NAME: the host scrapes the exporter here while dmsetup reads the same moment; the
# checker compares the host's metrics with this snapshot. Retaken if the pools moved meanwhile.
host_scrape() {
  local name=$1 try=0 before after
  while :; do
    before=$(dmsetup status)
    echo "@@SCRAPE $name.$try"
    until wget -q -O /dev/null "http://$CTRL/done/$name.$try" 2>/dev/null; do sleep 0.1; done
    after=$(dmsetup status)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 5 ] && fail "host_scrape $name: the pools kept changing"
  done
  echo "@@SNAPSHOT $name"
  echo "@@SCRAPED $name.$try"
  echo "@@FILE table"; dmsetup table
  echo "@@FILE status"; echo "$after"
  echo "@@FILE info"; dmsetup info -c
  echo "@@FILE loops"; loops
  echo "@@FILE json"; $TPE status --json 2>/tmp/tpe.err
  echo "@@FILE rc"; echo $?
  echo "@@END"
}
