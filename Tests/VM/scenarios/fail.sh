#!/bin/sh
# kernels: 5.10 6.12
# A pool in Fail (its metadata device replaced by the error target) beside a healthy pool:
# both are reported, the exporter exits 0, the failed pool has no counters.
. /extra/files/guest-lib.sh
M=$(loop /tmp/m.img 4M); D=$(loop /tmp/d.img 64M)
dmsetup create meta --table "0 8192 linear $M 0"
pool broken /dev/mapper/meta "$D" 128 16
thin broken 0 bthin 128
write /dev/mapper/bthin 8
M2=$(loop /tmp/m2.img 4M); D2=$(loop /tmp/d2.img 64M)
pool healthy "$M2" "$D2" 128 16
thin healthy 0 hthin 128
write /dev/mapper/hthin 4
snapshot before
expect before broken mode=rw
dmsetup reload meta --table "0 8192 error"; dmsetup resume meta
write /dev/mapper/bthin 8 8
dmsetup message broken 0 "create_thin 1" 2>/dev/null
sleep 1
snapshot failed
expect failed broken mode=fail data.used_bytes=null thin_volumes.0.status=fail
expect failed healthy mode=rw data.used_blocks=64
