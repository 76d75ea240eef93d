#!/bin/sh
# Metadata nearing its threshold: the agent grows the metadata loop file and resumes the pool;
# the kernel takes the larger metadata device at resume.
. /extra/files/guest-lib.sh
D=$(loop /tmp/m/data 64M); M=$(loop /tmp/m/meta 4M)
pool mp "$M" "$D" 128 16
i=0; while [ $i -lt 20 ]; do thin mp $i mpthin$i 64; i=$((i + 1)); done
write /dev/mapper/mpthin0 4
snapshot before
expect before mp metadata.total_blocks=1024
cat > /tmp/agent.yml <<CFG
poll_interval: 1s
state_dir: /tmp/agent-state
autoextend:
  enabled: true
  metadata: { threshold: 10%, step: 100%, min_headroom: 16MiB }
CFG
serve --config.file /tmp/agent.yml
j=0; until grep -q 'msg="autoextend done".*kind=metadata' /tmp/serve.log; do j=$((j + 1)); [ $j -gt 150 ] && fail "metadata not extended"; sleep 0.1; done
grep 'msg="autoextend' /tmp/serve.log | cut -c1-220
snapshot after
expect after mp metadata.total_blocks=2048 mode=rw
[ "$(stat -c %s /tmp/m/meta)" = 8388608 ] || fail "metadata file not grown to 8 MiB"
kill $SERVE_PID; wait $SERVE_PID
