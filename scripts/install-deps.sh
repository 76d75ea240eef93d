#!/bin/bash
# install-deps.sh [--test|--package]: the Debian 12 packages thinpool-exporter needs to build
# and run; with --test also what the test suite needs (which includes --package's); with
# --package what scripts/package.sh needs. Idempotent; needs root (apt-get).
set -euo pipefail
pkgs=(libdevmapper-dev libcrypt-dev libcurl4-openssl-dev libssl-dev pkg-config)
# scripts/package.sh: dpkg-deb and dpkg-shlibdeps, fakeroot, Debian's lintian; mmdebstrap makes
# the Debian 12 root (no Swift) the VM boots to install the package (Tests/VM/sysroot-image.sh).
package_pkgs=(dpkg-dev fakeroot lintian mmdebstrap)
case "${1:-}" in --package|--test) pkgs+=("${package_pkgs[@]}") ;; "") ;; *) echo "install-deps: unknown option $1 (--test or --package)" >&2; exit 2 ;; esac
if [ "${1:-}" = "--test" ]; then
  # promtool and a real Prometheus; the OpenMetrics parser of prometheus_client; curl and
  # openssl for TLS tests; setpriv (util-linux) to test as an unprivileged user.
  # chromium (headless) opens the landing page as a user would.
  # prometheus-alertmanager receives the agent's alerts in a test (and amtool checks
  # deploy/alertmanager); systemd-analyze verifies deploy/systemd; binutils' readelf and
  # dpkg tell which libraries the image must carry; gcc builds the VM's ioctl fault injector.
  pkgs+=(dmsetup python3 python3-prometheus-client prometheus prometheus-alertmanager curl openssl util-linux
         chromium fonts-dejavu-core systemd binutils gcc libc6-dev)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends "${missing[@]}"
fi
# Debian starts the packaged Prometheus as a service where it can; the tests run their own.
if [ "${1:-}" = "--test" ] && command -v systemctl >/dev/null; then
  for s in prometheus prometheus-alertmanager; do systemctl is-active -q $s 2>/dev/null && systemctl stop $s || true; done
fi
command -v swift >/dev/null || { echo "install-deps: no Swift toolchain on PATH (Swift 6.x from swift.org)" >&2; exit 1; }
