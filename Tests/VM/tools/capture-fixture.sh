#!/bin/bash
# capture-fixture.sh GUEST_SCRIPT DIR [RUN-VM OPTIONS...]: runs a guest script that prints
# "@@FILE name" sections (ended by "@@END") and writes each section to DIR/name.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
script=$1; dir=$2; shift 2
out=$("$HERE/run-vm.sh" -m 512M "$@" "$script")
mkdir -p "$dir"
printf '%s\n' "$out" | awk -v dir="$dir" '
  /^@@FILE / { f = dir "/" $2; printf "" > f; next }
  /^@@END/ { f = ""; next }
  /^@@VM_EXIT/ { next }
  f != "" { print > f }'
ls -l "$dir"
