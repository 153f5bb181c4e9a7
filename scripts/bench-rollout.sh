#!/usr/bin/env bash
# Zero downtime, measured: a platform of real processes (nats-server with JetStream, blobstore,
# stager, auctioneer with the converger, two cells, pipette router with HAProxy) serves
# apps/static as app "web" (3 instances), and wrk loads the router URL during (a) a push of a new
# release, (b) a rollback, (c) scale 3 -> 1 and (d) SIGKILL of one instance's cell. Prints the
# requests sent and failed in each. Loopback only; each load is bounded (LOAD_SECONDS, 4
# connections). Usage: bash scripts/bench-rollout.sh [path to pipette]
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/debug/pipette}
seconds=${LOAD_SECONDS:-30}
work=$(mktemp -d)
source scripts/ports.sh
nats_port=$(free_port); blob_port=$(free_port); router_port=$(free_port)
export PIPETTE_NATS_URL="nats://127.0.0.1:$nats_port" PIPETTE_BLOBSTORE_URL="http://127.0.0.1:$blob_port"
export PIPETTE_BLOBSTORE_SECRET=bench-rollout
declare -A cell_pid
pids=()
cleanup() {
  "$pipette" delete web --timeout 60 >/dev/null 2>&1 || true
  for pid in "${cell_pid[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${cell_pid[@]}"; do wait "$pid" 2>/dev/null || true; done
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
  for c in $(runc list -q | grep '^pipette-rollout-' || true); do runc delete --force "$c" || true; done
  grep -l '^cell rollout-' /run/pipette/ports/* 2>/dev/null | xargs -r rm -f
  rm -rf "$work"
}
trap cleanup EXIT

log=$work/platform.log
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >>"$log" 2>&1 & pids+=($!)
sleep 1
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" >>"$log" 2>&1 & pids+=($!)
"$pipette" stager --blobstore "$PIPETTE_BLOBSTORE_URL" --default-stack tiny-amd64 --log-level warning >>"$log" 2>&1 & pids+=($!)
"$pipette" auctioneer --blobstore-url "$PIPETTE_BLOBSTORE_URL" --startup-grace 2 --log-level warning >>"$log" 2>&1 & pids+=($!)
"$pipette" router --port "$router_port" --state-dir "$work/router" --log-level warning >>"$log" 2>&1 & pids+=($!)
start_cell() {
  "$pipette" cell --id "rollout-$1" --zone "z$1" --stacks tiny-amd64 --max-containers 8 --heartbeat-ms 1000 \
    --evacuation-timeout 5 --health-interval 2 --workspace-dir "$work" --log-level warning >>"$log" 2>&1 &
  cell_pid[rollout-$1]=$!
}
start_cell 1; start_cell 2
for _ in $(seq 1 120); do
  [ "$("$pipette" cells 2>/dev/null | grep -c '^rollout-')" = 2 ] && break
  sleep 0.5
done

echo "==> pushing web (3 instances) and waiting for the router to serve it"
"$pipette" push apps/static --name web --instances 3 --health-check http:/ --memory-mb 64 >>"$log" 2>&1
for _ in $(seq 1 120); do
  curl -fs -o /dev/null -H 'Host: web.localhost' "http://127.0.0.1:$router_port/" && break
  sleep 0.5
done

# load LABEL COMMAND...: wrk against the router while COMMAND runs; prints sent and failed.
load() {
  local label=$1; shift
  wrk -t 2 -c 4 -d "${seconds}s" -H 'Host: web.localhost' "http://127.0.0.1:$router_port/" >"$work/wrk.txt" 2>&1 &
  local wrk_pid=$!
  sleep 2
  "$@" >>"$log" 2>&1 || echo "   ($label: the command failed; see the platform log)"
  wait "$wrk_pid"
  local sent non2xx sockets
  sent=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$work/wrk.txt")
  non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$work/wrk.txt")
  sockets=$(sed -n 's/^ *Socket errors: connect \([0-9]*\), read \([0-9]*\), write \([0-9]*\), timeout \([0-9]*\).*/\1+\2+\3+\4/p' "$work/wrk.txt")
  printf '%-34s sent %7s  failed %5s  (non-2xx %s, socket errors %s)\n' "$label" "$sent" \
    "$(( ${non2xx:-0} + ${sockets:-0} ))" "${non2xx:-0}" "${sockets:-0}"
}
kill_a_cell() {
  local cell
  cell=$("$pipette" app web --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["instances"][0]["cell_id"])')
  kill -KILL "${cell_pid[$cell]}"
  echo "$cell" >"$work/killed"
  sleep $((seconds - 4))
}

echo "==> load on http://web.localhost:$router_port/ for ${seconds} s during each change"
load "(a) push of a new release" "$pipette" push apps/static --name web --env RELEASE=2
load "(b) rollback" "$pipette" rollback web
load "(c) scale 3 -> 1" "$pipette" scale web 1
"$pipette" scale web 3 >>"$log" 2>&1
load "(d) SIGKILL of an instance's cell" kill_a_cell
# Started again, the killed cell removes what it left (containers, namespaces, host ports).
killed=$(cat "$work/killed")
start_cell "${killed#rollout-}"
for _ in $(seq 1 60); do
  "$pipette" cells 2>/dev/null | grep -q "^$killed " && break
  sleep 0.5
done
