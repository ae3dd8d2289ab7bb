// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * core/https.c: the Location of the redirect to https (what goes on the
 * wire is the normalised path, encoded; a hostile query cannot add a
 * field or a scheme-relative URL) and the HSTS field of TLS responses.
 */
#include <string.h>

#include "core/khttpdd.h"
#include "khttpd_check.h"

static void location(const char *host, const char *port, const char *path,
		     const char *query, const char *want)
{
	char out[256];
	size_t n = https_location(out, sizeof(out), host, strlen(host), port,
				  path, query, strlen(query));

	CHECK(n == strlen(want) && !strcmp(out, want), "%s %s %s: got '%s'",
	      host, path, query, n ? out : "(0)");
}

int main(void)
{
	struct config cfg = { 0 };
	struct conn c = { .cfg = &cfg };
	struct listen_addr ls[2] = { { .port = "80" }, { .port = "8443", .tls = true } };
	char buf[64], tiny[16];

	location("example.org", "443", "/a/b.html", "", "https://example.org/a/b.html");
	location("example.org", "8443", "/", "x=1&y=2", "https://example.org:8443/?x=1&y=2");
	location("::1", "443", "/", "", "https://[::1]/");
	/* the normalised path is encoded: no CR/LF, no '?' or '#' of its own */
	location("h", "443", "/a b\r\nX: y", "", "https://h/a%20b%0D%0AX:%20y");
	location("h", "443", "/q", "a\r\nSet-Cookie: 1", "https://h/q?a%0D%0ASet-Cookie:%201");
	location("h", "443", "/q", "#frag\"<", "https://h/q?%23frag%22%3C");
	CHECK(!https_location(tiny, sizeof(tiny), "example.org", 11, "443", "/long/path",
			      "", 0), "too long: 0");

	CHECK(!https_port(&cfg), "no TLS listener: no port");
	cfg.listen = ls;
	cfg.nlisten = 2;
	CHECK(https_port(&cfg) && !strcmp(https_port(&cfg), "8443"), "first TLS port");

	cfg.tls.hsts = 600;
	CHECK(!strcmp(https_extra(&c, "A: b\r\n", buf, sizeof(buf)), "A: b\r\n"),
	      "plain connection: no HSTS");
	c.ssl = (struct ssl_st *)&c;	/* only tested for NULL here */
	CHECK(!strcmp(https_extra(&c, "A: b\r\n", buf, sizeof(buf)),
		      "A: b\r\nStrict-Transport-Security: max-age=600\r\n"), "HSTS appended");
	CHECK(!strcmp(https_extra(&c, NULL, buf, sizeof(buf)),
		      "Strict-Transport-Security: max-age=600\r\n"), "HSTS alone");
	cfg.tls.hsts = 0;
	CHECK(https_extra(&c, NULL, buf, sizeof(buf)) == NULL, "HSTS off");
	return check_done("test_https");
}
