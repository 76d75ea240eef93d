#!/bin/sh
# Debian 12's real dockerd against `thinpool-exporter status`, its JSON and metrics, line for
# line (check.py + clients.py), in two deployments docker users have:
#   a data root moved by a symbolic link (/var/lib/docker -> /big/docker, how docker is moved to
#   a larger disk): dockerd resolves its root, and prints its loop files under /big/docker;
#   docker's pool on two given block devices (dm.datadev, dm.metadatadev: the deployment of
#   docker's early documentation), here LVM linear volumes.
# Every snapshot also holds the version docker reports against the one we asked its socket.
# vm-args: -C -m 2048M -t 900
. /extra/files/guest-lib.sh
daemon_json() { # extra storage-opts, each quoted, comma-led
  echo "{\"storage-driver\":\"devicemapper\",\"storage-opts\":[\"dm.override_udev_sync_check=true\",\"dm.fs=ext4\"${1:-}],\"iptables\":false,\"ip-masq\":false,\"bridge\":\"none\"}"
}

say "loop-lvm under a data root moved by a symlink"
mkdir -p /big/docker/devicemapper/devicemapper /var/lib
mount -t tmpfs -o size=700M tmpfs /big/docker/devicemapper/devicemapper || fail "tmpfs for docker's loop files"
rm -rf /var/lib/docker; ln -s /big/docker /var/lib/docker
docker_start "$(daemon_json)"
serve
await_docker_version
P=$(docker_pool); [ -n "$P" ] || fail "docker names no pool"
docker info 2>/dev/null | grep -q "Data loop file: /big/docker/devicemapper/devicemapper/data" \
  || fail "dockerd did not resolve its root: $(docker info 2>/dev/null | grep 'loop file')"
docker_compare moved-root
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
docker run -d --name web bb:test sh -c 'dd if=/dev/zero of=/data/f bs=1M count=8 && sync && sleep 100000' > /dev/null || fail "docker run web"
i=0; until [ "$(docker exec web sh -c 'ls -l /data/f 2>/dev/null' | awk '{print $5}')" = 8388608 ]; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "the container did not write"; sleep 0.2; done
sync
docker_compare moved-root-filled
docker_names moved-root
docker_stop
for d in $(dmsetup ls | awk '$1 ~ /^docker-/ && $1 !~ /-pool$/ {print $1}'); do dmsetup remove "$d"; done
for d in $(dmsetup ls --target thin-pool | awk '$1 ~ /^docker-/ {print $1}'); do dmsetup remove "$d"; done
for d in /sys/block/loop*/loop/backing_file; do
  [ -r "$d" ] && grep -q '^/big/docker/' "$d" && losetup -d "/dev/$(basename "${d%/loop/backing_file}")"
done
umount /big/docker/devicemapper/devicemapper
rm -f /var/lib/docker; rm -rf /big/docker

say "docker's pool on given devices: dm.datadev and dm.metadatadev on LVM linear volumes"
PV=$(loop /tmp/pv.img 1200M)
pvcreate -q "$PV" > /dev/null && vgcreate -q dd "$PV" > /dev/null || fail "vgcreate"
lvcreate -q -Zn -L 800M -n data dd > /dev/null || fail "lvcreate data"
lvcreate -q -Zn -L 64M -n meta dd > /dev/null || fail "lvcreate meta"
dmsetup mknodes
# docker builds its pool on the metadata device only when it holds no pool yet.
dd if=/dev/zero of=/dev/mapper/dd-meta bs=1M count=1 oflag=direct 2>/dev/null
docker_start "$(daemon_json ',"dm.datadev=/dev/mapper/dd-data","dm.metadatadev=/dev/mapper/dd-meta"')"
P=$(docker_pool); [ -n "$P" ] || fail "docker names no pool"
docker info 2>/dev/null | grep -q "Data file: /dev/mapper/dd-data" || fail "docker does not use dm.datadev: $(docker info 2>/dev/null | grep -i 'file')"
docker_compare given-devices
docker import /opt/clients/images/rootfs.tar bb:test > /dev/null || fail "docker import"
docker run -d --name db bb:test sh -c 'dd if=/dev/zero of=/data/f bs=1M count=8 && sync && sleep 100000' > /dev/null || fail "docker run db"
i=0; until [ "$(docker exec db sh -c 'ls -l /data/f 2>/dev/null' | awk '{print $5}')" = 8388608 ]; do
  i=$((i + 1)); [ $i -gt 300 ] && fail "the container did not write"; sleep 0.2; done
sync
docker_compare given-devices-filled
docker_names given-devices
docker_stop
