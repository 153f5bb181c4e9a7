#!/usr/bin/env bash
# Stager benchmarks against real processes: nats-server, blobstore, fake CC, auctioneer, one cell
# and a stager staging through them, plus a --local stager on queue staging-local (release builds),
# driven by nats-py. Prints latency, one blob transfer vs bare AsyncHTTPClient, burst, end-to-end vs local
# build and vs --local, idle RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/release/pipette}
rounds=${2:-5}
burst=${BURST:-1000}
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); cc_port=$(free_port); blob_port=$(free_port)
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >/dev/null 2>&1 & pids=($!)
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" --secret bench >/dev/null 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$cc_port" --apps apps --droplets "$work/droplets" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
nats="nats://127.0.0.1:$nats_port"
"$pipette" auctioneer --nats "$nats" --log-level warning & pids+=($!)
"$pipette" cell --id bench-1 --stacks tiny-amd64 --max-containers 10 --nats "$nats" --log-level warning & pids+=($!)
"$pipette" stager --nats "$nats" --blobstore "http://127.0.0.1:$blob_port" --blobstore-secret bench \
  --max-active-tasks 10 --max-queued-tasks "$burst" --log-level warning & stager=$!; pids+=($stager)
"$pipette" stager --local --queue staging-local --nats "$nats" --blobstore "http://127.0.0.1:$blob_port" \
  --blobstore-secret bench --log-level warning & pids+=($!)
sleep 3
echo "stager RSS 3 s after start (before its first page release at 10 s): $(awk '/VmRSS/ {printf "%.1f MB", $2/1024}' /proc/$stager/status)"

python3 scripts/bench_stager.py "nats://127.0.0.1:$nats_port" "http://127.0.0.1:$cc_port" latency 500
"${BENCH:-.build/release/pipette-bench}" transfer --blobstore "http://127.0.0.1:$blob_port" --secret bench --count 200
for size in 1500 16777216; do
  "${BENCH:-.build/release/pipette-bench}" relay --blobstore "http://127.0.0.1:$blob_port" --secret bench \
    --cc "http://127.0.0.1:$cc_port" --size "$size" --count 10
done
rm -rf "$work/droplets/bench"

now() { date +%s.%N; }
a=(); b=(); c=()
for _ in $(seq "$rounds"); do
  t=$(now); "$pipette" stage static --nats "$nats" --cc "http://127.0.0.1:$cc_port" >/dev/null; a+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "$pipette" stage static --queue staging-local --nats "$nats" --cc "http://127.0.0.1:$cc_port" >/dev/null; c+=("$(echo "$(now) - $t" | bc)")
  t=$(now); "$pipette" build apps/static --stack tiny-amd64 -o "$work/local.tgz" >/dev/null 2>&1; b+=("$(echo "$(now) - $t" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(median "${a[@]}"); mb=$(median "${b[@]}"); mc=$(median "${c[@]}")
printf 'end to end through a cell (pipette stage) median %.3f s, pipette build median %.3f s, ratio %.2fx (%d rounds)\n' "$ma" "$mb" "$(echo "$ma / $mb" | bc -l)" "$rounds"
printf 'through a cell vs stager --local: median %.3f s vs %.3f s, ratio %.2fx\n' "$ma" "$mc" "$(echo "$ma / $mc" | bc -l)"

python3 scripts/bench_stager.py "nats://127.0.0.1:$nats_port" "http://127.0.0.1:$cc_port" burst "$burst"
