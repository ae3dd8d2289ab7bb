/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Cases for the parser's helpers (path normalizer, chunked decoder, HTTP
 * dates), shared by tests/unit/test_parser.c and kmod/tests/parser_kunit.c.
 * Expected values are written by hand (dates: Python's calendar.timegm).
 */
#ifndef KHTTPD_DECODER_VECTORS_H
#define KHTTPD_DECODER_VECTORS_H

#include <khttpd/http_response.h>

struct kv_norm {
	const char *raw;
	const char *want;	/* NULL: fails with err */
	int err;
	bool hidden;		/* khttp_path_hidden() of want */
};

static const struct kv_norm kv_norm_cases[] = {
	{ "", "/", 0, false },
	{ "/", "/", 0, false },
	{ "a", "/a", 0, false },
	{ "/a/b", "/a/b", 0, false },
	{ "/a/b/", "/a/b/", 0, false },
	{ "/a//b", "/a/b", 0, false },
	{ "/a/./b/../c", "/a/c", 0, false },
	{ "/a/b/..", "/a/", 0, false },
	{ "/a/b/.", "/a/b/", 0, false },
	{ "/..a/a..", "/..a/a..", 0, true },
	{ "/%2e%2E", NULL, KHTTP_E_PATH_ESCAPE, false },
	{ "/a%2f%2e%2e%2f%2e%2e", NULL, KHTTP_E_PATH_ESCAPE, false },
	{ "/a%2f%2e%2e", "/", 0, false },
	{ "/%252e%252e", "/%2e%2e", 0, false },
	{ "/%41%42%43", "/ABC", 0, false },
	{ "/%00", NULL, KHTTP_E_PATH_NUL, false },
	{ "/a\x01", NULL, KHTTP_E_PATH_NUL, false },
	{ "/%1F", NULL, KHTTP_E_PATH_NUL, false },
	{ "/%", NULL, KHTTP_E_PATH_ENCODING, false },
	{ "/%a", NULL, KHTTP_E_PATH_ENCODING, false },
	{ "/%xy", NULL, KHTTP_E_PATH_ENCODING, false },
	{ "/..", NULL, KHTTP_E_PATH_ESCAPE, false },
	{ "../a", NULL, KHTTP_E_PATH_ESCAPE, false },
	/* hidden names: any segment starting with '.', however it was spelt */
	{ "/.htpasswd", "/.htpasswd", 0, true },
	{ "/%2ehtpasswd", "/.htpasswd", 0, true },
	{ "/a/.env", "/a/.env", 0, true },
	{ "/.git/", "/.git/", 0, true },
	{ "/.git/config", "/.git/config", 0, true },
	{ "/a/.git/HEAD", "/a/.git/HEAD", 0, true },
	{ "/x/../.env", "/.env", 0, true },
	{ "/a/./.b", "/a/.b", 0, true },
	{ "/...", "/...", 0, true },
	{ "/a%2f.b", "/a/.b", 0, true },
	{ "/a.b/c./d..", "/a.b/c./d..", 0, false },
	{ "/%2e", "/", 0, false },
	/* RFC 8615: the top-level /.well-known, and only it */
	{ "/.well-known", "/.well-known", 0, false },
	{ "/.well-known/", "/.well-known/", 0, false },
	{ "/.well-known/acme-challenge/t0k3n", "/.well-known/acme-challenge/t0k3n", 0, false },
	{ "/.well-known/.git", "/.well-known/.git", 0, true },
	{ "/.well-known%2f.env", "/.well-known/.env", 0, true },
	{ "/a/.well-known/x", "/a/.well-known/x", 0, true },
	{ "/.well-knownx/a", "/.well-knownx/a", 0, true },
	{ "/.well-know", "/.well-know", 0, true },
	{ "/.Well-Known/x", "/.Well-Known/x", 0, true },
};

struct kv_chunk {
	const char *name;
	const char *in;
	size_t len;
	int result;		/* of the whole stream: END, MORE or ERROR */
	const char *data;	/* decoded body for END and MORE */
	size_t end;		/* bytes consumed up to END */
};

#define KV_CH_IN(s) .in = (s), .len = sizeof(s) - 1

static const struct kv_chunk kv_chunk_cases[] = {
	{ "one chunk", KV_CH_IN("5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_END, "hello", 15 },
	{ "two chunks", KV_CH_IN("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "abcde", 20 },
	{ "hex sizes", KV_CH_IN("A\r\n0123456789\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "0123456789", 20 },
	{ "lowercase hex", KV_CH_IN("a\r\n0123456789\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "0123456789", 20 },
	{ "leading zeros", KV_CH_IN("0003\r\nabc\r\n000\r\n\r\n"), KHTTP_CHUNK_END,
	  "abc", 18 },
	{ "extensions skipped", KV_CH_IN("3;a=b;c=\"d\"\r\nabc\r\n0;x\r\n\r\n"),
	  KHTTP_CHUNK_END, "abc", 25 },
	{ "BWS before extension", KV_CH_IN("3 ;a\r\nabc\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "abc", 16 },
	{ "tabs before extension", KV_CH_IN("3\t\t;a\r\nabc\r\n0\r\n\r\n"),
	  KHTTP_CHUNK_END, "abc", 17 },
	{ "whitespace before CRLF", KV_CH_IN("3 \r\nabc\r\n0 \r\n\r\n"), KHTTP_CHUNK_END,
	  "abc", 15 },
	{ "trailers skipped", KV_CH_IN("1\r\nx\r\n0\r\nA: b\r\nC: d\r\n\r\n"),
	  KHTTP_CHUNK_END, "x", 23 },
	{ "bytes after the end are not consumed", KV_CH_IN("1\r\nx\r\n0\r\n\r\nGET /"),
	  KHTTP_CHUNK_END, "x", 11 },
	{ "data containing CRLF", KV_CH_IN("4\r\n\r\n\r\n\r\n0\r\n\r\n"), KHTTP_CHUNK_END,
	  "\r\n\r\n", 14 },
	{ "incomplete data", KV_CH_IN("5\r\nhel"), KHTTP_CHUNK_MORE, "hel", 0 },
	{ "incomplete last chunk", KV_CH_IN("1\r\nx\r\n0\r\n"), KHTTP_CHUNK_MORE, "x", 0 },
	{ "15 hex digits", KV_CH_IN("fffffffffffffff\r\n"), KHTTP_CHUNK_MORE, "", 0 },
	{ "16 digits with zeros", KV_CH_IN("000000000000000f\r\n"), KHTTP_CHUNK_MORE, "", 0 },
	{ "2^60 is too big", KV_CH_IN("1000000000000000\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "17 digits", KV_CH_IN("00000000000000001\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "no size", KV_CH_IN("\r\nabc\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size with sign", KV_CH_IN("+5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size 0x", KV_CH_IN("0x5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size with junk", KV_CH_IN("5g\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size bare LF", KV_CH_IN("5\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "size CR without LF", KV_CH_IN("5\rhello"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "data too long", KV_CH_IN("3\r\nabcd\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "data bare LF after", KV_CH_IN("3\r\nabc\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "extension with control char", KV_CH_IN("3;a\x01\r\nabc\r\n0\r\n\r\n"),
	  KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "extension bare LF", KV_CH_IN("3;a\nabc\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "trailer bare LF", KV_CH_IN("0\r\nA: b\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "trailer obs-fold", KV_CH_IN("0\r\nA: b\r\n c\r\n\r\n"), KHTTP_CHUNK_ERROR,
	  NULL, 0 },
	{ "trailer NUL", KV_CH_IN("0\r\nA: \0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "end bare LF", KV_CH_IN("0\r\n\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "space as size", KV_CH_IN(" 5\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "space inside size", KV_CH_IN("1 0\r\n"), KHTTP_CHUNK_ERROR, NULL, 0 },
	{ "junk after whitespace", KV_CH_IN("5 x\r\nhello\r\n0\r\n\r\n"), KHTTP_CHUNK_ERROR,
	  NULL, 0 },
	{ "tab then bare LF", KV_CH_IN("5\t\nhello"), KHTTP_CHUNK_ERROR, NULL, 0 },
};

/*
 * Feeds in[0..len) as two pieces (k bytes, then the rest), calling again
 * after each DATA, and collects the data into out. Returns the last result;
 * *total is what was consumed up to END.
 */
static inline int kv_chunk_feed(const char *in, size_t len, size_t k, char *out,
				size_t *outlen, size_t *total)
{
	struct khttp_chunked c;
	size_t pos = 0, avail = k < len ? k : len;
	int rc;

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
		if (rc == KHTTP_CHUNK_MORE) {
			if (avail == len)
				return rc;
			avail = len;
		}
	}
}

/* Whether case t decodes right when split at every byte; -1 or the split. */
static inline long kv_chunk_case_bad_split(const struct kv_chunk *t, const char *in,
					   char *out)
{
	size_t k, outlen, total;

	for (k = 0; k <= t->len; k++) {
		int rc = kv_chunk_feed(in, t->len, k, out, &outlen, &total);

		if (rc != t->result ||
		    (t->data && (outlen != strlen(t->data) || memcmp(out, t->data, outlen))) ||
		    (rc == KHTTP_CHUNK_END && total != t->end))
			return (long)k;
	}
	return -1;
}

struct kv_date {
	s64 t;
	const char *imf;
};

static const struct kv_date kv_known_dates[] = {
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

/*
 * The same instant as the IMF-fixdate imf in the two obsolete forms:
 * asctime[25] ("Sun Nov  6 08:49:37 1994") and, for years 1970..2069 where
 * the two-digit year is unambiguous, rfc850[34] ("Sunday, 06-Nov-94 08:49:37
 * GMT"; empty otherwise).
 */
static inline void kv_date_forms(const char *imf, char *asctime, char *rfc850)
{
	int d, year = (imf[12] - '0') * 1000 + (imf[13] - '0') * 100 +
		      (imf[14] - '0') * 10 + (imf[15] - '0');
	size_t n;

	memcpy(asctime, imf, 3);		/* "Sun" */
	asctime[3] = ' ';
	memcpy(asctime + 4, imf + 8, 3);	/* "Nov" */
	asctime[7] = ' ';
	asctime[8] = imf[5] == '0' ? ' ' : imf[5];
	asctime[9] = imf[6];
	asctime[10] = ' ';
	memcpy(asctime + 11, imf + 17, 8);	/* "08:49:37" */
	asctime[19] = ' ';
	memcpy(asctime + 20, imf + 12, 4);	/* "1994" */
	asctime[24] = '\0';

	rfc850[0] = '\0';
	if (year < 1970 || year > 2069)
		return;
	for (d = 0; d < 6 && memcmp(khttp_day_names[d], imf, 3); d++)
		;
	n = strlen(khttp_day_names[d]);
	memcpy(rfc850, khttp_day_names[d], n);
	memcpy(rfc850 + n, ", ", 2);
	memcpy(rfc850 + n + 2, imf + 5, 2);	/* "06" */
	rfc850[n + 4] = '-';
	memcpy(rfc850 + n + 5, imf + 8, 3);	/* "Nov" */
	rfc850[n + 8] = '-';
	memcpy(rfc850 + n + 9, imf + 14, 2);	/* "94" */
	rfc850[n + 11] = ' ';
	memcpy(rfc850 + n + 12, imf + 17, 8);
	memcpy(rfc850 + n + 20, " GMT", 5);
}

/* Format t, parse it back in all three forms; false on any mismatch. */
static inline bool kv_date_round_trip(s64 t)
{
	char imf[KHTTP_DATE_LEN + 1], asctime[25], rfc850[34];
	s64 back;

	khttp_date_format(t, imf);
	if (strlen(imf) != KHTTP_DATE_LEN || !khttp_date_parse(imf, KHTTP_DATE_LEN, &back) ||
	    back != t)
		return false;
	kv_date_forms(imf, asctime, rfc850);
	if (!khttp_date_parse(asctime, strlen(asctime), &back) || back != t)
		return false;
	return !rfc850[0] ||
	       (khttp_date_parse(rfc850, strlen(rfc850), &back) && back == t);
}

/* Whether the day names of t and t + 1 day follow each other. */
static inline bool kv_date_next_day_ok(s64 t)
{
	char a[KHTTP_DATE_LEN + 1], b[KHTTP_DATE_LEN + 1];
	int d;

	khttp_date_format(t, a);
	khttp_date_format(t + 86400, b);
	for (d = 0; d < 7 && memcmp(khttp_day_names[d], a, 3); d++)
		;
	return d < 7 && !memcmp(khttp_day_names[(d + 1) % 7], b, 3);
}

#endif /* KHTTPD_DECODER_VECTORS_H */
