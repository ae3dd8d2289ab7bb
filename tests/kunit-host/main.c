// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Runs the KUnit suites of kmod's pure logic (rules.c, pathcheck.c) as a
 * userspace program: each case is "ok" or "not ok", and the last line is
 * the tally of expectations. scripts/kunit runs the same suites in the
 * kernel; here they are quick, run under ASan and UBSan, and gcov can
 * measure the module code they reach (scripts/coverage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <kunit/test.h>

static struct kunit_suite *suites[8];
static size_t nsuites;

void kunit_host_register(struct kunit_suite *suite)
{
	if (nsuites == sizeof(suites) / sizeof(suites[0])) {
		fprintf(stderr, "kunit-host: more suites than %zu\n", nsuites);
		exit(2);
	}
	suites[nsuites++] = suite;
}

int main(void)
{
	struct kunit_case *c;
	size_t i;

	for (i = 0; i < nsuites; i++)
		for (c = suites[i]->test_cases; c->run_case; c++) {
			struct kunit test = { .name = c->name };

			c->run_case(&test);
			printf("%s - %s.%s\n", test.failures ? "not ok" : "ok",
			       suites[i]->name, c->name);
		}
	return check_done("tests/kunit-host");
}
