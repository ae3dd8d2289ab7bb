#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the bridge tests: khttpd.ko on port 8080 routing /cgi-bin/
# and /app/ to userspace, our FastCGI app, khttpdd under a supervisor that
# restarts it 3 s after it dies (the host kills it with -9), then the
# registration rules checked with nlreg, the module's counters in the
# daemon's metrics; last, a stopped daemon (SIGSTOP):
# its handoffs expire, the watchdog drops it, nlreg stands in for a daemon
# that lets a claim expire, that stops beating with a client pending, and
# that declines, and after SIGCONT khttpdd registers again.
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
# the module's own counters reach the metrics through STATS, never /proc:
# as of a heartbeat, the totals /proc/net/khttpd/stats shows (the scrape
# goes to the daemon's own port, so it moves none of them)
check "a static file served by the module" [ "$(get /index.html)" = 200 ]
scrape() {
	wget -q -O - http://127.0.0.1:8081/metrics | awk -v k="$1" '$1 == k { print $2 }'
}
metrics_are_procs() {
	[ "$(stat_all 2xx)" -gt 0 ] &&
	[ "$(scrape 'khttpd_module_responses_total{class="2xx"}')" = "$(stat_all 2xx)" ] &&
	[ "$(scrape 'khttpd_module_sent_bytes_total{path="zerocopy"}')" = "$(stat_all sent_zerocopy)" ] &&
	[ "$(scrape khttpd_module_requests_total)" = "$(stat_all requests)" ] &&
	[ "$(scrape khttpd_bridge_registered)" = 1 ]
}
check "metrics: the module's 2xx, zero-copy bytes and requests, as /proc counts them" \
	await 20 metrics_are_procs
wget -q -O - http://127.0.0.1:8081/metrics | grep '^khttpd_module'

# --- a stopped daemon, handoff expiry, the watchdog, a declined handoff ---
nls() { $B/nlreg stats | awk -v k="$1" '$1 == k { print $2 }'; }
cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }	# centiseconds
# ask NAME: GET /cgi-bin/env.sh, the raw answer in /tmp/answer.NAME, what
# it took (cs) in $took
ask() {
	t0=$(cs)
	http "GET /cgi-bin/env.sh HTTP/1.0\r\n\r\n" > /tmp/answer.$1
	took=$(($(cs) - t0))
}
answered() { head -1 /tmp/answer.$1 | grep -q "^HTTP/1.1 $2 "; }
retry_after() { answered "$1" 503 && grep -qi '^Retry-After:' /tmp/answer.$1; }
dropped() { dmesg | grep -q "daemon pid $1 (port [0-9]*) missed its heartbeats: dropped"; }
regs() { dmesg | grep -c "khttpd: daemon pid $1 registered"; }
# serve NAME ARGS...: nlreg serve in the background, its output in
# /tmp/NAME.out, its pid in $serve_pid, once it is registered
serve() {
	n=$1; shift
	$B/nlreg serve "$@" > /tmp/$n.out 2>&1 &
	serve_pid=$!
	await 10 grep -q '^ready' /tmp/$n.out
}

pid=$(cat /tmp/khttpdd.pid)
regs0=$(regs "$pid")
kill -STOP "$pid"
ask stopped
check "khttpdd stopped: a pending client gets 503 and Retry-After ($took cs)" \
	retry_after stopped
check "... within the claim timeout (2 s) or the watchdog's (3 s), plus 1.5 s" \
	[ $took -le 450 ]
check "the watchdog drops the stopped daemon" await 10 dropped "$pid"
ask nodaemon
check "no daemon: 503 and Retry-After from the module ($took cs)" retry_after nodaemon
check "... at once" [ $took -le 250 ]

expired=$(nls expired)
check "nlreg registers as a daemon that never claims (claim timeout 1 s)" \
	serve expiry --claim-timeout 1000 --hold 5
ask expiry
check "an unclaimed handoff expires into 503 and Retry-After ($took cs)" \
	retry_after expiry
check "... no sooner than the claim timeout" [ $took -ge 90 ]
check "... while nlreg is still registered (the expiry, not the watchdog)" \
	[ "$(nls daemon_pid)" = $serve_pid ]
check "... counted as expired" [ "$(nls expired)" -gt "$expired" ]
wait $serve_pid

check "nlreg registers, claim timeout 20 s, and never beats" \
	serve watchdog --claim-timeout 20000 --hold 10
ask watchdog
check "the watchdog answers its pending client with 503 ($took cs)" \
	retry_after watchdog
check "... well before the claim timeout (20 s)" [ $took -lt 800 ]
check "... having dropped nlreg" dropped $serve_pid
wait $serve_pid
check "... which then restored the claim timeout" \
	sh -c "! grep -q 'could not restore' /tmp/watchdog.out"

declined=$(nls declined)
check "nlreg registers to decline with 502" \
	serve decline --claim-timeout 20000 --decline 502 --hold 20
ask declined
wait $serve_pid
check "a declined handoff: the client gets the daemon's 502 ($took cs)" \
	answered declined 502
check "... at once, not at the claim timeout" [ $took -lt 500 ]
check "... counted as declined" [ "$(nls declined)" -gt "$declined" ]
check "a decline with status 200 is refused by the policy" \
	serve decline200 --claim-timeout 1000 --decline 200 --hold 20
ask decline200
wait $serve_pid
cat /tmp/decline200.out
check "... (nlreg told so) and the client gets the expiry's 503" \
	sh -c "grep -q '^refused: ' /tmp/decline200.out && grep -qi '^Retry-After:' /tmp/answer.decline200"

# CONFIG's bounds (include/uapi/linux/khttpd.h), above the 32767 that
# NLA_POLICY_RANGE can hold
out=$($B/nlreg serve --claim-timeout 60001 --hold 0)
check "CONFIG: a claim timeout above 60 s is refused ($out)" \
	sh -c "echo '$out' | grep -q 'refused: Numerical result out of range'"
out=$($B/nlreg serve --claim-timeout 60000 --hold 0)
check "CONFIG: 60 s is taken ($out)" sh -c "echo '$out' | grep -q '^ready'"

kill -CONT "$pid"
regs_over() { [ "$(regs "$pid")" -gt "$regs0" ]; }
check "after SIGCONT khttpdd registers again" await 20 regs_over
check "... and serves handed-off requests again" sh -c \
	"wget -q -O - http://127.0.0.1:8080/cgi-bin/env.sh | grep -q '^GATEWAY_INTERFACE=CGI/1.1'"
cat /tmp/khttpdd.log
summary
