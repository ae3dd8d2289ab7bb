/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Cases for lib/http_response.c, shared by
 * tests/unit/test_response.c and kmod/tests/response_kunit.c. Expected
 * values come from RFC 9110 and Documentation/http.md.
 */
#ifndef KHTTPD_RESPONSE_VECTORS_H
#define KHTTPD_RESPONSE_VECTORS_H

#include <khttpd/http_response.h>

struct kv_reason {
	int status;
	const char *reason;
};

static const struct kv_reason kv_reason_cases[] = {
	{ 100, "Continue" }, { 200, "OK" }, { 206, "Partial Content" },
	{ 301, "Moved Permanently" }, { 304, "Not Modified" },
	{ 400, "Bad Request" }, { 403, "Forbidden" }, { 404, "Not Found" },
	{ 405, "Method Not Allowed" }, { 408, "Request Timeout" },
	{ 412, "Precondition Failed" }, { 414, "URI Too Long" },
	{ 416, "Range Not Satisfiable" }, { 417, "Expectation Failed" },
	{ 431, "Request Header Fields Too Large" },
	{ 500, "Internal Server Error" }, { 501, "Not Implemented" },
	{ 503, "Service Unavailable" }, { 505, "HTTP Version Not Supported" },
	{ 508, "Loop Detected" },
	{ 299, "Unknown" }, { 0, "Unknown" }, { -1, "Unknown" },
};

struct kv_mime {
	const char *path;
	const char *type;
};

#define KV_UTF8 "; charset=utf-8"

static const struct kv_mime kv_mime_cases[] = {
	{ "/index.html", "text/html" KV_UTF8 },
	{ "/a.HTM", "text/html" KV_UTF8 },
	{ "/s.css", "text/css" KV_UTF8 },
	{ "/app.js", "text/javascript" KV_UTF8 },
	{ "/m.mjs", "text/javascript" KV_UTF8 },
	{ "/d.json", "application/json" },
	{ "/f.xml", "text/xml" KV_UTF8 },
	{ "/r.txt", "text/plain" KV_UTF8 },
	{ "/t.csv", "text/csv" KV_UTF8 },
	{ "/README.md", "text/markdown" KV_UTF8 },
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

struct kv_etag_list {
	const char *list;
	const char *etag;	/* NULL: the resource has none */
	bool match;
};

static const struct kv_etag_list kv_etag_list_cases[] = {
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

#define KV_MTIME 784111777	/* Sun, 06 Nov 1994 08:49:37 GMT */
#define KV_DATE "Sun, 06 Nov 1994 08:49:37 GMT"
#define KV_ETAG "\"1-2ebc98a1-64\""

struct kv_cond {
	const char *method;
	const char *fields;
	int want;
};

static const struct kv_cond kv_cond_cases[] = {
	{ "GET", "", 0 },
	{ "GET", "If-None-Match: " KV_ETAG "\r\n", 304 },
	{ "HEAD", "If-None-Match: W/" KV_ETAG "\r\n", 304 },
	{ "GET", "If-None-Match: *\r\n", 304 },
	{ "GET", "If-None-Match: \"other\"\r\n", 0 },
	{ "POST", "If-None-Match: " KV_ETAG "\r\n", 412 },
	{ "GET", "If-Modified-Since: " KV_DATE "\r\n", 304 },
	{ "GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:38 GMT\r\n", 304 },
	{ "GET", "If-Modified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 0 },
	{ "GET", "If-Modified-Since: garbage\r\n", 0 },
	{ "POST", "If-Modified-Since: " KV_DATE "\r\n", 0 },
	/* If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2) */
	{ "GET", "If-None-Match: \"other\"\r\nIf-Modified-Since: " KV_DATE "\r\n", 0 },
	{ "GET", "If-None-Match: " KV_ETAG "\r\n"
		 "If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 304 },
	{ "GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n", 412 },
	{ "GET", "If-Unmodified-Since: " KV_DATE "\r\n", 0 },
	{ "PUT", "If-Unmodified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n", 412 },
	{ "GET", "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:36 GMT\r\n"
		 "If-None-Match: " KV_ETAG "\r\n", 412 },
};

struct kv_range {
	const char *method;
	const char *fields;
	u64 size;
	int want;
	u64 start, len;
};

static const struct kv_range kv_range_cases[] = {
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
	{ "GET", "Range: bytes=0-9\r\nIf-Range: " KV_ETAG "\r\n", 100, 206, 0, 10 },
	{ "GET", "Range: bytes=0-9\r\nIf-Range: \"other\"\r\n", 100, 200, 0, 100 },
	{ "GET", "Range: bytes=0-9\r\nIf-Range: W/" KV_ETAG "\r\n", 100, 200, 0, 100 },
	{ "GET", "Range: bytes=0-9\r\nIf-Range: " KV_DATE "\r\n", 100, 206, 0, 10 },
	{ "GET", "Range: bytes=0-9\r\nIf-Range: Sun, 06 Nov 1994 08:49:38 GMT\r\n",
	  100, 200, 0, 100 },
	{ "GET", "Range: bytes=0-9\r\nIf-Range: garbage\r\n", 100, 200, 0, 100 },
	{ "GET", "Range: bytes=500-\r\nIf-Range: \"other\"\r\n", 100, 200, 0, 100 },
};

struct kv_head {
	struct khttp_head h;
	const char *want;
};

#define KV_STD "Date: " KV_DATE "\r\nServer: khttpd\r\n"

static const struct kv_head kv_head_cases[] = {
	{ { .status = 200, .version = 11, .keep_alive = true, .accept_ranges = true,
	    .has_body_length = true, .date = KV_DATE,
	    .content_type = "text/html" KV_UTF8, .content_length = 1234,
	    .last_modified = KV_MTIME, .etag = KV_ETAG },
	  "HTTP/1.1 200 OK\r\n" KV_STD "Content-Type: text/html" KV_UTF8 "\r\n"
	  "Content-Length: 1234\r\nLast-Modified: " KV_DATE "\r\nETag: " KV_ETAG "\r\n"
	  "Accept-Ranges: bytes\r\n\r\n" },
	{ { .status = 200, .version = 10, .keep_alive = true, .has_body_length = true,
	    .date = KV_DATE },
	  "HTTP/1.1 200 OK\r\n" KV_STD "Content-Length: 0\r\n"
	  "Connection: keep-alive\r\n\r\n" },
	{ { .status = 200, .version = 10, .has_body_length = true, .date = KV_DATE,
	    .content_length = 18446744073709551615ULL },
	  "HTTP/1.1 200 OK\r\n" KV_STD "Content-Length: 18446744073709551615\r\n"
	  "Connection: close\r\n\r\n" },
	{ { .status = 304, .version = 11, .keep_alive = true, .date = KV_DATE,
	    .last_modified = KV_MTIME, .etag = KV_ETAG },
	  "HTTP/1.1 304 Not Modified\r\n" KV_STD "Last-Modified: " KV_DATE "\r\n"
	  "ETag: " KV_ETAG "\r\n\r\n" },
	{ { .status = 206, .version = 11, .keep_alive = true, .has_body_length = true,
	    .date = KV_DATE, .content_type = "image/png", .content_length = 10,
	    .range_start = 90, .range_total = 100, .accept_ranges = true },
	  "HTTP/1.1 206 Partial Content\r\n" KV_STD "Content-Type: image/png\r\n"
	  "Content-Length: 10\r\nAccept-Ranges: bytes\r\n"
	  "Content-Range: bytes 90-99/100\r\n\r\n" },
	{ { .status = 416, .version = 11, .has_body_length = true, .date = KV_DATE,
	    .range_total = 100 },
	  "HTTP/1.1 416 Range Not Satisfiable\r\n" KV_STD "Content-Length: 0\r\n"
	  "Content-Range: bytes */100\r\nConnection: close\r\n\r\n" },
	{ { .status = 301, .version = 11, .keep_alive = true, .has_body_length = true,
	    .date = KV_DATE, .location = "/dir/?q=1xyz", .location_len = 9,
	    .extra = "Cache-Control: no-cache\r\nX-A: b\r\n" },
	  "HTTP/1.1 301 Moved Permanently\r\n" KV_STD "Content-Length: 0\r\n"
	  "Location: /dir/?q=1\r\nCache-Control: no-cache\r\nX-A: b\r\n\r\n" },
	{ { .status = 503, .version = 11 },
	  "HTTP/1.1 503 Service Unavailable\r\nServer: khttpd\r\nConnection: close\r\n\r\n" },
};

/* Heads khttp_head_build() must refuse (0) whatever the room. */
static const struct khttp_head kv_head_refused[] = {
	{ .status = 301, .keep_alive = true, .location = "/a\r\nSet-Cookie: x",
	  .location_len = 17 },
	{ .status = 301, .keep_alive = true, .location = "/a\0b", .location_len = 4 },
	{ .status = 206, .keep_alive = true, .has_body_length = true, .range_total = 5 },
};

/*
 * "METHOD / HTTP/1.1\r\nHost: a\r\n" fields "\r\n" into buf[sz], parsed into
 * r. Returns the parse result (KHTTP_AGAIN when buf is too small).
 */
static inline int kv_make_request(struct khttp_request *r, char *buf, size_t sz,
				  const char *method, const char *fields)
{
	static const char mid[] = " / HTTP/1.1\r\nHost: a\r\n";
	size_t m = strlen(method), f = strlen(fields), n = m + sizeof(mid) - 1 + f + 2;

	khttp_request_init(r);
	if (n > sz)
		return KHTTP_AGAIN;
	memcpy(buf, method, m);
	memcpy(buf + m, mid, sizeof(mid) - 1);
	memcpy(buf + m + sizeof(mid) - 1, fields, f);
	memcpy(buf + n - 2, "\r\n", 2);
	return khttp_parse(r, NULL, buf, n);
}

#endif /* KHTTPD_RESPONSE_VECTORS_H */
