// SPDX-License-Identifier: GPL-2.0
/*
 * Handoff state: requests the module does not serve (methods other than
 * GET and HEAD, bodies, the `dynamic` rules, hosts not in `hosts`). The
 * request was only peeked, so its bytes are still in the socket for
 * userspace to read. Until the netlink bridge to khttpdd exists there is
 * nobody to hand the socket to: answer 503 with Retry-After and close.
 */
#include "khttpd.h"

#define KHTTPD_RETRY_AFTER	"Retry-After: 5\r\n"

enum khttpd_state khttpd_handoff_process(struct khttpd_conn *c)
{
	c->thr->stats.handoffs++;
	c->keep_alive = false;
	return khttpd_send_error(c, 503, KHTTPD_RETRY_AFTER);
}
