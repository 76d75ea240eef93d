#!/bin/sh
# kernels: 5.10 6.12
# A pool written past its low water mark, 20 times: the agent (poll interval 60 s, so only dm
# events can be fast) posts ThinPoolLowWaterMark to a webhook receiver on the host (through the
# guest's route to 10.0.2.2). Each time, the kernel's event is timed in the guest by a process
# blocked in DM_DEV_WAIT, and the delivery by the agent's own log (unix_ns), one clock: the
# detection-to-delivery latency. Growing the pool re-arms the kernel's one-shot event and
# resolves the alert.
# Two vCPUs: the process timing the kernel's event must not wait for the agent's CPU.
# vm-args: -s 2
. /extra/files/guest-lib.sh
CROSSINGS=${CROSSINGS:-20}
MB=2048
D=$(loop /tmp/data.img 16M); M=$(loop /tmp/meta.img 8M)
# 256 blocks of 64 KiB; the event when free blocks fall to 128.
pool lw "$M" "$D" 128 128
thin lw 0 lwthin 1024
mkdir -p /tmp/agent
cat > /tmp/agent/agent.yml <<CFG
poll_interval: 60s
state_dir: /tmp/agent/state
host: vm
alerts:
  data_used: { warning: 95%, critical: 99% }
  min_free_space_margin: off
  time_to_full: { warning: off, critical: off }
receivers:
  - name: host
    type: webhook
    url: http://$CTRL/hook/lowwater
    timeout: 5s
    retry: { initial: 200ms, max: 1s }
CFG
serve --config.file /tmp/agent/agent.yml --log.level ${AGENT_LOG_LEVEL:-info}
delivered() { grep -c 'msg="notification delivered".*ThinPoolLowWaterMark/firing' /tmp/serve.log; }
used=0
size=16
i=1
while [ $i -le $CROSSINGS ]; do
  E=$(events lw)
  timeout 30 $TPE bench wait-event lw --after "$E" > /tmp/event.$i &
  WAITER=$!
  sleep 0.2
  # The kernel checks the mark with the free count before each allocation, so each write
  # allocates past it: 144 blocks the first time, then 80 after each growth of 80.
  n=$([ $i = 1 ] && echo 9 || echo 5)
  write /dev/mapper/lwthin $n $used
  used=$((used + n))
  wait $WAITER || fail "crossing $i: no kernel event within 30 s"
  j=0; until [ "$(delivered)" -ge $i ]; do j=$((j + 1)); [ $j -gt 100 ] && fail "crossing $i: no delivery within 10 s"; sleep 0.1; done
  # Grow by 5 MiB: the low water event is armed again (pool_resume), the alert resolves.
  size=$((size + 5))
  truncate -s ${size}M /tmp/data.img; losetup -c "$D"
  dmsetup suspend lw
  dmsetup reload lw --table "0 $(blockdev --getsz $D) thin-pool $M $D 128 128"
  dmsetup resume lw
  echo "crossing $i: grown to $(blockdev --getsz $D) sectors: $(dmsetup status lw)"
  # The resume wakes the agent; let it see the pool below the mark before the next crossing
  # (an alert is a level: if the next write crossed first, it would never have resolved).
  j=0; until [ "$(grep -c 'msg="notification delivered".*ThinPoolLowWaterMark/resolved' /tmp/serve.log)" -ge $i ]; do
    j=$((j + 1)); [ $j -gt 100 ] && fail "crossing $i: resolution not delivered within 10 s"; sleep 0.1
  done
  i=$((i + 1))
done
host_scrape after
expect after lw at_low_water_mark=false
# Latencies: the i-th delivery of a firing ThinPoolLowWaterMark against the i-th kernel event.
grep 'msg="notification delivered".*ThinPoolLowWaterMark/firing' /tmp/serve.log | sed 's/.*unix_ns=\([0-9]*\).*/\1/' > /tmp/delivered
i=1
while [ $i -le $CROSSINGS ]; do
  ev=$(sed 's/event_unix_ns=\([0-9]*\).*/\1/' /tmp/event.$i)
  de=$(sed -n "${i}p" /tmp/delivered)
  echo "@@LATENCY $i $(( (de - ev) / 1000 ))"
  i=$((i + 1))
done | tee /tmp/latencies
sort -n -k3 /tmp/latencies | awk -v n=$CROSSINGS '{ v[NR] = $3 } END {
  p50 = v[int((n + 1) / 2)]; p95 = v[int(n * 0.95 + 0.999)]
  printf "detection-to-delivery latency over %d crossings: p50 %.1f ms, p95 %.1f ms, max %.1f ms (poll interval 60 s)\n", n, p50 / 1000, p95 / 1000, v[n] / 1000 }'
grep -c 'kind=event\|watching pools' /tmp/serve.log >/dev/null
grep 'watching pools' /tmp/serve.log
echo "@@EXPECTPOSTS lowwater ThinPoolLowWaterMark firing $CROSSINGS"
echo "@@EXPECTPOSTS lowwater ThinPoolLowWaterMark resolved $CROSSINGS"
[ "${AGENT_LOG_LEVEL:-info}" = debug ] && grep -E "woke|re-read|alert firing|saved|posting|posted|delivered" /tmp/serve.log | cut -c12-160 | head -20
kill $SERVE_PID; wait $SERVE_PID
