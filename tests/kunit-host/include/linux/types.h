/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * kmod/ code built in userspace (tests/kunit-host): the uapi types and
 * the kernel's umode_t.
 */
#ifndef KHTTPD_KUNIT_HOST_LINUX_TYPES_H
#define KHTTPD_KUNIT_HOST_LINUX_TYPES_H

#include_next <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

typedef unsigned short umode_t;

#endif
