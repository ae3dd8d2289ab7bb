#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the chaos test (tests/vm/run-chaos.sh): khttpd.ko on an
# ext2 RAM disk and khttpdd under a supervisor, then for CHAOS_SECONDS
# tests/vm/chaos_client (keep-alive, close, mid-body RST and flood clients,
# every completed response compared with the file) while, at the same
# time, the caches are dropped in a loop (sends hit read-ins), the daemon
# is killed with -9 and restarted, and the sysctls flap (start/stop,
# timeouts, docroot between two trees identical but for probe.txt,
# dynamic, hosts, max_connections), each change but the timeouts' checked
# by a probe the clients never send. Then the server must still answer
# correctly. The tear-down (chaos-teardown.sh) rmmods under
# load; scripts/vm fails the run on any splat and on kmemleak's report.
. /khttpd/vm/lib.sh
C=/khttpd/vm/chaos
S=/proc/sys/net/khttpd
SECONDS_=${CHAOS_SECONDS:-90}
FILES="empty.txt small.txt page.bin odd.bin big.bin"
echo "$FILES" > /tmp/chaos-files	# for the tear-down

# Two identical docroots on a block file system (tmpfs pages are never
# dropped, so only a real one gives read-ins); on Debian's kernels brd and
# ext4 are modules (run-chaos.sh brings them).
load_kmods || exit 1
mke2fs -q /dev/ram0 > /dev/null || exit 1
mkdir -p /mnt/fs && { mount -t ext2 /dev/ram0 /mnt/fs 2>/dev/null ||
	mount -t ext4 /dev/ram0 /mnt/fs; } || exit 1
mkdir -p /mnt/fs/a && cd /mnt/fs/a || exit 1
: > empty.txt
printf 'small\n' > small.txt
head -c 4096 /dev/urandom > page.bin
head -c 65537 /dev/urandom > odd.bin
head -c 1048579 /dev/urandom > big.bin
chmod 644 $FILES
cd / && cp -a /mnt/fs/a /mnt/fs/b || exit 1
# the probe's file, one per tree: which docroot answered
for t in a b; do echo "tree $t" > /mnt/fs/$t/probe.txt; chmod 644 /mnt/fs/$t/probe.txt; done
mkdir -p /srv/dyn/cgi-bin && cp $C/ok.sh /srv/dyn/cgi-bin/ok.sh &&
	chmod 755 /srv/dyn /srv/dyn/cgi-bin /srv/dyn/cgi-bin/ok.sh || exit 1

check "insmod (max_connections 64, below the flood)" insmod "$KO" \
	port="$PORT" docroot=/mnt/fs/a max_connections=64
echo "/cgi-bin/" > $S/dynamic

(
	while [ ! -e /tmp/stop-supervisor ]; do
		/khttpd/khttpdd -f -c $C/khttpd.conf -r /srv/dyn >> /tmp/khttpdd.log 2>&1 &
		echo $! > /tmp/khttpdd.pid
		wait $!
		sleep 1
	done
) &
echo $! > /tmp/supervisor.pid
handoff_ok() { wget -q -O - "http://127.0.0.1:$PORT/cgi-bin/ok.sh" | grep -q 'chaos handoff ok'; }
check "khttpdd answers a handed-off request" await 30 handoff_ok

# The disturbances: each loop ends when /tmp/chaos-stop appears.
(
	while [ ! -e /tmp/chaos-stop ]; do
		sync; echo 3 > /proc/sys/vm/drop_caches; sleep 0.3
	done
) & drop_pid=$!
# every 7 s, in steps of 1 s that look at the stop flag (on a loaded host
# a step of 0.1 s takes far longer than that)
(
	while [ ! -e /tmp/chaos-stop ]; do
		i=0
		while [ $i -lt 7 ] && [ ! -e /tmp/chaos-stop ]; do sleep 1; i=$((i + 1)); done
		[ -e /tmp/chaos-stop ] || kill -9 "$(cat /tmp/khttpdd.pid)" 2>/dev/null
	done
) & kill_pid=$!

# probe HOST: "STATUS LAST-BODY-LINE" of GET /probe.txt; a connection
# closed unanswered (the flood holds max_connections) is tried again, 50
# times. once HOST: one try, "" if unanswered.
once() {
	r=$(printf 'GET /probe.txt HTTP/1.0\r\nHost: %s\r\n\r\n' "$1" |
		nc -w 5 127.0.0.1 "$PORT" 2>/dev/null | tr -d '\r')
	[ -z "$r" ] || echo "$(echo "$r" | head -1 | cut -d' ' -f2) $(echo "$r" | tail -1)"
}
probe() {
	n=50
	while [ $n -gt 0 ]; do
		r=$(once "$1")
		[ -n "$r" ] && { echo "$r"; return; }
		sleep 0.2; n=$((n - 1))
	done
	echo unanswered
}
# flapped DESCRIPTION COMMAND...: a check of the flapping loop, tallied in
# files (it runs in a subshell)
flapped() {
	d=$1; shift
	if "$@"; then echo "$d" >> /tmp/flap.ok; else echo "$d" >> /tmp/flap.fail; fi
}
is() { r=$(probe "$1"); [ "${r%% *}" = "$2" ] && { [ -z "$3" ] || [ "${r#* }" = "$3" ]; }; }
handed_off() { r=$(probe "$1"); [ "${r%% *}" = 404 ] || [ "${r%% *}" = 503 ]; }
refused() { [ -z "$(once chaos)" ]; }
conns_le() { [ "$(awk '$1 == "connections" { print $2 }' /proc/net/khttpd/status)" -le "$1" ]; }
conns_gt() { ! conns_le "$1"; }
not_listening() { [ "$(cat $S/listening)" = 0 ]; }
: > /tmp/flap.ok; : > /tmp/flap.fail
# The flapping ends 15 s before the clients do, so that every probe runs
# under their load.
flap_end=$(($(date +%s) + SECONDS_ - 15))
(
	i=0 t=a
	while [ ! -e /tmp/chaos-stop ] && [ "$(date +%s)" -lt $flap_end ]; do
		case $((i % 7)) in
		0) echo 1 > $S/stop
		   flapped "stop: listening reads 0" not_listening
		   flapped "stop: connections refused within 5 s" await 5 refused
		   echo 1 > $S/start
		   flapped "start: served again" is chaos 200 "tree $t" ;;
		1) echo 3600 > $S/header_timeout; echo 1 > $S/keepalive_timeout ;;
		2) echo 1 > $S/header_timeout; echo 15 > $S/keepalive_timeout ;;
		3) if [ $t = a ]; then t=b; else t=a; fi
		   echo /mnt/fs/$t > $S/docroot
		   flapped "docroot /mnt/fs/$t: its probe.txt" is chaos 200 "tree $t" ;;
		4) echo "/cgi-bin/ /probe.txt" > $S/dynamic
		   flapped "dynamic + /probe.txt: handed off" handed_off chaos
		   echo "/cgi-bin/" > $S/dynamic
		   flapped "dynamic - /probe.txt: the module's again" is chaos 200 "tree $t" ;;
		5) echo chaos > $S/hosts
		   flapped "hosts chaos: another host is handed off" handed_off elsewhere
		   flapped "hosts chaos: chaos is served" is chaos 200 "tree $t"
		   echo > $S/hosts
		   flapped "hosts empty: any host is served" is elsewhere 200 "tree $t" ;;
		6) echo 16 > $S/max_connections
		   flapped "max_connections 16: at most 16 open within 10 s" await 10 conns_le 16
		   echo 64 > $S/max_connections
		   flapped "max_connections 64: more than 16 open again within 10 s" \
			await 10 conns_gt 16 ;;
		esac
		i=$((i + 1)); sleep 1
	done
) & flap_pid=$!

misses=$(stat_all cache_misses)
/khttpd/chaos_client "$PORT" /mnt/fs/a "$SECONDS_" 1000 $FILES \
	-u /cgi-bin/ok.sh 'chaos handoff ok' > /tmp/chaos.out 2>&1
crc=$?
touch /tmp/chaos-stop
wait $drop_pid $kill_pid $flap_pid
cat /tmp/chaos.out
check "chaos: every completed response byte-correct, none malformed, at least 1000" [ $crc = 0 ]
check "chaos: $(wc -l < /tmp/flap.ok) sysctl changes under load took effect" \
	[ ! -s /tmp/flap.fail ] && [ -s /tmp/flap.ok ]
sort /tmp/flap.fail | uniq -c | sed 's/^/chaos: flap check failed: /'
check "chaos: handed-off requests were answered" \
	grep -qE 'handed-off 200 [1-9]' /tmp/chaos.out
check "chaos: sends hit read-ins ($misses -> $(stat_all cache_misses) cache misses)" \
	[ "$(stat_all cache_misses)" -gt "$misses" ]
regs=$(dmesg | grep -c 'khttpd: daemon pid .* registered')
check "chaos: the daemon was killed and registered again ($regs registrations)" \
	[ "$regs" -ge 3 ]

# Settled: the server answers as configured.
echo 1 > $S/start
echo /mnt/fs/a > $S/docroot
echo 10 > $S/header_timeout
echo /cgi-bin/ > $S/dynamic
echo > $S/hosts
echo 64 > $S/max_connections
want=$(md5sum < /mnt/fs/a/big.bin)
check "afterwards the big file still arrives intact" \
	[ "$(wget -q -O - "http://127.0.0.1:$PORT/big.bin" | md5sum)" = "$want" ]
check "... and the daemon still answers" await 30 handoff_ok
cat /proc/net/khttpd/stats
summary
