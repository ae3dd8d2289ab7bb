// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * khttpd's HTTP/1.1 request parser (RFC 9112 / RFC 9110): the request line
 * and the header fields. The contract is in include/khttpd/http_parser.h,
 * which also covers the path, Host, date and chunked grammars of the files
 * beside this one. All of lib/ is compiled unchanged into the kernel module
 * and the userspace daemon, so it uses nothing beyond memcpy/memcmp/memset/
 * strlen.
 *
 * Scanning is split in two levels so that feeding the head in pieces gives
 * exactly the result of parsing it whole: a byte scan that only looks for
 * line ends and limits (resumable at any byte), and a line parser that runs
 * once per complete line. Errors are therefore found in buffer order,
 * whatever the chunking.
 */
#include "http_common.h"

enum {
	ST_REQUEST_LINE = 0,
	ST_FIELDS = 1,
	ST_DONE = 2,
	ST_ERROR = 0x80,	/* | -result */
};

/* Bits of req->nfields_seen_host: what the fields so far said. */
enum {
	SEEN_HOST = 1u << 0,
	SEEN_CL = 1u << 1,
	SEEN_TE = 1u << 2,
	SEEN_CLOSE = 1u << 3,
	SEEN_KEEP_ALIVE = 1u << 4,
	SEEN_TE_CHUNKED = 1u << 5,	/* "chunked" anywhere in the codings */
	SEEN_TE_TWICE = 1u << 6,	/* "chunked" more than once */
	SEEN_TE_OTHER = 1u << 7,	/* a coding we do not implement */
	SEEN_AUTHORIZATION = 1u << 8,
	SEEN_PROXY_AUTHORIZATION = 1u << 9,
};

#define KHTTP_S64_MAX ((u64)0x7fffffffffffffffULL)

/* RFC 9110 5.6.2 tchar */
static bool is_tchar(u8 c)
{
	if (is_alpha(c) || is_digit(c))
		return true;
	switch (c) {
	case '!': case '#': case '$': case '%': case '&': case '\'': case '*':
	case '+': case '-': case '.': case '^': case '_': case '`': case '|':
	case '~':
		return true;
	}
	return false;
}

static u8 to_lower(u8 c)
{
	return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Case-insensitive equality of s[0..len) and the NUL-terminated str. */
static bool mem_ieq(const char *s, size_t len, const char *str)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (!str[i] || to_lower(s[i]) != to_lower(str[i]))
			return false;
	}
	return !str[len];
}

static struct khttp_span span_of(size_t start, size_t end)
{
	struct khttp_span s = { .off = (u16)start, .len = (u16)(end - start) };

	return s;
}

/* A field that may appear once: false when it was seen before. */
static bool seen_once(struct khttp_request *req, u16 bit)
{
	if (req->nfields_seen_host & bit)
		return false;
	req->nfields_seen_host |= bit;
	return true;
}

/* Host (from the field or the target) and the name it gives: see host_name. */
static void set_host(struct khttp_request *req, const char *buf,
		     size_t s, size_t e)
{
	req->host = span_of(s, e);
	req->host_name = span_of(s, s + khttp_host_name_len(buf + s, e - s));
}

void khttp_limits_default(struct khttp_limits *lim)
{
	lim->line_max = KHTTP_DEFAULT_LINE_MAX;
	lim->head_max = KHTTP_DEFAULT_HEAD_MAX;
	lim->fields_max = KHTTP_DEFAULT_FIELDS_MAX;
}

void khttp_request_init(struct khttp_request *req)
{
	memset(req, 0, sizeof(*req));
	req->range_first = KHTTP_RANGE_NONE;
	req->range_last = KHTTP_RANGE_NONE;
}

bool khttp_span_ieq(const char *buf, struct khttp_span s, const char *str)
{
	return mem_ieq(buf + s.off, s.len, str);
}

int khttp_error_status(int result)
{
	if (result >= 0)
		return 200;
	if (result == KHTTP_E_METHOD_NOT_ALLOWED)
		return 405;
	if (result == KHTTP_E_URI_TOO_LONG)
		return 414;
	if (result == KHTTP_E_EXPECTATION)
		return 417;
	if (result == KHTTP_E_HEADERS_TOO_LARGE || result == KHTTP_E_TOO_MANY_FIELDS)
		return 431;
	if (result == KHTTP_E_METHOD_UNKNOWN || result == KHTTP_E_TE_UNKNOWN)
		return 501;
	if (result == KHTTP_E_VERSION)
		return 505;
	return 400;
}

const char *khttp_error_str(int result)
{
	switch (result) {
	case KHTTP_DONE: return "complete";
	case KHTTP_AGAIN: return "incomplete";
	case KHTTP_E_METHOD_SYNTAX: return "malformed method";
	case KHTTP_E_TARGET_SYNTAX: return "malformed request-target";
	case KHTTP_E_VERSION_SYNTAX: return "malformed HTTP version";
	case KHTTP_E_LINE_ENDING: return "bare CR or LF";
	case KHTTP_E_FIELD_NAME: return "malformed field name";
	case KHTTP_E_FIELD_DUPLICATE: return "duplicate credential field";
	case KHTTP_E_FIELD_WS: return "whitespace before colon";
	case KHTTP_E_OBS_FOLD: return "obsolete line folding";
	case KHTTP_E_FIELD_VALUE: return "control character in field value";
	case KHTTP_E_HOST_MISSING: return "HTTP/1.1 request without Host";
	case KHTTP_E_HOST_DUPLICATE: return "several Host fields";
	case KHTTP_E_HOST_SYNTAX: return "malformed Host";
	case KHTTP_E_CONTENT_LENGTH: return "malformed Content-Length";
	case KHTTP_E_CONTENT_LENGTH_DUP: return "several Content-Length fields";
	case KHTTP_E_CL_AND_TE: return "both Content-Length and Transfer-Encoding";
	case KHTTP_E_TE_NOT_CHUNKED_LAST: return "chunked missing, repeated or not last";
	case KHTTP_E_TE_HTTP10: return "Transfer-Encoding in HTTP/1.0";
	case KHTTP_E_PATH_ENCODING: return "bad percent-encoding in path";
	case KHTTP_E_PATH_NUL: return "NUL or control character in path";
	case KHTTP_E_PATH_ESCAPE: return "path climbs above the root";
	case KHTTP_E_RANGE_SYNTAX: return "malformed Range";
	case KHTTP_E_LEADING_WS: return "whitespace before the request line";
	case KHTTP_E_METHOD_NOT_ALLOWED: return "method not allowed";
	case KHTTP_E_URI_TOO_LONG: return "request line too long";
	case KHTTP_E_EXPECTATION: return "unsupported expectation";
	case KHTTP_E_HEADERS_TOO_LARGE: return "request head too large";
	case KHTTP_E_TOO_MANY_FIELDS: return "too many header fields";
	case KHTTP_E_METHOD_UNKNOWN: return "method not implemented";
	case KHTTP_E_TE_UNKNOWN: return "transfer coding not implemented";
	case KHTTP_E_VERSION: return "HTTP version not supported";
	}
	return "unknown error";
}

/*
 * Next element of a comma-separated list (RFC 9110 5.6.1) in buf[*pos..end):
 * sets [*es, *ee) trimmed of OWS; empty elements are skipped. False when the
 * list is exhausted.
 */
static bool list_next(const char *buf, size_t *pos, size_t end,
		      size_t *es, size_t *ee)
{
	size_t p = *pos, e;

	while (p < end && (is_ows(buf[p]) || buf[p] == ','))
		p++;
	*es = p;
	while (p < end && buf[p] != ',')
		p++;
	for (e = p; e > *es && is_ows(buf[e - 1]); e--)
		;
	*ee = e;
	*pos = p;
	return *es < end;
}

/* 1*DIGIT no larger than max; false on anything else. */
static bool parse_decimal(const char *p, size_t n, u64 max, u64 *out)
{
	u64 v = 0;
	size_t i;

	if (!n)
		return false;
	for (i = 0; i < n; i++) {
		if (!is_digit(p[i]))
			return false;
		if (v > (max - (p[i] - '0')) / 10)
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

static const struct {
	const char *name;
	u8 method;
} methods[] = {
	{ "GET", KHTTP_METHOD_GET },
	{ "HEAD", KHTTP_METHOD_HEAD },
	{ "POST", KHTTP_METHOD_POST },
	{ "PUT", KHTTP_METHOD_PUT },
	{ "DELETE", KHTTP_METHOD_DELETE },
	{ "OPTIONS", KHTTP_METHOD_OPTIONS },
	{ "PATCH", KHTTP_METHOD_PATCH },
	{ "TRACE", KHTTP_METHOD_TRACE },
	{ "CONNECT", KHTTP_METHOD_CONNECT },
	{ NULL, KHTTP_METHOD_UNKNOWN },
};

/* request-target bytes: visible ASCII except '#' (a fragment is never sent) */
static bool is_target_char(u8 c)
{
	return c > 0x20 && c < 0x7f && c != '#';
}

/* absolute-form "http://authority/path?query" of target [s, e) */
static int parse_absolute_form(struct khttp_request *req, const char *buf,
			       size_t s, size_t e)
{
	size_t p = s, auth;

	while (p < e && (is_alpha(buf[p]) || is_digit(buf[p]) || buf[p] == '+' ||
			 buf[p] == '-' || buf[p] == '.'))
		p++;
	if (!(mem_ieq(buf + s, p - s, "http") || mem_ieq(buf + s, p - s, "https")) ||
	    e - p < 3 || memcmp(buf + p, "://", 3))
		return KHTTP_E_TARGET_SYNTAX;
	p += 3;
	auth = p;
	while (p < e && buf[p] != '/' && buf[p] != '?') {
		if (buf[p] == '@')	/* userinfo is refused (RFC 9110 4.2.4) */
			return KHTTP_E_TARGET_SYNTAX;
		p++;
	}
	if (p == auth || !khttp_host_valid(buf + auth, p - auth))
		return KHTTP_E_HOST_SYNTAX;
	set_host(req, buf, auth, p);
	req->flags |= KHTTP_F_ABSOLUTE_FORM;
	return p;
}

static int parse_request_line(struct khttp_request *req, const char *buf,
			      size_t s, size_t e)
{
	size_t p = s, t, q;
	int i, err;

	while (p < e && is_tchar(buf[p]))
		p++;
	if (p == s || p == e || buf[p] != ' ')
		return KHTTP_E_METHOD_SYNTAX;
	req->method_str = span_of(s, p);
	t = ++p;
	while (p < e && is_target_char(buf[p]))
		p++;
	if (p == t || (p < e && buf[p] != ' '))
		return KHTTP_E_TARGET_SYNTAX;
	req->target = span_of(t, p);
	if (p == e || e - p != 9 || memcmp(buf + p + 1, "HTTP/", 5) ||
	    !is_digit(buf[p + 6]) || buf[p + 7] != '.' || !is_digit(buf[p + 8]))
		return KHTTP_E_VERSION_SYNTAX;
	if (buf[p + 6] != '1' || (buf[p + 8] != '0' && buf[p + 8] != '1'))
		return KHTTP_E_VERSION;
	req->version = buf[p + 8] == '1' ? 11 : 10;

	for (i = 0; methods[i].name; i++) {
		if (req->method_str.len == strlen(methods[i].name) &&
		    !memcmp(buf + s, methods[i].name, req->method_str.len))
			break;
	}
	req->method = methods[i].method;
	if (req->method == KHTTP_METHOD_CONNECT || req->method == KHTTP_METHOD_TRACE)
		return KHTTP_E_METHOD_NOT_ALLOWED;
	if (req->method == KHTTP_METHOD_UNKNOWN)
		return KHTTP_E_METHOD_UNKNOWN;

	if (buf[t] == '*') {
		if (p - t != 1 || req->method != KHTTP_METHOD_OPTIONS)
			return KHTTP_E_TARGET_SYNTAX;
		return 0;
	}
	if (buf[t] != '/') {
		err = parse_absolute_form(req, buf, t, p);
		if (err < 0)
			return err;
		t = err;
	}
	for (q = t; q < p && buf[q] != '?'; q++)
		;
	req->path = span_of(t, q);
	if (q < p)
		req->query = span_of(q + 1, p);
	return khttp_path_check(buf + t, q - t);
}

/*
 * Transfer-Encoding codings accumulate over all its fields; finish_head()
 * judges them (RFC 9112 6.1, 6.3): KHTTP_F_CHUNKED says "chunked" is last.
 */
static int parse_transfer_encoding(struct khttp_request *req, const char *buf,
				   size_t s, size_t e)
{
	size_t es, ee;

	if (req->version == 10)
		return KHTTP_E_TE_HTTP10;
	if (req->nfields_seen_host & SEEN_CL)
		return KHTTP_E_CL_AND_TE;
	req->nfields_seen_host |= SEEN_TE;
	while (list_next(buf, &s, e, &es, &ee)) {
		if (mem_ieq(buf + es, ee - es, "chunked")) {
			if (req->nfields_seen_host & SEEN_TE_CHUNKED)
				req->nfields_seen_host |= SEEN_TE_TWICE;
			req->nfields_seen_host |= SEEN_TE_CHUNKED;
			req->flags |= KHTTP_F_CHUNKED;
		} else {
			req->nfields_seen_host |= SEEN_TE_OTHER;
			req->flags &= ~KHTTP_F_CHUNKED;
		}
	}
	return 0;
}

static int parse_content_length(struct khttp_request *req, const char *buf,
				size_t s, size_t e)
{
	if (!seen_once(req, SEEN_CL))
		return KHTTP_E_CONTENT_LENGTH_DUP;
	if (!parse_decimal(buf + s, e - s, KHTTP_S64_MAX, &req->content_length))
		return KHTTP_E_CONTENT_LENGTH;
	if (req->nfields_seen_host & SEEN_TE)
		return KHTTP_E_CL_AND_TE;
	return 0;
}

static void parse_connection(struct khttp_request *req, const char *buf,
			     size_t s, size_t e)
{
	size_t es, ee;

	while (list_next(buf, &s, e, &es, &ee)) {
		if (mem_ieq(buf + es, ee - es, "close"))
			req->nfields_seen_host |= SEEN_CLOSE;
		else if (mem_ieq(buf + es, ee - es, "keep-alive"))
			req->nfields_seen_host |= SEEN_KEEP_ALIVE;
		else if (mem_ieq(buf + es, ee - es, "upgrade"))
			req->flags |= KHTTP_F_UPGRADE;
	}
}

static int parse_expect(struct khttp_request *req, const char *buf,
			size_t s, size_t e)
{
	size_t es, ee;

	while (list_next(buf, &s, e, &es, &ee)) {
		if (!mem_ieq(buf + es, ee - es, "100-continue"))
			return KHTTP_E_EXPECTATION;
		/* an HTTP/1.0 client cannot wait for 100 (RFC 9110 10.1.1) */
		if (req->version == 11)
			req->flags |= KHTTP_F_EXPECT_CONTINUE;
	}
	return 0;
}

/*
 * Range: bytes=first-[last] | bytes=-suffix, comma-separated. One valid
 * range sets HAS_RANGE; several set RANGE_MULTI alone; anything malformed
 * leaves the request as if there were no Range (RFC 9110 14.2).
 */
static void parse_range(struct khttp_request *req, const char *buf,
			size_t s, size_t e)
{
	u64 first = KHTTP_RANGE_NONE, last = KHTTP_RANGE_NONE;
	unsigned int count = 0;
	size_t es, ee;

	req->flags &= ~(KHTTP_F_HAS_RANGE | KHTTP_F_RANGE_MULTI);
	if (e - s < 6 || !mem_ieq(buf + s, 6, "bytes="))
		return;
	s += 6;
	while (list_next(buf, &s, e, &es, &ee)) {
		size_t dash = es;
		u64 a = KHTTP_RANGE_NONE, b = KHTTP_RANGE_NONE;

		while (dash < ee && buf[dash] != '-')
			dash++;
		if (dash == ee)
			return;
		if (dash > es && !parse_decimal(buf + es, dash - es, KHTTP_S64_MAX, &a))
			return;
		if (dash + 1 < ee &&
		    !parse_decimal(buf + dash + 1, ee - dash - 1, KHTTP_S64_MAX, &b))
			return;
		if (a == KHTTP_RANGE_NONE && b == KHTTP_RANGE_NONE)
			return;	/* "-" alone */
		if (a != KHTTP_RANGE_NONE && b != KHTTP_RANGE_NONE && b < a)
			return;
		if (!count++) {
			first = a;
			last = b;
		}
	}
	if (count == 1) {
		req->flags |= KHTTP_F_HAS_RANGE;
		req->range_first = first;
		req->range_last = last;
	} else if (count > 1) {
		req->flags |= KHTTP_F_RANGE_MULTI;
	}
}

enum field_id {
	FIELD_OTHER,
	FIELD_HOST,
	FIELD_CONTENT_LENGTH,
	FIELD_TRANSFER_ENCODING,
	FIELD_CONNECTION,
	FIELD_EXPECT,
	FIELD_IMS,
	FIELD_IUMS,
	FIELD_INM,
	FIELD_IF_RANGE,
	FIELD_RANGE,
	FIELD_USER_AGENT,
	FIELD_REFERER,
	FIELD_AUTHORIZATION,
	FIELD_PROXY_AUTHORIZATION,
	FIELD_CONTENT_TYPE,
};

#define KNOWN_FIELD(name, id) { name, sizeof(name) - 1, id }

static const struct {
	const char *name;
	u8 len;
	u8 id;
} known_fields[] = {
	KNOWN_FIELD("host", FIELD_HOST),
	KNOWN_FIELD("content-length", FIELD_CONTENT_LENGTH),
	KNOWN_FIELD("transfer-encoding", FIELD_TRANSFER_ENCODING),
	KNOWN_FIELD("connection", FIELD_CONNECTION),
	KNOWN_FIELD("expect", FIELD_EXPECT),
	KNOWN_FIELD("if-modified-since", FIELD_IMS),
	KNOWN_FIELD("if-unmodified-since", FIELD_IUMS),
	KNOWN_FIELD("if-none-match", FIELD_INM),
	KNOWN_FIELD("if-range", FIELD_IF_RANGE),
	KNOWN_FIELD("range", FIELD_RANGE),
	KNOWN_FIELD("user-agent", FIELD_USER_AGENT),
	KNOWN_FIELD("referer", FIELD_REFERER),
	KNOWN_FIELD("authorization", FIELD_AUTHORIZATION),
	KNOWN_FIELD("proxy-authorization", FIELD_PROXY_AUTHORIZATION),
	KNOWN_FIELD("content-type", FIELD_CONTENT_TYPE),
	{ NULL, 0, FIELD_OTHER },
};

/* field-line = field-name ":" OWS field-value OWS, in [s, e) */
static int parse_field_line(struct khttp_request *req, const char *buf,
			    size_t s, size_t e)
{
	size_t n = s, v, ve, i;
	s64 date;

	while (n < e && is_tchar(buf[n]))
		n++;
	if (n < e && is_ows(buf[n]) && n > s)
		return KHTTP_E_FIELD_WS;
	if (n == s || n == e || buf[n] != ':')
		return KHTTP_E_FIELD_NAME;
	for (i = n + 1; i < e; i++) {
		if (is_ctl(buf[i]) && buf[i] != '\t')
			return KHTTP_E_FIELD_VALUE;
	}
	for (v = n + 1; v < e && is_ows(buf[v]); v++)
		;
	for (ve = e; ve > v && is_ows(buf[ve - 1]); ve--)
		;
	req->nfields++;

	for (i = 0; known_fields[i].name; i++) {
		if (n - s == known_fields[i].len &&
		    mem_ieq(buf + s, n - s, known_fields[i].name))
			break;
	}
	switch (known_fields[i].id) {
	case FIELD_HOST:
		if (!seen_once(req, SEEN_HOST))
			return KHTTP_E_HOST_DUPLICATE;
		if (!khttp_host_valid(buf + v, ve - v))
			return KHTTP_E_HOST_SYNTAX;
		if (!(req->flags & KHTTP_F_ABSOLUTE_FORM))
			set_host(req, buf, v, ve);
		break;
	case FIELD_CONTENT_LENGTH:
		return parse_content_length(req, buf, v, ve);
	case FIELD_TRANSFER_ENCODING:
		return parse_transfer_encoding(req, buf, v, ve);
	case FIELD_CONNECTION:
		parse_connection(req, buf, v, ve);
		break;
	case FIELD_EXPECT:
		return parse_expect(req, buf, v, ve);
	case FIELD_IMS:
		req->flags &= ~KHTTP_F_HAS_IMS;
		if (khttp_date_parse(buf + v, ve - v, &date)) {
			req->ims = date;
			req->flags |= KHTTP_F_HAS_IMS;
		}
		break;
	case FIELD_IUMS:
		req->flags &= ~KHTTP_F_HAS_IUMS;
		if (khttp_date_parse(buf + v, ve - v, &date)) {
			req->iums = date;
			req->flags |= KHTTP_F_HAS_IUMS;
		}
		break;
	case FIELD_INM:
		req->if_none_match = span_of(v, ve);
		break;
	case FIELD_IF_RANGE:
		req->if_range = span_of(v, ve);
		break;
	case FIELD_RANGE:
		parse_range(req, buf, v, ve);
		break;
	case FIELD_USER_AGENT:
		req->user_agent = span_of(v, ve);
		break;
	case FIELD_REFERER:
		req->referer = span_of(v, ve);
		break;
	case FIELD_AUTHORIZATION:
		if (!seen_once(req, SEEN_AUTHORIZATION))
			return KHTTP_E_FIELD_DUPLICATE;
		req->authorization = span_of(v, ve);
		break;
	case FIELD_PROXY_AUTHORIZATION:
		if (!seen_once(req, SEEN_PROXY_AUTHORIZATION))
			return KHTTP_E_FIELD_DUPLICATE;
		break;
	case FIELD_CONTENT_TYPE:
		req->content_type = span_of(v, ve);
		break;
	}
	return 0;
}

/* The empty line ended the head at end: whole-message checks. */
static int finish_head(struct khttp_request *req, size_t end)
{
	u16 seen = req->nfields_seen_host;

	if (req->version == 11 && !(seen & SEEN_HOST))
		return KHTTP_E_HOST_MISSING;
	/* without chunked last the body length is unknowable: 400 */
	if ((seen & SEEN_TE) &&
	    (!(req->flags & KHTTP_F_CHUNKED) || (seen & SEEN_TE_TWICE)))
		return KHTTP_E_TE_NOT_CHUNKED_LAST;
	if (seen & SEEN_TE_OTHER)
		return KHTTP_E_TE_UNKNOWN;
	if (req->version == 11 ? !(seen & SEEN_CLOSE) :
	    (seen & SEEN_KEEP_ALIVE) && !(seen & SEEN_CLOSE))
		req->flags |= KHTTP_F_KEEP_ALIVE;
	if (req->content_length || (req->flags & KHTTP_F_CHUNKED))
		req->flags |= KHTTP_F_HAS_BODY;
	req->head_len = (u16)end;
	return 0;
}

/* at: where the error was found, so that every feeding agrees on scan */
static int parse_fail(struct khttp_request *req, int err, size_t at)
{
	req->scan = (u16)at;
	req->state = ST_ERROR | (u8)-err;
	return err;
}

int khttp_parse(struct khttp_request *req, const struct khttp_limits *lim,
		const char *buf, size_t len)
{
	size_t pos = req->scan, line_max, head_max, fields_max;
	int err;

	if (req->state == ST_DONE)
		return KHTTP_DONE;
	if (req->state & ST_ERROR)
		return -(int)(req->state & ~ST_ERROR);
	line_max = lim && lim->line_max ? lim->line_max : KHTTP_DEFAULT_LINE_MAX;
	head_max = lim && lim->head_max ? lim->head_max : KHTTP_DEFAULT_HEAD_MAX;
	fields_max = lim && lim->fields_max ? lim->fields_max : KHTTP_DEFAULT_FIELDS_MAX;
	for (;;) {
		bool in_line = req->state == ST_REQUEST_LINE;
		size_t line_limit = req->line_start + line_max;
		/* the line and its CRLF must end by bound: decide as soon as not */
		size_t bound = in_line && line_limit < head_max ? line_limit : head_max;
		int too_big = in_line && line_limit <= head_max ?
			      KHTTP_E_URI_TOO_LONG : KHTTP_E_HEADERS_TOO_LARGE;
		size_t stop = len < bound ? len : bound;

		if (pos == req->line_start && pos < stop) {
			u8 c = buf[pos];

			if (is_ows(c))
				return parse_fail(req, in_line ? KHTTP_E_LEADING_WS :
								 KHTTP_E_OBS_FOLD, pos);
			if (!in_line && c != '\r' && c != '\n' && req->nfields >= fields_max)
				return parse_fail(req, KHTTP_E_TOO_MANY_FIELDS, pos);
		}
		/* the hot loop: lines are judged once complete */
		while (pos < stop && buf[pos] != '\r' && buf[pos] != '\n')
			pos++;
		if (pos >= bound)
			return parse_fail(req, too_big, pos);
		if (pos >= len)
			break;
		if (buf[pos] == '\n')
			return parse_fail(req, KHTTP_E_LINE_ENDING, pos);
		if (pos + 1 >= bound)
			return parse_fail(req, too_big, pos);
		if (pos + 1 >= len)
			break;
		if (buf[pos + 1] != '\n')
			return parse_fail(req, KHTTP_E_LINE_ENDING, pos);

		if (pos == req->line_start) {
			if (!in_line) {
				err = finish_head(req, pos + 2);
				if (err)
					return parse_fail(req, err, pos);
				req->scan = (u16)(pos + 2);
				req->state = ST_DONE;
				return KHTTP_DONE;
			}
			/* empty lines before the request line are ignored */
		} else {
			err = in_line ?
			      parse_request_line(req, buf, req->line_start, pos) :
			      parse_field_line(req, buf, req->line_start, pos);
			if (err)
				return parse_fail(req, err, pos);
			req->state = ST_FIELDS;
		}
		pos += 2;
		req->line_start = (u16)pos;
		req->scan = (u16)pos;
	}
	req->scan = (u16)pos;
	return KHTTP_AGAIN;
}

bool khttp_field_next(const char *buf, const struct khttp_request *req,
		      u16 *pos, struct khttp_span *name,
		      struct khttp_span *value)
{
	size_t p = *pos, e, n, v, ve;

	if (req->state != ST_DONE)
		return false;
	if (!p) {
		/* skip the empty lines before the request line, then it */
		while (buf[p] == '\r')
			p += 2;
		while (buf[p] != '\n')
			p++;
		p++;
	}
	if (p + 2 >= req->head_len)
		return false;
	for (e = p; buf[e] != '\r'; e++)
		;
	for (n = p; buf[n] != ':'; n++)
		;
	for (v = n + 1; v < e && is_ows(buf[v]); v++)
		;
	for (ve = e; ve > v && is_ows(buf[ve - 1]); ve--)
		;
	*name = span_of(p, n);
	*value = span_of(v, ve);
	*pos = (u16)(e + 2);
	return true;
}
