// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Userspace unit tests of the shared parser and response code. */
#include "unit.h"

unsigned long unit_passed, unit_failed;

int main(void)
{
	test_vectors();
	test_parser();
	test_response();
	printf("%lu passed, %lu failed\n", unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}
