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
# With a second binary in the image (BASELINE=1: thinpool-exporter-baseline, an earlier build),
# every figure of ours is taken for it too, in the same rounds of the same boot, its lines
# prefixed "baseline ": the before and after of a change side by side.
# Lines starting "@@" are for bench-vm.sh's summary.
export DM_DISABLE_UDEV=1
N=${NTHIN:-1000}; BIG=${BIGTHIN:-10000}; SECS=${SCRAPE_SECONDS:-15}
truncate -s 256M /tmp/m; truncate -s 1G /tmp/d
M=$(losetup -f); losetup $M /tmp/m; D=$(losetup -f); losetup $D /tmp/d
dmsetup create pool --table "0 2097152 thin-pool $M $D 128 512"
now() { cut -d' ' -f1 /proc/uptime; }
us() { awk -v s=$1 -v e=$2 -v n=$3 'BEGIN{printf "%.0f", (e-s)/n*1e6}'; }
TPE=thinpool-exporter
# ours ARGS...: the exporter's `bench` subcommand, then the baseline's with the same arguments.
ours() {
  $TPE "$@"
  [ -z "${BASELINE:-}" ] || thinpool-exporter-baseline "$@" | sed 's/^/baseline /'
}

serving() {  # serving BINARY PREFIX: /metrics throughput, memory, the page and status of BINARY
  local bin=$1 p=$2
  $bin serve --web.listen-address :10234 --log.level error > /tmp/serve.log 2>&1 &
  pid=$!
  i=0; until wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null; do i=$((i + 1)); [ $i -gt 600 ] && { cat /tmp/serve.log; exit 1; }; sleep 0.1; done
  mem() { awk '/VmRSS/ {r = $2} /VmHWM/ {h = $2} END {printf "RSS %d kB (VmHWM %d kB)", r, h}' /proc/$pid/status; }
  echo "${p}memory once serving: $(mem)"
  wget -q -O /tmp/metrics http://127.0.0.1:10234/metrics
  echo "${p}series in /metrics: $(grep -vc '^#' /tmp/metrics) ($(wc -c < /tmp/metrics) bytes); memory after it: $(mem)"
  # Clients in the VM (sharing its one CPU with the exporter), then on the host through the
  # forwarded port (as Prometheus is: elsewhere). Each run also says how many collections
  # (full reads) it took: concurrent scrapes share one.
  reads() { wget -q -O - http://127.0.0.1:10234/metrics | sed -n 's/^thinpool_reader_full_reads_total \(.*\)/\1/p'; }
  for c in 1 4 16; do
    r0=$(reads); scrapeload 10234 $c $SECS | sed "s/^/$p/"; r1=$(reads)
    echo "${p}collections: $((r1 - r0 - 1)) (clients in the VM, $c)"
    echo "${p}memory after $c clients in the VM: $(mem)"
    if [ -n "${CTRL:-}" ]; then
      r0=$(reads); echo "@@LOAD ${p:+b}load$N_.$c $c $SECS"
      until wget -q -O /dev/null "http://$CTRL/done/${p:+b}load$N_.$c" 2>/dev/null; do sleep 0.2; done
      r1=$(reads); echo "${p}collections: $((r1 - r0 - 1)) (clients on the host, $c)"
    fi
  done
  echo "${p}serving RSS: $(awk '/VmRSS/ {print $2, $3}' /proc/$pid/status) after the scrapes (VmHWM $(awk '/VmHWM/ {print $2, $3}' /proc/$pid/status))"
  for k in 1 2 3; do
    s=$(now); wget -q -O /tmp/page http://127.0.0.1:10234/; e=$(now)
    echo "${p}landing page: $(us $s $e 1) us ($(wc -c < /tmp/page) bytes)"
  done
  kill $pid; wait $pid
  for k in 1 2 3; do
    s=$(now); $bin status > /tmp/status; e=$(now)
    echo "${p}status: $(us $s $e 1) us ($(wc -l < /tmp/status) lines)"
  done
}

scan() {  # scan BINARY PREFIX: the agent's first space scan of the pool, timed by itself
  local bin=$1 p=$2
  printf 'state_dir: /tmp/scan-state\nspace_scan: { enabled: true, interval: 1h }\n' > /tmp/scan.yml
  rm -rf /tmp/scan-state
  $bin serve --config.file /tmp/scan.yml --web.listen-address :10235 --log.level error > /tmp/scan.log 2>&1 &
  pid=$!
  d=; i=0
  until [ -n "$d" ]; do
    i=$((i + 1)); [ $i -gt 3000 ] && { cat /tmp/scan.log; break; }; sleep 0.2
    d=$(wget -q -O - http://127.0.0.1:10235/metrics 2>/dev/null | sed -n 's/^thinpool_space_scan_duration_seconds{pool="pool"} \(.*\)/\1/p')
  done
  echo "${p}space scan (ours): $(awk -v d="$d" 'BEGIN{printf "%.0f", d * 1e6}') us (its metadata snapshot, thin_ls, the findings)"
  kill $pid; wait $pid
}

measure() {  # measure LABEL ONE_POOL_ITERATIONS COLLECTION_ITERATIONS
  echo "== $1 thin volumes ($(dmsetup ls | wc -l) devices)"
  echo "-- (a) one pool's status"
  # POOL_ROUNDS rounds (default 3), each floor and ours one after another: bench-vm.sh reports
  # the medians. raw-pool-statfs adds the statfs of the loop file that docker's capped
  # Available needs (ours does it; --no-loop-probe leaves it out, to compare with raw-pool);
  # pool-status times the client's STATUS and parse alone, to tell it from the reader's part.
  for r in $(seq ${POOL_ROUNDS:-3}); do
    floor lib-pool $2 pool; floor raw-pool $2 pool; floor raw-pool-statfs $2 pool /tmp/d
    ours bench pool pool --iterations $2
    ours bench pool pool --iterations $2 --no-loop-probe
    ours bench pool-status pool --iterations $2
  done
  s=$(now); for k in 1 2 3 4 5 6 7 8 9 10; do dmsetup status --noflush pool >/dev/null; done; e=$(now)
  echo "subprocess: $(us $s $e 10) us per read (dmsetup status --noflush pool, 10 iterations)"
  # ONLY_POOL=1: the one-pool figures alone (a few minutes less per size).
  [ -z "${ONLY_POOL:-}" ] || return 0
  echo "-- (b) full collection"
  # QUICK=1: without the slow libdevmapper collection floors and dmsetup (minutes at 10,000).
  [ -n "${QUICK:-}" ] || { floor lib-naive $3; floor lib-status $3; }
  floor raw-status $3
  ours bench collect --iterations $3
  ours bench collect --iterations $3 --no-table-cache
  if [ -z "${QUICK:-}" ]; then
    s=$(now); for k in $(seq $3); do dmsetup status >/dev/null; dmsetup table >/dev/null; done; e=$(now)
    echo "subprocess: $(us $s $e $3) us per collection (dmsetup status + dmsetup table, $3 iterations)"
  fi
  echo "-- (c) serving"
  # SERVE_ROUNDS rounds (default 1), ours and the baseline's alternating: single measurements
  # of a page or a 15-second load move by tens of percent between runs under emulation.
  for r in $(seq ${SERVE_ROUNDS:-1}); do
    N_=$1.$r serving "$TPE" ""
    [ -z "${BASELINE:-}" ] || N_=$1.$r serving thinpool-exporter-baseline "baseline "
  done
  echo "-- (d) exclusive/shared space from a metadata snapshot"
  s=$(now); dmsetup message pool 0 reserve_metadata_snap
  thin_ls --no-headers -m -o DEV,MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES $M > /tmp/thin_ls.out
  dmsetup message pool 0 release_metadata_snap; e=$(now)
  echo "thin_ls alone: $(us $s $e 1) us (reserve, thin_ls -m, release; $(wc -l < /tmp/thin_ls.out) volumes)"
  scan "$TPE" ""
  [ -z "${BASELINE:-}" ] || scan thinpool-exporter-baseline "baseline "
}

mkthins pool 0 $N 204800
# One-pool reads: POOL_ITERATIONS (default 2000) per figure, so that qemu's translation of
# code run for the first time (a cost of emulation, larger for more code) is spread thin.
measure $N ${POOL_ITERATIONS:-2000} 5
if [ "$BIG" -gt "$N" ]; then
  mkthins pool $N $BIG 204800
  measure $BIG ${POOL_ITERATIONS:-2000} 3
fi
