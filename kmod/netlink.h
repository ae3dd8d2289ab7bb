/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic-netlink bridge to the khttpdd daemon (Documentation/bridge.md):
 * what the rest of the module sees of it.
 */
#ifndef KHTTPD_NETLINK_H
#define KHTTPD_NETLINK_H

#include <linux/net.h>
#include <linux/types.h>

int khttpd_netlink_init(void);
void khttpd_netlink_exit(void);

/* A daemon is registered (and has not missed its heartbeats). */
bool khttpd_daemon_present(void);

/*
 * Hand a connection to the daemon. The request head, head_len bytes, was
 * peeked and is still at the front of sock's receive queue: the bridge takes
 * it from there into the notice, so the daemon gets the socket positioned at
 * the body. Before calling, the caller restores sock's callbacks, clears
 * sk_user_data and forgets sock.
 *
 * Returns 0 when the bridge owns sock: the daemon claims it, or it is
 * answered 503 (Retry-After) and closed when the claim does not come in
 * time. A negative errno leaves sock with the caller, which answers 503:
 * -ENOTCONN no daemon, -EBUSY too many pending, -EIO the head could not be
 * taken, -ENOMEM, or the error of the notice's delivery.
 */
int khttpd_netlink_handoff(struct socket *sock, size_t head_len);

#endif /* KHTTPD_NETLINK_H */
