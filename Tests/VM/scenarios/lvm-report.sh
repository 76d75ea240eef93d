#!/bin/sh
# LVM's own report and LVM's own autoextend are the oracle (check.py + clients.py):
#   `lvs --reportformat json` (data_percent, metadata_percent, lv_size, lv_metadata_size,
#   lv_health_status, lv_when_full, seg_monitor) and `vgs` against our JSON and metrics for a
#   thin pool and its thin LVs, before and after the agent grows the pool with lvextend;
#   dmeventd (Debian's, lvm.conf monitoring = 1, a metadata profile with
#   thin_pool_autoextend_threshold 70 and _percent 20, as docker's documentation sets one up)
#   extending the pool while the agent runs: the agent reports it and leaves the pool to LVM;
#   with monitoring off, the agent extends it. An inactive thin LV counts in the overcommit as
#   lvs counts it.
# vm-args: -C -m 1024M
. /extra/files/guest-lib.sh
PV=$(loop /tmp/pv.img 800M)
pvcreate -q "$PV" > /dev/null && vgcreate -q vg0 "$PV" > /dev/null || fail "vgcreate"
lvcreate -q -n pool -L 120M --poolmetadatasize 4M -T vg0/pool > /dev/null 2>&1 || fail "lvcreate pool"
lvcreate -q -V 1G -T vg0/pool -n thin1 > /dev/null 2>&1 || fail "lvcreate thin1"
lvcreate -q -V 300M -T vg0/pool -n thin2 > /dev/null 2>&1 || fail "lvcreate thin2"
lvcreate -q -n plain -L 8M vg0 > /dev/null || fail "lvcreate plain"
write /dev/mapper/vg0-thin1 30
write /dev/mapper/vg0-thin2 5
agent() { # THRESHOLD [leave_to_dmeventd]: the agent with LVM autoextend on
  cat > /tmp/agent.yml <<CFG
poll_interval: 300ms
state_dir: /tmp/agent-state
host: vm
alerts: { data_used: { warning: off, critical: off }, min_free_space_margin: off, time_to_full: { warning: off, critical: off } }
autoextend:
  enabled: true
  cooldown: 1s
  leave_to_dmeventd: ${2:-true}
  data: { threshold: $1, step: 20%, min_headroom: 8MiB }
CFG
  serve --config.file /tmp/agent.yml
}
stop_agent() { kill $SERVE_PID; wait $SERVE_PID 2>/dev/null; }
pool_bytes() { lvm lvs --noheadings --units b --nosuffix -o lv_size vg0/pool | tr -d ' '; }

say "LVM's report (monitoring off in lvm.conf, no dmeventd)"
agent 60%
lvs_compare written vg0

say "the agent grows the pool with lvextend past 60%"
before=$(pool_bytes)
write /dev/mapper/vg0-thin1 50 30
j=0; until [ "$(pool_bytes)" -gt "$before" ]; do j=$((j + 1)); [ $j -gt 300 ] && fail "the agent did not extend"; sleep 0.1; done
sleep 1
lvs_compare agent-extended vg0
stop_agent

say "dmeventd extends the pool; the agent leaves it to LVM"
mkdir -p /etc/lvm/profile
cat > /etc/lvm/profile/pool-extend.profile <<'PROFILE'
activation {
  thin_pool_autoextend_threshold=70
  thin_pool_autoextend_percent=20
}
PROFILE
sed -i 's/monitoring = 0/monitoring = 1/' /etc/lvm/lvm.conf
dmeventd -f > /tmp/dmeventd.log 2>&1 &
DMEVENTD_PID=$!
i=0; until [ -s /run/dmeventd.pid ]; do i=$((i + 1)); [ $i -gt 100 ] && fail "dmeventd did not start"; sleep 0.1; done
lvchange -q --metadataprofile pool-extend vg0/pool || fail "lvchange --metadataprofile"
lvchange -q --monitor y vg0/pool || fail "lvchange --monitor y: $(cat /tmp/dmeventd.log)"
lvm lvs -o lv_name,seg_monitor,lv_profile vg0/pool
agent 60%
lvs_compare monitored vg0
before=$(pool_bytes)
used=$(lvm lvs --noheadings --units b --nosuffix -o lv_size,data_percent vg0/pool | awk '{print int($1 * $2 / 100 / 1048576)}')
# Past 70% of the pool: dmeventd's 10 s poll (or the low-water event) grows it by 20%.
write /dev/mapper/vg0-thin2 $(( before * 75 / 100 / 1048576 - used + 2 )) 5
j=0; until [ "$(pool_bytes)" -gt "$before" ]; do j=$((j + 1)); [ $j -gt 400 ] && fail "dmeventd did not extend: $(tail -5 /tmp/dmeventd.log)"; sleep 0.1; done
sleep 1
grep -q 'msg="autoextend leaves the pool to LVM"' /tmp/serve.log || fail "the agent did not say it leaves the pool to LVM"
grep -q 'msg="autoextend done"' /tmp/serve.log && fail "the agent extended a pool dmeventd extends"
echo "dmeventd grew the pool from $before to $(pool_bytes) bytes"
lvs_compare dmeventd-extended vg0
stop_agent

say "monitoring off: the agent extends"
lvchange -q --monitor n vg0/pool || fail "lvchange --monitor n"
agent 60%
before=$(pool_bytes)
lvs_compare unmonitored vg0
used=$(lvm lvs --noheadings --units b --nosuffix -o lv_size,data_percent vg0/pool | awk '{print int($1 * $2 / 100 / 1048576)}')
write /dev/mapper/vg0-thin2 $(( before * 80 / 100 / 1048576 - used + 2 )) 60
j=0; until [ "$(pool_bytes)" -gt "$before" ]; do j=$((j + 1)); [ $j -gt 300 ] && fail "the agent did not extend the unmonitored pool"; sleep 0.1; done
grep -q 'msg="autoextend done"' /tmp/serve.log || fail "extended, but not by the agent"
snapshot unmonitored-extended
stop_agent

say "an inactive thin LV: LVM promised its size, device-mapper cannot see it"
lvcreate -q -V 2G -T vg0/pool -n thin3 > /dev/null 2>&1 || fail "lvcreate thin3"
lvchange -q -an vg0/thin3 || fail "lvchange -an vg0/thin3"
[ -e /dev/mapper/vg0-thin3 ] && fail "vg0/thin3 still has a dm device"
lvm lvs -o lv_name,lv_size,lv_active,pool_lv vg0
# lvs's own figures: the inactive thin LVs' sizes, every thin LV's, the pool's data size.
thin_lvs() { lvm lvs --noheadings --units b --nosuffix -S 'segtype=thin && pool_lv=pool' -o lv_size,lv_active vg0; }
inactive=$(thin_lvs | awk '$2 == "" { s += $1 } END { printf "%.0f", s }')
promised=$(thin_lvs | awk '{ s += $1 } END { printf "%.0f", s }')
ratio=$(awk -v p="$promised" -v d="$(pool_bytes)" 'BEGIN { printf "%.17g", p / d }')
echo "lvs: inactive thin LVs $inactive bytes, all thin LVs $promised bytes, pool $(pool_bytes) bytes: overcommit $ratio"
[ "$inactive" -gt 0 ] || fail "lvs shows no inactive thin LV"
agent 99%
host_scrape inactive-lv
expect_metric inactive-lv thinpool_inactive_virtual_size_bytes "$inactive" pool=vg0-pool-tpool
expect_metric inactive-lv thinpool_overcommit_ratio "$ratio" pool=vg0-pool-tpool
expect_metric inactive-lv thinpool_thin_volumes 2 pool=vg0-pool-tpool
stop_agent
kill $DMEVENTD_PID
