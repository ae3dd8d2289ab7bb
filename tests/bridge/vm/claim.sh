# SPDX-License-Identifier: GPL-2.0
# Sourced by teardown.sh (lib.sh loaded, $B set): a CLAIM whose reply the
# kernel cannot queue (the claiming daemon's own netlink socket is full, see
# tests/bridge/nlclaim.c). The module must keep the fd out of the daemon's
# table (it would never learn it) and answer the client itself. Needs the
# module on $PORT routing /cgi-bin/ to userspace and no daemon registered.
head_max=$(cat /proc/sys/net/khttpd/head_max)
echo 65000 > /proc/sys/net/khttpd/head_max
out=$($B/nlclaim "$PORT" | tr '\n' ' ')
check "a claim whose reply cannot be queued installs no fd in the daemon ($out)" \
	sh -c "echo '$out' | grep -q 'fd_delta 0 '"
check "... and its client is answered 503 and closed" \
	sh -c "echo '$out' | grep -q 'client_status 503 client_closed 1'"
echo "$head_max" > /proc/sys/net/khttpd/head_max
