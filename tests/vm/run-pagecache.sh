#!/usr/bin/env bash
# Host: boot the guest with the modules tests/vm/pagecache.sh needs
# (tests/vm/blockdev-kmods), dmsetup and slow-client, and run it. On
# Debian's kernels device-mapper gives it a slow and a failing disk (DM=1);
# the debug kernel has no device-mapper (DM=0: those checks are not run).
# Usage: tests/vm/run-pagecache.sh 6.1|6.12|debug path/to/khttpd.ko
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
series=$1 ko=$2
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
"$TOP/tests/vm/blockdev-kmods" "$series" "$W/kmods"
gcc -O2 -Wall -Wextra -Werror -o "$W/slow-client" "$TOP/tests/vm/slow-client.c"
# The debug kernel has ext2 and brd built in; its RAM disk is sized here.
append= dm=1
[ "$series" != debug ] || append="brd.rd_nr=1 brd.rd_size=65536" dm=0
echo "DM=$dm" > "$W/env"
exec "$TOP/scripts/vm" --kernel "$series" --smp 2 --module "$ko" \
	--add "$W/kmods:/khttpd/kmods" --add "$TOP/tests/vm:/khttpd/vm" \
	--add "$W/env:/khttpd/env" --add "$W/slow-client:/khttpd/slow-client" \
	--add "$(command -v dmsetup):/khttpd/dmsetup" \
	--setup "$TOP/tests/vm/pagecache.sh" --append "$append" \
	--log "$TOP/build/vm-$series-pagecache.log" --timeout 300
