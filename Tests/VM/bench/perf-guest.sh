#!/bin/sh
# Guest script for scripts/bench-vm.sh, all in one boot: one pool with NTHIN (default 1000) thin
# volumes, then BIGTHIN (default 10000) -- side by side at each size:
#   (a) re-reading one pool's status, the alert path: the C floors through libdevmapper and as
#       one raw ioctl (Tests/VM/bench/floor.c), thinpool-exporter in-process, dmsetup;
#   (b) a full collection: the C floors (libdevmapper with tables, libdevmapper STATUS only,
#       raw STATUS only), thinpool-exporter in-process in steady state and reading every table
#       (as its first read does), dmsetup status + table;
#   (c) serving: /metrics throughput with 1, 4 and 16 clients at once (scrapeload.c), the RSS,
#       the series count, the landing page and `status`.
# Lines starting "@@" are for bench-vm.sh's summary.
export DM_DISABLE_UDEV=1
N=${NTHIN:-1000}; BIG=${BIGTHIN:-10000}; SECS=${SCRAPE_SECONDS:-15}
truncate -s 256M /tmp/m; truncate -s 1G /tmp/d
M=$(losetup -f); losetup $M /tmp/m; D=$(losetup -f); losetup $D /tmp/d
dmsetup create pool --table "0 2097152 thin-pool $M $D 128 512"
now() { cut -d' ' -f1 /proc/uptime; }
us() { awk -v s=$1 -v e=$2 -v n=$3 'BEGIN{printf "%.0f", (e-s)/n*1e6}'; }
TPE=thinpool-exporter

measure() {  # measure LABEL ONE_POOL_ITERATIONS COLLECTION_ITERATIONS
  echo "== $1 thin volumes ($(dmsetup ls | wc -l) devices)"
  echo "-- (a) one pool's status"
  floor lib-pool $2 pool; floor raw-pool $2 pool
  $TPE bench pool pool --iterations $2
  s=$(now); for k in 1 2 3 4 5 6 7 8 9 10; do dmsetup status --noflush pool >/dev/null; done; e=$(now)
  echo "subprocess: $(us $s $e 10) us per read (dmsetup status --noflush pool, 10 iterations)"
  echo "-- (b) full collection"
  floor lib-naive $3; floor lib-status $3; floor raw-status $3
  $TPE bench collect --iterations $3
  $TPE bench collect --iterations $3 --no-table-cache
  s=$(now); for k in $(seq $3); do dmsetup status >/dev/null; dmsetup table >/dev/null; done; e=$(now)
  echo "subprocess: $(us $s $e $3) us per collection (dmsetup status + dmsetup table, $3 iterations)"
  echo "-- (c) serving"
  $TPE serve --web.listen-address :10234 --log.level error > /tmp/serve.log 2>&1 &
  pid=$!
  i=0; until wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null; do i=$((i + 1)); [ $i -gt 600 ] && { cat /tmp/serve.log; exit 1; }; sleep 0.1; done
  wget -q -O /tmp/metrics http://127.0.0.1:10234/metrics
  echo "series in /metrics: $(grep -vc '^#' /tmp/metrics) ($(wc -c < /tmp/metrics) bytes)"
  for c in 1 4 16; do scrapeload 10234 $c $SECS; done
  echo "serving RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status) after the scrapes (VmHWM $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status))"
  s=$(now); wget -q -O /tmp/page http://127.0.0.1:10234/; e=$(now)
  echo "landing page: $(us $s $e 1) us ($(wc -c < /tmp/page) bytes)"
  kill $pid; wait $pid
  s=$(now); $TPE status > /tmp/status; e=$(now)
  echo "status: $(us $s $e 1) us ($(wc -l < /tmp/status) lines)"
}

mkthins pool 0 $N 204800
measure $N 200 5
mkthins pool $N $BIG 204800
measure $BIG 100 3
