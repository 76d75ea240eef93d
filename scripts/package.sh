#!/bin/bash
# package.sh: the release artifacts, on Debian 12 -- as Debian packages and release archives of
# Prometheus exporters are made:
#   thinpool-exporter_VERSION-REV_amd64.deb   /usr/bin/thinpool-exporter, the systemd unit,
#       /etc/default/thinpool-exporter and /etc/thinpool-exporter/thinpool-exporter.yml
#       (conffiles), /var/lib/thinpool-exporter, the man page, bash/zsh/fish completions,
#       /usr/share/doc (copyright, changelogs); Depends from dpkg-shlibdeps, Recommends lvm2
#       and thin-provisioning-tools; maintainer scripts as debhelper writes them (enable and
#       start where systemd runs, restart on upgrade, keep the configuration on remove, remove
#       the state on purge); checked by lintian.
#   thinpool-exporter-VERSION.linux-amd64.tar.gz   the binary, LICENSE, NOTICE, the example
#       configuration, the unit and the man page, in one directory.
#   sha256sums.txt
# Prints the paths of what it made. PACKAGE_OUT chooses the folder (default .build/package);
# DEB_REVISION the Debian revision (default 1); THINPOOL_BIN a release binary already built
# (default: build one, statically linked Swift runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=${PACKAGE_OUT:-$ROOT/.build/package}
VERSION=$(head -n 1 VERSION)
DEBVER=$VERSION-${DEB_REVISION:-1}
NAME=thinpool-exporter
ARCH=amd64
say() { echo "package: $*" >&2; }
for tool in dpkg-deb dpkg-shlibdeps fakeroot lintian; do
  command -v $tool >/dev/null || { say "needs $tool (scripts/install-deps.sh --package installs it)"; exit 1; }
done
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/package.XXXXXX"); trap 'rm -rf "$WORK"' EXIT

# The man page, from the command's own help: swift-argument-parser's generate-manual plugin,
# which builds the package's products and reads their --experimental-dump-help. Its debug
# build (the one `swift test` makes too): the help is the same in every configuration, and a
# release build of the plugin's would replace the static one below (other flags: everything
# is compiled again).
DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
swift package --allow-writing-to-package-directory generate-manual --configuration debug \
  --date "$(date -u -d "@$DATE_EPOCH" +%Y-%m-%d)" --authors "thinpool-exporter maintainers<maintainers@thinpool-exporter.invalid>" >&2
MAN=$(find "$ROOT/.build/plugins/GenerateManual" -name "$NAME.1" | head -1)
[ -s "$MAN" ] || { say "generate-manual made no $NAME.1"; exit 1; }
cp "$MAN" "$WORK/$NAME.1"

# The binary: a release build with the Swift runtime linked in (libc, libdevmapper, libcurl and
# OpenSSL's libcrypto from the host's packages).
if [ -z "${THINPOOL_BIN:-}" ]; then
  swift build -c release --static-swift-stdlib --product $NAME >&2
  THINPOOL_BIN=$(swift build -c release --static-swift-stdlib --show-bin-path)/$NAME
fi
strip -o "$WORK/$NAME" "$THINPOOL_BIN"
BIN=$WORK/$NAME
if readelf -d "$BIN" | grep -qE 'NEEDED.*libswift|R(UN)?PATH.*swift'; then
  say "the binary links the Swift runtime dynamically: build it with --static-swift-stdlib"; exit 1
fi
"$BIN" --version >&2

# The packaged configuration: the complete example, its examples (receivers, overrides)
# commented out, so a fresh install alerts nobody and extends nothing until it is edited.
python3 - "$ROOT/deploy/thinpool-exporter.yml" "$WORK/$NAME.yml" <<'PY'
import sys
src, dst = sys.argv[1], sys.argv[2]
out, inside = [], False
for line in open(src, encoding="utf-8").read().split("\n"):
    if line.startswith(("overrides:", "receivers:")):
        inside = True
    elif line and not line.startswith((" ", "#")):
        inside = False
    out.append("# " + line if inside and line and not line.lstrip().startswith("#") else line)
text = "\n".join(out)
text = text.replace("# thinpool-exporter configuration (--config.file)", "# thinpool-exporter configuration (--config.file; as packaged: the examples under overrides and\n# receivers are commented out -- no receiver, nothing extended -- until you edit them)", 1)
open(dst, "w", encoding="utf-8").write(text)
PY
"$BIN" config check "$WORK/$NAME.yml" >&2 || { say "the packaged configuration does not pass config check"; exit 1; }

# --- the Debian package
P=$WORK/deb
install -D -m 755 "$BIN" "$P/usr/bin/$NAME"
sed "s|/usr/local/bin/$NAME|/usr/bin/$NAME|" deploy/systemd/$NAME.service > "$WORK/$NAME.service"
install -D -m 644 "$WORK/$NAME.service" "$P/lib/systemd/system/$NAME.service"
install -D -m 644 deploy/systemd/$NAME.default "$P/etc/default/$NAME"
# 0644: secrets belong in files of their own (url_file, hmac_secret_file); the state directory
# is tightened to 0700 by the unit (StateDirectoryMode) when the service starts.
install -D -m 644 "$WORK/$NAME.yml" "$P/etc/$NAME/$NAME.yml"
install -d -m 755 "$P/var/lib/$NAME"
install -D -m 644 "$WORK/$NAME.1" "$P/usr/share/man/man1/$NAME.1"
gzip -9n "$P/usr/share/man/man1/$NAME.1"
install -d "$P/usr/share/bash-completion/completions" "$P/usr/share/zsh/vendor-completions" "$P/usr/share/fish/vendor_completions.d"
# bash-completion sources its scripts: no #! line.
"$BIN" --generate-completion-script bash | sed '1{/^#!/d}' > "$P/usr/share/bash-completion/completions/$NAME"
"$BIN" --generate-completion-script zsh > "$P/usr/share/zsh/vendor-completions/_$NAME"
"$BIN" --generate-completion-script fish > "$P/usr/share/fish/vendor_completions.d/$NAME.fish"
chmod 644 "$P"/usr/share/*/*completion*/* "$P"/usr/share/fish/vendor_completions.d/*
DOC=$P/usr/share/doc/$NAME
install -d "$DOC"
cat > "$DOC/copyright" <<EOF
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: $NAME
Source: https://github.com/thinpool-exporter/thinpool-exporter

Files: *
Copyright: 2026 The thinpool-exporter authors
License: Apache-2.0

Files: usr/bin/$NAME
Copyright: 2026 The thinpool-exporter authors
 2014-2026 Apple Inc. and the Swift project authors (the Swift runtime, SwiftNIO,
 swift-log, swift-system, swift-argument-parser, swift-service-lifecycle)
 2016 JP Simard (Yams), 2006-2016 Kirill Simonov (libyaml)
 Google Inc. and The OpenSSL Project (BoringSSL)
License: Apache-2.0
Comment: The binary links the Swift runtime and these libraries statically; Yams and libyaml
 are MIT-licensed, BoringSSL under the OpenSSL and ISC licences. NOTICE lists them.

License: Apache-2.0
 Licensed under the Apache License, Version 2.0 (the "License"); you may not use this
 file except in compliance with the License. You may obtain a copy of the License at
 http://www.apache.org/licenses/LICENSE-2.0
 .
 On Debian systems, the complete text of the Apache License 2.0 can be found in
 "/usr/share/common-licenses/Apache-2.0".
EOF
gzip -9nc CHANGELOG.md > "$DOC/changelog.gz"
DATE=$(date -u -R -d "@$DATE_EPOCH")
printf '%s (%s) unstable; urgency=medium\n\n  * Release %s; see /usr/share/doc/%s/changelog.gz.\n\n -- thinpool-exporter maintainers <maintainers@thinpool-exporter.invalid>  %s\n' \
  "$NAME" "$DEBVER" "$VERSION" "$NAME" "$DATE" | gzip -9n > "$DOC/changelog.Debian.gz"
install -m 644 NOTICE "$DOC/NOTICE"
install -d "$P/usr/share/lintian/overrides"
cat > "$P/usr/share/lintian/overrides/$NAME" <<EOF
# Yams, the YAML library the configuration is read with, compiles libyaml into itself; no Swift
# binding to Debian's libyaml-0-2 exists.
$NAME: embedded-library libyaml [usr/bin/$NAME]
# Not an upload to Debian's archive: there is no bug of Debian's to close.
$NAME: initial-upload-closes-no-bugs [usr/share/doc/$NAME/changelog.Debian.gz:1]
EOF

# Depends: what the binary links, as dpkg-shlibdeps finds it (a control file of the shape it
# reads, in a scratch tree).
S=$WORK/shlibs
mkdir -p "$S/debian"
printf 'Source: %s\n\nPackage: %s\nArchitecture: %s\n' $NAME $NAME $ARCH > "$S/debian/control"
(cd "$S" && dpkg-shlibdeps -O "$P/usr/bin/$NAME" 2>"$WORK/shlibdeps.err") > "$WORK/shlibdeps" \
  || { cat "$WORK/shlibdeps.err" >&2; exit 1; }
DEPENDS=$(sed -n 's/^shlibs:Depends=//p' "$WORK/shlibdeps")
[ -n "$DEPENDS" ] || { say "dpkg-shlibdeps found no dependencies"; exit 1; }

install -d "$P/DEBIAN"
SIZE=$(du -sk --exclude=DEBIAN "$P" | cut -f1)
cat > "$P/DEBIAN/control" <<EOF
Package: $NAME
Version: $DEBVER
Architecture: $ARCH
Maintainer: thinpool-exporter maintainers <maintainers@thinpool-exporter.invalid>
Installed-Size: $SIZE
Depends: $DEPENDS, init-system-helpers (>= 1.52)
Recommends: lvm2, thin-provisioning-tools
Section: admin
Priority: optional
Homepage: https://github.com/thinpool-exporter/thinpool-exporter
Description: Prometheus exporter and agent for device-mapper thin pools
 thinpool-exporter watches Linux device-mapper thin pools -- under docker's
 devicemapper driver, containerd's devmapper snapshotter and LVM thin volumes --
 and keeps them from running out of space: it reads every pool's status from the
 kernel, computes the numbers docker info shows, serves them as Prometheus
 metrics, alerts on-call by webhook, Alertmanager, Slack or PagerDuty, and can
 grow pools by itself.
EOF
printf '/etc/default/%s\n/etc/%s/%s.yml\n' $NAME $NAME $NAME > "$P/DEBIAN/conffiles"
UNIT="'$NAME.service'"
# The maintainer scripts are debhelper 13.11's snippets for one enabled, restarted unit
# (dh_installsystemd: postinst-systemd-enable, postinst-systemd-restart, prerm-systemd-restart,
# postrm-systemd-reload-only, postrm-systemd), plus the state removed on purge.
cat > "$P/DEBIAN/postinst" <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "configure" ] || [ "\$1" = "abort-upgrade" ] || [ "\$1" = "abort-deconfigure" ] || [ "\$1" = "abort-remove" ] ; then
	# The following line should be removed in trixie or trixie+1
	deb-systemd-helper unmask $UNIT >/dev/null || true

	# was-enabled defaults to true, so new installations run enable.
	if deb-systemd-helper --quiet was-enabled $UNIT; then
		# Enables the unit on first installation, creates new
		# symlinks on upgrades if the unit file has changed.
		deb-systemd-helper enable $UNIT >/dev/null || true
	else
		# Update the statefile to add new symlinks (if any), which need to be
		# cleaned up on purge. Also remove old symlinks.
		deb-systemd-helper update-state $UNIT >/dev/null || true
	fi
fi
# End automatically added section
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "configure" ] || [ "\$1" = "abort-upgrade" ] || [ "\$1" = "abort-deconfigure" ] || [ "\$1" = "abort-remove" ] ; then
	if [ -d /run/systemd/system ]; then
		systemctl --system daemon-reload >/dev/null || true
		if [ -n "\$2" ]; then
			_dh_action=restart
		else
			_dh_action=start
		fi
		deb-systemd-invoke \$_dh_action $UNIT >/dev/null || true
	fi
fi
# End automatically added section
EOF
cat > "$P/DEBIAN/prerm" <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ -z "\${DPKG_ROOT:-}" ] && [ "\$1" = remove ] && [ -d /run/systemd/system ] ; then
	deb-systemd-invoke stop $UNIT >/dev/null || true
fi
# End automatically added section
EOF
cat > "$P/DEBIAN/postrm" <<EOF
#!/bin/sh
set -e
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = remove ] && [ -d /run/systemd/system ] ; then
	systemctl --system daemon-reload >/dev/null || true
fi
# End automatically added section
# Automatically added by dh_installsystemd/13.11.4
if [ "\$1" = "purge" ]; then
	if [ -x "/usr/bin/deb-systemd-helper" ]; then
		deb-systemd-helper purge $UNIT >/dev/null || true
	fi
fi
# End automatically added section
# The agent's saved alerts and undelivered notifications go with a purge.
if [ "\$1" = "purge" ]; then
	rm -rf /var/lib/$NAME
fi
EOF
chmod 755 "$P/DEBIAN/postinst" "$P/DEBIAN/prerm" "$P/DEBIAN/postrm"
(cd "$P" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | sort -z | xargs -0 md5sum) > "$P/DEBIAN/md5sums"
DEB=$OUT/${NAME}_${DEBVER}_$ARCH.deb
fakeroot dpkg-deb --root-owner-group -Zxz --build "$P" "$DEB" >&2
# lintian: no error; the warnings it gives are listed (and explained in docs/deploy.md).
lintian --fail-on error --tag-display-limit 0 "$DEB" 2>&1 | grep -v "^running with root privileges" > "$WORK/lintian" || true
grep -q "^E: " "$WORK/lintian" && { cat "$WORK/lintian" >&2; say "lintian reports errors"; exit 1; }
[ -s "$WORK/lintian" ] && { say "lintian:"; cat "$WORK/lintian" >&2; }

# --- the release archive, as node_exporter's
T=$WORK/$NAME-$VERSION.linux-$ARCH
install -D -m 755 "$BIN" "$T/$NAME"
install -m 644 LICENSE NOTICE "$T/"
install -m 644 deploy/thinpool-exporter.yml "$T/$NAME.yml"
install -m 644 "$WORK/$NAME.service" "$T/$NAME.service"
install -m 644 "$WORK/$NAME.1" "$T/$NAME.1"
TAR=$OUT/$NAME-$VERSION.linux-$ARCH.tar.gz
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$DATE_EPOCH" \
  -C "$WORK" -czf "$TAR" "$(basename "$T")"

(cd "$OUT" && sha256sum "$(basename "$DEB")" "$(basename "$TAR")" > sha256sums.txt)
echo "$DEB"
echo "$TAR"
echo "$OUT/sha256sums.txt"
