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
# The kernels of the other generations -- Debian 11's (5.10) and 13's (6.12) -- from an apt
# configuration of the harness's own ($VMCACHE/apt/RELEASE: its sources, lists and cache; the
# host's sources stay as they are), unpacked into kernel-5.10 and kernel-6.12.
release_apt() { # release -> the apt options that use its configuration
  local d=$VMCACHE/apt/$1
  mkdir -p "$d/parts" "$d/lists/partial" "$d/cache/archives/partial"
  printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$1" > "$d/parts/$1.sources"
  echo "-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts=$d/parts -o Dir::State::Lists=$d/lists -o Dir::Cache=$d/cache"
}
for gen in bullseye:5.10 trixie:6.12; do
  rel=${gen%%:*} v=${gen##*:}
  [ -d "$VMCACHE/kernel-$v/boot" ] && continue
  opts=$(release_apt "$rel")
  # shellcheck disable=SC2086
  apt-get -q $opts update >&2 || { say "FAILED: apt-get update for $rel"; exit 1; }
  # shellcheck disable=SC2086
  pkg=$(apt-cache $opts depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}')
  [ -n "$pkg" ] || { say "FAILED: no kernel behind $rel's linux-image-amd64"; exit 1; }
  # shellcheck disable=SC2086
  (cd "$VMCACHE/debs" && { ls "${pkg}"_*.deb >/dev/null 2>&1 || apt-get -q $opts download "$pkg"; }) \
    || { say "FAILED to download $pkg ($rel)"; exit 1; }
  dpkg -x "$VMCACHE/debs/${pkg}"_*.deb "$VMCACHE/kernel-$v.tmp" && mv "$VMCACHE/kernel-$v.tmp" "$VMCACHE/kernel-$v"
  ls "$VMCACHE/kernel-$v"/boot/vmlinuz-* >/dev/null || { say "kernel $pkg unpack failed"; exit 1; }
done
"$HERE/clients-image.sh" "$VMCACHE"
say "kernels $(ls kernel/boot/vmlinuz-* kernel-*/boot/vmlinuz-* | tr '\n' ' '), cache $VMCACHE"
