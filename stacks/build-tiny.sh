#!/usr/bin/env bash
# Build a "tiny" stack: a busybox-static root filesystem for amd64 or arm64.
# Usage: stacks/build-tiny.sh ARCH ROOTFS_DIR      (ARCH = amd64 | arm64)
# Writes only into ROOTFS_DIR and the deb cache (${PIPETTE_CACHE:-$HOME/.cache/pipette}/debs).
set -euo pipefail

usage() { echo "usage: $0 amd64|arm64 ROOTFS_DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
ARCH=$1
ROOTFS=$2
case "$ARCH" in amd64|arm64) ;; *) usage ;; esac

CACHE=${PIPETTE_CACHE:-$HOME/.cache/pipette}
DEBS=$CACHE/debs

# The busybox binary for ARCH: the host's when it matches, else busybox-static from Debian.
host_arch=$(dpkg --print-architecture)
find_deb() { { ls "$DEBS"/busybox-static_*_"$ARCH".deb 2>/dev/null || true; } | sort | tail -n 1; }

BUSYBOX=
if [ "$ARCH" = "$host_arch" ] && [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1; then
    echo "==> using the host's static /bin/busybox ($ARCH)"
    BUSYBOX=/bin/busybox
else
    deb=$(find_deb)
    if [ -z "$deb" ]; then
        echo "==> downloading busybox-static:$ARCH into $DEBS"
        mkdir -p "$DEBS"
        if [ "$ARCH" != "$host_arch" ] && ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
            echo "==> enabling dpkg architecture $ARCH (dpkg --add-architecture; apt-get update)"
            dpkg --add-architecture "$ARCH"
            apt-get update -qq
        fi
        (cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "busybox-static:$ARCH") ||
            { apt-get update -qq && (cd "$DEBS" && apt-get download -q -o APT::Sandbox::User=root "busybox-static:$ARCH"); }
        deb=$(find_deb)
    else
        echo "==> using cached $deb"
    fi
    [ -n "$deb" ] || { echo "error: could not obtain busybox-static:$ARCH" >&2; exit 1; }
    extract=$(mktemp -d)
    trap 'rm -rf "$extract"' EXIT
    dpkg-deb -x "$deb" "$extract"
    BUSYBOX=$extract/bin/busybox
fi

echo "==> creating rootfs in $ROOTFS"
mkdir -p "$ROOTFS"
cd "$ROOTFS"
mkdir -p bin sbin usr/bin usr/sbin etc home/vcap root tmp var/tmp proc sys dev run
chmod 1777 tmp var/tmp
chmod 700 root
install -m 755 "$BUSYBOX" bin/busybox

echo "==> linking busybox applets"
# Applet list from the host busybox (same Debian version); the target binary itself would
# need qemu for a foreign arch. Each applet goes to its usual place and also into /bin,
# so any PATH containing /bin finds it.
applets=$( (/bin/busybox --list-full 2>/dev/null || bin/busybox --list-full) )
for path in $applets; do
    name=${path##*/}
    [ "$name" = busybox ] && continue
    [ -e "$path" ] || [ -L "$path" ] || ln -s /bin/busybox "$path"
    [ -e "bin/$name" ] || [ -L "bin/$name" ] || ln -s busybox "bin/$name"
done
echo "    $(echo "$applets" | wc -l) applets"

echo "==> creating device nodes in /dev (runc mounts its own /dev; these serve chroot use)"
for node in null:1:3 zero:1:5 full:1:7 random:1:8 urandom:1:9 tty:5:0; do
    IFS=: read -r name major minor <<< "$node"
    [ -e "dev/$name" ] || mknod -m 666 "dev/$name" c "$major" "$minor"
done

echo "==> writing /etc (passwd, group, hosts, ...)"
cat > etc/passwd <<'EOF'
root:x:0:0:root:/root:/bin/sh
vcap:x:2000:2000:vcap:/home/vcap:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat > etc/group <<'EOF'
root:x:0:
vcap:x:2000:
nogroup:x:65534:
EOF
cat > etc/shadow <<'EOF'
root:*:19000:0:99999:7:::
vcap:*:19000:0:99999:7:::
nobody:*:19000:0:99999:7:::
EOF
chmod 640 etc/shadow
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > etc/hosts
echo "tiny-$ARCH" > etc/hostname
: > etc/resolv.conf
printf 'hosts: files dns\n' > etc/nsswitch.conf
printf 'NAME="Pipette tiny stack"\nID=pipette-tiny\nVERSION_ID=1\n' > etc/os-release
chown 2000:2000 home/vcap

echo "==> done: tiny-$ARCH in $ROOTFS ($(du -sh . | cut -f1))"
