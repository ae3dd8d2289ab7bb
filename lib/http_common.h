/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the files of lib/ share and nobody else needs: the character classes
 * of RFC 9110 / RFC 9112, and the path and Host checks the request parser
 * borrows from http_path.c and http_host.c. The public contract stays in
 * include/khttpd/.
 */
#ifndef KHTTPD_LIB_HTTP_COMMON_H
#define KHTTPD_LIB_HTTP_COMMON_H

#include <khttpd/http_parser.h>

static inline bool is_digit(u8 c)
{
	return c >= '0' && c <= '9';
}

static inline bool is_alpha(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static inline int hex_value(u8 c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static inline bool is_ows(u8 c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_ctl(u8 c)
{
	return c < 0x20 || c == 0x7f;
}

/*
 * khttp_path_normalize() without an output: 0 when raw[0..len) decodes and
 * stays beneath "/", else the KHTTP_E_PATH_* it would fail with.
 */
int khttp_path_check(const char *raw, size_t len);

/* The value of a Host field (or an absolute-form authority) is acceptable. */
bool khttp_host_valid(const char *p, size_t n);
/*
 * Of a valid Host value p[0..n): the length of its name, without ":port"
 * and without a trailing dot ("[v6]" keeps its brackets).
 */
size_t khttp_host_name_len(const char *p, size_t n);

#endif /* KHTTPD_LIB_HTTP_COMMON_H */
