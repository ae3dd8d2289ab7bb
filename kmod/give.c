// SPDX-License-Identifier: GPL-2.0
/*
 * Sockets the daemon gives back (the GIVE command, Documentation/bridge.md):
 * which ones the module takes, and how one becomes an ordinary connection
 * of a per-CPU thread. The netlink doit runs in the daemon's process, but a
 * thread owns its connections without a lock: the doit only claims the
 * socket (sk_user_data, under its callback lock, so that the same socket
 * cannot be given twice) and queues the new connection on the thread's
 * inbox; the thread's next pass adopts it as if it had accepted it.
 */
#include <linux/file.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <net/inet_connection_sock.h>
#include <net/netlink.h>
#include <net/tcp.h>
#include <net/tls.h>
#include "khttpd.h"

/* What the module can serve; sets *tls for a kTLS socket. sk is locked. */
static int khttpd_give_check(struct sock *sk, bool *tls,
			     struct netlink_ext_ack *extack)
{
	const struct tcp_ulp_ops *ulp;
	const struct tls_context *ctx;

	if ((sk->sk_family != AF_INET && sk->sk_family != AF_INET6) ||
	    sk->sk_type != SOCK_STREAM || sk->sk_protocol != IPPROTO_TCP) {
		NL_SET_ERR_MSG(extack, "khttpd: not a TCP socket");
		return -EPROTONOSUPPORT;
	}
	if (!net_eq(sock_net(sk), &init_net)) {
		NL_SET_ERR_MSG(extack, "khttpd: socket of another network namespace");
		return -EXDEV;
	}
	if (sk->sk_state == TCP_LISTEN) {
		NL_SET_ERR_MSG(extack, "khttpd: a listening socket");
		return -EINVAL;
	}
	if (sk->sk_state != TCP_ESTABLISHED) {
		NL_SET_ERR_MSG(extack, "khttpd: socket not connected");
		return -ENOTCONN;
	}
	*tls = false;
	ulp = inet_csk(sk)->icsk_ulp_ops;
	if (!ulp)
		return 0;
	if (strcmp(ulp->name, "tls")) {
		NL_SET_ERR_MSG(extack, "khttpd: socket has a ULP other than tls");
		return -EOPNOTSUPP;
	}
	ctx = tls_get_ctx(sk);
	if (!ctx || ctx->tx_conf == TLS_BASE || ctx->rx_conf == TLS_BASE) {
		NL_SET_ERR_MSG(extack, "khttpd: kTLS socket without both TX and RX");
		return -ENOPROTOOPT;
	}
	*tls = true;
	return 0;
}

/* Mark sk as c's: nobody else's callbacks may be on it. */
static int khttpd_give_claim(struct sock *sk, struct khttpd_conn *c,
			     struct netlink_ext_ack *extack)
{
	int err = 0;

	write_lock_bh(&sk->sk_callback_lock);
	if (sk->sk_user_data)
		err = -EBUSY;
	else
		sk->sk_user_data = c;
	write_unlock_bh(&sk->sk_callback_lock);
	if (err)
		NL_SET_ERR_MSG(extack, "khttpd: socket in use by another kernel user");
	return err;
}

/* The thread of the CPU the daemon runs on, or one picked by it. */
static struct khttpd_thread *khttpd_give_thread(void)
{
	unsigned int i, cpu = raw_smp_processor_id();

	for (i = 0; i < khttpd_nr_threads; i++)
		if (khttpd_threads[i]->cpu == cpu)
			return khttpd_threads[i];
	return khttpd_threads[cpu % khttpd_nr_threads];
}

/**
 * khttpd_give() - Take a connected socket the daemon gives back.
 * @fd: the daemon's fd of it
 * @data: what the daemon already read from it (plaintext): the start of the
 *	connection's input
 * @len: bytes of @data, at most head_max
 * @extack: where a refusal says why
 *
 * The module keeps the reference to the socket's file that the look-up took;
 * the connection drops it when it closes.
 *
 * Context: the daemon's netlink doit, with the threads running (they start
 * before the netlink family is registered and stop after it is gone).
 * Return: 0 when a thread owns the socket, or a negative errno and the
 * socket is left as it was.
 */
int khttpd_give(int fd, const void *data, size_t len,
		struct netlink_ext_ack *extack)
{
	struct khttpd_thread *thr;
	struct khttpd_conn *c;
	struct socket *sock;
	bool tls = false;
	char *pre = NULL;
	int err;

	if (len > READ_ONCE(khttpd_cfg.head_max)) {
		NL_SET_ERR_MSG(extack, "khttpd: DATA longer than head_max");
		return -EMSGSIZE;
	}
	sock = sockfd_lookup(fd, &err);
	if (!sock) {
		NL_SET_ERR_MSG(extack, "khttpd: SOCK_FD is not a socket");
		return err;
	}
	lock_sock(sock->sk);
	err = khttpd_give_check(sock->sk, &tls, extack);
	release_sock(sock->sk);
	if (err)
		goto put;
	err = -EBUSY;
	if (atomic_inc_return(&khttpd_nr_conns) >
	    READ_ONCE(khttpd_cfg.max_connections)) {
		NL_SET_ERR_MSG(extack, "khttpd: max_connections reached");
		goto uncount;
	}
	err = -ENOMEM;
	if (len) {
		pre = kmemdup(data, len, GFP_KERNEL);
		if (!pre)
			goto uncount;
	}
	thr = khttpd_give_thread();
	c = khttpd_conn_new(thr, sock);
	if (!c)
		goto uncount;
	err = khttpd_give_claim(sock->sk, c, extack);
	if (err) {
		kmem_cache_free(khttpd_conn_cache, c);
		goto uncount;
	}
	c->pre = pre;
	c->pre_len = len;
	c->tls = tls;
	spin_lock_irq(&thr->lock);
	list_add_tail(&c->conn_node, &thr->given);
	set_bit(KHTTPD_EV_GIVEN, &thr->events);
	spin_unlock_irq(&thr->lock);
	wake_up_process(thr->task);
	return 0;

uncount:
	kfree(pre);
	atomic_dec(&khttpd_nr_conns);
put:
	sockfd_put(sock);
	return err;
}

/**
 * khttpd_give_adopt() - Make the sockets given to a thread its connections.
 * @thr: the thread, in its pass (or its teardown)
 *
 * Each starts in HEADER when the daemon gave bytes with it, in IDLE
 * otherwise, and is kicked at once: its input may be there already.
 */
void khttpd_give_adopt(struct khttpd_thread *thr)
{
	struct khttpd_conn *c, *n;
	LIST_HEAD(given);

	spin_lock_irq(&thr->lock);
	list_splice_init(&thr->given, &given);
	spin_unlock_irq(&thr->lock);
	list_for_each_entry_safe(c, n, &given, conn_node) {
		list_move_tail(&c->conn_node, &thr->conns);
		thr->stats.given++;
		thr->stats.active++;
		if (c->tls)
			thr->stats.tls_conns++;
		tcp_sock_set_nodelay(c->sock->sk);
		c->state = c->pre_len ? KHTTPD_HEADER : KHTTPD_IDLE;
		khttpd_timeout_arm(c, c->pre_len ? KHTTPD_TO_HEADER :
				   KHTTPD_TO_IDLE);
		khttpd_conn_attach(c);
		khttpd_conn_kick(c);
	}
}
