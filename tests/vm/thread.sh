#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest checks of the per-CPU thread's loop, with one thread so that every
# connection shares it: a connect flood does not starve a keep-alive client,
# and a ready request is answered after one budget of a full backlog;
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

# --- the accept budget: a full backlog does not hold up a ready request ---
# The thread's CPU is taken by a SCHED_FIFO hog while flooders on the other
# CPUs fill the listener's backlog with (reset) children and the probe's
# keep-alive request arrives. When the CPU comes back the thread must
# answer that request after a budget of accepts, while children are still
# queued: without the budget it took them all first.
# (A flood alone never outruns the accept loop under QEMU: connect costs
# the guest far more than accept and release. On 6.12 the fair server
# still gives the thread 5% of its CPU during the hog; it changes nothing
# here.)
listen_backlog() {
	awk -v p=":$(printf '%04X' "$PORT")" '$2 ~ p "$" && $4 == "0A" {
		split($5, q, ":"); print q[2] }' /proc/net/tcp6 /proc/net/tcp |
	{ read -r hex && printf '%d\n' "0x$hex"; }
}
backlog_over() { [ "$(listen_backlog)" -gt "$1" ]; }
echo 8 > $S/max_connections
rt=$(cat /proc/sys/kernel/sched_rt_runtime_us)
echo -1 > /proc/sys/kernel/sched_rt_runtime_us
mkfifo /tmp/probe.in
# SCHED_FIFO: it reads the backlog the moment its answer is in
taskset -c 1 chrt -f 60 /khttpd/keepalive-probe "$PORT" /hello.txt \
	< /tmp/probe.in > /tmp/probe.out &
probe_pid=$!
exec 6> /tmp/probe.in
check "the probe's keep-alive connection is answered" await 5 grep -q ready /tmp/probe.out
timeout 20 taskset -c 0 chrt -f 50 sh -c 'while :; do :; done' &
hog_pid=$!
flooders=
for cpu in 1 2 3; do
	taskset -c $cpu /khttpd/connect-flood "$PORT" 15 > /tmp/flood.$cpu &
	flooders="$flooders $!"
done
check "the flood fills the backlog while the thread's CPU is taken" \
	await 15 backlog_over 1024
kill $flooders
wait $flooders
a0=$(stat_all accepted)
backlog=$(listen_backlog)
echo go >&6
await 10 grep -q '^sent' /tmp/probe.out
check "the thread's CPU was still taken when the request went out" kill -0 $hog_pid
kill $hog_pid
wait $hog_pid
check "the probe was answered" await 10 grep -q '^accepted' /tmp/probe.out
a1=$(awk '/^accepted/ { print $2 }' /tmp/probe.out)
left=$(awk '/^backlog/ { print $2 }' /tmp/probe.out)
cat /tmp/flood.1 /tmp/flood.2 /tmp/flood.3
check "a ready request is answered before a backlog of $backlog is drained ($((a1 - a0)) accepted first, $left left)" \
	[ "$backlog" -gt 512 -a "$left" -gt 0 ]
exec 6>&-
wait $probe_pid
echo "$rt" > /proc/sys/kernel/sched_rt_runtime_us
echo 4096 > $S/max_connections

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
