#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest checks of the module's configuration: every bad parameter fails
# insmod with a dmesg line naming it; a good load creates the sysctls and
# proc files; sysctl writes are validated and take effect; start/stop;
# a clean rmmod.
. /khttpd/vm/lib.sh

WWW=/tmp/params-www
mkdir -p "$WWW/dir" && printf 'hello\n' > "$WWW/hello.txt"
printf 'php\n' > "$WWW/page.php"
printf 'index\n' > "$WWW/dir/index.html"
chmod 644 "$WWW/hello.txt" "$WWW/page.php" "$WWW/dir/index.html"

# bad PARAMS... EXPECTED-DMESG: insmod must fail and say why
bad() {
	want=$1; shift
	dmesg_mark
	if insmod "$KO" docroot="$WWW" "$@" 2>/dev/null; then
		rmmod khttpd; not_ok "insmod $* must fail"; return
	fi
	if dmesg_has "$want"; then ok "insmod $* fails: $want"
	else not_ok "insmod $* fails without '$want' in dmesg"; dmesg | tail -3
	fi
}
bad "port=0 is out of range" port=0
bad "port=70000 is out of range" port=70000
bad "threads=99 is out of range" threads=99
bad "threads=-1 is out of range" threads=-1
bad "max_connections=0 is out of range" max_connections=0
bad "keepalive_timeout=0 is out of range" keepalive_timeout=0
bad "header_timeout=100000 is out of range" header_timeout=100000
bad "keepalive_max=0 is out of range" keepalive_max=0
bad "perm_forbid=9999 is out of range" perm_forbid=9999
bad "head_max=10 is out of range" head_max=10
bad "is not a directory" docroot=/nonexistent
bad "is not a directory" docroot=/tmp/params-www/hello.txt
bad "is not an absolute path" docroot=relative/dir
bad "each rule is" dynamic=cgi-bin
bad "each rule is" dynamic=+w
bad "is not a list of host names" hosts=a/b
bad "fsuid=0 is out of range" fsuid=0
bad "fsgid=0 is out of range" fsgid=0
bad "fsuid=4294967295 is out of range" fsuid=4294967295
bad "invalid for parameter" fsgid=nobody
# port in use: a busybox nc listener holds it
nc -l -p 8099 > /dev/null 2>&1 &
nc_pid=$!
sleep 1
bad "cannot listen on port 8099" port=8099
kill $nc_pid 2>/dev/null

check "insmod with good parameters" insmod "$KO" port="$PORT" docroot="$WWW" \
	keepalive_timeout=7 threads=1
check "the parameter is live in sysctl" \
	[ "$(cat /proc/sys/net/khttpd/keepalive_timeout)" = 7 ]
check "one thread: one stats line and a total" \
	[ "$(wc -l < /proc/net/khttpd/stats)" = 3 ]
for s in docroot dynamic hosts max_connections keepalive_timeout \
	header_timeout send_timeout keepalive_max perm_required perm_forbid \
	line_max head_max listening start stop; do
	check "sysctl $s exists" [ -e /proc/sys/net/khttpd/$s ]
done
check "GET /hello.txt is 200" [ "$(get /hello.txt)" = 200 ]
check "GET /dir is 301" [ "$(get /dir)" = 301 ]
check "served over IPv6 too" sh -c "wget -q -O - http://[::1]:$PORT/hello.txt | grep -q hello"
check "GET /dir/ is 200" [ "$(get /dir/)" = 200 ]
check "GET /page.php is 200 (no dynamic rule)" [ "$(get /page.php)" = 200 ]

# Files are opened as nobody: what nobody may not read is not served,
# whatever the file's own mode says.
mkdir -p "$WWW/private" && chmod 700 "$WWW/private"
printf 'secret\n' > "$WWW/private/secret.txt" && chmod 644 "$WWW/private/secret.txt"
check "a 0644 file in a 0700 root directory is 403" \
	[ "$(get /private/secret.txt)" = 403 ]
chmod 711 "$WWW/private"
check "... and 200 once nobody may search the directory" \
	[ "$(get /private/secret.txt)" = 200 ]
rm -rf "$WWW/private"

# bad sysctl writes are refused and change nothing
wr() { echo "$2" > /proc/sys/net/khttpd/$1 2>/dev/null; }
check "keepalive_timeout=0 is refused" sh -c "! echo 0 > /proc/sys/net/khttpd/keepalive_timeout"
check "... and keepalive_timeout is still 7" \
	[ "$(cat /proc/sys/net/khttpd/keepalive_timeout)" = 7 ]
check "docroot=/nonexistent is refused" sh -c "! echo /nonexistent > /proc/sys/net/khttpd/docroot"
check "... and docroot is unchanged" [ "$(cat /proc/sys/net/khttpd/docroot)" = "$WWW" ]
check "dynamic=bad is refused" sh -c "! echo bad > /proc/sys/net/khttpd/dynamic"
# Over-long strings are refused, not cut short: cut, this list would lose
# its last rule and serve PHP source as a static file.
long="$(for i in $(seq 42); do printf '/dir%02d ' "$i"; done)*.php"
dmesg_mark
check "a dynamic list of ${#long} bytes is refused" \
	sh -c "! echo '$long' > /proc/sys/net/khttpd/dynamic"
check "... with a dmesg line" dmesg_has "dynamic refused: longer than 255 bytes"
check "... and dynamic is unchanged" [ -z "$(cat /proc/sys/net/khttpd/dynamic)" ]
long="$(for i in $(seq 20); do printf 'host%02d.example ' "$i"; done)"
check "a hosts list of ${#long} bytes is refused" \
	sh -c "! echo '$long' > /proc/sys/net/khttpd/hosts"
check "... and hosts is unchanged" [ -z "$(cat /proc/sys/net/khttpd/hosts)" ]

# good writes take effect
check "dynamic='*.php /cgi-bin/' is accepted" wr dynamic '*.php /cgi-bin/'
check "a *.php request goes to the handoff state: 503" [ "$(get /page.php)" = 503 ]
has_retry_after() { http 'GET /page.php HTTP/1.0\r\n\r\n' | grep -q '^Retry-After:'; }
check "... with Retry-After" has_retry_after
printf '#!/bin/sh\n' > "$WWW/run.cgi" && chmod 755 "$WWW/run.cgi"
check "an executable file is 403 without a +x rule" [ "$(get /run.cgi)" = 403 ]
check "dynamic='*.php +x' is accepted" wr dynamic '*.php +x'
check "an executable file goes to the handoff state with +x: 503" \
	[ "$(get /run.cgi)" = 503 ]
check "a plain file is still served with +x" [ "$(get /hello.txt)" = 200 ]
check "a POST goes to the handoff state: 503" \
	[ "$(status 'POST /hello.txt HTTP/1.0\r\nContent-Length: 2\r\n\r\nab')" = 503 ]
check "hosts=example.org is accepted" wr hosts example.org
check "an unknown vhost goes to the handoff state: 503" \
	[ "$(status 'GET /hello.txt HTTP/1.1\r\nHost: other.test\r\nConnection: close\r\n\r\n')" = 503 ]
check "the listed vhost is served: 200" \
	[ "$(status 'GET /hello.txt HTTP/1.1\r\nHost: Example.ORG:8080\r\nConnection: close\r\n\r\n')" = 200 ]
wr hosts ''
check "perm_required=32 (S_IRGRP) is accepted" wr perm_required 32
chmod 604 "$WWW/hello.txt"
check "a file without the required bit is 403" [ "$(get /hello.txt)" = 403 ]
wr perm_required 4
mkdir -p /tmp/www2 && printf 'two\n' > /tmp/www2/two.txt && chmod 644 /tmp/www2/two.txt
check "docroot=/tmp/www2 is accepted" wr docroot /tmp/www2
check "the new docroot is served" [ "$(get /two.txt)" = 200 ]
check "the old one is not" [ "$(get /hello.txt)" = 404 ]
handoffs=$(stat_all handoffs)
check "handoffs are counted ($handoffs)" [ "${handoffs:-0}" -ge 3 ]

# max_connections: two idle clients fill it, a third is refused
wr max_connections 2
(sleep 4 | nc 127.0.0.1 "$PORT" > /dev/null 2>&1) &
(sleep 4 | nc 127.0.0.1 "$PORT" > /dev/null 2>&1) &
sleep 1
rejects=$(stat_all rejects)
check "a third connection over max_connections=2 gets no answer" \
	[ -z "$(get /two.txt)" ]
check "... and is counted as a reject" [ "$(stat_all rejects)" -gt "$rejects" ]
wait
wr max_connections 4096
check "served again below max_connections" [ "$(get /two.txt)" = 200 ]

# a client that stops reading: its response stalls; send_timeout closes it
wr send_timeout 2
truncate -s 64M /tmp/www2/big.bin && chmod 644 /tmp/www2/big.bin
timeouts=$(stat_all timeouts)
(printf 'GET /big.bin HTTP/1.0\r\n\r\n' | nc 127.0.0.1 "$PORT" | sleep 8) &
check "a stalled response times out after send_timeout" \
	await 7 stat_over timeouts "$timeouts"
check "... and its connection is closed" await 5 conns_are 0
wait
wr send_timeout 30

# stop and start
check "stop" wr stop 1
sleep 1
check "listening reads 0 after stop" [ "$(cat /proc/sys/net/khttpd/listening)" = 0 ]
check "no answer while stopped" [ -z "$(get /two.txt)" ]
check "start" wr start 1
sleep 1
check "served again after start" [ "$(get /two.txt)" = 200 ]

check "rmmod" rmmod khttpd
check "the sysctls are gone" [ ! -e /proc/sys/net/khttpd ]
summary
