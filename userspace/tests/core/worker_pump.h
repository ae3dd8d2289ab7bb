/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Driving the core without worker threads, for the core's unit tests: a
 * connection adopted from one end of a socketpair (the test holds the
 * other, the client's), and one round of the worker's epoll loop.
 */
#ifndef KHTTPD_TESTS_WORKER_PUMP_H
#define KHTTPD_TESTS_WORKER_PUMP_H

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/khttpdd.h"

/* Run w's ready callbacks once (waiting up to ms), as worker_main() does. */
static inline void worker_pump(struct worker *w, int ms)
{
	struct epoll_event evs[8];
	int n = epoll_wait(w->epfd, evs, 8, ms);

	for (int i = 0; i < n; i++) {
		struct evsource *src = evs[i].data.ptr;

		src->cb(src, evs[i].events);
	}
}

/* A connection of w that already received bytes: returns the client's fd. */
static inline int worker_pair(struct worker *w, const char *bytes)
{
	int sv[2];
	struct sockaddr_in peer = { .sin_family = AF_INET };

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		exit(2);
	conn_adopt(w, sv[0], (struct sockaddr *)&peer, sizeof(peer), bytes,
		   strlen(bytes), false);
	return sv[1];
}

#endif /* KHTTPD_TESTS_WORKER_PUMP_H */
