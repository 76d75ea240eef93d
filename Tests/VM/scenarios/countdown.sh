#!/bin/sh
# kernels: 5.10 6.12
# The out-of-space countdown against the kernel's own timer: no_space_timeout set to 20 s, a
# writer fills a queueing pool and its writes wait. The agent exports when the kernel will fail
# them (thinpool_queued_writes_fail_timestamp_seconds) and names the writer in the alert it
# posts and in the environment of the command receiver it runs; the kernel then fails the
# queued writes within 2 s of that deadline once its timer's own rounding (up to 2.048 s late
# here, read from its log) is added: the deadline we export is the earliest moment.
. /extra/files/guest-lib.sh
echo 20 > /sys/module/dm_thin_pool/parameters/no_space_timeout
D=$(loop /tmp/cd/data 16M); M=$(loop /tmp/cd/meta 8M)
pool cd "$M" "$D" 128 0
thin cd 0 cdthin 64
mkdir -p /tmp/agent
cat > /tmp/agent/agent.yml <<CFG
poll_interval: 60s
state_dir: /tmp/agent/state
alerts:
  data_used: { warning: off, critical: off }
  min_free_space_margin: off
  time_to_full: { warning: off, critical: off }
receivers:
  - name: host
    type: webhook
    url: http://$CTRL/hook/countdown
    timeout: 5s
  - name: pager
    type: command
    command: [/tmp/agent/on-alert, --from-agent]
    timeout: 10s
CFG
# The command receiver (dmeventd's thin_command, ours): a root-owned program in a root-owned
# directory, run as root with the alert and the pool's usage in its environment.
cat > /tmp/agent/on-alert <<'SH'
#!/bin/sh
{ echo "args=$*"; env | grep '^THINPOOL_' | grep -v '^THINPOOL_NOTIFICATION_JSON=' | sort; echo "--"; } >> /tmp/agent/commands.log
echo "paged for $THINPOOL_POOL"
SH
chmod 755 /tmp/agent/on-alert
serve --config.file /tmp/agent/agent.yml
wallclock >/dev/null  # calibrated before the writer starts
# 32 MiB into a 16 MiB pool: the writes past 16 MiB wait in the kernel.
# When dd ends, read by the shell itself (a process started under emulation costs a few tenths
# of a second, which the first version of this check counted as the kernel's lateness).
( write /dev/mapper/cdthin 32; rc=$?; read -r up _ < /proc/uptime; echo "$rc $up" > /tmp/writer.end ) &
W=$!
deadline=
i=0
while [ -z "$deadline" ]; do
  i=$((i + 1)); [ $i -gt 150 ] && fail "no deadline exported within 15 s: $(dmsetup status cd)"
  sleep 0.1
  deadline=$(wget -q -O - http://127.0.0.1:10234/metrics | sed -n 's/^thinpool_queued_writes_fail_timestamp_seconds{pool="cd"} \(.*\)/\1/p')
done
echo "deadline exported: $deadline ($(wget -q -O - http://127.0.0.1:10234/metrics | grep -E '^thinpool_out_of_data_space_since'))"
# The kernel's own in-flight count stays 0 for the held writes (Linux 6.1): the writer is
# found as the blocked process holding the volume open.
echo "cdthin inflight (reads, writes): $(cat /sys/block/dm-$(dmsetup info -c --noheadings -o minor cdthin | tr -d " ")/inflight)"
blocked=
i=0
while [ -z "$blocked" ]; do
  i=$((i + 1)); [ $i -gt 50 ] && fail "the writer was not found: $(wget -q -O - http://127.0.0.1:10234/metrics | grep -E '^thinpool_(out|queued|thin_blocked)')"
  blocked=$(wget -q -O - http://127.0.0.1:10234/metrics | sed -n 's/^thinpool_thin_blocked_writers{pool="cd",device="cdthin"} \(.*\)/\1/p')
  [ -n "$blocked" ] || sleep 0.1
done
echo "blocked writers on cdthin: $blocked"
snapshot queued
expect queued cd mode=out_of_data_space no_space_policy=queue_if_no_space
wait $W
read rc up < /tmp/writer.end
ended=$(awk -v u="$up" -v o="$WALL_OFFSET" 'BEGIN { printf "%.3f", u + o }')
[ "$rc" != 0 ] || fail "the writer succeeded: its queued writes were not failed"
echo "the writer failed (dd exit $rc) at $ended; we said $deadline"
# The kernel's own timer is not exact: a 20 s delayed work sits in the timer wheel's level 3,
# whose granule is 512 jiffies (2.048 s at this kernel's HZ 250), and fires at the granule's
# end. How late it fired is in the kernel's log, both lines stamped by the same clock.
pool_dev=$(dmsetup info -c --noheadings -o major,minor cd | tr -d ' ')
kstamp() { dmesg | grep "thin: $pool_dev: switching pool to out-of-data-space ($1 IO) mode" | tail -1 | sed 's/^\[ *\([0-9.]*\)\].*/\1/'; }
kqueue=$(kstamp queue); kerror=$(kstamp error)
[ -n "$kqueue" ] && [ -n "$kerror" ] || fail "the kernel did not log both mode switches: $(dmesg | grep "thin: $pool_dev" | tail -3)"
since=$(awk -v d="$deadline" 'BEGIN { printf "%.3f", d - 20 }')
late=$(awk -v q="$kqueue" -v e="$kerror" 'BEGIN { printf "%.3f", e - q - 20 }')
echo "kernel: queue IO at uptime $kqueue, error IO at $kerror: its timer fired $late s after its 20 s"
# Our countdown starts when the kernel switched (we saw it $since, i.e. uptime minus the offset).
awk -v s="$since" -v o="$WALL_OFFSET" -v q="$kqueue" 'BEGIN { x = s - o - q; printf "we saw it %.2f s after the kernel switched\n", x; exit !(x >= -0.3 && x <= 1) }' \
  || fail "our out-of-space start is more than 1 s away from the kernel's switch at uptime $kqueue"
awk -v l="$late" 'BEGIN { exit !(l >= -0.1 && l <= 2.048 + 1.5) }' \
  || fail "the kernel's timer fired $late s after its no_space_timeout: not the timer wheel's rounding"
# The writes fail when the kernel's timer fires: our deadline plus that rounding, within 2 s.
awk -v e="$ended" -v d="$deadline" -v l="$late" 'BEGIN { x = e - d - l; printf "failed %.2f s from our deadline (%.2f s once the timer'"'"'s rounding is added)\n", e - d, x; if (x < 0) x = -x; exit !(x <= 2) }' \
  || fail "the queued writes failed at $ended, more than 2 s away from our deadline $deadline plus the kernel timer's $late s"
grep 'msg="alert firing"' /tmp/serve.log | grep ThinPoolOutOfDataSpace | grep -q 'writes to cdthin fail in' \
  || fail "the alert did not name the writer: $(grep ThinPoolOutOfDataSpace /tmp/serve.log)"
grep 'msg="alert firing"' /tmp/serve.log | grep ThinPoolOutOfDataSpace | sed 's/.*summary=/summary=/'
snapshot failed
expect failed cd mode=out_of_data_space no_space_policy=error_if_no_space
j=0; until [ "$(wget -q -O - http://$CTRL/posts/countdown)" -ge 1 ]; do j=$((j + 1)); [ $j -gt 50 ] && fail "no post"; sleep 0.1; done
echo "@@EXPECTPOSTS countdown ThinPoolOutOfDataSpace firing 1"
# The command receiver ran for the same alert, with the pool's usage as dmsetup has it.
j=0; until grep -q '^THINPOOL_ALERT=ThinPoolOutOfDataSpace' /tmp/agent/commands.log 2>/dev/null; do
  j=$((j + 1)); [ $j -gt 100 ] && fail "the command receiver did not run within 10 s: $(grep -i command /tmp/serve.log)"; sleep 0.1
done
# The run for that alert: its block of the log (a block per run, ended by "--").
awk '/^--$/ { if (b ~ /\nTHINPOOL_ALERT=ThinPoolOutOfDataSpace\n/) { printf "%s", b; exit } b = ""; next } { b = b $0 "\n" }' \
  /tmp/agent/commands.log > /tmp/agent/run.env
cat /tmp/agent/run.env
cmdenv() { sed -n "s/^$1=//p" /tmp/agent/run.env; }
[ "$(sed -n 1p /tmp/agent/run.env)" = "args=--from-agent" ] || fail "the command receiver's arguments: $(sed -n 1p /tmp/agent/run.env)"
[ "$(cmdenv THINPOOL_POOL)" = cd ] || fail "THINPOOL_POOL is '$(cmdenv THINPOOL_POOL)', not cd"
[ "$(cmdenv THINPOOL_STATUS)" = firing ] || fail "THINPOOL_STATUS is '$(cmdenv THINPOOL_STATUS)'"
cmdenv THINPOOL_SUMMARY | grep -q 'writes to cdthin fail in' || fail "THINPOOL_SUMMARY does not name the writer: $(cmdenv THINPOOL_SUMMARY)"
total=$(dmsetup status cd | cut -d' ' -f6 | cut -d/ -f2)
[ "$(cmdenv THINPOOL_DATA_SIZE_BYTES)" = $((total * 65536)) ] || fail "THINPOOL_DATA_SIZE_BYTES $(cmdenv THINPOOL_DATA_SIZE_BYTES), dmsetup says $((total * 65536))"
[ "$(cmdenv THINPOOL_DATA_USED_BYTES)" = $((total * 65536)) ] || fail "THINPOOL_DATA_USED_BYTES $(cmdenv THINPOOL_DATA_USED_BYTES): the pool is full ($((total * 65536)))"
[ "$(cmdenv THINPOOL_DATA_PERCENT)" = 100.00 ] || fail "THINPOOL_DATA_PERCENT $(cmdenv THINPOOL_DATA_PERCENT)"
grep -q 'msg="command receiver output".*paged for cd' /tmp/serve.log || fail "the program's output was not logged"
wget -q -O - http://127.0.0.1:10234/metrics | grep -q '^thinpool_notifications_total{receiver="pager",result="delivered"} [1-9]' \
  || fail "the command's run is not counted: $(wget -q -O - http://127.0.0.1:10234/metrics | grep 'receiver="pager"')"
kill $SERVE_PID; wait $SERVE_PID
