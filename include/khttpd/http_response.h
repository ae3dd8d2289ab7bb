/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The response side shared by the module and the daemon: reason phrases,
 * HTTP dates, the MIME table, validators (ETag / Last-Modified), conditional
 * and range evaluation, building a response head into a fixed buffer, and
 * the Location of the directory redirect (http_location.c).
 * Pure functions: no allocation, no clock, no I/O.
 */
#ifndef KHTTPD_HTTP_RESPONSE_H
#define KHTTPD_HTTP_RESPONSE_H

#include <khttpd/types.h>
#include <khttpd/http_parser.h>

#define KHTTP_SERVER_NAME	"khttpd"
#define KHTTP_DATE_LEN		29	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
#define KHTTP_ETAG_MAX		56	/* 3 x 16 hex digits, 2 dashes, quotes, NUL */

/* "OK", "Not Found", ...; "Unknown" for codes we never send. */
const char *khttp_reason(int status);

/* IMF-fixdate of t (seconds since the epoch) into out[KHTTP_DATE_LEN + 1]. */
void khttp_date_format(s64 t, char *out);

/*
 * MIME type for the extension of path[0..len) (case-insensitive), with
 * "; charset=utf-8" for text types; "application/octet-stream" when unknown.
 */
const char *khttp_mime_type(const char *path, size_t len);

/*
 * Strong validator from the file's identity: "\"<ino>-<mtime>-<size>\"" in
 * hex. Returns its length (quotes included), written NUL-terminated to
 * out[KHTTP_ETAG_MAX].
 */
int khttp_etag_format(char *out, u64 ino, s64 mtime, u64 size);

/*
 * True when the If-None-Match list list[0..len) matches etag (weak
 * comparison, RFC 9110 13.1.2) or is "*".
 */
bool khttp_etag_list_match(const char *list, size_t len,
			   const char *etag, size_t etag_len);

/*
 * Conditional request evaluation for GET/HEAD of a static file (RFC 9110
 * 13.2.2 order): If-None-Match first, If-Modified-Since only without it.
 * Returns 0 to proceed, 304 for not modified, 412 when If-Unmodified-Since
 * fails.
 */
int khttp_conditional(const char *buf, const struct khttp_request *req,
		      const char *etag, size_t etag_len, s64 mtime);

/*
 * Range evaluation against a representation of size bytes: returns 200 (no
 * range, several ranges, or If-Range does not match), 206 with *start and *len
 * set, or 416 when the range is unsatisfiable.
 */
int khttp_range_resolve(const char *buf, const struct khttp_request *req,
			const char *etag, size_t etag_len, s64 mtime,
			u64 size, u64 *start, u64 *len);

/*
 * Whether a response of status ends with its head: 1xx, 204 and 304 have
 * no content (RFC 9110 6.4.1, RFC 9112 6.3). The one rule for error
 * pages, the proxy and the gateway.
 */
bool khttp_status_bodyless(int status);

/*
 * Percent-encode the normalised path[0..len) so that decoding it once gives
 * it back and none of its bytes reads as a delimiter: all but letters,
 * digits and "-._~/!$&'()*+,=:@" are encoded ('%', '?', '#', ';', '\\',
 * blanks, controls, non-ASCII). Returns the encoded length; out[0..outsz)
 * holds the encoding when that length is at most outsz (out may be NULL to
 * measure).
 */
size_t khttp_path_encode(char *out, size_t outsz, const char *path,
			 size_t len);

/*
 * The Location of the 301 for a directory named without its slash, from
 * the NORMALISED path[0..path_len) (never the raw target): the path
 * encoded as khttp_path_encode() does, '/', then '?' and the query when
 * query_len > 0, its valid %XX escapes and RFC 3986 query characters kept,
 * any other byte encoded. It never starts with "//" or "/\\" (a path not
 * starting with exactly one '/' is refused). Returns the length, written
 * NUL-terminated to out, or 0 when it does not fit in out[0..outsz).
 */
size_t khttp_location_build(char *out, size_t outsz, const char *path,
			    size_t path_len, const char *query,
			    size_t query_len);

/* What a response head says; zero/NULL members are left out. */
struct khttp_head {
	int status;
	/*
	 * version: the request's (10/11). The status line is always HTTP/1.1;
	 * only an HTTP/1.0 keep-alive needs "Connection: keep-alive".
	 */
	u8 version;
	bool keep_alive;	/* Connection: keep-alive / close */
	bool accept_ranges;	/* Accept-Ranges: bytes */
	bool has_body_length;	/* send Content-Length (false for 304) */
	const char *date;	/* cached IMF-fixdate, KHTTP_DATE_LEN */
	const char *content_type;
	u64 content_length;
	s64 last_modified;	/* 0: none */
	const char *etag;	/* quoted; NULL: none */
	u64 range_start;	/* 206: Content-Range start */
	u64 range_total;	/* 206 and 416: complete length */
	const char *location;	/* 301: absolute path */
	size_t location_len;
	const char *extra;	/* pre-formatted "Name: value\r\n" lines */
};

/*
 * Write the status line and header fields, final CRLF included, into
 * out[0..outsz). Returns the length, or 0 when it does not fit.
 */
size_t khttp_head_build(char *out, size_t outsz, const struct khttp_head *h);

/*
 * A short complete error response (head + small HTML body) for status, with
 * Connection: close unless keep_alive. Returns its length or 0.
 */
size_t khttp_error_build(char *out, size_t outsz, int status, u8 version,
			 bool keep_alive, const char *date, const char *extra);

#endif /* KHTTPD_HTTP_RESPONSE_H */
