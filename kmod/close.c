// SPDX-License-Identifier: GPL-2.0
/*
 * The end of a connection. A response that closes the connection is
 * followed by a lingering close: the write side is shut and whatever the
 * client still sends is read and dropped until its FIN (or a short
 * timeout), so that unread bytes do not turn the close into a reset that
 * could destroy the response before the client read it.
 */
#include <linux/slab.h>
#include "khttpd.h"
#include "netlink.h"

/**
 * khttpd_linger_process() - Drain what the client sends after the response.
 * @c: the connection, its write side shut
 *
 * Return: KHTTPD_LINGER until the client's FIN (or an error), then
 * KHTTPD_CLOSE.
 */
enum khttpd_state khttpd_linger_process(struct khttpd_conn *c)
{
	struct kvec v = { .iov_base = c->thr->buf,
			  .iov_len = KHTTP_HEAD_CEILING };
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	int n;

	n = kernel_recvmsg(c->sock, &msg, &v, 1, v.iov_len, MSG_DONTWAIT);
	if (n == -EAGAIN)
		return KHTTPD_LINGER;
	if (n <= 0)
		return KHTTPD_CLOSE;
	/* More may be queued: drain it next pass, after the others. */
	khttpd_conn_kick(c);
	return KHTTPD_LINGER;
}

/**
 * khttpd_close() - Release a connection and everything it holds.
 * @c: the connection; freed on return
 */
void khttpd_close(struct khttpd_conn *c)
{
	struct khttpd_thread *thr = c->thr;

	/* A connection handed to the daemon has no socket any more. */
	if (c->sock)
		khttpd_conn_detach(c);
	list_del_init(&c->work_node);
	khttpd_timeout_disarm(c);
	list_del(&c->conn_node);
	if (c->file)
		fput(c->file);
	khttpd_slowopen_drop(c);
	kfree(c->pre);
	if (c->sock)
		khttpd_sock_put(c->sock);
	kmem_cache_free(khttpd_conn_cache, c);
	atomic_dec(&khttpd_nr_conns);
	thr->stats.active--;
}
