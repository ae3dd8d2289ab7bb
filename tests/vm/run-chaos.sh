#!/usr/bin/env bash
# Host: the chaos test (tests/vm/chaos.sh) in QEMU, by default on the debug
# kernel with 2 CPUs: builds the guest client and the daemon, boots with
# them (and, on Debian's kernels, the brd and ext4 modules its RAM-disk
# docroot needs: tests/vm/blockdev-kmods), and lets scripts/vm judge the console (any splat, kmemleak's
# report after the rmmod). About 2 minutes of chaos, bounded. Last line:
# the tally.
# Usage: tests/vm/run-chaos.sh [debug|6.12|6.1] [khttpd.ko]
#        CHAOS_SECONDS (default 90) sets how long the clients run;
#        KHTTPD_MODULES=DIR: the default module is DIR/<series>/khttpd.ko.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
series=${1:-debug} ko=${2:-${KHTTPD_MODULES:-$TOP/build}/$series/khttpd.ko}
[ -f "$ko" ] || "$TOP/scripts/build-modules" "$series" > /dev/null
mkdir -p "$TOP/build"
gcc -O2 -Wall -Wextra -Werror -pthread -o "$TOP/build/chaos_client" \
	"$TOP/tests/vm/chaos_client.c"
make -s -C "$TOP/userspace" > /dev/null
env_file=$(mktemp) kmods=$(mktemp -d); trap 'rm -rf "$env_file" "$kmods"' EXIT
"$TOP/tests/vm/blockdev-kmods" "$series" "$kmods"
echo "CHAOS_SECONDS=${CHAOS_SECONDS:-90}" > "$env_file"
log=$TOP/build/vm-$series-chaos.log
rc=0
"$TOP/scripts/vm" --kernel "$series" --smp 2 --module "$ko" \
	--add "$env_file:/khttpd/env" --add "$TOP/tests/vm:/khttpd/vm" \
	--add "$kmods:/khttpd/kmods" \
	--add "$TOP/build/chaos_client:/khttpd/chaos_client" \
	--add "$TOP/userspace/build/khttpdd:/khttpd/khttpdd" \
	--setup "$TOP/tests/vm/chaos.sh" --teardown "$TOP/tests/vm/chaos-teardown.sh" \
	--log "$log" --timeout 600 || rc=$?
# The guest's checks, its clients' counts, and one tally for make check (a
# failed run counts once more, for what the console showed).
grep -aE '^(not )?ok - |^chaos: ' "$log" || true
pass=$(grep -ac '^ok - ' "$log" || true) fail=$(grep -ac '^not ok - ' "$log" || true)
[ $rc -eq 0 ] || { echo "not ok - chaos: scripts/vm failed (rc=$rc)"; fail=$((fail + 1)); }
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
