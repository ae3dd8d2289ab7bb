#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest checks of the per-CPU thread's loop, with one thread so that every
# connection shares it: a connect flood does not starve a keep-alive client;
# start/stop flapped fast ends in the state written last; a timeout made
# shorter applies to the connections already waiting; a file under a lease
# being broken does not hold up the others.
. /khttpd/vm/lib.sh

WWW=/tmp/thread-www
S=/proc/sys/net/khttpd
mkdir -p "$WWW" && printf 'hello\n' > "$WWW/hello.txt" && chmod 644 "$WWW/hello.txt"

accepts() { [ "$(get /hello.txt)" = 200 ]; }
refuses() { [ -z "$(get /hello.txt)" ]; }
rejects_over() { [ "$(stat_all rejects)" -gt "$1" ]; }

check "insmod with one thread" insmod "$KO" port="$PORT" docroot="$WWW" \
	threads=1 keepalive_timeout=60

# --- a connect flood beside a keep-alive client ---
mkfifo /tmp/ka.in
nc 127.0.0.1 "$PORT" < /tmp/ka.in > /tmp/ka.out &
ka_pid=$!
exec 5> /tmp/ka.in
answers() { [ "$(grep -c '^HTTP/1.1 200' /tmp/ka.out)" -ge "$1" ]; }
ask() { printf 'GET /hello.txt HTTP/1.1\r\nHost: t\r\n\r\n' >&5; }
ask
check "the keep-alive client is answered before the flood" await 5 answers 1
# Above max_connections every child is accepted and closed at once, and
# wrk connects again at once: children keep arriving.
echo 8 > $S/max_connections
rejects=$(stat_all rejects)
wrk -t 3 -c 600 -d 25s "http://127.0.0.1:$PORT/hello.txt" > /tmp/flood.out 2>&1 &
flood_pid=$!
check "the flood is refused over max_connections" \
	await 10 rejects_over $((rejects + 500))
i=2
while [ $i -le 6 ]; do
	ask
	check "keep-alive request $i is answered within 3 s during the flood" \
		await 3 answers $i
	i=$((i + 1))
done
check "the flood was still running" kill -0 "$flood_pid"
kill "$flood_pid" 2>/dev/null
wait "$flood_pid" 2>/dev/null
exec 5>&-
kill "$ka_pid" 2>/dev/null
wait "$ka_pid" 2>/dev/null
echo 4096 > $S/max_connections
check "the flood's connections are all gone" await 10 conns_are 0

# --- start/stop flapping: the last write wins ---
round=1
while [ $round -le 5 ]; do
	i=0
	while [ $i -lt 20 ]; do echo 1 > $S/start; echo 1 > $S/stop; i=$((i + 1)); done
	check "round $round: listening reads 0 after start/stop x20" \
		[ "$(cat $S/listening)" = 0 ]
	check "round $round: ... and the port refuses within 5 s" await 5 refuses
	i=0
	while [ $i -lt 20 ]; do echo 1 > $S/stop; echo 1 > $S/start; i=$((i + 1)); done
	check "round $round: listening reads 1 after stop/start x20" \
		[ "$(cat $S/listening)" = 1 ]
	check "round $round: ... and the port accepts within 5 s" await 5 accepts
	round=$((round + 1))
done

# --- shortening header_timeout reaches a client already waiting ---
echo 3600 > $S/header_timeout
mkfifo /tmp/slow.in
nc 127.0.0.1 "$PORT" < /tmp/slow.in > /tmp/slow.out &
slow_pid=$!
exec 6> /tmp/slow.in
printf 'GET /hello.txt HTTP/1.1\r\nHost: t\r\n' >&6
check "a slow client's half head is pending" await 5 conns_are 1
sleep 2	# a window in which nothing may happen, not a synchronisation
check "no 408 within 2 s while header_timeout is 3600" [ ! -s /tmp/slow.out ]
echo 2 > $S/header_timeout
check "after header_timeout 3600 -> 2 the slow client gets 408 within 6 s" \
	await 6 grep -q '^HTTP/1.1 408' /tmp/slow.out
check "... and its connection is closed" await 5 conns_are 0
exec 6>&-
kill "$slow_pid" 2>/dev/null
wait "$slow_pid" 2>/dev/null
echo 10 > $S/header_timeout

# --- a lease being broken: its open waits on the workqueue, not the thread ---
printf 'leased\n' > "$WWW/leased.txt" && chmod 644 "$WWW/leased.txt"
echo 8 > /proc/sys/fs/lease-break-time
/khttpd/lease-holder "$WWW/leased.txt" > /tmp/lease.out &
lease_pid=$!
check "a local user holds a write lease on leased.txt" \
	await 5 grep -q leased /tmp/lease.out
slow=$(stat_all slow_opens)
printf 'GET /leased.txt HTTP/1.0\r\n\r\n' | timeout 30 nc 127.0.0.1 "$PORT" \
	> /tmp/leased.out &
leased_pid=$!
check "the request for leased.txt starts breaking the lease" \
	await 5 grep -q break /tmp/lease.out
# each answered or failed within 2 s, whatever the server does
quick() {
	[ "$(printf 'GET /hello.txt HTTP/1.0\r\n\r\n' | timeout 2 nc 127.0.0.1 "$PORT" |
		head -1 | cut -d' ' -f2)" = 200 ]
}
i=1
while [ $i -le 5 ]; do
	check "other file, request $i: answered within 2 s while the lease is broken" quick
	i=$((i + 1))
done
check "the leased file's open went to the workqueue" \
	[ "$(stat_all slow_opens)" -gt "$slow" ]
wait "$leased_pid"
check "leased.txt is answered once the break time (8 s) is over" \
	[ "$(head -1 /tmp/leased.out | cut -d' ' -f2)" = 200 ]
check "... intact" [ "$(tail -1 /tmp/leased.out)" = leased ]
kill "$lease_pid" 2>/dev/null
wait "$lease_pid" 2>/dev/null
echo 45 > /proc/sys/fs/lease-break-time
check "no connection is left" await 5 conns_are 0

check "rmmod" rmmod khttpd
summary
