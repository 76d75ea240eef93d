#!/bin/sh
# Guest script: builds pools in several states on a real kernel and prints `dmsetup table`,
# `dmsetup status` and `dmsetup info -c` between markers. Its output became fixtures/demo.
# Rerun: Tests/VM/tools/capture-fixture.sh Tests/VM/tools/capture-demo.sh fixtures/demo
set -u
MB=2048
loop() { truncate -s "$2" "$1"; L=$(losetup -f); losetup "$L" "$1"; echo "$L"; }
mkdir -p /var/lib/docker/devicemapper/devicemapper

# 1. docker loop-lvm: docker-<maj>:<min>-<ino>-pool, skip_block_zeroing, three layer devices
DD=$(loop /var/lib/docker/devicemapper/devicemapper/data 200M)
DM=$(loop /var/lib/docker/devicemapper/devicemapper/metadata 8M)
P=docker-8:1-1048577-pool
dmsetup create $P --table "0 $(blockdev --getsz $DD) thin-pool $DM $DD 128 32768 1 skip_block_zeroing"
i=1
for h in base 3f4e9d2c7a1b8e6f5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e 3f4e9d2c7a1b8e6f5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e-init; do
  dmsetup message $P 0 "create_thin $i"
  dmsetup create docker-8:1-1048577-$h --table "0 $((10*1024*MB)) thin /dev/mapper/$P $i"
  i=$((i+1))
done
dd if=/dev/urandom of=/dev/mapper/docker-8:1-1048577-base bs=1M count=24 oflag=direct 2>/dev/null
dd if=/dev/urandom of=/dev/mapper/docker-8:1-1048577-3f4e9d2c7a1b8e6f5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e bs=1M count=40 oflag=direct 2>/dev/null

# 2. docker direct-lvm: vg docker, lv thinpool (target on docker-thinpool-tpool)
PV=$(loop /tmp/pv.img 300M)
pvcreate -q "$PV" >/dev/null && vgcreate -q docker "$PV" >/dev/null
lvcreate -q --wipesignatures y -n thinpool docker -l 60%VG >/dev/null
lvcreate -q --wipesignatures y -n thinpoolmeta docker -l 2%VG >/dev/null
lvconvert -y -q --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta >/dev/null 2>&1
lvcreate -q -V 1G -T docker/thinpool -n vol1 >/dev/null
dd if=/dev/urandom of=/dev/mapper/docker-vol1 bs=1M count=150 oflag=direct 2>/dev/null

# 3. a small pool out of data space, writer queued
FM=$(loop /tmp/fmeta 4M); FD=$(loop /tmp/fdata 16M)
dmsetup create full --table "0 $((16*MB)) thin-pool $FM $FD 128 64"
dmsetup message full 0 "create_thin 0"
dmsetup create full-thin --table "0 $((128*MB)) thin /dev/mapper/full 0"
dd if=/dev/zero of=/dev/mapper/full-thin bs=1M count=32 oflag=direct 2>/dev/null &
sleep 3

# 4. a failed pool: its metadata device turned into the error target
MM=$(loop /tmp/mm 4M); MD=$(loop /tmp/md 32M)
dmsetup create broken-meta --table "0 8192 linear $MM 0"
dmsetup create broken --table "0 $((32*MB)) thin-pool /dev/mapper/broken-meta $MD 128 16"
dmsetup message broken 0 "create_thin 0"
dmsetup create broken-thin --table "0 $((64*MB)) thin /dev/mapper/broken 0"
dd if=/dev/zero of=/dev/mapper/broken-thin bs=1M count=4 oflag=direct 2>/dev/null
dmsetup reload broken-meta --table "0 8192 error"; dmsetup resume broken-meta
dd if=/dev/zero of=/dev/mapper/broken-thin bs=1M count=4 seek=4 oflag=direct 2>/dev/null
sleep 1

echo "@@FILE table"; dmsetup table
echo "@@FILE status"; dmsetup status
echo "@@FILE info"; dmsetup info -c
echo "@@FILE deps"; dmsetup deps
echo "@@FILE version"; dmsetup version
echo "@@END"
