#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest checks of what a file open can cost the module (issue 13 review):
# a file the kernel cannot read with read_iter is refused before its 200;
# slow opens (a lease being broken) are capped, the ones past the cap
# answered 503 at once and counted; and a head's deadline runs on while
# its file is opened on the workqueue.
. /khttpd/vm/lib.sh

WWW=/tmp/slowopen-www
S=/proc/sys/net/khttpd
CAP=64		# KHTTPD_SLOWOPEN_MAX
OVER=6
mkdir -p "$WWW/proc"
printf 'leased\n' > "$WWW/leased.txt" && chmod 644 "$WWW/leased.txt"

check "insmod" insmod "$KO" port="$PORT" docroot="$WWW" header_timeout=120

# --- ->read only: procfs's PCI config space, mounted beneath the docroot ---
mount -t proc proc "$WWW/proc"
pci=$(cd "$WWW" && for f in proc/bus/pci/00/*; do echo "$f"; break; done)
readable() { [ -s "$WWW/$pci" ] && [ "$(stat -c %a "$WWW/$pci")" = 644 ]; }
check "a PCI config space file ($pci) is world-readable and not empty" readable
refused=$(stat_all refused_paths)
check "it is refused (403), not promised in a 200 it cannot send" \
	[ "$(get "/$pci")" = 403 ]
check "... counted in refused_paths" stat_over refused_paths "$refused"
check "a procfs file with read_iter (size 0) is still served" \
	[ "$(get /proc/version)" = 200 ]
umount "$WWW/proc"

# --- the cap: a lease held, more slow opens than the cap at once ---
# The break would take a minute: the 64 in flight wait for it until the
# holder goes away, however slow the guest is to start the clients.
lease() {
	: > /tmp/lease.out	# "leased" of an earlier holder says nothing
	/khttpd/lease-holder "$WWW/leased.txt" > /tmp/lease.out &
	lease_pid=$!
	check "a local user holds a write lease on leased.txt" \
		await 5 grep -q leased /tmp/lease.out
}
unlease() { kill "$lease_pid" 2>/dev/null; wait "$lease_pid" 2>/dev/null; }
echo 60 > /proc/sys/fs/lease-break-time
lease
# (none: a module without the column, which the check below then fails)
refused=$(stat_all slow_opens_refused)
refused=${refused:-0}
i=1 clients=
while [ $i -le $((CAP + OVER)) ]; do
	printf 'GET /leased.txt HTTP/1.0\r\n\r\n' | timeout 120 nc 127.0.0.1 "$PORT" \
		> /tmp/so.$i &
	clients="$clients $!"
	i=$((i + 1))
done
answered() { cat /tmp/so.* | grep -c "^HTTP/1.1 $1"; }
answered_at_least() { [ "$(answered "$1")" -ge "$2" ]; }
check "$OVER requests past the cap of $CAP are answered 503 during the break" \
	await 30 answered_at_least 503 $OVER
check "... and only they: none is 200 yet" [ "$(answered 200)" = 0 ]
check "... counted in slow_opens_refused" \
	[ "$(stat_all slow_opens_refused)" = $((refused + OVER)) ]
# The holder closes its file: the lease is gone, the opens go on.
unlease
# shellcheck disable=SC2086
wait $clients
all_answered() { [ "$(answered 200)" = $CAP ] && [ "$(answered 503)" = $OVER ]; }
check "the $CAP in flight are 200 once the lease is gone" all_answered
rm -f /tmp/so.*

# --- the head's deadline runs on during the open ---
echo 8 > /proc/sys/fs/lease-break-time
echo 3 > $S/header_timeout
lease
printf 'GET /leased.txt HTTP/1.0\r\n\r\n' | timeout 30 nc 127.0.0.1 "$PORT" \
	> /tmp/late.out
check "an open that outlives header_timeout (3 s) ends in its 408" \
	[ "$(head -1 /tmp/late.out | cut -d' ' -f2)" = 408 ]
check "... an open that waited for the lease's break" grep -q break /tmp/lease.out
unlease
check "a file not leased is served with the short timeout" \
	[ "$(get /leased.txt)" = 200 ]
echo 45 > /proc/sys/fs/lease-break-time
check "no connection is left" await 5 conns_are 0

check "rmmod" rmmod khttpd
summary
