#!/bin/sh
# guest.sh - the benchmark inside the QEMU guest (scripts/vm --setup): build
# the docroot in tmpfs, start every server that is present on its own port,
# run bench/measure.sh on loopback and print KBENCH lines on the console for
# scripts/bench to parse; finally the module's own counters.
set -u
. /khttpd/bench.env
export BENCH_DIR=/khttpd/bench BENCH_RUN=/tmp/bench BENCH_DOCROOT=/srv/www
export BENCH_ENV=guest KHTTPD_KO=/lib/khttpd/khttpd.ko KHTTPDD=/usr/sbin/khttpdd
export CEILING=/usr/sbin/khttpd-ceiling
export BENCH_SIZES BENCH_MODES BENCH_CONCS BENCH_SKIP BENCH_ROUNDS BENCH_DURATION \
	BENCH_WARMUP BENCH_WRK_THREADS BENCH_WORKERS
. "$BENCH_DIR/servers.sh"
mkdir -p "$BENCH_RUN"
sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
"$BENCH_DIR/mkdocroot.sh" "$BENCH_DOCROOT" || exit 1
echo "KBENCH-INFO env=guest kernel=$(uname -r) cpus=$(nproc)" \
	"mem_total_kb=$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" \
	"slab_idle_kb=$(awk '$1 == "Slab:" { print $2 }' /proc/meminfo)"
started=
for s in $BENCH_GUEST_SERVERS; do
	name=${s%%:*} port=${s#*:}
	if err=$(server_start "$name" "$port" 2>&1); then
		started="$started $s"
	else
		echo "KBENCH-SKIP env=guest server=$name $(echo "$err" | tr '\n' ' ')"
	fi
done
[ "$started" ] || { echo "KBENCH-ERROR guest: no server started"; exit 1; }
BENCH_SERVERS=$started sh "$BENCH_DIR/measure.sh"
for f in /proc/net/khttpd/*; do
	[ -f "$f" ] && sed "s|^|KBENCH-KSTAT ${f##*/}: |" "$f"
done
exit 0
