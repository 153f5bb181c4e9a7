#!/usr/bin/env bash
# Counts the protocol conformance records the Swift runtime visits while BINARY runs with ARGS:
# each first "does this type conform?" (a cast, a keyed coding container, ArgumentParser's
# reflection) scans every record of the executable, about 0.3 ms each on the 2-core test machine
# (BENCHMARKS.md). A uprobe on the runtime's per-record visit (in the binary when the Swift runtime
# is linked in, as in release builds; else in its libswiftCore.so); needs root and perf.
# Usage: bash scripts/conformance-scans.sh .build/release/pipette build apps/static --stack tiny-amd64
set -euo pipefail
binary=$1; shift
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
scan() { nm "$1" 2>/dev/null | awk '/ConformanceSectionEENKUlRKNS_35TargetProtocolConformanceDescriptor/ && !found {print $1; found = 1}'; }
runtime=$binary
visit=$(scan "$runtime")
if [ -z "$visit" ]; then
  runtime=$(ldd "$binary" | awk '/libswiftCore.so/ {print $3}')
  visit=$(scan "$runtime")
fi
[ -n "$visit" ] || { echo "the Swift runtime's conformance scan is neither in $binary nor in a libswiftCore.so it loads" >&2; exit 1; }
read -r text_address text_offset < <(readelf -S -W "$runtime" | awk '$2 == ".text" {print $4, $5}')
printf -v offset '0x%x' $((16#$visit - 16#$text_address + 16#$text_offset))
perf probe -q -d 'probe_conformance:*' 2>/dev/null || true
perf probe -q -x "$runtime" -a "probe_conformance:visit=$offset"
trap 'perf probe -q -d "probe_conformance:*"' EXIT
visits=$(perf stat -x, -e probe_conformance:visit "$binary" "$@" 2>&1 >/dev/null | awk -F, '/probe_conformance/ {print $1}')
echo "$visits conformance records visited"
