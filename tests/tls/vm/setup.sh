#!/bin/sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# Guest set-up of the kTLS tests (tests/tls/vm-run): two khttpdd on one
# docroot, kTLS on (port 8443) and KTLS off (port 8444), a sparse file of
# $BIG_MIB MiB with marks from the host at known blocks (so a wrong offset
# shows), and a sampler that notes when TlsCurrTxSw was above zero.
. /khttpd/vm/lib.sh
T=/khttpd/tls
. $T/env	# BIG_MIB, MARKS (4 KiB block numbers)

check "kernel TLS present (tls.ko)" [ -e /proc/net/tls_stat ]
mkdir -p /tmp/www && chmod 755 /tmp/www
echo "kTLS index" > /tmp/www/index.html
truncate -s "${BIG_MIB}M" /tmp/www/big.bin
i=0
for b in $MARKS; do
	dd if=$T/marks.bin of=/tmp/www/big.bin bs=4096 skip=$i seek="$b" count=1 \
		conv=notrunc 2>/dev/null
	i=$((i + 1))
done
chmod 644 /tmp/www/*
check "the file is $BIG_MIB MiB" [ "$(stat -c %s /tmp/www/big.bin)" = $((BIG_MIB << 20)) ]

for d in a:8443:on b:8444:off; do
	n=${d%%:*} p=${d#*:}; p=${p%%:*} k=${d##*:}
	cat > /tmp/$n.conf <<CONF
[SERVER]
    Listen $p tls
    Workers 2
    SendTimeout 600
    ControlSocket /tmp/$n.sock
[TLS]
    Certificate $T/certs/default.pem
    CertificateKey $T/certs/default.key
    KTLS $k
CONF
	/khttpd/khttpdd -f -c /tmp/$n.conf -r /tmp/www > /tmp/$n.log 2>&1 &
	echo $! > /tmp/$n.pid
	check "khttpdd $n (KTLS $k) started" await 30 test -S /tmp/$n.sock
done
(
	while [ ! -e /tmp/stop-sampler ]; do
		cur=$(awk '$1 == "TlsCurrTxSw" { print $2 }' /proc/net/tls_stat)
		[ "${cur:-0}" -gt 0 ] && touch /tmp/curtx-seen
		sleep 0.2
	done
) &
echo $! > /tmp/sampler.pid
cat /proc/net/tls_stat
