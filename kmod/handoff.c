// SPDX-License-Identifier: GPL-2.0
/*
 * Handoff state: requests the module does not serve (methods other than
 * GET and HEAD, bodies, the `dynamic` rules, hosts not in `hosts`). The
 * request head was only peeked, so it is still in the socket: the netlink
 * bridge (netlink.c) takes it into a notice to the daemon and the daemon
 * claims the socket, which leaves the module for good. While no daemon is
 * registered, or when the bridge cannot take it, the answer is 503 with
 * Retry-After.
 */
#include "khttpd.h"
#include "netlink.h"

#define KHTTPD_RETRY_AFTER	"Retry-After: 5\r\n"

/**
 * khttpd_handoff_process() - Pass a request the module does not serve on.
 * @c: the connection; its request head, @c->request_len bytes, was peeked
 *
 * Return: KHTTPD_CLOSE once the bridge owns the socket (@c->sock is then
 * NULL), else what khttpd_send_error() returns for the 503.
 */
enum khttpd_state khttpd_handoff_process(struct khttpd_conn *c)
{
	c->thr->stats.handoffs++;
	c->keep_alive = false;
	if (khttpd_daemon_present()) {
		khttpd_conn_detach(c);
		if (!khttpd_netlink_handoff(c->sock, c->pre, c->pre_len,
					    c->request_len)) {
			c->sock = NULL;		/* the bridge's now */
			return KHTTPD_CLOSE;
		}
		khttpd_conn_attach(c);
	}
	return khttpd_send_error(c, 503, KHTTPD_RETRY_AFTER);
}
