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
# ("size:conc ..." cells left out), BENCH_SPREAD_MAX (extra rounds at most
# for a noisy cell, default 3).
#
# Order: rounds are the outer loop and, inside each cell, the servers take
# turns (A B C D, A B C D, ...), so a slow drift of the machine spreads over
# all servers instead of landing on one. In round 1 each server gets an
# unrecorded warm-up run for every file and connection mode (at the first
# concurrency) before its first measurement there. A cell where any
# server's rounds spread by 15 % or more ((max - min) / median) gets more
# rounds, all servers again in turn, up to BENCH_SPREAD_MAX; a cell still
# noisy then is reported so (KBENCH-NOISY). Before the rounds, each server's
# memory: idle, and under 1000 keep-alive connections (KBENCH-MEM).
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
	# cport, not port: sh has no locals, and the caller's loop reads port
	name=$1 cport=$(cell_port "$1" "$2" "$3") size=$3 mode=$4 conc=$5 secs=$6 round=$7
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
		-s "$BENCH_DIR/wrk.lua" "http://127.0.0.1:$cport/$size.bin" \
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
	# the figure the cell is ranked by (bench/report.py's metric()):
	# bytes/s for 100 MiB and for 1000 connections sharing 1 MiB
	set -- $line
	for w; do
		case "$w" in
		requests=*) reqs=${w#*=} ;;
		bytes=*) bytes=${w#*=} ;;
		duration_us=*) us=${w#*=} ;;
		esac
	done
	case "$size:$conc" in 100m:*|1m:1000) v=$bytes ;; *) v=$reqs ;; esac
	echo "$size:$mode:$conc $name $((v * 1000000 / (us > 0 ? us : 1)))" >> "$BENCH_RUN/values"
}

# noisy SIZE MODE CONC - true when a server's rounds there spread by 15 % or
# more (per second, as report.py's spread).
noisy() {
	awk -v cell="$1:$2:$3" '
		$1 == cell { n[$2]++; v[$2, n[$2]] = $3 }
		END {
			for (s in n) {
				k = n[s]
				for (i = 1; i <= k; i++) a[i] = v[s, i]
				for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++)
					if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
				med = k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
				if (med <= 0 || (a[k] - a[1]) / med >= 0.15) exit 0
			}
			exit 1
		}' "$BENCH_RUN/values" 2>/dev/null
}

# mem_probe NAME PORT - memory idle and under 1000 keep-alive connections
# (wrk on the 1 KiB file, sampled in the middle of 2 s); for the module also
# the size of its per-connection state (/proc/net/khttpd/status conn_size).
mem_probe() {
	read -r mem_files < "$BENCH_RUN/$1.mem"
	# shellcheck disable=SC2086
	set -- "$1" "$2" $(sample $mem_files /proc/meminfo)
	idle=$4 slab0=$5
	wrk -t "$BENCH_WRK_THREADS" -c 1000 -d 2s --timeout 30s -s "$BENCH_DIR/wrk.lua" \
		"http://127.0.0.1:$(cell_port "$1" "$2" 1k)/1k.bin" > "$BENCH_RUN/wrk-mem.out" 2>&1 &
	wpid=$!
	sleep 1
	# shellcheck disable=SC2086
	set -- "$1" "$2" $(sample $mem_files /proc/meminfo)
	busy=$4 slab1=$5
	wait "$wpid"
	conn_size=
	[ "$1" = khttpd.ko ] &&
		conn_size=$(awk '$1 == "conn_size" { print $2 }' /proc/net/khttpd/status 2>/dev/null)
	echo "KBENCH-MEM env=$BENCH_ENV server=$1 idle_kb=$idle conns=1000" \
		"busy_kb=$busy slab_delta_kb=$((slab1 - slab0))${conn_size:+ conn_size=$conn_size}"
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

for s in $BENCH_SERVERS; do
	echo "KBENCH-PROGRESS $BENCH_ENV memory ${s%%:*}"
	mem_probe "${s%%:*}" "${s#*:}"
done

started=$(date +%s)
: > "$BENCH_RUN/values"
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
# Noisy cells: more rounds, every server in turn, up to BENCH_SPREAD_MAX.
r=$BENCH_ROUNDS
for size in $BENCH_SIZES; do for mode in $BENCH_MODES; do
	for conc in $BENCH_CONCS; do
		skipped "$size" "$conc" && continue
		extra=0
		while noisy "$size" "$mode" "$conc" && [ $extra -lt "${BENCH_SPREAD_MAX:-3}" ]; do
			extra=$((extra + 1))
			for s in $BENCH_SERVERS; do
				echo "KBENCH-PROGRESS $BENCH_ENV extra round $extra $size $mode c=$conc ${s%%:*}"
				one_run "${s%%:*}" "${s#*:}" "$size" "$mode" "$conc" \
					"$BENCH_DURATION" $((r + extra))
			done
		done
		noisy "$size" "$mode" "$conc" &&
			echo "KBENCH-NOISY env=$BENCH_ENV size=$size mode=$mode conc=$conc extra_rounds=$extra"
	done
done; done
echo "KBENCH-INFO env=$BENCH_ENV measure_seconds=$(($(date +%s) - started))"
