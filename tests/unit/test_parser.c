// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests of the parser helpers the vectors do not reach directly:
 * khttp_path_normalize() output sizes, khttp_path_hidden(), the chunked decoder, HTTP dates,
 * khttp_field_next(), the error mapping.
 */
#include <stdlib.h>
#include "unit.h"
#include "decoder_vectors.h"

static void test_normalize(void)
{
	char out[64];
	size_t i;

	for (i = 0; i < sizeof(kv_norm_cases) / sizeof(kv_norm_cases[0]); i++) {
		const char *raw = kv_norm_cases[i].raw, *want = kv_norm_cases[i].want;
		int n = khttp_path_normalize(raw, strlen(raw), out, sizeof(out));

		if (want) {
			CHECK(n == (int)strlen(want) && !strcmp(out, want),
			      "normalize \"%s\" gave %d \"%s\", want \"%s\"", raw, n,
			      n >= 0 ? out : "", want);
			CHECK(khttp_path_hidden(want, strlen(want)) == kv_norm_cases[i].hidden,
			      "hidden \"%s\": want %d", want, kv_norm_cases[i].hidden);
		} else {
			CHECK(n == kv_norm_cases[i].err, "normalize \"%s\" gave %d, want %d",
			      raw, n, kv_norm_cases[i].err);
		}
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
	/*
	 * an escape cut by the end of the path: the bytes after len are not
	 * its digits, whatever they are
	 */
	{
		static const char cut[] = "/%4a";

		CHECK(khttp_path_normalize(cut, 4, out, sizeof(out)) == 2 &&
		      !strcmp(out, "/J"), "\"/%%4a\" decodes");
		CHECK(khttp_path_normalize(cut, 3, out, sizeof(out)) ==
		      KHTTP_E_PATH_ENCODING, "\"/%%4\" then 'a' past the end");
		CHECK(khttp_path_normalize(cut, 2, out, sizeof(out)) ==
		      KHTTP_E_PATH_ENCODING, "\"/%%\" then \"4a\" past the end");
	}
	/* the worst case promised by the header: len + 2 bytes */
	{
		char o[3];

		CHECK(khttp_path_normalize("a", 1, o, sizeof(o)) == 2 && !strcmp(o, "/a"),
		      "\"a\" in 3 bytes");
	}
}

static void test_chunked(void)
{
	size_t i;

	for (i = 0; i < sizeof(kv_chunk_cases) / sizeof(kv_chunk_cases[0]); i++) {
		const struct kv_chunk *t = &kv_chunk_cases[i];
		char *in = malloc(t->len ? t->len : 1);	/* exact size for ASan */
		char out[64];
		long bad;

		memcpy(in, t->in, t->len);
		bad = kv_chunk_case_bad_split(t, in, out);
		CHECK(bad < 0, "chunked \"%s\" wrong when split at %ld", t->name, bad);
		free(in);
	}

	/* the bounds on extensions and trailers */
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
		CHECK(kv_chunk_feed(big, n, 1, out, &outlen, &total) == KHTTP_CHUNK_END &&
		      total == n, "extension at the bound");
		memmove(big + 3, big + 2, n - 2);
		n++;
		CHECK(kv_chunk_feed(big, n, n, out, &outlen, &total) == KHTTP_CHUNK_ERROR,
		      "extension over the bound");

		memcpy(big, "0\r\nX: ", 6);
		n = 6;
		/* "X: ", the value and the CR count */
		memset(big + n, 'v', KHTTP_TRAILER_MAX - 4);
		n += KHTTP_TRAILER_MAX - 4;
		memcpy(big + n, "\r\n\r\n", 4);
		n += 4;
		CHECK(kv_chunk_feed(big, n, n / 2, out, &outlen, &total) == KHTTP_CHUNK_END,
		      "trailer at the bound");
		memmove(big + 7, big + 6, n - 6);
		n++;
		CHECK(kv_chunk_feed(big, n, n, out, &outlen, &total) == KHTTP_CHUNK_ERROR,
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

static void test_dates(void)
{
	char buf[KHTTP_DATE_LEN + 1];
	unsigned long bad = 0, n = 0;
	s64 t, back;
	size_t i;

	for (i = 0; i < sizeof(kv_known_dates) / sizeof(kv_known_dates[0]); i++) {
		khttp_date_format(kv_known_dates[i].t, buf);
		CHECK(!strcmp(buf, kv_known_dates[i].imf), "format %lld: \"%s\" want \"%s\"",
		      (long long)kv_known_dates[i].t, buf, kv_known_dates[i].imf);
		CHECK(khttp_date_parse(kv_known_dates[i].imf, KHTTP_DATE_LEN, &back) &&
		      back == kv_known_dates[i].t, "parse \"%s\"", kv_known_dates[i].imf);
	}
	/* day names follow each other, day by day over 800 years */
	for (t = -5000LL * 86400; t < 300000LL * 86400; t += 86400)
		bad += !kv_date_next_day_ok(t);
	CHECK(!bad, "%lu day names out of sequence", bad);

	/* round trips in all three forms: a prime stride over 0000..9999 */
	bad = 0;
	for (t = -62167219200LL; t <= 253402300799LL; t += 7919LL * 3607, n++)
		bad += !kv_date_round_trip(t);
	for (t = -3 * 86400; t < 3 * 86400; t += 97, n++)
		bad += !kv_date_round_trip(t);
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
	/* asctime: each of its separators is one */
	CHECK(khttp_date_parse("Sun Nov  6 08:49:37 1994", 24, &back) &&
	      back == 784111777, "asctime");
	CHECK(!khttp_date_parse("Sun Novx 6 08:49:37 1994", 24, &back), "asctime s[7]");
	CHECK(!khttp_date_parse("Sun Nov  6x08:49:37 1994", 24, &back), "asctime s[10]");
	CHECK(!khttp_date_parse("Sun Nov  6 08:49:37x1994", 24, &back), "asctime s[19]");
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
		{ KHTTP_E_LEADING_WS, 400 }, { KHTTP_E_FIELD_DUPLICATE, 400 },
		{ KHTTP_E_METHOD_NOT_ALLOWED, 405 },
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
