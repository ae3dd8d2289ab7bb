// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for khttp_parse(). Every input is parsed with the
 * default limits and with small ones, and must satisfy:
 * - whole, byte-by-byte and two-piece feeding leave identical requests;
 * - a complete head lies inside the input, ends with CRLF CRLF, and every
 *   span lies inside it; the flags agree with each other;
 * - the path normalizes to something starting with '/', without "//",
 *   dot-segments or control characters;
 * - the directory redirect's Location built from it never starts with "//"
 *   or "/\", holds only visible ASCII but '\' and '#', decodes back to
 *   that path and normalizes to it, and keeps the query's meaning;
 * - khttp_field_next() visits nfields fields inside the head;
 * - the response helpers give sane answers for the request.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <khttpd/http_response.h>

static void fail(const char *what)
{
	fprintf(stderr, "invariant broken: %s\n", what);
	abort();
}

#define ENSURE(cond) do { if (!(cond)) fail(#cond); } while (0)

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_growing(struct khttp_request *r, const struct khttp_limits *lim,
			 const char *buf, size_t len)
{
	int rc = KHTTP_AGAIN;
	size_t k;

	khttp_request_init(r);
	for (k = 0; k <= len && rc == KHTTP_AGAIN; k++)
		rc = khttp_parse(r, lim, buf, k);
	return rc;
}

static bool span_inside(struct khttp_span s, size_t head_len)
{
	return (size_t)s.off + s.len <= head_len;
}

/* Percent-decoding, a '%' without two hex digits kept as it is. */
static size_t decode(const char *in, size_t len, char *out)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int hi = i + 2 < len ? hex_digit(in[i + 1]) : -1;
		int lo = i + 2 < len ? hex_digit(in[i + 2]) : -1;

		if (in[i] == '%' && hi >= 0 && lo >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = in[i];
		}
	}
	return o;
}

static void check_location(const char *buf, const struct khttp_request *r,
			   const char *path, size_t plen)
{
	static char loc[3 * (KHTTP_HEAD_CEILING + 4)], a[sizeof(loc)],
		b[sizeof(loc)], again[KHTTP_HEAD_CEILING + 4];
	size_t n = khttp_location_build(loc, sizeof(loc), path, plen,
					buf + r->query.off, r->query.len);
	const char *q;
	size_t i, pl, dl;
	int m;

	ENSURE(n >= 1 && loc[0] == '/' && loc[n] == '\0');
	ENSURE(loc[1] != '/' && loc[1] != '\\');
	for (i = 0; i < n; i++)
		ENSURE(loc[i] > 0x20 && loc[i] < 0x7f && loc[i] != '\\' &&
		       loc[i] != '#');
	/* the path part decodes to the normalized path and its slash */
	q = memchr(loc, '?', n);
	pl = q ? (size_t)(q - loc) : n;
	dl = decode(loc, pl, a);
	ENSURE(loc[pl - 1] == '/');
	ENSURE(dl == plen + (path[plen - 1] != '/') && !memcmp(a, path, plen));
	/* a client that follows it names the same directory */
	m = khttp_path_normalize(loc, pl, again, sizeof(again));
	ENSURE(m >= 0 && (size_t)m == dl && !memcmp(again, a, dl));
	/* the query is there exactly when there was one, meaning the same */
	ENSURE(!q == !r->query.len);
	if (q) {
		dl = decode(q + 1, n - pl - 1, a);
		ENSURE(dl == decode(buf + r->query.off, r->query.len, b) &&
		       !memcmp(a, b, dl));
	}
	/* exactly the room it needs */
	ENSURE(khttp_location_build(loc, n, path, plen, buf + r->query.off,
				    r->query.len) == 0);
}

static void check_path(const char *buf, const struct khttp_request *r)
{
	static char out[KHTTP_HEAD_CEILING + 2];
	int n = khttp_path_normalize(buf + r->path.off, r->path.len, out, sizeof(out));
	int i;

	ENSURE(n >= 1 && out[0] == '/' && out[n] == '\0');
	ENSURE(khttp_mime_type(out, n)[0] != '\0');
	for (i = 0; i < n; i++) {
		ENSURE((unsigned char)out[i] >= 0x20 && out[i] != 0x7f);
		if (out[i] != '/')
			continue;
		ENSURE(i + 1 == n || out[i + 1] != '/');
		/* no "/." or "/.." segment */
		if (i + 1 < n && out[i + 1] == '.') {
			int e = i + 2;

			if (e < n && out[e] == '.')
				e++;
			ENSURE(e < n && out[e] != '/');
		}
	}
	check_location(buf, r, out, (size_t)n);
}

static void check_done(const char *buf, size_t len, const struct khttp_request *r)
{
	const struct khttp_span spans[] = {
		r->method_str, r->target, r->path, r->query, r->host,
		r->if_none_match, r->if_range, r->user_agent, r->referer,
		r->authorization, r->content_type,
	};
	struct khttp_span name, value;
	u16 pos = 0, fields = 0;
	size_t i;

	ENSURE(r->head_len >= 4 && r->head_len <= len);
	ENSURE(!memcmp(buf + r->head_len - 4, "\r\n\r\n", 4));
	for (i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		ENSURE(span_inside(spans[i], r->head_len));
	ENSURE(r->version == 10 || r->version == 11);
	ENSURE(r->method >= KHTTP_METHOD_GET && r->method <= KHTTP_METHOD_PATCH);
	ENSURE(!!(r->flags & KHTTP_F_HAS_BODY) ==
	       (r->content_length > 0 || !!(r->flags & KHTTP_F_CHUNKED)));
	ENSURE(!(r->flags & KHTTP_F_CHUNKED) || (!r->content_length && r->version == 11));
	ENSURE(!((r->flags & KHTTP_F_HAS_RANGE) && (r->flags & KHTTP_F_RANGE_MULTI)));
	if (r->flags & KHTTP_F_HAS_RANGE)
		ENSURE(r->range_first != KHTTP_RANGE_NONE || r->range_last != KHTTP_RANGE_NONE);
	check_path(buf, r);

	while (khttp_field_next(buf, r, &pos, &name, &value)) {
		ENSURE(name.len > 0 && span_inside(name, r->head_len) &&
		       span_inside(value, r->head_len) && pos <= r->head_len);
		fields++;
	}
	ENSURE(fields == r->nfields);

	/* the response side must cope with whatever the parser accepted */
	{
		static const char etag[] = "\"1-2-3\"";
		u64 size = len * 7, start, n;
		int st = khttp_conditional(buf, r, etag, sizeof(etag) - 1, 1000);
		char head[1024];
		struct khttp_head h = { .status = 206, .version = r->version,
					.keep_alive = true, .has_body_length = true };

		ENSURE(st == 0 || st == 304 || st == 412);
		st = khttp_range_resolve(buf, r, etag, sizeof(etag) - 1, 1000, size,
					 &start, &n);
		ENSURE(st == 200 || st == 206 || st == 416);
		if (st == 206) {
			ENSURE(n > 0 && start < size && n <= size - start);
			h.range_start = start;
			h.content_length = n;
			h.range_total = size;
			ENSURE(khttp_head_build(head, sizeof(head), &h) > 0);
		}
		if (st == 200)
			ENSURE(start == 0 && n == size);
	}
}

static void run(const char *buf, size_t len, const struct khttp_limits *lim)
{
	struct khttp_request whole, other;
	int rc, rc2;
	size_t k;

	khttp_request_init(&whole);
	rc = khttp_parse(&whole, lim, buf, len);
	ENSURE(rc == KHTTP_DONE || rc == KHTTP_AGAIN ||
	       strcmp(khttp_error_str(rc), "unknown error"));
	if (rc < 0)
		ENSURE(khttp_error_status(rc) >= 400 && khttp_error_status(rc) <= 505);
	ENSURE(khttp_parse(&whole, lim, buf, len) == rc);

	rc2 = parse_growing(&other, lim, buf, len);
	ENSURE(rc2 == rc && !memcmp(&whole, &other, sizeof(whole)));

	/* a two-piece split at a point the input itself picks */
	k = len ? (unsigned char)buf[len - 1] * 131u % (len + 1) : 0;
	khttp_request_init(&other);
	rc2 = khttp_parse(&other, lim, buf, k);
	if (rc2 == KHTTP_AGAIN)
		rc2 = khttp_parse(&other, lim, buf, len);
	ENSURE(rc2 == rc && !memcmp(&whole, &other, sizeof(whole)));

	if (rc == KHTTP_DONE)
		check_done(buf, len, &whole);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct khttp_limits small = { .line_max = 64, .head_max = 256,
						   .fields_max = 4 };
	/* an exact copy: ASan sees any read past the input */
	char *buf = malloc(size ? size : 1);

	memcpy(buf, data, size);
	run(buf, size, NULL);
	run(buf, size, &small);
	free(buf);
	return 0;
}
