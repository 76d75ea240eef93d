# lanes.sh, sourced by fuzz.sh and Tests/VM/run-scenarios.sh: single-threaded jobs (a fuzzer, a
# TCG guest) side by side on a machine's cores.
# run_lanes N FUNC ITEM...: runs `FUNC ITEM` in the background for each ITEM, at most N at once,
# and returns when all have ended. FUNC records its own verdict; its exit status is ignored.
run_lanes() {
  local n=$1 fn=$2 item
  shift 2
  for item in "$@"; do
    while [ "$(jobs -rp | wc -l)" -ge "$n" ]; do wait -n || true; done
    "$fn" "$item" &
  done
  wait
}
