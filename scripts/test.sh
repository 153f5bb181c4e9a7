#!/usr/bin/env bash
# Runs every test: sets up what is missing, then the Swift test suites (real runc, qemu, stacks).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "==> swift test"
swift test --no-parallel 2>&1 | grep --line-buffered -vE '^\[[0-9]+/[0-9]+\]'
