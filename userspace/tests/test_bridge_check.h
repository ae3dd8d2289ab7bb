/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Minimal assertion counters for the bridge/CGI/FastCGI unit tests. */
#ifndef TEST_BRIDGE_CHECK_H
#define TEST_BRIDGE_CHECK_H

#include <stdio.h>

static int tc_passed, tc_failed;

#define CHECK(cond) do {						\
	if (cond) {							\
		tc_passed++;						\
	} else {							\
		tc_failed++;						\
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n",		\
			__FILE__, __LINE__, #cond);			\
	}								\
} while (0)

/* Many sub-checks counted as one (for loops over every split point). */
#define CHECK_ALL(name, bad) do {					\
	if (!(bad)) {							\
		tc_passed++;						\
	} else {							\
		tc_failed++;						\
		fprintf(stderr, "%s:%d: %s: %d cases failed\n",		\
			__FILE__, __LINE__, name, (int)(bad));		\
	}								\
} while (0)

static inline int tc_report(void)
{
	printf("%d passed, %d failed\n", tc_passed, tc_failed);
	return tc_failed ? 1 : 0;
}

#endif
