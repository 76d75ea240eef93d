#!/bin/sh
# kernels: 5.10 6.12
# The filesystem holding a pool's loop files fills: I/O under the pool fails and the pool goes
# read-only with needs_check. Its Available space is capped by that filesystem's free space.
. /extra/files/guest-lib.sh
mkdir -p /mnt/small
mount -t tmpfs -o size=24M tmpfs /mnt/small || fail "mount tmpfs"
M=$(loop /mnt/small/meta 8M); D=$(loop /mnt/small/data 128M)
pool small "$M" "$D" 128 16
thin small 0 sthin 256
write /dev/mapper/sthin 8
snapshot capped
expect capped small mode=rw needs_check=false data.used_blocks=128
write /dev/mapper/sthin 64 8
# A flushing status commits metadata: the commit hits the full filesystem.
dmsetup status small >/dev/null
dmsetup message small 0 "create_thin 1" 2>/dev/null
sleep 1
snapshot readonly
expect readonly small mode=ro needs_check=true
dmesg | grep "device-mapper: thin" | tail -5
