/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* kmod/ code built in userspace (tests/kunit-host): the string functions are libc's. */
#ifndef KHTTPD_KUNIT_HOST_LINUX_STRING_H
#define KHTTPD_KUNIT_HOST_LINUX_STRING_H

#include_next <linux/string.h>
#include <string.h>
#include <strings.h>

#endif
