#!/usr/bin/env bash
# Build a "bookworm" stack: Debian bookworm minbase plus ruby (sinatra, webrick, rack, bundler),
# python3 (full stdlib), busybox and ca-certificates, for amd64 or arm64.
# Usage: stacks/build-bookworm.sh ARCH ROOTFS_DIR      (ARCH = amd64 | arm64)
# arm64 on an x86 host: debootstrap --foreign, then the second stage runs in a chroot through
# qemu-user binfmt (flag F, so no qemu binary needs to be copied into the rootfs).
# Writes only into ROOTFS_DIR and ${PIPETTE_CACHE:-$HOME/.cache/pipette}/debootstrap-ARCH.
set -euo pipefail

usage() { echo "usage: $0 amd64|arm64 ROOTFS_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
ARCH=$1
ROOTFS=$2
case "$ARCH" in amd64|arm64) ;; *) usage ;; esac

SUITE=bookworm
MIRROR=${PIPETTE_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PACKAGES=ruby,ruby-sinatra,ruby-webrick,ruby-rack,bundler,python3,busybox,ca-certificates
CACHE=${PIPETTE_CACHE:-$HOME/.cache/pipette}/debootstrap-$ARCH
host_arch=$(dpkg --print-architecture)

[ "$(id -u)" -eq 0 ] || { echo "error: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "error: debootstrap is not installed" >&2; exit 1; }
if [ -d "$ROOTFS" ] && [ -n "$(ls -A "$ROOTFS")" ]; then
    echo "error: $ROOTFS is not empty; give a new or empty directory" >&2; exit 1
fi
mkdir -p "$ROOTFS" "$CACHE"
ROOTFS=$(cd "$ROOTFS" && pwd)

# Never leave proc/sys/dev mounts behind in the rootfs, whatever happens.
cleanup_mounts() {
    { grep -o " $ROOTFS/[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" || true; done
}
trap cleanup_mounts EXIT

start=$(date +%s)
if [ "$ARCH" = "$host_arch" ]; then
    echo "==> debootstrap $SUITE ($ARCH, minbase + $PACKAGES), debs cached in $CACHE"
    debootstrap --variant=minbase --arch="$ARCH" --include="$PACKAGES" \
        --cache-dir="$CACHE" "$SUITE" "$ROOTFS" "$MIRROR"
else
    [ -e "/proc/sys/fs/binfmt_misc/qemu-aarch64" ] || [ "$ARCH" != arm64 ] ||
        { echo "error: no qemu-aarch64 binfmt handler; install qemu-user-static binfmt-support" >&2; exit 1; }
    echo "==> debootstrap --foreign $SUITE ($ARCH, minbase + $PACKAGES), debs cached in $CACHE"
    debootstrap --foreign --variant=minbase --arch="$ARCH" --include="$PACKAGES" \
        --cache-dir="$CACHE" "$SUITE" "$ROOTFS" "$MIRROR"
    echo "==> debootstrap --second-stage in a chroot (qemu-user, this takes a few minutes)"
    chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
        /debootstrap/debootstrap --second-stage
fi
echo "==> debootstrap finished in $(( $(date +%s) - start ))s"

echo "==> adding user vcap (2000:2000, home /home/vcap)"
grep -q '^vcap:' "$ROOTFS/etc/group" || groupadd --root "$ROOTFS" -g 2000 vcap
grep -q '^vcap:' "$ROOTFS/etc/passwd" ||
    useradd --root "$ROOTFS" -u 2000 -g 2000 -d /home/vcap -s /bin/sh -M vcap
mkdir -p "$ROOTFS/home/vcap"
chown 2000:2000 "$ROOTFS/home/vcap"

echo "==> writing /etc/hosts, hostname, resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$ROOTFS/etc/hosts"
echo "$SUITE-$ARCH" > "$ROOTFS/etc/hostname"
rm -f "$ROOTFS/etc/resolv.conf"
: > "$ROOTFS/etc/resolv.conf"

echo "==> cleaning apt caches, lists, docs"
rm -rf "$ROOTFS"/debootstrap "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/cache/apt/*.bin \
       "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* \
       "$ROOTFS"/usr/share/info/* "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
chmod 1777 "$ROOTFS/tmp"

echo "==> done: $SUITE-$ARCH in $ROOTFS ($(du -sh "$ROOTFS" | cut -f1), $(( $(date +%s) - start ))s)"
