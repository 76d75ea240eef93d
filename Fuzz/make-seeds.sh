#!/bin/bash
# make-seeds.sh: (re)writes Fuzz/corpus/<target>/, the seed inputs of each fuzz target, from the
# real lines and files in fixtures/ and deploy/ and a few hand-written forms.
set -euo pipefail
cd "$(dirname "$0")/.."
C=Fuzz/corpus
rm -rf "$C"; mkdir -p "$C"
n=0
seed() { mkdir -p "$C/$1"; n=$((n + 1)); printf '%s' "$2" > "$C/$1/seed-$n"; }
seedfile() { mkdir -p "$C/$1"; n=$((n + 1)); cp "$2" "$C/$1/seed-$n"; }
for f in fixtures/*/status; do
  while IFS= read -r line; do
    params=${line#*: }; params=${params#* }; params=${params#* }; type=${params%% *}; params=${params#"$type"}; params=${params# }
    case $type in thin-pool) seed pool-status "$params" ;; thin) seed thin-status "$params" ;; esac
  done < "$f"
  seedfile dmsetup-table "$f"
done
for f in fixtures/*/table; do
  while IFS= read -r line; do
    params=${line#*: }; params=${params#* }; params=${params#* }; type=${params%% *}; params=${params#"$type"}; params=${params# }
    case $type in thin-pool) seed pool-table "$params" ;; thin) seed thin-table "$params" ;; esac
  done < "$f"
  seedfile dmsetup-table "$f"
done
for s in "Fail" "Error" "0 1/2 3/4 -" "7 11492/4161600 581965/3276800 - rw no_discard_passdown queue_if_no_space -" \
         "1 10/20 30/40 5 ro discard_passdown error_if_no_space needs_check 7" "0 1/1 1/1 - out_of_data_space ignore_discard queue_if_no_space - 1"; do
  seed pool-status "$s"
done
for t in "7:0 7:1 128 32768 1 skip_block_zeroing" "254:3 254:4 1024 0 3 ignore_discard no_discard_passdown error_if_no_space" \
         "/dev/loop1 /dev/loop0 128 0 2 read_only metadata2"; do
  seed pool-table "$t"
done
for s in "Fail" "Error" "-" "0 -" "81920 81919"; do seed thin-status "$s"; done
for t in "254:0 1" "/dev/mapper/pool 16777215 7:9"; do seed thin-table "$t"; done
for f in fixtures/*/info; do seedfile dmsetup-info "$f"; done
for f in fixtures/*/deps; do seedfile dmsetup-deps "$f"; done
for f in fixtures/workloads/docker/devicemapper/metadata/*; do seedfile docker-device "$f"; done
for f in fixtures/workloads/docker/containers/*/config.v2.json; do seedfile docker-container "$f"; done
seedfile daemon-json fixtures/workloads/etc/docker/daemon.json
seed daemon-json '{"data-root":"/srv/docker","storage-opts":["dm.thinpooldev=/dev/mapper/docker-thinpool","dm.min_free_space=15%","dm.basesize=20G"]}'
seedfile containerd-toml fixtures/workloads/etc/containerd/config.toml
seed containerd-toml $'version = 3\n[plugins.\'io.containerd.snapshotter.v1.devmapper\']\n  pool_name = \'k8s\'\n'
seedfile vgs fixtures/workloads/vgs
seedfile agent-config deploy/thinpool-exporter.yml
seed web-config $'tls_server_config:\n  cert_file: /nonexistent/cert.pem\n  key_file: /nonexistent/key.pem\n  min_version: TLS12\nhttp_server_config:\n  headers:\n    X-Frame-Options: deny\nbasic_auth_users:\n  u: $2b$04$m81vFbtMG8/Q4M/KZCJ3/OosmwIv/uBim9Jp/zy0LrGGRsKrfC5DW\n'
seed http $'GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: application/openmetrics-text; version=1.0.0; q=0.5,text/plain;version=0.0.4;q=0.4\r\nAuthorization: Basic dTpw\r\n\r\n'
seed http $'GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTp3cm9uZw==\r\n\r\nHEAD /api/v1/pools?x=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Basic dTpw\r\n\r\n'
seed http $'POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /healthz HTTP/1.0\r\n\r\n'
# containerd's real bolt files, whole and cut short (a torn read).
for f in fixtures/containerd/*.db; do seedfile bolt "$f"; done
n=$((n + 1)); head -c 16384 fixtures/containerd/meta.db > "$C/bolt/seed-$n"
echo "seeds: $(find "$C" -type f | wc -l) in $(ls "$C" | wc -l) targets" >&2
