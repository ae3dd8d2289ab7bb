#!/usr/bin/env bash
# Host: boot the guest with the modules tests/vm/pagecache.sh needs
# (uncompressed, since busybox insmod does not read .ko.xz) and run it.
# Usage: tests/vm/run-pagecache.sh 6.1|6.12|debug path/to/khttpd.ko
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
series=$1 ko=$2
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
mkdir -p "$W/kmods"
# The debug kernel has ext2 and brd built in; its RAM disk is sized here.
append=
if [ "$series" = debug ]; then
	append="brd.rd_nr=1 brd.rd_size=65536"
else
	IFS=$'\t' read -r _ kver _ img < <("$TOP/scripts/kernels" "$series")
fi
for m in ${kver:+crc32c_generic crc16 mbcache jbd2 ext4 brd}; do
	f=$(find "$img/lib/modules/$kver/kernel" -name "$m.ko" -o -name "$m.ko.xz" | head -1)
	[ -n "$f" ] || continue		# built in
	case "$f" in
	*.xz) xz -dc "$f" > "$W/kmods/$m.ko" ;;
	*) cp "$f" "$W/kmods/$m.ko" ;;
	esac
done
exec "$TOP/scripts/vm" --kernel "$series" --smp 2 --module "$ko" \
	--add "$W/kmods:/khttpd/kmods" --add "$TOP/tests/vm:/khttpd/vm" \
	--setup "$TOP/tests/vm/pagecache.sh" --append "$append" \
	--log "$TOP/build/vm-$series-pagecache.log" --timeout 300
