#!/bin/sh
# kernels: 5.10 6.12
# A loop-backed pool (docker loop-lvm style) filling under a writer: the agent extends it on
# the kernel's low-water events (poll interval 60 s), the writer never sees an error, the
# backing file stays sparse, and the receiver is told each time.
. /extra/files/guest-lib.sh
D=$(loop /tmp/lo/data 32M); M=$(loop /tmp/lo/meta 8M)
# 512 blocks of 64 KiB; the kernel's event when 256 are left (50%).
pool lo "$M" "$D" 128 256
thin lo 0 lothin 1024
cat > /tmp/agent.yml <<CFG
poll_interval: 60s
state_dir: /tmp/agent-state
host: vm
alerts: { data_used: { warning: 99%, critical: off }, min_free_space_margin: off, time_to_full: { warning: off, critical: off }, low_water: false }
autoextend:
  enabled: true
  cooldown: 1s
  data: { threshold: 50%, step: 100%, max_size: 1GiB, min_headroom: 16MiB }
receivers:
  - { name: host, type: webhook, url: "http://$CTRL/hook/extend", timeout: 5s, retry: { initial: 200ms, max: 1s } }
CFG
serve --config.file /tmp/agent.yml
snapshot before
expect before lo data.total_blocks=512
# 96 MiB into a 32 MiB pool: it must grow at least twice on the way. With the poll at 60 s,
# only the kernel's events can make that quick: an extension waiting for a poll would hold the
# writer (queued, out of space) for up to a minute.
s=$(cut -d' ' -f1 /proc/uptime)
write /dev/mapper/lothin 96
rc=$?
took=$(awk -v s=$s '{printf "%d", $1 - s}' /proc/uptime)
echo "the writer took ${took}s"
[ $rc = 0 ] || fail "the writer got an error (dd exit $rc)"
[ "$took" -lt 30 ] || fail "the write took ${took}s: an extension waited for the poll, not the event"
j=0; until [ "$(grep -c 'msg="autoextend done"' /tmp/serve.log)" -ge 2 ]; do j=$((j + 1)); [ $j -gt 100 ] && fail "fewer than 2 extensions"; sleep 0.1; done
sleep 1
host_scrape after
expect after lo data.used_blocks=1536 mode=rw
total=$($TPE status --json lo | sed -n 's/.*"total_blocks": \([0-9]*\).*/\1/p' | head -1)
[ "$total" -ge 2048 ] || fail "pool data total $total blocks: not grown to at least 128 MiB"
size=$(stat -c %s /tmp/lo/data); blocks=$(stat -c %b /tmp/lo/data)
echo "data file: $size bytes, $((blocks * 512)) allocated"
[ $((blocks * 512)) -lt "$size" ] || fail "the backing file is not sparse"
grep -E 'autoextend(: grow| done)' /tmp/serve.log | cut -c1-220
j=0; until [ "$(wget -q -O- "http://$CTRL/posts/extend")" -ge 2 ]; do j=$((j + 1)); [ $j -gt 100 ] && fail "receiver told fewer than 2 times"; sleep 0.1; done
echo "@@EXPECTPOSTS extend ThinPoolAutoextended firing $(grep -c 'msg="autoextend done"' /tmp/serve.log)"
$TPE status lo | head -5
kill $SERVE_PID; wait $SERVE_PID
