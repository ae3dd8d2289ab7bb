/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Cases for lib/http_response.c and lib/http_location.c, shared by
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
	/* a 10-byte file: the last byte is 9; a last of 10 or more means 9 */
	{ "GET", "Range: bytes=5-9\r\n", 10, 206, 5, 5 },
	{ "GET", "Range: bytes=5-10\r\n", 10, 206, 5, 5 },
	{ "GET", "Range: bytes=5-11\r\n", 10, 206, 5, 5 },
	{ "GET", "Range: bytes=0-10\r\n", 10, 206, 0, 10 },
	{ "GET", "Range: bytes=9-9\r\n", 10, 206, 9, 1 },
	{ "GET", "Range: bytes=9-10\r\n", 10, 206, 9, 1 },
	{ "GET", "Range: bytes=0-\r\n", 10, 206, 0, 10 },
	{ "GET", "Range: bytes=9-\r\n", 10, 206, 9, 1 },
	{ "GET", "Range: bytes=-10\r\n", 10, 206, 0, 10 },
	{ "GET", "Range: bytes=-9\r\n", 10, 206, 1, 9 },
	{ "GET", "Range: bytes=-11\r\n", 10, 206, 0, 10 },
	{ "GET", "Range: bytes=10-10\r\n", 10, 416, 0, 0 },
	{ "GET", "Range: bytes=10-\r\n", 10, 416, 0, 0 },
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
 * The directory redirect's Location: path is the raw path as sent, which
 * is normalised first (as both servers do), query the raw query; want is
 * the Location, or NULL when the path is refused (before or by the
 * builder).
 */
struct kv_location {
	const char *path;
	const char *query;
	const char *want;
};

static const struct kv_location kv_location_cases[] = {
	{ "/dir", "", "/dir/" },
	{ "/dir", "a=1&b=%20c", "/dir/?a=1&b=%20c" },
	/* the open redirect: the raw target named another site */
	{ "//evil.example/../images", "", "/images/" },
	{ "//evil.example/../images", "next=//evil.example",
	  "/images/?next=//evil.example" },
	{ "///images", "", "/images/" },
	{ "/\\evil.example/../images", "", "/images/" },
	{ "/\\evil.example", "", "/%5Cevil.example/" },
	{ "/%5Cevil.example", "", "/%5Cevil.example/" },
	{ "/%2F%2Fevil.example", "", "/evil.example/" },
	{ "/a/./b/../c", "", "/a/c/" },
	/* decoded bytes go out encoded: decoding once gives the path back */
	{ "/sub%20dir", "", "/sub%20dir/" },
	{ "/100%25", "", "/100%25/" },
	{ "/what%3F", "x", "/what%3F/?x" },
	{ "/hash%23", "", "/hash%23/" },
	{ "/semi;colon", "", "/semi%3Bcolon/" },
	{ "/%C3%BCber", "", "/%C3%BCber/" },
	{ "/%7Bx%7D%22%3C%3E%5E%60%7C", "", "/%7Bx%7D%22%3C%3E%5E%60%7C/" },
	{ "/keep-._~!$&'()*+,=:@", "", "/keep-._~!$&'()*+,=:@/" },
	/* the query: escapes kept, anything no query may hold encoded */
	{ "/d", "q=<x>|100%", "/d/?q=%3Cx%3E%7C100%25" },
	{ "/d", "%zz%4", "/d/?%25zz%254" },
	/* digits 0 are digits; the byte before a '%' is no part of its escape */
	{ "/d", "%0A%a0%00x%41", "/d/?%0A%a0%00x%41" },
	{ "/d", "a;b/c?d", "/d/?a;b/c?d" },
	{ "/d", "\\\"{}", "/d/?%5C%22%7B%7D" },
	{ "/d/", "", "/d/" },
	{ "/", "", "/" },
};

/* Paths the builder itself refuses (never a scheme-relative start). */
static const char *const kv_location_refused[] = {
	"", "d", "//evil.example", "//", "\\evil",
};

/*
 * Normalises v->path into path[pathsz] and builds its Location into
 * out[outsz]: NULL when that gives v->want, else what went wrong.
 */
static inline const char *kv_location_check(const struct kv_location *v,
					    char *path, size_t pathsz,
					    char *out, size_t outsz)
{
	int n = khttp_path_normalize(v->path, strlen(v->path), path, pathsz);
	size_t got, want = v->want ? strlen(v->want) : 0;

	if (n < 0)
		return v->want ? "normalise failed" : NULL;
	got = khttp_location_build(out, outsz, path, (size_t)n, v->query,
				   strlen(v->query));
	if (got != want)
		return "length";
	if (want && strcmp(out, v->want))
		return "location";
	/* exactly fits with its NUL; one byte less does not */
	if (want && (khttp_location_build(out, want + 1, path, (size_t)n,
					  v->query, strlen(v->query)) != want ||
		     khttp_location_build(out, want, path, (size_t)n,
					  v->query, strlen(v->query))))
		return "room";
	return NULL;
}

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
