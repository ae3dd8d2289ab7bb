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

load_kmods || exit 1
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
[ "${DM:-0}" = 1 ] || { check "rmmod" rmmod khttpd; umount /mnt/www; summary; exit; }

# --- read-ins from a disk that is slow or fails (device-mapper over
# /dev/ram1: linear to write the files, then delay, then error), files
# truncated or replaced while they are sent, rmmod with a read-in queued ---
D=/khttpd/dmsetup S=/proc/sys/net/khttpd
export DM_DISABLE_UDEV=1
sectors=$(cat /sys/block/ram1/size)
# disk TABLE: the device's table from now on (bios the delay holds are
# sent on at once; the file system is not frozen, whose superblock write
# would fail on the error table)
disk() { $D suspend --nolockfs d && $D load d --table "0 $sectors $1" && $D resume d; }
check "a device-mapper disk over /dev/ram1" \
	$D create d --noudevsync --table "0 $sectors linear /dev/ram1 0"
mke2fs -q /dev/mapper/d > /dev/null || exit 1
mkdir -p /mnt/dm && { mount -t ext4 /dev/mapper/d /mnt/dm 2>/dev/null ||
	mount -t ext2 /dev/mapper/d /mnt/dm; } || exit 1
for f in reset trunc repl eio rmmod; do
	head -c 2097152 /mnt/www/big.txt > /mnt/dm/$f.txt
done
cp /mnt/www/big.txt /mnt/dm/stall.txt
cp /mnt/dm/trunc.txt /tmp/orig.txt
chmod 644 /mnt/dm/*.txt
echo /mnt/dm > $S/docroot
conns_are() { [ "$(awk '$1 == "connections" { print $2 }' /proc/net/khttpd/status)" = "$1" ]; }
misses_over() { [ "$(stat_all cache_misses)" -gt "$1" ]; }
# every read takes 3 s, writes none
cold_and_slow() { sync; echo 3 > /proc/sys/vm/drop_caches; disk "delay /dev/ram1 0 3000 /dev/ram1 0 0"; }

# A client that stops reading while its response waits 3 s for a read-in,
# longer than send_timeout: the timeout is off meanwhile, so only the one
# armed again afterwards can reclaim the connection. The disk is fast
# again after the first read-in, so the rest of the 8 MiB quickly fills
# what the sockets hold and the send stalls.
echo 2 > $S/send_timeout
cold_and_slow
to=$(stat_all timeouts) m=$(stat_all cache_misses)
/khttpd/slow-client "$PORT" /stall.txt 0 60 reset > /dev/null 2> /tmp/stall.err &
sc=$!
check "a stalled client's response waits on a slow read-in" await 10 misses_over "$m"
sleep 3	# the read-in's length: a window in which the timeout is off
check "... its connection outlives send_timeout (2 s) while the read-in runs" \
	conns_are 1
disk "linear /dev/ram1 0"
check "... and is reclaimed by send_timeout within 30 s once the send stalls" \
	await 30 conns_are 0
check "... as a timeout" [ "$(stat_all timeouts)" -gt "$to" ]
kill $sc; wait $sc
echo 30 > $S/send_timeout

# A client that resets while its read-in is queued.
cold_and_slow
m=$(stat_all cache_misses)
/khttpd/slow-client "$PORT" /reset.txt 0 1 reset > /dev/null 2> /tmp/reset.err &
sc=$!
check "a client resets during a 3 s read-in" await 10 misses_over "$m"
wait $sc
check "... its connection is gone once the read-in ends" await 20 conns_are 0
disk "linear /dev/ram1 0"

# Truncated while sent: the client pauses after 64 KiB; meanwhile the file
# is cut to 1 MiB (a page boundary: no page in flight is zeroed). The
# client gets a short body, a prefix of the file, and a close.
/khttpd/slow-client "$PORT" /trunc.txt 65536 3 rest > /tmp/trunc.body 2> /tmp/trunc.err &
sc=$!
check "a client reads the first 64 KiB of trunc.txt" \
	await 10 sh -c '[ "$(wc -c < /tmp/trunc.body)" -ge 65536 ]'
dd if=/dev/null of=/mnt/dm/trunc.txt bs=1 seek=1048576 2> /dev/null
wait $sc
cat /tmp/trunc.err
got=$(wc -c < /tmp/trunc.body)
check "truncated while sent: a 200 of 2 MiB announced, a shorter body ($got bytes)" \
	grep -q '^status 200 length 2097152 got' /tmp/trunc.err
check "... short" [ "$got" -lt 2097152 ]
check "... and every byte of it the file's" \
	sh -c "head -c $got /tmp/orig.txt | cmp -s - /tmp/trunc.body"
# Replaced while sent: the old file is still open, so it arrives whole.
/khttpd/slow-client "$PORT" /repl.txt 65536 3 rest > /tmp/repl.body 2> /tmp/repl.err &
sc=$!
check "a client reads the first 64 KiB of repl.txt" \
	await 10 sh -c '[ "$(wc -c < /tmp/repl.body)" -ge 65536 ]'
head -c 100000 /dev/urandom > /mnt/dm/new.txt && mv /mnt/dm/new.txt /mnt/dm/repl.txt
wait $sc
check "replaced while sent: the old file arrives whole, nothing of the new" \
	cmp -s /tmp/orig.txt /tmp/repl.body
check "... and the next request gets the new one" \
	sh -c "wget -q -O - http://127.0.0.1:$PORT/repl.txt | cmp -s - /mnt/dm/repl.txt"
check "no connection is left" await 10 conns_are 0

# A read-in that fails: the inode stays cached (only the page cache is
# dropped), every read of the disk fails.
cat /mnt/dm/eio.txt > /dev/null
sync; echo 1 > /proc/sys/vm/drop_caches
disk error
/khttpd/slow-client "$PORT" /eio.txt 0 0 rest > /tmp/eio.body 2> /tmp/eio.err
cat /tmp/eio.err
check "a read-in I/O error: the announced 200 is cut short and closed" \
	sh -c "grep -q '^status 200 length 2097152 got' /tmp/eio.err && [ \$(wc -c < /tmp/eio.body) -lt 2097152 ]"
check "... no connection is left" await 10 conns_are 0
disk "linear /dev/ram1 0"
echo /mnt/www > $S/docroot
check "... and the server still serves (small.txt from /mnt/www)" [ "$(get /small.txt)" = 200 ]

# rmmod while a read-in waits on the slow disk.
echo /mnt/dm > $S/docroot
cold_and_slow
m=$(stat_all cache_misses)
/khttpd/slow-client "$PORT" /rmmod.txt 0 0 rest > /tmp/rmmod.body 2> /tmp/rmmod.err &
sc=$!
check "a read-in is queued on the slow disk" await 10 misses_over "$m"
cat /proc/net/khttpd/stats
t0=$(date +%s)
check "rmmod with the read-in queued" rmmod khttpd
echo "rmmod took $(($(date +%s) - t0)) s"
check "the module is gone" sh -c '! grep -q "^khttpd " /proc/modules'
wait $sc
cat /tmp/rmmod.err
check "... and the client was closed" grep -q '^status' /tmp/rmmod.err
disk "linear /dev/ram1 0"
umount /mnt/dm
$D remove d
umount /mnt/www
summary
