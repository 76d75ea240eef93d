#!/bin/bash
# setup.sh - host setup for the VM tests (Debian 12, root). Idempotent; fails loudly.
#
# Installs qemu (software emulation only: KVM does not boot guests on these machines),
# busybox-static and dmsetup for the guest initramfs, python3 for the host-side checker; then
# downloads -- without installing -- the Debian kernel package behind linux-image-amd64,
# lvm2 and thin-provisioning-tools, and unpacks them into the cache ($VMCACHE, default
# <repo>/.vmcache, ignored by git); then builds the clients disk (clients-image.sh: Debian's
# docker.io, containerd, runc and dmeventd, downloaded the same way).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
VMCACHE=${VMCACHE:-$(cd "$HERE/../.." && pwd)/.vmcache}
mkdir -p "$VMCACHE/debs"
export DEBIAN_FRONTEND=noninteractive
say() { echo "vm-setup: $*" >&2; }

need_pkgs=()
for p in qemu-system-x86 busybox-static dmsetup file binutils xz-utils python3 libdevmapper-event1.02.1 libaio1 libedit2 \
         e2fsprogs util-linux libseccomp2; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || need_pkgs+=("$p")
done
if [ ${#need_pkgs[@]} -gt 0 ]; then
  say "installing ${need_pkgs[*]}"
  apt-get update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${need_pkgs[@]}"
fi

cd "$VMCACHE/debs"
KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
[ -n "$KPKG" ] || { apt-get update -q; KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); }
[ -n "$KPKG" ] || { say "cannot find the kernel package behind linux-image-amd64"; exit 1; }
fetch() { # package: download once; a failed download is an error, never skipped
  ls "$1"_*.deb >/dev/null 2>&1 && return 0
  apt-get download "$1" || { apt-get update -q && apt-get download "$1"; } \
    || { say "FAILED to download $1"; exit 1; }
}
fetch "$KPKG"
fetch lvm2
fetch thin-provisioning-tools
for p in docker.io containerd runc dmeventd liblvm2cmd2.03; do fetch "$p"; done
cd "$VMCACHE"
[ -d kernel/boot ] || dpkg -x debs/"${KPKG}"_*.deb kernel
[ -d tpt/usr ] || dpkg -x debs/thin-provisioning-tools_*.deb tpt
[ -d lvm/sbin ] || dpkg -x debs/lvm2_*.deb lvm
ls kernel/boot/vmlinuz-* >/dev/null || { say "kernel unpack failed"; exit 1; }
"$HERE/clients-image.sh" "$VMCACHE"
say "kernel $(ls kernel/boot/vmlinuz-*), cache $VMCACHE"
