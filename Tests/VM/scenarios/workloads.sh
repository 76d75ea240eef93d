#!/bin/sh
# What uses the space: docker's loop-lvm pool with a data root laid out beside it as dockerd
# writes one (running, stopped and init layers, image layers, a deferred deletion, a
# half-written and a damaged metadata file), an LVM VG with thin LVs, containerd's devmapper
# pool. The exporter runs with its defaults (/var/lib/docker, /etc/docker/daemon.json,
# /etc/containerd/config.toml, lvm vgs) and the host's scrape names containers, LVs and
# snapshots; then a stopped container starts and docker finishes a deletion while it serves.
# vm-args: -f Tests/VM/workload-host.sh
. /extra/files/guest-lib.sh
. /extra/files/workload-host.sh
workload_docker_root /var/lib/docker
workload_configs /etc
workload_pools
VGFREE=$(lvm vgs --noheadings --units b --nosuffix -o vg_free vg0 | tr -d ' ')
serve
host_scrape named
expect named "$P" owner.kind=docker owner.docker.min_free_space_percent=15 min_free_space_percent=15 \
  owner.docker.deferred_deleted=1 owner.docker.skipped_files=2 owner.docker.base_device_size_bytes=10737418240
expect named vg0-pool0-tpool owner.kind=lvm owner.vg=vg0 owner.lv=pool0 owner.vg_free_bytes=$VGFREE min_free_space_percent=10
expect named containerd-pool owner.kind=containerd
expect_metric named thinpool_pool_info 1 pool=$P owner=docker
expect_metric named thinpool_pool_info 1 pool=vg0-pool0-tpool owner=lvm vg=vg0 lv=pool0
expect_metric named thinpool_pool_info 1 pool=containerd-pool owner=containerd
expect_metric named thinpool_thin_info 1 pool=$P device=$PREFIX-$WEB_MOUNT kind=container container_name=web container_id=$WEB_ID layer=$WEB_MOUNT
expect_metric named thinpool_thin_info 1 pool=$P device=$PREFIX-$DB_MOUNT kind=container container_name=db container_id=$DB_ID
expect_metric named thinpool_thin_mapped_bytes $((12 * 1048576)) pool=$P device=$PREFIX-$WEB_MOUNT
expect_metric named thinpool_thin_mapped_bytes $((20 * 1048576)) pool=$P device=$PREFIX-$DB_MOUNT
expect_metric named thinpool_docker_devices 2 pool=$P kind=container state=active
expect_metric named thinpool_docker_devices 1 pool=$P kind=container state=inactive
expect_metric named thinpool_docker_devices 3 pool=$P kind=init state=inactive
expect_metric named thinpool_docker_devices 2 pool=$P kind=image state=inactive
expect_metric named thinpool_docker_devices 1 pool=$P kind=docker state=deleted
expect_metric named thinpool_docker_metadata_skipped_files 2 pool=$P
expect_metric named thinpool_min_free_space_bytes $((4096 * 15 / 100 * 65536)) pool=$P
expect_metric named thinpool_thin_info 1 pool=vg0-pool0-tpool device=vg0-data kind=lvm vg=vg0 lv=data
expect_metric named thinpool_thin_info 1 pool=vg0-pool0-tpool device=vg0-logs kind=lvm vg=vg0 lv=logs
expect_metric named thinpool_lvm_vg_free_bytes $VGFREE vg=vg0
expect_metric named thinpool_thin_info 1 pool=containerd-pool device=containerd-pool-snap-2 kind=snapshot layer=2
expect_metric named thinpool_containerd_snapshots 2 pool=containerd-pool
$TPE status "$P" > /tmp/st.txt || fail "status $P"
cat /tmp/st.txt
grep -q "^  20.97MB of 10.74GB  container db (${DB_ID%${DB_ID#????????????}}) \[$PREFIX-$DB_MOUNT\]$" /tmp/st.txt || fail "top space users: db"
grep -qx "Deferred Deleted Device Count: 1" /tmp/st.txt || fail "deferred deleted count"
grep -q "level=warn.*metadata/.tmp482913: a temporary file" /tmp/serve.log || fail "no warning for the half-written file"

say "old starts; docker finishes deleting $GONE"
dmsetup create "$PREFIX-$OLD_MOUNT" --table "0 $((10 * 2097152)) thin /dev/mapper/$P 9" || fail "activate old"
write "/dev/mapper/$PREFIX-$OLD_MOUNT" 4
dmsetup message "$P" 0 "delete 10" || fail "delete 10"
rm /var/lib/docker/devicemapper/metadata/$GONE
host_scrape changed
expect_metric changed thinpool_docker_devices 3 pool=$P kind=container state=active
expect_metric changed thinpool_thin_info 1 pool=$P device=$PREFIX-$OLD_MOUNT kind=container container_name=old
# 4 MiB written over the 8 MiB it shares with the base device: 8 MiB mapped
expect_metric changed thinpool_thin_mapped_bytes $((8 * 1048576)) pool=$P device=$PREFIX-$OLD_MOUNT
expect changed "$P" owner.docker.deferred_deleted=0
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"
