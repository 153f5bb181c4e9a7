#!/usr/bin/env bash
# Droplet packing on a large tree (the bookworm-amd64 stack's /usr, ~155 MB): TreePacker (pigz
# through libarchive, sha256 while writing) vs `tar czf` + `sha256sum`; and unpacking a droplet
# of its lib/x86_64-linux-gnu (~60 MB; /usr itself has links out of the tree, which a droplet may
# not): Unpacker (every safety rule) vs `tar xzf`. Each pair is timed run by run (bash's `time`).
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
unpack_tree=${UNPACK_TREE:-$tree/lib/x86_64-linux-gnu}
echo "pack: $tree ($(du -sh "$tree" | cut -f1)); unpack: a droplet of $unpack_tree ($(du -sh "$unpack_tree" | cut -f1))"
"$bench" pack-once "$unpack_tree" "$out/droplet.tgz" >/dev/null
for i in $(seq "$rounds"); do
  a=$(seconds "$bench" pack-once "$tree" "$out/a.tgz")
  b=$(seconds sh -c "tar czf '$out/b.tgz' -C '$tree' . && sha256sum '$out/b.tgz'")
  c=$(seconds "$bench" unpack-once "$out/droplet.tgz" "$out/a")
  d=$(seconds sh -c "rm -rf '$out/b' && mkdir '$out/b' && tar xzf '$out/droplet.tgz' -C '$out/b'")
  echo "round $i: pack $a s vs tar czf $b s ($(ratio "$a" "$b")x); unpack $c s vs tar xzf $d s ($(ratio "$c" "$d")x)"
done
echo "sizes: TreePacker $(stat -c %s "$out/a.tgz") bytes, tar czf $(stat -c %s "$out/b.tgz") bytes"
