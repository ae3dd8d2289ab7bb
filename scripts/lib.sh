# shellcheck shell=bash
# Bounded waits for the scripts: nothing in scripts/ waits on a process
# without a deadline, and a deadline that passes stops what it waited for.

# wait_for_exit PID SECONDS: wait for a child of this shell to exit; its exit
# status, or 124 if it is still running when SECONDS have passed. (bash reaps
# its children as they exit, so kill -0 fails once a child is gone.)
wait_for_exit() {
	local pid=$1 end=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -lt "$end" ] || return 124
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
}

# terminate PID [GRACE]: SIGTERM, up to GRACE seconds (default 5), then
# SIGKILL; the child is reaped either way. Status 0 if it went on TERM, 1 if
# it had to be killed.
terminate() {
	local pid=$1 grace=${2:-5}
	kill -TERM "$pid" 2>/dev/null
	wait_for_exit "$pid" "$grace"
	[ $? -eq 124 ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait_for_exit "$pid" 10
	return 1
}

# What a kernel prints when something went wrong: any line matching fails a
# QEMU run. Besides oopses and warnings: KASAN, KFENCE ("BUG: KFENCE"),
# UBSAN, lockdep (its reports are WARNINGs; it also says when it stopped
# checking), debug objects (ODEBUG), list debugging, refcount saturation and
# kmemleak's reports.
KERNEL_SPLAT='BUG:|WARNING:|Oops|general protection|Call Trace|refcount_t|list_add corruption|list_del corruption|KASAN|UBSAN|Kernel panic|ODEBUG|turning off the locking correctness validator|INFO: trying to register non-static key|suspected memory leak|unreferenced object'

# stage NAME BUDGET-SECONDS COMMAND...: run one suite of scripts/check or
# scripts/coverage with a time budget, its output in $LOGS/NAME.log. It
# leaves "PASSED FAILED EXIT SECONDS" in $LOGS/NAME.result; the totals are
# summed from those at the end, so stages may run in lanes.
stage() { # NAME BUDGET-SECONDS COMMAND...
	local name=$1 budget=$(($2 * ${KHTTPD_CHECK_BUDGET_SCALE:-1})) start=$SECONDS rc p f line
	shift 2
	echo "=== $name: $* (budget $budget s)"
	# timeout signals its whole process group: QEMU, daemons and clients too.
	timeout --kill-after=30 "$budget" "$@" > "$LOGS/$name.log" 2>&1 < /dev/null
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "stage $name exceeded its budget of $budget s and was stopped" >> "$LOGS/$name.log"
	fi
	# A suite's last tally line is its total (earlier ones are its parts).
	line=$(grep -aE '^([A-Za-z0-9_.-]+: )?[0-9]+ passed, [0-9]+ failed' "$LOGS/$name.log" | tail -1)
	p=0 f=0
	if [ -n "$line" ]; then
		p=$(sed -E 's/.*\b([0-9]+) passed.*/\1/' <<<"$line")
		f=$(sed -E 's/.*\b([0-9]+) failed.*/\1/' <<<"$line")
	fi
	if [ $((p + f)) -eq 0 ]; then
		if [ $rc -eq 0 ]; then p=1; else f=1; fi
	elif [ $rc -ne 0 ] && [ $f -eq 0 ]; then
		f=1
	fi
	echo "$p $f $rc $((SECONDS - start))" > "$LOGS/$name.result"
	[ $rc -eq 0 ] || { echo "--- $name FAILED:"; tail -40 "$LOGS/$name.log"; }
	echo "--- $name: $p passed, $f failed, exit $rc, $((SECONDS - start)) s (log: ${LOGS#"$TOP"/}/$name.log)"
}

# tally LOG EXIT-STATUS: add a suite's last "N passed, N failed" line to
# total_p and total_f (the caller's running totals). No such line, or a
# non-zero exit with no failure counted, counts as one failure.
tally() { # log file, exit status
	local line p f
	line=$(grep -aE '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -1)
	p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
	[ -n "$line" ] || { p=0; f=1; }
	[ "$2" -eq 0 ] || [ "$f" -gt 0 ] || f=1
	total_p=$((total_p + p)) total_f=$((total_f + f))
}
