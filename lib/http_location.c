// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Paths put back on the wire: the normalised path percent-encoded, and the
 * Location of the directory redirect built from it. The module and the
 * daemon both answer "GET /dir" with a 301; building its Location from the
 * raw target let "//evil.example/../dir" send browsers off-site, so both
 * build it here, from what the normaliser decided the request names.
 */
#include <khttpd/http_response.h>
#include "http_common.h"

static const char khttp_hex[] = "0123456789ABCDEF";

/* Bytes a path segment may hold literally and that mean the same to all. */
static bool path_literal(u8 c)
{
	if (is_alpha(c) || is_digit(c))
		return true;
	switch (c) {
	case '-': case '.': case '_': case '~': case '/': case '!': case '$':
	case '&': case '\'': case '(': case ')': case '*': case '+': case ',':
	case '=': case ':': case '@':
		return true;
	}
	return false;
}

/* A query byte kept as sent: pchar, '/', '?' (RFC 3986 3.4), but '%'. */
static bool query_literal(u8 c)
{
	return c == '?' || c == ';' || path_literal(c);
}

/* Appends to out[0..outsz) while it fits; *o counts what was needed. */
static void put_byte(char *out, size_t outsz, size_t *o, u8 c, bool literal)
{
	if (literal) {
		if (*o < outsz)
			out[*o] = (char)c;
		*o += 1;
		return;
	}
	if (*o + 3 <= outsz) {
		out[*o] = '%';
		out[*o + 1] = khttp_hex[c >> 4];
		out[*o + 2] = khttp_hex[c & 15];
	}
	*o += 3;
}

size_t khttp_path_encode(char *out, size_t outsz, const char *path,
			 size_t len)
{
	size_t i, o = 0;

	if (!out)
		outsz = 0;
	for (i = 0; i < len; i++)
		put_byte(out, outsz, &o, (u8)path[i], path_literal((u8)path[i]));
	return o;
}

size_t khttp_location_build(char *out, size_t outsz, const char *path,
			    size_t path_len, const char *query,
			    size_t query_len)
{
	size_t i, o;

	if (!out)
		return 0;
	/*
	 * An absolute path whose second byte is no '/': "//host" is a
	 * network-path reference, and '\\' (which browsers read as '/') is
	 * always encoded below.
	 */
	if (!path_len || path[0] != '/' || (path_len > 1 && path[1] == '/'))
		return 0;
	o = khttp_path_encode(out, outsz, path, path_len);
	if (path[path_len - 1] != '/')
		put_byte(out, outsz, &o, '/', true);
	if (query_len)
		put_byte(out, outsz, &o, '?', true);
	for (i = 0; i < query_len; i++) {
		u8 c = (u8)query[i];
		/* an escape stays one: the query means what the client meant */
		bool escape = c == '%' && i + 2 < query_len &&
			      hex_value((u8)query[i + 1]) >= 0 &&
			      hex_value((u8)query[i + 2]) >= 0;

		put_byte(out, outsz, &o, c, escape || query_literal(c));
	}
	if (o >= outsz)
		return 0;
	out[o] = '\0';
	return o;
}
