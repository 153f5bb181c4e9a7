#!/usr/bin/env bash
# Sets up everything Pipette needs on a Debian machine: packages, qemu binfmt, the lifecycle
# programs for x86_64 and aarch64, the Swift build and the four stacks. Idempotent: a second
# run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

[ "$(id -u)" -eq 0 ] || { echo "scripts/setup.sh needs root (apt-get, runc, debootstrap); run it with sudo" >&2; exit 1; }

bash scripts/install-packages.sh

echo "==> building lifecycle programs (x86_64, aarch64)"
make -s -C lifecycle

echo "==> building pipette (swift build)"
swift build 2>&1 | grep -vE '^\[[0-9]+/[0-9]+\]' || true
[ -x .build/debug/pipette ] || { echo "swift build failed" >&2; exit 1; }

echo "==> building stacks (cached in ${PIPETTE_CACHE:-$HOME/.cache/pipette}/stacks)"
.build/debug/pipette stack build --all
.build/debug/pipette stack list
