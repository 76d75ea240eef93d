#!/bin/sh
# Docker's loop-lvm: sparse files /var/lib/docker/devicemapper/devicemapper/{data,metadata} on
# loop devices, pool docker-<maj>:<min>-<ino>-pool with skip_block_zeroing and low water mark
# 32768, a base device and layers. The 100 GB data file is sparse on a small filesystem, so
# Available is capped by that filesystem's free space, as docker reports it.
. /extra/files/guest-lib.sh
ROOT=/var/lib/docker/devicemapper
mkdir -p $ROOT/devicemapper
mount -t tmpfs -o size=160M tmpfs $ROOT/devicemapper || fail "mount"
D=$(loop $ROOT/devicemapper/data 100G); M=$(loop $ROOT/devicemapper/metadata 2G)
# docker names the pool after the device and inode of its root directory
set -- $(stat -c '%d %i' $ROOT)
P="docker-$(( ($1 >> 8) & 0xfff )):$(( ($1 & 0xff) | (($1 >> 12) & 0xfff00) ))-$2-pool"
dmsetup create "$P" --table "0 $(blockdev --getsz $D) thin-pool $M $D 128 32768 1 skip_block_zeroing" || fail "create $P"
thin "$P" 1 "${P%-pool}-base" 10240
thin "$P" 2 "${P%-pool}-5d9a7e1f0c2b" 10240
write "/dev/mapper/${P%-pool}-base" 16
write "/dev/mapper/${P%-pool}-5d9a7e1f0c2b" 24
snapshot docker
expect docker "$P" 'features=["skip_block_zeroing"]' low_water_mark_blocks=32768 block_size_bytes=65536 data.total_bytes=107374182400 min_free_space_bytes=10737418240 min_free_space_percent=10 docker_would_refuse.data=false
$TPE status "$P"
TPE_ARGS="--min-free-space 20"
snapshot docker20
expect docker20 "$P" min_free_space_percent=20 min_free_space_bytes=21474836480
$TPE status "$P" --min-free-space 20% | grep -qx "Thin Pool Minimum Free Space: 21.47GB" || fail "human view with 20%"
$TPE status "$P" | grep -qx "Data Space Total: 107.4GB" || fail "human view total"
