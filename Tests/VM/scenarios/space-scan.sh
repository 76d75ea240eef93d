#!/bin/sh
# kernels: 6.12
# Where the space went, against the real tools, in one boot:
#  1. ext4 on a thin volume, 200 MiB written and deleted: the reclaimable bytes the agent
#     exports equal what `fstrim` then frees *in the pool* (the drop of its used data blocks),
#     within 4 pool blocks.
#  2. a thin volume and its snapshot sharing 24 of 32 MiB: our exclusive/shared bytes equal
#     thin_ls's, and the origin's exclusive bytes equal what deleting it really frees.
#  3. a metadata snapshot held by another tool: the scan leaves it alone (and says so).
#  4. the agent SIGKILLed while it holds its metadata snapshot: released at the next start.
#  5. trim before extend: a pool over its threshold with deleted data in a filesystem is
#     brought under it by trimming alone; with too little to trim, it is grown only by what is
#     still missing after the trim.
#  6. stuck devices: a thin volume suspended, then with an inactive table loaded, as dmsetup
#     info says: exported with since when, ThinPoolDevicesStuck after stuck_after, resolved.
# vm-args: -C -m 1536M
. /extra/files/guest-lib.sh
BLOCK=65536
D=$(loop /tmp/ss/data 1G); M=$(loop /tmp/ss/meta 16M)
pool ss "$M" "$D" 128 0
thin ss 0 fsvol 600
mkfs.ext4 -q -E nodiscard,lazy_itable_init=0,lazy_journal_init=0 /dev/mapper/fsvol || fail "mkfs.ext4"
mkdir -p /mnt/fs && mount -t ext4 -o nodiscard /dev/mapper/fsvol /mnt/fs || fail "mount"
used() { dmsetup status ss | awk '{ split($6, d, "/"); print d[1] }'; }
total() { dmsetup status ss | awk '{ split($6, d, "/"); print d[2] }'; }
held() { dmsetup status ss | awk '{ print $7 }'; }
# metric NAME 'LABELS': the value of one series of the running agent.
metric() {
  local series="$1{$2} "; [ -n "$2" ] || series="$1 "
  wget -q -O - http://127.0.0.1:10234/metrics | grep -F "$series" | grep -v '^#' | awk '{ print $2 }'
}
# await_scan: until the agent's next space scan of ss is published.
await_scan() {
  local t0 t i=0
  t0=$(metric thinpool_space_scan_timestamp_seconds 'pool="ss"')
  while :; do
    t=$(metric thinpool_space_scan_timestamp_seconds 'pool="ss"')
    [ -n "$t" ] && [ "$t" != "$t0" ] && return 0
    i=$((i + 1)); [ $i -gt 300 ] && fail "no space scan within 30 s"
    sleep 0.1
  done
}
within() {  # within A B SLACK WHAT
  awk -v a="$1" -v b="$2" -v s="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= s) }' || fail "$4: $1 against $2"
}
mkdir -p /tmp/agent
agent_config() {  # agent_config FILE [EXTRA YAML]
  cat > "$1" <<CFG
poll_interval: 1s
state_dir: /tmp/agent/state
alerts: { data_used: { warning: off, critical: off }, min_free_space_margin: off, time_to_full: { warning: off, critical: off }, low_water: false, stuck_after: 2s }
space_scan: { enabled: true, interval: 10s, timeout: 10m, thin_ls: ${THIN_LS:-thin_ls} }
${2:-}
CFG
}
stop_agent() { kill $SERVE_PID; wait $SERVE_PID; }

say "1. reclaimable by fstrim"
dd if=/dev/zero of=/mnt/fs/big bs=1M count=200 conv=fsync 2>/dev/null || fail "write 200 MiB"
rm /mnt/fs/big; sync
agent_config /tmp/agent/scan.yml
serve --config.file /tmp/agent/scan.yml
await_scan
sync; await_scan
r=$(metric thinpool_thin_reclaimable_bytes 'pool="ss",device="fsvol",estimate="false"')
[ -n "$r" ] || fail "no reclaimable bytes for fsvol: $(wget -q -O - http://127.0.0.1:10234/metrics | grep -E 'reclaim|space_scan')"
u0=$(used); said=$(fstrim -v /mnt/fs); u1=$(used)
freed=$(((u0 - u1) * BLOCK))
echo "reclaimable (ours): $r bytes; fstrim freed in the pool: $freed bytes ($u0 -> $u1 blocks); fstrim -v said: $said"
[ "$freed" -ge $((190 << 20)) ] || fail "fstrim freed only $freed bytes of the 200 MiB deleted"
within "$r" "$freed" $((4 * BLOCK)) "reclaimable against what fstrim freed in the pool"
await_scan
r=$(metric thinpool_thin_reclaimable_bytes 'pool="ss",device="fsvol",estimate="false"')
within "$r" 0 $((4 * BLOCK)) "reclaimable after the trim"

say "2. exclusive and shared bytes"
thin ss 2 orig 64
write /dev/mapper/orig 32 || fail "write orig"
dmsetup suspend orig && dmsetup message ss 0 "create_snap 3 2" && dmsetup resume orig || fail "create_snap"
dmsetup create snap3 --table "0 $((64 * MB)) thin /dev/mapper/ss 3" || fail "activate snap3"
write /dev/mapper/orig 8 || fail "overwrite orig"
await_scan
for v in orig snap3; do
  eval "${v}_x=\$(metric thinpool_thin_exclusive_bytes 'pool=\"ss\",device=\"$v\"')"
  eval "${v}_s=\$(metric thinpool_thin_shared_bytes 'pool=\"ss\",device=\"$v\"')"
done
echo "ours: orig exclusive $orig_x shared $orig_s; snap3 exclusive $snap3_x shared $snap3_s"
i=0; until dmsetup message ss 0 reserve_metadata_snap 2>/dev/null; do i=$((i + 1)); [ $i -gt 50 ] && fail "reserve"; sleep 0.2; done
thin_ls --no-headers -m -o DEV,EXCLUSIVE_BYTES,SHARED_BYTES "$M" > /tmp/thin_ls.out || fail "thin_ls"
dmsetup message ss 0 release_metadata_snap || fail "release"
echo "thin_ls:"; cat /tmp/thin_ls.out
[ "$(awk '$1 == 2 { print $2, $3 }' /tmp/thin_ls.out)" = "$orig_x $orig_s" ] || fail "orig: thin_ls and we differ"
[ "$(awk '$1 == 3 { print $2, $3 }' /tmp/thin_ls.out)" = "$snap3_x $snap3_s" ] || fail "snap3: thin_ls and we differ"
[ "$orig_x" = $((8 << 20)) ] && [ "$orig_s" = $((24 << 20)) ] || fail "orig should hold 8 MiB alone and share 24 MiB"
u0=$(used); dmsetup remove orig && dmsetup message ss 0 "delete 2" || fail "delete orig"; u1=$(used)
echo "deleting orig freed $(((u0 - u1) * BLOCK)) bytes; we said $orig_x"
[ $(((u0 - u1) * BLOCK)) = "$orig_x" ] || fail "deleting orig freed $(((u0 - u1) * BLOCK)) bytes, not the $orig_x we said"

say "3. a snapshot held by another tool"
dmsetup message ss 0 reserve_metadata_snap || fail "reserve"
root=$(held)
s0=$(metric thinpool_space_scans_without_snapshot_total 'pool="ss"')
await_scan
s1=$(metric thinpool_space_scans_without_snapshot_total 'pool="ss"')
echo "held root $root; scans without a snapshot $s0 -> $s1; now held: $(held)"
[ "$s1" -gt "$s0" ] || fail "the scan did not skip the held snapshot"
[ "$(held)" = "$root" ] || fail "another tool's snapshot was touched: $root -> $(held)"
grep -q "held by another" /tmp/serve.log && fail "the skip was logged as a problem"
dmsetup message ss 0 release_metadata_snap || fail "release"
stop_agent

say "4. SIGKILL while holding the snapshot"
printf '#!/bin/sh\nexec sleep 600\n' > /tmp/slow-thin-ls; chmod 755 /tmp/slow-thin-ls
THIN_LS=/tmp/slow-thin-ls agent_config /tmp/agent/slow.yml
serve --config.file /tmp/agent/slow.yml
i=0; until [ "$(held)" != "-" ]; do i=$((i + 1)); [ $i -gt 300 ] && fail "the agent never reserved"; sleep 0.1; done
root=$(held)
kill -9 $SERVE_PID; wait $SERVE_PID 2>/dev/null
echo "killed holding root $root; marker: $(cat /tmp/agent/state/metadata-snap/ss)"
[ "$(held)" = "$root" ] || fail "nothing held after the kill"
for p in $(pidof sleep); do kill $p; done
serve --config.file /tmp/agent/scan.yml
i=0; until [ "$(held)" = "-" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "the snapshot left by the killed agent was not released"; sleep 0.1; done
echo "released at start: $(metric thinpool_metadata_snapshots_released_at_start_total '')"
[ "$(metric thinpool_metadata_snapshots_released_at_start_total '')" = 1 ] || fail "the release was not counted"
[ -e /tmp/agent/state/metadata-snap/ss ] && await_scan
[ -e /tmp/agent/state/metadata-snap/ss ] && fail "the marker outlived the release"
stop_agent

say "5. trim before extend"
t0=$(total)
dd if=/dev/zero of=/mnt/fs/tmp bs=1M count=400 conv=fsync 2>/dev/null || fail "write 400 MiB"
rm /mnt/fs/tmp; sync
echo "pool before: $(used)/$t0 blocks"
AE='autoextend: { enabled: true, trim_first: true, trim_interval: 1s, cooldown: 1s, data: { threshold: 30%, step: 100%, max_size: 8GiB, min_headroom: 16MiB } }'
agent_config /tmp/agent/trim.yml "$AE"
serve --config.file /tmp/agent/trim.yml
i=0; until grep -q 'autoextend: trimmed instead of growing' /tmp/serve.log; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "no trim within 30 s"; sleep 0.1
done
grep 'trimmed instead of growing' /tmp/serve.log
sleep 2
echo "pool after: $(used)/$(total) blocks"
[ "$(total)" = "$t0" ] || fail "the pool was grown ($t0 -> $(total) blocks) though a trim sufficed"
[ $(($(used) * 100 / $(total))) -lt 30 ] || fail "still over the threshold after the trim"
stop_agent
# Too little to trim: 300 MiB kept, 150 MiB deleted. The trim leaves it over 30%; it grows by
# what is missing (to used / 30%), not by its 100% step.
dd if=/dev/zero of=/mnt/fs/keep bs=1M count=300 conv=fsync 2>/dev/null || fail "write 300 MiB"
dd if=/dev/zero of=/mnt/fs/tmp bs=1M count=150 conv=fsync 2>/dev/null || fail "write 150 MiB"
rm /mnt/fs/tmp; sync
echo "pool before: $(used)/$(total) blocks"
serve --config.file /tmp/agent/trim.yml
i=0; until grep -q 'msg="autoextend done"' /tmp/serve.log; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "no extension within 30 s: $(grep autoextend /tmp/serve.log)"; sleep 0.1
done
grep 'autoextend' /tmp/serve.log | grep -v 'autoextend done' | tail -3
sleep 1
u=$(used); t=$(total)
echo "pool after: $u/$t blocks"
grep 'after a trim' /tmp/serve.log > /dev/null || fail "the extension does not say it followed a trim"
[ "$t" -lt $((t0 * 2)) ] || fail "grown by a whole step ($t0 -> $t blocks), not by what was missing"
[ $((u * 100 / t)) -lt 30 ] || fail "still over the threshold after growing"
# No more than needed: at most 2% of the old size above used / 30%.
[ "$t" -le $((u * 10 / 3 + t0 / 50)) ] || fail "grown to $t blocks, more than used / 30% ($((u * 10 / 3)))"
snapshot done
expect done ss mode=rw
stop_agent

say "6. stuck devices"
serve --config.file /tmp/agent/scan.yml
stuck() { metric thinpool_device_stuck_since_timestamp_seconds "pool=\"ss\",device=\"snap3\",state=\"$1\""; }
dmsetup suspend snap3 || fail "suspend snap3"
dmsetup info snap3 | grep -q 'State: *SUSPENDED' || fail "dmsetup does not say snap3 is suspended"
i=0; until [ -n "$(stuck suspended)" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "snap3 not exported as suspended"; sleep 0.1; done
echo "suspended since $(stuck suspended) (now $(date +%s))"
i=0; until grep 'msg="alert firing"' /tmp/serve.log | grep -q 'alertname=ThinPoolDevicesStuck'; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "no ThinPoolDevicesStuck alert"; sleep 0.1
done
grep 'msg="alert firing"' /tmp/serve.log | grep ThinPoolDevicesStuck | sed 's/.*summary=/summary=/'
grep 'msg="alert firing"' /tmp/serve.log | grep ThinPoolDevicesStuck | grep -q 'thin volume snap3 is suspended' || fail "the alert does not name snap3"
dmsetup resume snap3 || fail "resume snap3"
dmsetup load snap3 --table "0 $((64 * MB)) thin /dev/mapper/ss 3" || fail "load an inactive table"
dmsetup info snap3 | grep -q 'Tables present: *LIVE & INACTIVE' || fail "dmsetup does not show the inactive table"
i=0; until [ -n "$(stuck inactive_table)" ] && [ -z "$(stuck suspended)" ]; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "snap3's inactive table not exported (or still suspended)"; sleep 0.1
done
dmsetup clear snap3 || fail "clear"
i=0; until [ -z "$(stuck inactive_table)" ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "cleared, still exported"; sleep 0.1; done
i=0; until grep 'msg="alert resolved"' /tmp/serve.log | grep -q 'alertname=ThinPoolDevicesStuck'; do
  i=$((i + 1)); [ $i -gt 100 ] && fail "ThinPoolDevicesStuck not resolved: $(grep ThinPoolDevicesStuck /tmp/serve.log)"; sleep 0.1
done
echo "ThinPoolDevicesStuck resolved once snap3 was resumed and its inactive table cleared"
stop_agent

