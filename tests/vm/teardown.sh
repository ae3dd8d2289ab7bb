#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest tear-down after the black-box suite: a wrk load test with many
# keep-alive connections, then rmmod while hundreds of connections are open
# and busy. The host fails the run on any kernel complaint in the console.
. /khttpd/vm/lib.sh
# What the load must at least achieve, and how long one request may take;
# /khttpd/env lowers the one and raises the other for the debug kernel.
LOAD_MIN_REQUESTS=${LOAD_MIN_REQUESTS:-1000} LOAD_MIN_ZEROCOPY=${LOAD_MIN_ZEROCOPY:-100000000}
LOAD_TIMEOUT=${LOAD_TIMEOUT:-5s}

URL=http://127.0.0.1:$PORT

err5_before=$(stat_all 5xx)
out=$(wrk -t 2 -c 200 -d 10s --timeout "$LOAD_TIMEOUT" "$URL/notes.txt" 2>&1)
echo "$out"
reqs=$(echo "$out" | awk '/requests in/ { print $1 }')
check "wrk: requests were answered (${reqs:-0}, at least $LOAD_MIN_REQUESTS)" \
	[ "${reqs:-0}" -ge "$LOAD_MIN_REQUESTS" ]
check "wrk: no socket errors" sh -c "! echo \"\$1\" | grep -q 'Socket errors'" _ "$out"
check "wrk: no non-2xx answers" sh -c "! echo \"\$1\" | grep -q 'Non-2xx'" _ "$out"
check "no 5xx during the load" [ "$(stat_all 5xx)" = "$err5_before" ]

out=$(wrk -t 2 -c 100 -d 10s --timeout "$LOAD_TIMEOUT" "$URL/bin/pattern-1m.bin" 2>&1)
echo "$out"
check "wrk: 1 MiB files were sent" sh -c "echo \"\$1\" | grep -q 'requests in'" _ "$out"
zc=$(stat_all sent_zerocopy)
check "content went out zero-copy ($zc bytes, at least $LOAD_MIN_ZEROCOPY)" \
	[ "${zc:-0}" -gt "$LOAD_MIN_ZEROCOPY" ]
cat /proc/net/khttpd/stats

wrk -t 2 -c 400 -d 30s "$URL/bin/pattern-64k.bin" > /tmp/wrk.out 2>&1 &
wrk_pid=$!
check "hundreds of connections open under load" await 20 conns_at_least 200
echo "# $(conns) connections open"
start=$(date +%s)
check "rmmod under load" rmmod khttpd
took=$(($(date +%s) - start))
check "rmmod took ${took}s (at most 5)" [ "$took" -le 5 ]
check "the module is gone" sh -c '! grep -q "^khttpd " /proc/modules'
check "/proc/net/khttpd is gone" [ ! -e /proc/net/khttpd ]
kill "$wrk_pid" 2>/dev/null
wait "$wrk_pid" 2>/dev/null
summary
