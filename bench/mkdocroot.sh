#!/bin/sh
# mkdocroot.sh DIR - the benchmark docroot: 1k.bin, 64k.bin, 1m.bin and
# 100m.bin of random bytes (real pages, not a sparse file, so every server
# sends real data) plus index.html. POSIX sh with busybox applets (it runs
# in the QEMU guest too).
set -eu
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
d=$1
mkdir -p "$d"
dd if=/dev/urandom of="$d/1m.bin" bs=1024 count=1024 2>/dev/null
head -c 1024 "$d/1m.bin" > "$d/1k.bin"
head -c 65536 "$d/1m.bin" > "$d/64k.bin"
i=0
: > "$d/100m.bin"
while [ $i -lt 100 ]; do cat "$d/1m.bin" >> "$d/100m.bin"; i=$((i + 1)); done
echo '<!doctype html><title>khttpd bench</title>' > "$d/index.html"
