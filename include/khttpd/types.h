/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The few types and helpers the shared HTTP code needs, so that the same
 * sources compile in the kernel module and in the userspace daemon.
 */
#ifndef KHTTPD_TYPES_H
#define KHTTPD_TYPES_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/string.h>
#include <linux/kernel.h>
#else
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
/* The compiler's own names, so the kernel's short ones mean the same here. */
typedef __UINT8_TYPE__ u8;
typedef __UINT16_TYPE__ u16;
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
typedef __INT64_TYPE__ s64;
#endif

#endif /* KHTTPD_TYPES_H */
