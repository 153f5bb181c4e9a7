#!/usr/bin/env bash
# Sets everything up, then the demo: the whole platform comes up from the Procfile, the seed's
# request stages apps/sinatra on the arm64 cell, then `pipette push` runs it as an app instance on
# that cell, and the app answers at the URL push printed, saying what it runs on.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
bash scripts/build-release.sh
pipette=.build/release/pipette
# The Procfile's blobstore signs with this secret; `pipette push` signs its package upload with it.
export PIPETTE_BLOBSTORE_SECRET=${PIPETTE_BLOBSTORE_SECRET:-pipette-dev-secret}
stack=${STACK:-bookworm-arm64}
work=$(mktemp -d)

for port in 4222 8080 8081 9292; do
  if (echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use; stop what listens there (another \`foreman start\`?) and run this again" >&2
    exit 1
  fi
done

echo "==> foreman start: nats-server; the controller (blobstore, fake CC, auctioneer, stager, router in one process); an amd64 and an arm64 cell"
started=$(date +%s%N)
foreman start -t 20 >"$work/platform.log" 2>&1 &
platform=$!
stop() { kill -TERM "$platform" 2>/dev/null; wait "$platform" 2>/dev/null || true; }
trap stop EXIT

ready() { [ "$($pipette cells 2>/dev/null | grep -cE '^(amd64|arm64)-1 .* ready$')" = 2 ]; }
for _ in $(seq 1 300); do
  if ready; then break; fi
  sleep 0.2
done
if ! ready; then
  echo "the cells did not come up; platform log:" >&2
  tail -n 40 "$work/platform.log" >&2
  exit 1
fi
ms=$(( ($(date +%s%N) - started) / 1000000 ))
printf '==> platform up in %d.%d s (foreman start until both cells are listed ready)\n' $((ms / 1000)) $((ms % 1000 / 100))
echo "==> pipette cells"
$pipette cells

echo "==> pipette stage sinatra --stack $stack   (the seed's staging request over NATS)"
$pipette stage sinatra --stack "$stack"

echo "==> pipette push apps/sinatra --stack $stack   (stage, record release, run an instance on a cell)"
$pipette push apps/sinatra --stack "$stack" --start-timeout 300 | tee "$work/push.txt"
url=$(sed -n 's|^sinatra/0: *||p' "$work/push.txt" | head -n 1)
[ -n "$url" ] || { echo "push printed no URL; platform log:" >&2; tail -n 40 "$work/platform.log" >&2; exit 1; }
echo "==> curl $url/"
curl -fsS --retry 10 --retry-delay 1 --retry-all-errors "$url/"
echo
echo "==> curl http://sinatra.localhost:8080/   (through pipette router: HAProxy, routes from the cells)"
curl -fsS --retry 10 --retry-delay 1 --retry-all-errors -H 'Host: sinatra.localhost' http://127.0.0.1:8080/
echo
echo "==> pipette app sinatra"
$pipette app sinatra
