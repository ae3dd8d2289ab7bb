#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest tear-down of the chaos test: rmmod while chaos_client's threads
# still run (what they had completed must still be correct), then the
# daemon stops. scripts/vm then has kmemleak scan and judges the console.
. /khttpd/vm/lib.sh
FILES=$(cat /tmp/chaos-files)

/khttpd/chaos_client "$PORT" /mnt/fs/a 15 0 $FILES > /tmp/rmmod-load.out 2>&1 &
load_pid=$!
check "the load has connections open" await 10 conns_at_least 11
check "rmmod under the chaos load" rmmod khttpd
check "the module is gone" sh -c '! grep -q "^khttpd " /proc/modules'
wait $load_pid
lrc=$?
cat /tmp/rmmod-load.out
check "responses completed before rmmod were byte-correct" [ $lrc = 0 ]
touch /tmp/stop-supervisor
kill "$(cat /tmp/khttpdd.pid)"
check "khttpdd stops" await 10 sh -c '! kill -0 "$(cat /tmp/khttpdd.pid)" 2>/dev/null'
umount /mnt/fs
summary
