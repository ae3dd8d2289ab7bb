/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The suites of the shared code's unit tests, run by unit_main.c. */
#ifndef KHTTPD_UNIT_H
#define KHTTPD_UNIT_H

#include "khttpd_check.h"

void test_vectors(void);
void test_parser(void);
void test_response(void);

#endif /* KHTTPD_UNIT_H */
