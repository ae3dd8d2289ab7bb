#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
#
# run-daemon.sh [KHTTPDD [run.py options...]]
# The black-box suite against the userspace daemon: builds the fixture
# docroot in a temporary directory, starts khttpdd on it in the foreground
# with short timeouts on 127.0.0.1:$KHTTPD_BLACKBOX_PORT (default 18480),
# runs run.py, stops the daemon. Exit status: the suite's, or 1 if the
# daemon did not come up. KHTTPDD defaults to userspace/build/khttpdd; pass
# build-san/khttpdd to run the suite under ASan/UBSan.
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BIN=${1:-$TOP/userspace/build/khttpdd}
[ $# -gt 0 ] && shift
PORT=${KHTTPD_BLACKBOX_PORT:-18480}
HEADER_TIMEOUT=3
KEEPALIVE_TIMEOUT=5

if [ ! -x "$BIN" ]; then
	echo "run-daemon: $BIN: no such executable (build the daemon first)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
W=$(mktemp -d /tmp/khttpd-blackbox-daemon.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

sh "$HERE/mkdocroot.sh" "$W/root"
printf '[SERVER]\n    HeaderTimeout %s\n    KeepAliveTimeout %s\n' \
	"$HEADER_TIMEOUT" "$KEEPALIVE_TIMEOUT" > "$W/khttpd.conf"
"$BIN" -f -c "$W/khttpd.conf" -p "127.0.0.1:$PORT" -r "$W/root" \
	> "$W/daemon.log" 2>&1 &
pid=$!

# Wait until it accepts connections (or died).
i=0
until python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1)" \
		2>/dev/null; do
	i=$((i + 1))
	if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 50 ]; then
		echo "run-daemon: khttpdd did not come up on port $PORT:" >&2
		cat "$W/daemon.log" >&2
		echo "0 passed, 1 failed"
		exit 1
	fi
	sleep 0.1
done

rc=0
python3 "$HERE/run.py" --host 127.0.0.1 --port "$PORT" --server daemon \
	--fixture "$W/root" --header-timeout "$HEADER_TIMEOUT" \
	--keepalive-timeout "$KEEPALIVE_TIMEOUT" "$@" || rc=$?
if [ $rc -ne 0 ] || ! kill -0 "$pid" 2>/dev/null; then
	echo "# khttpdd log (last 30 lines):"
	tail -30 "$W/daemon.log" | sed 's/^/# /'
fi
exit $rc
