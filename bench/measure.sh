#!/bin/sh
# measure.sh - run the benchmark matrix against servers that are already
# running; print one KBENCH line per measurement (parsed by bench/report.py)
# and a KBENCH-PROGRESS line before each. POSIX sh with busybox applets: the
# same code measures in the QEMU guest and on the host.
#
# Environment: BENCH_DIR, BENCH_RUN, BENCH_DOCROOT, BENCH_ENV (guest|host),
# BENCH_SERVERS ("name:port ..."), BENCH_SIZES ("1k 64k 1m 100m"),
# BENCH_MODES ("ka close"), BENCH_CONCS ("1 64 1000"), BENCH_ROUNDS,
# BENCH_DURATION and BENCH_WARMUP (seconds), BENCH_WRK_THREADS, BENCH_SKIP
# ("size:conc ..." cells left out).
#
# Order: rounds are the outer loop and, inside each cell, the servers take
# turns (A B C D, A B C D, ...), so a slow drift of the machine spreads over
# all servers instead of landing on one. In round 1 each server gets an
# unrecorded warm-up run for every file and connection mode (at the first
# concurrency) before its first measurement there.
set -u
. "$BENCH_DIR/servers.sh"
ulimit -n 65536 2>/dev/null || ulimit -n 4096 2>/dev/null || true

# sample FILE... - one awk over /proc files (a fork per file or figure
# costs milliseconds under software emulation): the summed utime + stime
# ticks of the stat files, the summed VmRSS of the status files, the module's
# size from /proc/modules, and the Slab figure of /proc/meminfo.
sample() {
	awk '
		FILENAME ~ /\/stat$/ { sub(/^.*\) /, ""); ticks += $12 + $13; next }
		$1 == "VmRSS:" { kb += $2 }
		$1 == "khttpd" && FILENAME == "/proc/modules" { kb += int($2 / 1024) }
		$1 == "Slab:" { slab = $2 }
		END { print ticks + 0, kb + 0, slab + 0 }' "$@"
}

# one_run NAME PORT SIZE MODE CONC SECONDS ROUND - one wrk run; ROUND 0 is a
# warm-up and prints nothing.
one_run() {
	name=$1 port=$(cell_port "$1" "$2" "$3") size=$3 mode=$4 conc=$5 secs=$6 round=$7
	threads=$BENCH_WRK_THREADS
	half=$((secs / 2)).$((secs % 2 * 5))
	[ "$conc" -lt "$threads" ] && threads=$conc
	close=0
	[ "$mode" = close ] && close=1
	read -r stat_files < "$BENCH_RUN/$name.stat"
	read -r mem_files < "$BENCH_RUN/$name.mem"
	# shellcheck disable=SC2086
	set -- $(sample $stat_files /proc/meminfo)
	cpu0=$1 slab0=$3
	BENCH_CLOSE=$close wrk -t "$threads" -c "$conc" -d "${secs}s" --timeout 30s \
		-s "$BENCH_DIR/wrk.lua" "http://127.0.0.1:$port/$size.bin" \
		> "$BENCH_RUN/wrk.out" 2>&1 &
	wpid=$!
	# Memory is sampled in the middle of the run, under load.
	sleep "$half"
	# shellcheck disable=SC2086
	set -- $(sample $mem_files /proc/meminfo)
	mem=$2 slab1=$3
	wait "$wpid"
	# shellcheck disable=SC2086
	set -- $(sample $stat_files)
	cpu1=$1
	[ "$round" -eq 0 ] && return 0
	line=
	while read -r l; do
		case "$l" in WRK\ *) line=$l ;; esac
	done < "$BENCH_RUN/wrk.out"
	if [ -z "$line" ]; then
		echo "KBENCH-ERROR $name $size $mode c=$conc: wrk: $(tr '\n' ' ' < "$BENCH_RUN/wrk.out")"
		return 1
	fi
	echo "KBENCH env=$BENCH_ENV server=$name size=$size mode=$mode conc=$conc" \
		"round=$round ${line#WRK } cpu_ticks=$((cpu1 - cpu0))" \
		"mem_kb=$mem slab_delta_kb=$((slab1 - slab0))"
}

# The processes of each server, found once (they do not change while it
# serves: nginx and lighttpd pre-fork, khttpdd and the module keep threads).
for s in $BENCH_SERVERS; do
	name=${s%%:*}
	stat= mem=
	for p in $(server_pids "$name"); do
		stat="$stat /proc/$p/stat" mem="$mem /proc/$p/status"
	done
	[ -n "$stat" ] || echo "KBENCH-ERROR $name: no processes found"
	[ "$name" = khttpd.ko ] && mem=/proc/modules
	echo "$stat" > "$BENCH_RUN/$name.stat"
	echo "$mem" > "$BENCH_RUN/$name.mem"
done

skipped() {
	case " ${BENCH_SKIP:-} " in *" $1:$2 "*) return 0 ;; esac
	return 1
}

started=$(date +%s)
total=0
for size in $BENCH_SIZES; do for mode in $BENCH_MODES; do
	for conc in $BENCH_CONCS; do
		skipped "$size" "$conc" && continue
		for s in $BENCH_SERVERS; do total=$((total + 1)); done
	done
done; done
total=$((total * BENCH_ROUNDS))
first_conc=${BENCH_CONCS%% *}
n=0
for r in $(seq 1 "$BENCH_ROUNDS"); do
	for size in $BENCH_SIZES; do for mode in $BENCH_MODES; do
		for conc in $BENCH_CONCS; do
			skipped "$size" "$conc" && continue
			for s in $BENCH_SERVERS; do
				n=$((n + 1))
				name=${s%%:*} port=${s#*:}
				echo "KBENCH-PROGRESS $n/$total $BENCH_ENV round $r/$BENCH_ROUNDS" \
					"$size $mode c=$conc $name"
				[ "$r" -eq 1 ] && [ "$conc" = "$first_conc" ] &&
					one_run "$name" "$port" "$size" "$mode" \
						"$conc" "$BENCH_WARMUP" 0
				one_run "$name" "$port" "$size" "$mode" "$conc" \
					"$BENCH_DURATION" "$r"
			done
		done
	done; done
done
echo "KBENCH-INFO env=$BENCH_ENV measure_seconds=$(($(date +%s) - started))"
