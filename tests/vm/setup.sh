#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up for the black-box suite: the fixture docroot, then khttpd.ko
# on it with the timeouts the host suite was told about.
. /khttpd/vm/lib.sh

sh /khttpd/mkdocroot.sh "$DOCROOT" || exit 1
check "insmod on the fixture docroot" insmod "$KO" port="$PORT" \
	docroot="$DOCROOT" header_timeout="$HEADER_TIMEOUT" \
	keepalive_timeout="$KEEPALIVE_TIMEOUT"
check "the root index answers 200" [ "$(get /)" = 200 ]
cat /proc/net/khttpd/status
summary
