#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Guest set-up of the proxy handoff test: khttpd.ko on 8080 handing /api/
# to userspace, two khttpdd backends on 9001/9002 (a 1 MiB file each, made
# here), khttpdd as proxy_reverse registered with the module.
. /khttpd/vm/lib.sh
P=/khttpd/proxy

wait_for() { # SECONDS COMMAND...
	n=$(($1 * 10)); shift
	while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done
	return 1
}
registered() { dmesg | grep -q "khttpd: daemon pid $(cat /tmp/proxy.pid) registered"; }

mkdir -p /srv && cp -a $P/www /srv/www && cp -a $P/b1 /srv/b1 && cp -a $P/b2 /srv/b2 || exit 1
dd if=/dev/urandom of=/srv/b1/api/big.bin bs=1024 count=1024 2>/dev/null
cp /srv/b1/api/big.bin /srv/b2/api/big.bin
chmod 644 /srv/b1/api/big.bin /srv/b2/api/big.bin
check "insmod with dynamic /api/" insmod "$KO" port=8080 docroot=/srv/www dynamic="/api/"
/khttpd/khttpdd -f -c $P/khttpd.conf -r /srv/www > /tmp/proxy.log 2>&1 &
echo $! > /tmp/proxy.pid
check "the proxy daemon registered with the module" wait_for 15 registered
# every khttpdd offers itself to the module; the backends start once the
# proxy holds the registration (theirs is refused, harmlessly)
/khttpd/khttpdd -f -p 127.0.0.1:9001 -r /srv/b1 -w 1 > /tmp/b1.log 2>&1 &
/khttpd/khttpdd -f -p 127.0.0.1:9002 -r /srv/b2 -w 1 > /tmp/b2.log 2>&1 &
sleep 1
check "static file answered by the kernel" [ "$(get /index.html)" = 200 ]
r=$(http "GET /api/who.txt HTTP/1.0\r\n\r\n")
check "/api/ handed off and proxied (Via present)" sh -c \
	"echo '$r' | grep -qi '^Via: 1.1 khttpd-' && echo '$r' | grep -q '^backend [12]'"
summary
