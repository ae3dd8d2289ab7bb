/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's one clock for timeouts and rates: CLOCK_MONOTONIC, in
 * milliseconds where a second is too coarse (proxy and bridge deadlines),
 * and in the whole seconds the workers keep in w->now (the coarse clock:
 * no system call, and precise enough for second-sized timeouts).
 */
#ifndef KHTTPDD_MONOTONIC_H
#define KHTTPDD_MONOTONIC_H

#include <stdint.h>
#include <time.h>

static inline int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t monotonic_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

#endif /* KHTTPDD_MONOTONIC_H */
