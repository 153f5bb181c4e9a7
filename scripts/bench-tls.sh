#!/usr/bin/env bash
# First live log line with TLS vs without, paired in one run: two nats-servers (plain; TLS with a
# CA and certificate made here by openssl), two fake CCs (HTTP; HTTPS), two --local stagers, and
# nats-py sending requests to each in turn (scripts/bench_tls.py).
# usage: scripts/bench-tls.sh [PIPETTE] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=${1:-.build/release/pipette}
rounds=${2:-300}
work=$(mktemp -d)
source scripts/ports.sh
ssl() { openssl "$@" >/dev/null 2>&1; }
ssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 -subj /CN=bench-ca
ssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/server.key" -out "$work/server.csr" -subj /CN=localhost
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$work/ext.cnf"
ssl x509 -req -in "$work/server.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -out "$work/server.pem" -days 2 -extfile "$work/ext.cnf"
plain_port=$(free_port); tls_port=$(free_port); cc_port=$(free_port); tls_cc_port=$(free_port)
nats-server -a 127.0.0.1 -p "$plain_port" -js -sd "$work/js-plain" >/dev/null 2>&1 & pids=($!)
nats-server -a 127.0.0.1 -p "$tls_port" -js -sd "$work/js-tls" --tls --tlscert "$work/server.pem" --tlskey "$work/server.key" >/dev/null 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$cc_port" --apps apps --droplets "$work/droplets" >/dev/null 2>&1 & pids+=($!)
"$pipette" fake-cc --port "$tls_cc_port" --apps apps --droplets "$work/droplets-tls" \
  --tls-cert "$work/server.pem" --tls-key "$work/server.key" >/dev/null 2>&1 & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
sleep 1
"$pipette" stager --local --nats "nats://127.0.0.1:$plain_port" --log-level warning & pids+=($!)
PIPETTE_CA_FILE="$work/ca.pem" "$pipette" stager --local --nats "tls://localhost:$tls_port" --nats-ca "$work/ca.pem" \
  --log-level warning & pids+=($!)
sleep 3
python3 scripts/bench_tls.py "nats://127.0.0.1:$plain_port" "http://127.0.0.1:$cc_port" \
  "tls://localhost:$tls_port" "https://localhost:$tls_cc_port" "$work/ca.pem" "$rounds"
