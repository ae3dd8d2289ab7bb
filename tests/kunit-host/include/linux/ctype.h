/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* kmod/ code built in userspace (tests/kunit-host): the character classes are libc's. */
#ifndef KHTTPD_KUNIT_HOST_LINUX_CTYPE_H
#define KHTTPD_KUNIT_HOST_LINUX_CTYPE_H

#include <ctype.h>

#endif
