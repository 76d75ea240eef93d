#!/bin/bash
# bench-alert-latency.sh [CROSSINGS]: detection-to-delivery latency in the test VM (a real 6.1
# kernel under qemu TCG, 2 vCPUs). A pool is written past its low water mark CROSSINGS times
# (default 20) with the agent's poll interval at 60 s; each time, the kernel's event (timed by a
# process blocked in DM_DEV_WAIT) to the agent's delivery of the webhook to a receiver on the
# host, one clock. Prints each latency and p50/p95/max.
set -euo pipefail
cd "$(dirname "$0")/.."
VM_ARGS="-e CROSSINGS=${1:-20}" Tests/VM/run-scenarios.sh Tests/VM/scenarios/alert-lowwater.sh
grep -E "@@LATENCY|latency over" .build/vm/alert-lowwater.out | sed 's/^@@LATENCY \([0-9]*\) \([-0-9]*\)/crossing \1: \2 us/'
