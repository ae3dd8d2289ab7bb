// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Worker threads: one epoll loop each. Connections arrive from listening
 * sockets (with Balance reuseport the worker's own; with leastconn the
 * master's, shared by every worker) or through the worker's message pipe
 * (worker_adopt_fd(): a connection another worker or the bridge accepted).
 * A 1 s timerfd refreshes the Date and runs timeouts.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "fdcache.h"
#include "khttpdd.h"
#include "monotonic.h"

enum worker_msg_type { MSG_ADOPT, MSG_CONFIG, MSG_DRAIN };

/* Fits in PIPE_BUF: writes from several threads never interleave. */
struct worker_msg {
	enum worker_msg_type type;
	int fd;
	socklen_t peerlen;
	struct sockaddr_in6 peer;
	char *bytes;		/* malloc'd, taken by the worker */
	size_t len;
	bool tls;		/* from a TLS listener */
	struct config *cfg;	/* a reference, taken by the worker */
};

struct server server;

struct deferred {
	struct deferred *next;
	void *p;
	void (*fn)(void *p);
};

int worker_watch(struct worker *w, struct evsource *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(w->epfd, EPOLL_CTL_ADD, src->fd, &ev);
}

int worker_watch_mod(struct worker *w, struct evsource *src, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = src };

	return epoll_ctl(w->epfd, EPOLL_CTL_MOD, src->fd, &ev);
}

void worker_unwatch(struct worker *w, struct evsource *src)
{
	epoll_ctl(w->epfd, EPOLL_CTL_DEL, src->fd, NULL);
}

void worker_defer_free(struct worker *w, void *p, void (*fn)(void *p))
{
	struct deferred *d = malloc(sizeof(*d));

	if (!d) {
		/* a leak beats a use after free */
		log_msg("worker %u: cannot defer a free: leaked", w->id);
		return;
	}
	d->p = p;
	d->fn = fn;
	d->next = w->deferred;
	w->deferred = d;
}

void worker_free_deferred(struct worker *w)
{
	while (w->deferred) {
		struct deferred *d = w->deferred;

		w->deferred = d->next;
		d->fn(d->p);
		free(d);
	}
}

void worker_update_date(struct worker *w)
{
	time_t t = time(NULL);

	w->now = monotonic_s();
	if (t != w->date_time) {
		w->date_time = t;
		khttp_date_format(t, w->date);
	}
}

static void send_msg(struct worker *w, const struct worker_msg *m)
{
	ssize_t n;

	do
		n = write(w->msg_wr, m, sizeof(*m));
	while (n < 0 && errno == EINTR);
	if (n != sizeof(*m))
		log_msg("worker %u: message lost: %s", w->id, strerror(errno));
}

int worker_adopt_fd(struct worker *w, int fd, const char *bytes, size_t len,
		    const struct sockaddr *peer, socklen_t peerlen, bool tls)
{
	struct worker_msg m = { .type = MSG_ADOPT, .fd = fd, .len = len,
				.tls = tls };

	if (peerlen > sizeof(m.peer))
		return -1;
	memcpy(&m.peer, peer, peerlen);
	m.peerlen = peerlen;
	if (len) {
		m.bytes = malloc(len);
		if (!m.bytes)
			return -1;
		memcpy(m.bytes, bytes, len);
	}
	/* Counted now, so a burst of accepts spreads before workers catch up. */
	atomic_fetch_add(&w->pending, 1);
	send_msg(w, &m);
	return 0;
}

void worker_set_config(struct worker *w, struct config *cfg)
{
	struct worker_msg m = { .type = MSG_CONFIG, .cfg = config_get(cfg) };

	send_msg(w, &m);
}

void worker_drain(struct worker *w)
{
	struct worker_msg m = { .type = MSG_DRAIN };

	send_msg(w, &m);
}

struct worker *worker_least_loaded(struct worker *prefer)
{
	struct worker *best = prefer ? prefer : &server.workers[0];
	unsigned best_load = atomic_load(&best->nconns) + atomic_load(&best->pending);

	for (unsigned i = 0; i < server.nworkers; i++) {
		struct worker *w = &server.workers[i];
		unsigned load = atomic_load(&w->nconns) + atomic_load(&w->pending);

		if (load < best_load) {
			best = w;
			best_load = load;
		}
	}
	return best;
}

/* For fds accepted elsewhere (the bridge's); listeners set it for theirs. */
static void tune_accepted(int fd)
{
	int one = 1;

	/* Heads and files leave with MSG_MORE; the last segment goes at once. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int listener_init(struct listener *l, struct worker *w,
		  void (*cb)(struct evsource *, uint32_t))
{
	l->w = w;
	l->ev.cb = cb;
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return l->spare_fd < 0 ? -1 : 0;
}

int listener_accept(struct listener *l, struct sockaddr_in6 *peer,
		    socklen_t *len)
{
	static _Atomic bool warned;
	int fd;

	*len = sizeof(*peer);
	fd = accept4(l->ev.fd, (struct sockaddr *)peer, len,
		     SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd >= 0 || (errno != EMFILE && errno != ENFILE) || l->spare_fd < 0)
		return fd;
	if (!atomic_exchange(&warned, true))
		log_msg("out of file descriptors: shedding new connections (raise RLIMIT_NOFILE)");
	close(l->spare_fd);
	fd = accept4(l->ev.fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd >= 0)
		close(fd);
	l->spare_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	return -1;
}

static void worker_message(struct evsource *src, uint32_t events);

/* Has a reload happened since the worker last read its pipe? */
static bool worker_config_pending(struct worker *w)
{
	unsigned gen = atomic_load_explicit(&server.cfg_gen,
					    memory_order_acquire);

	if (gen == w->cfg_gen)
		return false;
	w->cfg_gen = gen;
	return true;
}

/*
 * A listener is readable. Balance leastconn: whichever worker epoll woke
 * accepts (EPOLLEXCLUSIVE: one, not all) and keeps the connection unless
 * another worker has fewer; only then does the fd cross a pipe.
 */
static void worker_accept(struct evsource *src, uint32_t events)
{
	struct listener *l = (struct listener *)src;
	struct sockaddr_in6 peer;
	socklen_t len;
	int fd;

	(void)events;
	/*
	 * A reload's config reaches the worker through its pipe, which epoll
	 * may report after this listener: read it first, or the connection
	 * accepted right after "reloaded" would get the old config.
	 */
	if (worker_config_pending(l->w)) {
		worker_message(&l->w->msg, EPOLLIN);
		if (l->w->draining)
			return;	/* the listeners are gone */
	}
	while ((fd = listener_accept(l, &peer, &len)) >= 0) {
		struct worker *to = l->shared ? worker_least_loaded(l->w) : l->w;

		if (to == l->w)
			conn_adopt(l->w, fd, (struct sockaddr *)&peer, len,
				   NULL, 0, l->tls);
		else if (worker_adopt_fd(to, fd, NULL, 0,
					 (struct sockaddr *)&peer, len, l->tls))
			close(fd);
	}
}

void worker_tls_ready(struct conn *c)
{
	if (c->tls_queued)
		return;
	c->tls_queued = true;
	c->tls_next = c->w->tls_ready;
	c->w->tls_ready = c;
}

void worker_tls_unready(struct conn *c)
{
	struct conn **pp = &c->w->tls_ready;

	while (*pp && *pp != c)
		pp = &(*pp)->tls_next;
	if (*pp)
		*pp = c->tls_next;
	c->tls_queued = false;
}

/*
 * Input OpenSSL decrypted but the reader had no room for: epoll will not
 * report it, so the connection gets the EPOLLIN it would have had, if it
 * still waits for input.
 */
static void worker_run_tls_ready(struct worker *w)
{
	while (w->tls_ready) {
		struct conn *c = w->tls_ready;

		w->tls_ready = c->tls_next;
		c->tls_queued = false;
		if ((c->events & EPOLLIN) && tls_pending(c))
			c->ev.cb(&c->ev, EPOLLIN);
	}
}

/* Close idle connections; busy ones close after their response. */
static void worker_close_idle(struct worker *w)
{
	struct conn *c = w->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if ((c->state == CONN_READ_HEAD && !c->buf_len) ||
		    c->state == CONN_SKIP_BODY)
			conn_close(c);
	}
}

static void worker_timeouts(struct worker *w)
{
	struct conn *c = w->conns, *next;

	for (; c; c = next) {
		next = c->next;
		if (w->now >= c->deadline)
			conn_timeout(c);
	}
}

static void worker_tick(struct evsource *src, uint32_t events)
{
	struct worker *w = (struct worker *)((char *)src -
					     offsetof(struct worker, tick));
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_msg("timerfd: %s", strerror(errno));
	w->tick_due = true;
}

static void worker_message(struct evsource *src, uint32_t events)
{
	struct worker *w = (struct worker *)((char *)src -
					     offsetof(struct worker, msg));
	struct worker_msg m;

	(void)events;
	while (read(src->fd, &m, sizeof(m)) == sizeof(m)) {
		switch (m.type) {
		case MSG_ADOPT:
			atomic_fetch_sub(&w->pending, 1);
			tune_accepted(m.fd);
			conn_adopt(w, m.fd, (struct sockaddr *)&m.peer,
				   m.peerlen, m.bytes, m.len, m.tls);
			free(m.bytes);
			break;
		case MSG_CONFIG:
			config_put(w->cfg);
			w->cfg = m.cfg;
			fdcache_set_valid(w->fc, w->cfg->fdcache_valid);
			break;
		case MSG_DRAIN:
			w->draining = true;
			for (size_t i = 0; i < w->nlisteners; i++) {
				worker_unwatch(w, &w->listeners[i].ev);
				if (!w->listeners[i].shared)	/* the master's */
					close(w->listeners[i].ev.fd);
				close(w->listeners[i].spare_fd);
			}
			w->nlisteners = 0;
			w->drain_due = true;
			break;
		}
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64];

	while (!w->draining || atomic_load(&w->nconns)) {
		/* held TLS input is served before sleeping again */
		int n = epoll_wait(w->epfd, evs, 64, w->tls_ready ? 0 : -1);

		worker_update_date(w);
		for (int i = 0; i < n; i++) {
			struct evsource *src = evs[i].data.ptr;

			src->cb(src, evs[i].events);
		}
		worker_run_tls_ready(w);
		/* Closing others' conns waits until no event points at them. */
		if (w->tick_due)
			worker_timeouts(w);
		if (w->drain_due)
			worker_close_idle(w);
		w->tick_due = w->drain_due = false;
		worker_free_deferred(w);
	}
	return NULL;
}

int worker_start(struct worker *w, unsigned id, struct config *cfg,
		 const int *listen_fds, size_t nlisten, bool reuseport)
{
	struct itimerspec its = { .it_interval.tv_sec = 1, .it_value.tv_sec = 1 };
	int pfd[2];

	w->id = id;
	w->cfg = config_get(cfg);
	w->fc = fdcache_new(cfg->fdcache_entries, 64, cfg->fdcache_valid,
			    static_open);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	w->tick.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (!w->fc || w->epfd < 0 || w->tick.fd < 0 ||
	    pipe2(pfd, O_CLOEXEC) || fcntl(pfd[0], F_SETFL, O_NONBLOCK))
		return -1;
	w->msg.fd = pfd[0];
	w->msg.cb = worker_message;
	w->msg_wr = pfd[1];
	w->tick.cb = worker_tick;
	timerfd_settime(w->tick.fd, 0, &its, NULL);
	if (worker_watch(w, &w->msg, EPOLLIN) || worker_watch(w, &w->tick, EPOLLIN))
		return -1;
	w->listeners = calloc(nlisten ? nlisten : 1, sizeof(*w->listeners));
	if (!w->listeners)
		return -1;
	w->nlisteners = nlisten;
	for (size_t i = 0; i < nlisten; i++) {
		struct listener *l = &w->listeners[i];

		l->ev.fd = listen_fds[i];
		l->tls = cfg->listen[i].tls;
		l->shared = !reuseport;
		if (listener_init(l, w, worker_accept) ||
		    worker_watch(w, &l->ev,
				 EPOLLIN | (l->shared ? EPOLLEXCLUSIVE : 0)))
			return -1;
	}
	worker_update_date(w);
	return pthread_create(&w->thread, NULL, worker_main, w) ? -1 : 0;
}

void worker_cleanup(struct worker *w)
{
	pthread_join(w->thread, NULL);
	worker_free_deferred(w);
	fdcache_free(w->fc);
	config_put(w->cfg);
	close(w->epfd);
	close(w->tick.fd);
	close(w->msg.fd);
	close(w->msg_wr);
	free(w->listeners);
}
