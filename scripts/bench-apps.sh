#!/usr/bin/env bash
# Running apps (issue 11) against real processes from a release build: nats-server with
# JetStream, the blobstore, a stager, an auctioneer that converges, and two cells (tiny-amd64,
# runc + CNI, 60 containers each), as the Procfile starts them.
#
#   bash scripts/bench-apps.sh [PIPETTE [ROUNDS]]      (default .build/release/pipette, 5)
#     1. push → first instance healthy: `pipette push apps/static --no-wait` (a new app each
#        round), then `pipette app NAME --json` every 10 ms until its instance runs, against the
#        floor `pipette build apps/static` + a bare `pipette run-droplet` until its port answers;
#        also the plain `pipette push` (it returns once the instance is healthy). Rounds
#        interleaved after a warm-up of each; medians and ratios.
#     2. `pipette scale hundred 100` (16 MB instances of apps/static) until all 100 are healthy over
#        the two cells (checked with `pipette app hundred --json`), and each cell's RSS idle and
#        at 100 instances; then scale 0.
#   bash scripts/bench-apps.sh serve PIPETTE -- COMMAND...
#     Starts the same platform, runs COMMAND with PIPETTE_NATS_URL, PIPETTE_BLOBSTORE_URL and
#     PIPETTE_BLOBSTORE_SECRET set, then tears it down; for timing `push-once` and `floor-once`
#     with an external tool.
#   bash scripts/bench-apps.sh push-once PIPETTE       one plain push of a new app
#   bash scripts/bench-apps.sh push-until-healthy PIPETTE   one push --no-wait, polled until healthy
#   bash scripts/bench-apps.sh floor-once PIPETTE      one floor run; leaves run-droplet running,
#                                                      its pid in $BENCH_APPS_FLOOR_PIDS (serve stops it)
#
# On exit everything it started is stopped: run-droplet with SIGINT (it deletes its container),
# the cells with SIGTERM and waited for (they remove their containers), then the rest. It then
# checks that runc lists none of its containers and that no network namespace it created is
# left. Bounded: every wait has a limit and the whole run ends after BENCH_TIMEOUT s (1800).
set -euo pipefail
case "${1:-}" in push-once|push-until-healthy|floor-once) ;; *)
  # The bound on the whole run: SIGTERM runs the cleanup below; SIGKILL 3 minutes later if it hangs.
  if [ -z "${BENCH_APPS_BOUNDED:-}" ]; then
    BENCH_APPS_BOUNDED=1 exec timeout --foreground --kill-after=180 "${BENCH_TIMEOUT:-1800}" bash "$0" "$@"
  fi ;;
esac
cd "$(dirname "$0")/.."

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
source scripts/ports.sh
rss_mb() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }

# One push of a new app (apps/static, 16 MB), as a user runs it: it returns once the instance is
# healthy (push checks every 500 ms).
push_once() {
  "$1" push apps/static --name "b$(date +%s%N | tail -c 9)" --stack tiny-amd64 --memory-mb 16 --disk-mb 64 --start-timeout 120 >/dev/null 2>&1
}

# One push of a new app with --no-wait, then `pipette app NAME --json` every 10 ms until an
# instance is running (healthy), 120 s at most.
push_until_healthy() {
  local name deadline
  name="h$(date +%s%N | tail -c 9)"
  "$1" push apps/static --name "$name" --stack tiny-amd64 --memory-mb 16 --disk-mb 64 --no-wait >/dev/null 2>&1
  deadline=$(( $(date +%s) + 120 ))
  until "$1" app "$name" --json 2>/dev/null | jq -e 'any(.instances[]; .state == "running")' >/dev/null; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "$name never became healthy" >&2; return 1; }
    sleep 0.01
  done
}

# The floor: stage locally, run the droplet bare, wait until its port answers (60 s at most).
floor_once() {
  local pipette=$1 dir port pid deadline
  dir=$(mktemp -d /tmp/bench-apps-floor.XXXXXX)
  "$pipette" build apps/static --stack tiny-amd64 -o "$dir/x.tgz" >/dev/null 2>&1
  port=$(free_port)
  setsid "$pipette" run-droplet "$dir/x.tgz" --stack tiny-amd64 --port "$port" >"$dir/log" 2>&1 </dev/null &
  pid=$!
  echo "$pid $dir" >>"${BENCH_APPS_FLOOR_PIDS:-/dev/null}"
  deadline=$(( $(date +%s) + 60 ))
  until curl -fs -o /dev/null "http://127.0.0.1:$port/"; do
    if ! kill -0 "$pid" 2>/dev/null || [ "$(date +%s)" -ge "$deadline" ]; then
      echo "run-droplet did not answer on port $port: $(tail -5 "$dir/log")" >&2
      return 1
    fi
    sleep 0.01
  done
  FLOOR_PID=$pid
  FLOOR_DIR=$dir
}

# Stops a floor run-droplet (SIGINT: it deletes its container) and removes its files.
stop_floor() {
  kill -INT "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$1" 2>/dev/null || true
  rm -rf "$2"
}

case "${1:-}" in
  push-once) push_once "$(realpath "$2")"; exit ;;
  push-until-healthy) push_until_healthy "$(realpath "$2")"; exit ;;
  floor-once) floor_once "$(realpath "$2")"; exit ;;
  serve) mode=serve; shift ;;
  *) mode=bench ;;
esac
pipette=$(realpath "${1:-.build/release/pipette}")
[ -x "$pipette" ] || { echo "no $pipette; build it first: swift build -c release --product pipette" >&2; exit 1; }
if [ "$mode" = serve ]; then
  shift; [ "${1:-}" = -- ] && shift
  [ $# -gt 0 ] || { echo "usage: $0 serve PIPETTE -- COMMAND..." >&2; exit 2; }
else
  rounds=${2:-5}
fi

work=$(mktemp -d /tmp/bench-apps.XXXXXX)
export BENCH_APPS_FLOOR_PIDS=$work/floor-pids
touch "$BENCH_APPS_FLOOR_PIDS"
ip netns list | awk '{print $1}' | sort >"$work/netns-before"
cells=(bench-apps-c1 bench-apps-c2)
pids=()
cell_pids=()

cleanup() {
  local status=$?
  trap - EXIT INT TERM
  while read -r pid dir; do stop_floor "$pid" "$dir"; done <"$BENCH_APPS_FLOOR_PIDS"
  if [ ${#cell_pids[@]} -gt 0 ]; then
    kill -TERM "${cell_pids[@]}" 2>/dev/null || true
    # A cell evacuates (5 s here), then stops and removes its containers: 3 minutes at most.
    for pid in "${cell_pids[@]}"; do
      for _ in $(seq 1800); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  [ ${#pids[@]} -gt 0 ] && kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
  local left=() id
  for id in "${cells[@]}"; do
    mapfile -t -O "${#left[@]}" left < <(runc list -q | grep "^pipette-$id--" || true)
  done
  if [ ${#left[@]} -gt 0 ]; then
    echo "LEFT OVER containers (deleting them): ${left[*]}" >&2
    for id in "${left[@]}"; do runc delete --force "$id" || true; done
    status=1
  fi
  local netns
  netns=$(ip netns list | awk '{print $1}' | sort | comm -13 "$work/netns-before" - | grep '^pipette-' || true)
  if [ -n "$netns" ]; then
    echo "LEFT OVER network namespaces (not necessarily this run's: another test may be running): $netns" >&2
    status=1
  else
    echo "cleanup: no container or network namespace left"
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'echo "bench-apps: stopped by a signal (BENCH_TIMEOUT is ${BENCH_TIMEOUT:-1800} s)" >&2; exit 130' INT TERM

nats_port=$(free_port); blob_port=$(free_port)
export PIPETTE_NATS_URL=nats://127.0.0.1:$nats_port
export PIPETTE_BLOBSTORE_URL=http://127.0.0.1:$blob_port
export PIPETTE_BLOBSTORE_SECRET=bench-apps-secret
nats-server -a 127.0.0.1 -p "$nats_port" -js -sd "$work/js" >"$work/nats.log" 2>&1 & pids+=($!)
"$pipette" blobstore --dir "$work/blobs" --port "$blob_port" >"$work/blobstore.log" 2>&1 & pids+=($!)
sleep 1
"$pipette" stager --nats "$PIPETTE_NATS_URL" --blobstore "$PIPETTE_BLOBSTORE_URL" --default-stack tiny-amd64 \
  --workspace-dir "$work" --log-level warning >"$work/stager.log" 2>&1 & pids+=($!)
"$pipette" auctioneer --nats "$PIPETTE_NATS_URL" --blobstore-url "$PIPETTE_BLOBSTORE_URL" --log-level warning \
  >"$work/auctioneer.log" 2>&1 & pids+=($!)
# Host ports away from the default range, which cells of other checkouts on this host may use.
"$pipette" cell --id "${cells[0]}" --zone z1 --stacks tiny-amd64 --max-containers 60 --port-range 62001-62300 \
  --evacuation-timeout 5 --workspace-dir "$work" --nats "$PIPETTE_NATS_URL" --log-level warning >"$work/c1.log" 2>&1 & cell_pids+=($!)
"$pipette" cell --id "${cells[1]}" --zone z2 --stacks tiny-amd64 --max-containers 60 --port-range 62301-62600 \
  --evacuation-timeout 5 --workspace-dir "$work" --nats "$PIPETTE_NATS_URL" --log-level warning >"$work/c2.log" 2>&1 & cell_pids+=($!)

joined=0
for _ in $(seq 120); do
  joined=$("$pipette" cells --json 2>/dev/null | jq '[.[] | select(.id | startswith("bench-apps-"))] | length' 2>/dev/null || echo 0)
  [ "$joined" = 2 ] && break
  sleep 0.5
done
[ "$joined" = 2 ] || { echo "the cells did not join: $(tail -5 "$work"/c*.log)" >&2; exit 1; }
sleep 7  # the auctioneer's startup grace (6 s): the converger acts from here on

if [ "$mode" = serve ]; then
  "$@"
  exit
fi

echo "cells idle RSS: ${cells[0]} $(rss_mb "${cell_pids[0]}") MB, ${cells[1]} $(rss_mb "${cell_pids[1]}") MB"

echo "==> push → first instance healthy vs build + bare run-droplet until its port answers ($rounds rounds after a warm-up)"
push_until_healthy "$pipette"
push_once "$pipette"
floor_once "$pipette"; stop_floor "$FLOOR_PID" "$FLOOR_DIR"
a=(); b=(); c=()
for _ in $(seq "$rounds"); do
  t=$(now); push_until_healthy "$pipette"; a+=("$(since "$t")")
  t=$(now); floor_once "$pipette"; b+=("$(since "$t")"); stop_floor "$FLOOR_PID" "$FLOOR_DIR"
  t=$(now); push_once "$pipette"; c+=("$(since "$t")")
done
ma=$(median "${a[@]}"); mb=$(median "${b[@]}"); mc=$(median "${c[@]}")
printf 'push until healthy median %.3f s [%s]\nfloor median %.3f s [%s]\nratio %.2fx\n' "$ma" "${a[*]}" "$mb" "${b[*]}" "$(echo "$ma / $mb" | bc -l)"
printf 'the push command itself (it checks every 500 ms) median %.3f s [%s], ratio %.2fx\n' "$mc" "${c[*]}" "$(echo "$mc / $mb" | bc -l)"
for app in $("$pipette" apps --json 2>/dev/null | jq -r '.[].name' 2>/dev/null || true); do
  "$pipette" delete "$app" >/dev/null 2>&1 || true
done

echo "==> 100 instances of a 16 MB apps/static over the two cells"
# Instances of the app in STATE (any state: "."), from `pipette app hundred --json`.
count() { "$pipette" app hundred --json 2>/dev/null | jq --arg s "$1" '[.instances[] | select(.state | test($s))] | length' 2>/dev/null || echo 0; }
# The cell's RSS, and that of its children (one `runc run` per instance, one `runc exec healthcheck` per running one).
cell_rss() {
  printf '%s %s MB (its runc children: %s MB)' "$1" "$(rss_mb "$2")" \
    "$(ps --ppid "$2" -o rss= | awk '{s += $1} END {printf "%.0f", s / 1024}')"
}
"$pipette" push apps/static --name hundred --stack tiny-amd64 --memory-mb 16 --disk-mb 64 --start-timeout 120 >/dev/null 2>&1
t=$(now)
"$pipette" scale hundred 100 --no-wait >/dev/null
running=0; last=0; half=""; took=0; deadline=$(( $(date +%s) + 120 ))
while [ "$(date +%s)" -lt "$deadline" ]; do
  running=$(count '^running$')
  [ -z "$half" ] && [ "$running" -ge 50 ] && half=$(since "$t")
  if [ "$running" -gt "$last" ]; then last=$running; took=$(since "$t"); fi
  [ "$running" -ge 100 ] && break
  sleep 0.1
done
per_cell=$("$pipette" app hundred --json | jq -r '[.instances[] | select(.state == "running") | .cell_id] | group_by(.) | map("\(.[0]) \(length)") | join(", ")')
if [ "$running" -ge 100 ]; then
  printf 'scale 1 → 100: all 100 healthy after %.2f s (50 after %.2f s; %s)\n' "$took" "${half:-0}" "$per_cell"
else
  printf 'scale 1 → 100: only %s healthy within 120 s, the last of them after %.2f s (50 after %.2f s; %s); not healthy:\n' \
    "$last" "$took" "${half:-0}" "$per_cell"
  "$pipette" app hundred --json | jq -c '.instances[] | select(.state != "running") | {index, state, cell_id, since}'
fi
echo "cells at 100 instances: $(cell_rss "${cells[0]}" "${cell_pids[0]}"), $(cell_rss "${cells[1]}" "${cell_pids[1]}")"
t=$(now)
"$pipette" scale hundred 0 --no-wait >/dev/null
deadline=$(( $(date +%s) + 300 ))
until [ "$(count .)" = 0 ] || [ "$(date +%s)" -ge "$deadline" ]; do sleep 0.25; done
printf 'scale 100 → 0: %.2f s until none was reported\n' "$(since "$t")"
