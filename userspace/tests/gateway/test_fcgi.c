// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Unit tests: FastCGI record codec, records split at every byte. */
#include <stdlib.h>
#include <string.h>

#include "gateway/fcgi.h"
#include "khttpd_check.h"

#define ID 1

struct sink {
	char out[4096], err[256];
	size_t nout, nerr;
	int ended, error;
	uint32_t app_status;
	size_t leftover;	/* bytes after END_REQUEST */
};

static size_t put_record(uint8_t *p, uint8_t type, uint16_t id,
			 const void *data, uint16_t len)
{
	fcgi_header(p, type, id, len);
	memcpy(p + FCGI_HEADER_LEN, data, len);
	memset(p + FCGI_HEADER_LEN + len, 0xee, fcgi_padding(len));
	return FCGI_HEADER_LEN + len + fcgi_padding(len);
}

static size_t build_stream(uint8_t *p)
{
	static const char body[] = "Content-Type: text/plain\r\n\r\nhello";
	uint8_t end[8] = { 0, 0, 0, 7, FCGI_REQUEST_COMPLETE };
	size_t n = 0;

	n += put_record(p + n, FCGI_STDERR, ID, "warn", 4);
	n += put_record(p + n, FCGI_STDOUT, ID, body, 20);
	n += put_record(p + n, FCGI_GET_VALUES_RESULT, 0, "\x01\x01xy", 4);
	n += put_record(p + n, FCGI_STDOUT, ID, body + 20, sizeof(body) - 21);
	n += put_record(p + n, FCGI_STDOUT, ID, "", 0);
	n += put_record(p + n, FCGI_END_REQUEST, ID, end, 8);
	memcpy(p + n, "TAIL", 4);	/* not ours: must be left */
	return n + 4;
}

/* Feed buf[0..len) to the decoder, collecting what it reports. */
static void feed(struct fcgi_decoder *d, struct sink *s, const uint8_t *buf,
		 size_t len)
{
	while (len && !s->ended && !s->error) {
		size_t used = 0, off = 0, dl = 0;
		int ev = fcgi_decode(d, buf, len, &used, &off, &dl);

		if (ev == FCGI_EV_STDOUT) {
			memcpy(s->out + s->nout, buf + off, dl);
			s->nout += dl;
		} else if (ev == FCGI_EV_STDERR) {
			memcpy(s->err + s->nerr, buf + off, dl);
			s->nerr += dl;
		} else if (ev == FCGI_EV_END) {
			s->ended = 1;
			s->app_status = d->app_status;
			s->leftover = len - used;
		} else if (ev == FCGI_EV_ERROR) {
			s->error = 1;
		}
		buf += used;
		len -= used;
	}
}

static int stream_ok(const struct sink *s)
{
	return s->ended && !s->error && s->app_status == 7 &&
	       s->nout == 33 &&
	       !memcmp(s->out, "Content-Type: text/plain\r\n\r\nhello", 33) &&
	       s->nerr == 4 && !memcmp(s->err, "warn", 4) && s->leftover == 4;
}

static void test_split_everywhere(void)
{
	uint8_t stream[512];
	size_t n = build_stream(stream);
	int bad = 0;

	for (size_t cut = 0; cut <= n; cut++) {
		struct fcgi_decoder d;
		struct sink s = { 0 };

		fcgi_decoder_init(&d, ID);
		feed(&d, &s, stream, cut);
		if (!s.ended)
			feed(&d, &s, stream + cut, n - cut);
		else
			s.leftover += n - cut;
		bad += !stream_ok(&s);
	}
	CHECK_ALL("two-part split", bad);

	/* one byte at a time */
	{
		struct fcgi_decoder d;
		struct sink s = { 0 };
		size_t i;

		fcgi_decoder_init(&d, ID);
		for (i = 0; i < n && !s.ended; i++)
			feed(&d, &s, stream + i, 1);
		s.leftover += n - i;
		CHECK(stream_ok(&s));
	}
	/* every pair of cut points (three parts) */
	bad = 0;
	for (size_t a = 0; a <= n; a += 3)
		for (size_t b = a; b <= n; b += 5) {
			struct fcgi_decoder d;
			struct sink s = { 0 };
			size_t bounds[4] = { 0, a, b, n };

			fcgi_decoder_init(&d, ID);
			for (int k = 0; k < 3; k++) {
				if (s.ended)
					s.leftover += bounds[k + 1] - bounds[k];
				else
					feed(&d, &s, stream + bounds[k],
					     bounds[k + 1] - bounds[k]);
			}
			bad += !stream_ok(&s);
		}
	CHECK_ALL("three-part split", bad);
}

static int decode_error(const uint8_t *p, size_t n, const char *want)
{
	struct fcgi_decoder d;
	struct sink s = { 0 };

	fcgi_decoder_init(&d, ID);
	feed(&d, &s, p, n);
	return s.error && d.error && strstr(d.error, want);
}

static void test_malformed(void)
{
	uint8_t p[64];
	size_t n;

	n = put_record(p, FCGI_STDOUT, ID, "x", 1);
	p[0] = 2;
	CHECK(decode_error(p, n, "version"));
	n = put_record(p, FCGI_STDOUT, 9, "x", 1);
	CHECK(decode_error(p, n, "another request"));
	n = put_record(p, FCGI_END_REQUEST, ID, "abcd", 4);
	CHECK(decode_error(p, n, "8 bytes"));
	n = put_record(p, FCGI_PARAMS, ID, "", 0);
	CHECK(decode_error(p, n, "unexpected"));
}

static void test_records(void)
{
	uint8_t b[16];

	fcgi_begin_request(b, 0x1234, 1);
	CHECK(b[0] == 1 && b[1] == FCGI_BEGIN_REQUEST && b[2] == 0x12 &&
	      b[3] == 0x34 && b[4] == 0 && b[5] == 8 && b[6] == 0);
	CHECK(b[8] == 0 && b[9] == FCGI_RESPONDER && b[10] == FCGI_KEEP_CONN);
	fcgi_header(b, FCGI_STDIN, 1, 65535);
	CHECK(b[4] == 0xff && b[5] == 0xff && b[6] == 1);
	CHECK(fcgi_padding(0) == 0 && fcgi_padding(1) == 7 &&
	      fcgi_padding(8) == 0 && fcgi_padding(13) == 3);
	fcgi_abort_request(b, 3);
	CHECK(b[1] == FCGI_ABORT_REQUEST && b[3] == 3 && b[5] == 0);
}

static void test_pairs(void)
{
	uint8_t buf[1024];
	char longname[130], longval[300];
	const uint8_t *name, *value;
	size_t len = 0, pos = 0, nl, vl;
	int bad = 0;

	memset(longname, 'N', sizeof(longname));
	memset(longval, 'v', sizeof(longval));
	CHECK(fcgi_pair_put(buf, sizeof(buf), &len, "SCRIPT_NAME", 11,
			    "/x.php", 6) == 0);
	CHECK(len == 2 + 11 + 6);
	CHECK(fcgi_pair_put(buf, sizeof(buf), &len, longname, sizeof(longname),
			    longval, sizeof(longval)) == 0);
	CHECK(len == 19 + 8 + 130 + 300);
	CHECK(fcgi_pair_put(buf, sizeof(buf), &len, "EMPTY", 5, "", 0) == 0);
	CHECK(fcgi_pair_put(buf, 30, &pos, longname, sizeof(longname), "", 0) ==
	      -1 && pos == 0);

	CHECK(fcgi_pair_next(buf, len, &pos, &name, &nl, &value, &vl) == 1);
	CHECK(nl == 11 && !memcmp(name, "SCRIPT_NAME", 11) && vl == 6);
	CHECK(fcgi_pair_next(buf, len, &pos, &name, &nl, &value, &vl) == 1);
	CHECK(nl == 130 && vl == 300 && value[299] == 'v');
	CHECK(fcgi_pair_next(buf, len, &pos, &name, &nl, &value, &vl) == 1);
	CHECK(nl == 5 && vl == 0);
	CHECK(fcgi_pair_next(buf, len, &pos, &name, &nl, &value, &vl) == 0);

	/* truncation at every byte: never a pair that runs past the end */
	for (size_t cut = 0; cut < len; cut++) {
		int r;

		pos = 0;
		while ((r = fcgi_pair_next(buf, cut, &pos, &name, &nl, &value,
					   &vl)) == 1)
			if (value + vl > buf + cut)
				bad++;
		if (r == 0 && cut != 0 && cut != 19 && cut != 19 + 438)
			bad++;	/* only pair boundaries end cleanly */
	}
	CHECK_ALL("truncated pairs", bad);
}

int main(void)
{
	test_split_everywhere();
	test_malformed();
	test_records();
	test_pairs();
	return check_done(NULL);
}
