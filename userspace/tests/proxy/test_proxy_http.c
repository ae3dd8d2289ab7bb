// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proxy_http: the target and request head sent to backends (the
 * normalized path re-encoded, hop-by-hop removal, forwarding fields,
 * framing), loop detection, response head parsing with its framing
 * checks, and the head sent back to clients.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_http.h"
#include "khttpd_check.h"

/* printable even when a build failed */
#define S(p) ((p) ? (p) : "(null)")

static const char *token = "khttpd-0123456789abcdef";

static char buf[4096], path[4096];
static struct khttp_request req;

/* Parse raw into buf/req and normalize its path into path, as the core does. */
static bool parse_request(const char *raw)
{
	struct khttp_limits lim;
	int rc;

	khttp_limits_default(&lim);
	khttp_request_init(&req);
	strcpy(buf, raw);
	rc = khttp_parse(&req, &lim, buf, strlen(buf));
	CHECK(rc == KHTTP_DONE, "request parses: %d", rc);
	return rc == KHTTP_DONE &&
	       khttp_path_normalize(buf + req.path.off, req.path.len, path,
				    sizeof(path)) >= 0;
}

static bool client_https;	/* the next build's client came over TLS */

static char *build_from(const char *raw, const char *ip, const char *host,
			bool trusted, size_t *len)
{
	struct proxy_req_params p = { .client_ip = ip, .via_token = token,
				      .host = host, .trusted = trusted,
				      .https = client_https,
				      .host_len = host ? strlen(host) : 0 };
	char *target, *h;

	if (!parse_request(raw))
		return NULL;
	target = proxy_target(buf, &req, path, &p.target_len);
	p.target = target;
	h = target ? proxy_build_request(buf, &req, &p, len) : NULL;
	free(target);
	return h;
}

/* From a client that TrustForwarded does not name. */
static char *build(const char *raw, const char *ip, const char *host,
		   size_t *len)
{
	return build_from(raw, ip, host, false, len);
}

/* The target for the request line "GET <sent> HTTP/1.1" (OPTIONS for *). */
static char *target_of(const char *sent)
{
	char line[512];
	size_t len;

	snprintf(line, sizeof(line), "%s %s HTTP/1.1\r\nHost: a\r\n\r\n",
		 strcmp(sent, "*") ? "GET" : "OPTIONS", sent);
	return parse_request(line) ? proxy_target(buf, &req, path, &len) : NULL;
}

static void test_target(void)
{
	static const char *const forwarded[][2] = {
		{ "/a/%2e%2e/b", "/b" },
		{ "/a/../b/./c", "/b/c" },
		{ "/a//b", "/a/b" },
		{ "/%61dmin", "/admin" },
		{ "/a/%252e%252e/b", "/a/%252e%252e/b" },
		{ "/x%3Fy?q=/../z", "/x%3Fy?q=/../z" },
		{ "/x%23y%25", "/x%23y%25" },
		{ "/a;b/..;/c", "/a%3Bb/..%3B/c" },
		{ "/caf%c3%a9/%7e%20%22%3c", "/caf%C3%A9/~%20%22%3C" },
		{ "/p:q@r!$&'()*+,=-._~", "/p:q@r!$&'()*+,=-._~" },
		{ "/a%7b%7c%7d%5b%5d%5e%60", "/a%7B%7C%7D%5B%5D%5E%60" },
		{ "/x?", "/x" },
		{ "http://h/a/../b?c", "/b?c" },
		{ "http://h", "/" },
		{ "*", "*" },
	};
	static const char *const ambiguous[] = {
		"/a%2fb", "/a%2F..%2Fb", "/a\\..\\b", "/a%5cb", "/a%5C",
	};
	char *t;

	for (size_t i = 0; i < sizeof(forwarded) / sizeof(*forwarded); i++) {
		t = target_of(forwarded[i][0]);
		CHECK(t && !strcmp(t, forwarded[i][1]) &&
		      !proxy_path_ambiguous(buf, &req, path),
		      "%s -> %s: %s", forwarded[i][0], forwarded[i][1], S(t));
		free(t);
	}
	for (size_t i = 0; i < sizeof(ambiguous) / sizeof(*ambiguous); i++) {
		free(target_of(ambiguous[i]));
		CHECK(proxy_path_ambiguous(buf, &req, path), "%s refused",
		      ambiguous[i]);
	}
}

static void test_request(void)
{
	size_t len;
	char *h = build("POST /a/b?x=1 HTTP/1.1\r\n"
			"Host: example.org\r\n"
			"Connection: keep-alive, X-Secret\r\n"
			"X-Secret: 1\r\n"
			"Keep-Alive: timeout=5\r\n"
			"TE: trailers\r\n"
			"Proxy-Authorization: Basic Zm9v\r\n"
			"X-Forwarded-For: 10.9.8.7\r\n"
			"Via: 1.0 edge\r\n"
			"Content-Length: 5\r\n"
			"Expect: 100-continue\r\n"
			"Accept: */*\r\n\r\n", "192.0.2.1", NULL, &len);

	CHECK(h && !strncmp(h, "POST /a/b?x=1 HTTP/1.1\r\nHost: example.org\r\n", 42),
	      "request line + Host: %s", S(h));
	CHECK(h && strstr(h, "\r\nAccept: */*\r\n"), "end-to-end kept");
	CHECK(h && !strstr(h, "X-Secret") && !strstr(h, "Keep-Alive") &&
	      !strstr(h, "TE:") && !strstr(h, "Proxy-Authorization") &&
	      !strstr(h, "Expect") && !strstr(h, "Connection"),
	      "hop-by-hop removed: %s", S(h));
	CHECK(h && strstr(h, "\r\nContent-Length: 5\r\n"), "length kept");
	CHECK(h && strstr(h, "\r\nX-Forwarded-For: 192.0.2.1\r\n") &&
	      !strstr(h, "10.9.8.7"), "XFF replaced");
	CHECK(h && strstr(h, "\r\nForwarded: for=192.0.2.1;host=\"example.org\";proto=http\r\n"),
	      "Forwarded");
	CHECK(h && strstr(h, "\r\nVia: 1.0 edge, 1.1 khttpd-0123456789abcdef\r\n"),
	      "Via appended");
	CHECK(h && len > 4 && !memcmp(h + len - 4, "\r\n\r\n", 4), "ends");
	free(h);

	/* a GET with a body keeps its length: the backend must not see a next request in it */
	h = build("GET /g HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\n",
		  "192.0.2.1", NULL, &len);
	CHECK(h && strstr(h, "\r\nContent-Length: 3\r\n"), "GET body length: %s", S(h));
	free(h);
	/* a PATCH (or PUT, POST) without a body says so */
	h = build("PATCH /g HTTP/1.1\r\nHost: a\r\n\r\n", "192.0.2.1", NULL, &len);
	CHECK(h && strstr(h, "\r\nContent-Length: 0\r\n"), "PATCH, no body: %s", S(h));
	free(h);
	/* no Host (HTTP/1.0): none is made up for X-Forwarded-Host or Forwarded */
	h = build("GET /g HTTP/1.0\r\n\r\n", "192.0.2.1", NULL, &len);
	CHECK(h && !strstr(h, "X-Forwarded-Host") && !strstr(h, "host=") &&
	      strstr(h, "\r\nForwarded: for=192.0.2.1;proto=http\r\n"),
	      "no Host: %s", S(h));
	free(h);

	h = build("GET http://other.example/p?q HTTP/1.1\r\nHost: x\r\n"
		  "Transfer-Encoding: chunked\r\n\r\n", "::1", "backend:8080",
		  &len);
	CHECK(h && !strncmp(h, "GET /p?q HTTP/1.1\r\nHost: backend:8080\r\n", 39),
	      "absolute-form -> origin-form, Host rewritten: %s", S(h));
	CHECK(h && strstr(h, "\r\nTransfer-Encoding: chunked\r\n") &&
	      !strstr(h, "Content-Length"), "chunked framing");
	CHECK(h && strstr(h, "Forwarded: for=\"[::1]\""), "v6 quoted");
	free(h);

	h = build("GET /u HTTP/1.1\r\nHost: h\r\n"
		  "Transfer_Encoding: chunked\r\nContent_Length: 5\r\n"
		  "X_Forwarded_For: 6.6.6.6\r\nX-Real_IP: 6.6.6.6\r\n"
		  "_: 1\r\nX-Ok: 1\r\n\r\n", "192.0.2.1", NULL, &len);
	CHECK(h && !strchr(h, '_') && !strstr(h, "6.6.6.6") &&
	      strstr(h, "\r\nX-Ok: 1\r\n") && !strstr(h, "Content-Length") &&
	      !strstr(h, "Transfer-Encoding"), "names with '_' dropped: %s", S(h));
	free(h);

	static const char spoofing[] =
		"GET /s HTTP/1.1\r\nHost: h\r\n"
		"Connection: X-Hop, Via\r\nX-Hop: 1\r\nVia: 1.1 hidden\r\n"
		"X-Real-IP: 6.6.6.6\r\nX-Forwarded-For: 6.6.6.6\r\n"
		"x-forwarded-host: evil\r\nX-Forwarded-Proto: https\r\n"
		"Forwarded: for=6.6.6.6\r\n\r\n";
	h = build(spoofing, "192.0.2.1", NULL, &len);
	CHECK(h && !strstr(h, "6.6.6.6") && !strstr(h, "evil") &&
	      !strstr(h, "https") && !strstr(h, "X-Hop") && !strstr(h, "hidden") &&
	      strstr(h, "\r\nX-Real-IP: 192.0.2.1\r\n") &&
	      strstr(h, "\r\nX-Forwarded-For: 192.0.2.1\r\n") &&
	      strstr(h, "\r\nX-Forwarded-Host: h\r\n") &&
	      strstr(h, "\r\nX-Forwarded-Proto: http\r\n") &&
	      strstr(h, "\r\nForwarded: for=192.0.2.1;host=\"h\";proto=http\r\n") &&
	      strstr(h, "\r\nVia: 1.1 khttpd-"), "untrusted: the proxy's view: %s", S(h));
	free(h);
	h = build_from(spoofing, "192.0.2.1", NULL, true, &len);
	CHECK(h && strstr(h, "\r\nX-Real-IP: 6.6.6.6\r\n") &&
	      strstr(h, "\r\nx-forwarded-host: evil\r\n") &&
	      strstr(h, "\r\nX-Forwarded-Proto: https\r\n") &&
	      strstr(h, "\r\nX-Forwarded-For: 6.6.6.6, 192.0.2.1\r\n") &&
	      strstr(h, "\r\nForwarded: for=6.6.6.6, for=192.0.2.1;") &&
	      !strstr(h, "X-Real-IP: 192") && !strstr(h, "X-Forwarded-Host: h") &&
	      !strstr(h, "hidden") && !strstr(h, "X-Hop"),
	      "trusted: its view kept, chains appended: %s", S(h));
	free(h);
	client_https = true;
	h = build(spoofing, "192.0.2.1", NULL, &len);
	CHECK(h && strstr(h, "\r\nX-Forwarded-Proto: https\r\n") &&
	      strstr(h, "\r\nForwarded: for=192.0.2.1;host=\"h\";proto=https\r\n"),
	      "a TLS client: https, whatever it claims: %s", S(h));
	free(h);
	client_https = false;

	h = build("POST /f HTTP/1.0\r\n\r\n", "1.2.3.4", "b:1", &len);
	CHECK(h && strstr(h, "\r\nContent-Length: 0\r\n") &&
	      strstr(h, "Via: 1.0 khttpd-"), "empty POST, 1.0 via: %s", S(h));
	free(h);
}

/* Each daemon's Via token: "khttpd-" and 16 hex digits, its own. */
static void test_via_token(void)
{
	char a[PROXY_VIA_TOKEN_LEN + 1], b[PROXY_VIA_TOKEN_LEN + 1];

	memset(a, '?', sizeof(a));
	proxy_via_token_init(a);
	proxy_via_token_init(b);
	CHECK(strlen(a) == PROXY_VIA_TOKEN_LEN && !strncmp(a, "khttpd-", 7) &&
	      strspn(a + 7, "0123456789abcdef") == 16, "token %.24s", a);
	CHECK(strcmp(a, b), "two tokens differ: %s %s", a, b);
}

static void test_loop(void)
{
	parse_request("GET / HTTP/1.1\r\nHost: a\r\nVia: 1.1 khttpd-0123456789abcdef, 1.1 x\r\n\r\n");
	CHECK(proxy_request_looped(buf, &req, token), "own token seen");
	CHECK(!proxy_request_looped(buf, &req, "khttpd-ffffffffffffffff"),
	      "other token");
	parse_request("GET / HTTP/1.1\r\nVia: 1.1 khttpd-0123456789abcdef\r\nHost: a\r\n\r\n");
	CHECK(proxy_request_looped(buf, &req, token), "own token, first field");
}

static int parse(const char *s, struct proxy_resp *r)
{
	return proxy_parse_response(s, strlen(s), r);
}

static void test_response_parse(void)
{
	struct proxy_resp r;
	const char *ok = "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nX-A: b\r\n\r\nhello world!";
	int rc;

	rc = proxy_parse_response(ok, strlen(ok), &r);
	CHECK(rc == KHTTP_DONE && r.status == 200 && r.has_length &&
	      r.content_length == 12 && r.keep_alive && !r.chunked &&
	      r.head_len == strlen(ok) - 12, "CL response");
	proxy_resp_free(&r);
	CHECK(proxy_parse_response(ok, 20, &r) == KHTTP_AGAIN, "incomplete");

	rc = parse("HTTP/1.0 404 Not Found\r\nServer: x\r\n\r\n", &r);
	CHECK(rc == KHTTP_DONE && r.status == 404 && !r.has_length &&
	      !r.keep_alive && r.version == 10, "1.0 until close");
	proxy_resp_free(&r);

	rc = parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n", &r);
	CHECK(rc == KHTTP_DONE && r.chunked && !r.keep_alive, "chunked+close");
	proxy_resp_free(&r);

	/* framing a smuggler would use: all refused (502) */
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", &r) < 0, "CL+TE refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", &r) < 0, "two lengths refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nX: a\nY: b\r\n\r\n", &r) < 0, "bare LF refused");
	CHECK(parse("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", &r) < 0, "obs-fold refused");
	CHECK(parse("HTTP/2 200 OK\r\n\r\n", &r) < 0,
	      "bad version");
	CHECK(parse("HTTP/1.1 20 OK\r\n\r\n", &r) < 0,
	      "bad status");
	CHECK(parse("HTTP/1.1 200\r\n\r\n", &r) == KHTTP_DONE,
	      "no reason ok");
	proxy_resp_free(&r);
}

/* A backend's status line: "HTTP/1.x SSS[ reason]", each part checked. */
static void test_status_line(void)
{
	static const struct { const char *line; int status; } lines[] = {
		/* refused (status 0): one part wrong at a time */
		{ "HTTX/1.1 200 OK", 0 }, { "HTTP/1.2 200 OK", 0 },
		{ "HTTP/1.1x200 OK", 0 }, { "HTTP/1.1 099 OK", 0 },
		{ "HTTP/1.1 600 OK", 0 }, { "HTTP/1.1 2/0 OK", 0 },
		{ "HTTP/1.1 2:0 OK", 0 }, { "HTTP/1.1 20/ OK", 0 },
		{ "HTTP/1.1 20: OK", 0 }, { "HTTP/1.1 2000 OK", 0 },
		{ "HTTP/1.1 200 O\001K", 0 },
		/* accepted: the bounds of each digit, a tab in the reason */
		{ "HTTP/1.1 100 Continue", 100 }, { "HTTP/1.1 599 Odd", 599 },
		{ "HTTP/1.1 190 A", 190 }, { "HTTP/1.0 509 B", 509 },
		{ "HTTP/1.1 200 O\tK", 200 }, { "HTTP/1.1 200", 200 },
	};
	char head[128];

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		struct proxy_resp r;
		int rc;

		snprintf(head, sizeof(head), "%s\r\nX-A: b\r\n\r\n",
			 lines[i].line);
		rc = parse(head, &r);
		CHECK(lines[i].status ? rc == KHTTP_DONE &&
		      r.status == lines[i].status &&
		      r.version == (lines[i].line[7] == '1' ? 11 : 10) :
		      rc < 0, "%s: want %d, got rc %d status %d", lines[i].line,
		      lines[i].status, rc, rc == KHTTP_DONE ? r.status : -1);
		if (rc == KHTTP_DONE)
			proxy_resp_free(&r);
	}
}

static void test_response_build(void)
{
	const char *in = "HTTP/1.1 201 Created\r\nConnection: X-Hop\r\nX-Hop: 1\r\n"
			 "Keep-Alive: 5\r\nTransfer-Encoding: chunked\r\n"
			 "Via: 1.1 origin\r\nSet-Cookie: a=b\r\n\r\n";
	struct proxy_resp r;
	size_t len;
	char *h;

	CHECK(proxy_parse_response(in, strlen(in), &r) == KHTTP_DONE, "parse");
	h = proxy_build_response(&r, token, true, true, 11, &len);
	CHECK(h && !strncmp(h, "HTTP/1.1 201 Created\r\n", 22), "status: %s", S(h));
	CHECK(h && !strstr(h, "X-Hop") && !strstr(h, "Keep-Alive") &&
	      !strstr(h, "Host:") && !strstr(h, "Connection"),
	      "hop-by-hop gone: %s", S(h));
	CHECK(h && strstr(h, "\r\nSet-Cookie: a=b\r\n") &&
	      strstr(h, "\r\nTransfer-Encoding: chunked\r\n") &&
	      strstr(h, "\r\nVia: 1.1 origin, 1.1 khttpd-0123456789abcdef\r\n"),
	      "kept, framing, via: %s", S(h));
	CHECK(h && len == strlen(h) &&
	      !strcmp(h, "HTTP/1.1 201 Created\r\nSet-Cookie: a=b\r\n"
		      "Transfer-Encoding: chunked\r\n"
		      "Via: 1.1 origin, 1.1 khttpd-0123456789abcdef\r\n\r\n"),
	      "the whole head, and nothing more: %s", S(h));
	free(h);
	h = proxy_build_response(&r, token, false, true, 10, &len);
	CHECK(h && !strstr(h, "Transfer-Encoding") &&
	      strstr(h, "Connection: keep-alive\r\n"), "1.0 client: %s", S(h));
	free(h);
	h = proxy_build_response(&r, token, false, false, 11, &len);
	CHECK(h && strlen(h) > 29 &&
	      !strcmp(h + strlen(h) - 29, "abcdef\r\nConnection: close\r\n\r\n"),
	      "close, last: %s", S(h));
	free(h);
	proxy_resp_free(&r);

	char ch[20];

	CHECK(proxy_chunk_header(ch, 255) == 4 && !memcmp(ch, "ff\r\n", 4),
	      "chunk header");
	CHECK(proxy_response_bodyless(304, false) &&
	      proxy_response_bodyless(204, false) &&
	      proxy_response_bodyless(100, false) &&
	      proxy_response_bodyless(199, false) &&
	      proxy_response_bodyless(200, true) &&
	      !proxy_response_bodyless(200, false) &&
	      !proxy_response_bodyless(205, false) &&
	      !proxy_response_bodyless(404, false), "bodyless");

	/* a 204 never passes a length on; a 304 keeps the representation's */
	CHECK(parse("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", &r) ==
	      KHTTP_DONE, "204 with a length");
	h = proxy_build_response(&r, token, false, true, 11, &len);
	CHECK(h && !strstr(h, "Content-Length"), "204: length dropped: %s", S(h));
	free(h);
	proxy_resp_free(&r);
	CHECK(parse("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n", &r) ==
	      KHTTP_DONE, "304 with a length");
	h = proxy_build_response(&r, token, false, true, 11, &len);
	CHECK(h && strstr(h, "\r\nContent-Length: 5\r\n"), "304: length kept: %s", S(h));
	free(h);
	proxy_resp_free(&r);
}

static void test_caching_rules(void)
{
	struct proxy_resp r;
	char vary[64], ctype[64], key[256];
	size_t len, kl;
	char *f;

	parse("HTTP/1.1 200 OK\r\nCache-Control: public, max-age=60, s-maxage=30\r\n"
	      "Content-Type: text/plain\r\nX-Keep: 1\r\nConnection: close\r\n"
	      "Date: x\r\nVary: Accept-Language, Accept-Encoding\r\nContent-Length: 0\r\n\r\n",
	      &r);
	CHECK(proxy_response_ttl(&r, false, vary, sizeof(vary)) == 30 &&
	      !strcmp(vary, "accept-language accept-encoding"), "s-maxage wins, vary: %s",
	      vary);
	f = proxy_cached_fields(&r, ctype, sizeof(ctype), &len);
	CHECK(f && !strcmp(ctype, "text/plain") && strstr(f, "X-Keep: 1\r\n") &&
	      strstr(f, "Cache-Control:") && !strstr(f, "Date") &&
	      !strstr(f, "Content-Length") && !strstr(f, "Connection") &&
	      !strstr(f, "Content-Type"), "stored fields: %s", S(f));
	free(f);
	proxy_resp_free(&r);
	/* no field worth keeping: an empty set, not a failure */
	parse("HTTP/1.1 200 OK\r\nDate: x\r\nContent-Type: a/b\r\n\r\n", &r);
	f = proxy_cached_fields(&r, ctype, sizeof(ctype), &len);
	CHECK(f && !strcmp(f, "") && len == 0 && !strcmp(ctype, "a/b"),
	      "nothing to store: %s", S(f));
	free(f);
	proxy_resp_free(&r);
	static const char *const never[] = {
		"HTTP/1.1 200 OK\r\nCache-Control: no-store, max-age=9\r\n\r\n",
		"HTTP/1.1 200 OK\r\nCache-Control: private, max-age=9\r\n\r\n",
		"HTTP/1.1 200 OK\r\nCache-Control: max-age=9\r\nVary: *\r\n\r\n",
		"HTTP/1.1 200 OK\r\nCache-Control: max-age=9\r\nSet-Cookie: a=b\r\n\r\n",
		"HTTP/1.1 404 Not Found\r\nCache-Control: max-age=9\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 OK\r\nCache-Control: max-age=0\r\n\r\n",
	};
	for (size_t i = 0; i < sizeof(never) / sizeof(*never); i++) {
		CHECK(parse(never[i], &r) == KHTTP_DONE &&
		      proxy_response_ttl(&r, false, vary, sizeof(vary)) == 0,
		      "not storable: %s", never[i]);
		proxy_resp_free(&r);
	}
	/* the seconds of max-age and s-maxage: digits only, a bad one ignored */
	static const struct {
		const char *cc;
		unsigned ttl;
	} ages[] = {
		{ "max-age=90", 90 }, { "max-age=1000000000", 1000000000 },
		{ "max-age=10000000000", 0 }, { "max-age=6x", 0 },
		{ "max-age=/", 0 }, { "max-age=:", 0 }, { "max-age=", 0 },
		{ "s-maxage=, max-age=60", 60 }, { "s-maxage=x, max-age=60", 60 },
		{ "s-maxage=0, max-age=60", 0 },
	};
	for (size_t i = 0; i < sizeof(ages) / sizeof(*ages); i++) {
		char head[128];

		snprintf(head, sizeof(head),
			 "HTTP/1.1 200 OK\r\nCache-Control: %s\r\n\r\n",
			 ages[i].cc);
		CHECK(parse(head, &r) == KHTTP_DONE &&
		      proxy_response_ttl(&r, false, vary, sizeof(vary)) == ages[i].ttl,
		      "%u s: %s", ages[i].ttl, ages[i].cc);
		proxy_resp_free(&r);
	}
	/* Vary: a one-letter name is a name; names that do not fit: not stored */
	parse("HTTP/1.1 200 OK\r\nCache-Control: max-age=9\r\nVary: X\r\n\r\n", &r);
	CHECK(proxy_response_ttl(&r, false, vary, sizeof(vary)) == 9 &&
	      !strcmp(vary, "x"), "Vary: X: %s", vary);
	proxy_resp_free(&r);
	parse("HTTP/1.1 200 OK\r\nCache-Control: max-age=9\r\nVary: abcdef\r\n\r\n", &r);
	CHECK(proxy_response_ttl(&r, false, vary, 8) == 9 && !strcmp(vary, "abcdef"),
	      "a Vary that just fits: %s", vary);
	CHECK(proxy_response_ttl(&r, false, vary, 7) == 0,
	      "a Vary that does not fit: not stored");
	proxy_resp_free(&r);
	/* to a request with credentials: only what says it may be shared */
	static const struct {
		const char *head;
		unsigned ttl;
	} shared[] = {
		{ "HTTP/1.1 200 OK\r\nCache-Control: max-age=9\r\n\r\n", 0 },
		{ "HTTP/1.1 200 OK\r\nCache-Control: public, max-age=9\r\n\r\n", 9 },
		{ "HTTP/1.1 200 OK\r\nCache-Control: s-maxage=7\r\n\r\n", 7 },
		{ "HTTP/1.1 200 OK\r\nCache-Control: must-revalidate, max-age=9\r\n\r\n", 0 },
		{ "HTTP/1.1 200 OK\r\nCache-Control: public, private, max-age=9\r\n\r\n", 0 },
	};
	for (size_t i = 0; i < sizeof(shared) / sizeof(*shared); i++) {
		CHECK(parse(shared[i].head, &r) == KHTTP_DONE &&
		      proxy_response_ttl(&r, true, vary, sizeof(vary)) == shared[i].ttl,
		      "credentials, %u s: %s", shared[i].ttl, shared[i].head);
		proxy_resp_free(&r);
	}

	parse_request("GET /x HTTP/1.1\r\nHost: a\r\nAccept-Language: fr\r\n\r\n");
	CHECK(proxy_request_cache_use(buf, &req) == PROXY_CACHE_USE,
	      "plain GET may use the cache");
	memcpy(key, "K", 1);
	kl = proxy_vary_key(buf, &req, "accept-language accept-encoding", key, 1,
			    sizeof(key));
	CHECK(kl == 1 + 20 + 17 && !memcmp(key, "K\0accept-language=fr,\0accept-encoding=", kl),
	      "vary key (%zu)", kl);
	parse_request("GET /x HTTP/1.1\r\nHost: a\r\nPragma: no-cache\r\n\r\n");
	CHECK(proxy_request_cache_use(buf, &req) == PROXY_CACHE_BYPASS,
	      "Pragma: no-cache bypasses");
	parse_request("GET /x HTTP/1.1\r\nHost: a\r\nAuthorization: Basic eDp5\r\n"
		      "Cache-Control: no-store\r\n\r\n");
	CHECK(proxy_request_cache_use(buf, &req) == PROXY_CACHE_BYPASS,
	      "no-store bypasses, credentials or not");
	static const char *const credentials[] = {
		"Authorization: Basic eDp5\r\n",
		"X-A: 1\r\nAuthorization:\r\nX-B: 2\r\n",
		"authorization:   \r\n",
	};
	for (size_t i = 0; i < sizeof(credentials) / sizeof(*credentials); i++) {
		char head[256];

		snprintf(head, sizeof(head), "GET /x HTTP/1.1\r\nHost: a\r\n%s\r\n",
			 credentials[i]);
		parse_request(head);
		CHECK(proxy_request_cache_use(buf, &req) == PROXY_CACHE_CREDENTIALS,
		      "credentials: %s", credentials[i]);
	}
}

int main(void)
{
	test_target();
	test_request();
	test_loop();
	test_via_token();
	test_response_parse();
	test_status_line();
	test_response_build();
	test_caching_rules();
	return check_done("test_proxy_http");
}
