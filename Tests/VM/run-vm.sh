#!/bin/bash
# run-vm.sh - boot Debian 12's stock kernel (unpacked by setup.sh, never installed) under
# QEMU software emulation with a small busybox initramfs holding the device-mapper thin-pool
# modules, dmsetup, thin-provisioning-tools and lvm; run ONE guest shell script as root; stream
# its output to stdout; exit with its exit status.
#
# Adapted from the workplace's reference harness (shared/vm/run-vm.sh); owned by this project.
#
# Usage: run-vm.sh [options] GUEST_SCRIPT [-- extra qemu args]
#   -m MEM      guest RAM (default 512M)
#   -t SECS     wall-clock timeout for the VM (default 600) -> exit 124
#   -x PATH     add a host executable (and every library ldd finds) as /extra/bin/<name>
#   -f SRC[:DST] add a file or directory; DST defaults to /extra/files/<basename>
#   -p HP:GP    forward host 127.0.0.1:HP -> guest :GP (tcp; repeatable; implies -n)
#   -n          user-mode networking (guest 10.0.2.15/24; the host is 10.0.2.2)
#   -e VAR=VAL  export VAR=VAL to the guest script (repeatable); VM_TMP_SIZE=N% sizes /tmp
#   -d SIZE|IMG attach a virtio disk (new sparse file of SIZE, or an existing raw image)
#   -C          attach the clients disk (setup.sh builds it: docker, containerd, runc, ctr,
#               dmeventd, e2fsprogs) read-only as /dev/vda, mounted at /opt/clients with its
#               programs on PATH and its libraries where the dynamic loader looks
#   -R IMG      boot the root filesystem IMG (sysroot-image.sh builds one) with systemd as PID 1:
#               the initramfs loads the modules, mounts IMG (/dev/vda; the guest's writes go to
#               a scratch overlay, qemu snapshot=on), adds the modules, the extras and a unit
#               running the script once the system is up, and switches to it. Not with -C.
#   -k          copy the kernel console to stderr too (always saved in WORKDIR/console.log)
#   -s N        vCPUs (default 1)
#   -w DIR      keep work files (initrd, console.log, guest.out) in DIR
#   -B          rebuild the cached base initramfs
# Environment: VMCACHE (default <repo>/.vmcache), VM_KERNEL (the generation: 6.1, Debian 12's,
#   the default; 5.10, Debian 11's; 6.12, Debian 13's), KVER (default: newest unpacked kernel
#   of that generation), VM_APPEND (extra kernel command line).
# Exit status: the guest script's (0..255); 124 timeout; 125 the VM died without reporting;
#   2 usage or missing setup (run Tests/VM/setup.sh).
#
# Guest environment: busybox sh runs the script from /tmp with PATH=/extra/bin:/sbin:/bin:...;
# DM_DISABLE_UDEV=1 (no udev: libdevmapper makes /dev/mapper nodes itself). Only KVM-less TCG
# is used: /dev/kvm exists on these machines but guests never boot under it.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
VMCACHE=${VMCACHE:-$(cd "$HERE/../.." && pwd)/.vmcache}
case ${VM_KERNEL:-6.1} in
  6.1) KROOT=$VMCACHE/kernel ;;
  5.10|6.12) KROOT=$VMCACHE/kernel-$VM_KERNEL ;;
  *) echo "run-vm: VM_KERNEL=$VM_KERNEL: one of 5.10, 6.1, 6.12" >&2; exit 2 ;;
esac
# Debian 13 keeps modules under /usr/lib.
MODROOT=$KROOT/lib/modules; [ -d "$MODROOT" ] || MODROOT=$KROOT/usr/lib/modules
[ -d "$MODROOT" ] || { echo "run-vm: no kernel in $KROOT; run Tests/VM/setup.sh" >&2; exit 2; }
KVER=${KVER:-$(ls "$MODROOT" | sort -V | tail -1)}
KERNEL=$KROOT/boot/vmlinuz-$KVER
MODSRC=$MODROOT/$KVER
CACHE=$VMCACHE/cache
BASE=$CACHE/base-$KVER.cpio   # uncompressed: gunzip in the guest under TCG costs more than copying

MEM=512M; TIMEOUT=600; SMP=1; NET=0; KCONS=0; WORK=; FORCE=0; CLIENTS=0; SYSROOT=
XBINS=(); XFILES=(); FWDS=(); DISKS=(); GENV=()
usage() { awk 'NR>1 && /^#/ {sub(/^# ?/, ""); print; next} NR>1 {exit}' "$0"; exit 2; }
while getopts "m:t:x:f:p:ne:d:CR:ks:w:Bh" o; do
  case $o in
    m) MEM=$OPTARG ;; t) TIMEOUT=$OPTARG ;; x) XBINS+=("$OPTARG") ;;
    f) XFILES+=("$OPTARG") ;; p) FWDS+=("$OPTARG"); NET=1 ;; n) NET=1 ;; e) GENV+=("$OPTARG") ;;
    d) DISKS+=("$OPTARG") ;; C) CLIENTS=1 ;; R) SYSROOT=$OPTARG ;; k) KCONS=1 ;; s) SMP=$OPTARG ;; w) WORK=$OPTARG ;; B) FORCE=1 ;;
    *) usage ;;
  esac
done
shift $((OPTIND-1))
[ $# -ge 1 ] || usage
GUEST=$1; shift
[ "${1:-}" = "--" ] && shift
QEMU_EXTRA=("$@")
[ -r "$GUEST" ] || { echo "run-vm: guest script $GUEST not readable" >&2; exit 2; }
[ -z "$SYSROOT" ] || [ -s "$SYSROOT" ] || { echo "run-vm: no root image $SYSROOT; run Tests/VM/setup.sh" >&2; exit 2; }
[ -z "$SYSROOT" ] || [ $CLIENTS = 0 ] || { echo "run-vm: -R and -C both want /dev/vda" >&2; exit 2; }
[ -r "$KERNEL" ] || { echo "run-vm: kernel $KERNEL missing; run Tests/VM/setup.sh" >&2; exit 2; }
log() { echo "run-vm: $*" >&2; }

# Copy an ELF executable and its shared libraries (from ldd) under root $1.
add_elf() { # root src dst
  local root=$1 src=$2 dst=$3 lib
  mkdir -p "$root$(dirname "$dst")"
  cp -L "$src" "$root$dst"; chmod 755 "$root$dst"
  for lib in $(ldd "$src" 2>/dev/null | awk '/=> \//{print $3; next} /^[ \t]*\//{print $1}'); do
    [ -e "$root$lib" ] && continue
    [ -f "$BASE.list" ] && grep -qxF ".$lib" "$BASE.list" && continue   # already in the base
    mkdir -p "$root$(dirname "$lib")" "$root/etc/libdirs.d"
    cp -L "$lib" "$root$lib"
    dirname "$lib" >> "$root/etc/libdirs.d/$(basename "$dst")"
  done
}

modpath() { # module name (- and _ alike) -> path relative to $MODSRC
  local n=${1//_/[-_]}
  (cd "$MODSRC" && find kernel -regextype posix-extended -regex ".*/${n}\.ko(\.xz|\.zst|\.gz)?" | head -1)
}
moddeps() { # path -> the module names in its .modinfo depends=
  local f=$MODSRC/$1 tmp=
  case $f in
    *.xz) tmp=$(mktemp); xz -dc "$f" > "$tmp" ;;
    *.zst) tmp=$(mktemp); zstd -qdc "$f" > "$tmp" ;;
    *.gz) tmp=$(mktemp); gzip -dc "$f" > "$tmp" ;;
  esac
  objcopy -O binary --only-section=.modinfo "${tmp:-$f}" /dev/stdout 2>/dev/null \
    | tr '\0' '\n' | sed -n 's/^depends=//p' | tr ',' ' '
  [ -n "$tmp" ] && rm -f "$tmp"; return 0
}

build_base() {
  local R; R=$(mktemp -d "$CACHE/base.XXXX")
  log "building the base initramfs for $KVER"
  rm -f "$BASE.list"
  mkdir -p "$R"/{bin,sbin,etc/lvm,proc,sys,dev,tmp,run,mnt,root,lib,lib64,usr/bin,usr/sbin,var/log,extra/bin,extra/files}
  file -L /bin/busybox | grep -q 'statically linked' || { log "need busybox-static (run setup.sh)"; exit 2; }
  cp /bin/busybox "$R/bin/busybox"
  for a in $(/bin/busybox --list); do
    [ "$a" = busybox ] || [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"
  done
  ln -s ../bin/busybox "$R/sbin/modprobe"   # the kernel's request_module() runs /sbin/modprobe
  add_elf "$R" "$(command -v dmsetup || echo /sbin/dmsetup)" /sbin/dmsetup
  ln -s ../../sbin/dmsetup "$R/usr/sbin/dmsetup"
  add_elf "$R" "$VMCACHE/tpt/usr/sbin/pdata_tools" /sbin/pdata_tools
  for t in thin_check thin_dump thin_ls thin_repair thin_restore thin_rmap thin_delta thin_metadata_size thin_trim; do
    ln -s pdata_tools "$R/sbin/$t"; ln -s ../../sbin/pdata_tools "$R/usr/sbin/$t"   # lvm wants /usr/sbin/thin_check
  done
  add_elf "$R" "$VMCACHE/lvm/sbin/lvm" /sbin/lvm
  for c in pvcreate vgcreate vgs vgextend lvcreate lvconvert lvs lvextend lvremove lvchange vgchange pvs; do
    ln -s lvm "$R/sbin/$c"
  done
  cat > "$R/etc/lvm/lvm.conf" <<'CONF'
activation { udev_sync = 0  udev_rules = 0  monitoring = 0 }
devices { obtain_device_list_from_udev = 0  external_device_info_source = "none" }
global { locking_dir = "/run/lock/lvm" }
CONF
  # kernel modules and their dependencies (from .modinfo), decompressed
  local want="crc32c_generic dm-mod dm-bufio dm-bio-prison dm-persistent-data dm-thin-pool loop e1000 virtio_pci virtio_blk ext4"
  local seen=" " queue=($want) m p d
  while [ ${#queue[@]} -gt 0 ]; do
    m=${queue[0]}; queue=("${queue[@]:1}")
    p=$(modpath "$m"); [ -n "$p" ] || { log "module $m not found (built in?)"; continue; }
    case "$seen" in *" $p "*) continue ;; esac
    seen="$seen$p "
    for d in $(moddeps "$p"); do queue+=("$d"); done
    mkdir -p "$R/lib/modules/$KVER/$(dirname "$p")"
    case $p in
      *.xz) xz -dc "$MODSRC/$p" > "$R/lib/modules/$KVER/${p%.xz}" ;;
      *.zst) zstd -qdc "$MODSRC/$p" > "$R/lib/modules/$KVER/${p%.zst}" ;;
      *.gz) gzip -dc "$MODSRC/$p" > "$R/lib/modules/$KVER/${p%.gz}" ;;
      *) cp "$MODSRC/$p" "$R/lib/modules/$KVER/$p" ;;
    esac
  done
  cp "$MODSRC/modules.builtin" "$R/lib/modules/$KVER/" 2>/dev/null || true
  /bin/busybox depmod -b "$R" "$KVER"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' > "$R/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$R/etc/group"
  printf '127.0.0.1 localhost\n' > "$R/etc/hosts"
  printf 'hosts: files dns\npasswd: files\ngroup: files\n' > "$R/etc/nsswitch.conf"
  cat > "$R/init" <<'INIT'
#!/bin/sh
# /init of the test initramfs (PID 1)
export PATH=/extra/bin:/sbin:/bin:/usr/sbin:/usr/bin HOME=/root TERM=dumb
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /dev/mapper
mount -t devpts devpts /dev/pts
[ -f /etc/vm.env ] && . /etc/vm.env
# Loop backing files live in /tmp; ENOSPC under a loop device turns into EIO and the pool
# into "ro needs_check" -- size it deliberately (VM_TMP_SIZE).
mount -t tmpfs -o mode=1777,size=${VM_TMP_SIZE:-75%} tmpfs /tmp
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/lock/lvm /run/lvm
[ -d /etc/libdirs.d ] && export LD_LIBRARY_PATH=$(cat /etc/libdirs.d/* | sort -u | tr '\n' ':')
OUT=/dev/ttyS1
stty -F $OUT raw -echo 2>/dev/null
exec 0</dev/null
ip link set lo up 2>/dev/null
# libcrc32c has a softdep on crc32c: load crc32c_generic first
for m in crc32c_generic dm-thin-pool loop; do
  modprobe $m || echo "vm-init: modprobe $m failed" > $OUT
done
if [ "${VM_DISKS:-0}" -gt 0 ]; then modprobe virtio_pci; modprobe virtio_blk; fi
if [ "${VM_CLIENTS:-0}" = 1 ]; then
  # The clients disk: programs on PATH; libraries (and dmeventd's plugins, which it dlopen()s
  # by bare name) linked where the loader looks -- runc's init drops LD_LIBRARY_PATH.
  modprobe ext4; mkdir -p /opt/clients
  mount -t ext4 -o ro /dev/vda /opt/clients || echo "vm-init: cannot mount the clients disk" > $OUT
  for l in /opt/clients/lib/*; do [ -e /lib/x86_64-linux-gnu/${l##*/} ] || ln -s $l /lib/x86_64-linux-gnu/; done
  export PATH=/extra/bin:/opt/clients/bin:/sbin:/bin:/usr/sbin:/usr/bin
  mount -t cgroup2 none /sys/fs/cgroup
  mkdir -p /var/run /var/lib /etc/docker /etc/containerd
fi
if [ "${VM_NET:-0}" = 1 ]; then
  modprobe e1000
  ip link set eth0 up && ip addr add 10.0.2.15/24 dev eth0 && ip route add default via 10.0.2.2
fi
if [ "${VM_SYSROOT:-0}" = 1 ]; then
  # A Debian root on /dev/vda with systemd as PID 1 runs the script, as a unit, once the
  # system is up; the unit writes the exit marker and ends the VM as below.
  modprobe ext4; mkdir -p /newroot
  mount -t ext4 /dev/vda /newroot || { echo "vm-init: cannot mount the root disk" > $OUT; poweroff -f; }
  K=$(uname -r); mkdir -p /newroot/lib/modules /newroot/vm/bin
  rm -rf /newroot/lib/modules/$K; cp -a /lib/modules/$K /newroot/lib/modules/
  cp -a /extra /newroot/vm/; cp /guest.sh /newroot/vm/guest.sh; cp /etc/vm.env /newroot/vm/vm.env
  # busybox's wget for guest-lib.sh (the root has curl, not wget).
  cp /bin/busybox /newroot/vm/bin/busybox; ln -s busybox /newroot/vm/bin/wget
  cat > /newroot/vm/run <<'RUN'
#!/bin/sh
. /vm/vm.env
export PATH=/vm/extra/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/vm/bin HOME=/root TERM=dumb LVM_SUPPRESS_FD_WARNINGS=1
OUT=/dev/ttyS1
stty -F $OUT raw -echo 2>/dev/null
mkdir -p /extra; mount --bind /vm/extra /extra
cd /tmp
echo "vm-init: uptime $(cut -d' ' -f1 /proc/uptime)s (systemd), running /vm/guest.sh" > /dev/ttyS0
/bin/sh /vm/guest.sh > $OUT 2>&1
rc=$?
echo "@@VM_EXIT=$rc@@" > $OUT
sync
printf "\\$(printf %o $((rc & 127)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
systemctl poweroff -ff
RUN
  chmod 755 /newroot/vm/run
  printf '[Unit]\nDescription=the VM scenario\nAfter=basic.target\n[Service]\nType=simple\nStandardInput=null\nExecStart=/vm/run\n[Install]\nWantedBy=multi-user.target\n' \
    > /newroot/etc/systemd/system/vm-scenario.service
  mkdir -p /newroot/etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/vm-scenario.service /newroot/etc/systemd/system/multi-user.target.wants/
  umount /dev/pts; umount /tmp; umount /run; umount /sys; umount /proc; umount /dev
  exec switch_root /newroot /lib/systemd/systemd
fi
export DM_DISABLE_UDEV=1 LVM_SUPPRESS_FD_WARNINGS=1
cd /tmp
echo "vm-init: uptime $(cut -d' ' -f1 /proc/uptime)s, running /guest.sh" > /dev/ttyS0
/bin/sh /guest.sh > $OUT 2>&1
rc=$?
echo "@@VM_EXIT=$rc@@" > $OUT
sync
# isa-debug-exit at port 0xf4: qemu exits with status (rc<<1)|1
printf "\\$(printf %o $((rc & 127)))" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
poweroff -f
INIT
  chmod 755 "$R/init"
  (cd "$R" && find . -mindepth 1 | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$BASE.tmp"
  (cd "$R" && find . -mindepth 1) > "$BASE.list"
  mv "$BASE.tmp" "$BASE"
  rm -rf "$R"
}

mkdir -p "$CACHE"
if [ $FORCE = 1 ] || [ ! -s "$BASE" ] || [ "$0" -nt "$BASE" ]; then
  (flock 9; { [ $FORCE = 0 ] && [ -s "$BASE" ] && [ "$BASE" -nt "$0" ]; } || build_base) 9>"$CACHE/.lock"
fi

# The uncompressed vmlinux has a PVH entry: qemu boots it directly, skipping ~7 s of XZ
# decompression under TCG.
VMLINUX=$CACHE/vmlinux-$KVER
if [ ! -s "$VMLINUX" ]; then
  (flock 9; [ -s "$VMLINUX" ] || {
    off=$(LC_ALL=C grep -m1 -aboP '\xfd7zXZ\x00' "$KERNEL" | cut -d: -f1 || true)   # none: Debian 13's is not XZ
    if [ -n "$off" ] && tail -c +$((off+1)) "$KERNEL" > "$VMLINUX.xz" \
       && { xz -dc --single-stream "$VMLINUX.xz" > "$VMLINUX.tmp" || true; } \
       && [ "$(readelf -n "$VMLINUX.tmp" 2>/dev/null | grep -c 'Unknown note type: (0x00000012)')" -gt 0 ]; then
      mv "$VMLINUX.tmp" "$VMLINUX"; rm -f "$VMLINUX.xz"
    else
      log "no PVH vmlinux in $KERNEL; booting the bzImage"; rm -f "$VMLINUX.tmp" "$VMLINUX.xz"
    fi; }) 9>"$CACHE/.lock"
fi
BOOTK=$KERNEL; [ -s "$VMLINUX" ] && BOOTK=$VMLINUX

if [ -n "$WORK" ]; then mkdir -p "$WORK"; KEEP=1; else WORK=$(mktemp -d "$VMCACHE/run.XXXXXX"); KEEP=0; fi
cleanup() { [ $KEEP = 1 ] || rm -rf "$WORK"; }
trap cleanup EXIT
O=$WORK/overlay; rm -rf "$O"; mkdir -p "$O/etc" "$O/extra/bin" "$O/extra/files"
cp "$GUEST" "$O/guest.sh"; chmod 755 "$O/guest.sh"
for x in "${XBINS[@]}"; do add_elf "$O" "$x" "/extra/bin/$(basename "$x")"; done
for f in "${XFILES[@]}"; do
  src=${f%%:*}; dst=${f#*:}; [ "$dst" = "$f" ] && dst=/extra/files/$(basename "$src")
  mkdir -p "$O$(dirname "$dst")"; cp -a "$src" "$O$dst"
done
[ $CLIENTS = 1 ] && { [ -s "$VMCACHE/clients.img" ] || { echo "run-vm: no $VMCACHE/clients.img; run Tests/VM/setup.sh" >&2; exit 2; }; }
ROOTDISK=0; [ -n "$SYSROOT" ] && ROOTDISK=1
{ echo "VM_NET=$NET"; echo "VM_DISKS=$(( ${#DISKS[@]} + CLIENTS + ROOTDISK ))"; echo "VM_CLIENTS=$CLIENTS"; echo "VM_SYSROOT=$ROOTDISK"
  for e in "${GENV[@]}"; do printf 'export %s=%q\n' "${e%%=*}" "${e#*=}"; done; } > "$O/etc/vm.env"
(cd "$O" && find . -mindepth 1 | /bin/busybox cpio -o -H newc -R 0:0 2>/dev/null) > "$WORK/overlay.cpio"
# The kernel unpacks concatenated cpio archives in order; each must start 4-byte aligned.
bsz=$(stat -c %s "$BASE")
{ cat "$BASE"; head -c $(( (4 - bsz % 4) % 4 )) /dev/zero; cat "$WORK/overlay.cpio"; } > "$WORK/initrd.img"

Q=(qemu-system-x86_64 -nodefaults -no-user-config -machine pc -m "$MEM" -smp "$SMP"
   -display none -vga none -no-reboot
   -kernel "$BOOTK" -initrd "$WORK/initrd.img"
   -append "console=ttyS0 panic=-1 loglevel=4 ${VM_APPEND:-}"
   -device isa-debug-exit,iobase=0xf4,iosize=0x01
   -accel tcg,tb-size=64 -cpu max)
if [ $KCONS = 1 ]; then
  Q+=(-chardev file,id=con,path=/dev/stderr,append=on,logfile="$WORK/console.log" -serial chardev:con)
else
  Q+=(-serial file:"$WORK/console.log")
fi
Q+=(-chardev stdio,id=out,signal=off,logfile="$WORK/guest.out" -serial chardev:out)
if [ $NET = 1 ]; then
  nd="user,id=n0,restrict=off"
  for fw in "${FWDS[@]}"; do nd="$nd,hostfwd=tcp:127.0.0.1:${fw%%:*}-:${fw#*:}"; done
  Q+=(-netdev "$nd" -device e1000,netdev=n0)
else
  Q+=(-nic none)
fi
[ $CLIENTS = 1 ] && Q+=(-drive file="$VMCACHE/clients.img",format=raw,if=virtio,readonly=on)
[ -n "$SYSROOT" ] && Q+=(-drive file="$SYSROOT",format=raw,if=virtio,snapshot=on,cache=unsafe)
i=0
for d in "${DISKS[@]}"; do
  if [ -f "$d" ]; then img=$d; else img=$WORK/disk$i.img; truncate -s "$d" "$img"; fi
  Q+=(-drive file="$img",format=raw,if=virtio,cache=unsafe); i=$((i+1))
done
Q+=("${QEMU_EXTRA[@]}")

set +e
timeout -k 5 "$TIMEOUT" "${Q[@]}" < /dev/null &
QPID=$!
trap 'kill -TERM $QPID 2>/dev/null; wait $QPID 2>/dev/null; exit 143' TERM INT HUP
wait $QPID
qrc=$?
set -e
grc=$(sed -n 's/.*@@VM_EXIT=\([0-9]*\)@@.*/\1/p' "$WORK/guest.out" 2>/dev/null | tail -1)
if [ -n "$grc" ]; then exit "$grc"; fi
if [ $qrc = 124 ] || [ $qrc = 137 ]; then log "timeout after ${TIMEOUT}s"; exit 124; fi
log "the VM exited (qemu rc=$qrc) without the guest's exit marker; kernel console:"
tail -n 30 "$WORK/console.log" >&2
exit 125
