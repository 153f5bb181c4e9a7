#!/usr/bin/env bash
# Staging throughput with the S3 blobstore backend vs the embedded blobstore, in one run on one
# platform of real processes: nats-server (JetStream), fake CC, `pipette blobstore`, radosgw on
# one-node Ceph (scripts/s3.sh), auctioneer, one cell (10 containers) and two stagers, one per
# backend (queues `staging` and `staging-s3`). Bursts of BURST requests for apps/static alternate
# A B A B … (ROUNDS pairs after one warm-up pair); prints each pair's ratio and the median.
# With HOLD=1 it instead prints the two burst commands and keeps the platform up until Ctrl-C
# (to time them with another tool; SIGTERM or Ctrl-C ends it). Loopback only; bounded by ROUNDS × BURST requests.
# Usage: bash scripts/bench-s3.sh [path to pipette]
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/debug/pipette}
rounds=${ROUNDS:-5}
burst=${BURST:-20}
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); cc_port=$(free_port); blob_port=$(free_port); s3_port=$(free_port); mon_port=$(free_port)
export S3_DIR=$work/s3 S3_PORT=$s3_port MON_PORT=$mon_port S3_BUCKET=bench
pids=()
cleanup() {
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  scripts/s3.sh down || true
  for c in $(runc list -q | grep '^pipette-s3bench-' || true); do runc delete --force "$c" || true; done
  rm -rf "$work"
}
trap cleanup EXIT

log=$work/platform.log
scripts/s3.sh up > "$work/s3.env"
# shellcheck disable=SC1091
source "$work/s3.env"   # AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, PIPETTE_BLOBSTORE_URL (the bucket)
s3=$PIPETTE_BLOBSTORE_URL
nats="nats://127.0.0.1:$nats_port"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >>"$log" 2>&1 & pids+=($!)
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" --secret bench >>"$log" 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$cc_port" --apps apps --droplets "$work/droplets" >>"$log" 2>&1 & pids+=($!)
sleep 1
"$pipette" auctioneer --nats "$nats" --log-level warning >>"$log" 2>&1 & pids+=($!)
"$pipette" cell --id s3bench-1 --stacks tiny-amd64 --max-containers 10 --nats "$nats" --workspace-dir "$work" \
  --log-level warning >>"$log" 2>&1 & pids+=($!)
PIPETTE_BLOBSTORE_SECRET=bench "$pipette" stager --nats "$nats" --blobstore "http://127.0.0.1:$blob_port" \
  --max-active-tasks 10 --max-queued-tasks "$burst" --log-level warning >>"$log" 2>&1 & pids+=($!)
"$pipette" stager --nats "$nats" --blobstore "$s3" --queue staging-s3 \
  --max-active-tasks 10 --max-queued-tasks "$burst" --log-level warning >>"$log" 2>&1 & pids+=($!)
sleep 3

cc="http://127.0.0.1:$cc_port"
embedded_cmd="python3 scripts/bench_stager.py $nats $cc burst $burst staging"
s3_cmd="python3 scripts/bench_stager.py $nats $cc burst $burst staging-s3"
if [ "${HOLD:-0}" = 1 ]; then
  echo "embedded: $embedded_cmd"
  echo "s3:       $s3_cmd"
  echo "platform up (log $log); SIGTERM (kill $$) or Ctrl-C ends it"
  while sleep 3600; do :; done
fi

now() { date +%s.%N; }
timed() { local t; t=$(now); "$@" | sed 's/^/    /' >&2; echo "$(now) - $t" | bc; }
$embedded_cmd >/dev/null; $s3_cmd >/dev/null   # warm-up pair
ratios=(); es=(); ss=()
for i in $(seq "$rounds"); do
  e=$(timed $embedded_cmd); s=$(timed $s3_cmd)
  es+=("$e"); ss+=("$s"); ratios+=("$(echo "$s / $e" | bc -l)")
  printf 'pair %d: embedded %.2f s, s3 %.2f s, ratio s3/embedded %.2f\n' "$i" "$e" "$s" "${ratios[-1]}"
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
me=$(median "${es[@]}"); ms=$(median "${ss[@]}"); mr=$(median "${ratios[@]}")
printf 'bursts of %d (%d pairs): embedded median %.2f s (%.1f droplets/s), s3 median %.2f s (%.1f droplets/s), ' \
  "$burst" "$rounds" "$me" "$(echo "$burst / $me" | bc -l)" "$ms" "$(echo "$burst / $ms" | bc -l)"
printf 'time ratio s3/embedded median %.2f\n' "$mr"
