/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Minimal assertions for the daemon's unit tests: each EXPECT counts one
 * pass or one failure (with file:line and the expression); expect_done()
 * prints the "N passed, N failed" line and gives the exit status.
 */
#ifndef KHTTPDD_TESTS_EXPECT_H
#define KHTTPDD_TESTS_EXPECT_H

#include <stdatomic.h>
#include <stdio.h>

static atomic_uint expect_passed, expect_failed;

#define EXPECT(cond, ...)						\
	do {								\
		if (cond) {						\
			atomic_fetch_add(&expect_passed, 1);		\
		} else {						\
			atomic_fetch_add(&expect_failed, 1);		\
			fprintf(stderr, "%s:%d: FAILED: %s: ",		\
				__FILE__, __LINE__, #cond);		\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

static inline int expect_done(const char *suite)
{
	printf("%s\n%u passed, %u failed\n", suite,
	       atomic_load(&expect_passed), atomic_load(&expect_failed));
	return atomic_load(&expect_failed) ? 1 : 0;
}

#endif /* KHTTPDD_TESTS_EXPECT_H */
