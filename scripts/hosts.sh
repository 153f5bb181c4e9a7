#!/usr/bin/env bash
# Test hosts on one machine: `up N` makes N network namespaces (pipette-host-1 … N), each a "host"
# with its own address 198.18.0.(10+i)/24 on a bridge pipette-hosts (198.18.0.1 on this machine),
# so components reach each other by address, never 127.0.0.1. Nothing is routed off the machine
# (no default route, no NAT). `down` removes them; `list` shows them; `run I COMMAND…` runs a
# process on host I. `run` joins only the host's network namespace (nsenter --net): `ip netns exec`
# also remounts /sys, which hides /sys/fs/cgroup, and runc (a cell's containers) needs it.
# Usage: bash scripts/hosts.sh up 3 | down | list | run 2 COMMAND…
set -euo pipefail
bridge=pipette-hosts
prefix=198.18.0

up() {
  local count=$1
  ip link show "$bridge" >/dev/null 2>&1 || {
    ip link add "$bridge" type bridge
    ip addr add "$prefix.1/24" dev "$bridge"
  }
  ip link set "$bridge" up
  for i in $(seq 1 "$count"); do
    local ns=pipette-host-$i
    ip netns list | grep -qw "$ns" && continue
    ip netns add "$ns"
    ip link add "ph$i" type veth peer name "ph$i-in"
    ip link set "ph$i" master "$bridge" up
    ip link set "ph$i-in" netns "$ns"
    ip -n "$ns" link set lo up
    ip -n "$ns" link set "ph$i-in" name eth0
    ip -n "$ns" addr add "$prefix.$((10 + i))/24" dev eth0
    ip -n "$ns" link set eth0 up
    echo "host $i: $ns at $prefix.$((10 + i))"
  done
}

down() {
  for ns in $(ip netns list | awk '/^pipette-host-[0-9]+/ {print $1}'); do ip netns delete "$ns"; done
  ip link show "$bridge" >/dev/null 2>&1 && ip link delete "$bridge"
  echo "test hosts removed"
}

list() {
  for ns in $(ip netns list | awk '/^pipette-host-[0-9]+/ {print $1}' | sort -V); do
    echo "$ns $(ip -n "$ns" -4 -o addr show dev eth0 | awk '{print $4}')"
  done
}

run() {
  local ns=pipette-host-$1
  shift
  [ -e "/run/netns/$ns" ] || { echo "no test host $ns; make it with: bash scripts/hosts.sh up N" >&2; exit 1; }
  exec nsenter --net="/run/netns/$ns" "$@"
}

case "${1:-}" in
  up) up "${2:?how many hosts? e.g. up 3}" ;;
  down) down ;;
  list) list ;;
  run) shift; run "${1:?which host? e.g. run 2 COMMAND}" "${@:2}" ;;
  *) echo "usage: bash scripts/hosts.sh up N | down | list | run I COMMAND…" >&2; exit 64 ;;
esac
