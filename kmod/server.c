// SPDX-License-Identifier: GPL-2.0
/*
 * One kernel thread per CPU. Each owns a SO_REUSEPORT listener and the
 * connections it accepted. Socket callbacks only queue a connection on its
 * thread's ready list and wake the thread; one pass of the loop then runs
 * every state over the connections that have work, state by state:
 * accept, header, handoff, send, linger, close. The thread sleeps only when
 * nothing is queued, and a single timer per thread fires at the nearest
 * deadline.
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <net/tcp.h>
#include "khttpd.h"

struct khttpd_thread **khttpd_threads;
unsigned int khttpd_nr_threads;

/* --- socket callbacks: softirq, so they only queue and wake --- */

/* Put c on thr's ready list unless it is there; thr->lock held. */
static void khttpd_conn_queue(struct khttpd_thread *thr, struct khttpd_conn *c)
{
	if (!test_and_set_bit(KHTTPD_CONN_QUEUED, &c->flags))
		list_add_tail(&c->ready_node, &thr->ready);
}

/**
 * khttpd_conn_kick() - Give a connection a turn in its thread's next pass.
 * @c: the connection
 *
 * Queues @c on its thread's ready list (once, until the pass takes it off)
 * and wakes the thread.
 *
 * Context: any: socket callbacks, the read-in work and the thread itself.
 */
void khttpd_conn_kick(struct khttpd_conn *c)
{
	struct khttpd_thread *thr = c->thr;
	unsigned long irqflags;

	if (test_bit(KHTTPD_CONN_QUEUED, &c->flags))
		return;		/* queued already: no lock taken */
	spin_lock_irqsave(&thr->lock, irqflags);
	khttpd_conn_queue(thr, c);
	spin_unlock_irqrestore(&thr->lock, irqflags);
	wake_up_process(thr->task);
}

/**
 * khttpd_conn_io_complete() - Give a connection back from the workqueue.
 * @c: the connection in a WAIT state, whose work item is done with it
 *
 * Sets KHTTPD_CONN_IO_DONE and queues @c in one step under the thread's
 * lock, the lock under which the thread consumes IO_DONE
 * (khttpd_conn_resume()): until the unlock the thread cannot act on
 * IO_DONE, so it cannot close and free @c; after the unlock only the
 * thread is touched, which outlives every work item
 * (khttpd_thread_teardown() flushes the workqueue first).
 *
 * Context: the workqueue; the last use of @c by the work item.
 */
void khttpd_conn_io_complete(struct khttpd_conn *c)
{
	struct khttpd_thread *thr = c->thr;
	unsigned long irqflags;

	spin_lock_irqsave(&thr->lock, irqflags);
	set_bit(KHTTPD_CONN_IO_DONE, &c->flags);
	khttpd_conn_queue(thr, c);
	spin_unlock_irqrestore(&thr->lock, irqflags);
	wake_up_process(thr->task);
}

/*
 * Whether the work item gave c back, which then resumes in state next (its
 * caller arms its timeout: none was armed while the workqueue held c).
 * IO_DONE is consumed under thr->lock, so khttpd_conn_io_complete() has let
 * go of c when this says yes.
 */
static bool khttpd_conn_resume(struct khttpd_conn *c, enum khttpd_state next)
{
	bool done;

	spin_lock_irq(&c->thr->lock);
	done = test_and_clear_bit(KHTTPD_CONN_IO_DONE, &c->flags);
	spin_unlock_irq(&c->thr->lock);
	if (done)
		c->state = next;
	return done;
}

static void khttpd_sk_event(struct sock *sk)
{
	struct khttpd_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c)
		khttpd_conn_kick(c);
	read_unlock_bh(&sk->sk_callback_lock);
}

/*
 * TCP calls sk_write_space on every ACK while SOCK_NOSPACE is set; like
 * sk_stream_write_space(), wake only once there is room worth filling.
 */
static void khttpd_sk_write_space(struct sock *sk)
{
	if (!sk_stream_is_writeable(sk))
		return;
	if (sk->sk_socket)
		clear_bit(SOCK_NOSPACE, &sk->sk_socket->flags);
	khttpd_sk_event(sk);
}

/*
 * kTLS parses records and pushes pending ones from the socket's callbacks
 * (the ones khttpd_conn_attach() saved): a kTLS connection runs them first.
 */
static void khttpd_sk_tls_data_ready(struct sock *sk)
{
	struct khttpd_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c) {
		c->saved_data_ready(sk);
		khttpd_conn_kick(c);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void khttpd_sk_tls_write_space(struct sock *sk)
{
	struct khttpd_conn *c;

	read_lock_bh(&sk->sk_callback_lock);
	c = sk->sk_user_data;
	if (c) {
		c->saved_write_space(sk);
		if (sk_stream_is_writeable(sk))
			khttpd_conn_kick(c);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

static void khttpd_listen_data_ready(struct sock *sk)
{
	struct khttpd_thread *thr;

	/* Accepted children inherit this callback until they are attached. */
	if (sk->sk_state != TCP_LISTEN)
		return;
	read_lock_bh(&sk->sk_callback_lock);
	thr = sk->sk_user_data;
	if (thr) {
		set_bit(KHTTPD_EV_ACCEPT, &thr->events);
		wake_up_process(thr->task);
	}
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * khttpd_conn_attach() - Route a socket's events to its connection.
 * @c: the connection; @c->sock is accepted, or given back by the bridge
 *
 * Saves the socket's callbacks and puts in their place ones that kick @c,
 * until khttpd_conn_detach() restores them.
 */
void khttpd_conn_attach(struct khttpd_conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	/* A child inherited the listener's callback: save the original. */
	c->saved_data_ready = sk->sk_data_ready == khttpd_listen_data_ready ?
			      c->thr->listener_data_ready : sk->sk_data_ready;
	c->saved_write_space = sk->sk_write_space;
	c->saved_state_change = sk->sk_state_change;
	sk->sk_user_data = c;
	sk->sk_data_ready = c->tls ? khttpd_sk_tls_data_ready : khttpd_sk_event;
	sk->sk_write_space = c->tls ? khttpd_sk_tls_write_space :
				      khttpd_sk_write_space;
	sk->sk_state_change = khttpd_sk_event;
	write_unlock_bh(&sk->sk_callback_lock);
}

/**
 * khttpd_child_release() - Release an accepted socket without a connection.
 * @thr: the thread whose listener accepted it
 * @sock: the accepted socket
 *
 * The child inherited the listener's callback and context, which must not
 * outlive the module: both are taken back before the socket is released.
 */
void khttpd_child_release(struct khttpd_thread *thr, struct socket *sock)
{
	struct sock *sk = sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = thr->listener_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	sock_release(sock);
}

/**
 * khttpd_conn_detach() - Give a connection's socket its own callbacks back.
 * @c: the attached connection
 *
 * After this no callback can reach @c, and @c is off the ready list.
 */
void khttpd_conn_detach(struct khttpd_conn *c)
{
	struct sock *sk = c->sock->sk;

	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = c->saved_data_ready;
	sk->sk_write_space = c->saved_write_space;
	sk->sk_state_change = c->saved_state_change;
	write_unlock_bh(&sk->sk_callback_lock);

	spin_lock_irq(&c->thr->lock);
	if (test_and_clear_bit(KHTTPD_CONN_QUEUED, &c->flags))
		list_del_init(&c->ready_node);
	spin_unlock_irq(&c->thr->lock);
}

/* --- listener --- */

/*
 * A listening socket on every address: dual-stack IPv6 (IPv4 clients
 * arrive v4-mapped) where IPv6 exists, IPv4 otherwise.
 */
static int khttpd_listen_socket(struct socket **sockp)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
		.sin6_port = htons(khttpd_cfg.port),
	};
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_ANY),
		.sin_port = htons(khttpd_cfg.port),
	};
	struct sockaddr *addr = (struct sockaddr *)&sin6;
	int addrlen = sizeof(sin6), v6only = 0;
	struct socket *sock;
	int err;

	err = sock_create_kern(&init_net, PF_INET6, SOCK_STREAM, IPPROTO_TCP,
			       &sock);
	if (err == -EAFNOSUPPORT) {
		addr = (struct sockaddr *)&sin;
		addrlen = sizeof(sin);
		err = sock_create_kern(&init_net, PF_INET, SOCK_STREAM,
				       IPPROTO_TCP, &sock);
	}
	if (err)
		return err;
	if (addr->sa_family == AF_INET6)
		err = sock->ops->setsockopt(sock, SOL_IPV6, IPV6_V6ONLY,
					    KERNEL_SOCKPTR(&v6only),
					    sizeof(v6only));
	if (!err) {
		sock_set_reuseaddr(sock->sk);
		sock_set_reuseport(sock->sk);
		err = kernel_bind(sock, addr, addrlen);
	}
	if (!err)
		err = kernel_listen(sock, SOMAXCONN);
	if (err) {
		sock_release(sock);
		return err;
	}
	*sockp = sock;
	return 0;
}

static int khttpd_listen_open(struct khttpd_thread *thr)
{
	struct socket *sock;
	struct sock *sk;
	int err;

	if (thr->listener)
		return 0;
	err = khttpd_listen_socket(&sock);
	if (err)
		return err;
	sk = sock->sk;
	write_lock_bh(&sk->sk_callback_lock);
	thr->listener_data_ready = sk->sk_data_ready;
	sk->sk_user_data = thr;
	sk->sk_data_ready = khttpd_listen_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	thr->listener = sock;
	/* Children may have queued before the callback was in place. */
	set_bit(KHTTPD_EV_ACCEPT, &thr->events);
	return 0;
}

static void khttpd_listen_close(struct khttpd_thread *thr)
{
	struct sock *sk;

	if (!thr->listener)
		return;
	sk = thr->listener->sk;
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = thr->listener_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	sock_release(thr->listener);
	thr->listener = NULL;
}

/*
 * Open or close this thread's listener as khttpd_cfg.listening, the
 * desired state, now says. Whatever order start and stop came in, the
 * last one written wins.
 */
static void khttpd_listen_converge(struct khttpd_thread *thr)
{
	int err;

	if (!READ_ONCE(khttpd_cfg.listening)) {
		khttpd_listen_close(thr);
		return;
	}
	err = khttpd_listen_open(thr);
	if (err)
		pr_err("cpu %u: cannot listen on port %d: %d\n",
		       thr->cpu, khttpd_cfg.port, err);
}

/* Have every thread look at an event in its next pass. */
static void khttpd_server_signal(int event)
{
	unsigned int i;

	/* What the event is about is stored before the thread sees it. */
	smp_mb__before_atomic();
	for (i = 0; i < khttpd_nr_threads; i++) {
		struct khttpd_thread *thr = khttpd_threads[i];

		set_bit(event, &thr->events);
		wake_up_process(thr->task);
	}
}

/**
 * khttpd_server_listen() - Open or close the listeners (sysctl start/stop).
 * @on: open them when true, close them when false
 *
 * Sets the desired state, which each thread's next pass converges on.
 * Connections already accepted finish their request; while the listeners
 * are closed, none is kept alive.
 */
void khttpd_server_listen(bool on)
{
	WRITE_ONCE(khttpd_cfg.listening, on);
	khttpd_server_signal(KHTTPD_EV_LISTEN);
}

/**
 * khttpd_server_timeouts_changed() - Apply a new timeout length at once.
 *
 * Deadlines are computed from the current lengths (see
 * khttpd_timeout_arm()), so a shorter timeout only needs every thread to
 * expire and re-arm its timer now.
 */
void khttpd_server_timeouts_changed(void)
{
	khttpd_server_signal(KHTTPD_EV_TIMER);
}

/*
 * --- timeouts: one FIFO per class, sorted by arming time. A deadline is
 * the arming time plus the class's length as it is now, the same for the
 * whole class, so each FIFO is sorted by deadline too, also right after a
 * sysctl changed the length. ---
 */

static unsigned long khttpd_timeout_len(enum khttpd_timeout cls)
{
	switch (cls) {
	case KHTTPD_TO_IDLE:
		return READ_ONCE(khttpd_cfg.keepalive_timeout) * HZ;
	case KHTTPD_TO_HEADER:
		return READ_ONCE(khttpd_cfg.header_timeout) * HZ;
	case KHTTPD_TO_SEND:
		return READ_ONCE(khttpd_cfg.send_timeout) * HZ;
	default:
		return KHTTPD_LINGER_SECS * HZ;
	}
}

/**
 * khttpd_timeout_arm() - Start (or restart) a connection's timeout.
 * @c: the connection
 * @cls: which timeout: it expires the class's sysctl (as it is then)
 *	after now
 *
 * Moves @c to the tail of its class's list, which therefore stays sorted
 * by arming time; a connection has one timeout at a time.
 *
 * Context: the connection's thread.
 */
void khttpd_timeout_arm(struct khttpd_conn *c, enum khttpd_timeout cls)
{
	c->armed = jiffies;
	c->timeout_class = cls;
	list_move_tail(&c->timeout_node, &c->thr->timeouts[cls]);
}

/**
 * khttpd_timeout_disarm() - Stop a connection's timeout, if it has one.
 * @c: the connection
 *
 * Context: the connection's thread.
 */
void khttpd_timeout_disarm(struct khttpd_conn *c)
{
	list_del_init(&c->timeout_node);
}

/*
 * Put c back on the list of cls with the arming time it had, where that
 * keeps the list sorted, so that its deadline is the one it had before
 * khttpd_timeout_disarm(). Returns whether that deadline is still ahead.
 */
static bool khttpd_timeout_rejoin(struct khttpd_conn *c,
				  enum khttpd_timeout cls)
{
	struct khttpd_conn *pos;

	c->timeout_class = cls;
	list_for_each_entry_reverse(pos, &c->thr->timeouts[cls], timeout_node)
		if (!time_after(pos->armed, c->armed))
			break;
	/* after pos, or first when pos ran back to the list head */
	list_add(&c->timeout_node, &pos->timeout_node);
	return time_before(jiffies, c->armed + khttpd_timeout_len(cls));
}

static void khttpd_timer_fn(struct timer_list *t)
{
	struct khttpd_thread *thr = from_timer(thr, t, timer);

	set_bit(KHTTPD_EV_TIMER, &thr->events);
	wake_up_process(thr->task);
}

static void khttpd_timer_rearm(struct khttpd_thread *thr)
{
	unsigned long deadline, next = 0;
	struct khttpd_conn *c;
	bool any = false;
	int cls;

	for (cls = 0; cls < KHTTPD_TO_CLASSES; cls++) {
		c = list_first_entry_or_null(&thr->timeouts[cls],
					     struct khttpd_conn, timeout_node);
		if (!c)
			continue;
		deadline = c->armed + khttpd_timeout_len(cls);
		if (!any || time_before(deadline, next)) {
			next = deadline;
			any = true;
		}
	}
	if (any)
		mod_timer(&thr->timer, next);
}

/* --- the loop --- */

struct khttpd_pass {
	struct list_head header;
	struct list_head handoff;
	struct list_head send;
	struct list_head linger;
	struct list_head close;
};

/* Put c on the list of its state for this pass; c waits otherwise. */
static void khttpd_schedule(struct khttpd_pass *p, struct khttpd_conn *c)
{
	struct list_head *to;

	if (!list_empty(&c->work_node))
		return;		/* already scheduled in this pass */
	switch (c->state) {
	case KHTTPD_WAIT_OPEN:
		/* The head is parsed again, the open's result waits in c. */
		if (!khttpd_conn_resume(c, KHTTPD_HEADER))
			return;
		/* Its deadline passed during the open: the 408 comes first. */
		if (!khttpd_timeout_rejoin(c, KHTTPD_TO_HEADER)) {
			set_bit(KHTTPD_EV_TIMER, &c->thr->events);
			return;
		}
		fallthrough;
	case KHTTPD_IDLE:
	case KHTTPD_HEADER:
		to = &p->header;
		break;
	case KHTTPD_HANDOFF:
		to = &p->handoff;
		break;
	case KHTTPD_WAIT_IO:
		/*
		 * A fresh send timeout: the disk's time is not the client's
		 * (khttpd_content_evicted() bounds the laps).
		 */
		if (!khttpd_conn_resume(c, KHTTPD_SEND))
			return;
		khttpd_timeout_arm(c, KHTTPD_TO_SEND);
		fallthrough;
	case KHTTPD_SEND:
		to = &p->send;
		break;
	case KHTTPD_LINGER:
		to = &p->linger;
		break;
	default:
		to = &p->close;
		break;
	}
	list_add_tail(&c->work_node, to);
}

/*
 * A state function returned next. The same state means "wait for the
 * socket"; a new state runs later in this pass (states only move forward
 * within a pass), except a finished keep-alive response, which goes back to
 * the header stage through the ready list, next pass.
 */
static void khttpd_route(struct khttpd_pass *p, struct khttpd_conn *c,
			 enum khttpd_state next)
{
	enum khttpd_state prev = c->state;

	if (next == prev)
		return;
	c->state = next;
	if (next == KHTTPD_IDLE || next == KHTTPD_HEADER) {
		if (prev == KHTTPD_SEND)
			khttpd_conn_kick(c);	/* a pipelined request? */
		return;
	}
	/* The workqueue queues c again once it is done with it. */
	if (next != KHTTPD_WAIT_IO && next != KHTTPD_WAIT_OPEN)
		khttpd_schedule(p, c);
}

static void khttpd_expire(struct khttpd_thread *thr, struct khttpd_pass *p)
{
	struct khttpd_conn *c, *n;
	enum khttpd_state next;
	unsigned long len;
	int cls;

	for (cls = 0; cls < KHTTPD_TO_CLASSES; cls++) {
		len = khttpd_timeout_len(cls);
		list_for_each_entry_safe(c, n, &thr->timeouts[cls],
					 timeout_node) {
			if (time_before(jiffies, c->armed + len))
				break;
			khttpd_timeout_disarm(c);
			thr->stats.timeouts++;
			if (cls == KHTTPD_TO_HEADER)
				next = khttpd_header_timeout(c);
			else
				next = KHTTPD_CLOSE;
			khttpd_route(p, c, next);
		}
	}
}

static void khttpd_run_stage(struct khttpd_pass *p, struct list_head *list,
			     enum khttpd_state (*fn)(struct khttpd_conn *c))
{
	struct khttpd_conn *c, *n;

	list_for_each_entry_safe(c, n, list, work_node) {
		list_del_init(&c->work_node);
		khttpd_route(p, c, fn(c));
	}
}

static void khttpd_pass(struct khttpd_thread *thr)
{
	struct khttpd_conn *c, *n;
	struct khttpd_pass p;
	LIST_HEAD(ready);

	INIT_LIST_HEAD(&p.header);
	INIT_LIST_HEAD(&p.handoff);
	INIT_LIST_HEAD(&p.send);
	INIT_LIST_HEAD(&p.linger);
	INIT_LIST_HEAD(&p.close);

	if (test_and_clear_bit(KHTTPD_EV_LISTEN, &thr->events))
		khttpd_listen_converge(thr);
	if (test_and_clear_bit(KHTTPD_EV_ACCEPT, &thr->events) &&
	    thr->listener)
		khttpd_accept_process(thr);
	if (test_and_clear_bit(KHTTPD_EV_GIVEN, &thr->events))
		khttpd_give_adopt(thr);
	if (test_and_clear_bit(KHTTPD_EV_TIMER, &thr->events))
		khttpd_expire(thr, &p);

	spin_lock_irq(&thr->lock);
	list_splice_init(&thr->ready, &ready);
	spin_unlock_irq(&thr->lock);
	list_for_each_entry_safe(c, n, &ready, ready_node) {
		list_del_init(&c->ready_node);
		/*
		 * An event from now on queues c again; the barrier orders the
		 * list removal before it.
		 */
		smp_mb__before_atomic();
		clear_bit(KHTTPD_CONN_QUEUED, &c->flags);
		khttpd_schedule(&p, c);
	}

	khttpd_run_stage(&p, &p.header, khttpd_header_process);
	khttpd_run_stage(&p, &p.handoff, khttpd_handoff_process);
	khttpd_run_stage(&p, &p.send, khttpd_send_process);
	khttpd_run_stage(&p, &p.linger, khttpd_linger_process);
	list_for_each_entry_safe(c, n, &p.close, work_node)
		khttpd_close(c);

	khttpd_timer_rearm(thr);
}

static bool khttpd_has_work(struct khttpd_thread *thr)
{
	bool work;

	if (READ_ONCE(thr->events))
		return true;
	spin_lock_irq(&thr->lock);
	work = !list_empty(&thr->ready);
	spin_unlock_irq(&thr->lock);
	return work;
}

static void khttpd_thread_teardown(struct khttpd_thread *thr)
{
	struct khttpd_conn *c, *n;

	khttpd_listen_close(thr);
	timer_delete_sync(&thr->timer);
	/* Connections in WAIT_* belong to the workqueue until it is done. */
	flush_workqueue(khttpd_wq);
	/* No GIVE comes any more (netlink is gone): those given are ours. */
	khttpd_give_adopt(thr);
	list_for_each_entry_safe(c, n, &thr->conns, conn_node)
		khttpd_close(c);
}

static int khttpd_thread_fn(void *data)
{
	struct khttpd_thread *thr = data;

	while (!kthread_should_stop()) {
		khttpd_pass(thr);
		set_current_state(TASK_INTERRUPTIBLE);
		if (!khttpd_has_work(thr) && !kthread_should_stop())
			schedule();
		__set_current_state(TASK_RUNNING);
		cond_resched();
	}
	khttpd_thread_teardown(thr);
	return 0;
}

/* --- start and stop --- */

static void khttpd_thread_free(struct khttpd_thread *thr)
{
	kvfree(thr->buf);
	kvfree(thr->path);
	kfree(thr);
}

static struct khttpd_thread *__init khttpd_thread_alloc(unsigned int cpu)
{
	struct khttpd_thread *thr;
	int cls;

	thr = kzalloc(sizeof(*thr), GFP_KERNEL);
	if (!thr)
		return NULL;
	thr->cpu = cpu;
	spin_lock_init(&thr->lock);
	INIT_LIST_HEAD(&thr->ready);
	INIT_LIST_HEAD(&thr->conns);
	INIT_LIST_HEAD(&thr->given);
	for (cls = 0; cls < KHTTPD_TO_CLASSES; cls++)
		INIT_LIST_HEAD(&thr->timeouts[cls]);
	timer_setup(&thr->timer, khttpd_timer_fn, 0);
	thr->buf = kvmalloc(KHTTP_HEAD_CEILING + 1, GFP_KERNEL);
	thr->path = kvmalloc(KHTTP_HEAD_CEILING + 1, GFP_KERNEL);
	if (!thr->buf || !thr->path) {
		khttpd_thread_free(thr);
		return NULL;
	}
	return thr;
}

/**
 * khttpd_server_stop() - Stop every thread and free what it owned.
 *
 * Each thread closes its listener and its connections on its way out. Also
 * undoes a khttpd_server_start() that failed half-way.
 */
void khttpd_server_stop(void)
{
	unsigned int i;

	for (i = 0; i < khttpd_nr_threads; i++) {
		struct khttpd_thread *thr = khttpd_threads[i];

		if (thr->task)
			kthread_stop(thr->task);
		/* For a thread stopped before it ever ran. */
		khttpd_listen_close(thr);
		khttpd_thread_free(thr);
	}
	kfree(khttpd_threads);
	khttpd_threads = NULL;
	khttpd_nr_threads = 0;
}

/**
 * khttpd_server_start() - Create a thread and a listener per CPU.
 *
 * One per online CPU up to khttpd_cfg.threads. Threads are created before
 * their listeners (a callback may wake them), listeners before any thread
 * runs, so that a port in use fails insmod.
 *
 * Return: 0, or a negative errno with nothing left behind.
 */
int __init khttpd_server_start(void)
{
	unsigned int i, cpu, n = khttpd_cfg.threads;
	int err;

	khttpd_threads = kcalloc(n, sizeof(*khttpd_threads), GFP_KERNEL);
	if (!khttpd_threads)
		return -ENOMEM;
	for_each_online_cpu(cpu) {
		struct khttpd_thread *thr;
		struct task_struct *task;

		if (khttpd_nr_threads == n)
			break;
		thr = khttpd_thread_alloc(cpu);
		if (!thr) {
			err = -ENOMEM;
			goto fail;
		}
		khttpd_threads[khttpd_nr_threads++] = thr;
		task = kthread_create_on_cpu(khttpd_thread_fn, thr, cpu,
					     "khttpd/%u");
		if (IS_ERR(task)) {
			err = PTR_ERR(task);
			pr_err("cannot create the thread for cpu %u: %d\n",
			       cpu, err);
			goto fail;
		}
		thr->task = task;
		err = khttpd_listen_open(thr);
		if (err) {
			pr_err("cannot listen on port %d: error %d\n",
			       khttpd_cfg.port, err);
			goto fail;
		}
	}
	for (i = 0; i < khttpd_nr_threads; i++)
		wake_up_process(khttpd_threads[i]->task);
	khttpd_cfg.listening = 1;
	return 0;
fail:
	khttpd_server_stop();
	return err;
}
