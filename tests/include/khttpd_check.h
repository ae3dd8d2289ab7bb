/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The one assertion counter of the userspace unit tests (tests/unit and
 * userspace/tests). CHECK counts one pass, or one failure reported with
 * file:line, the expression and an optional printf-style note;
 * check_done() prints the "N passed, N failed" line the runners add up
 * and gives the exit status.
 */
#ifndef KHTTPD_CHECK_H
#define KHTTPD_CHECK_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>

/*
 * Weak: one pair for the whole program however many of its files include
 * this. Atomic: tests that run threads count from each of them.
 */
__attribute__((weak)) atomic_ulong check_passed, check_failed;

__attribute__((format(printf, 4, 5)))
static inline void check_fail(const char *file, int line, const char *what,
			      const char *fmt, ...)
{
	va_list ap;

	atomic_fetch_add(&check_failed, 1);
	fprintf(stderr, "%s:%d: FAIL (%s)", file, line, what);
	if (fmt[1]) {	/* more than the separator CHECK puts first */
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
	}
	fputc('\n', stderr);
}

/* CHECK(condition) or CHECK(condition, "format", args...). */
#define CHECK(cond, ...)						\
	do {								\
		if (cond)						\
			atomic_fetch_add(&check_passed, 1);		\
		else							\
			check_fail(__FILE__, __LINE__, #cond,		\
				   " " __VA_ARGS__);			\
	} while (0)

/* Many sub-checks counted as one (a loop over every split point). */
#define CHECK_ALL(name, bad)						\
	do {								\
		int bad_ = (int)(bad);					\
									\
		if (!bad_)						\
			atomic_fetch_add(&check_passed, 1);		\
		else							\
			check_fail(__FILE__, __LINE__, name,		\
				   ": %d cases failed", bad_);		\
	} while (0)

/* The tally line (after the suite's name, if given); the exit status. */
static inline int check_done(const char *suite)
{
	unsigned long failed = atomic_load(&check_failed);

	if (suite)
		printf("%s\n", suite);
	printf("%lu passed, %lu failed\n", atomic_load(&check_passed), failed);
	return failed ? 1 : 0;
}

#endif /* KHTTPD_CHECK_H */
