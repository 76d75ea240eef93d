#!/bin/sh
# kernels: 5.10 6.12
# out_of_data_space with queue_if_no_space (a writer queued); the pool grown, the writer
# completes; error_if_no_space as a table feature; and a queueing pool after no_space_timeout
# expires: the status says error_if_no_space while its table has no such feature.
. /extra/files/guest-lib.sh
echo 6 > /sys/module/dm_thin_pool/parameters/no_space_timeout

say "a 32 MiB pool (512 blocks) whose data device is a dm linear, so it can grow like lvextend"
M=$(loop /tmp/fmeta 4M); D1=$(loop /tmp/fdata1 32M); D2=$(loop /tmp/fdata2 64M)
dmsetup create fdata --table "0 $((32*MB)) linear $D1 0"
pool fpool "$M" /dev/mapper/fdata 128 64
thin fpool 1 fthin 256
( write /dev/mapper/fthin 48; echo "writer#1 exit $?" ) &
WRITER=$!
sleep 3
kill -0 $WRITER 2>/dev/null || fail "writer#1 finished although the pool is full"
snapshot queued
expect queued fpool mode=out_of_data_space no_space_policy=queue_if_no_space data.used_blocks=512 data.available_bytes=0 docker_would_refuse.data=true features=[]

say "grow the data device and the pool: queued I/O completes"
dmsetup reload fdata --table "0 $((32*MB)) linear $D1 0
$((32*MB)) $((64*MB)) linear $D2 0"
dmsetup resume fdata
dmsetup suspend fpool
dmsetup reload fpool --table "0 $((96*MB)) thin-pool $M /dev/mapper/fdata 128 64"
dmsetup resume fpool
wait $WRITER
snapshot grown
expect grown fpool mode=rw data.total_blocks=1536 data.used_blocks=768 no_space_policy=queue_if_no_space

say "error_if_no_space from the table: a write past the end fails at once"
dmsetup suspend fpool
dmsetup reload fpool --table "0 $((96*MB)) thin-pool $M /dev/mapper/fdata 128 64 1 error_if_no_space"
dmsetup resume fpool
write /dev/mapper/fthin 96 48 && fail "writing past the end of an error_if_no_space pool succeeded"
snapshot errorfeature
expect errorfeature fpool mode=out_of_data_space no_space_policy=error_if_no_space 'features=["error_if_no_space"]' data.used_blocks=1536

say "a queueing pool left full past no_space_timeout (6 s)"
M2=$(loop /tmp/qmeta 4M); D3=$(loop /tmp/qdata 16M)
pool qpool "$M2" "$D3" 128 16
thin qpool 0 qthin 64
( write /dev/mapper/qthin 32; echo "writer#2 exit $?" ) &
WRITER=$!
sleep 2
snapshot qqueued
expect qqueued qpool mode=out_of_data_space no_space_policy=queue_if_no_space
wait $WRITER
snapshot timedout
expect timedout qpool mode=out_of_data_space no_space_policy=error_if_no_space features=[]
dmesg | grep -i "no_space_timeout\|switching pool to out-of-data-space" | tail -3
