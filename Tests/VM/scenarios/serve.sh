#!/bin/sh
# The exporter serving real pools, scraped from the host through a forwarded port: the metrics
# equal dmsetup's numbers at the same moment; a pool removed while serving is gone from the
# next scrape; a pool that fills shows it at the next scrape.
. /extra/files/guest-lib.sh
M=$(loop /tmp/m1 16M); D=$(loop /tmp/d1 128M)
pool alpha "$M" "$D" 128 256
thin alpha 0 alpha-t0 256
thin alpha 1 alpha-t1 256
write /dev/mapper/alpha-t0 20
M2=$(loop /tmp/m2 4M); D2=$(loop /tmp/d2 16M)
pool beta "$M2" "$D2" 128 16
thin beta 0 beta-t0 64
write /dev/mapper/beta-t0 4
serve
host_scrape two-pools
expect two-pools alpha data.used_blocks=320
expect two-pools beta data.used_blocks=64

say "fill beta: out of data space"
( write /dev/mapper/beta-t0 32 4 ) &
sleep 2
host_scrape beta-full
expect beta-full beta mode=out_of_data_space

say "a new thin volume and a reloaded table while serving: seen at the next scrape"
thin alpha 2 alpha-t2 64
dmsetup suspend alpha-t0 && dmsetup reload alpha-t0 --table "0 $((512 * MB)) thin /dev/mapper/alpha 0" \
  && dmsetup resume alpha-t0 || fail "grow alpha-t0"
host_scrape changed
expect_metric changed thinpool_thin_size_bytes $((64 * 1048576)) pool=alpha device=alpha-t2
expect_metric changed thinpool_thin_size_bytes $((512 * 1048576)) pool=alpha device=alpha-t0

say "remove alpha while serving"
dmsetup remove alpha-t0 alpha-t1 alpha-t2 alpha || fail "remove alpha"
host_scrape alpha-removed
kill $SERVE_PID; wait $SERVE_PID; echo "exporter exit status $?"
