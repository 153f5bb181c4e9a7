#!/usr/bin/env bash
# Sets everything up, then the demo: stages the seed's Sinatra app on the ARM stack, runs the
# droplet and asks it over HTTP which machine it runs on.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
pipette=.build/debug/pipette
stack=${STACK:-bookworm-arm64}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
droplet=$(mktemp -d)/sinatra.tgz

echo "==> pipette build apps/sinatra --stack $stack"
$pipette build apps/sinatra --stack "$stack" -o "$droplet"

echo "==> pipette run-droplet on port $port"
$pipette run-droplet "$droplet" --stack "$stack" --port "$port" &
app=$!
trap 'kill -INT $app 2>/dev/null; wait $app 2>/dev/null || true' EXIT

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
