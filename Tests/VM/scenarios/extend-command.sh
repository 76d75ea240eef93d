#!/bin/sh
# thinpool-exporter extend, by hand: a pool already out of data space with a writer queued --
# the extension un-queues it and the writer completes; dry-run changes nothing and says what it
# would do; a maximum size is refused; a backing filesystem too full for the step is refused
# and nothing grows.
. /extra/files/guest-lib.sh
D=$(loop /tmp/q/data 16M); M=$(loop /tmp/q/meta 4M)
pool q "$M" "$D" 128 16
thin q 0 qthin 256
( write /dev/mapper/qthin 24; echo "writer exit $?" > /tmp/writer.rc ) &
WRITER=$!
sleep 3
kill -0 $WRITER 2>/dev/null || fail "the writer finished although the pool is full"
snapshot queued
expect queued q mode=out_of_data_space data.total_blocks=256

# The guest's /tmp has a few hundred MB: leave 16 MiB there, not the default 1 GiB.
printf 'autoextend: { data: { min_headroom: 16MiB } }\n' > /tmp/ext.yml

say "dry run: nothing changes"
out=$($TPE extend q --data 100% --dry-run --config.file /tmp/ext.yml 2>&1); rc=$?
echo "$out"
[ $rc = 0 ] || fail "dry run exit $rc"
echo "$out" | grep -q "dry run: would grow pool q data from 16.78MB to 33.55MB with loop (out of data space)" || fail "dry run did not say what it would do"
[ "$(stat -c %s /tmp/q/data)" = 16777216 ] || fail "dry run grew the file"
kill -0 $WRITER 2>/dev/null || fail "the writer finished after a dry run"

say "maximum size reached: refused"
printf 'autoextend: { data: { max_size: 16MiB, min_headroom: 16MiB } }\n' > /tmp/max.yml
out=$($TPE extend q --data 100% --config.file /tmp/max.yml 2>&1); rc=$?
echo "$out"
[ $rc = 1 ] || fail "max size: exit $rc, want 1"
echo "$out" | grep -q "at its maximum size 16.78MB" || fail "max size: no reason given"

say "extend: the queued writer completes"
out=$($TPE extend q --data 100% --config.file /tmp/ext.yml 2>&1); rc=$?
echo "$out"
[ $rc = 0 ] || fail "extend exit $rc"
wait $WRITER
cat /tmp/writer.rc
grep -q "writer exit 0" /tmp/writer.rc || fail "the queued writer failed"
snapshot grown
expect grown q mode=rw data.total_blocks=512 data.used_blocks=384

say "a backing filesystem too full for the step: refused, nothing grows"
mkdir -p /mnt/small && mount -t tmpfs -o size=40M tmpfs /mnt/small
D2=$(loop /mnt/small/data 32M); M2=$(loop /mnt/small/meta 4M)
pool small "$M2" "$D2" 128 16
thin small 0 smallthin 256
write /dev/mapper/smallthin 20
out=$($TPE extend small --data 100% 2>&1); rc=$?
echo "$out"
[ $rc = 1 ] || fail "too full: exit $rc, want 1"
echo "$out" | grep -q "needs 33.55MB and 1.074GB of headroom, but the filesystem holding /mnt/small/data has" || fail "too full: no reason given"
[ "$(stat -c %s /mnt/small/data)" = 33554432 ] || fail "the file grew although the step was refused"
snapshot small-untouched
expect small-untouched small data.total_blocks=512 mode=rw
