// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of include/khttpd/http_response.c: reasons, MIME types, ETags,
 * conditional and range evaluation, head and error building.
 */
#include <stdlib.h>
#include "unit.h"
#include "khttpd/http_response.h"

static void test_reasons(void)
{
	static const struct {
		int status;
		const char *reason;
	} t[] = {
		{ 100, "Continue" }, { 200, "OK" }, { 206, "Partial Content" },
		{ 301, "Moved Permanently" }, { 304, "Not Modified" },
		{ 400, "Bad Request" }, { 403, "Forbidden" }, { 404, "Not Found" },
		{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
		{ 412, "Precondition Failed" }, { 414, "URI Too Long" },
		{ 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
		{ 431, "Request Header Fields Too Large" },
		{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
		{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
		{ 299, "Unknown" }, { 0, "Unknown" }, { -1, "Unknown" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		CHECK(!strcmp(khttp_reason(t[i].status), t[i].reason), "reason %d: %s",
		      t[i].status, khttp_reason(t[i].status));
	/* every status the parser can produce has a real reason */
	for (i = 1; i <= 80; i++) {
		int st = khttp_error_status(-(int)i);

		CHECK(strcmp(khttp_reason(st), "Unknown"), "reason for %d", st);
	}
}

static void test_mime(void)
{
	static const struct {
		const char *path;
		const char *type;
	} t[] = {
		{ "/index.html", "text/html; charset=utf-8" },
		{ "/a.HTM", "text/html; charset=utf-8" },
		{ "/s.css", "text/css; charset=utf-8" },
		{ "/app.js", "text/javascript; charset=utf-8" },
		{ "/m.mjs", "text/javascript; charset=utf-8" },
		{ "/d.json", "application/json" },
		{ "/f.xml", "text/xml; charset=utf-8" },
		{ "/r.txt", "text/plain; charset=utf-8" },
		{ "/t.csv", "text/csv; charset=utf-8" },
		{ "/README.md", "text/markdown; charset=utf-8" },
		{ "/i.svg", "image/svg+xml" },
		{ "/i.png", "image/png" },
		{ "/i.JPG", "image/jpeg" },
		{ "/i.jpeg", "image/jpeg" },
		{ "/i.gif", "image/gif" },
		{ "/i.webp", "image/webp" },
		{ "/i.avif", "image/avif" },
		{ "/favicon.ico", "image/x-icon" },
		{ "/i.bmp", "image/bmp" },
		{ "/f.woff", "font/woff" },
		{ "/f.woff2", "font/woff2" },
		{ "/f.ttf", "font/ttf" },
		{ "/f.otf", "font/otf" },
		{ "/d.pdf", "application/pdf" },
		{ "/a.zip", "application/zip" },
		{ "/a.tar.gz", "application/gzip" },
		{ "/a.tar", "application/x-tar" },
		{ "/a.xz", "application/x-xz" },
		{ "/a.bz2", "application/x-bzip2" },
		{ "/a.7z", "application/x-7z-compressed" },
		{ "/s.mp3", "audio/mpeg" },
		{ "/s.ogg", "audio/ogg" },
		{ "/s.wav", "audio/wav" },
		{ "/v.mp4", "video/mp4" },
		{ "/v.webm", "video/webm" },
		{ "/v.mov", "video/quicktime" },
		{ "/w.wasm", "application/wasm" },
		{ "/app.js.map", "application/json" },
		{ "/noext", "application/octet-stream" },
		{ "/dir.d/noext", "application/octet-stream" },
		{ "/trailing.", "application/octet-stream" },
		{ "/a.unknownext", "application/octet-stream" },
		{ "/a.htmlx", "application/octet-stream" },
		{ "/a.ht", "application/octet-stream" },
		{ "", "application/octet-stream" },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const char *got = khttp_mime_type(t[i].path, strlen(t[i].path));

		CHECK(!strcmp(got, t[i].type), "mime %s: %s", t[i].path, got);
	}
	/* the length bounds the name: no NUL needed */
	CHECK(!strcmp(khttp_mime_type("/a.css.png", 6), "text/css; charset=utf-8"),
	      "mime of a prefix");
}

static void test_etags(void)
{
	char e[KHTTP_ETAG_MAX];
	int n;

	n = khttp_etag_format(e, 1, 2, 3);
	CHECK(n == 7 && !strcmp(e, "\"1-2-3\""), "etag %s", e);
	n = khttp_etag_format(e, 0xabc, 0x5f5e100, 0);
	CHECK(n == 15 && !strcmp(e, "\"abc-5f5e100-0\""), "etag %s", e);
	n = khttp_etag_format(e, ~0ULL, -1, ~0ULL);
	CHECK(n == 52 && (size_t)n == strlen(e) && n < KHTTP_ETAG_MAX, "longest etag %d", n);

	static const struct {
		const char *list;
		const char *etag;
		bool match;
	} t[] = {
		{ "\"1-2-3\"", "\"1-2-3\"", true },
		{ "W/\"1-2-3\"", "\"1-2-3\"", true },
		{ "\"1-2-3\"", "W/\"1-2-3\"", true },
		{ "\"a\", \"1-2-3\"", "\"1-2-3\"", true },
		{ "\"a\",\"b\" , W/\"1-2-3\" ", "\"1-2-3\"", true },
		{ "*", "\"1-2-3\"", true },
		{ " * ", "\"1-2-3\"", true },
		{ "*", NULL, true },
		{ "\"a,b\", \"c\"", "\"c\"", true },
		{ "\"a,b\"", "\"a\"", false },
		{ "\"1-2-4\"", "\"1-2-3\"", false },
		{ "\"1-2-3", "\"1-2-3\"", false },
		{ "1-2-3", "\"1-2-3\"", false },
		{ "\"1-2-3\"x", "\"1-2-3\"", false },
		{ "", "\"1-2-3\"", false },
		{ "\"\"", "\"1-2-3\"", false },
		{ "\"x\"", NULL, false },
		{ "w/\"1-2-3\"", "\"1-2-3\"", false },
		{ "\"a b\", \"1-2-3\"", "\"1-2-3\"", false },
		{ "\"*\"", "\"1-2-3\"", false },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t elen = t[i].etag ? strlen(t[i].etag) : 0;

		CHECK(khttp_etag_list_match(t[i].list, strlen(t[i].list), t[i].etag, elen) ==
		      t[i].match, "etag list '%s' vs %s", t[i].list,
		      t[i].etag ? t[i].etag : "(none)");
	}
}

/* Parses "METHOD / HTTP/1.1" with Host and the given fields into buf. */
static void make_request(struct khttp_request *r, char *buf, size_t sz,
			 const char *method, const char *fields)
{
	int n = snprintf(buf, sz, "%s / HTTP/1.1\r\nHost: a\r\n%s\r\n", method, fields);

	khttp_request_init(r);
	if (n < 0 || (size_t)n >= sz || khttp_parse(r, NULL, buf, n) != KHTTP_DONE) {
		fprintf(stderr, "test request does not parse: %s\n", fields);
		exit(2);
	}
}

#define MTIME 784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define ETAG "\"1-2eba2ca1-64\""

static void test_conditional(void)
{
	static const struct {
		const char *method;
		const char *fields;
		int want;
	} t[] = {
		{ "GET", "", 0 },
		{ "GET", "If-None-Match: " ETAG "\r\n", 304 },
		{ "HEAD", "If-None-Match: W/" ETAG "\r\n", 304 },
		{ "GET", "If-None-Match: *\r\n", 304 },
		{ "GET", "If-None-Match: \"other\"\r\n", 0 },
		{ "POST", "If-None-Match: " ETAG "\r\n", 412 },
		{ "GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 304 },
		{ "GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:38 GMT\r\n", 304 },
		{ "GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 0 },
		{ "GET", "If-Modified-Since: garbage\r\n", 0 },
		{ "POST", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0 },
		/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2) */
		{ "GET", "If-None-Match: \"other\"\r\n"
			 "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0 },
		{ "GET", "If-None-Match: " ETAG "\r\n"
			 "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 304 },
		{ "GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 412 },
		{ "GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 0 },
		{ "PUT", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 412 },
		{ "GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"
			 "If-None-Match: " ETAG "\r\n", 412 },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct khttp_request r;
		int got;

		make_request(&r, buf, sizeof(buf), t[i].method, t[i].fields);
		got = khttp_conditional(buf, &r, ETAG, strlen(ETAG), MTIME);
		CHECK(got == t[i].want, "conditional %s [%s]: %d, want %d", t[i].method,
		      t[i].fields, got, t[i].want);
	}
}

static void test_range(void)
{
	static const struct {
		const char *method;
		const char *fields;
		u64 size;
		int want;
		u64 start, len;
	} t[] = {
		{ "GET", "", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=0-9\r\n", 100, 206, 0, 10 },
		{ "HEAD", "Range: bytes=0-9\r\n", 100, 206, 0, 10 },
		{ "GET", "Range: bytes=10-\r\n", 100, 206, 10, 90 },
		{ "GET", "Range: bytes=99-\r\n", 100, 206, 99, 1 },
		{ "GET", "Range: bytes=90-200\r\n", 100, 206, 90, 10 },
		{ "GET", "Range: bytes=0-99\r\n", 100, 206, 0, 100 },
		{ "GET", "Range: bytes=-10\r\n", 100, 206, 90, 10 },
		{ "GET", "Range: bytes=-100\r\n", 100, 206, 0, 100 },
		{ "GET", "Range: bytes=-500\r\n", 100, 206, 0, 100 },
		{ "GET", "Range: bytes=-0\r\n", 100, 416, 0, 0 },
		{ "GET", "Range: bytes=100-\r\n", 100, 416, 0, 0 },
		{ "GET", "Range: bytes=100-200\r\n", 100, 416, 0, 0 },
		{ "GET", "Range: bytes=0-0\r\n", 0, 416, 0, 0 },
		{ "GET", "Range: bytes=-1\r\n", 0, 416, 0, 0 },
		{ "GET", "Range: bytes=0-1,5-6\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=x\r\n", 100, 200, 0, 100 },
		{ "POST", "Range: bytes=0-9\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=0-9\r\nIf-Range: " ETAG "\r\n", 100, 206, 0, 10 },
		{ "GET", "Range: bytes=0-9\r\nIf-Range: \"other\"\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=0-9\r\nIf-Range: W/" ETAG "\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=0-9\r\n"
			 "If-Range: Sun, 06 Nov 1994 08:49:37 GMT\r\n", 100, 206, 0, 10 },
		{ "GET", "Range: bytes=0-9\r\n"
			 "If-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=0-9\r\nIf-Range: garbage\r\n", 100, 200, 0, 100 },
		{ "GET", "Range: bytes=500-\r\nIf-Range: \"other\"\r\n", 100, 200, 0, 100 },
	};
	char buf[512];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct khttp_request r;
		u64 start = 12345, len = 12345;
		int got;

		make_request(&r, buf, sizeof(buf), t[i].method, t[i].fields);
		got = khttp_range_resolve(buf, &r, ETAG, strlen(ETAG), MTIME, t[i].size,
					  &start, &len);
		CHECK(got == t[i].want && start == t[i].start && len == t[i].len,
		      "range %s [%s] size %llu: %d %llu+%llu", t[i].method, t[i].fields,
		      (unsigned long long)t[i].size, got, (unsigned long long)start,
		      (unsigned long long)len);
	}
}

#define DATE "Sun, 06 Nov 1994 08:49:37 GMT"

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
	struct khttp_head h;

	h = (struct khttp_head){ .status = 200, .version = 11, .keep_alive = true,
		.accept_ranges = true, .has_body_length = true, .date = DATE,
		.content_type = "text/html; charset=utf-8", .content_length = 1234,
		.last_modified = MTIME, .etag = ETAG };
	check_head(&h, "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nServer: khttpd\r\n"
		   "Content-Type: text/html; charset=utf-8\r\nContent-Length: 1234\r\n"
		   "Last-Modified: Sun, 06 Nov 1994 08:49:37 GMT\r\nETag: " ETAG "\r\n"
		   "Accept-Ranges: bytes\r\n\r\n");

	h = (struct khttp_head){ .status = 200, .version = 10, .keep_alive = true,
		.has_body_length = true, .date = DATE, .content_length = 0 };
	check_head(&h, "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nServer: khttpd\r\n"
		   "Content-Length: 0\r\nConnection: keep-alive\r\n\r\n");

	h = (struct khttp_head){ .status = 200, .version = 10, .keep_alive = false,
		.has_body_length = true, .date = DATE, .content_length = 18446744073709551615ULL };
	check_head(&h, "HTTP/1.1 200 OK\r\nDate: " DATE "\r\nServer: khttpd\r\n"
		   "Content-Length: 18446744073709551615\r\nConnection: close\r\n\r\n");

	h = (struct khttp_head){ .status = 304, .version = 11, .keep_alive = true,
		.date = DATE, .last_modified = MTIME, .etag = ETAG };
	check_head(&h, "HTTP/1.1 304 Not Modified\r\nDate: " DATE "\r\nServer: khttpd\r\n"
		   "Last-Modified: " DATE "\r\nETag: " ETAG "\r\n\r\n");

	h = (struct khttp_head){ .status = 206, .version = 11, .keep_alive = true,
		.has_body_length = true, .date = DATE, .content_type = "image/png",
		.content_length = 10, .range_start = 90, .range_total = 100,
		.accept_ranges = true };
	check_head(&h, "HTTP/1.1 206 Partial Content\r\nDate: " DATE "\r\n"
		   "Server: khttpd\r\nContent-Type: image/png\r\nContent-Length: 10\r\n"
		   "Accept-Ranges: bytes\r\nContent-Range: bytes 90-99/100\r\n\r\n");

	h = (struct khttp_head){ .status = 416, .version = 11, .keep_alive = false,
		.has_body_length = true, .date = DATE, .range_total = 100 };
	check_head(&h, "HTTP/1.1 416 Range Not Satisfiable\r\nDate: " DATE "\r\n"
		   "Server: khttpd\r\nContent-Length: 0\r\n"
		   "Content-Range: bytes */100\r\nConnection: close\r\n\r\n");

	h = (struct khttp_head){ .status = 301, .version = 11, .keep_alive = true,
		.has_body_length = true, .date = DATE, .location = "/dir/?q=1xyz",
		.location_len = 9, .extra = "Cache-Control: no-cache\r\nX-A: b\r\n" };
	check_head(&h, "HTTP/1.1 301 Moved Permanently\r\nDate: " DATE "\r\n"
		   "Server: khttpd\r\nContent-Length: 0\r\nLocation: /dir/?q=1\r\n"
		   "Cache-Control: no-cache\r\nX-A: b\r\n\r\n");

	h = (struct khttp_head){ .status = 503, .version = 11 };
	check_head(&h, "HTTP/1.1 503 Service Unavailable\r\nServer: khttpd\r\n"
		   "Connection: close\r\n\r\n");

	{
		char out[256];

		h = (struct khttp_head){ .status = 301, .keep_alive = true,
			.location = "/a\r\nSet-Cookie: x", .location_len = 17 };
		CHECK(!khttp_head_build(out, sizeof(out), &h), "CRLF in Location refused");
		h = (struct khttp_head){ .status = 206, .keep_alive = true,
			.has_body_length = true, .content_length = 0, .range_total = 5 };
		CHECK(!khttp_head_build(out, sizeof(out), &h), "empty 206 refused");
	}
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

		n = khttp_error_build(out, sizeof(out) - 1, st, 11, false, DATE, NULL);
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
		      strstr(out, "\r\nDate: " DATE "\r\n") &&
		      strstr(out, "\r\nServer: khttpd\r\n"), "error %d fields", st);
		CHECK(strstr(out, title) != NULL, "error %d title", st);
	}
	n = khttp_error_build(out, sizeof(out), 404, 10, true, DATE, "Retry-After: 1\r\n");
	out[n] = '\0';
	CHECK(n && strstr(out, "\r\nConnection: keep-alive\r\n") &&
	      strstr(out, "\r\nRetry-After: 1\r\n\r\n<!DOCTYPE html>"), "1.0 keep-alive error");
	n = khttp_error_build(out, sizeof(out), 404, 11, true, DATE, NULL);
	out[n] = '\0';
	CHECK(n && !strstr(out, "Connection:"), "1.1 keep-alive error has no Connection");
	n = khttp_error_build(out, sizeof(out), 304, 11, true, DATE, NULL);
	out[n] = '\0';
	CHECK(n && !strstr(out, "Content-Length") && !strstr(out, "<html>"),
	      "304 has no content");
	/* every size short of the full response fails cleanly */
	n = khttp_error_build(out, sizeof(out), 431, 11, false, DATE, NULL);
	{
		bool ok = n > 0;
		size_t sz;

		for (sz = 0; sz < n; sz++) {
			char *small = malloc(sz ? sz : 1);

			if (khttp_error_build(small, sz, 431, 11, false, DATE, NULL))
				ok = false;
			free(small);
		}
		CHECK(ok, "error in too small buffers");
	}
	CHECK(!khttp_error_build(out, sizeof(out), 42, 11, false, DATE, NULL),
	      "status out of range");
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
}
