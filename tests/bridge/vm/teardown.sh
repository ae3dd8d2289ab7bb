#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest tear-down of the bridge tests: rmmod while the daemon owns a
# handed-off connection (its response still arrives), the daemon registers
# again when the module comes back, then everything stops; with the daemon
# gone, a claim whose reply cannot be queued (claim.sh); no kernel complaint
# allowed (scripts/vm checks the console).
. /khttpd/vm/lib.sh
B=/khttpd/bridge
registered_again() { [ "$(dmesg | grep -c 'khttpd: daemon pid .* registered')" -gt "$1" ]; }

cat /proc/net/khttpd/stats
$B/nlreg stats
before=$($B/nlreg stats | awk '/^claimed/ { print $2 }')
wget -q -O /tmp/slow.out "http://127.0.0.1:8080/cgi-bin/slow.sh?3" &
nc_pid=$!
check "the slow request was claimed by the daemon" await 5 sh -c \
	"[ \$($B/nlreg stats | awk '/^claimed/ { print \$2 }') -gt $before ]"
check "rmmod while a handed-off connection is live" rmmod khttpd
wait $nc_pid
check "... and its response still arrives from the daemon" grep -q "slow done" /tmp/slow.out

n=$(dmesg | grep -c 'khttpd: daemon pid .* registered')
check "insmod again" insmod "$KO" port=8080 docroot=/srv/www
echo "/cgi-bin/ /app/" > /proc/sys/net/khttpd/dynamic
check "the running daemon registers again (backoff retry)" await 15 registered_again "$n"
check "and serves handed-off requests again" sh -c \
	"wget -q -O - http://127.0.0.1:8080/cgi-bin/env.sh | grep -q '^GATEWAY_INTERFACE=CGI/1.1'"

touch /tmp/stop-supervisor
kill "$(cat /tmp/khttpdd.pid)"
sleep 1
tail -20 /tmp/khttpdd.log
daemon_gone() { [ "$($B/nlreg stats | awk '/^daemon_pid/ { print $2 }')" = 0 ]; }
check "khttpdd's registration is gone" await 10 daemon_gone
. $B/claim.sh
check "rmmod at the end" rmmod khttpd
summary
