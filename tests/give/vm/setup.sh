#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the GIVE tests (tests/give/vm-run): khttpd.ko on a docroot
# with a 1 KiB and a 4 MiB file of random bytes, /cgi-bin/ routed to
# userspace, then givetest, which registers as the daemon and runs every
# case; the module's stats must show what went through kTLS.
. /khttpd/vm/lib.sh
G=/khttpd/give

check "kernel TLS present (tls.ko)" [ -e /proc/net/tls_stat ]
mkdir -p /srv/www
head -c 1024 /dev/urandom > /srv/www/1k.bin
head -c $((4 << 20)) /dev/urandom > /srv/www/big.bin
chmod 755 /srv/www && chmod 644 /srv/www/*
check "insmod" insmod "$KO" port=8080 docroot=/srv/www
echo "/cgi-bin/" > /proc/sys/net/khttpd/dynamic
$G/givetest run /srv/www 2>&1
cat /proc/net/khttpd/stats
check "stats: given connections counted" stat_over given 10
check "stats: kTLS connections counted" stat_over tls_conns 8
# 3 ciphers x (1 KiB + 4 MiB) at least went out through kTLS
check "stats: kTLS bytes counted" stat_over tls_sent $((3 * (4 << 20)))
check "every given connection is closed again" await 10 conns_are 0
cat /proc/net/tls_stat
