#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest: page-cache misses on a real block filesystem. An ext2 file system
# on a RAM disk (brd) holds the docroot; dropping the caches makes every
# page a miss, which the module must read in on its workqueue without
# blocking its threads, and still send correct bytes zero-copy; every
# lookup a cold one, which the workqueue must do too; and read-ins must
# survive clients that reset in the middle (an SMP guest: two CPUs).
# Needs the ext4 and brd modules in /khttpd/kmods/ (run-pagecache.sh).
. /khttpd/vm/lib.sh

# the ones a kernel has built in are not there
for m in crc32c_generic crc16 mbcache jbd2 ext4 brd; do
	[ -f /khttpd/kmods/$m.ko ] || continue
	[ "$m" = brd ] && set -- rd_nr=1 rd_size=65536 || set --
	insmod /khttpd/kmods/$m.ko "$@" || { echo "insmod $m failed"; exit 1; }
done
mke2fs -q /dev/ram0 > /dev/null || exit 1
# Debian's ext4 driver mounts ext2; the debug kernel has ext2 itself.
mkdir -p /mnt/www && { mount -t ext4 /dev/ram0 /mnt/www 2>/dev/null ||
	mount -t ext2 /dev/ram0 /mnt/www; } || exit 1
awk 'BEGIN { for (i = 0; i < 8388608 / 16; i++) printf "%015x\n", i * 16 }' \
	> /mnt/www/big.txt
printf 'small\n' > /mnt/www/small.txt
chmod 644 /mnt/www/big.txt /mnt/www/small.txt
want=$(md5sum < /mnt/www/big.txt)

check "insmod on an ext2 docroot" insmod "$KO" port="$PORT" docroot=/mnt/www
fetch() { wget -q -O - "http://127.0.0.1:$PORT/big.txt" | md5sum; }

sync
echo 3 > /proc/sys/vm/drop_caches
misses=$(stat_all cache_misses)
check "8 MiB from a cold cache arrive intact" [ "$(fetch)" = "$want" ]
m=$(stat_all cache_misses)
check "the cold fetch went through read-ins ($misses -> $m)" [ "$m" -gt "$misses" ]

zc=$(stat_all sent_zerocopy)
check "8 MiB from a warm cache arrive intact" [ "$(fetch)" = "$want" ]
check "... with no new miss" [ "$(stat_all cache_misses)" = "$m" ]
check "... zero-copy" [ "$(stat_all sent_zerocopy)" -ge $((zc + 8388608)) ]

# Misses for several clients at once, while small requests keep going:
# a thread must not stall on a miss.
echo 3 > /proc/sys/vm/drop_caches
for i in 1 2 3 4; do fetch > /tmp/fetch.$i & done
slow=0
for i in 1 2 3 4 5; do
	[ "$(get /small.txt)" = 200 ] || slow=1
done
wait
for i in 1 2 3 4; do
	check "concurrent cold fetch $i intact" [ "$(cat /tmp/fetch.$i)" = "$want" ]
done
check "small requests answered during the read-ins" [ $slow = 0 ]

# A lookup beyond the dcache (the dentries dropped too) would wait for the
# disk: the thread leaves it to the workqueue.
slow=$(stat_all slow_opens)
sync
echo 3 > /proc/sys/vm/drop_caches
check "a file looked up from a cold dcache answers 200" [ "$(get /small.txt)" = 200 ]
check "... its lookup went to the workqueue" [ "$(stat_all slow_opens)" -gt "$slow" ]

# Read-ins racing client resets (issue 13 item 1): caches dropped in a
# loop, clients that reset in the middle of a response (head closes the
# pipe, nc dies with bytes unread: an RST), complete fetches beside them.
# The race needs a read-in ending just as the thread closes its
# connection; this makes that frequent on an SMP guest but cannot force
# it. It passes with no kernel complaint (scripts/vm), every complete fetch
# intact and no connection left behind. RESET_SECONDS (15) long: the chaos
# test runs the same race for longer on the debug kernel.
touch /tmp/dropping
( while [ -e /tmp/dropping ]; do echo 3 > /proc/sys/vm/drop_caches; sleep 0.05; done ) &
drop_pid=$!
reset_after() {
	printf 'GET /big.txt HTTP/1.1\r\nHost: t\r\n\r\n' |
		timeout 30 nc 127.0.0.1 "$PORT" 2> /dev/null | head -c "$1" > /dev/null
}
misses=$(stat_all cache_misses)
bad=0 rounds=0 end=$(($(date +%s) + ${RESET_SECONDS:-15}))
while [ "$(date +%s)" -lt $end ]; do
	pids=
	for n in 1000 30000 70000 300000 1000000 3000000; do
		reset_after $n &
		pids="$pids $!"
	done
	[ "$(fetch)" = "$want" ] || bad=$((bad + 1))
	# shellcheck disable=SC2086
	wait $pids
	rounds=$((rounds + 1))
done
rm /tmp/dropping
wait "$drop_pid"
check "$rounds rounds of resets and cold read-ins: every complete fetch intact" [ $bad = 0 ]
check "... through read-ins" [ "$(stat_all cache_misses)" -gt "$misses" ]
check "... and no connection is left" await 10 conns_are 0
cat /proc/net/khttpd/stats
check "rmmod" rmmod khttpd
umount /mnt/www
summary
