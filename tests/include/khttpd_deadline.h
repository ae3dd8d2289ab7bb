/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Deadlines for the C test clients (tests/bridge/nlclaim, tests/give/
 * givetest): nothing they wait for is waited for without one.
 */
#ifndef KHTTPD_DEADLINE_H
#define KHTTPD_DEADLINE_H

#include <errno.h>
#include <poll.h>
#include <time.h>

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait for fd to be readable until the absolute deadline: 1, or 0 past it. */
static inline int await_in(int fd, long long deadline)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long left;

	while ((left = deadline - now_ms()) > 0) {
		int n = poll(&pfd, 1, (int)left);

		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return 0;
	}
	return 0;
}

#endif /* KHTTPD_DEADLINE_H */
