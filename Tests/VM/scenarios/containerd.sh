#!/bin/sh
# containerd 1.6's devmapper snapshotter (Debian 12), driven by ctr, is the oracle: an image
# imported, snapshots prepared (keys base-a, base-b), a container created and one run, a
# snapshot committed and a view of it: every snapshot device is named by containerd's key (and
# container and image) and every snapshot counted by kind as `ctr snapshots ls` lists them,
# read from containerd's own metadata (check.py + clients.py).
# vm-args: -C -m 1024M
. /extra/files/guest-lib.sh
# The pool as containerd's documentation makes one (dmsetup, two loop files).
D=$(loop /var/lib/containerd-pool/data 1G); M=$(loop /var/lib/containerd-pool/meta 64M)
dmsetup create containerd-pool --table "0 $(blockdev --getsz $D) thin-pool $M $D 128 32768 1 skip_block_zeroing" || fail "pool"
containerd_start '
version = 2
[plugins]
  [plugins."io.containerd.snapshotter.v1.devmapper"]
    pool_name = "containerd-pool"
    root_path = "/var/lib/containerd/devmapper"
    base_image_size = "64MB"
'
ctr plugins ls | grep -q "devmapper.*ok" || fail "the devmapper snapshotter did not load: $(ctr plugins ls | grep devmapper)"
serve
ctr_compare empty
ctr images import --snapshotter devmapper /opt/clients/images/oci.tar > /dev/null || fail "ctr images import"
ctr snapshots --snapshotter devmapper prepare base-a "" > /dev/null || fail "prepare base-a"
ctr snapshots --snapshotter devmapper prepare base-b "" > /dev/null || fail "prepare base-b"
ctr containers create --snapshotter devmapper docker.io/library/bb:test idle true || fail "ctr containers create"
ctr run -d --no-pivot --snapshotter devmapper docker.io/library/bb:test busy sh -c 'dd if=/dev/zero of=/data/f bs=1M count=6; sync; sleep 100000' \
  || fail "ctr run: $(tail -5 /tmp/containerd.log)"
i=0; until ctr tasks ls | grep -q "busy.*RUNNING"; do i=$((i + 1)); [ $i -gt 100 ] && fail "busy did not run"; sleep 0.1; done
sleep 2; sync
ctr_compare prepared
snapshot prepared
ctr snapshots --snapshotter devmapper commit base-a-committed base-a || fail "commit"
ctr snapshots --snapshotter devmapper view base-a-view base-a-committed > /dev/null || fail "view"
# Kept from containerd's garbage collector (a view nothing refers to goes at its next run, which
# the removals below start): the view is compared, not raced.
ctr snapshots --snapshotter devmapper label base-a-view containerd.io/gc.root=scenario > /dev/null || fail "label base-a-view"
ctr_compare committed
ctr tasks kill -s KILL busy; sleep 1; ctr tasks rm busy > /dev/null 2>&1
ctr containers rm busy idle || fail "ctr containers rm"
ctr snapshots --snapshotter devmapper rm base-b || fail "rm base-b"
ctr_compare removed
