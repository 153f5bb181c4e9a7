#!/usr/bin/env bash
# The stager's memory before and after a hostile corpus (Tests/python/hostile_corpus.py, fixed
# seed): RSS idle, right after N hostile requests, and after 10 s more idle.
# usage: scripts/abuse-rss.sh [PIPETTE] [N]
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/debug/pipette}
count=${2:-2000}
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); cc_port=$(free_port)
nats="nats://127.0.0.1:$nats_port"
mkdir -p "$work/apps"; cp -r apps/static "$work/apps/static"
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >/dev/null 2>&1 & pids=($!)
"$pipette" fake-cc --port "$cc_port" --apps "$work/apps" --droplets "$work/droplets" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
${STAGER_ENV:-} "$pipette" stager --local --nats "$nats" --max-active-tasks 4 --max-queued-tasks 4000 --max-staging-duration 60 \
  --log-level error & stager=$!; pids+=($stager)
sleep 3
rss() { awk '/VmRSS/ {printf "%.1f MB", $2/1024}' "/proc/$stager/status"; }
echo "stager RSS idle: $(rss)"
python3 Tests/python/hostile_corpus.py "$nats" "http://127.0.0.1:$cc_port" "$work/apps" "$count" \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print("corpus: %(sent)d sent, %(answered)d answered, %(errors)d errors, %(succeeded)d staged," % r, len(r["unanswered"]), "unanswered,", len(r["path_leaks"]), "naming host paths")'
echo "stager RSS after $count hostile requests: $(rss)"
sleep 10
echo "stager RSS 10 s later: $(rss)"
