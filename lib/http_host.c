// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The Host grammar khttpd accepts (RFC 9110 7.2, RFC 3986 3.2.2), shared by
 * the Host field and absolute-form targets. Apart from the request parser
 * because IP literals and ports are a grammar of their own; stricter than the
 * RFC's reg-name because hosts may name directories.
 */
#include "http_common.h"

/* RFC 3986 dec-octet "." dec-octet "." dec-octet "." dec-octet */
static bool ipv4_valid(const char *p, size_t n)
{
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned int v = 0;

		while (i < n && is_digit(p[i]) && i - start < 3)
			v = v * 10 + (p[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && p[start] == '0'))
			return false;
		if (part < 3) {
			if (i >= n || p[i] != '.')
				return false;
			i++;
		}
	}
	return i == n;
}

/* RFC 3986 IPv6address, without zone identifiers */
static bool ipv6_valid(const char *p, size_t n)
{
	size_t i = 0;
	int groups = 0;
	bool compressed = false;

	if (n >= 2 && p[0] == ':' && p[1] == ':') {
		compressed = true;
		i = 2;
	} else if (n && p[0] == ':') {
		return false;
	}
	while (i < n) {
		size_t start = i;

		while (i < n && hex_value(p[i]) >= 0 && i - start < 5)
			i++;
		if (i < n && p[i] == '.') {
			/* trailing IPv4 part: two groups' worth */
			if (!ipv4_valid(p + start, n - start))
				return false;
			groups += 2;
			break;
		}
		if (i == start || i - start > 4)
			return false;
		groups++;
		if (i == n)
			break;
		if (p[i++] != ':' || i == n)
			return false;
		if (p[i] == ':') {
			if (compressed)
				return false;
			compressed = true;
			i++;
		}
	}
	return compressed ? groups <= 7 : groups == 8;
}

/*
 * Host = uri-host [ ":" port ]. uri-host is an [IPv6] literal or a name of
 * letters, digits, '-', '_' and non-empty dot-separated labels (an IPv4
 * address is such a name); a trailing dot is allowed. Percent-encoding and
 * the other reg-name characters are refused: hosts may name directories.
 */
bool khttp_host_valid(const char *p, size_t n)
{
	size_t i = 0, port;
	unsigned int v = 0;

	if (!n)
		return true;
	if (p[0] == '[') {
		while (i < n && p[i] != ']')
			i++;
		if (i == n || !ipv6_valid(p + 1, i - 1))
			return false;
		i++;
	} else {
		bool label_empty = true;

		for (; i < n && p[i] != ':'; i++) {
			if (p[i] == '.') {
				if (label_empty)
					return false;
				label_empty = true;
			} else if (is_alpha(p[i]) || is_digit(p[i]) ||
				   p[i] == '-' || p[i] == '_') {
				label_empty = false;
			} else {
				return false;
			}
		}
		if (i == 0)
			return false;
	}
	if (i == n)
		return true;
	if (p[i++] != ':')
		return false;
	for (port = i; i < n; i++) {
		if (!is_digit(p[i]) || i - port >= 5)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	return v <= 65535;
}

size_t khttp_host_name_len(const char *p, size_t n)
{
	size_t i = 0;

	if (n && p[0] == '[') {
		while (i < n && p[i] != ']')
			i++;
		return i < n ? i + 1 : n;
	}
	while (i < n && p[i] != ':')
		i++;
	/* "name." and "name" are one name (RFC 1034 3.1: the root label) */
	return i && p[i - 1] == '.' ? i - 1 : i;
}
