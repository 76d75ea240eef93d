#!/bin/bash
# capture-fixture.sh GUEST_SCRIPT DIR: runs a guest script that prints "@@FILE name" sections
# (ended by "@@END") and writes each section to DIR/name.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
out=$("$HERE/run-vm.sh" -m 512M "$1")
mkdir -p "$2"
printf '%s\n' "$out" | awk -v dir="$2" '
  /^@@FILE / { f = dir "/" $2; printf "" > f; next }
  /^@@END/ { f = ""; next }
  /^@@VM_EXIT/ { next }
  f != "" { print > f }'
ls -l "$2"
