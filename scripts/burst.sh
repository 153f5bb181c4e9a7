#!/usr/bin/env bash
# Bursts of staging requests against a real platform (nats-server with JetStream, blobstore,
# fake CC, auctioneer, two tiny-amd64 cells of 4 containers, one stager), sent at once by
# nats-py; prints answered / staged / busy / other errors / lost for each burst.
# usage: scripts/burst.sh [PIPETTE] [N:QUEUE ...]   (default: 40:20 1000:1000)
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/debug/pipette}
shift || true
bursts=("${@:-40:20 1000:1000}")
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); cc_port=$(free_port); blob_port=$(free_port)
nats="nats://127.0.0.1:$nats_port"
export PIPETTE_BLOBSTORE_SECRET=burst
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >/dev/null 2>&1 & pids=($!)
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" >/dev/null 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$cc_port" --apps apps --droplets "$work/droplets" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
"$pipette" auctioneer --nats "$nats" --log-level warning & pids+=($!)
for id in burst-1 burst-2; do
  "$pipette" cell --id "$id" --stacks tiny-amd64 --max-containers 4 --nats "$nats" --log-level warning & pids+=($!)
done
for spec in ${bursts[*]}; do
  n=${spec%%:*}; queue=${spec##*:}
  "$pipette" stager --nats "$nats" --blobstore "http://127.0.0.1:$blob_port" --max-active-tasks 10 \
    --max-queued-tasks "$queue" --max-staging-duration 600 --log-level warning & stager=$!
  sleep 3
  echo "==> burst of $n (stager: 10 active, $queue queued; cells: 2 x 4 containers)"
  python3 scripts/bench_stager.py "$nats" "http://127.0.0.1:$cc_port" burst "$n"
  kill "$stager"; wait "$stager" 2>/dev/null || true
done
