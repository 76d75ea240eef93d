#!/bin/sh
# sysroot: bookworm
# vm-args: -d 512M -m 768M
# The Debian package as an operator meets it, on a Debian 12 root with systemd as PID 1 and no
# Swift: `apt-get install ./thinpool-exporter_*.deb` enables and starts the service, the host
# scrapes it; `systemctl reload` re-reads an edited config, and under the unit's sandbox the
# agent extends a loop pool (docker's loop files) and an LVM pool; an upgrade to a newer build
# keeps the edited conffile and the saved alert state (nothing is announced twice); `apt-get
# remove` stops it and keeps /etc; `purge` removes /etc's files and /var/lib/thinpool-exporter.
. /extra/files/guest-lib.sh
TPE=/usr/bin/thinpool-exporter   # the packaged binary, not the harness's copy
PKG=/extra/files/package
UNIT=thinpool-exporter.service
CONF=/etc/thinpool-exporter/thinpool-exporter.yml
STATE=/var/lib/thinpool-exporter
say "systemd is $(systemctl is-system-running --wait)"
if command -v swift >/dev/null || ls /usr/lib/swift /usr/share/swift >/dev/null 2>&1; then fail "the root has Swift"; fi
ls "$PKG"
DEB1=$(ls "$PKG"/thinpool-exporter_*-1_amd64.deb) && DEB2=$(ls "$PKG"/thinpool-exporter_*-2_amd64.deb) || fail "the two builds of the package are not in $PKG"

healthy() { # waits until the service answers on :10234
  local i=0
  until wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null; do
    i=$((i + 1)); [ $i -gt 300 ] && { journalctl -u $UNIT --no-pager | tail -30; fail "the service does not answer"; }
    sleep 0.1
  done
}
journal_until() { # PATTERN [COUNT]: waits until the service's journal has COUNT lines matching
  local i=0
  until [ "$(journalctl -u $UNIT --no-pager -o cat | grep -c "$1")" -ge "${2:-1}" ]; do
    i=$((i + 1)); [ $i -gt 300 ] && { journalctl -u $UNIT --no-pager | tail -30; fail "no '$1' in the journal"; }
    sleep 0.1
  done
}
main_pid() { systemctl show -p MainPID --value $UNIT; }
total_blocks() { dmsetup status "$1" | awk '{ split($6, d, "/"); print d[2] }'; }

say "pools where their owners keep them: docker's loop files, an LVM volume group"
DIR=/var/lib/docker/devicemapper/devicemapper
D=$(loop $DIR/data 32M); M=$(loop $DIR/metadata 8M)
pool lo "$M" "$D" 128 64
thin lo 0 lothin 1024
pvcreate -q /dev/vdb >/dev/null && vgcreate -q vmvg /dev/vdb >/dev/null || fail "vgcreate"
lvcreate -q -L 64M -T vmvg/pool -c 64K -Zn >/dev/null || fail "lvcreate pool"
lvcreate -q -V 1G -T vmvg/pool -n vol >/dev/null || fail "lvcreate thin"
udevadm settle

say "install"
apt-get install -y -q "$DEB1" 2>&1 | tail -5
dpkg-query -W -f='${Package} ${Version} ${Status}\n' thinpool-exporter
[ "$(systemctl is-enabled $UNIT)" = enabled ] || fail "not enabled on install"
[ "$(systemctl is-active $UNIT)" = active ] || { journalctl -u $UNIT --no-pager | tail; fail "not started on install"; }
healthy
PID1=$(main_pid)
$TPE --version
man -w thinpool-exporter >/dev/null 2>&1 || [ -s /usr/share/man/man1/thinpool-exporter.1.gz ] || fail "no man page"
[ -s /usr/share/bash-completion/completions/thinpool-exporter ] || fail "no bash completion"
$TPE config check $CONF || fail "the packaged config does not pass config check"

say "the sandbox, in force"
grep -E '^(NoNewPrivs|Seccomp|CapBnd|CapEff):' /proc/$PID1/status
[ "$(awk '/^NoNewPrivs:/ {print $2}' /proc/$PID1/status)" = 1 ] || fail "NoNewPrivs is not set"
[ "$(awk '/^Seccomp:/ {print $2}' /proc/$PID1/status)" = 2 ] || fail "no system call filter"
# CAP_SYS_ADMIN (21), CAP_IPC_LOCK (14), CAP_SYS_RESOURCE (24), CAP_SYS_NICE (23) and nothing else.
[ "$(awk '/^CapBnd:/ {print $2}' /proc/$PID1/status)" = 0000000001a04000 ] || fail "capabilities beyond the unit's"
nsenter -t "$PID1" -m sh -c 'touch /usr/sandbox-probe' 2>/dev/null && fail "ProtectSystem: /usr is writable to the service"
nsenter -t "$PID1" -m sh -c 'touch /var/lib/docker/devicemapper/devicemapper/probe && rm /var/lib/docker/devicemapper/devicemapper/probe' \
  || fail "ReadWritePaths: docker's loop files are not writable to the service"
systemd-analyze security $UNIT --no-pager 2>/dev/null | tail -1

host_scrape installed
expect installed lo data.total_blocks=512
expect_metric installed thinpool_data_size_bytes 33554432 pool=lo
expect_metric installed thinpool_data_size_bytes 67108864 pool=vmvg-pool-tpool

say "filled past 50% with the packaged config: nothing is extended (autoextend is off)"
write /dev/mapper/lothin 24
write /dev/mapper/vmvg-vol 40
sleep 3
[ "$(total_blocks lo)" = 512 ] || fail "extended with autoextend off"
journalctl -u $UNIT --no-pager -o cat | grep -q 'autoextend done' && fail "extended with autoextend off"

say "an edited config, reloaded: autoextend on, the host's receiver"
cat > $CONF <<CFG
# edited by the operator
poll_interval: 1s
state_dir: $STATE
host: vm
alerts: { data_used: { warning: 30%, critical: off }, min_free_space_margin: off, time_to_full: { warning: off, critical: off }, low_water: false }
autoextend:
  enabled: true
  cooldown: 1s
  leave_to_dmeventd: false
  data: { threshold: 50%, step: 100%, min_headroom: 16MiB }
receivers:
  - { name: host, type: webhook, url: "http://$CTRL/hook/pkg", timeout: 5s, retry: { initial: 200ms, max: 1s } }
CFG
EDITED=$(sha256sum $CONF)
systemctl reload $UNIT
journal_until 'configuration reloaded'
journal_until 'autoextend done' 2
journalctl -u $UNIT --no-pager -o cat | grep -E 'autoextend (done|refused|failed)' | cut -c1-300
[ "$(main_pid)" = "$PID1" ] || fail "reload restarted the service"
lvs -o lv_name,lv_size,data_percent vmvg
i=0; until [ "$(wget -q -O- "http://$CTRL/posts/pkg")" -ge 2 ]; do i=$((i + 1)); [ $i -gt 300 ] && fail "the receiver was not told"; sleep 0.1; done
sleep 3   # the alerts of the readings after the extensions, delivered
snapshot extended
expect extended lo data.total_blocks=1024 mode=rw
expect extended vmvg-pool-tpool data.total_bytes=134217728 mode=rw
ls -l $STATE
POSTS=$(wget -q -O- "http://$CTRL/posts/pkg")
echo "posts before the upgrade: $POSTS"

say "upgrade to a newer build"
apt-get install -y -q "$DEB2" 2>&1 | tail -5
dpkg-query -W -f='${Version}\n' thinpool-exporter | grep -q -- '-2$' || fail "not upgraded"
[ "$(sha256sum $CONF)" = "$EDITED" ] || fail "the upgrade changed the edited conffile"
[ -f $CONF.dpkg-dist ] && fail "the upgrade left a $CONF.dpkg-dist: the packaged conffile changed"
healthy
PID2=$(main_pid)
[ "$PID2" != "$PID1" ] || fail "the upgrade did not restart the service"
# The restarted agent reads its saved alerts: the firing ones are not announced again.
sleep 5
[ "$(wget -q -O- "http://$CTRL/posts/pkg")" = "$POSTS" ] || fail "the restart announced alerts again: the saved state was lost"
host_scrape upgraded
expect upgraded lo data.total_blocks=1024
echo "@@EXPECTPOSTS pkg ThinPoolAutoextended firing 2"
echo "@@EXPECTPOSTS pkg ThinPoolDataUsage firing 2"

say "remove: stopped, /etc kept"
apt-get remove -y -q thinpool-exporter 2>&1 | tail -3
systemctl is-active -q $UNIT && fail "still running after remove"
wget -q -O /dev/null http://127.0.0.1:10234/healthz 2>/dev/null && fail "still answering after remove"
[ -e /usr/bin/thinpool-exporter ] && fail "the binary is still there after remove"
[ "$(sha256sum $CONF)" = "$EDITED" ] || fail "remove did not keep the config"
[ -d $STATE ] || fail "remove took the state"

say "purge: /etc's files and the state gone"
apt-get purge -y -q thinpool-exporter 2>&1 | tail -3
[ -e $CONF ] && fail "purge kept $CONF"
[ -e /etc/default/thinpool-exporter ] && fail "purge kept /etc/default/thinpool-exporter"
[ -e $STATE ] && fail "purge kept $STATE"
[ -e /etc/systemd/system/multi-user.target.wants/$UNIT ] && fail "purge kept the unit enabled"
dpkg-query -W -f='${Status}\n' thinpool-exporter 2>/dev/null | grep -q installed && fail "still installed"
say "done"
