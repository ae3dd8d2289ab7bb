// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Connections to FastCGI app servers (see fcgi_pool.h): idle ones kept
 * per worker thread and server, new ones opened. Out of the fastcgi
 * plugin, which only drops the pools of a config it frees.
 */
#define _GNU_SOURCE
#include "fcgi_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/khttpdd.h"

/* Idle connections of one worker thread to one server. */
struct fcgi_pool {
	struct fcgi_pool *next;
	const struct fcgi_server *srv;
	pthread_t thread;
	int *fds;
	unsigned n;
};

/* All pools: workers take their own, fcgi_pools_drop() frees them. */
static pthread_mutex_t pools_lock = PTHREAD_MUTEX_INITIALIZER;
static struct fcgi_pool *pools;

static struct fcgi_pool *fcgi_pool_of(const struct fcgi_server *srv)
{
	struct fcgi_pool *p;

	for (p = pools; p; p = p->next)
		if (p->srv == srv && pthread_equal(p->thread, pthread_self()))
			return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->fds = calloc(srv->pool_size ? srv->pool_size : 1, sizeof(int));
	if (!p->fds) {
		free(p);
		return NULL;
	}
	p->srv = srv;
	p->thread = pthread_self();
	p->next = pools;
	pools = p;
	return p;
}

/* An idle connection the app has not closed meanwhile, or -1. */
static int fcgi_pool_get(const struct fcgi_server *srv)
{
	struct fcgi_pool *p;
	int fd = -1;
	char b;

	pthread_mutex_lock(&pools_lock);
	p = fcgi_pool_of(srv);
	while (p && p->n) {
		ssize_t n;

		fd = p->fds[--p->n];
		n = recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
		if (n < 0 && errno == EAGAIN)
			break;
		close(fd);	/* closed by the app, or stray bytes */
		fd = -1;
	}
	pthread_mutex_unlock(&pools_lock);
	return fd;
}

void fcgi_pool_put(const struct fcgi_server *srv, int fd)
{
	struct fcgi_pool *p;

	pthread_mutex_lock(&pools_lock);
	p = fcgi_pool_of(srv);
	if (p && p->n < srv->pool_size)
		p->fds[p->n++] = fd;
	else
		close(fd);
	pthread_mutex_unlock(&pools_lock);
}

void fcgi_pools_drop(const struct fcgi_server *srv)
{
	struct fcgi_pool **pp, *p;

	pthread_mutex_lock(&pools_lock);
	for (pp = &pools; (p = *pp);) {
		if (srv && p->srv != srv) {
			pp = &p->next;
			continue;
		}
		*pp = p->next;
		while (p->n)
			close(p->fds[--p->n]);
		free(p->fds);
		free(p);
	}
	pthread_mutex_unlock(&pools_lock);
}


int fcgi_pool_connect(const struct fcgi_server *srv, bool *connecting)
{
	int fd = fcgi_pool_get(srv);

	*connecting = false;
	if (fd >= 0)
		return fd;
	fd = socket(srv->addr.ss_family,
		    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&srv->addr, srv->addrlen)) {
		if (errno != EINPROGRESS && errno != EAGAIN) {
			log_msg("fastcgi: cannot connect to %s: %s",
				srv->name, strerror(errno));
			close(fd);
			return -1;
		}
		*connecting = true;
	}
	return fd;
}
