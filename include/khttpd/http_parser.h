/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * khttpd's one HTTP/1.1 request parser (RFC 9112 / RFC 9110), compiled
 * unchanged into the kernel module and the userspace daemon.
 *
 * - No allocation, no libc beyond memcpy/memcmp/memset: every result is an
 *   offset/length pair into the caller's buffer or a scalar.
 * - Incremental: the caller appends received bytes to its buffer and calls
 *   khttp_parse() again with the longer length; scanning resumes where it
 *   stopped. Calling it from scratch on the whole buffer (after
 *   khttp_request_init()) gives the same result, so a caller that re-peeks
 *   its socket may also re-parse.
 * - Bounded: the request line and the whole head are limited; past the limits
 *   the parser fails with KHTTP_E_URI_TOO_LONG (414) or
 *   KHTTP_E_HEADERS_TOO_LARGE (431) without waiting for more bytes.
 * - Strict: anything a smuggling attack could use (CL+TE, duplicate or
 *   malformed lengths, bare CR, bare LF, obs-fold, whitespace before a colon,
 *   control characters, several Host fields) is an error, never a guess.
 */
#ifndef KHTTPD_HTTP_PARSER_H
#define KHTTPD_HTTP_PARSER_H

#include <khttpd/types.h>

/* Hard ceiling: every offset in struct khttp_request is a u16. */
#define KHTTP_HEAD_CEILING	65535u
#define KHTTP_DEFAULT_LINE_MAX	8192u	/* request line, CRLF included */
#define KHTTP_DEFAULT_HEAD_MAX	16384u	/* request line + fields + CRLF */
#define KHTTP_DEFAULT_FIELDS_MAX 100u

enum khttp_method {
	KHTTP_METHOD_UNKNOWN = 0,	/* a valid token we do not implement */
	KHTTP_METHOD_GET,
	KHTTP_METHOD_HEAD,
	KHTTP_METHOD_POST,
	KHTTP_METHOD_PUT,
	KHTTP_METHOD_DELETE,
	KHTTP_METHOD_OPTIONS,
	KHTTP_METHOD_PATCH,
	KHTTP_METHOD_TRACE,
	KHTTP_METHOD_CONNECT,
};

/*
 * Results. KHTTP_DONE and KHTTP_AGAIN are not errors; every negative value
 * is a precise error that khttp_error_status() maps to a response status and
 * khttp_error_str() describes for logs.
 */
enum khttp_result {
	KHTTP_DONE = 0,			/* head complete: see head_len */
	KHTTP_AGAIN = 1,		/* need more bytes */

	/* 400 */
	KHTTP_E_METHOD_SYNTAX = -1,	/* method is not a token */
	KHTTP_E_TARGET_SYNTAX = -2,	/* bad request-target form or chars */
	KHTTP_E_VERSION_SYNTAX = -3,	/* not HTTP/D.D */
	KHTTP_E_LINE_ENDING = -4,	/* bare CR, bare LF, CR not before LF */
	KHTTP_E_FIELD_NAME = -5,	/* empty or non-token field name */
	KHTTP_E_FIELD_WS = -6,		/* whitespace before the colon */
	KHTTP_E_OBS_FOLD = -7,		/* line folding */
	KHTTP_E_FIELD_VALUE = -8,	/* control character in a value */
	KHTTP_E_HOST_MISSING = -9,	/* HTTP/1.1 without Host */
	KHTTP_E_HOST_DUPLICATE = -10,
	KHTTP_E_HOST_SYNTAX = -11,
	KHTTP_E_CONTENT_LENGTH = -12,	/* malformed or overflowing */
	KHTTP_E_CONTENT_LENGTH_DUP = -13,
	KHTTP_E_CL_AND_TE = -14,	/* both framings present */
	KHTTP_E_TE_NOT_CHUNKED_LAST = -15, /* chunked missing or not last */
	KHTTP_E_TE_HTTP10 = -16,	/* Transfer-Encoding in HTTP/1.0 */
	KHTTP_E_PATH_ENCODING = -17,	/* bad %XX */
	KHTTP_E_PATH_NUL = -18,		/* %00 or a decoded control char */
	KHTTP_E_PATH_ESCAPE = -19,	/* dot-segments climb above "/" */
	KHTTP_E_RANGE_SYNTAX = -20,	/* reserved: bad Range is ignored */
	KHTTP_E_LEADING_WS = -21,	/* whitespace before the request line */
	KHTTP_E_FIELD_DUPLICATE = -22,	/* a singleton credential field twice */
	/* 405 */
	KHTTP_E_METHOD_NOT_ALLOWED = -30, /* CONNECT/TRACE: never served */
	/* 414 */
	KHTTP_E_URI_TOO_LONG = -40,
	/* 417 */
	KHTTP_E_EXPECTATION = -41,	/* Expect other than 100-continue */
	/* 431 */
	KHTTP_E_HEADERS_TOO_LARGE = -50,
	KHTTP_E_TOO_MANY_FIELDS = -51,
	/* 501 */
	KHTTP_E_METHOD_UNKNOWN = -60,
	KHTTP_E_TE_UNKNOWN = -61,	/* a coding before the final chunked */
	/* 505 */
	KHTTP_E_VERSION = -70,		/* not HTTP/1.0 or HTTP/1.1 */
};

/* A slice of the caller's buffer; len 0 means absent. */
struct khttp_span {
	u16 off;
	u16 len;
};

enum khttp_flag {
	KHTTP_F_KEEP_ALIVE	= 1u << 0,	/* persistence after this one */
	KHTTP_F_CHUNKED		= 1u << 1,	/* body framed by chunked */
	KHTTP_F_HAS_BODY	= 1u << 2,	/* content_length > 0 or chunked */
	KHTTP_F_EXPECT_CONTINUE	= 1u << 3,
	KHTTP_F_HAS_IMS		= 1u << 4,	/* ims is valid */
	KHTTP_F_HAS_RANGE	= 1u << 5,	/* range_* are valid */
	KHTTP_F_RANGE_MULTI	= 1u << 6,	/* several ranges: serve 200 */
	KHTTP_F_ABSOLUTE_FORM	= 1u << 7,	/* host came from the target */
	KHTTP_F_UPGRADE		= 1u << 8,	/* Connection: upgrade */
	KHTTP_F_HAS_IUMS	= 1u << 9,	/* If-Unmodified-Since */
};

/*
 * Single byte range as sent ("bytes=a-b", "bytes=a-", "bytes=-n"); resolve it
 * against the file size with khttp_range_resolve(). A syntactically bad
 * Range field is ignored (RFC 9110 14.2), so it never fails the request.
 */
#define KHTTP_RANGE_NONE ((u64)-1)

/* A zero member (or a NULL limits pointer) means the default. */
struct khttp_limits {
	u16 line_max;		/* request line incl. CRLF -> 414 beyond */
	u16 head_max;		/* whole head incl. final CRLF -> 431 beyond */
	u16 fields_max;		/* number of header fields -> 431 beyond */
};

struct khttp_request {
	/* resumable scan state: private to the parser */
	u16 scan;		/* bytes scanned; after an error, where */
	u8 state;
	u16 nfields_seen_host;	/* private: bitmask of singleton fields seen */
	u16 line_start;		/* private */
	u16 nfields;

	/* results, valid once khttp_parse() returned KHTTP_DONE */
	u16 head_len;		/* bytes of the head, final CRLF included */
	u8 method;		/* enum khttp_method */
	u8 version;		/* 10 or 11 */
	u16 flags;		/* enum khttp_flag */
	struct khttp_span method_str;
	struct khttp_span target;	/* as sent */
	/*
	 * path: the raw (still encoded) path part; empty for "*" and for an
	 * absolute-form without a path, which khttp_path_normalize() makes "/".
	 */
	struct khttp_span path;
	struct khttp_span query;	/* after '?', without it */
	struct khttp_span host;		/* Host field or absolute-form host */
	/*
	 * host_name: host without ":port" and without a trailing dot
	 * ("Example.ORG.:80" -> "Example.ORG"), "[v6]" kept: what names a
	 * virtual host. Empty when host is.
	 */
	struct khttp_span host_name;
	struct khttp_span if_none_match;
	struct khttp_span if_range;
	struct khttp_span user_agent;	/* for access logs */
	struct khttp_span referer;
	struct khttp_span authorization;
	struct khttp_span content_type;
	u64 content_length;	/* 0 unless a Content-Length was given */
	s64 ims;		/* If-Modified-Since, seconds since epoch */
	s64 iums;		/* If-Unmodified-Since */
	u64 range_first;	/* KHTTP_RANGE_NONE for a suffix range */
	u64 range_last;		/* KHTTP_RANGE_NONE for an open range */
};

void khttp_limits_default(struct khttp_limits *lim);
void khttp_request_init(struct khttp_request *req);

/*
 * Parse the head in buf[0..len). buf holds every byte received so far for
 * this request (the same prefix as in earlier calls). Returns KHTTP_DONE,
 * KHTTP_AGAIN or a negative enum khttp_result. After an error the caller
 * answers khttp_error_status() and closes the connection.
 *
 * Choices the RFCs leave open (tests/vectors/parser_vectors.h pins them):
 * - Errors are reported in buffer order: a line is judged when its CRLF has
 *   arrived, limits and bare CR/LF as soon as the byte is there.
 * - Empty lines before the request line are skipped (RFC 9112 2.2); they
 *   count in head_len and head_max, not in line_max.
 * - Methods are case-sensitive; unknown tokens are 501, TRACE/CONNECT 405.
 *   Only HTTP/1.0 and 1.1 are accepted (505 otherwise).
 * - The target may hold any visible ASCII but '#'. absolute-form takes
 *   http/https without userinfo.
 * - Host: an empty value counts as present (host.len 0); names allow
 *   letters, digits, '-', '_', non-empty labels, an optional trailing dot.
 * - Transfer-Encoding (all its fields together) must end with "chunked",
 *   given once (400 otherwise); other codings before it are 501.
 *   Content-Length: digits only, at most 2^63 - 1, one field.
 * - Singleton fields that decide who asks or what is asked for: Host,
 *   Content-Length, Authorization and Proxy-Authorization must each appear
 *   at most once (400), even when a copy is empty: servers and backends
 *   disagree on which copy counts.
 * - Expect: "100-continue" (ignored in HTTP/1.0); anything else is 417.
 * - If-Modified-Since, If-Unmodified-Since, If-None-Match, If-Range, Range
 *   and the logged fields: a later field replaces an earlier one. A Range
 *   with several ranges sets KHTTP_F_RANGE_MULTI without KHTTP_F_HAS_RANGE.
 */
int khttp_parse(struct khttp_request *req, const struct khttp_limits *lim,
		const char *buf, size_t len);

/* Status code (400, 405, 414, 417, 431, 501, 505) for a negative result. */
int khttp_error_status(int result);
/* Short English description of a result, for logs and error pages. */
const char *khttp_error_str(int result);

/*
 * Percent-decode the path and remove dot-segments (RFC 3986 5.2.4) into
 * out[0..outsz). The result always starts with '/', never contains "//",
 * "." or ".." segments, NUL or control characters. Returns the length, or a
 * negative KHTTP_E_PATH_* / KHTTP_E_URI_TOO_LONG (out too small: it needs
 * len + 2 bytes at worst). out is NUL-terminated. An empty raw path gives "/";
 * a trailing '/' (or a final "." / ".." segment) leaves a trailing '/'. %2F
 * decodes to a separator, and decoding happens once ("%252e" is "%2e").
 * khttp_parse() already ran this check, so after KHTTP_DONE only the size can
 * fail.
 */
int khttp_path_normalize(const char *raw, size_t len, char *out, size_t outsz);

/*
 * Whether the normalised path[0..len) names a hidden file: one of its
 * segments starts with '.' (.htpasswd, .git/, .env), except the top-level
 * /.well-known (RFC 8615; segments beneath it still count). Neither server
 * serves or lists those. path must come from khttp_path_normalize(): it
 * has no "." or ".." segments left to mistake for one.
 */
bool khttp_path_hidden(const char *path, size_t len);

/*
 * Iterate over the header fields of a parsed head. *pos starts at 0.
 * Returns true and fills name/value (value trimmed of OWS) while fields
 * remain.
 */
bool khttp_field_next(const char *buf, const struct khttp_request *req,
		      u16 *pos, struct khttp_span *name,
		      struct khttp_span *value);

/* Case-insensitive comparison of a span against a NUL-terminated string. */
bool khttp_span_ieq(const char *buf, struct khttp_span s, const char *str);

/* HTTP-dates have four-digit years: khttp_date_format() clamps to these. */
#define KHTTP_DATE_MIN	(-62167219200LL)	/* 0000-01-01T00:00:00Z */
#define KHTTP_DATE_MAX	253402300799LL		/* 9999-12-31T23:59:59Z */

/*
 * HTTP-date (IMF-fixdate, obsolete RFC 850 and asctime forms) to seconds
 * since the epoch. Returns false for anything else (and for the leap second
 * that would end after KHTTP_DATE_MAX).
 */
bool khttp_date_parse(const char *s, size_t len, s64 *out);

/*
 * "Jan".."Dec" and "Monday".."Sunday": HTTP-date names, shared with
 * khttp_date_format() (a day's first three letters are its short name).
 */
extern const char * const khttp_month_names[12];
extern const char * const khttp_day_names[7];

/*
 * Incremental chunked-body decoder (RFC 9112 7.1). Feed it the body bytes as
 * they arrive; it reports where the data inside them is. Chunk extensions
 * are skipped, trailers are skipped (not merged), sizes are bounded to 2^60.
 */
#define KHTTP_CHUNK_DIGITS_MAX	16	/* hex digits of a size, zeros too */
#define KHTTP_CHUNK_EXT_MAX	4096	/* bytes of extensions per size line */
#define KHTTP_TRAILER_MAX	8192	/* bytes of the whole trailer section */

struct khttp_chunked {
	u64 remaining;		/* data bytes left in the current chunk */
	u8 state;		/* private */
	u8 digits;		/* private */
	u16 trailer_bytes;	/* private: bounds extensions and trailers */
};

enum khttp_chunk_result {
	KHTTP_CHUNK_DATA = 0,	/* *data_off, *data_len: body data */
	KHTTP_CHUNK_MORE = 1,	/* all input consumed, no data in it */
	KHTTP_CHUNK_END = 2,	/* last chunk and trailers consumed */
	KHTTP_CHUNK_ERROR = -1,	/* malformed: answer 400 and close */
};

void khttp_chunked_init(struct khttp_chunked *c);
/*
 * Consume from buf[0..len): returns a result and sets *consumed to the
 * bytes used. On KHTTP_CHUNK_DATA, buf[*data_off .. *data_off + *data_len)
 * is data and *consumed covers up to its end; call again with the rest.
 */
int khttp_chunked_feed(struct khttp_chunked *c, const char *buf, size_t len,
		       size_t *consumed, size_t *data_off, size_t *data_len);

#endif /* KHTTPD_HTTP_PARSER_H */
