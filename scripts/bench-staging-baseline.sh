#!/usr/bin/env bash
# Times `pipette build apps/static --stack tiny-amd64` against a hand-written equivalent: the
# staticfile buildpack's detect/compile/release run by plain runc in the same rootfs, then
# `tar czf` of the result. Rounds are interleaved; prints medians and the ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
pipette=$1
rounds=$2
rootfs=${PIPETTE_CACHE:-$HOME/.cache/pipette}/stacks/tiny-amd64/rootfs
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The bundle is written once, outside the timed rounds: only the staging itself is timed.
bundle=$work/bundle
mkdir -p "$bundle"
(cd "$bundle" && runc spec)
python3 - "$bundle/config.json" "$rootfs" "$work" "$PWD/buildpacks" <<'PY'
import json, sys
path, rootfs, work, buildpacks = sys.argv[1:]
c = json.load(open(path))
c["root"] = {"path": rootfs, "readonly": True}
c["process"]["terminal"] = False
c["process"]["user"] = {"uid": 2000, "gid": 2000}
bp = "/tmp/buildpacks/staticfile/bin"
c["process"]["args"] = ["/bin/sh", "-c",
    f"{bp}/detect /tmp/app >/dev/null && {bp}/compile /tmp/app /tmp/cache >/dev/null && "
    f"{bp}/release /tmp/app > /tmp/out/release.yml && mkdir -p /tmp/d && cp -r /tmp/app /tmp/d/app && "
    "tar czf /tmp/out/droplet.tgz -C /tmp/d ."]
c["mounts"] += [
    {"destination": "/tmp", "type": "tmpfs", "source": "tmpfs", "options": ["mode=1777"]},
    {"destination": "/tmp/app", "type": "bind", "source": f"{work}/app", "options": ["rbind", "rw"]},
    {"destination": "/tmp/out", "type": "bind", "source": f"{work}/out", "options": ["rbind", "rw"]},
    {"destination": "/tmp/buildpacks", "type": "bind", "source": buildpacks, "options": ["rbind", "ro"]}]
json.dump(c, open(path, "w"))
PY

by_hand() {
  rm -rf "$work/app" "$work/out"
  mkdir -p "$work/out"
  cp -r apps/static "$work/app"
  chown -R 2000:2000 "$work/app" "$work/out"
  runc run --bundle "$bundle" "bench-$$" >/dev/null
  sha256sum "$work/out/droplet.tgz" >/dev/null
}

with_pipette() {
  "$pipette" build apps/static --stack tiny-amd64 -o "$work/pipette.tgz" >/dev/null 2>&1
}

now() { date +%s.%N; }
a=(); b=()
for _ in $(seq "$rounds"); do
  t=$(now); with_pipette; a+=("$(echo "$(now) - $t" | bc)")
  t=$(now); by_hand; b+=("$(echo "$(now) - $t" | bc)")
done
median() { printf '%s\n' "$@" | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
ma=$(median "${a[@]}"); mb=$(median "${b[@]}")
printf 'pipette build median %.3f s, by hand median %.3f s, ratio %.2fx (%d rounds)\n' "$ma" "$mb" "$(echo "$ma / $mb" | bc -l)" "$rounds"
