#!/bin/sh
# The agent SIGKILLed again and again while it extends a loop-backed pool under a writer: after
# every kill the pool is active (never left suspended) with a table no larger than its data
# device; restarted, the agent finishes the job; the writer completes without an error.
# Every other kill is forced inside an extension: the table load and the resume are slowed by
# 1 s each beneath libdevmapper (Tests/VM/faultioctl.c, FAULT_DELAY), which marks when each
# begins, and the kill comes 0.3 s into one. An extension that suspended the pool by itself
# before its resume would be caught suspended here, every time.
# vm-args: -f .build/vm/faultioctl.so
. /extra/files/guest-lib.sh
D=$(loop /tmp/lo/data 32M); M=$(loop /tmp/lo/meta 8M)
pool lo "$M" "$D" 128 256
thin lo 0 lothin 1024
cat > /tmp/agent.yml <<CFG
poll_interval: 1s
state_dir: /tmp/agent-state
alerts: { time_to_full: { warning: off, critical: off } }
autoextend:
  enabled: true
  cooldown: 1s
  data: { threshold: 50%, step: 25%, max_size: 1GiB, min_headroom: 16MiB }
CFG
# 120 MiB, a MiB at a time: the pool crosses its threshold again and again while agents come
# and go (32 MiB grown by 25% steps: 7 extensions).
( i=0; while [ $i -lt 120 ]; do write /dev/mapper/lothin 1 $i || exit 1; i=$((i + 1)); done ) &
W=$!
: > /tmp/all.log
kills=0 inside=0 resumes=0
export LD_PRELOAD=/extra/files/faultioctl.so FAULT_DELAY=RELOAD:1000,RESUME:1000 FAULT_DEVICE=lo FAULT_MARK=/tmp/mark
while kill -0 $W 2>/dev/null && [ $kills -lt 16 ]; do
  : > /tmp/mark
  serve --config.file /tmp/agent.yml
  if [ $((kills % 2)) = 0 ]; then
    # 0.3 s into a slowed table load, or into a slowed resume (the moment an extension that
    # suspended the pool by itself would have it suspended): inside an extension, by construction
    want=RELOAD; [ $((kills % 4)) = 2 ] && want=RESUME
    j=0; until grep -q "^$want" /tmp/mark || [ $j -gt 1000 ]; do j=$((j + 1)); sleep 0.01; done
    if grep -q "^$want" /tmp/mark; then sleep 0.3; op=$want; else op=; fi
  else
    # 0-2.9 s after it answers: at any moment, and now and then long enough for an extension
    # (2 s slowed) to finish, so the pool grows while agents come and go
    r=$(od -An -N1 -tu1 /dev/urandom); sleep $((r % 3)).$((r % 10)); op=
  fi
  kill -9 $SERVE_PID; wait $SERVE_PID 2>/dev/null
  kills=$((kills + 1))
  cat /tmp/serve.log >> /tmp/all.log
  if [ -n "$op" ]; then inside=$((inside + 1)); echo "kill $kills: inside $op"; fi
  [ "$op" = RESUME ] && resumes=$((resumes + 1))
  dmsetup info lo | grep -q "State: *ACTIVE" || fail "pool lo left SUSPENDED by kill -9 number $kills${op:+ (inside $op)}"
  len=$(dmsetup table lo | cut -d' ' -f2); dev=$(blockdev --getsz "$D")
  [ "$len" -le "$dev" ] || fail "pool lo's table ($len sectors) is larger than its data device ($dev) after kill $kills"
done
unset LD_PRELOAD FAULT_DELAY FAULT_DEVICE FAULT_MARK
started=$(grep -c 'autoextend: grow' /tmp/all.log); done_=$(grep -c 'msg="autoextend done"' /tmp/all.log)
echo "$kills kills, $inside inside an extension ($resumes inside its resume); $started extensions started, $done_ finished before a kill"
# Not left to timing: half of the kills are forced inside an extension.
[ $inside -ge 4 ] || fail "only $inside kills landed inside an extension (8 are forced)"
[ $resumes -ge 2 ] || fail "only $resumes kills landed inside a resume (4 are forced)"
say "restarted for good: the agent finishes, the writer completes"
serve --config.file /tmp/agent.yml
wait $W; rc=$?
[ $rc = 0 ] || fail "the writer got an error (dd exit $rc)"
# The agent may still be growing the pool for the last MiBs written: the snapshot waits until
# the pool is under its threshold and its size has held for 3 s (cooldown 1 s, poll 1 s), so
# that ours and dmsetup's are not read on either side of an extension.
prev=; j=0
while [ $j -lt 40 ]; do
  ud=$(dmsetup status lo | cut -d' ' -f6); u=${ud%/*}; t=${ud#*/}
  [ "$ud" = "$prev" ] && [ $((u * 2)) -lt "$t" ] && break
  prev=$ud; j=$((j + 1)); sleep 3
done
[ $j -lt 40 ] || fail "the pool never settled under its threshold after the writer ended ($ud)"
snapshot final
expect final lo mode=rw data.used_blocks=1920
total=$($TPE status --json lo | sed -n 's/.*"total_blocks": \([0-9]*\).*/\1/p' | head -1)
[ $((total * 65536)) -le $(( $(blockdev --getsz "$D") * 512 )) ] || fail "pool larger than its device"
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"
