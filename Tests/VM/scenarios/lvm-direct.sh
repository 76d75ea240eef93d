#!/bin/sh
# An LVM thin pool as docker's direct-lvm makes it (vg docker, lv thinpool, 512 KiB chunks,
# no zeroing): the thin-pool target is docker-thinpool-tpool, uuid LVM-...-tpool. Then
# lvextend grows it and the exporter follows.
. /extra/files/guest-lib.sh
PV=$(loop /tmp/pv.img 600M)
pvcreate -q "$PV" >/dev/null && vgcreate -q docker "$PV" >/dev/null || fail "vgcreate"
lvcreate -q --wipesignatures y -n thinpool docker -l 50%VG >/dev/null || fail "lvcreate"
lvcreate -q --wipesignatures y -n thinpoolmeta docker -l 1%VG >/dev/null || fail "lvcreate meta"
lvconvert -y -q --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta >/dev/null 2>&1 || fail "lvconvert"
lvcreate -q -V 1G -T docker/thinpool -n vol1 >/dev/null || fail "lvcreate thin"
write /dev/mapper/docker-vol1 40
snapshot lvm
expect lvm docker-thinpool-tpool block_size_bytes=524288 'features=["skip_block_zeroing"]' data.used_blocks=80 mode=rw
$TPE status --json docker-thinpool-tpool | grep -q '"uuid": "LVM-' || fail "no LVM uuid"
lvextend -q -L+64M docker/thinpool >/dev/null || fail "lvextend"
snapshot extended
# 296 MiB + 64 MiB in 512 KiB chunks
expect extended docker-thinpool-tpool data.total_blocks=720 data.used_blocks=80
lvs -o lv_name,lv_size,data_percent docker
