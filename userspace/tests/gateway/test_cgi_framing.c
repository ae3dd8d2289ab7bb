// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests: how a CGI response body is framed for the client and how
 * much of the backend's output may reach it (gateway/cgi_framing.c).
 */
#include <stdint.h>
#include <stdio.h>

#include "gateway/cgi_framing.h"
#include "khttpd_check.h"

/* One response: its head, then the backend writes `wrote` bytes in one go. */
struct framing_case {
	int status;
	long long content_length;
	bool head_only;
	int version;
	/* want */
	int kind;
	bool send_length;
	uint64_t length;
	uint64_t wrote, passed;
	bool overrun, complete;
};

static const struct framing_case cases[] = {
	/* no body may follow 1xx/204/304: any byte is an overrun */
	{ 204, -1, false, 11, CGI_FRAME_NONE, false, 0, 0, 0, false, true },
	{ 204, -1, false, 11, CGI_FRAME_NONE, false, 0, 40, 0, true, false },
	{ 204, 7, false, 11, CGI_FRAME_NONE, false, 0, 7, 0, true, false },
	{ 304, -1, false, 11, CGI_FRAME_NONE, false, 0, 1, 0, true, false },
	{ 304, 12, false, 10, CGI_FRAME_NONE, false, 0, 0, 0, false, true },
	{ 100, -1, false, 11, CGI_FRAME_NONE, false, 0, 1, 0, true, false },
	/* 205: nothing may be generated, said with Content-Length: 0 */
	{ 205, -1, false, 11, CGI_FRAME_LENGTH, true, 0, 3, 0, true, false },
	{ 205, 9, false, 11, CGI_FRAME_LENGTH, true, 0, 0, 0, false, true },
	/* the declared length, exactly */
	{ 200, 5, false, 11, CGI_FRAME_LENGTH, true, 5, 5, 5, false, true },
	{ 200, 5, false, 11, CGI_FRAME_LENGTH, true, 5, 60, 5, true, false },
	{ 200, 5, false, 10, CGI_FRAME_LENGTH, true, 5, 6, 5, true, false },
	{ 200, 0, false, 11, CGI_FRAME_LENGTH, true, 0, 1, 0, true, false },
	{ 200, 100, false, 11, CGI_FRAME_LENGTH, true, 100, 5, 5, false, false },
	{ 404, 3, false, 11, CGI_FRAME_LENGTH, true, 3, 3, 3, false, true },
	/* no length: chunked for HTTP/1.1, until the close for HTTP/1.0 */
	{ 200, -1, false, 11, CGI_FRAME_CHUNKED, false, 0, 70000, 70000, false, true },
	{ 500, -1, false, 11, CGI_FRAME_CHUNKED, false, 0, 0, 0, false, true },
	{ 200, -1, false, 10, CGI_FRAME_CLOSE, false, 0, 70000, 70000, false, true },
	/* HEAD: the length a GET would get, the body dropped, no overrun */
	{ 200, 5, true, 11, CGI_FRAME_NONE, true, 5, 60, 0, false, true },
	{ 200, -1, true, 11, CGI_FRAME_NONE, false, 0, 60, 0, false, true },
	{ 200, -1, true, 10, CGI_FRAME_NONE, false, 0, 60, 0, false, true },
	{ 204, -1, true, 11, CGI_FRAME_NONE, false, 0, 60, 0, false, true },
};

static void test_cases(void)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct framing_case *t = &cases[i];
		struct cgi_framing f;
		size_t got;

		cgi_framing_init(&f, t->status, t->content_length, t->head_only,
				 t->version);
		got = cgi_framing_take(&f, (size_t)t->wrote);
		CHECK(f.kind == t->kind && f.send_length == t->send_length &&
		      (!f.send_length || f.length == t->length) &&
		      got == t->passed && f.passed == t->passed &&
		      f.overrun == t->overrun &&
		      cgi_framing_complete(&f) == t->complete,
		      "case %zu (status %d, length %lld%s, HTTP/%d.%d, %llu written): "
		      "kind %d, send_length %d, length %llu, passed %zu, overrun %d",
		      i, t->status, t->content_length, t->head_only ? ", HEAD" : "",
		      t->version / 10, t->version % 10,
		      (unsigned long long)t->wrote, f.kind, f.send_length,
		      (unsigned long long)f.length, got, f.overrun);
	}
}

/* The length is kept across many writes, whatever their sizes. */
static void test_split_writes(void)
{
	static const size_t parts[] = { 1, 0, 2, 1, 3 };
	struct cgi_framing f;
	size_t total = 0;

	cgi_framing_init(&f, 200, 5, false, 11);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		total += cgi_framing_take(&f, parts[i]);
	CHECK(total == 5 && f.passed == 5 && f.overrun,
	      "5 of 7 bytes in parts: %zu passed, overrun %d", total, f.overrun);
	CHECK(cgi_framing_take(&f, 4) == 0 && f.passed == 5,
	      "nothing more once the length is reached");
	CHECK(!cgi_framing_complete(&f), "an overrun is never complete");

	cgi_framing_init(&f, 200, 4, false, 11);
	CHECK(cgi_framing_take(&f, 2) == 2 && cgi_framing_take(&f, 2) == 2 &&
	      !f.overrun && cgi_framing_complete(&f), "4 bytes in two parts");
	cgi_framing_init(&f, 200, 4, false, 11);
	CHECK(cgi_framing_take(&f, 3) == 3 && !cgi_framing_complete(&f),
	      "a short body is not complete");
}

int main(void)
{
	test_cases();
	test_split_writes();
	return check_done(NULL);
}
