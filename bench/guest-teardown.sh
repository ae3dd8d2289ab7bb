#!/bin/sh
# guest-teardown.sh - stop the servers bench/guest.sh started and unload the
# module (scripts/vm judges the console for kernel complaints afterwards).
. /khttpd/bench.env
export BENCH_DIR=/khttpd/bench BENCH_RUN=/tmp/bench
. "$BENCH_DIR/servers.sh"
rc=0
for s in $BENCH_GUEST_SERVERS; do
	name=${s%%:*}
	case "$name" in
	khttpd.ko) grep -q '^khttpd ' /proc/modules && { server_stop khttpd.ko || rc=1; } ;;
	*) [ -d "$BENCH_RUN/$name" ] && server_stop "$name" ;;
	esac
done
exit $rc
