// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the parser helpers the vectors do not reach directly:
 * khttp_path_normalize() output sizes, the chunked decoder, HTTP dates,
 * khttp_field_next(), the error mapping.
 */
#include <stdlib.h>
#include "unit.h"
#include "khttpd/http_parser.h"
#include "khttpd/http_response.h"

static const struct {
	const char *raw;
	const char *want;	/* NULL: fails with err */
	int err;
} norm_cases[] = {
	{ "", "/", 0 },
	{ "/", "/", 0 },
	{ "a", "/a", 0 },
	{ "/a/b", "/a/b", 0 },
	{ "/a/b/", "/a/b/", 0 },
	{ "/a//b", "/a/b", 0 },
	{ "/a/./b/../c", "/a/c", 0 },
	{ "/a/b/..", "/a/", 0 },
	{ "/a/b/.", "/a/b/", 0 },
	{ "/..a/a..", "/..a/a..", 0 },
	{ "/%2e%2E", NULL, KHTTP_E_PATH_ESCAPE },
	{ "/a%2f%2e%2e%2f%2e%2e", NULL, KHTTP_E_PATH_ESCAPE },
	{ "/a%2f%2e%2e", "/", 0 },
	{ "/%252e%252e", "/%2e%2e", 0 },
	{ "/%41%42%43", "/ABC", 0 },
	{ "/%00", NULL, KHTTP_E_PATH_NUL },
	{ "/a\x01", NULL, KHTTP_E_PATH_NUL },
	{ "/%1F", NULL, KHTTP_E_PATH_NUL },
	{ "/%", NULL, KHTTP_E_PATH_ENCODING },
	{ "/%a", NULL, KHTTP_E_PATH_ENCODING },
	{ "/%xy", NULL, KHTTP_E_PATH_ENCODING },
	{ "/..", NULL, KHTTP_E_PATH_ESCAPE },
	{ "../a", NULL, KHTTP_E_PATH_ESCAPE },
};

static void test_normalize(void)
{
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(norm_cases) / sizeof(norm_cases[0]); i++) {
		const char *raw = norm_cases[i].raw, *want = norm_cases[i].want;
		int n = khttp_path_normalize(raw, strlen(raw), out, sizeof(out));

		if (want)
			CHECK(n == (int)strlen(want) && !strcmp(out, want),
			      "normalize \"%s\" gave %d \"%s\", want \"%s\"", raw, n,
			      n >= 0 ? out : "", want);
		else
			CHECK(n == norm_cases[i].err, "normalize \"%s\" gave %d, want %d",
			      raw, n, norm_cases[i].err);
	}

	/* out sizes: the result and its NUL must fit, exactly */
	{
		const char *raw = "/abc/def";
		size_t sz;

		for (sz = 0; sz <= 12; sz++) {
			char *o = malloc(sz ? sz : 1);
			int n = khttp_path_normalize(raw, 8, sz ? o : NULL, sz);

			if (sz >= 9)
				CHECK(n == 8 && !strcmp(o, raw), "outsz %zu gave %d", sz, n);
			else
				CHECK(n == KHTTP_E_URI_TOO_LONG, "outsz %zu gave %d", sz, n);
			free(o);
		}
	}
	/* the worst case promised by the header: len + 2 bytes */
	{
		char o[3];

		CHECK(khttp_path_normalize("a", 1, o, sizeof(o)) == 2 && !strcmp(o, "/a"),
		      "\"a\" in 3 bytes");
	}
}

struct chunk_case {
	const char *name;
	const char *in;
	size_t len;
	int result;		/* of the whole stream: END, MORE or ERROR */
	const char *data;	/* decoded body for END/MORE */
	size_t end;		/* bytes consumed up to END */
};

#define CH_IN(s) .in = (s), .len = sizeof(s) - 1

static const struct chunk_case chunk_cases[] = {
	{ "one chunk", CH_IN("5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_END, "hello", 15 },
	{ "two chunks", CH_IN("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "abcde", 20 },
	{ "hex sizes", CH_IN("A\r\n0123456789\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "0123456789", 20 },
	{ "lowercase hex", CH_IN("a\r\n0123456789\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "0123456789", 20 },
	{ "leading zeros", CH_IN("0003\r\nabc\r\n000\r\n\r\n"), KHTTP_CHUNK_END, "abc", 18 },
	{ "extensions skipped", CH_IN("3;a=b;c=\"d\"\r\nabc\r\n0;x\r\n\r\n"),
	  KHTTP_CHUNK_END, "abc", 25 },
	{ "BWS before extension", CH_IN("3 ;a\r\nabc\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "abc", 16 },
	{ "trailers skipped", CH_IN("1\r\nx\r\n0\r\nA: b\r\nC: d\r\n\r\n"),
	  KHTTP_CHUNK_END, "x", 23 },
	{ "bytes after the end are not consumed", CH_IN("1\r\nx\r\n0\r\n\r\nGET /"),
	  KHTTP_CHUNK_END, "x", 11 },
	{ "data containing CRLF", CH_IN("4\r\n\r\n\r\n\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "\r\n\r\n", 14 },
	{ "incomplete data", CH_IN("5\r\nhel"), KHTTP_CHUNK_MORE, "hel", 0 },
	{ "incomplete last chunk", CH_IN("1\r\nx\r\n0\r\n"), KHTTP_CHUNK_MORE, "x", 0 },
	{ "15 hex digits", CH_IN("fffffffffffffff\r\n"), KHTTP_CHUNK_MORE, "", 0 },
	{ "16 digits with zeros", CH_IN("000000000000000f\r\n"), KHTTP_CHUNK_MORE, "", 0 },
	{ "2^60 is too big", CH_IN("1000000000000000\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "17 digits", CH_IN("00000000000000001\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "no size", CH_IN("\r\nabc\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size with sign", CH_IN("+5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size 0x", CH_IN("0x5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size with junk", CH_IN("5g\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size bare LF", CH_IN("5\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size CR without LF", CH_IN("5\rhello"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "data too long", CH_IN("3\r\nabcd\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "data bare LF after", CH_IN("3\r\nabc\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "extension with control char", CH_IN("3;a\x01\r\nabc\r\n0\r\n\r\n"),
	  KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "extension bare LF", CH_IN("3;a\nabc\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "trailer bare LF", CH_IN("0\r\nA: b\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "trailer obs-fold", CH_IN("0\r\nA: b\r\n c\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "trailer NUL", CH_IN("0\r\nA: \0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "end bare LF", CH_IN("0\r\n\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "space as size", CH_IN(" 5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
};

/*
 * Feeds in[0..len) in pieces: first k bytes, then the rest, calling again
 * after each DATA. Collects data into out. Returns the final result and the
 * total consumed when END is reached.
 */
static int chunk_feed(const char *in, size_t len, size_t k, char *out,
		      size_t *outlen, size_t *total)
{
	struct khttp_chunked c;
	size_t pos = 0, avail = k < len ? k : len;
	int rc = KHTTP_CHUNK_MORE;

	khttp_chunked_init(&c);
	*outlen = 0;
	*total = 0;
	for (;;) {
		size_t used, off, dlen;

		rc = khttp_chunked_feed(&c, in + pos, avail - pos, &used, &off, &dlen);
		if (rc == KHTTP_CHUNK_ERROR)
			return rc;
		if (rc == KHTTP_CHUNK_DATA) {
			memcpy(out + *outlen, in + pos + off, dlen);
			*outlen += dlen;
		}
		pos += used;
		if (rc == KHTTP_CHUNK_END) {
			*total = pos;
			return rc;
		}
		if (rc == KHTTP_CHUNK_MORE && pos == avail) {
			if (avail == len)
				return rc;
			avail = len;
		}
	}
}

static void test_chunked(void)
{
	size_t i;

	for (i = 0; i < sizeof(chunk_cases) / sizeof(chunk_cases[0]); i++) {
		const struct chunk_case *t = &chunk_cases[i];
		char *in = malloc(t->len);	/* exact size for ASan */
		char out[64];
		size_t k, outlen, total;
		int bad = -1;

		memcpy(in, t->in, t->len);
		for (k = 0; k <= t->len; k++) {
			int rc = chunk_feed(in, t->len, k, out, &outlen, &total);

			if (rc != t->result ||
			    (t->data && (outlen != strlen(t->data) ||
					 memcmp(out, t->data, outlen))) ||
			    (rc == KHTTP_CHUNK_END && total != t->end)) {
				bad = (int)k;
				break;
			}
		}
		CHECK(bad < 0, "chunked \"%s\" wrong when split at %d", t->name, bad);
		free(in);
	}

	/* byte by byte, and the bounds on extensions and trailers */
	{
		static char big[KHTTP_TRAILER_MAX + 64];
		char out[8];
		size_t n, outlen, total;

		memcpy(big, "1;", 2);
		n = 2;
		memset(big + n, 'e', KHTTP_CHUNK_EXT_MAX);
		n += KHTTP_CHUNK_EXT_MAX;
		memcpy(big + n, "\r\nx\r\n0\r\n\r\n", 10);
		n += 10;
		CHECK(chunk_feed(big, n, 1, out, &outlen, &total) == KHTTP_CHUNK_END &&
		      total == n, "extension at the bound");
		memmove(big + 3, big + 2, n - 2);
		n++;
		CHECK(chunk_feed(big, n, n, out, &outlen, &total) == KHTTP_CHUNK_ERROR,
		      "extension over the bound");

		memcpy(big, "0\r\nX: ", 6);
		n = 6;
		/* "X: ", the value and the CR count */
		memset(big + n, 'v', KHTTP_TRAILER_MAX - 4);
		n += KHTTP_TRAILER_MAX - 4;
		memcpy(big + n, "\r\n\r\n", 4);
		n += 4;
		CHECK(chunk_feed(big, n, n / 2, out, &outlen, &total) == KHTTP_CHUNK_END,
		      "trailer at the bound");
		memmove(big + 7, big + 6, n - 6);
		n++;
		CHECK(chunk_feed(big, n, n, out, &outlen, &total) == KHTTP_CHUNK_ERROR,
		      "trailer over the bound");
	}

	/* after END and ERROR the decoder stays put */
	{
		struct khttp_chunked c;
		size_t used, off, dlen;

		khttp_chunked_init(&c);
		CHECK(khttp_chunked_feed(&c, "0\r\n\r\n", 5, &used, &off, &dlen) ==
		      KHTTP_CHUNK_END && used == 5, "end");
		CHECK(khttp_chunked_feed(&c, "1\r\n", 3, &used, &off, &dlen) ==
		      KHTTP_CHUNK_END && used == 0, "end is sticky");
		khttp_chunked_init(&c);
		CHECK(khttp_chunked_feed(&c, "z", 1, &used, &off, &dlen) ==
		      KHTTP_CHUNK_ERROR, "error");
		CHECK(khttp_chunked_feed(&c, "0\r\n\r\n", 5, &used, &off, &dlen) ==
		      KHTTP_CHUNK_ERROR, "error is sticky");
		khttp_chunked_init(&c);
		CHECK(khttp_chunked_feed(&c, "", 0, &used, &off, &dlen) ==
		      KHTTP_CHUNK_MORE && used == 0, "empty input");
	}
}

/* Known dates (computed independently with Python's calendar.timegm). */
static const struct {
	s64 t;
	const char *imf;
} known_dates[] = {
	{ 784111777, "Sun, 06 Nov 1994 08:49:37 GMT" },
	{ 0, "Thu, 01 Jan 1970 00:00:00 GMT" },
	{ -1, "Wed, 31 Dec 1969 23:59:59 GMT" },
	{ 946684800, "Sat, 01 Jan 2000 00:00:00 GMT" },
	{ 951868800, "Wed, 01 Mar 2000 00:00:00 GMT" },
	{ 1709164800, "Thu, 29 Feb 2024 00:00:00 GMT" },
	{ 2147483648LL, "Tue, 19 Jan 2038 03:14:08 GMT" },
	{ 4107542400LL, "Mon, 01 Mar 2100 00:00:00 GMT" },
	{ -2208988800LL, "Mon, 01 Jan 1900 00:00:00 GMT" },
	{ -11670955200LL, "Tue, 29 Feb 1600 12:00:00 GMT" },
	{ 253402300799LL, "Fri, 31 Dec 9999 23:59:59 GMT" },
	{ 1445412480, "Wed, 21 Oct 2015 07:28:00 GMT" },
};

/* The full day name whose first three letters start imf. */
static const char *long_day(const char *imf)
{
	int d;

	for (d = 0; d < 7; d++) {
		if (!memcmp(khttp_day_names[d], imf, 3))
			return khttp_day_names[d];
	}
	return "?";
}

static void check_round_trip(s64 t, unsigned long *bad)
{
	char imf[KHTTP_DATE_LEN + 1], other[40];
	s64 back;
	int year;

	khttp_date_format(t, imf);
	if (strlen(imf) != KHTTP_DATE_LEN || !khttp_date_parse(imf, KHTTP_DATE_LEN, &back) ||
	    back != t) {
		if (!(*bad)++)
			fprintf(stderr, "round trip of %lld via \"%s\"\n", (long long)t, imf);
		return;
	}
	/* asctime: "Sun Nov  6 08:49:37 1994" */
	snprintf(other, sizeof(other), "%.3s %.3s %c%c %.8s %.4s", imf, imf + 8,
		 imf[5] == '0' ? ' ' : imf[5], imf[6], imf + 17, imf + 12);
	if (!khttp_date_parse(other, strlen(other), &back) || back != t) {
		if (!(*bad)++)
			fprintf(stderr, "asctime \"%s\" for %lld\n", other, (long long)t);
		return;
	}
	/* RFC 850 only names years 1970..2069 */
	year = atoi(imf + 12);
	if (year >= 1970 && year <= 2069) {
		snprintf(other, sizeof(other), "%s, %.2s-%.3s-%.2s %.8s GMT", long_day(imf),
			 imf + 5, imf + 8, imf + 14, imf + 17);
		if (!khttp_date_parse(other, strlen(other), &back) || back != t) {
			if (!(*bad)++)
				fprintf(stderr, "rfc850 \"%s\" for %lld\n", other, (long long)t);
		}
	}
}

static void test_dates(void)
{
	char buf[KHTTP_DATE_LEN + 1];
	unsigned long bad = 0, n = 0;
	s64 t, back;
	size_t i;

	for (i = 0; i < sizeof(known_dates) / sizeof(known_dates[0]); i++) {
		khttp_date_format(known_dates[i].t, buf);
		CHECK(!strcmp(buf, known_dates[i].imf), "format %lld: \"%s\" want \"%s\"",
		      (long long)known_dates[i].t, buf, known_dates[i].imf);
		CHECK(khttp_date_parse(known_dates[i].imf, KHTTP_DATE_LEN, &back) &&
		      back == known_dates[i].t, "parse \"%s\"", known_dates[i].imf);
	}
	/* every day name follows the previous one, day by day over 800 years */
	for (t = -5000LL * 86400; t < 300000LL * 86400; t += 86400) {
		char next[KHTTP_DATE_LEN + 1];
		int d;

		khttp_date_format(t, buf);
		khttp_date_format(t + 86400, next);
		for (d = 0; d < 7 && memcmp(khttp_day_names[d], buf, 3); d++)
			;
		if (d == 7 || memcmp(khttp_day_names[(d + 1) % 7], next, 3))
			bad++;
	}
	CHECK(!bad, "%lu day names out of sequence", bad);

	/* round trips in all three forms: a prime stride over 0000..9999 */
	bad = 0;
	for (t = -62167219200LL; t <= 253402300799LL; t += 7919LL * 3607) {
		check_round_trip(t, &bad);
		n++;
	}
	for (t = -3 * 86400; t < 3 * 86400; t += 97) {
		check_round_trip(t, &bad);
		n++;
	}
	CHECK(!bad, "%lu of %lu round trips failed", bad, n);
	printf("dates: %lu round trips\n", n);

	/* clamping keeps the fixed width */
	khttp_date_format(-99999999999999LL, buf);
	CHECK(!strcmp(buf, "Sat, 01 Jan 0000 00:00:00 GMT"), "low clamp \"%s\"", buf);
	khttp_date_format(99999999999999LL, buf);
	CHECK(!strcmp(buf, "Fri, 31 Dec 9999 23:59:59 GMT"), "high clamp \"%s\"", buf);

	CHECK(!khttp_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", 28, &back), "short len");
	CHECK(!khttp_date_parse("", 0, &back), "empty");
	CHECK(!khttp_date_parse(",", 1, &back), "comma");
	CHECK(!khttp_date_parse("Sunday,", 7, &back), "day only");
}

static void test_fields(void)
{
	static const char req[] =
		"\r\nGET / HTTP/1.1\r\nHost: a\r\nX-Empty:\r\nX-Pad:  \t v w \t\r\n"
		"User-Agent: ua/1\r\nAuthorization: Basic eA==\r\n"
		"Content-Type: text/plain\r\nReferer: http://r/\r\n"
		"If-None-Match: \"x\", W/\"y\"\r\nIf-Range: \"z\"\r\n\r\n";
	static const char * const names[] = {
		"Host", "X-Empty", "X-Pad", "User-Agent", "Authorization",
		"Content-Type", "Referer", "If-None-Match", "If-Range",
	};
	static const char * const values[] = {
		"a", "", "v w", "ua/1", "Basic eA==", "text/plain", "http://r/",
		"\"x\", W/\"y\"", "\"z\"",
	};
	struct khttp_request r;
	struct khttp_span name, value;
	u16 pos = 0;
	size_t i = 0;
	bool ok = true;

	khttp_request_init(&r);
	CHECK(!khttp_field_next(req, &r, &pos, &name, &value), "iterating before DONE");
	CHECK(khttp_parse(&r, NULL, req, sizeof(req) - 1) == KHTTP_DONE, "parse");
	while (khttp_field_next(req, &r, &pos, &name, &value)) {
		if (i >= 9 || !khttp_span_ieq(req, name, names[i]) ||
		    value.len != strlen(values[i]) ||
		    memcmp(req + value.off, values[i], value.len))
			ok = false;
		i++;
	}
	CHECK(ok && i == 9, "field iteration (%zu fields)", i);
	CHECK(r.nfields == 9, "nfields %u", r.nfields);
	CHECK(khttp_span_ieq(req, r.user_agent, "ua/1"), "user_agent");
	CHECK(khttp_span_ieq(req, r.authorization, "BASIC ea=="), "authorization ieq");
	CHECK(khttp_span_ieq(req, r.content_type, "text/plain"), "content_type");
	CHECK(khttp_span_ieq(req, r.referer, "http://r/"), "referer");
	CHECK(khttp_span_ieq(req, r.if_none_match, "\"x\", w/\"y\""), "if_none_match");
	CHECK(khttp_span_ieq(req, r.if_range, "\"z\""), "if_range");
	CHECK(khttp_span_ieq(req, r.method_str, "get"), "method_str");
	CHECK(khttp_span_ieq(req, r.target, "/"), "target");
	CHECK(!khttp_span_ieq(req, r.target, "/x"), "ieq length");
	CHECK(!khttp_span_ieq(req, r.user_agent, "ua/"), "ieq prefix");
}

static void test_errors(void)
{
	static const struct {
		int result;
		int status;
	} map[] = {
		{ KHTTP_E_METHOD_SYNTAX, 400 }, { KHTTP_E_TARGET_SYNTAX, 400 },
		{ KHTTP_E_VERSION_SYNTAX, 400 }, { KHTTP_E_LINE_ENDING, 400 },
		{ KHTTP_E_FIELD_NAME, 400 }, { KHTTP_E_FIELD_WS, 400 },
		{ KHTTP_E_OBS_FOLD, 400 }, { KHTTP_E_FIELD_VALUE, 400 },
		{ KHTTP_E_HOST_MISSING, 400 }, { KHTTP_E_HOST_DUPLICATE, 400 },
		{ KHTTP_E_HOST_SYNTAX, 400 }, { KHTTP_E_CONTENT_LENGTH, 400 },
		{ KHTTP_E_CONTENT_LENGTH_DUP, 400 }, { KHTTP_E_CL_AND_TE, 400 },
		{ KHTTP_E_TE_NOT_CHUNKED_LAST, 400 }, { KHTTP_E_TE_HTTP10, 400 },
		{ KHTTP_E_PATH_ENCODING, 400 }, { KHTTP_E_PATH_NUL, 400 },
		{ KHTTP_E_PATH_ESCAPE, 400 }, { KHTTP_E_RANGE_SYNTAX, 400 },
		{ KHTTP_E_LEADING_WS, 400 }, { KHTTP_E_METHOD_NOT_ALLOWED, 405 },
		{ KHTTP_E_URI_TOO_LONG, 414 }, { KHTTP_E_EXPECTATION, 417 },
		{ KHTTP_E_HEADERS_TOO_LARGE, 431 }, { KHTTP_E_TOO_MANY_FIELDS, 431 },
		{ KHTTP_E_METHOD_UNKNOWN, 501 }, { KHTTP_E_TE_UNKNOWN, 501 },
		{ KHTTP_E_VERSION, 505 },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
		CHECK(khttp_error_status(map[i].result) == map[i].status,
		      "status of %d", map[i].result);
		CHECK(strcmp(khttp_error_str(map[i].result), "unknown error"),
		      "description of %d", map[i].result);
	}
	CHECK(!strcmp(khttp_error_str(-99), "unknown error"), "unknown result");

	/* a request stays failed: later calls repeat the error */
	{
		struct khttp_request r;
		static const char bad[] = "GET /%00 HTTP/1.1\r\nHost: a\r\n\r\n";

		khttp_request_init(&r);
		CHECK(khttp_parse(&r, NULL, bad, sizeof(bad) - 1) == KHTTP_E_PATH_NUL, "nul");
		CHECK(khttp_parse(&r, NULL, bad, sizeof(bad) - 1) == KHTTP_E_PATH_NUL,
		      "sticky error");
	}
}

void test_parser(void)
{
	test_normalize();
	test_chunked();
	test_dates();
	test_fields();
	test_errors();
}
