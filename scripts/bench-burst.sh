#!/usr/bin/env bash
# Staging throughput under a burst (issue 14, row 6): N requests for apps/static at once through
# a stager, an auctioneer and two cells (real processes, release build), against the floor of this
# machine: the same N stagings run by `pipette build` one after another in a shell loop.
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/release/pipette}
burst=${BURST:-1000}
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); cc_port=$(free_port); blob_port=$(free_port)
nats="nats://127.0.0.1:$nats_port"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >/dev/null 2>&1 & pids=($!)
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" --secret bench >/dev/null 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$cc_port" --apps apps --droplets "$work/droplets" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
"$pipette" auctioneer --nats "$nats" --log-level warning & pids+=($!)
for i in 1 2; do
  "$pipette" cell --id "burst-$i" --zone "z$i" --stacks tiny-amd64 --max-containers 6 --nats "$nats" --log-level warning & pids+=($!)
done
"$pipette" stager --nats "$nats" --blobstore "http://127.0.0.1:$blob_port" --blobstore-secret bench \
  --max-active-tasks 12 --max-queued-tasks "$burst" --log-level warning & pids+=($!)
sleep 3

echo "==> burst of $burst through a stager and two cells"
python3 scripts/bench_stager.py "$nats" "http://127.0.0.1:$cc_port" burst "$burst"

echo "==> the floor: $burst x pipette build apps/static in a shell loop"
start=$(date +%s.%N)
for _ in $(seq "$burst"); do "$pipette" build apps/static --stack tiny-amd64 -o "$work/floor.tgz" >/dev/null 2>&1; done
awk -v s="$start" -v e="$(date +%s.%N)" -v n="$burst" 'BEGIN { printf "%d builds in %.1f s: %.1f droplets/s\n", n, e - s, n / (e - s) }'
