#!/bin/bash
# capture-containerd.sh: (re)makes fixtures/containerd: the bolt files of a real containerd
# 1.6 devmapper snapshotter (Tests/VM/tools/containerd-guest.sh in the VM), for the reader's
# unit tests.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=$ROOT/fixtures/containerd
rm -rf "$OUT"
"$HERE/tools/capture-fixture.sh" "$HERE/tools/containerd-guest.sh" "$OUT" -C -m 1024M -f "$HERE/guest-lib.sh"
for f in "$OUT"/*.b64; do base64 -d "$f" > "${f%.b64}"; rm "$f"; done

ls -l "$OUT"
