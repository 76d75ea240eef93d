#!/bin/sh
# Guest script (run-vm.sh -C): containerd 1.6's devmapper snapshotter with an image imported,
# two snapshots prepared (base-a, base-b), a container created (idle), base-a committed
# (base-a-committed) and viewed (base-a-view), then base-b removed; prints containerd's three
# bolt files base64-encoded and the dm devices, between markers.
. /extra/files/guest-lib.sh
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
ctr images import --snapshotter devmapper /opt/clients/images/oci.tar > /dev/null || fail "import"
ctr snapshots --snapshotter devmapper prepare base-a "" > /dev/null || fail "prepare base-a"
ctr snapshots --snapshotter devmapper prepare base-b "" > /dev/null || fail "prepare base-b"
ctr containers create --snapshotter devmapper docker.io/library/bb:test idle true || fail "create"
ctr snapshots --snapshotter devmapper commit base-a-committed base-a || fail "commit"
ctr snapshots --snapshotter devmapper view base-a-view base-a-committed > /dev/null || fail "view"
ctr snapshots --snapshotter devmapper rm base-b || fail "rm"
kill $CONTAINERD_PID; while kill -0 $CONTAINERD_PID 2>/dev/null; do sleep 0.1; done

for f in devmapper/metadata.db devmapper/containerd-pool.db io.containerd.metadata.v1.bolt/meta.db; do
  echo "@@FILE $(basename $f).b64"; base64 /var/lib/containerd/$f
done
echo "@@FILE dmsetup-ls"; dmsetup ls | sort
echo "@@END"
