#!/bin/bash
# sysroot-image.sh VMCACHE: builds VMCACHE/sysroot-bookworm.img, a Debian 12 root filesystem
# (ext4, made with mmdebstrap from Debian's registry) that run-vm.sh -R boots with systemd as
# PID 1: the package scenario installs the .deb into it as an operator would. It holds systemd,
# udev, lvm2 with dmeventd, thin-provisioning-tools, curl, and the libraries the package
# depends on -- and no Swift: the package brings what it needs. The guest's writes go to a
# scratch overlay (qemu snapshot=on), so the image stays clean from run to run.
#
# Rebuilt when this script changes. The kernel modules come from the test kernel at boot
# (run-vm.sh copies the initramfs's into the root).
set -euo pipefail
VMCACHE=$1
IMG=$VMCACHE/sysroot-bookworm.img
say() { echo "sysroot-image: $*" >&2; }
# The package's Depends (dpkg-shlibdeps on the release binary: libc6, libcurl4, libdevmapper,
# libssl3, libcrypt1, zlib) are installed here so that `apt-get install ./the.deb` in the guest
# needs no network; a Depends the image lacks makes that install fail, naming it.
pkgs=systemd,systemd-sysv,udev,kmod,iproute2,procps,lvm2,dmeventd,thin-provisioning-tools,curl,libcurl4,libdevmapper1.02.1,libssl3,libcrypt1,zlib1g,e2fsprogs,util-linux
key=$( { sha256sum "$0"; echo "$pkgs"; } | sha256sum | cut -c1-16)
[ -s "$IMG" ] && [ "$(cat "$IMG.key" 2>/dev/null)" = "$key" ] && exit 0
command -v mmdebstrap >/dev/null || { say "needs mmdebstrap (scripts/install-deps.sh --test)"; exit 1; }
say "building $IMG (mmdebstrap bookworm)"
W=$(mktemp -d "$VMCACHE/sysroot.XXXX"); trap 'rm -rf "$W"' EXIT
# A boot under emulation is slow enough: what a storage host's boot does that the scenario
# does not need is masked (consoles, timers, the journal's flush to disk).
mmdebstrap --variant=apt --include="$pkgs" \
  --customize-hook='chroot "$1" systemctl mask serial-getty@ttyS0.service getty@tty1.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer systemd-journal-flush.service man-db.timer dpkg-db-backup.timer systemd-networkd.service systemd-resolved.service >/dev/null 2>&1 || true' \
  --customize-hook='echo sysroot > "$1/etc/hostname"' \
  --customize-hook='printf "/dev/vda / ext4 rw 0 1\n" > "$1/etc/fstab"' \
  bookworm "$W/root" >&2
[ ! -e "$W/root/usr/bin/swift" ] || { say "the root has Swift in it"; exit 1; }
rm -f "$IMG.tmp"
mkfs.ext4 -q -F -L sysroot -d "$W/root" "$IMG.tmp" 2G
mv "$IMG.tmp" "$IMG"
echo "$key" > "$IMG.key"
say "$(du -sh --apparent-size "$IMG" | cut -f1) apparent, $(du -sh "$IMG" | cut -f1) used"
