#!/usr/bin/env bash
# A real S3 store on this host for Pipette's S3 blobstore backend:
#   scripts/s3.sh up      one-node Ceph (a mon, an osd on memstore) and radosgw on 127.0.0.1:$S3_PORT,
#                         a user and the bucket $S3_BUCKET; prints the exports to use
#   scripts/s3.sh down    stops it and removes its folder
#   scripts/s3.sh moto    the fallback: moto's S3 server (PyPI moto[server]) on the same port
# Settings: S3_DIR (/tmp/pipette-s3), S3_PORT (7480), S3_BUCKET (pipette), MON_PORT (6789),
# S3_ACCESS_KEY and S3_SECRET_KEY (the user's keys; test values by default), S3_OWNER_PID (stop
# when that process ends).
set -Eeuo pipefail
dir=${S3_DIR:-/tmp/pipette-s3}
port=${S3_PORT:-7480}
bucket=${S3_BUCKET:-pipette}
monport=${MON_PORT:-6789}
access=${S3_ACCESS_KEY:-PIPETTEACCESSKEY0001}
secret=${S3_SECRET_KEY:-pipette-s3-secret-key-for-tests-only}
conf=$dir/ceph.conf

stop() {
  if [ -e "$dir/watcher" ] && [ "$(cat "$dir/watcher")" != "$$" ]; then kill "$(cat "$dir/watcher")" 2>/dev/null || true; fi
  local pids=()
  for f in "$dir"/*.pid; do [ -e "$f" ] && pids+=("$(cat "$f")"); done
  if [ ${#pids[@]} -gt 0 ]; then
    kill "${pids[@]}" 2>/dev/null || true
    for _ in $(seq 50); do
      local alive=0
      for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
      [ $alive = 1 ] || break
      sleep 0.1
    done
    kill -9 "${pids[@]}" 2>/dev/null || true
  fi
  rm -rf "$dir"
}

# Runs a daemon in the background holding none of this script's descriptors but the ones
# given: a caller that waits for the script's output (or, as Foundation's Process does, for a
# socket its children inherit) is not kept waiting by the daemons.
detached() {
  local out=$1; shift
  (
    for fd in /proc/$BASHPID/fd/*; do fd=${fd##*/}; [ "$fd" -gt 2 ] && eval "exec $fd>&-"; done
    exec "$@"
  ) </dev/null >"$out" 2>&1 &
}

wait_http() {
  for _ in $(seq 300); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0; sleep 0.2; done
  echo "S3 endpoint did not answer on 127.0.0.1:$port; logs in $dir" >&2; return 1
}

exports() {
  echo "export AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret"
  echo "export PIPETTE_BLOBSTORE_URL='s3://$bucket?endpoint=http://127.0.0.1:$port&region=us-east-1'"
}

up_ceph() {
  mkdir -p "$dir"/{mon,osd,run,log}
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$conf" <<CONF
[global]
fsid = $fsid
mon host = v1:127.0.0.1:$monport
auth cluster required = none
auth service required = none
auth client required = none
osd pool default size = 1
osd pool default min size = 1
osd pool default pg autoscale mode = off
osd pool default pg num = 8
osd pool default pgp num = 8
mon allow pool size one = true
mon allow pool delete = true
mon warn on pool no redundancy = false
osd objectstore = memstore
memstore device bytes = 1073741824
osd max object name len = 460
osd max object namespace len = 64
run dir = $dir/run
log file = $dir/log/\$name.log
admin socket = $dir/run/\$name.asok
[mon.a]
mon data = $dir/mon
[osd.0]
osd data = $dir/osd
[client.rgw]
rgw frontends = beast endpoint=127.0.0.1:$port
rgw data = $dir/rgw
CONF
  mkdir -p "$dir/rgw"
  monmaptool --create --addv a "[v1:127.0.0.1:$monport]" --fsid "$fsid" "$dir/monmap" >/dev/null
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap"
  detached "$dir/log/mon.out" ceph-mon -c "$conf" -i a -f; echo $! > "$dir/mon.a.pid"
  # The osd registers itself (with the uuid its mkfs made) when it boots. About one start in
  # three, on this machine, the monitor refuses that ("wrong fsid") and the osd exits: start a
  # new one, up to three times.
  # The ceph CLI ignores SIGTERM when it waits on the monitor: every call is bounded and killed.
  timeout -k 2 40 ceph -c "$conf" --connect-timeout 30 status >/dev/null
  local attempt
  for attempt in 1 2 3; do
    rm -rf "$dir/osd"; mkdir -p "$dir/osd"
    if [ "$attempt" -gt 1 ]; then timeout -k 2 15 ceph -c "$conf" --connect-timeout 10 osd purge 0 --yes-i-really-mean-it >/dev/null 2>&1 || true; fi
    ceph-osd -c "$conf" -i 0 --mkfs 2>/dev/null
    detached "$dir/log/osd.out" ceph-osd -c "$conf" -i 0 -f; echo $! > "$dir/osd.0.pid"
    for _ in $(seq 150); do
      kill -0 "$(cat "$dir/osd.0.pid")" 2>/dev/null || break
      timeout -k 2 10 ceph -c "$conf" --connect-timeout 5 osd stat 2>/dev/null | grep -q "1 up" && break 2
      sleep 0.2
    done
    echo "osd start $attempt of 3 failed: $(tail -n 1 "$dir/log/osd.out")" >&2
    kill "$(cat "$dir/osd.0.pid")" 2>/dev/null || true
    [ "$attempt" = 3 ] && return 1
  done
  detached "$dir/log/rgw.out" radosgw -c "$conf" -n client.rgw -f; echo $! > "$dir/client.rgw.pid"
  wait_http
  timeout -k 2 60 radosgw-admin -c "$conf" user create --uid=pipette --display-name=Pipette --access-key=$access --secret-key=$secret >/dev/null
  AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret \
    python3 -c "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1').create_bucket(Bucket=sys.argv[2])" \
    "http://127.0.0.1:$port" "$bucket"
}

up_moto() {
  mkdir -p "$dir/log"
  detached "$dir/log/moto.log" moto_server -H 127.0.0.1 -p "$port"; echo $! > "$dir/moto.pid"
  wait_http
  AWS_ACCESS_KEY_ID=$access AWS_SECRET_ACCESS_KEY=$secret \
    python3 -c "import boto3,sys; boto3.client('s3', endpoint_url=sys.argv[1], region_name='us-east-1').create_bucket(Bucket=sys.argv[2])" \
    "http://127.0.0.1:$port" "$bucket"
}

# With S3_OWNER_PID set, the store stops when that process ends (a test run that was killed).
watch_owner() {
  [ -n "${S3_OWNER_PID:-}" ] || return 0
  detached /dev/null bash -c 'while kill -0 "$0" 2>/dev/null; do sleep 2; done; exec "$1" down' "$S3_OWNER_PID" "$0"
  echo $! > "$dir/watcher"
}

# A store that did not come up: what its daemons said, then nothing left running.
failed() {
  for f in "$dir"/log/*; do [ -s "$f" ] && { echo "--- $f" >&2; tail -n 5 "$f" >&2; }; done
  stop
  exit 1
}

case "${1:-}" in
  up) stop; trap failed ERR; up_ceph; trap - ERR; watch_owner; exports ;;
  moto) stop; trap failed ERR; up_moto; trap - ERR; watch_owner; exports ;;
  down) stop ;;
  *) echo "usage: $0 up|moto|down" >&2; exit 2 ;;
esac
