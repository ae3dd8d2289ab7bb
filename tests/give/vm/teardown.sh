#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest tear-down of the GIVE tests: rmmod while given kTLS connections are
# live (idle, half a request, mid-body), each of their clients sees its end; no
# kernel complaint allowed (scripts/vm checks the console).
. /khttpd/vm/lib.sh
G=/khttpd/give

rm -f /tmp/held
$G/givetest hold 8 /tmp/held > /tmp/hold.out 2>&1 &
hold_pid=$!
check "8 kTLS connections given and held" await 20 test -e /tmp/held
check "... the module has them" await 10 conns_are 8
check "rmmod with given kTLS connections live" rmmod khttpd
wait $hold_pid
check "... and their clients saw them end" [ $? -eq 0 ]
cat /tmp/hold.out
summary
