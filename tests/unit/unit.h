/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A minimal assertion counter for the userspace unit tests. */
#ifndef KHTTPD_UNIT_H
#define KHTTPD_UNIT_H

#include <stdio.h>

extern unsigned long unit_passed, unit_failed;

/* CHECK(condition, printf-format, args...): counts one assertion. */
#define CHECK(cond, ...)						\
	do {								\
		if (cond) {						\
			unit_passed++;					\
		} else {						\
			unit_failed++;					\
			fprintf(stderr, "%s:%d: FAIL (%s): ", __FILE__,	\
				__LINE__, #cond);			\
			fprintf(stderr, __VA_ARGS__);			\
			fputc('\n', stderr);				\
		}							\
	} while (0)

void test_vectors(void);
void test_parser(void);
void test_response(void);

#endif /* KHTTPD_UNIT_H */
