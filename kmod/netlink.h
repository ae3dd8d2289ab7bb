/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The generic-netlink bridge to the khttpdd daemon (Documentation/bridge.md):
 * what the rest of the module sees of it.
 */
#ifndef KHTTPD_NETLINK_H
#define KHTTPD_NETLINK_H

#include <linux/file.h>
#include <linux/net.h>
#include <linux/types.h>

int khttpd_netlink_init(void);
void khttpd_netlink_exit(void);

/* A daemon is registered (and has not missed its heartbeats). */
bool khttpd_daemon_present(void);

/*
 * Release a connection's socket. One the daemon gave back has a file,
 * whose reference the module holds (give.c); the module's own have none.
 * The daemon should have closed its fd of a given socket; shutting it
 * down ends the connection here even if it did not.
 */
static inline void khttpd_sock_put(struct socket *sock)
{
	if (sock->file) {
		kernel_sock_shutdown(sock, SHUT_RDWR);
		fput(sock->file);
	} else {
		sock_release(sock);
	}
}

/*
 * Hand a connection to the daemon. Its input starts with pre[0..pre_len)
 * (what the daemon gave with the socket, if it came from there), then the
 * socket's: the request head, head_len bytes of that input, was peeked and
 * the part not in pre is still at the front of sock's receive queue. The
 * bridge takes all of pre and the rest of the head into the notice, so the
 * daemon gets the socket positioned after them. Before calling, the caller
 * restores sock's callbacks, clears sk_user_data and forgets sock.
 *
 * Returns 0 when the bridge owns sock: the daemon claims it, or it is
 * answered 503 (Retry-After) and closed when the claim does not come in
 * time. A negative errno leaves sock with the caller, which answers 503:
 * -ENOTCONN no daemon, -EBUSY too many pending, -EIO the head could not be
 * taken, -ENOMEM, or the error of the notice's delivery.
 */
int khttpd_netlink_handoff(struct socket *sock, const void *pre,
			   size_t pre_len, size_t head_len);

#endif /* KHTTPD_NETLINK_H */
