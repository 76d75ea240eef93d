#!/bin/sh
# kernels: 5.10 6.12
# A fresh pool; the same pool after writes; past its low water mark (the kernel's event).
# Also: the exporter as an unprivileged user says "not permitted" (exit 77).
. /extra/files/guest-lib.sh
M=$(loop /tmp/meta.img 16M); D=$(loop /tmp/data.img 256M)
# 4096 blocks of 64 KiB; the kernel raises its event when free blocks fall to 3584.
pool pool "$M" "$D" 128 3584
thin pool 0 thin0 1024
thin pool 1 thin1 512
snapshot fresh
expect fresh pool mode=rw data.used_blocks=0 data.total_blocks=4096 at_low_water_mark=false thin_volumes.0.mapped_bytes=0

write /dev/mapper/thin0 16
write /dev/mapper/thin1 8
snapshot written
expect written pool data.used_blocks=384 at_low_water_mark=false event_nr=0 thin_volumes.0.mapped_bytes=16777216 thin_volumes.1.mapped_bytes=8388608

E0=$(events pool)
write /dev/mapper/thin0 16 16        # 640 blocks used: 3456 free < 3584
timeout 10 dmsetup wait pool "$E0" >/dev/null || fail "no low-water event within 10 s"
snapshot lowwater
expect lowwater pool data.used_blocks=640 at_low_water_mark=true event_nr=1

say "unprivileged"
out=$(su -p -s /bin/sh nobody -c "$TPE status" 2>&1); rc=$?
echo "$out"
[ $rc = 77 ] || fail "as nobody: exit $rc, want 77"
echo "$out" | grep -q "need root or CAP_SYS_ADMIN" || fail "as nobody: unclear message: $out"

say "one pool by name, and a missing one"
$TPE status thin0 >/dev/null 2>&1; [ $? = 1 ] || fail "status of a thin volume (not a pool) should exit 1"
$TPE status pool | grep -q "^Data Space Used: 41.94MB$" || fail "human view: $($TPE status pool)"
