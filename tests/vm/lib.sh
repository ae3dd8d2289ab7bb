# SPDX-License-Identifier: GPL-2.0
# Helpers for the guest-side scripts (busybox sh): settings from
# /khttpd/env, checks with a tally, raw HTTP with nc.

PORT=8080 DOCROOT=/srv/www HEADER_TIMEOUT=10 KEEPALIVE_TIMEOUT=15
# shellcheck disable=SC1091
[ -f /khttpd/env ] && . /khttpd/env
KO=/lib/khttpd/khttpd.ko
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "ok - $*"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $*"; }
# check DESCRIPTION COMMAND...: the command must succeed
check() { d=$1; shift; if "$@"; then ok "$d"; else not_ok "$d"; fi; }

# await SECONDS COMMAND...: poll until the command succeeds; fail past the
# deadline
await() {
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}

# http REQUEST-TEXT: send it (printf escapes) and print the raw answer;
# the server must close (use HTTP/1.0 or Connection: close).
http() { printf "$1" | nc -w 5 127.0.0.1 "$PORT"; }
# status REQUEST-TEXT: the status code of the first response
status() { http "$1" | head -1 | cut -d' ' -f2; }
get() { status "GET $1 HTTP/1.0\r\n\r\n"; }

# load_kmods: the block-device modules tests/vm/blockdev-kmods put in
# /khttpd/kmods/ (none for what the kernel has built in), brd with two
# 64 MiB RAM disks.
load_kmods() {
	for m in crc32c_generic crc16 mbcache jbd2 ext4 brd dm-mod dm-delay; do
		[ -f /khttpd/kmods/$m.ko ] || continue
		[ "$m" = brd ] && set -- rd_nr=2 rd_size=65536 || set --
		insmod /khttpd/kmods/$m.ko "$@" || { echo "insmod $m failed"; return 1; }
	done
}

# A dmesg line written since the mark, for insmod diagnostics.
dmesg_mark() { dmesg -c > /dev/null; }
dmesg_has() { dmesg | grep -q "$1"; }

# stat_all COLUMN: the total of a /proc/net/khttpd/stats column (nothing
# when there is no such column, rather than the whole line)
stat_all() {
	awk -v f="$1" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		$1 == "all" && (f in c) { print $c[f] }' /proc/net/khttpd/stats
}

# conns: how many connections the module has open now; conns_are N and
# conns_at_least N: that as a condition for await (evaluated each poll)
conns() { awk '$1 == "connections" { print $2 }' /proc/net/khttpd/status; }
conns_are() { [ "$(conns)" = "$1" ]; }
conns_at_least() { [ "$(conns)" -ge "$1" ]; }
# stat_over COLUMN N: the stats column's total is above N now
stat_over() { [ "$(stat_all "$1")" -gt "$2" ]; }

summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
