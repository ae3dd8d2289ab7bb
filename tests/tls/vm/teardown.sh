#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Guest tear-down of the kTLS tests: what the kernel and each daemon
# counted while the host downloaded through them, then a clean stop.
. /khttpd/vm/lib.sh
T=/khttpd/tls
. $T/env
touch /tmp/stop-sampler
cat /proc/net/tls_stat
big=$((BIG_MIB << 20))
# stat DAEMON NAME: a "tls NAME N" line of khttpctl stats
stat() { /khttpd/khttpctl -s /tmp/$1.sock stats | awk -v k="$2" '$1 == "tls" && $2 == k { print $3 }'; }
tx=$(awk '$1 == "TlsTxSw" { print $2 }' /proc/net/tls_stat)
check "TlsTxSw counted kTLS connections ($tx)" [ "${tx:-0}" -ge 2 ]
check "TlsCurrTxSw rose during the downloads" [ -e /tmp/curtx-seen ]
/khttpd/khttpctl -s /tmp/a.sock stats | grep '^tls'
check "kTLS daemon: connections with kernel TX" [ "$(stat a conns_ktls)" -ge 2 ]
check "kTLS daemon: the file went by SSL_sendfile" [ "$(stat a bytes_ktls_sendfile)" -ge $big ]
check "kTLS daemon: no userspace TLS connection" [ "$(stat a conns_user)" = 0 ]
check "kTLS daemon: no 'kTLS is off' in its log" sh -c '! grep -q "kTLS is off" /tmp/a.log'
/khttpd/khttpctl -s /tmp/b.sock stats | grep '^tls'
check "KTLS off daemon: no kernel TX" [ "$(stat b conns_ktls)" = 0 ]
check "KTLS off daemon: userspace TLS connections" [ "$(stat b conns_user)" -ge 1 ]
check "KTLS off daemon: the file encrypted in userspace" [ "$(stat b bytes_user)" -ge $big ]
check "KTLS off daemon: its log says why" grep -q "kTLS is off: KTLS off in \[TLS\]" /tmp/b.log
for n in a b; do
	kill -TERM "$(cat /tmp/$n.pid)"
	check "khttpdd $n stops on SIGTERM" await 20 sh -c "! kill -0 $(cat /tmp/$n.pid) 2>/dev/null"
	cat /tmp/$n.log
done
kill "$(cat /tmp/sampler.pid)" 2>/dev/null
echo "$pass passed, $fail failed"
