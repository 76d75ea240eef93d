#!/bin/sh
# Several pools and 240 thin volumes at once.
. /extra/files/guest-lib.sh
n=0
for p in alpha beta gamma; do
  M=$(loop /tmp/$p.meta 16M); D=$(loop /tmp/$p.data 128M)
  pool $p "$M" "$D" 128 64
  i=0
  while [ $i -lt 80 ]; do
    dmsetup message $p 0 "create_thin $i" || fail "create_thin $p $i"
    dmsetup create $p-t$i --table "0 $((64*MB)) thin /dev/mapper/$p $i" || fail "create $p-t$i"
    i=$((i + 1)); n=$((n + 1))
  done
done
write /dev/mapper/alpha-t0 4
write /dev/mapper/beta-t79 2
write /dev/mapper/gamma-t40 1
echo "devices: $(dmsetup ls | wc -l), thin volumes: $n"
snapshot many
expect many alpha data.used_blocks=64 thin_volumes.79.name=alpha-t9
expect many beta data.used_blocks=32
expect many gamma data.used_blocks=16
s=$(cut -d' ' -f1 /proc/uptime)
$TPE status --json >/dev/null
echo "status --json with 243 devices took $(awk -v s=$s '{printf "%.2f", $1-s}' /proc/uptime)s (TCG)"
