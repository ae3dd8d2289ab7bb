// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of lib/http_response.c: reasons, MIME types, ETags,
 * conditional and range evaluation, head and error building.
 */
#include <stdlib.h>
#include "unit.h"
#include "response_vectors.h"

static void test_reasons(void)
{
	size_t i;

	for (i = 0; i < sizeof(kv_reason_cases) / sizeof(kv_reason_cases[0]); i++)
		CHECK(!strcmp(khttp_reason(kv_reason_cases[i].status), kv_reason_cases[i].reason),
		      "reason %d: %s", kv_reason_cases[i].status,
		      khttp_reason(kv_reason_cases[i].status));
	/* every status the parser can produce has a real reason */
	for (i = 1; i <= 80; i++) {
		int st = khttp_error_status(-(int)i);

		CHECK(strcmp(khttp_reason(st), "Unknown"), "reason for %d", st);
	}
}

static void test_mime(void)
{
	size_t i;

	for (i = 0; i < sizeof(kv_mime_cases) / sizeof(kv_mime_cases[0]); i++) {
		const char *path = kv_mime_cases[i].path;
		const char *got = khttp_mime_type(path, strlen(path));

		CHECK(!strcmp(got, kv_mime_cases[i].type), "mime %s: %s", path, got);
	}
	/* the length bounds the name: no NUL needed */
	CHECK(!strcmp(khttp_mime_type("/a.css.png", 6), "text/css" KV_UTF8),
	      "mime of a prefix");
}

static void test_etags(void)
{
	char e[KHTTP_ETAG_MAX];
	size_t i;
	int n;

	n = khttp_etag_format(e, 1, 2, 3);
	CHECK(n == 7 && !strcmp(e, "\"1-2-3\""), "etag %s", e);
	n = khttp_etag_format(e, 0xabc, 0x5f5e100, 0);
	CHECK(n == 15 && !strcmp(e, "\"abc-5f5e100-0\""), "etag %s", e);
	n = khttp_etag_format(e, ~0ULL, -1, ~0ULL);
	CHECK(n == 52 && (size_t)n == strlen(e) && n < KHTTP_ETAG_MAX, "longest etag %d", n);

	for (i = 0; i < sizeof(kv_etag_list_cases) / sizeof(kv_etag_list_cases[0]); i++) {
		const struct kv_etag_list *t = &kv_etag_list_cases[i];
		size_t elen = t->etag ? strlen(t->etag) : 0;

		CHECK(khttp_etag_list_match(t->list, strlen(t->list), t->etag, elen) == t->match,
		      "etag list '%s' vs %s", t->list, t->etag ? t->etag : "(none)");
	}
}

static void test_conditional(void)
{
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(kv_cond_cases) / sizeof(kv_cond_cases[0]); i++) {
		const struct kv_cond *t = &kv_cond_cases[i];
		struct khttp_request r;
		int got = -1;

		if (kv_make_request(&r, buf, sizeof(buf), t->method, t->fields) == KHTTP_DONE)
			got = khttp_conditional(buf, &r, KV_ETAG, strlen(KV_ETAG), KV_MTIME);
		CHECK(got == t->want, "conditional %s [%s]: %d, want %d", t->method,
		      t->fields, got, t->want);
	}
}

static void test_range(void)
{
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(kv_range_cases) / sizeof(kv_range_cases[0]); i++) {
		const struct kv_range *t = &kv_range_cases[i];
		struct khttp_request r;
		u64 start = 12345, len = 12345;
		int got = -1;

		if (kv_make_request(&r, buf, sizeof(buf), t->method, t->fields) == KHTTP_DONE)
			got = khttp_range_resolve(buf, &r, KV_ETAG, strlen(KV_ETAG), KV_MTIME,
						  t->size, &start, &len);
		CHECK(got == t->want && start == t->start && len == t->len,
		      "range %s [%s] size %llu: %d %llu+%llu", t->method, t->fields,
		      (unsigned long long)t->size, got, (unsigned long long)start,
		      (unsigned long long)len);
	}
}

/* Builds h into exactly-sized buffers: the full size works, one less is 0. */
static void check_head(const struct khttp_head *h, const char *want)
{
	size_t wlen = strlen(want), n, sz;
	char *out = malloc(wlen);
	bool small_ok = true;

	n = khttp_head_build(out, wlen, h);
	CHECK(n == wlen && !memcmp(out, want, wlen), "head %d:\n%.*s\nwant:\n%s",
	      h->status, (int)n, out, want);
	for (sz = 0; sz < wlen; sz++) {
		char *small = malloc(sz ? sz : 1);

		if (khttp_head_build(small, sz, h))
			small_ok = false;
		free(small);
	}
	CHECK(small_ok, "head %d in too small buffers", h->status);
	free(out);
}

static void test_head_build(void)
{
	char out[256];
	size_t i;

	for (i = 0; i < sizeof(kv_head_cases) / sizeof(kv_head_cases[0]); i++)
		check_head(&kv_head_cases[i].h, kv_head_cases[i].want);
	for (i = 0; i < sizeof(kv_head_refused) / sizeof(kv_head_refused[0]); i++)
		CHECK(!khttp_head_build(out, sizeof(out), &kv_head_refused[i]),
		      "head %zu refused", i);
}

static void test_error_build(void)
{
	static const int statuses[] = { 400, 403, 404, 405, 408, 414, 417, 431,
					500, 501, 503, 505 };
	char out[1024];
	size_t i, n;

	for (i = 0; i < sizeof(statuses) / sizeof(statuses[0]); i++) {
		int st = statuses[i];
		char line[64], title[80];
		const char *body, *cl;
		unsigned long len;

		n = khttp_error_build(out, sizeof(out) - 1, st, 11, false, KV_DATE, NULL);
		out[n] = '\0';
		snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", st, khttp_reason(st));
		snprintf(title, sizeof(title), "<title>%d %s</title>", st, khttp_reason(st));
		body = strstr(out, "\r\n\r\n");
		cl = strstr(out, "Content-Length: ");
		len = cl ? strtoul(cl + 16, NULL, 10) : 0;
		CHECK(n && !strncmp(out, line, strlen(line)), "error %d status line", st);
		CHECK(body && len == strlen(body + 4) && len > 0, "error %d Content-Length",
		      st);
		CHECK(strstr(out, "\r\nConnection: close\r\n") &&
		      strstr(out, "\r\nContent-Type: text/html; charset=utf-8\r\n") &&
		      strstr(out, "\r\nDate: " KV_DATE "\r\n") &&
		      strstr(out, "\r\nServer: khttpd\r\n"), "error %d fields", st);
		CHECK(strstr(out, title) != NULL, "error %d title", st);
	}
	n = khttp_error_build(out, sizeof(out), 404, 10, true, KV_DATE, "Retry-After: 1\r\n");
	out[n] = '\0';
	CHECK(n && strstr(out, "\r\nConnection: keep-alive\r\n") &&
	      strstr(out, "\r\nRetry-After: 1\r\n\r\n<!DOCTYPE html>"), "1.0 keep-alive error");
	n = khttp_error_build(out, sizeof(out), 404, 11, true, KV_DATE, NULL);
	out[n] = '\0';
	CHECK(n && !strstr(out, "Connection:"), "1.1 keep-alive error has no Connection");
	n = khttp_error_build(out, sizeof(out), 304, 11, true, KV_DATE, NULL);
	out[n] = '\0';
	CHECK(n && !strstr(out, "Content-Length") && !strstr(out, "<html>"),
	      "304 has no content");
	/* every size short of the full response fails cleanly */
	n = khttp_error_build(out, sizeof(out), 431, 11, false, KV_DATE, NULL);
	{
		bool ok = n > 0;
		size_t sz;

		for (sz = 0; sz < n; sz++) {
			char *small = malloc(sz ? sz : 1);

			if (khttp_error_build(small, sz, 431, 11, false, KV_DATE, NULL))
				ok = false;
			free(small);
		}
		CHECK(ok, "error in too small buffers");
	}
	CHECK(!khttp_error_build(out, sizeof(out), 42, 11, false, KV_DATE, NULL),
	      "status out of range");
}

static void test_location(void)
{
	char path[64], out[64];
	size_t i;

	for (i = 0; i < sizeof(kv_location_cases) / sizeof(kv_location_cases[0]); i++) {
		const struct kv_location *v = &kv_location_cases[i];
		const char *why = kv_location_check(v, path, sizeof(path), out,
						    sizeof(out));

		CHECK(!why, "location %s?%s: %s (%s)", v->path, v->query,
		      why ? why : "", out);
	}
	for (i = 0; i < sizeof(kv_location_refused) / sizeof(kv_location_refused[0]); i++) {
		const char *p = kv_location_refused[i];

		CHECK(!khttp_location_build(out, sizeof(out), p, strlen(p), "", 0),
		      "location refused for '%s'", p);
	}
	/* an escape cut by the end of the query: the bytes after it are not its */
	CHECK(khttp_location_build(out, sizeof(out), "/d", 2, "%41", 2) == 8 &&
	      !strcmp(out, "/d/?%254"), "query \"%%4\" then '1': %s", out);
	CHECK(khttp_location_build(out, sizeof(out), "/d", 2, "%41", 1) == 7 &&
	      !strcmp(out, "/d/?%25"), "query \"%%\" then \"41\": %s", out);
	/* measuring: no output buffer, the whole encoded length */
	CHECK(khttp_path_encode(NULL, 0, "/a b?", 5) == 9, "encode measures");
	CHECK(khttp_path_encode(out, 4, "/a b?", 5) == 9, "encode too small");
	CHECK(khttp_path_encode(NULL, sizeof(out), "/a b?", 5) == 9,
	      "no buffer, whatever its size: only measured");
	CHECK(!khttp_location_build(NULL, sizeof(out), "/d", 2, "", 0),
	      "no buffer: no Location");
	/* a path is its length, not up to a NUL: the "/" of "//x" is "/" */
	CHECK(khttp_location_build(out, sizeof(out), "//x", 1, "", 0) == 1 &&
	      !strcmp(out, "/"), "the root, followed by other bytes: %s", out);
}

void test_response(void)
{
	test_reasons();
	test_mime();
	test_etags();
	test_conditional();
	test_range();
	test_head_build();
	test_error_build();
	test_location();
}
