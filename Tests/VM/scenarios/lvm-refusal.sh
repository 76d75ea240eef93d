#!/bin/sh
# The real `lvcreate -V ... -T VG/POOL` is the oracle for LVM's refusal of new thin volumes
# (lvm2's thin_pool_below_threshold): on both sides of each line it is asked, and `status`,
# thinpool_lvm_refuses_new_volumes and the agent's ThinPoolLVMRefusesNewVolumes must say what it
# did. Data: thin_pool_autoextend_threshold = 65 in lvm.conf, a Proxmox-like pool pve/data
# filled to 665 of 1024 chunks (64.94%: allowed) and then 666 (65.04%: refused), then extended
# (allowed again, the alert resolved). Metadata: a second pool, no data written, its metadata
# profile's threshold just under and then at its metadata use. lvm's hard metadata floor (75%
# or 4 MiB free) needs more mappings than this VM can write: the unit tests hold it to lvm2's
# source.
# vm-args: -m 768M
. /extra/files/guest-lib.sh
sed -i 's/monitoring = 0/monitoring = 0  thin_pool_autoextend_threshold = 65/' /etc/lvm/lvm.conf
lvm lvmconfig --type full activation/thin_pool_autoextend_threshold
PV=$(loop /tmp/pv.img 300M)
pvcreate -q "$PV" >/dev/null && vgcreate -q pve "$PV" >/dev/null || fail "vgcreate"
lvcreate -q -L 64M --poolmetadatasize 4M -c 64K -Zn -T pve/data >/dev/null 2>&1 || fail "lvcreate pve/data"
lvcreate -q -V 1G -T pve/data -n vm-100-disk-0 >/dev/null 2>&1 || fail "lvcreate vm-100-disk-0"
udevadm settle 2>/dev/null || true

N=0
# try_create POOL: asks the real lvcreate for a thin LV in VG/POOL; prints "allowed" (and
# removes the LV again) or "refused" (and lvcreate's words).
try_create() {
  N=$((N + 1))
  if lvcreate -q -V 16M -T "$1" -n probe$N > /tmp/lvcreate.out 2>&1; then
    lvremove -q -f "${1%/*}/probe$N" >/dev/null 2>&1 || fail "lvremove probe$N"
    echo allowed
  else
    grep -q 'Cannot create new thin volume, free space in thin pool .* reached threshold' /tmp/lvcreate.out \
      || fail "lvcreate failed otherwise: $(cat /tmp/lvcreate.out)"
    echo refused
  fi
}
# ours POOL: what `status` says for the dm pool POOL: "no" or "yes (...)".
ours() { $TPE status "$1" | sed -n 's/^LVM Would Refuse New Thin Volumes: //p'; }
# judge VG/POOL DMPOOL WANT [REASON]: ours first (the pool as lvcreate finds it), then lvcreate;
# both must say WANT, and ours must give REASON.
judge() {
  local said lvm
  said=$(ours "$2")
  lvm=$(try_create "$1")
  echo "$1 at $(lvm lvs --noheadings -o data_percent,metadata_percent "$1" | tr -s ' '): lvcreate $lvm; status: $said"
  [ "$lvm" = "$3" ] || fail "lvcreate $lvm, the scenario expected $3"
  case $3 in
    allowed) [ "$said" = no ] || fail "lvcreate allowed a thin LV in $1; status says: $said" ;;
    refused) [ "$said" = "yes ($4)" ] || fail "lvcreate refused a thin LV in $1; status says: $said, want yes ($4)" ;;
  esac
}
chunks() { dd if=/dev/zero of=/dev/mapper/pve-vm--100--disk--0 bs=64K count="$1" seek="$2" oflag=direct 2>/dev/null; }

cat > /tmp/agent.yml <<CFG
poll_interval: 300ms
state_dir: /tmp/agent-state
host: vm
alerts:
  data_used: { warning: off, critical: off }
  metadata_used: { warning: off, critical: off }
  min_free_space_margin: off
  time_to_full: { warning: off, critical: off }
  low_water: false
receivers:
  - { name: lvm, type: webhook, url: "http://$CTRL/hook/lvm", timeout: 5s, retry: { initial: 200ms, max: 1s } }
CFG
serve --config.file /tmp/agent.yml

say "data: 665 of 1024 chunks (64.94%), threshold 65 -- lvcreate allows"
chunks 665 0
judge pve/data pve-data-tpool allowed
host_scrape below
expect_metric below thinpool_lvm_refuses_new_volumes 0 pool=pve-data-tpool space=data
expect_metric below thinpool_lvm_refuses_new_volumes 0 pool=pve-data-tpool space=metadata

say "data: one chunk more (65.04%) -- lvcreate refuses"
chunks 1 665
judge pve/data pve-data-tpool refused "data 65.04% > thin_pool_autoextend_threshold 65%"
host_scrape past
expect_metric past thinpool_lvm_refuses_new_volumes 1 pool=pve-data-tpool space=data
expect_metric past thinpool_lvm_refuses_new_volumes 0 pool=pve-data-tpool space=metadata
i=0; until [ "$(wget -q -O- "http://$CTRL/posts/lvm")" -ge 1 ]; do i=$((i + 1)); [ $i -gt 200 ] && fail "no alert at the receiver"; sleep 0.1; done
grep 'ThinPoolLVMRefusesNewVolumes' /tmp/serve.log | cut -c1-300

say "extended to 96 MiB (43.36%) -- lvcreate allows again, the alert resolves"
lvextend -q -L 96M pve/data >/dev/null 2>&1 || fail "lvextend"
judge pve/data pve-data-tpool allowed
i=0; until [ "$(wget -q -O- "http://$CTRL/posts/lvm")" -ge 2 ]; do i=$((i + 1)); [ $i -gt 200 ] && fail "the alert did not resolve"; sleep 0.1; done
kill $SERVE_PID; wait $SERVE_PID 2>/dev/null
echo "@@EXPECTPOSTS lvm ThinPoolLVMRefusesNewVolumes firing 1"
echo "@@EXPECTPOSTS lvm ThinPoolLVMRefusesNewVolumes resolved 1"

say "metadata: a pool with no data, its profile's threshold under and at its metadata use"
lvcreate -q -L 32M --poolmetadatasize 2M -c 64K -Zn -T pve/meta >/dev/null 2>&1 || fail "lvcreate pve/meta"
lvcreate -q -V 1G -T pve/meta -n vm-101-disk-0 >/dev/null 2>&1 || fail "lvcreate vm-101-disk-0"
META=$(lvm lvs --noheadings -o metadata_percent pve/meta | tr -d ' ')
# lvm compares use > threshold: the whole percent under the use refuses, the one at or above
# it allows (an exact whole use allows at itself).
UNDER=$(awk -v m="$META" 'BEGIN { f = int(m); print (f == m ? f - 1 : f) }')
AT=$(awk -v m="$META" 'BEGIN { f = int(m); print (f == m ? f : f + 1) }')
mkdir -p /etc/lvm/profile
profile() { printf 'activation {\n  thin_pool_autoextend_threshold=%s\n}\n' "$1" > /etc/lvm/profile/meta-$1.profile; lvchange -q --metadataprofile meta-$1 pve/meta || fail "lvchange --metadataprofile"; }
profile "$UNDER"
judge pve/meta pve-meta-tpool refused "metadata $META% > thin_pool_autoextend_threshold $UNDER%"
profile "$AT"
judge pve/meta pve-meta-tpool allowed
snapshot end
expect end pve-meta-tpool lvm.refuses_new_volumes.data=null lvm.refuses_new_volumes.metadata=null lvm.autoextend.profile=meta-$AT
say "done"
