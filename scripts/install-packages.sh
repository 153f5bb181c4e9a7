#!/usr/bin/env bash
# Installs the Debian packages Pipette needs and enables qemu-aarch64 binfmt. Idempotent.
set -euo pipefail

packages=(
  pkg-config libnats-dev libarchive-dev nats-server
  runc containernetworking-plugins iptables iproute2
  qemu-user-static binfmt-support gcc-aarch64-linux-gnu libc6-dev-arm64-cross
  busybox-static debootstrap ruby-foreman zip unzip curl python3-pip
  pigz  # ArchiveWriter: droplets and stacks gzip'd on every core
  openssl  # TLS tests and scripts/bench-tls.sh make their CA and certificates with it
  haproxy wrk  # pipette router: the proxy on the request path (runtime API); wrk: scripts/bench-rollout.sh
  systemd  # systemd-analyze verify: the unit `pipette cell install` writes (CellInstallTests)
  radosgw ceph-mon ceph-osd  # scripts/s3.sh: a real S3 store (radosgw on one-node Ceph) for the S3 blobstore's tests
  libyaml-dev libyaml-dev:arm64 libxxhash-dev libxxhash-dev:arm64  # lifecycle/: linked statically for both arches
)
dpkg --print-foreign-architectures | grep -qx arm64 || dpkg --add-architecture arm64

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "==> Debian packages already installed"
fi

echo "==> enabling qemu-aarch64 through binfmt_misc"
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
update-binfmts --enable qemu-aarch64 2>/dev/null || true
if ! grep -q '^flags:.*F' /proc/sys/fs/binfmt_misc/qemu-aarch64 2>/dev/null; then
  echo "qemu-aarch64 binfmt is not registered with flag F; reinstall qemu-user-static" >&2
  exit 1
fi

echo "==> installing nats-py and nkeys (an independent NATS client and nkey maker for tests)"
python3 -c "import nats, nkeys" 2>/dev/null || python3 -m pip install -q nats-py nkeys 2>/dev/null \
  || python3 -m pip install -q --break-system-packages nats-py nkeys

echo "==> installing boto3 and moto[server] (an independent S3 client and SigV4 oracle; moto: scripts/s3.sh moto)"
python3 -c "import boto3, moto.server" 2>/dev/null || python3 -m pip install -q boto3 'moto[server]' 2>/dev/null \
  || python3 -m pip install -q --break-system-packages boto3 'moto[server]'
