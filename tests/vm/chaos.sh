#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the chaos test (tests/vm/run-chaos.sh): khttpd.ko on an
# ext2 RAM disk and khttpdd under a supervisor, then for CHAOS_SECONDS
# tests/vm/chaos_client (keep-alive, close, mid-body RST and flood clients,
# every completed response compared with the file) while, at the same
# time, the caches are dropped in a loop (sends hit read-ins), the daemon
# is killed with -9 and restarted, and the sysctls flap (start/stop,
# timeouts, docroot between two identical trees). Then the server must
# still answer correctly. The tear-down (chaos-teardown.sh) rmmods under
# load; scripts/vm fails the run on any splat and on kmemleak's report.
. /khttpd/vm/lib.sh
C=/khttpd/vm/chaos
S=/proc/sys/net/khttpd
SECONDS_=${CHAOS_SECONDS:-90}
FILES="empty.txt small.txt page.bin odd.bin big.bin"
echo "$FILES" > /tmp/chaos-files	# for the tear-down

# Two identical docroots on a block file system (tmpfs pages are never
# dropped, so only a real one gives read-ins).
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
(
	while [ ! -e /tmp/chaos-stop ]; do
		sleep 7; kill -9 "$(cat /tmp/khttpdd.pid)" 2>/dev/null
	done
) & kill_pid=$!
(
	i=0
	while [ ! -e /tmp/chaos-stop ]; do
		case $((i % 4)) in
		0) echo 1 > $S/stop; echo 1 > $S/start ;;
		1) echo 3600 > $S/header_timeout; echo 1 > $S/keepalive_timeout ;;
		2) echo 1 > $S/header_timeout; echo 15 > $S/keepalive_timeout ;;
		3) if [ $((i % 8)) = 3 ]; then d=/mnt/fs/b; else d=/mnt/fs/a; fi
		   echo $d > $S/docroot ;;
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
want=$(md5sum < /mnt/fs/a/big.bin)
check "afterwards the big file still arrives intact" \
	[ "$(wget -q -O - "http://127.0.0.1:$PORT/big.bin" | md5sum)" = "$want" ]
check "... and the daemon still answers" await 30 handoff_ok
cat /proc/net/khttpd/stats
summary
