// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * khttpd's HTTP/1.1 request parser (RFC 9112 / RFC 9110). The contract is in
 * http_parser.h; this file is compiled unchanged into the kernel module and
 * the userspace daemon, so it uses nothing beyond memcpy/memcmp/memset/strlen.
 *
 * Scanning is split in two levels so that feeding the head in pieces gives
 * exactly the result of parsing it whole: a byte scan that only looks for
 * line ends and limits (resumable at any byte), and a line parser that runs
 * once per complete line. Errors are therefore found in buffer order,
 * whatever the chunking.
 */
#include <khttpd/http_parser.h>

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
};

#define KHTTP_S64_MAX ((u64)0x7fffffffffffffffULL)

static bool is_digit(u8 c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha(u8 c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int hex_value(u8 c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool is_ows(u8 c)
{
	return c == ' ' || c == '\t';
}

static bool is_ctl(u8 c)
{
	return c < 0x20 || c == 0x7f;
}

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
 * Dot-segment removal over the percent-decoded path. With out == NULL it only
 * validates (what khttp_parse() needs, without a buffer): the depth count of
 * kept segments decides climbing, the output is not needed for that.
 */
struct path_out {
	char *out;
	size_t outsz;
	size_t o;		/* bytes written */
	size_t seg;		/* where the current segment starts in out */
	size_t seg_len;
	size_t depth;		/* segments kept */
	bool dots_only;
};

/* A segment ended; a separator follows when more is set. */
static int path_segment_end(struct path_out *p, bool more)
{
	if (p->seg_len == 2 && p->dots_only) {
		if (!p->depth)
			return KHTTP_E_PATH_ESCAPE;
		p->depth--;
		if (p->out) {
			/* out[seg - 1] ends the kept segment: cut back to its start */
			p->o = p->seg - 1;
			while (p->out[p->o - 1] != '/')
				p->o--;
		}
	} else if (p->seg_len == 0 || (p->seg_len == 1 && p->dots_only)) {
		p->o = p->seg;
	} else {
		p->depth++;
		if (p->out && more) {
			if (p->o + 1 >= p->outsz)
				return KHTTP_E_URI_TOO_LONG;
			p->out[p->o++] = '/';
		}
	}
	p->seg = p->o;
	p->seg_len = 0;
	p->dots_only = true;
	return 0;
}

static int path_normalize(const char *raw, size_t len, char *out, size_t outsz)
{
	struct path_out p = { .out = out, .outsz = outsz, .dots_only = true };
	size_t i = 0;
	int err;

	if (out) {
		if (outsz < 2)
			return KHTTP_E_URI_TOO_LONG;
		out[p.o++] = '/';
		p.seg = p.o;
	}
	while (i < len) {
		u8 c = raw[i++];

		if (c == '%') {
			int hi = i + 1 < len ? hex_value(raw[i]) : -1;
			int lo = hi >= 0 ? hex_value(raw[i + 1]) : -1;

			if (lo < 0)
				return KHTTP_E_PATH_ENCODING;
			c = (u8)(hi << 4 | lo);
			i += 2;
		}
		if (c == '/') {
			/* a decoded %2F separates segments like '/' does */
			err = path_segment_end(&p, true);
			if (err)
				return err;
			continue;
		}
		if (is_ctl(c))
			return KHTTP_E_PATH_NUL;
		if (c != '.')
			p.dots_only = false;
		p.seg_len++;
		if (out) {
			if (p.o + 1 >= outsz)
				return KHTTP_E_URI_TOO_LONG;
			out[p.o++] = c;
		}
	}
	err = path_segment_end(&p, false);
	if (err)
		return err;
	if (!out)
		return 0;
	out[p.o] = '\0';
	return (int)p.o;
}

int khttp_path_normalize(const char *raw, size_t len, char *out, size_t outsz)
{
	if (!out)
		return KHTTP_E_URI_TOO_LONG;
	return path_normalize(raw, len, out, outsz);
}

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
static bool host_valid(const char *p, size_t n)
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

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no libc time functions in the kernel.
 */
static s64 days_from_civil(s64 y, unsigned int m, unsigned int d)
{
	s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool is_leap(s64 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

const char * const khttp_month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

const char * const khttp_day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

/* Two digits at p, or -1 */
static int two_digits(const char *p)
{
	if (!is_digit(p[0]) || !is_digit(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Month number 1..12 of a three-letter name (case-sensitive), or 0. */
static unsigned int month_of(const char *p)
{
	unsigned int m;

	for (m = 0; m < 12; m++) {
		if (!memcmp(p, khttp_month_names[m], 3))
			return m + 1;
	}
	return 0;
}

/* The day name at p[0..n): 3 letters (short) or the full name (!short). */
static bool day_name_valid(const char *p, size_t n, bool short_form)
{
	unsigned int d;

	for (d = 0; d < 7; d++) {
		size_t full = strlen(khttp_day_names[d]);

		if (short_form ? n == 3 && !memcmp(p, khttp_day_names[d], 3) :
				 n == full && !memcmp(p, khttp_day_names[d], full))
			return true;
	}
	return false;
}

/* "HH:MM:SS" at p into seconds of the day, or -1 */
static int time_of_day(const char *p)
{
	int h = two_digits(p), m = two_digits(p + 3), s = two_digits(p + 6);

	if (p[2] != ':' || p[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 ||
	    s < 0 || s > 60)
		return -1;
	return h * 3600 + m * 60 + s;
}

static bool date_compose(s64 y, unsigned int mon, int day, int secs, s64 *out)
{
	static const u8 mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max;

	if (!mon || day < 1 || secs < 0)
		return false;
	max = mdays[mon - 1] + (mon == 2 && is_leap(y));
	if (day > max)
		return false;
	*out = days_from_civil(y, mon, day) * 86400 + secs;
	return *out <= KHTTP_DATE_MAX;
}

bool khttp_date_parse(const char *s, size_t len, s64 *out)
{
	int y4, day, secs;
	size_t comma;

	if (len == 29 && s[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (!day_name_valid(s, 3, true) || s[4] != ' ' || s[7] != ' ' ||
		    s[11] != ' ' || s[16] != ' ' || s[25] != ' ' ||
		    memcmp(s + 26, "GMT", 3))
			return false;
		day = two_digits(s + 5);
		y4 = two_digits(s + 12) < 0 || two_digits(s + 14) < 0 ? -1 :
		     two_digits(s + 12) * 100 + two_digits(s + 14);
		secs = time_of_day(s + 17);
		return y4 >= 0 && date_compose(y4, month_of(s + 8), day, secs, out);
	}
	if (len == 24 && s[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (!day_name_valid(s, 3, true) || s[7] != ' ' || s[10] != ' ' ||
		    s[19] != ' ')
			return false;
		day = s[8] == ' ' ? (is_digit(s[9]) ? s[9] - '0' : -1) :
				    two_digits(s + 8);
		y4 = two_digits(s + 20) < 0 || two_digits(s + 22) < 0 ? -1 :
		     two_digits(s + 20) * 100 + two_digits(s + 22);
		secs = time_of_day(s + 11);
		return y4 >= 0 && date_compose(y4, month_of(s + 4), day, secs, out);
	}
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	for (comma = 0; comma < len && comma < 10 && s[comma] != ','; comma++)
		;
	if (comma == len || s[comma] != ',' || len != comma + 24 ||
	    !day_name_valid(s, comma, false))
		return false;
	s += comma + 2;
	if (s[-1] != ' ' || s[2] != '-' || s[6] != '-' || s[9] != ' ' ||
	    s[18] != ' ' || memcmp(s + 19, "GMT", 3))
		return false;
	day = two_digits(s);
	y4 = two_digits(s + 7);
	secs = time_of_day(s + 10);
	if (y4 < 0)
		return false;
	/* two-digit years: 70..99 are 19xx, the rest 20xx (RFC 9110 5.6.7) */
	y4 += y4 >= 70 ? 1900 : 2000;
	return date_compose(y4, month_of(s + 3), day, secs, out);
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
	if (p == auth || !host_valid(buf + auth, p - auth))
		return KHTTP_E_HOST_SYNTAX;
	req->host = span_of(auth, p);
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
	return path_normalize(buf + t, q - t, NULL, 0);
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
	if (req->nfields_seen_host & SEEN_CL)
		return KHTTP_E_CONTENT_LENGTH_DUP;
	req->nfields_seen_host |= SEEN_CL;
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
		if (req->nfields_seen_host & SEEN_HOST)
			return KHTTP_E_HOST_DUPLICATE;
		req->nfields_seen_host |= SEEN_HOST;
		if (!host_valid(buf + v, ve - v))
			return KHTTP_E_HOST_SYNTAX;
		if (!(req->flags & KHTTP_F_ABSOLUTE_FORM))
			req->host = span_of(v, ve);
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
		req->authorization = span_of(v, ve);
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
	u8 seen = req->nfields_seen_host;

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

enum {
	CH_SIZE = 0,
	CH_SIZE_WS,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER_START,
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_END,
	CH_ERROR,
};

void khttp_chunked_init(struct khttp_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int chunk_fail(struct khttp_chunked *c, size_t at, size_t *consumed)
{
	c->state = CH_ERROR;
	*consumed = at;
	return KHTTP_CHUNK_ERROR;
}

int khttp_chunked_feed(struct khttp_chunked *c, const char *buf, size_t len,
		       size_t *consumed, size_t *data_off, size_t *data_len)
{
	size_t i = 0;

	*data_off = 0;
	*data_len = 0;
	if (c->state == CH_END) {
		*consumed = 0;
		return KHTTP_CHUNK_END;
	}
	if (c->state == CH_ERROR)
		return chunk_fail(c, 0, consumed);
	while (i < len) {
		u8 ch = buf[i];
		int hv;

		switch (c->state) {
		case CH_SIZE:
			hv = hex_value(ch);
			if (hv >= 0) {
				/* sizes stay below 2^60, digits (zeros too) bounded */
				if ((c->remaining >> 56) || c->digits >= KHTTP_CHUNK_DIGITS_MAX)
					return chunk_fail(c, i, consumed);
				c->remaining = c->remaining << 4 | hv;
				c->digits++;
			} else if (!c->digits) {
				return chunk_fail(c, i, consumed);
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == ';') {
				c->state = CH_EXT;
			} else if (is_ows(ch)) {
				c->state = CH_SIZE_WS;
			} else {
				return chunk_fail(c, i, consumed);
			}
			break;
		case CH_SIZE_WS:
			/* BWS: only before an extension (or the CRLF) */
			if (ch == ';')
				c->state = CH_EXT;
			else if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (!is_ows(ch) || ++c->trailer_bytes > KHTTP_CHUNK_EXT_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_EXT:
			/* chunk-ext is skipped, but not forever */
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if ((is_ctl(ch) && ch != '\t') ||
				 ++c->trailer_bytes > KHTTP_CHUNK_EXT_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->digits = 0;
			c->trailer_bytes = 0;
			c->state = c->remaining ? CH_DATA : CH_TRAILER_START;
			break;
		case CH_DATA:
			*data_off = i;
			*data_len = len - i < c->remaining ? len - i : (size_t)c->remaining;
			c->remaining -= *data_len;
			if (!c->remaining)
				c->state = CH_DATA_CR;
			*consumed = i + *data_len;
			return KHTTP_CHUNK_DATA;
		case CH_DATA_CR:
			if (ch != '\r')
				return chunk_fail(c, i, consumed);
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_SIZE;
			break;
		case CH_TRAILER_START:
			if (ch == '\r') {
				c->state = CH_END_LF;
				break;
			}
			if (is_ows(ch))	/* obs-fold */
				return chunk_fail(c, i, consumed);
			c->state = CH_TRAILER;
			continue;	/* the same byte, as part of the line */
		case CH_TRAILER:
			/* trailer fields are not merged: bound and skip them */
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (is_ctl(ch) && ch != '\t')
				return chunk_fail(c, i, consumed);
			if (++c->trailer_bytes > KHTTP_TRAILER_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_TRAILER_START;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_END;
			*consumed = i + 1;
			return KHTTP_CHUNK_END;
		}
		i++;
	}
	*consumed = len;
	return KHTTP_CHUNK_MORE;
}
