#!/bin/sh
# guest-profile.sh - where the time goes (scripts/bench --profile): in the
# QEMU guest, for each cell in BENCH_PROFILE_CELLS ("size:mode:conc ..."),
# load every server in BENCH_PROFILE_SERVERS one after the other with wrk
# while `perf record -a` samples the whole guest (cpu-clock: TCG has no
# hardware counters), and print the hottest symbols and the guest's CPU
# split (/proc/stat) as KBENCH-PROFILE lines.
set -u
. /khttpd/bench.env
export BENCH_DIR=/khttpd/bench BENCH_RUN=/tmp/bench BENCH_DOCROOT=/srv/www
export KHTTPD_KO=/lib/khttpd/khttpd.ko KHTTPDD=/usr/sbin/khttpdd BENCH_WORKERS
. "$BENCH_DIR/servers.sh"
mkdir -p "$BENCH_RUN"
ulimit -n 65536
sysctl -qw net.ipv4.ip_local_port_range="1024 65535"
sysctl -qw kernel.kptr_restrict=0 kernel.perf_event_paranoid=-1
"$BENCH_DIR/mkdocroot.sh" "$BENCH_DOCROOT" || exit 1
port=8080
for name in $BENCH_PROFILE_SERVERS; do
	server_start "$name" $port || exit 1
	port=$((port + 1))
done

cpu_split() { awk '$1 == "cpu" { print $2 + $3, $4, $5, $6, $7, $8 }' /proc/stat; }

for cell in $BENCH_PROFILE_CELLS; do
	size=${cell%%:*} rest=${cell#*:}
	mode=${rest%%:*} conc=${rest#*:}
	close=0
	[ "$mode" = close ] && close=1
	port=8080
	for name in $BENCH_PROFILE_SERVERS; do
		tag="KBENCH-PROFILE $name $size $mode c=$conc:"
		BENCH_CLOSE=$close wrk -t 2 -c "$conc" -d 6s -s "$BENCH_DIR/wrk.lua" \
			"http://127.0.0.1:$port/$size.bin" > "$BENCH_RUN/wrk.out" 2>&1 &
		wpid=$!
		sleep 1
		before=$(cpu_split)
		perf record -q -a -F 499 -e cpu-clock -o "$BENCH_RUN/perf.data" -- sleep 4 \
			> /dev/null 2>&1
		after=$(cpu_split)
		wait "$wpid"
		echo "$tag $(grep '^WRK' "$BENCH_RUN/wrk.out")"
		echo "$before $after" | awk -v tag="$tag" '{
			n = split("user system idle iowait irq softirq", name, " ")
			for (i = 1; i <= n; i++) { d[i] = $(i + n) - $i; t += d[i] }
			line = tag " cpu"
			for (i = 1; i <= n; i++) line = line sprintf(" %s %.0f%%", name[i], 100 * d[i] / t)
			print line
		}'
		perf report -i "$BENCH_RUN/perf.data" --stdio --no-children \
			--sort comm,dso,sym --percent-limit 1.5 2>/dev/null |
			grep -v '^#' | grep -v '^$' | head -30 | sed "s|^|$tag |"
		port=$((port + 1))
	done
done
for f in /proc/net/khttpd/*; do
	[ -f "$f" ] && sed "s|^|KBENCH-KSTAT ${f##*/}: |" "$f"
done
exit 0
