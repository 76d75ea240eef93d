#!/bin/sh
# An LVM thin pool (docker direct-lvm: vg docker, lv thinpool) extended by the agent through
# lvextend; then a volume group with no free extents: refused with the reason, the pool
# untouched, ThinPoolAutoextendFailed at the receiver, and the retries backing off.
. /extra/files/guest-lib.sh
PV=$(loop /tmp/pv.img 400M)
pvcreate -q "$PV" >/dev/null && vgcreate -q docker "$PV" >/dev/null || fail "vgcreate"
lvcreate -q --wipesignatures y -n thinpool docker -L 64M >/dev/null || fail "lvcreate"
lvcreate -q --wipesignatures y -n thinpoolmeta docker -L 4M >/dev/null || fail "lvcreate meta"
lvconvert -y -q --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta >/dev/null 2>&1 || fail "lvconvert"
lvcreate -q -V 1G -T docker/thinpool -n vol1 >/dev/null || fail "lvcreate thin"
cat > /tmp/agent.yml <<CFG
poll_interval: 500ms
state_dir: /tmp/agent-state
host: vm
alerts: { data_used: { warning: off, critical: off }, min_free_space_margin: off, time_to_full: { warning: off, critical: off } }
autoextend:
  enabled: true
  cooldown: 1s
  backoff_max: 30s
  data: { threshold: 70%, min_headroom: 16MiB }
receivers:
  - { name: host, type: webhook, url: "http://$CTRL/hook/lvm", timeout: 5s, retry: { initial: 200ms, max: 1s } }
CFG
serve --config.file /tmp/agent.yml
write /dev/mapper/docker-vol1 48
j=0; until grep -q 'msg="autoextend done"' /tmp/serve.log; do j=$((j + 1)); [ $j -gt 200 ] && fail "not extended"; sleep 0.1; done
grep 'msg="autoextend' /tmp/serve.log | cut -c1-220
sleep 1
snapshot extended
expect extended docker-thinpool-tpool data.total_bytes=83886080 mode=rw
lvs -o lv_name,lv_size,data_percent docker

say "no free extents left in the volume group"
lvcreate -q -l 100%FREE -n filler docker >/dev/null || fail "filler"
vgs -o vg_name,vg_free docker
write /dev/mapper/docker-vol1 24 48
j=0; until grep -q 'msg="autoextend refused"' /tmp/serve.log; do j=$((j + 1)); [ $j -gt 100 ] && fail "not refused"; sleep 0.1; done
grep 'msg="autoextend refused"' /tmp/serve.log | head -1 | cut -c1-300
grep 'msg="autoextend refused"' /tmp/serve.log | grep -q "volume group docker has 0B" || fail "the refusal does not say why"
sleep 6
snapshot refused
expect refused docker-thinpool-tpool data.total_bytes=83886080
refusals=$(wget -q -O- http://127.0.0.1:10234/metrics | sed -n 's/^thinpool_autoextend_total{pool="docker-thinpool-tpool",kind="data",result="refused"} //p')
echo "refusals in ~6 s of 500 ms polls: $refusals"
[ "${refusals:-0}" -ge 2 ] && [ "${refusals:-0}" -le 5 ] || fail "backoff not observed: $refusals refusals"
j=0; until [ "$(wget -q -O- "http://$CTRL/posts/lvm")" -ge 2 ]; do j=$((j + 1)); [ $j -gt 100 ] && fail "receiver not told"; sleep 0.1; done
echo "@@EXPECTPOSTS lvm ThinPoolAutoextended firing 1"
echo "@@EXPECTPOSTS lvm ThinPoolAutoextendFailed firing 1"
kill $SERVE_PID; wait $SERVE_PID
