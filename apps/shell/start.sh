#!/bin/sh
# Writes a page naming the machine, then serves it with busybox httpd (works on tiny stacks).
set -eu
mkdir -p www
echo "Hello from shell on $(uname -m)" > www/index.html
exec busybox httpd -f -p "${PORT:-8080}" -h www
