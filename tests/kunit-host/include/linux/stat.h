/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* kmod/ code built in userspace (tests/kunit-host): the file mode macros are libc's. */
#ifndef KHTTPD_KUNIT_HOST_LINUX_STAT_H
#define KHTTPD_KUNIT_HOST_LINUX_STAT_H

#include_next <linux/stat.h>
#include <sys/stat.h>

#endif
