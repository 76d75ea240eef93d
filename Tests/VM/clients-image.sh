#!/bin/bash
# clients-image.sh VMCACHE: builds VMCACHE/clients.img, the read-only ext4 disk that run-vm.sh -C
# attaches and the guest mounts at /opt/clients: the real clients whose output the scenarios
# compare with ours -- Debian 12's dockerd/docker (docker.io), containerd/ctr/shim, runc,
# dmeventd with LVM's plugins (liblvm2cmd) -- the filesystem tools dockerd and containerd run
# (mkfs.ext4, tune2fs, blkid, resize2fs, e2fsck), fstrim and blkdiscard, the libraries they
# load, and images made offline (tools/make-images.py).
#
# A disk rather than the initramfs: ~220 MB of Go binaries unpacked into guest RAM at every
# boot cost minutes under TCG; a disk is read only where it is used. Rebuilt when its inputs
# (the downloaded packages, this script, make-images.py) change.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VMCACHE=$1
IMG=$VMCACHE/clients.img
say() { echo "clients-image: $*" >&2; }
debs=(docker.io containerd runc dmeventd liblvm2cmd2.03)
key=$( { for d in "${debs[@]}"; do ls "$VMCACHE/debs/${d}"_*.deb; done; sha256sum "$0" "$HERE/tools/make-images.py" /bin/busybox; } | sha256sum | cut -c1-16)
[ -s "$IMG" ] && [ "$(cat "$IMG.key" 2>/dev/null)" = "$key" ] && exit 0
say "building $IMG"
W=$(mktemp -d "$VMCACHE/clients.XXXX"); trap 'rm -rf "$W"' EXIT
for d in "${debs[@]}"; do dpkg -x "$VMCACHE/debs/${d}"_*.deb "$W/x"; done
R=$W/root; mkdir -p "$R/bin" "$R/lib" "$R/images"
# glibc itself is in the initramfs already; every other library comes along.
libs() { ldd "$1" | awk '/=> \//{print $3}' | grep -vE '/(libc|libm|libdl|libpthread|librt|ld-linux[^/]*)\.so' || true; }
add_lib() {
  [ -e "$R/lib/$(basename "$1")" ] && return 0
  cp -L "$1" "$R/lib/"
  local l; for l in $(LD_LIBRARY_PATH=$W/x/lib/x86_64-linux-gnu libs "$1"); do add_lib "$l"; done
}
add_bin() {
  cp -L "$1" "$R/bin/"
  local l; for l in $(LD_LIBRARY_PATH=$W/x/lib/x86_64-linux-gnu libs "$1"); do add_lib "$l"; done
}
X=$W/x
for b in "$X/usr/sbin/dockerd" "$X/usr/bin/docker" "$X/usr/bin/containerd" "$X/usr/bin/ctr" \
         "$X/usr/bin/containerd-shim-runc-v2" "$X/usr/sbin/runc" "$X/sbin/dmeventd" \
         /usr/sbin/mke2fs /usr/sbin/tune2fs /usr/sbin/blkid /usr/sbin/resize2fs /usr/sbin/e2fsck \
         /usr/sbin/fstrim /usr/sbin/blkdiscard; do
  [ -x "$b" ] || { say "missing $b"; exit 1; }
  add_bin "$b"
done
ln -s mke2fs "$R/bin/mkfs.ext4"
# dmeventd dlopen()s its plugins by bare name, and they load liblvm2cmd: all in lib/.
for l in "$X"/lib/x86_64-linux-gnu/device-mapper/libdevmapper-event-lvm2thin.so \
         "$X"/lib/x86_64-linux-gnu/liblvm2cmd.so.2.03 "$X"/lib/x86_64-linux-gnu/libdevmapper-event-lvm2.so.2.03; do
  add_lib "$l"
done
python3 "$HERE/tools/make-images.py" "$R/images"
rm -f "$IMG.tmp"
mke2fs -q -t ext4 -L clients -d "$R" "$IMG.tmp" "$(( $(du -sm "$R" | cut -f1) * 5 / 4 + 32 ))M"
mv "$IMG.tmp" "$IMG"; echo "$key" > "$IMG.key"
say "$(du -h --apparent-size "$IMG" | cut -f1) ($(ls "$R/bin" | wc -l) programs, $(ls "$R/lib" | wc -l) libraries)"
