#!/usr/bin/env bash
# Droplet packing and unpacking on a large tree (the bookworm-amd64 stack's /usr, ~155 MB):
# TreePacker (pigz through libarchive, sha256 while writing) vs `tar czf` + `sha256sum`, and
# Unpacker vs `tar xzf` on the same archive. Each pair is timed run by run (bash's `time`).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
tree=${TREE:-${PIPETTE_CACHE:-$HOME/.cache/pipette}/stacks/bookworm-amd64/rootfs/usr}
bench=${BENCH:-.build/release/pipette-bench}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

TIMEFORMAT=%R
seconds() { { time "$@" >/dev/null; } 2>&1 | tail -1; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "tree: $tree ($(du -sh "$tree" | cut -f1))"
for i in $(seq "$rounds"); do
  a=$(seconds "$bench" pack-once "$tree" "$out/a.tgz")
  b=$(seconds sh -c "tar czf '$out/b.tgz' -C '$tree' . && sha256sum '$out/b.tgz'")
  c=$(seconds "$bench" unpack-once "$out/a.tgz" "$out/a")
  d=$(seconds sh -c "rm -rf '$out/b' && mkdir '$out/b' && tar xzf '$out/a.tgz' -C '$out/b'")
  echo "round $i: pack $a s vs tar czf $b s ($(ratio "$a" "$b")x); unpack $c s vs tar xzf $d s ($(ratio "$c" "$d")x)"
done
echo "sizes: TreePacker $(stat -c %s "$out/a.tgz") bytes, tar czf $(stat -c %s "$out/b.tgz") bytes"
