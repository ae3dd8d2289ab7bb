/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The part of the KUnit API the suites of kmod's pure logic use, for
 * running them as a userspace program (tests/kunit-host): there they are
 * fast, sanitized and measured by gcov. Each expectation is one CHECK of
 * tests/include/khttpd_check.h; a case that failed one is reported.
 */
#ifndef KHTTPD_KUNIT_HOST_TEST_H
#define KHTTPD_KUNIT_HOST_TEST_H

#include <errno.h>	/* the kernel's <kunit/test.h> brings the error numbers */
#include <stdbool.h>
#include <string.h>
#include "khttpd_check.h"

struct kunit {
	const char *name;	/* the case running */
	int failures;
};

struct kunit_case {
	void (*run_case)(struct kunit *test);
	const char *name;
};

struct kunit_suite {
	const char *name;
	struct kunit_case *test_cases;
};

#define KUNIT_CASE(fn) { .run_case = fn, .name = #fn }

/* Called before main() by kunit_test_suite(); main.c runs them. */
void kunit_host_register(struct kunit_suite *suite);
#define kunit_test_suite(suite)						\
	__attribute__((constructor)) static void kunit_reg_##suite(void)	\
	{ kunit_host_register(&suite); }

static inline void kunit_host_expect(struct kunit *test, bool ok,
				     const char *what, const char *file,
				     int line)
{
	if (ok) {
		atomic_fetch_add(&check_passed, 1);
		return;
	}
	test->failures++;
	check_fail(file, line, what, ": in %s", test->name);
}

#define KUNIT_EXPECT_(test, ok, what)					\
	kunit_host_expect(test, ok, what, __FILE__, __LINE__)
#define KUNIT_EXPECT_TRUE(test, c)	KUNIT_EXPECT_(test, !!(c), #c)
#define KUNIT_EXPECT_FALSE(test, c)	KUNIT_EXPECT_(test, !(c), "!(" #c ")")
#define KUNIT_EXPECT_EQ(test, a, b)	KUNIT_EXPECT_(test, (a) == (b), #a " == " #b)
#define KUNIT_EXPECT_STREQ(test, a, b)					\
	KUNIT_EXPECT_(test, !strcmp(a, b), #a " == " #b)

#endif /* KHTTPD_KUNIT_HOST_TEST_H */
