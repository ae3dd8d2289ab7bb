// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Idle keep-alive backend connections (see pool.h). */
#include "pool.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "core/khttpdd.h"
#include "core/monotonic.h"

struct pooled {
	struct evsource ev;
	bool dead;
	struct proxy_pool *pool;
	struct pooled *prev, *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int64_t since;			/* ms */
};

/*
 * Leave the epoll set before closing: a CGI child forked meanwhile may
 * hold a copy of the fd, and its registration would outlive the close.
 */
static void fd_close(struct proxy_pool *pool, int fd)
{
	struct evsource ev = { .fd = fd };

	worker_unwatch(pool->w, &ev);
	close(fd);
}

static void pooled_drop(struct pooled *p)
{
	struct proxy_pool *pool = p->pool;

	if (p->prev)
		p->prev->next = p->next;
	else
		pool->idle = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pool->nidle--;
	p->dead = true;
	worker_defer_free(pool->w, p, free);
}

static void pooled_close(struct pooled *p)
{
	fd_close(p->pool, p->ev.fd);
	pooled_drop(p);
}

/* Any event on an idle connection: the backend closed it (or misbehaves). */
static void pooled_event(struct evsource *src, uint32_t events)
{
	struct pooled *p = (struct pooled *)src;

	(void)events;
	if (!p->dead)
		pooled_close(p);
}

static bool same_addr(const struct sockaddr_storage *a, socklen_t al,
		      const struct sockaddr_storage *b, socklen_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

int proxy_pool_take(struct proxy_pool *pool, const struct balancer_backend *be)
{
	int64_t t = monotonic_ms();

	for (struct pooled *p = pool->idle, *next; p; p = next) {
		int fd = p->ev.fd;

		next = p->next;
		if (!same_addr(&p->addr, p->addrlen, &be->addr, be->addrlen))
			continue;
		if (t - p->since > POOL_IDLE_MS) {
			pooled_close(p);
			continue;
		}
		pooled_drop(p);
		return fd;
	}
	return -1;
}

void proxy_pool_put(struct proxy_pool *pool, int fd,
		    const struct balancer_backend *be, int limit)
{
	struct pooled *p;
	unsigned same = 0;

	for (p = pool->idle; p; p = p->next)
		same += same_addr(&p->addr, p->addrlen, &be->addr, be->addrlen);
	if ((int)same >= limit || !(p = calloc(1, sizeof(*p)))) {
		fd_close(pool, fd);
		return;
	}
	p->ev.fd = fd;
	p->ev.cb = pooled_event;
	p->pool = pool;
	memcpy(&p->addr, &be->addr, be->addrlen);
	p->addrlen = be->addrlen;
	p->since = monotonic_ms();
	if (worker_watch_mod(pool->w, &p->ev, EPOLLIN | EPOLLRDHUP)) {
		fd_close(pool, fd);
		free(p);
		return;
	}
	p->next = pool->idle;
	if (pool->idle)
		pool->idle->prev = p;
	pool->idle = p;
	pool->nidle++;
}

void proxy_pool_expire(struct proxy_pool *pool, int64_t now)
{
	for (struct pooled *p = pool->idle, *next; p; p = next) {
		next = p->next;
		if (now - p->since > POOL_IDLE_MS)
			pooled_close(p);
	}
}

void proxy_pool_free(struct proxy_pool *pool)
{
	while (pool->idle) {
		struct pooled *p = pool->idle;

		pool->idle = p->next;
		close(p->ev.fd);
		free(p);
	}
	pool->nidle = 0;
}
