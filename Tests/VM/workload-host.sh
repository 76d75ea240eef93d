# workload-host.sh: a host whose pools are used by docker, LVM and containerd (sourced by sh;
# busybox ash is enough). Used by the VM scenario `workloads` and by
# Tests/VM/tools/capture-workloads.sh, whose output is fixtures/workloads.
#
# The docker data root is written the way dockerd's devicemapper driver and layer store write
# theirs:
#
#   devicemapper/metadata/<hash>                 per device: Go's json.Marshal of devInfo, no newline,
#                                                written to .tmpNNN and renamed into place
#   devicemapper/metadata/deviceset-metadata     {"next_device_id","BaseDeviceUUID","BaseDeviceFilesystem"}
#   image/devicemapper/layerdb/sha256/<chain>/   cache-id (the layer's device hash), diff, size
#   image/devicemapper/layerdb/mounts/<id>/      mount-id (the container's device hash), init-id, parent
#   containers/<id>/config.v2.json               "Name":"/web"

# docker_root DIR: the directories dockerd creates; the functions below write under DIR.
docker_root() {
  DR=$1
  mkdir -p "$DR/devicemapper/metadata" "$DR/image/devicemapper/layerdb/sha256" \
    "$DR/image/devicemapper/layerdb/mounts" "$DR/containers"
}

# docker_device HASH DEVICE_ID SIZE_BYTES [deleted]: a device's metadata file.
docker_device() {
  _init=false; _del=false
  [ "$1" = base ] && _init=true
  [ "${4:-}" = deleted ] && _del=true
  _tmp="$DR/devicemapper/metadata/.tmp$2$$"
  printf '{"device_id":%s,"size":%s,"transaction_id":%s,"initialized":%s,"deleted":%s}' "$2" "$3" "$2" $_init $_del > "$_tmp"
  mv "$_tmp" "$DR/devicemapper/metadata/$1"
}

# docker_deviceset NEXT_ID FILESYSTEM
docker_deviceset() {
  printf '{"next_device_id":%s,"BaseDeviceUUID":"4b8c3e1a-9f2d-4c6b-8e7a-1d2f3a4b5c6d","BaseDeviceFilesystem":"%s"}' "$1" "$2" \
    > "$DR/devicemapper/metadata/deviceset-metadata"
}

# docker_image_layer CHAIN_ID CACHE_ID: an image layer whose device hash is CACHE_ID.
docker_image_layer() {
  _d="$DR/image/devicemapper/layerdb/sha256/$1"
  mkdir -p "$_d"
  printf '%s' "$2" > "$_d/cache-id"
  printf 'sha256:%s' "$1" > "$_d/diff"
  printf '%s' 1048576 > "$_d/size"
}

# docker_container ID NAME MOUNT_ID PARENT_CHAIN [running|stopped]: a container, its layer
# store mount (writable layer MOUNT_ID, init layer MOUNT_ID-init) and its config.v2.json.
docker_container() {
  _m="$DR/image/devicemapper/layerdb/mounts/$1"
  mkdir -p "$_m" "$DR/containers/$1"
  printf '%s' "$3" > "$_m/mount-id"
  printf '%s-init' "$3" > "$_m/init-id"
  printf 'sha256:%s' "$4" > "$_m/parent"
  _running=true; [ "${5:-running}" = stopped ] && _running=false
  printf '{"StreamConfig":{},"State":{"Running":%s,"Paused":false,"Restarting":false,"OOMKilled":false,"RemovalInProgress":false,"Dead":false,"Pid":0,"ExitCode":0,"Error":"","StartedAt":"2026-11-29T04:00:00.000000000Z","FinishedAt":"0001-01-01T00:00:00Z","Health":null},"ID":"%s","Created":"2026-11-29T03:59:58.000000000Z","Managed":false,"Path":"sh","Args":[],"Config":{"Hostname":"%.12s","Image":"busybox","Cmd":["sh"]},"Image":"sha256:%s","LogPath":"","Name":"/%s","Driver":"devicemapper","OS":"linux","RestartCount":0,"HasBeenStartedBefore":true}' \
    $_running "$1" "$1" "$4" "$2" > "$DR/containers/$1/config.v2.json.tmp"
  mv "$DR/containers/$1/config.v2.json.tmp" "$DR/containers/$1/config.v2.json"
}

# The workload host of the `workloads` scenario and fixtures/workloads: fixed ids and hashes.
IMG1=8c9e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6
IMG2=1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f80
CHAIN1=aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44
CHAIN2=bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55ff66aa11bb22cc33dd44ee55
WEB_ID=3e5f7a9b1c2d4e6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f
WEB_MOUNT=9f8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a39281706f5e4d3c2b1a0
DB_ID=4d6e8f0a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d0e2f3a5b7c9d1e3f5a7b9c1d3e
DB_MOUNT=0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9
OLD_ID=5f7a9c1e3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f1a3c5e7b
OLD_MOUNT=c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00
GONE=dead0000dead0000dead0000dead0000dead0000dead0000dead0000dead0000
GiB=1073741824

# workload_docker_root DIR: the metadata of the workload host's docker devices:
#   1 base, 2-3 image layers, 4/5 web (init, writable: running), 6/7 db (running),
#   8/9 old (stopped), 10 marked for deferred deletion; plus a half-written .tmp file
#   and a damaged device file, which must be skipped.
workload_docker_root() {
  docker_root "$1"
  docker_device base 1 $((10 * GiB))
  docker_device $IMG1 2 $((10 * GiB))
  docker_device $IMG2 3 $((10 * GiB))
  docker_device $WEB_MOUNT-init 4 $((10 * GiB))
  docker_device $WEB_MOUNT 5 $((10 * GiB))
  docker_device $DB_MOUNT-init 6 $((10 * GiB))
  docker_device $DB_MOUNT 7 $((10 * GiB))
  docker_device $OLD_MOUNT-init 8 $((10 * GiB))
  docker_device $OLD_MOUNT 9 $((10 * GiB))
  docker_device $GONE 10 $((10 * GiB)) deleted
  docker_deviceset 11 xfs
  printf '{"open_transaction_id":10,"device_hash":"%s","device_id":10}' $GONE > "$DR/devicemapper/metadata/transaction-metadata"
  # dockerd died between writing and renaming: a half-written temporary file.
  printf '{"device_id":11,"size":10737' > "$DR/devicemapper/metadata/.tmp482913"
  # a device file damaged on disk
  printf '{"device_id":12,"si\000\000\000' > "$DR/devicemapper/metadata/badbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadbadb"
  docker_image_layer $CHAIN1 $IMG1
  docker_image_layer $CHAIN2 $IMG2
  docker_container $WEB_ID web $WEB_MOUNT $CHAIN2
  docker_container $DB_ID db $DB_MOUNT $CHAIN2
  docker_container $OLD_ID old $OLD_MOUNT $CHAIN2 stopped
}

# workload_configs ETC: dockerd's daemon.json and containerd's config.toml under ETC
# (/etc on the VM): docker keeps 15% free; containerd's devmapper snapshotter uses
# containerd-pool.
workload_configs() {
  mkdir -p "$1/docker" "$1/containerd"
  printf '{\n  "storage-driver": "devicemapper",\n  "storage-opts": [\n    "dm.min_free_space=15%%",\n    "dm.basesize=10G"\n  ]\n}\n' > "$1/docker/daemon.json"
  cat > "$1/containerd/config.toml" <<'TOML'
version = 2

[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "registry.k8s.io/pause:3.9"
  [plugins."io.containerd.snapshotter.v1.devmapper"]
    root_path = "/var/lib/containerd/devmapper"
    pool_name = "containerd-pool"
    base_image_size = "512MB"
    async_remove = false
TOML
}

# workload_pools: on a real kernel (needs loop, thin and write from guest-lib.sh, and lvm):
#   docker's loop-lvm pool named from the stat of /var/lib/docker/devicemapper, its devices
#   1-10 as workload_docker_root describes them (5 and 7 active: web and db are running);
#   LVM VG vg0 with thin pool pool0 and thin LVs data and logs;
#   containerd-pool with snapshots 1 and 2 active.
# Sets P (docker's pool) and PREFIX.
workload_pools() {
  mkdir -p /var/lib/docker/devicemapper/devicemapper
  _dd=$(loop /var/lib/docker/devicemapper/devicemapper/data 256M)
  _dm=$(loop /var/lib/docker/devicemapper/devicemapper/metadata 16M)
  set -- $(stat -c '%d %i' /var/lib/docker/devicemapper)
  PREFIX="docker-$(( ($1 >> 8) & 0xfff )):$(( ($1 & 0xff) | (($1 >> 12) & 0xfff00) ))-$2"
  P=$PREFIX-pool
  dmsetup create "$P" --table "0 $(blockdev --getsz $_dd) thin-pool $_dm $_dd 128 512 1 skip_block_zeroing" || fail "create $P"
  thin "$P" 1 "$PREFIX-base" 10240
  write "/dev/mapper/$PREFIX-base" 8
  dmsetup remove "$PREFIX-base" || fail "deactivate base"
  for pair in 2:1 3:2 4:3 5:4 6:3 7:6 8:3 9:8 10:3; do
    dmsetup message "$P" 0 "create_snap ${pair%:*} ${pair#*:}" || fail "create_snap $pair"
  done
  dmsetup create "$PREFIX-$WEB_MOUNT" --table "0 $((10 * 2097152)) thin /dev/mapper/$P 5" || fail "activate web"
  dmsetup create "$PREFIX-$DB_MOUNT" --table "0 $((10 * 2097152)) thin /dev/mapper/$P 7" || fail "activate db"
  write "/dev/mapper/$PREFIX-$WEB_MOUNT" 12
  write "/dev/mapper/$PREFIX-$DB_MOUNT" 20

  _pv=$(loop /tmp/pv.img 320M)
  pvcreate -q "$_pv" >/dev/null && vgcreate -q vg0 "$_pv" >/dev/null || fail "vgcreate vg0"
  lvcreate -q -L 200M -T vg0/pool0 >/dev/null 2>&1 || fail "lvcreate pool0"
  lvcreate -q -V 1G -T vg0/pool0 -n data >/dev/null 2>&1 || fail "lvcreate data"
  lvcreate -q -V 512M -T vg0/pool0 -n logs >/dev/null 2>&1 || fail "lvcreate logs"
  write /dev/mapper/vg0-data 30
  write /dev/mapper/vg0-logs 10

  _cm=$(loop /tmp/ctrd-meta 4M); _cd=$(loop /tmp/ctrd-data 128M)
  pool containerd-pool "$_cm" "$_cd" 128 128
  thin containerd-pool 1 containerd-pool-snap-1 512
  thin containerd-pool 2 containerd-pool-snap-2 512
  write /dev/mapper/containerd-pool-snap-2 6
}
