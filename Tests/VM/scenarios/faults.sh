#!/bin/sh
# libdevmapper failing: EPERM, ENODEV, EIO, EBUSY, ENXIO, EINVAL and ENOTTY injected beneath it
# (Tests/VM/faultioctl.c, LD_PRELOAD: libdevmapper and the exporter's own ioctls both go through
# it) on real pools. Each failure is a typed error naming the operation, the device and errno,
# with its exit status; one pool's failure leaves the other reported; a failed reload or resume
# never leaves a pool suspended; without ARM_POLL and DM_DEV_WAIT the agent polls.
# vm-args: -f .build/vm/faultioctl.so
. /extra/files/guest-lib.sh
F=/extra/files/faultioctl.so
M=$(loop /tmp/ma 8M); D=$(loop /tmp/da 32M); pool a "$M" "$D" 128 16; thin a 0 a-t0 64; write /dev/mapper/a-t0 4
M2=$(loop /tmp/mb 8M); D2=$(loop /tmp/db 32M); pool b "$M2" "$D2" 128 16; thin b 0 b-t0 64; write /dev/mapper/b-t0 6
# fault OP:ERRNO [DEVICE] -- CMD...: runs CMD with the fault; its exit status in $rc, output in /tmp/o, /tmp/e
fault() {
  local spec=$1 dev=$2; shift 3
  LD_PRELOAD=$F FAULT_IOCTL=$spec FAULT_DEVICE=$dev "$@" > /tmp/o 2> /tmp/e; rc=$?
  echo "--- $spec ${dev:-(every device)}: $* -> exit $rc"; head -c 600 /tmp/e; echo
}
want() { [ "$rc" = "$1" ] || fail "$2: exit $rc, want $1; stderr: $(cat /tmp/e)"; }
has() { grep -q -- "$2" "/tmp/$1" || fail "$3: /tmp/$1 lacks '$2': $(cat /tmp/$1)"; }

say "LIST refused, missing, failing: the exit status says which"
fault LIST:EPERM "" -- $TPE status; want 77 "LIST EPERM"; has e "Operation not permitted (errno 1)" "LIST EPERM"
fault LIST:ENODEV "" -- $TPE status; want 69 "LIST ENODEV"; has e "No such device (errno 19)" "LIST ENODEV"
fault LIST:EIO "" -- $TPE status; want 70 "LIST EIO"; has e "Input/output error (errno 5)" "LIST EIO"

say "one pool's STATUS busy: the other reported, the busy one named with its errno"
fault STATUS:EBUSY a -- $TPE status; want 1 "STATUS EBUSY a"
has o "Pool Name: b" "STATUS EBUSY a"; has o "Data Space Used: 6.291MB" "STATUS EBUSY a"
has e "pool a: " "STATUS EBUSY a"; has e "Device or resource busy (errno 16)" "STATUS EBUSY a"

say "a TABLE that answers ENXIO: the device vanished, the rest is reported"
fault TABLE:ENXIO a -- $TPE status --json; want 0 "TABLE ENXIO a"
grep -q '"name": "a"' /tmp/o && fail "TABLE ENXIO a: pool a still reported"
has o '"name": "b"' "TABLE ENXIO a"

say "serving with one pool's STATUS failing: thinpool_up 1, that pool 0, the other 1, scrape after scrape"
export LD_PRELOAD=$F FAULT_IOCTL=STATUS:EBUSY FAULT_DEVICE=a
serve --dm.events poll
unset LD_PRELOAD FAULT_IOCTL FAULT_DEVICE
i=0; while [ $i -lt 20 ]; do wget -q -O /tmp/m http://127.0.0.1:10234/metrics || fail "scrape $i failed"; i=$((i + 1)); done
has m "thinpool_up 1" "serve"; has m 'thinpool_pool_up{pool="a"} 0' "serve"; has m 'thinpool_pool_up{pool="b"} 1' "serve"
has m 'thinpool_data_used_bytes{pool="b"} 6291456' "serve"
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"

say "no ARM_POLL, no DM_DEV_WAIT (ENOTTY, as before dm ioctl 4.37): the agent polls"
echo "poll_interval: 1s" > /tmp/agent.yml; echo "state_dir: /tmp/agent-state" >> /tmp/agent.yml
export LD_PRELOAD=$F FAULT_IOCTL=ARMPOLL:ENOTTY,WAITEVENT:ENOTTY
serve --config.file /tmp/agent.yml
unset LD_PRELOAD FAULT_IOCTL
sleep 2
wget -q -O /tmp/m http://127.0.0.1:10234/metrics || fail "scrape"
has m 'thinpool_event_source{source="poll"} 1' "fallback to polling"
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"

say "state directory full (a 64 KiB tmpfs): a clear error, metrics still served, the saved state intact; writable again once freed"
mkdir -p /tmp/full && mount -t tmpfs -o size=64k tmpfs /tmp/full || fail "mount tmpfs"
cat > /tmp/agent.yml <<YAML
poll_interval: 500ms
state_dir: /tmp/full/state
alerts: { data_used: { warning: 10%, critical: 30% } }
receivers: [ { name: down, type: webhook, url: "http://127.0.0.1:1/hook", retry: { initial: 200ms, max: 400ms } } ]
YAML
serve --config.file /tmp/agent.yml
i=0; until grep -q ThinPoolDataUsage /tmp/full/state/state.json 2>/dev/null; do
  i=$((i + 1)); [ $i -gt 50 ] && fail "no state saved: $(cat /tmp/serve.log)"; sleep 0.1; done
# The agent saves at every delivery attempt (the receiver is down), so the fill races its
# saves: a save that fails unlinks its half-written file and gives pages back, and the next
# save fits (CI saw state.json change "while the disk was full"). Top the disk up until it
# stays full and the agent says its last save failed; only then take the copy.
i=0
while :; do
  i=$((i + 1)); [ $i -gt 20 ] && fail "the state directory would not stay full: $(df -k /tmp/full | tail -1)"
  dd if=/dev/zero of=/tmp/full/fill$i bs=4k 2>/dev/null
  sleep 0.5
  [ "$(df -k /tmp/full | awk 'NR == 2 { print $4 }')" = 0 ] || continue
  wget -q -O - http://127.0.0.1:10234/metrics | grep -q '^thinpool_state_writable 0' && break
done
df -k /tmp/full | tail -1
grep "cannot save state" /tmp/serve.log | head -2
cp /tmp/full/state/state.json /tmp/state-before.json
grep -q critical /tmp/state-before.json && fail "pool a critical before the write"
write /dev/mapper/a-t0 12    # pool a past 30%: a critical alert, a new notification, a save that cannot fit
i=0; until wget -q -O /tmp/m http://127.0.0.1:10234/metrics && grep -q 'thinpool_alerts_firing{pool="a",.*severity="critical"' /tmp/m; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "pool a's critical alert never fired: $(grep alerts_firing /tmp/m)"; sleep 0.1; done
has m "thinpool_state_writable 0" "full state dir"; has m 'thinpool_pool_up{pool="a"} 1' "full state dir"
cmp -s /tmp/full/state/state.json /tmp/state-before.json || fail "state.json changed while the disk was full"
[ -e /tmp/full/state/state.json.tmp ] && fail "a half-written state.json.tmp was left behind"
again=$(grep -c "state directory writable again" /tmp/serve.log)
rm /tmp/full/fill*
i=0; until [ "$(grep -c "state directory writable again" /tmp/serve.log)" -gt "$again" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "never writable again: $(tail -20 /tmp/serve.log)"; sleep 0.1; done
wget -q -O /tmp/m http://127.0.0.1:10234/metrics || fail "scrape"
has m "thinpool_state_writable 1" "freed state dir"
grep -q critical /tmp/full/state/state.json || fail "the critical alert was not saved once space came back"
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"
umount /tmp/full

say "extend with the reload refused, then with the resume refused: never left suspended, old size kept"
printf 'autoextend: { data: { min_headroom: 16MiB } }\n' > /tmp/ext.yml
before=$(dmsetup table a)
fault RELOAD:EBUSY a -- $TPE extend a --data 16MiB --config.file /tmp/ext.yml; want 1 "extend RELOAD EBUSY"
has e "Device or resource busy (errno 16)" "extend RELOAD EBUSY"
dmsetup info a | grep -q "State: *ACTIVE" || fail "pool a SUSPENDED after a refused reload"
[ "$(dmsetup table a)" = "$before" ] || fail "pool a's table changed after a refused reload"
fault SUSPEND:EINVAL a -- $TPE extend a --data 16MiB --config.file /tmp/ext.yml; want 1 "extend RESUME EINVAL"
has e "could not be made live" "extend RESUME EINVAL"
dmsetup info a | grep -q "State: *ACTIVE" || fail "pool a SUSPENDED after a refused resume"
[ "$(dmsetup table a)" = "$before" ] || fail "pool a's live table changed after a refused resume"
snapshot after-faults
expect after-faults a mode=rw data.total_blocks=512
say "and without faults the same extend works"
$TPE extend a --data 16MiB --config.file /tmp/ext.yml || fail "extend without faults"
snapshot extended
expect extended a mode=rw data.total_blocks=768
