#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest tear-down of the proxy handoff test: stop the daemons, rmmod.
. /khttpd/vm/lib.sh
cat /proc/net/khttpd/stats
kill "$(cat /tmp/proxy.pid)"
sleep 1
tail -5 /tmp/proxy.log
check "rmmod at the end" rmmod khttpd
summary
