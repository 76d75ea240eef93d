# guest-lib.sh: helpers for guest scenario scripts, sourced from /extra/files/guest-lib.sh.
# A scenario builds pools, then calls `snapshot NAME` at the moments worth checking and
# `expect NAME POOL key=value...` for what that moment must show. The host-side checker
# (Tests/VM/check.py) compares every snapshot's `thinpool-exporter status --json` with its own
# reading of the dmsetup output taken at the same moment, then checks the expectations.
set -u
MB=2048                  # sectors per MiB
TPE=${TPE:-thinpool-exporter}
TPE_ARGS=${TPE_ARGS:-}

fail() {
  echo "@@FAIL $*"
  # The exporter's own account, when one is running.
  [ -f /tmp/serve.log ] && { echo "--- exporter log (last 40 lines)"; tail -40 /tmp/serve.log; }
  exit 1
}
say() { echo "=== $*"; }

# wallclock: unix time to the millisecond (busybox date has no %N): the uptime clock, set
# against the wall clock once, at the moment its second ticks over.
WALL_OFFSET=
wallclock() {
  if [ -z "$WALL_OFFSET" ]; then
    # The uptime read by the shell itself (no process started) the moment date's second ticks.
    s0=$(date +%s); while [ "$(date +%s)" = "$s0" ]; do :; done
    read -r up _ < /proc/uptime
    WALL_OFFSET=$(awk -v s=$((s0 + 1)) -v u="$up" 'BEGIN { printf "%.3f", s - u }')
  fi
  awk -v o="$WALL_OFFSET" '{ printf "%.3f", $1 + o }' /proc/uptime
}

# loop FILE SIZE: a sparse backing file on a new loop device; prints the device.
loop() {
  mkdir -p "$(dirname "$1")"
  truncate -s "$2" "$1" || fail "truncate $1"
  local l; l=$(losetup -f) || fail "no free loop device"
  losetup "$l" "$1" || fail "losetup $l $1"
  echo "$l"
}

# pool NAME META DATA BLOCK_SECTORS LOW_WATER [FEATURES...]: create a thin pool over two devices.
pool() {
  local name=$1 meta=$2 data=$3 bs=$4 lwm=$5; shift 5
  local feat=""; [ $# -gt 0 ] && feat=" $# $*"
  dmsetup create "$name" --table "0 $(blockdev --getsz "$data") thin-pool $meta $data $bs $lwm$feat" \
    || fail "create pool $name"
}

# thin POOL ID NAME SIZE_MB: provision thin device ID in POOL as /dev/mapper/NAME.
thin() {
  dmsetup message "$1" 0 "create_thin $2" || fail "create_thin $2 in $1"
  dmsetup create "$3" --table "0 $(($4 * MB)) thin /dev/mapper/$1 $2" || fail "create thin $3"
}

# write DEV MB [SEEK_MB]: direct writes, so the blocks are provisioned when it returns.
write() { dd if=/dev/zero of="$1" bs=1M count="$2" seek="${3:-0}" oflag=direct 2>/dev/null; }

events() { dmsetup info -c --noheadings -o events "$1" | tr -d ' '; }

# The loop devices' backing files and their filesystems' free space (statfs f_bfree, f_bsize),
# read here from sysfs and stat so the checker need not trust the exporter for them.
loops() {
  for b in /sys/block/loop*/loop/backing_file; do
    [ -r "$b" ] || continue
    local d=${b%/loop/backing_file}; local f; f=$(cat "$b")
    echo "$(cat "$d/dev") $(stat -f -c '%f %s' "$f") $f"
  done
}

# dm_files STATUS: the snapshot sections of dmsetup's view (STATUS: `dmsetup status` as taken).
dm_files() {
  echo "@@FILE table"; dmsetup table
  echo "@@FILE status"; echo "$1"
  echo "@@FILE info"; dmsetup info -c
  echo "@@FILE loops"; loops
}

# await_scrape KEY: asks the host to scrape the exporter now and waits until it has.
await_scrape() {
  echo "@@SCRAPE $1"
  until wget -q -O /dev/null "http://$CTRL/done/$1" 2>/dev/null; do sleep 0.1; done
}

# snapshot NAME: dmsetup output and the exporter's JSON at one moment. The dmsetup status is
# read before and after the exporter; a moment where they differ is taken again.
snapshot() {
  local name=$1 try=0 before after json rc
  while :; do
    before=$(dmsetup status)
    json=$($TPE status --json $TPE_ARGS 2>/tmp/tpe.err); rc=$?
    after=$(dmsetup status)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 5 ] && fail "snapshot $name: the pools kept changing"
  done
  echo "@@SNAPSHOT $name"
  dm_files "$after"
  echo "@@FILE json"; echo "$json"
  echo "@@FILE stderr"; cat /tmp/tpe.err
  echo "@@FILE rc"; echo "$rc"
  echo "@@END"
}

# expect SNAPSHOT POOL key=value...: JSON fields of POOL in SNAPSHOT (dotted paths into
# objects: data.used_blocks=640). Values compare as JSON text (true, null, "rw" as rw).
expect() {
  local snap=$1 pool=$2; shift 2
  echo "@@EXPECT $snap $pool $*"
}

# expect_metric SNAPSHOT METRIC VALUE LABEL=VALUE...: in the host scrape of SNAPSHOT (taken by
# host_scrape), exactly one METRIC series has these labels, and its value is VALUE.
expect_metric() {
  echo "@@EXPECTMETRIC $*"
}

# serve [ARGS...]: start `thinpool-exporter serve` on :10234 in the background (the host reaches
# it through a forwarded port) and wait until it answers.
serve() {
  $TPE serve --web.listen-address :10234 "$@" > /tmp/serve.log 2>&1 &
  SERVE_PID=$!
  local i=0
  until wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 100 ] && fail "the exporter did not start: $(cat /tmp/serve.log)"
    sleep 0.1
  done
}

# host_scrape NAME: the host scrapes the exporter here while dmsetup reads the same moment; the
# checker compares the host's metrics with this snapshot. Retaken if the pools moved meanwhile.
host_scrape() {
  local name=$1 try=0 before after
  while :; do
    before=$(dmsetup status)
    await_scrape "$name.$try"
    after=$(dmsetup status)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 5 ] && fail "host_scrape $name: the pools kept changing"
  done
  echo "@@SNAPSHOT $name"
  echo "@@SCRAPED $name.$try"
  dm_files "$after"
  echo "@@FILE json"; $TPE status --json 2>/tmp/tpe.err
  echo "@@FILE rc"; echo $?
  echo "@@END"
}

# --- The real clients (run-vm.sh -C: docker, containerd, ctr, runc, dmeventd under /opt/clients).

# docker_start DAEMON_JSON: writes /etc/docker/daemon.json and starts Debian's dockerd as the VM
# allows it (no udev: DM_DISABLE_UDEV=1 and dm.override_udev_sync_check=true in the JSON; the
# root is an initramfs: DOCKER_RAMDISK=true makes runc skip pivot_root); waits for its API.
docker_start() {
  mkdir -p /etc/docker /var/lib/docker
  echo "$1" > /etc/docker/daemon.json
  DM_DISABLE_UDEV=1 DOCKER_RAMDISK=true dockerd > /tmp/dockerd.log 2>&1 &
  DOCKERD_PID=$!
  local i=0
  until docker info > /dev/null 2>&1; do
    kill -0 $DOCKERD_PID 2>/dev/null || fail "dockerd exited: $(tail -5 /tmp/dockerd.log)"
    i=$((i + 1)); [ $i -gt 600 ] && fail "dockerd did not answer in 60 s: $(tail -5 /tmp/dockerd.log)"
    sleep 0.1
  done
  # A serving exporter asks the new dockerd's version on a thread of its own (its answer is
  # checked in every docker snapshot): wait until it has one, at most 60 s.
  [ -n "${SERVE_PID:-}" ] && await_docker_version
  return 0
}

# await_docker_version: until the serving exporter's /api/v1/pools holds docker's version as
# its API socket told it.
await_docker_version() {
  local i=0
  until wget -q -O - http://127.0.0.1:10234/api/v1/pools 2>/dev/null | grep -q '"source": "socket"'; do
    i=$((i + 1)); [ $i -gt 600 ] && fail "the exporter never learnt docker's version: $(wget -q -O - http://127.0.0.1:10234/api/v1/pools | grep -A6 dialect)"
    sleep 0.1
  done
}

# docker_stop: stops dockerd (and the containerd it started), as a service manager would.
docker_stop() {
  kill $DOCKERD_PID 2>/dev/null
  while kill -0 $DOCKERD_PID 2>/dev/null; do sleep 0.1; done
  while pidof containerd > /dev/null; do sleep 0.1; done
}

# docker_wipe: after docker_stop, removes docker's devices, loop devices and data root, so the
# next docker_start makes a new pool.
docker_wipe() {
  local d
  for d in $(dmsetup ls | awk '$1 ~ /^docker-/ && $1 !~ /-pool$/ {print $1}'); do dmsetup remove "$d"; done
  for d in $(dmsetup ls --target thin-pool | awk '$1 ~ /^docker-/ {print $1}'); do dmsetup remove "$d"; done
  for d in /sys/block/loop*/loop/backing_file; do
    [ -r "$d" ] && grep -q '^/var/lib/docker/' "$d" && losetup -d "/dev/$(basename "${d%/loop/backing_file}")"
  done
  umount /var/lib/docker/devicemapper/devicemapper 2>/dev/null
  rm -rf /var/lib/docker
}

# docker_pool: the name of docker's pool, as `docker info` says it.
docker_pool() { docker info --format '{{range .DriverStatus}}{{if eq (index . 0) "Pool Name"}}{{index . 1}}{{end}}{{end}}'; }

# docker_compare NAME: `docker info`, `thinpool-exporter status` (text and JSON), a host scrape of
# the running exporter (serve) and dmsetup, all at one moment (taken again while the pools
# move). check.py compares docker's storage-driver lines with ours line by line, its
# DriverStatus with our JSON, and its numbers with our metrics.
docker_compare() {
  local name=$1 try=0 before after info ds text json api
  while :; do
    before=$(dmsetup status)
    info=$(docker info 2>/dev/null); ds=$(docker info --format '{{json .DriverStatus}}' 2>/dev/null)
    text=$($TPE status $TPE_ARGS 2>/tmp/tpe.err); json=$($TPE status --json $TPE_ARGS 2>>/tmp/tpe.err)
    api=$(wget -q -O - http://127.0.0.1:10234/api/v1/pools)
    await_scrape "$name.$try"
    after=$(dmsetup status)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 5 ] && fail "docker_compare $name: the pools kept changing"
  done
  echo "@@SNAPSHOT $name"
  echo "@@SCRAPED $name.$try"
  dm_files "$after"
  echo "@@FILE json"; echo "$json"
  echo "@@FILE stderr"; cat /tmp/tpe.err
  echo "@@FILE rc"; echo 0
  echo "@@FILE dockerinfo"; echo "$info"
  echo "@@FILE driverstatus"; echo "$ds"
  echo "@@FILE text"; echo "$text"
  echo "@@FILE api"; echo "$api"
  echo "@@END"
}

# docker_try_create NAME created|refused: our JSON, then `docker create` (docker checks the
# pool's free space before it makes a device); check.py holds docker's verdict and message
# against ours (docker_would_refuse, docker_refusal with docker's N and M). The second argument
# is what the scenario set up: a run where docker did otherwise has not tested what it meant to.
docker_try_create() {
  local name=$1 want=$2 before after json out rc
  before=$(dmsetup status)
  json=$($TPE status --json $TPE_ARGS 2>/dev/null)
  after=$(dmsetup status)
  [ "$before" = "$after" ] || fail "docker_try_create $name: the pool moved while we read it"
  out=$(docker create bb:test true 2>&1); rc=$?
  echo "@@DOCKERCREATE $name"
  echo "@@FILE json"; echo "$json"
  echo "@@FILE create"; echo "$out"
  echo "@@FILE rc"; echo "$rc"
  echo "@@END"
  case "$want:$rc" in
    created:0) ;; refused:0) fail "docker_try_create $name: docker created a container; the scenario meant it to refuse" ;;
    created:*) fail "docker_try_create $name: docker refused ($out); the scenario meant it to create" ;;
  esac
}

# docker_names NAME: what docker knows of its containers and images (ids, names, states, the
# GraphDriver.Data of each) beside our JSON and a host scrape, for check.py to compare.
docker_names() {
  local name=$1 c
  await_scrape "$name.names"
  echo "@@DOCKERNAMES $name"
  echo "@@SCRAPED $name.names"
  echo "@@FILE ps"; docker ps -a --no-trunc --format '{{.ID}} {{.Names}} {{.State}}'
  echo "@@FILE containers"
  for c in $(docker ps -aq --no-trunc); do docker inspect -f '{{.ID}} {{json .GraphDriver.Data}}' "$c"; done
  echo "@@FILE images"
  for c in $(docker images -q --no-trunc); do docker image inspect -f '{{.ID}} {{json .GraphDriver.Data}}' "$c"; done
  echo "@@FILE deferred"; docker info --format '{{range .DriverStatus}}{{if eq (index . 0) "Deferred Deleted Device Count"}}{{index . 1}}{{end}}{{end}}'
  echo "@@FILE json"; $TPE status --json $TPE_ARGS 2>/dev/null
  echo "@@END"
}

# fill_thin POOL ID NAME MB: a thin volume of our own in someone else's pool, written with MB.
fill_thin() {
  dmsetup message "$1" 0 "create_thin $2" || fail "create_thin $2 in $1"
  dmsetup create "$3" --table "0 $((4096 * MB)) thin /dev/mapper/$1 $2" || fail "create thin $3"
  write "/dev/mapper/$3" "$4"
}

# containerd_start CONFIG_TOML: writes /etc/containerd/config.toml and starts Debian's containerd.
containerd_start() {
  mkdir -p /etc/containerd
  echo "$1" > /etc/containerd/config.toml
  containerd > /tmp/containerd.log 2>&1 &
  CONTAINERD_PID=$!
  local i=0
  until ctr version > /dev/null 2>&1; do
    kill -0 $CONTAINERD_PID 2>/dev/null || fail "containerd exited: $(tail -5 /tmp/containerd.log)"
    i=$((i + 1)); [ $i -gt 600 ] && fail "containerd did not answer in 60 s: $(tail -5 /tmp/containerd.log)"
    sleep 0.1
  done
}

# ctr_compare NAME: what `ctr` says of the devmapper snapshotter's snapshots (ls; for each one
# that is not committed, the device `ctr snapshots mounts` names; each container's record)
# beside our JSON and a host scrape, for check.py (clients.py) to compare.
# ctr_mounts: "@@MOUNTS", then each snapshot that is not committed with `ctr snapshots mounts`
# on one line (its device, for the devmapper snapshotter).
ctr_mounts() {
  local k
  echo "@@MOUNTS"
  for k in $(ctr snapshots --snapshotter devmapper ls | awk 'NR > 1 && $NF != "Committed" {print $1}'); do
    echo "$k $(ctr snapshots --snapshotter devmapper mounts /mnt "$k" 2>&1 | tr '\n' ' ')"
  done
}

ctr_compare() {
  local name=$1 k c try=0 before after json text
  # containerd garbage-collects in the background (after a container or snapshot is removed):
  # take ctr's list before and after ours, and again while it moves.
  # ctr's mounts are part of what must hold still: a snapshot listed, then collected before
  # its mounts are asked for, is a moving target, not a disagreement.
  while :; do
    before=$(ctr snapshots --snapshotter devmapper ls; ctr_mounts)
    json=$($TPE status --json $TPE_ARGS 2>/dev/null); text=$($TPE status $TPE_ARGS 2>/dev/null)
    await_scrape "$name.ctr.$try"
    after=$(ctr snapshots --snapshotter devmapper ls; ctr_mounts)
    [ "$before" = "$after" ] && break
    try=$((try + 1)); [ $try -ge 10 ] && fail "ctr_compare $name: containerd's snapshots kept changing"
    sleep 1
  done
  echo "@@CTR $name"
  echo "@@SCRAPED $name.ctr.$try"
  echo "@@FILE snapshots"; echo "$after" | sed '/^@@MOUNTS$/,$d'
  echo "@@FILE mounts"; echo "$after" | sed '1,/^@@MOUNTS$/d'
  echo "@@FILE containers"
  for c in $(ctr containers ls -q); do echo "@@CONTAINER $c"; ctr containers info "$c"; done
  echo "@@FILE json"; echo "$json"
  echo "@@FILE text"; echo "$text"
  echo "@@END"
}

# lvs_compare NAME VG: `lvs` and `vgs` (JSON, bytes) just before and just after our JSON, a host
# scrape and `lvmconfig`'s autoextend settings; check.py (clients.py) holds each of our values
# to what lvs printed on one side of it (LVM's own figures move between two runs a moment
# apart: the pool's metadata is committed as it works).
LVS_FIELDS=vg_name,lv_name,lv_size,lv_metadata_size,data_percent,metadata_percent,lv_health_status,lv_when_full,seg_monitor,pool_lv,lv_profile,vg_profile
lvs_compare() {
  local name=$1 vg=$2 before json after
  before=$(lvm lvs --reportformat json --units b --nosuffix -o $LVS_FIELDS "$vg")
  json=$($TPE status --json $TPE_ARGS 2>/dev/null)
  await_scrape "$name.lvs"
  after=$(lvm lvs --reportformat json --units b --nosuffix -o $LVS_FIELDS "$vg")
  echo "@@LVS $name"
  echo "@@SCRAPED $name.lvs"
  echo "@@FILE before"; echo "$before"
  echo "@@FILE json"; echo "$json"
  echo "@@FILE after"; echo "$after"
  echo "@@FILE vgs"; lvm vgs --reportformat json --units b --nosuffix -o vg_name,vg_size,vg_free "$vg"
  echo "@@FILE lvmconfig"; lvm lvmconfig --type full activation/monitoring activation/thin_pool_autoextend_threshold activation/thin_pool_autoextend_percent
  local p
  for p in $(lvm lvs --noheadings -o lv_profile -S segtype=thin-pool "$vg" | sort -u); do
    echo "@@FILE lvmconfig:$p"; lvm lvmconfig --type full --metadataprofile "$p" activation/thin_pool_autoextend_threshold activation/thin_pool_autoextend_percent
  done
  echo "@@END"
}
