// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the CGI response head parser (gateway/cgi_resp.c),
 * which reads what a CGI script or FastCGI app prints: hostile bytes. The
 * head is parsed whole and as a growing prefix (as it arrives from a
 * pipe); both must agree, and nothing it passes on to the client's head may
 * carry a CR or LF of its own (response splitting).
 */
#include <string.h>

#include "fuzz.h"
#include "gateway/cgi_resp.h"

static void no_line_breaks(const char *s)
{
	ENSURE(!strpbrk(s, "\r\n"));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct cgi_resp whole, grown;
	size_t piece = fuzz_piece(&data, &size), n = 0, i;
	const char *buf = (const char *)data;
	int rc_whole, rc = 1;

	cgi_resp_init(&whole);
	rc_whole = cgi_resp_parse(&whole, buf, size);
	ENSURE(rc_whole >= -1 && rc_whole <= 1);
	cgi_resp_init(&grown);
	do {
		n = n + piece < size ? n + piece : size;
		rc = cgi_resp_parse(&grown, buf, n);
	} while (rc == 1 && n < size);
	ENSURE(rc == rc_whole);
	if (rc == -1)
		ENSURE(whole.error && grown.error);
	if (rc != 0)
		return 0;
	ENSURE(grown.head_len == whole.head_len && whole.head_len <= size);
	ENSURE(grown.status == whole.status && grown.kind == whole.kind);
	ENSURE(grown.content_length == whole.content_length);
	ENSURE(whole.status >= 100 && whole.status <= 999);
	ENSURE(whole.extra_len < sizeof(whole.extra));
	no_line_breaks(whole.content_type);
	no_line_breaks(whole.location);
	/* extra: "Name: value\r\n" lines, no CR or LF anywhere else */
	for (i = 0; i < whole.extra_len; i++)
		if (whole.extra[i] == '\r')
			ENSURE(i + 1 < whole.extra_len && whole.extra[i + 1] == '\n');
		else if (whole.extra[i] == '\n')
			ENSURE(i > 0 && whole.extra[i - 1] == '\r');
	ENSURE(!whole.extra_len || !memcmp(whole.extra + whole.extra_len - 2, "\r\n", 2));
	return 0;
}
