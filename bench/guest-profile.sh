#!/bin/sh
# guest-profile.sh - where the time goes (scripts/bench --profile): in the
# QEMU guest, for each cell in BENCH_PROFILE_CELLS ("size:mode:conc ..."),
# load every server in BENCH_PROFILE_SERVERS one after the other with wrk
# for 6 s and, over 4 s in the middle, print as KBENCH-PROFILE lines: the
# guest's CPU split (/proc/stat), the CPU ticks of wrk and of the server, and
# the hottest non-idle symbols from `perf record -a -e cpu-clock` (TCG has
# no hardware counters; under TCG most samples land in the idle loop, so the
# count of non-idle samples is printed too).
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
# ticks PIDS - utime + stime of those processes (the same clock as /proc/stat).
ticks() {
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; echo; done |
		awk 'NF { sub(/^.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}

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
		pids=$(server_pids "$name")
		# shellcheck disable=SC2086
		before="$(cpu_split) $(ticks $wpid) $(ticks $pids)"
		perf record -q -a -F 499 -e cpu-clock -o "$BENCH_RUN/perf.data" -- sleep 4 \
			> /dev/null 2>&1
		# shellcheck disable=SC2086
		after="$(cpu_split) $(ticks $wpid) $(ticks $pids)"
		wait "$wpid"
		echo "$tag $(grep '^WRK' "$BENCH_RUN/wrk.out")"
		echo "$before $after" | awk -v tag="$tag" '{
			n = split("user system idle iowait irq softirq wrk server", name, " ")
			for (i = 1; i <= n; i++) d[i] = $(i + n) - $i
			for (i = 1; i <= 6; i++) t += d[i]
			line = tag " guest CPU"
			for (i = 1; i <= n; i++) line = line sprintf(" %s %.0f%%", name[i], 100 * d[i] / t)
			print line
		}'
		perf script -i "$BENCH_RUN/perf.data" -F comm,sym 2>/dev/null | awk -v tag="$tag" '
			{ all++ }
			$1 == "swapper" { next }
			{ busy++; comm = $1; sub(/\/[0-9]+$/, "", comm); hot[comm " " $2]++ }
			END {
				printf "%s perf: %d samples, %d not idle; hottest of those:\n", tag, all, busy
				fflush()
				by_share = "sort -k6,6 -rn"
				for (k in hot)
					if (hot[k] * 50 >= busy)
						printf "%s %5.1f%% %s\n", tag, 100 * hot[k] / busy, k | by_share
				close(by_share)
			}'
		port=$((port + 1))
	done
done
for f in /proc/net/khttpd/*; do
	[ -f "$f" ] && sed "s|^|KBENCH-KSTAT ${f##*/}: |" "$f"
done
exit 0
