// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Userspace unit tests of the shared parser and response code. */
#include "unit.h"

int main(void)
{
	test_vectors();
	test_parser();
	test_response();
	return check_done(NULL);
}
