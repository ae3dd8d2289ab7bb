#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the bridge tests: khttpd.ko on port 8080 routing /cgi-bin/
# and /app/ to userspace, our FastCGI app, khttpdd under a supervisor that
# restarts it 3 s after it dies (the host kills it with -9), then the
# registration rules checked with nlreg.
. /khttpd/vm/lib.sh
B=/khttpd/bridge

daemon_registered() { dmesg | grep -q "khttpd: daemon pid $(cat /tmp/khttpdd.pid 2>/dev/null) registered"; }

mkdir -p /srv && cp -a $B/www /srv/www || exit 1
check "insmod" insmod "$KO" port=8080 docroot=/srv/www
# the routing rules, effective at once (busybox insmod cannot quote spaces)
echo "/cgi-bin/ /app/" > /proc/sys/net/khttpd/dynamic
check "dynamic rules set through the sysctl" \
	[ "$(cat /proc/sys/net/khttpd/dynamic)" = "/cgi-bin/ /app/" ]
check "static answered by the kernel before any daemon" [ "$(get /index.html)" = 200 ]
r=$(http "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n")
check "no daemon: 503 with Retry-After" sh -c \
	"echo '$r' | head -1 | grep -q ' 503 ' && echo '$r' | grep -qi '^Retry-After:'"

$B/fcgi_app unix:/tmp/app.sock > /tmp/app.log 2>&1 &
# khttpdd connects as its User (nobody), like php-fpm's listen.mode 0666.
check "the FastCGI app listens" await 15 test -S /tmp/app.sock
chmod 666 /tmp/app.sock
# the supervisor: restart khttpdd 3 s after it exits
(
	while [ ! -e /tmp/stop-supervisor ]; do
		/khttpd/khttpdd -f -c $B/khttpd.conf -r /srv/www >> /tmp/khttpdd.log 2>&1 &
		echo $! > /tmp/khttpdd.pid
		wait $!
		echo "supervisor: khttpdd exited $?" >> /tmp/khttpdd.log
		sleep 3
	done
) &
echo $! > /tmp/supervisor.pid
check "khttpdd registered with the module" await 15 daemon_registered
dmesg | grep "khttpd: daemon" | tail -2
cat /tmp/khttpdd.log

# wget, not nc: nc half-closes after its input, which the gateway takes
# for a client gone (Documentation/bridge.md)
check "a CGI request through the bridge" sh -c \
	"wget -q -O - http://127.0.0.1:8080/cgi-bin/env.sh | grep -q '^GATEWAY_INTERFACE=CGI/1.1'"
check "FastCGI through the bridge" sh -c \
	"wget -q -O - --post-data hello http://127.0.0.1:8080/app/echo | grep -qx hello"

echo "/cgi-bin/ /app/ +x" > /proc/sys/net/khttpd/dynamic
check "+x: an executable file is handed to the daemon" sh -c \
	"wget -q -O - http://127.0.0.1:8080/tools/hello.cgi | grep -qx 'hello from an executable file'"
echo "/cgi-bin/ /app/" > /proc/sys/net/khttpd/dynamic
check "without +x the module refuses it itself (403)" [ "$(get /tools/hello.cgi)" = 403 ]

out=$($B/nlreg register)
check "a second registration is refused while khttpdd holds it ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Device or resource busy'"
out=$($B/nlreg register --as-nobody)
check "a process without CAP_NET_ADMIN cannot register ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Operation not permitted'"
dmesg_mark
out=$($B/nlreg stats --as-nobody)
check "a process without CAP_NET_ADMIN cannot read STATS (the daemon's pid) ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Operation not permitted'"
out=$($B/nlreg bad-version)
check "an unknown message version is refused ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Protocol error'"
check "... with a clear log line" dmesg_has "netlink message version 99 from pid .* refused"
out=$($B/nlreg bad-attr)
check "an attribute outside the policy is refused ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Invalid argument'"
out=$($B/nlreg claim 1)
check "only the registered daemon may claim ($out)" \
	sh -c "echo '$out' | grep -q 'refused'"
$B/nlreg stats
check "the module counted a claimed handoff" sh -c \
	"[ \$($B/nlreg stats | awk '/^claimed/ { print \$2 }') -ge 2 ]"
# what khttpctl bridge reports: the module's counters as of a heartbeat
ctl_bridge_ok() {
	/khttpd/khttpctl -s /tmp/khttpdd.sock bridge > /tmp/bridge.txt &&
	grep -q '^registered yes$' /tmp/bridge.txt &&
	grep -q '^error -$' /tmp/bridge.txt &&
	grep -qE '^module_version [1-9][0-9]*$' /tmp/bridge.txt &&
	grep -qE '^claimed ([2-9]|[1-9][0-9]+)$' /tmp/bridge.txt &&
	grep -qE '^heartbeat_age [0-9]+$' /tmp/bridge.txt
}
check "khttpctl bridge: registered, module version, claims, a heartbeat" \
	await 20 ctl_bridge_ok
cat /tmp/bridge.txt
cat /tmp/khttpdd.log
summary
