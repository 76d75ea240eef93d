#!/bin/sh
# Guest script: builds the workload host (workload-host.sh) on a real kernel and prints its
# dmsetup table, status, info -c, deps and `lvm vgs` between markers.
. /extra/files/guest-lib.sh
. /extra/files/workload-host.sh
workload_pools
echo "@@FILE table"; dmsetup table
echo "@@FILE status"; dmsetup status
echo "@@FILE info"; dmsetup info -c
echo "@@FILE deps"; dmsetup deps
echo "@@FILE version"; dmsetup version
echo "@@FILE vgs"; lvm vgs --noheadings --units b --nosuffix --separator '|' -o vg_name,vg_size,vg_free,vg_extent_size
echo "@@END"
