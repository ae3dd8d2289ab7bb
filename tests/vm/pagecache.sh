#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest: page-cache misses on a real block filesystem. An ext2 file system
# on a RAM disk (brd) holds the docroot; dropping the caches makes every
# page a miss, which the module must read in on its workqueue without
# blocking its threads, and still send correct bytes zero-copy.
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
cat /proc/net/khttpd/stats
check "rmmod" rmmod khttpd
umount /mnt/www
summary
