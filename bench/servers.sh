# servers.sh - start, find and stop the benchmarked servers; sourced by
# bench/guest.sh (busybox sh in QEMU) and scripts/bench (bash on the host).
# Needs: BENCH_DIR (this folder), BENCH_RUN (scratch dir), BENCH_DOCROOT,
# BENCH_WORKERS, BENCH_SIZES; KHTTPDD (daemon binary), KHTTPD_KO (module),
# CEILING (bench/ceiling.c, the reference responder) when present.
#
# Every server gets BENCH_WORKERS workers, sendfile and no access log; the
# nginx pair differs only in sendfile on/off so the table can show nginx's
# better configuration in each cell.

# body_bytes PORT PATH - size of the body of a 200 response, else nothing
# (curl on the host; busybox nc in the guest, whose wget lacks what it needs).
body_bytes() {
	if command -v curl >/dev/null 2>&1; then
		curl -sf --max-time 10 "http://127.0.0.1:$1$2" | wc -c
		return
	fi
	printf 'GET %s HTTP/1.0\r\n\r\n' "$2" | nc -w 10 127.0.0.1 "$1" \
		> "$BENCH_RUN/probe" 2>/dev/null
	head -1 "$BENCH_RUN/probe" | grep -q '^HTTP/1\.[01] 200 ' || return 0
	head_len=$(sed -n '1,/^\r$/p' "$BENCH_RUN/probe" | wc -c)
	echo $(($(wc -c < "$BENCH_RUN/probe") - head_len))
}

# fill_template IN OUT PORT SENDFILE
fill_template() {
	sed -e "s|@PORT@|$3|g" -e "s|@DOCROOT@|$BENCH_DOCROOT|g" \
		-e "s|@WORKERS@|$BENCH_WORKERS|g" -e "s|@SENDFILE@|$4|g" \
		-e "s|@RUN@|$BENCH_RUN/$5|g" "$1" > "$2"
}

# server_start NAME PORT - start NAME on 127.0.0.1:PORT, wait until it serves
# /1k.bin correctly; non-zero with a message on stderr otherwise.
server_start() {
	name=$1 port=$2 dir=$BENCH_RUN/$1
	mkdir -p "$dir"
	case "$name" in
	khttpd.ko)
		[ -f "${KHTTPD_KO:-}" ] || { echo "$name: no module" >&2; return 1; }
		insmod "$KHTTPD_KO" port="$port" docroot="$BENCH_DOCROOT" \
			threads="$BENCH_WORKERS" max_connections=16384 \
			keepalive_max=10000000 ||
			{ echo "$name: insmod failed:"; dmesg | tail -5; return 1; } >&2
		;;
	khttpdd)
		[ -x "${KHTTPDD:-}" ] || { echo "$name: no daemon binary" >&2; return 1; }
		"$KHTTPDD" -f -c "$BENCH_DIR/khttpdd.conf" -p "127.0.0.1:$port" \
			-r "$BENCH_DOCROOT" -w "$BENCH_WORKERS" > "$dir/out.log" 2>&1 &
		echo $! > "$dir/pid"
		;;
	ceiling)
		[ -x "${CEILING:-}" ] || { echo "$name: no binary" >&2; return 1; }
		# one port per file, answering with a response of its size
		_args= _i=0
		for _sz in $BENCH_SIZES; do
			_args="$_args $((port + _i)):$(wc -c < "$BENCH_DOCROOT/$_sz.bin")"
			_i=$((_i + 1))
		done
		# shellcheck disable=SC2086
		"$CEILING" "$BENCH_WORKERS" $_args > "$dir/out.log" 2>&1 &
		echo $! > "$dir/pid"
		;;
	nginx-sf-on|nginx-sf-off)
		fill_template "$BENCH_DIR/nginx.conf.in" "$dir/nginx.conf" "$port" \
			"${name#nginx-sf-}" "$name"
		nginx -c "$dir/nginx.conf" -e "$dir/nginx-error.log" \
			> "$dir/out.log" 2>&1 || { cat "$dir/out.log" >&2; return 1; }
		;;
	lighttpd)
		fill_template "$BENCH_DIR/lighttpd.conf.in" "$dir/lighttpd.conf" \
			"$port" on "$name"
		lighttpd -f "$dir/lighttpd.conf" > "$dir/out.log" 2>&1 ||
			{ cat "$dir/out.log" >&2; return 1; }
		;;
	*) echo "unknown server $name" >&2; return 1 ;;
	esac
	# the ceiling's first port answers as large as the first file, 1k
	want=$(wc -c < "$BENCH_DOCROOT/1k.bin")
	n=0
	while [ $n -lt 50 ]; do
		got=$(body_bytes "$port" /1k.bin)
		[ "${got:-0}" -eq "$want" ] && return 0
		sleep 0.2
		n=$((n + 1))
	done
	echo "$name: does not serve /1k.bin ($got of $want bytes) on port $port" >&2
	tail -5 "$dir/out.log" "$dir"/*error.log 2>/dev/null >&2
	return 1
}

# cell_port NAME PORT SIZE - the port NAME serves SIZE on: PORT, but for the
# ceiling PORT + the index of SIZE in BENCH_SIZES.
cell_port() {
	[ "$1" = ceiling ] || { echo "$2"; return; }
	_i=0
	for _sz in $BENCH_SIZES; do
		[ "$_sz" = "$3" ] && break
		_i=$((_i + 1))
	done
	echo $(($2 + _i))
}

# server_root_pid NAME - the pid whose process tree is the server.
server_root_pid() {
	case "$1" in
	nginx-*) cat "$BENCH_RUN/$1/nginx.pid" ;;
	lighttpd) cat "$BENCH_RUN/$1/lighttpd.pid" ;;
	*) cat "$BENCH_RUN/$1/pid" ;;
	esac
}

# server_pids NAME - every pid of NAME: the root process and its descendants,
# or for the module its kernel threads (comm "khttpd*", children of kthreadd).
server_pids() {
	if [ "$1" = khttpd.ko ]; then
		root=2 prefix=khttpd
	else
		root=$(server_root_pid "$1") prefix=
	fi
	for f in /proc/[0-9]*/stat; do cat "$f" 2>/dev/null; echo; done | awk -v root="$root" -v prefix="$prefix" '
		NF {
			pid = $1
			comm = $0; sub(/^[0-9]+ \(/, "", comm); sub(/\) [A-Za-z] .*$/, "", comm)
			rest = $0; sub(/^.*\) /, "", rest); split(rest, f, " ")
			parent[pid] = f[2]; name[pid] = comm
		}
		END {
			if (prefix != "") {
				for (p in parent)
					if (parent[p] == root && index(name[p], prefix) == 1) print p
				exit
			}
			if (!(root in parent)) exit
			print root
			# descendants: repeat until no new pid joins
			in_tree[root] = 1
			do {
				grew = 0
				for (p in parent)
					if (!(p in in_tree) && (parent[p] in in_tree)) {
						in_tree[p] = 1; grew = 1; print p
					}
			} while (grew)
		}'
}

# server_stop NAME
server_stop() {
	case "$1" in
	khttpd.ko) rmmod khttpd ;;
	*)
		pid=$(server_root_pid "$1" 2>/dev/null) || return 0
		kill "$pid" 2>/dev/null || return 0
		n=0
		while kill -0 "$pid" 2>/dev/null && [ $n -lt 50 ]; do
			sleep 0.1; n=$((n + 1))
		done
		;;
	esac
}
