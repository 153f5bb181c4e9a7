#!/usr/bin/env bash
# Stage an app with these buildpacks inside a stack rootfs the way the lifecycle builder does
# (detect → supply/finalize or compile → release, as uid 2000, no network), then start it the
# way the launcher does and GET / from the host.
# Usage: buildpacks/test/chroot-smoke.sh ROOTFS STACK_NAME APP_DIR [BUILDPACK] [URL_PATH]
# Prints the HTTP body; exits non-zero when staging or the request fails. Root only (chroot).
set -euo pipefail
ROOTFS=$(cd "$1" && pwd) STACK=$2 APP=$3 BUILDPACK=${4:-} URL_PATH=${5:-/}
BPS=$(cd "$(dirname "$0")/.." && pwd)
ORDER="ruby python staticfile binary"

W=/tmp/pipette-smoke.$$            # path inside the rootfs
H=$ROOTFS$W                        # the same path on the host
pid=
cleanup() {
    if [ -n "$pid" ]; then
        kill -- -"$pid" 2>/dev/null && sleep 0.5
        kill -9 -- -"$pid" 2>/dev/null || true
    fi
    rm -rf "$H"
}
trap cleanup EXIT

mkdir -p "$H"/{app,cache,deps/0,profile.d,buildpacks}
cp -a "$APP"/. "$H/app/"
cp -a "$BPS"/{ruby,python,staticfile,binary} "$H/buildpacks/"
chown -R 2000:2000 "$H"

in_stack() {  # run a shell command in the stack as vcap with a clean environment
    chroot --userspec=2000:2000 "$ROOTFS" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
        HOME=/home/vcap LANG=C.UTF-8 CF_STACK="$STACK" TMPDIR=/tmp /bin/sh -c "$1"
}

if [ -z "$BUILDPACK" ]; then
    for bp in $ORDER; do
        if out=$(in_stack "$W/buildpacks/$bp/bin/detect $W/app"); then BUILDPACK=$bp; break; fi
    done
    [ -n "$BUILDPACK" ] || { echo "No buildpack detected this app (tried: $ORDER)" >&2; exit 222; }
    echo "==> detected: $out" >&2
fi
B=$W/buildpacks/$BUILDPACK/bin
if [ -x "$H/buildpacks/$BUILDPACK/bin/finalize" ]; then
    in_stack "$B/supply $W/app $W/cache $W/deps 0" >&2 || exit 225
    in_stack "$B/finalize $W/app $W/cache $W/deps 0 $W/profile.d" >&2 || exit 223
else
    rm -rf "$H/deps/0"
    in_stack "$B/compile $W/app $W/cache" >&2 || exit 223
fi
release=$(in_stack "$B/release $W/app") || exit 224
cmd=$(printf '%s\n' "$release" | sed -n 's/^  web: //p')
if [ -f "$H/app/Procfile" ]; then
    p=$(sed -n 's/^web:[[:space:]]*//p' "$H/app/Procfile")
    [ -n "$p" ] && cmd=$p
fi
[ -n "$cmd" ] || { echo "no web start command" >&2; exit 1; }
echo "==> start command: $cmd" >&2

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
launch="cd $W/app; for f in $W/profile.d/*.sh .profile.d/*.sh; do [ -f \"\$f\" ] && . \"\$f\"; done; exec sh -c \"\$1\""
setsid chroot --userspec=2000:2000 "$ROOTFS" /usr/bin/env -i PATH=/usr/local/bin:/usr/bin:/bin \
    HOME=$W/app DEPS_DIR=$W/deps PORT="$port" TMPDIR=/tmp LANG=C.UTF-8 /bin/sh -c "$launch" sh "$cmd" \
    > "$H/stdout.log" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
    if body=$(curl -sf "http://127.0.0.1:$port$URL_PATH"); then
        echo "$body"
        exit 0
    fi
    kill -0 "$pid" 2>/dev/null || { echo "app exited:" >&2; cat "$H/stdout.log" >&2; exit 1; }
    sleep 0.5
done
echo "no answer on port $port after 60s:" >&2; cat "$H/stdout.log" >&2
exit 1
