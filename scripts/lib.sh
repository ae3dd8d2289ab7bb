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
