#!/bin/sh
# Guest script for scripts/bench-vm.sh: one pool with NTHIN (default 1000) thin volumes, then
# side by side in one run: (a) re-reading one pool's status -- thinpool-exporter in-process,
# `dmsetup status --noflush POOL` as a subprocess, and dmfloor (the same ioctl through
# libdevmapper in C); (b) a full collection of every pool and thin volume -- in-process (with
# and without the table cache), `dmsetup status` + `dmsetup table`, and dmfloor.
export DM_DISABLE_UDEV=1
N=${NTHIN:-1000}
truncate -s 64M /tmp/m; truncate -s 256M /tmp/d
M=$(losetup -f); losetup $M /tmp/m; D=$(losetup -f); losetup $D /tmp/d
dmsetup create pool --table "0 524288 thin-pool $M $D 128 512"
i=0
while [ $i -lt $N ]; do
  dmsetup message pool 0 "create_thin $i"; dmsetup create t$i --table "0 204800 thin /dev/mapper/pool $i"
  i=$((i + 1))
done
echo "devices: $(dmsetup ls | wc -l)"
now() { cut -d' ' -f1 /proc/uptime; }
us() { awk -v s=$1 -v e=$2 -v n=$3 'BEGIN{printf "%.0f", (e-s)/n*1e6}'; }

echo "== (a) one pool's status"
dmfloor 200 pool | sed 's/^/C floor: /'
thinpool-exporter bench pool pool --iterations 200
s=$(now); for k in 1 2 3 4 5 6 7 8 9 10; do dmsetup status --noflush pool >/dev/null; done; e=$(now)
echo "subprocess: $(us $s $e 10) us per read (dmsetup status --noflush pool, 10 iterations)"

echo "== (b) full collection"
dmfloor 5 | sed 's/^/C floor: /'
thinpool-exporter bench collect --iterations 5
thinpool-exporter bench collect --iterations 5 --no-table-cache
s=$(now); for k in 1 2 3 4 5; do dmsetup status >/dev/null; dmsetup table >/dev/null; done; e=$(now)
echo "subprocess: $(us $s $e 5) us per collection (dmsetup status + dmsetup table, 5 iterations)"
