#!/usr/bin/env bash
# Idle memory of the whole platform as the Procfile starts it (issue 14, row 3): runs the
# Procfile under foreman on free ports (with PIPETTE, default .build/release/pipette, and a
# scratch folder for JetStream and blobs), waits until both cells are ready, lets it idle, then
# prints each process's RSS and PSS (/proc/PID/smaps_rollup) and their sums.
# usage: bash scripts/bench-memory.sh [PIPETTE [IDLE_SECONDS]]      (default 30 s idle; PROCFILE=another;
#        STAGE=APP stages apps/APP once through a cell before idling, to see what work leaves behind)
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=$(realpath "${1:-.build/release/pipette}")
idle=${2:-30}
source scripts/ports.sh
work=$(mktemp -d)
mkdir -p "$work/cache"
ln -s "${PIPETTE_CACHE:-$HOME/.cache/pipette}/stacks" "$work/cache/stacks"
nats=$(free_port); blobs=$(free_port); cc=$(free_port); router=$(free_port)
# The Procfile itself, on other ports and with this binary.
sed -e "s|\.build/release/pipette|$pipette|g" -e "s/4222/$nats/g" -e "s/8081/$blobs/g" -e "s/9292/$cc/g" \
  -e "s/8080/$router/g" "${PROCFILE:-Procfile}" >"$work/Procfile"
export PIPETTE_CACHE=$work/cache PIPETTE_NATS_URL=nats://127.0.0.1:$nats
foreman start -f "$work/Procfile" -d "$PWD" -t 20 >"$work/platform.log" 2>&1 &
platform=$!
trap 'kill -TERM $platform 2>/dev/null; wait $platform 2>/dev/null || true; rm -rf "$work"' EXIT

ready() { [ "$("$pipette" cells 2>/dev/null | grep -cE '^(amd64|arm64)-1 .* ready$')" = 2 ]; }
for _ in $(seq 1 300); do ready && break; sleep 0.2; done
ready || { echo "the cells did not come up; platform log:" >&2; tail -n 30 "$work/platform.log" >&2; exit 1; }
if [ -n "${STAGE:-}" ]; then
  "$pipette" stage "$STAGE" --cc "http://127.0.0.1:$cc" >"$work/stage.log" 2>&1 || { cat "$work/stage.log" >&2; exit 1; }
  echo "staged $STAGE once"
fi
echo "platform up; idling ${idle} s"
sleep "$idle"

descendants() { local child; for child in $(pgrep -P "$1"); do echo "$child"; descendants "$child"; done; }
rss_total=0; pss_total=0
printf '%-8s %-12s %-40s %9s %9s\n' PID NAME COMMAND RSS_KB PSS_KB
for pid in $(descendants "$platform"); do
  name=$(cat "/proc/$pid/comm" 2>/dev/null) || continue
  case "$name" in foreman|ruby|sh|bash) continue ;; esac
  rss=$(awk '/^Rss:/ {print $2}' "/proc/$pid/smaps_rollup"); pss=$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")
  args=$(tr '\0' ' ' <"/proc/$pid/cmdline" | cut -c1-200 | sed -e "s|$pipette|pipette|" | awk '{print $1, $2, $3, $4}' | cut -c1-40)
  printf '%-8s %-12s %-40s %9s %9s\n' "$pid" "$name" "$args" "$rss" "$pss"
  rss_total=$((rss_total + rss)); pss_total=$((pss_total + pss))
done
printf 'whole platform: %.1f MB RSS (sum), %.1f MB PSS (sum)\n' "$(echo "$rss_total / 1024" | bc -l)" "$(echo "$pss_total / 1024" | bc -l)"
