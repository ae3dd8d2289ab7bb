// SPDX-License-Identifier: GPL-2.0
/*
 * Accept state: take the queued children of this thread's listener, a
 * bounded number per pass so that a connect flood cannot starve the
 * connections the thread already owns.
 */
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include "khttpd.h"

/*
 * Children accepted (or refused) per pass. The rest wait in the backlog
 * for the next pass, which comes after the ready connections had a turn.
 */
#define KHTTPD_ACCEPT_BUDGET	64

/**
 * khttpd_conn_new() - A connection for a socket, in KHTTPD_IDLE.
 * @thr: the thread that will own it
 * @sock: its socket
 *
 * Return: the connection, on no list yet, or NULL without memory.
 */
struct khttpd_conn *khttpd_conn_new(struct khttpd_thread *thr,
				    struct socket *sock)
{
	struct khttpd_conn *c;

	c = kmem_cache_zalloc(khttpd_conn_cache, GFP_KERNEL);
	if (!c)
		return NULL;
	INIT_LIST_HEAD(&c->ready_node);
	INIT_LIST_HEAD(&c->work_node);
	INIT_LIST_HEAD(&c->timeout_node);
	c->thr = thr;
	c->sock = sock;
	c->state = KHTTPD_IDLE;
	c->version = 11;
	return c;
}

/**
 * khttpd_accept_process() - Accept the children queued on a listener.
 * @thr: the thread, whose listener is open
 *
 * Each child becomes an idle connection of @thr, kicked at once since its
 * request may already be there; beyond max_connections, or without
 * memory, it is closed right away. At most KHTTPD_ACCEPT_BUDGET children
 * are taken; when the backlog may hold more, KHTTPD_EV_ACCEPT is set again
 * so that the next pass goes on.
 */
void khttpd_accept_process(struct khttpd_thread *thr)
{
	struct khttpd_conn *c;
	struct socket *sock;
	int budget, err;

	for (budget = KHTTPD_ACCEPT_BUDGET; budget; budget--, cond_resched()) {
		err = kernel_accept(thr->listener, &sock, O_NONBLOCK);
		if (err) {
			if (err != -EAGAIN)
				pr_warn_ratelimited("accept: %d\n", err);
			return;
		}
		thr->stats.accepted++;
		if (atomic_inc_return(&khttpd_nr_conns) >
		    READ_ONCE(khttpd_cfg.max_connections))
			goto reject;
		c = khttpd_conn_new(thr, sock);
		if (!c)
			goto reject;
		list_add_tail(&c->conn_node, &thr->conns);
		thr->stats.active++;
		tcp_sock_set_nodelay(sock->sk);
		khttpd_timeout_arm(c, KHTTPD_TO_IDLE);
		khttpd_conn_attach(c);
		/* The request may be there already: no callback will say so. */
		khttpd_conn_kick(c);
		continue;
reject:
		atomic_dec(&khttpd_nr_conns);
		thr->stats.rejects++;
		khttpd_child_release(thr, sock);
	}
	/* Budget spent: the backlog may hold more. */
	set_bit(KHTTPD_EV_ACCEPT, &thr->events);
}
