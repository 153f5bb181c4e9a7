#!/usr/bin/env bash
# Sets everything up, then the demo: the whole platform comes up from the Procfile, the seed's
# request stages apps/sinatra on the arm64 cell, and the droplet runs and says what it runs on.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
pipette=.build/debug/pipette
stack=${STACK:-bookworm-arm64}
work=$(mktemp -d)

for port in 4222 8081 9292; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; stop what listens there (another \`foreman start\`?) and run this again" >&2
    exit 1
  fi
done

echo "==> foreman start: nats-server, blobstore, fake CC, auctioneer, an amd64 and an arm64 cell, stager"
foreman start >"$work/platform.log" 2>&1 &
platform=$!
app=
stop() {
  [ -n "$app" ] && { kill -INT "$app" 2>/dev/null; wait "$app" 2>/dev/null || true; }
  kill -TERM "$platform" 2>/dev/null; wait "$platform" 2>/dev/null || true
}
trap stop EXIT

for _ in $(seq 1 120); do
  if $pipette cells 2>/dev/null | grep -q '^arm64-1 '; then break; fi
  sleep 0.5
done
if ! $pipette cells | grep -q '^arm64-1 '; then
  echo "the arm64 cell did not come up; platform log:" >&2
  tail -n 40 "$work/platform.log" >&2
  exit 1
fi
echo "==> pipette cells"
$pipette cells

echo "==> pipette stage sinatra --stack $stack"
$pipette stage sinatra --stack "$stack" | tee "$work/stage.txt"
curl -fsS -o "$work/sinatra.tgz" "$(sed -n 's/^blob: *//p' "$work/stage.txt")"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "==> pipette run-droplet (the droplet from the blobstore) on port $port"
$pipette run-droplet "$work/sinatra.tgz" --stack "$stack" --port "$port" &
app=$!
for _ in $(seq 1 120); do
  if body=$(curl -fsS "http://127.0.0.1:$port/" 2>/dev/null); then
    echo "==> curl http://127.0.0.1:$port/"
    echo "$body"
    exit 0
  fi
  sleep 0.5
done
echo "the app did not answer on port $port within 60 seconds" >&2
exit 1
