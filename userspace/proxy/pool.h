/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Idle keep-alive connections to backends, one pool per worker thread: a
 * session that completed its exchange in step leaves the connection here,
 * the next request to the same address takes it instead of connecting.
 * Any event on an idle connection means the backend closed it (or
 * misbehaves): it is dropped, and so is one idle for POOL_IDLE_MS.
 */
#ifndef KHTTPDD_PROXY_POOL_H
#define KHTTPDD_PROXY_POOL_H

#include <stdint.h>

#include "balancer.h"

#define POOL_IDLE_MS 15000

struct pooled;
struct worker;

struct proxy_pool {
	struct worker *w;	/* the thread whose epoll set watches them */
	struct pooled *idle;	/* most recently put first */
	unsigned nidle;
};

/* An idle connection to be's address, taken out of the pool, or -1. */
int proxy_pool_take(struct proxy_pool *pool, const struct balancer_backend *be);
/*
 * Keep fd (connected to be, registered in pool->w's epoll set) unless
 * limit connections to that address are idle already: then it is closed.
 */
void proxy_pool_put(struct proxy_pool *pool, int fd,
		    const struct balancer_backend *be, int limit);
/* Close the connections idle for longer than POOL_IDLE_MS at now (ms). */
void proxy_pool_expire(struct proxy_pool *pool, int64_t now);
/* At exit, after the workers stopped: close and free everything. */
void proxy_pool_free(struct proxy_pool *pool);

#endif /* KHTTPDD_PROXY_POOL_H */
