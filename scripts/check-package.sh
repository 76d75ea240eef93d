#!/bin/bash
# check-package.sh DIR: what scripts/package.sh made in DIR holds what the package promises --
# the files, conffiles, Depends (from dpkg-shlibdeps), Recommends, maintainer scripts, a binary
# without the Swift runtime as a dependency, a man page and completions; the archive's files;
# the sums. Prints each problem; exits 1 if any.
set -euo pipefail
DIR=$1
DEB=$(ls "$DIR"/thinpool-exporter_*_amd64.deb | head -1)
TAR=$(ls "$DIR"/thinpool-exporter-*.linux-amd64.tar.gz | head -1)
bad=0
no() { echo "check-package: $*" >&2; bad=1; }
files=$(dpkg-deb -c "$DEB" | awk '{print $6}')
for f in ./usr/bin/thinpool-exporter ./lib/systemd/system/thinpool-exporter.service \
         ./etc/default/thinpool-exporter ./etc/thinpool-exporter/thinpool-exporter.yml \
         ./var/lib/thinpool-exporter/ ./usr/share/man/man1/thinpool-exporter.1.gz \
         ./usr/share/bash-completion/completions/thinpool-exporter \
         ./usr/share/zsh/vendor-completions/_thinpool-exporter \
         ./usr/share/fish/vendor_completions.d/thinpool-exporter.fish \
         ./usr/share/doc/thinpool-exporter/copyright ./usr/share/doc/thinpool-exporter/changelog.gz \
         ./usr/share/doc/thinpool-exporter/changelog.Debian.gz; do
  grep -qxF "$f" <<<"$files" || no "the .deb has no $f"
done
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
dpkg-deb -e "$DEB" "$W/DEBIAN"
[ "$(cat "$W/DEBIAN/conffiles")" = "$(printf '/etc/default/thinpool-exporter\n/etc/thinpool-exporter/thinpool-exporter.yml')" ] \
  || no "conffiles: $(tr '\n' ' ' < "$W/DEBIAN/conffiles")"
dep=$(dpkg-deb -f "$DEB" Depends)
for d in libc6 libcurl4 libdevmapper1.02.1 libssl3 libcrypt1 init-system-helpers; do
  grep -q "\b$d\b" <<<"$dep" || no "Depends has no $d: $dep"
done
grep -q swift <<<"$dep" && no "Depends names a Swift runtime: $dep"
[ "$(dpkg-deb -f "$DEB" Recommends)" = "lvm2, thin-provisioning-tools" ] || no "Recommends: $(dpkg-deb -f "$DEB" Recommends)"
grep -q 'deb-systemd-helper enable' "$W/DEBIAN/postinst" || no "postinst does not enable the unit"
grep -q '_dh_action=restart' "$W/DEBIAN/postinst" || no "postinst does not restart on upgrade"
grep -q 'deb-systemd-invoke stop' "$W/DEBIAN/prerm" || no "prerm does not stop the unit on remove"
grep -q 'rm -rf /var/lib/thinpool-exporter' "$W/DEBIAN/postrm" || no "postrm does not remove the state on purge"
dpkg-deb --fsys-tarfile "$DEB" | tar -xO ./usr/share/man/man1/thinpool-exporter.1.gz | gzip -dc | grep -q '^\.Sh' \
  || no "the man page is not an mdoc page"
tfiles=$(tar tzf "$TAR")
base=$(basename "$TAR" .tar.gz)
for f in thinpool-exporter LICENSE NOTICE thinpool-exporter.yml thinpool-exporter.service thinpool-exporter.1; do
  grep -qxF "$base/$f" <<<"$tfiles" || no "the archive has no $base/$f"
done
(cd "$DIR" && sha256sum --quiet -c sha256sums.txt) || no "sha256sums.txt does not match"
[ $bad = 0 ] && echo "check-package: $(basename "$DEB") and $(basename "$TAR") hold what they promise" >&2
exit $bad
