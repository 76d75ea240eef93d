#!/bin/sh
# Debian 12's real dockerd (docker.io 20.10, devicemapper driver) is the oracle: `docker info`,
# docker's refusal of `docker create` and `docker ps`/`inspect` against `thinpool-exporter
# status`, its JSON and its metrics (check.py + clients.py):
#   loop-lvm with docker's defaults, fresh and partly filled, containers running, stopped and
#   removed (deferred deletion with a device held open);
#   loop-lvm with dm.min_free_space, dm.basesize, dm.loopdatasize, dm.loopmetadatasize and
#   deferred removal/deletion off, its loop files on a filesystem smaller than the data file
#   (Available capped), then filled by a thin volume of ours until docker refuses (data);
#   loop-lvm with a small metadata file filled by snapshots until docker refuses (metadata);
#   direct-lvm: dm.thinpooldev on an LVM thin pool made as docker's documentation makes it.
# vm-args: -C -m 2048M -t 900
. /extra/files/guest-lib.sh
daemon_json() { # extra storage-opts, each quoted, comma-led
  echo "{\"storage-driver\":\"devicemapper\",\"storage-opts\":[\"dm.override_udev_sync_check=true\",\"dm.fs=ext4\"${1:-}],\"iptables\":false,\"ip-masq\":false,\"bridge\":\"none\"}"
}
LOOPS=/var/lib/docker/devicemapper/devicemapper
loopfs() { mkdir -p $LOOPS; mount -t tmpfs -o size="$1" tmpfs $LOOPS || fail "tmpfs for docker's loop files"; }
# free data / metadata blocks and docker's minimum for PCT, from dmsetup status (not from us)
pool_free() { dmsetup status "$1" | awk -v pct="$2" '{split($5, m, "/"); split($6, d, "/");
  md = int(d[2] * pct / 100); if (md < 1) md = 1; mm = int(m[2] * pct / 100); if (mm < 1) mm = 1
  print d[2] - d[1], md, m[2] - m[1], mm}'; }

say "loop-lvm, docker's defaults"
loopfs 700M
docker_start "$(daemon_json)"
serve
await_docker_version
P=$(docker_pool); [ -n "$P" ] || fail "docker names no pool"
docker_compare fresh
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
docker run -d --name web bb:test sleep 100000 > /dev/null || fail "docker run web"
docker run -d --name writer bb:test sh -c 'dd if=/dev/zero of=/data/f bs=1M count=24 && sync && sleep 100000' > /dev/null || fail "docker run writer"
docker create --name idle bb:test true > /dev/null || fail "docker create idle"
i=0; until docker exec writer ls /data/f > /dev/null 2>&1 && [ "$(docker exec writer sh -c 'ls -l /data/f' | awk '{print $5}')" = 25165824 ]; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "the writer container did not write"; sleep 0.2; done
sync
docker_compare filled
docker_names running
# docker rm with deferred deletion: the device is held open, so docker marks it deleted and
# counts it (Deferred Deleted Device Count 1) until the holder lets go.
DEV=$(docker inspect -f '{{.GraphDriver.Data.DeviceName}}' writer)
exec 3< /dev/mapper/$DEV
docker rm -f writer > /dev/null || fail "docker rm writer"
docker stop -t 1 web > /dev/null || fail "docker stop web"
docker_compare deferred
docker_names deferred
exec 3<&-

say "loop-lvm, non-default options, loop files on a 300M filesystem"
docker_stop; docker_wipe
loopfs 300M
docker_start "$(daemon_json ',"dm.min_free_space=20%","dm.basesize=12G","dm.loopdatasize=800M","dm.loopmetadatasize=64M","dm.use_deferred_removal=false","dm.use_deferred_deletion=false"')"
P=$(docker_pool)
docker_compare capped
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
# Names with deferred deletion off: a container run, then removed outright.
docker run -d --name cap bb:test sleep 100000 > /dev/null || fail "docker run cap"
docker_names capped
docker rm -f cap > /dev/null || fail "docker rm cap"
docker_names capped-removed
docker_try_create roomy created
mount -o remount,size=1200M $LOOPS
# Fill the pool with a thin volume of our own to 16 blocks above docker's minimum: docker
# still creates; then past it: docker refuses.
set -- $(pool_free "$P" 20)
fill_thin "$P" 16000000 filler $(( ($1 - $2 - 16) / 16 ))
docker_compare nearfull
docker_try_create near created
set -- $(pool_free "$P" 20)
[ "$1" -ge "$2" ] || fail "past docker's minimum too early: $1 free of $2"
write /dev/mapper/filler $(( ($1 - $2) / 16 + 2 )) 1000
docker_compare refusing
docker_try_create refused refused
dmsetup remove filler

say "loop-lvm, an 8M metadata file filled by snapshots until docker refuses"
docker_stop; docker_wipe
loopfs 700M
docker_start "$(daemon_json ',"dm.loopmetadatasize=8M","dm.min_free_space=80%"')"
P=$(docker_pool)
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
docker_try_create metadata-roomy created
fill_thin "$P" 16000000 filler 32
dmsetup remove filler
i=1
while :; do
  set -- $(pool_free "$P" 80)
  [ "$3" -lt "$4" ] && break
  [ $i -gt 400 ] && fail "metadata did not fill: $3 free of $4"
  dmsetup message "$P" 0 "create_snap $((16000000 + i)) 16000000" || fail "create_snap"
  dmsetup create snap --table "0 $((1024 * MB)) thin /dev/mapper/$P $((16000000 + i))" || fail "snap"
  dd if=/dev/zero of=/dev/mapper/snap bs=64k count=1 seek=$((i * 7 % 512)) oflag=direct 2>/dev/null
  dmsetup remove snap
  i=$((i + 1))
done
docker_compare metadata
docker_try_create metadata-refused refused

say "direct-lvm: dm.thinpooldev on an LVM thin pool made as docker's documentation says"
docker_stop; docker_wipe
PV=$(loop /tmp/pv.img 1200M)
pvcreate -q "$PV" > /dev/null && vgcreate -q docker "$PV" > /dev/null || fail "vgcreate"
lvcreate -q --wipesignatures y -n thinpool docker -l 60%VG > /dev/null || fail "lvcreate"
lvcreate -q --wipesignatures y -n thinpoolmeta docker -l 1%VG > /dev/null || fail "lvcreate meta"
lvconvert -y -q --zero n -c 512K --thinpool docker/thinpool --poolmetadata docker/thinpoolmeta > /dev/null 2>&1 || fail "lvconvert"
docker_start "$(daemon_json ',"dm.thinpooldev=/dev/mapper/docker-thinpool","dm.use_deferred_removal=true","dm.use_deferred_deletion=true"')"
P=$(docker_pool); [ "$P" = docker-thinpool ] || fail "docker's pool is $P"
docker_compare direct
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
docker run -d --name db bb:test sh -c 'dd if=/dev/zero of=/data/f bs=1M count=8 && sync && sleep 100000' > /dev/null || fail "docker run db"
docker create --name later bb:test true > /dev/null || fail "docker create later"
sleep 2; sync
docker_compare direct-filled
docker_names direct
docker_stop
