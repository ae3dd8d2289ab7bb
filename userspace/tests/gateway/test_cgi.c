// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Unit tests: CGI meta-variables and the CGI response head parser. */
#include <stdlib.h>
#include <string.h>

#include "gateway/cgi_env.h"
#include "gateway/cgi_resp.h"
#include "khttpd_check.h"

static const char head[] =
	"POST /cgi-bin/env.cgi/extra/path?a=1&b=2 HTTP/1.1\r\n"
	"Host: example.org:8080\r\n"
	"Content-Type: application/x-www-form-urlencoded\r\n"
	"Content-Length: 11\r\n"
	"Accept: text/html\r\n"
	"X-Multi: one\r\n"
	"Authorization: Basic Zm9vOmJhcg==\r\n"
	"Proxy: http://evil/\r\n"
	"X_Under: sneaky\r\n"
	"x-multi: two\r\n"
	"User-Agent: test/1.0\r\n"
	"\r\n";

static void test_env(void)
{
	struct khttp_limits lim;
	struct khttp_request req;
	struct cgi_env env;
	struct cgi_request r = {
		.head = head, .req = &req,
		.script_name = "/cgi-bin/env.cgi",
		.script_filename = "/srv/www/cgi-bin/env.cgi",
		.path_info = "/extra/path", .document_root = "/srv/www",
		.server_addr = "10.0.2.15", .server_port = 8080,
		.remote_addr = "10.0.2.2", .remote_port = 40000,
		.content_length = 11,
	};
	char **vec;
	const char *v;

	khttp_limits_default(&lim);
	khttp_request_init(&req);
	CHECK(khttp_parse(&req, &lim, head, sizeof(head) - 1) == KHTTP_DONE);
	CHECK(cgi_env_build(&env, &r) == 0);
#define ENV_IS(name, want) do {						\
	v = cgi_env_get(&env, name);					\
	CHECK(v && !strcmp(v, want));					\
	if (!v || strcmp(v, want))					\
		fprintf(stderr, "  %s=%s\n", name, v ? v : "(unset)");	\
} while (0)
	ENV_IS("GATEWAY_INTERFACE", "CGI/1.1");
	ENV_IS("SERVER_PROTOCOL", "HTTP/1.1");
	ENV_IS("REQUEST_METHOD", "POST");
	ENV_IS("QUERY_STRING", "a=1&b=2");
	ENV_IS("REQUEST_URI", "/cgi-bin/env.cgi/extra/path?a=1&b=2");
	ENV_IS("SCRIPT_NAME", "/cgi-bin/env.cgi");
	ENV_IS("PATH_INFO", "/extra/path");
	ENV_IS("PATH_TRANSLATED", "/srv/www/extra/path");
	ENV_IS("SERVER_NAME", "example.org");
	ENV_IS("SERVER_PORT", "8080");
	ENV_IS("REMOTE_ADDR", "10.0.2.2");
	ENV_IS("REMOTE_PORT", "40000");
	ENV_IS("CONTENT_LENGTH", "11");
	ENV_IS("CONTENT_TYPE", "application/x-www-form-urlencoded");
	ENV_IS("HTTP_ACCEPT", "text/html");
	ENV_IS("HTTP_X_MULTI", "one, two");
	ENV_IS("HTTP_USER_AGENT", "test/1.0");
	ENV_IS("HTTP_HOST", "example.org:8080");
	ENV_IS("REDIRECT_STATUS", "200");
	CHECK(!cgi_env_get(&env, "HTTP_PROXY"));
	CHECK(!cgi_env_get(&env, "HTTP_AUTHORIZATION"));
	CHECK(!cgi_env_get(&env, "HTTP_X_UNDER"));
	CHECK(!cgi_env_get(&env, "HTTP_CONTENT_LENGTH"));
	CHECK(!cgi_env_get(&env, "REMOTE_USER"));
	CHECK(!cgi_env_get(&env, "HTTPS"));
	vec = cgi_env_vector(&env);
	CHECK(vec && vec[env.count] == NULL && !strcmp(vec[0], "GATEWAY_INTERFACE=CGI/1.1"));
	{
		size_t multi = 0;

		for (size_t i = 0; vec && vec[i]; i++)
			multi += !strncmp(vec[i], "HTTP_X_MULTI=", 13);
		CHECK(multi == 1);
	}
	free(vec);
	cgi_env_free(&env);

	/* over TLS: HTTPS, the scheme, the protocol and cipher */
	r.https = 1;
	r.ssl_protocol = "TLSv1.3";
	r.ssl_cipher = "TLS_AES_256_GCM_SHA384";
	CHECK(cgi_env_build(&env, &r) == 0);
	ENV_IS("HTTPS", "on");
	ENV_IS("REQUEST_SCHEME", "https");
	ENV_IS("SSL_PROTOCOL", "TLSv1.3");
	ENV_IS("SSL_CIPHER", "TLS_AES_256_GCM_SHA384");
	cgi_env_free(&env);
	r.https = 0;

	/* chunked: no CONTENT_LENGTH; IPv6 Host literal keeps its colons */
	{
		static const char h2[] = "GET /x HTTP/1.1\r\nHost: [::1]:81\r\n\r\n";

		khttp_request_init(&req);
		CHECK(khttp_parse(&req, &lim, h2, sizeof(h2) - 1) == KHTTP_DONE);
		r.head = h2;
		r.path_info = "";
		r.content_length = -1;
		CHECK(cgi_env_build(&env, &r) == 0);
		ENV_IS("SERVER_NAME", "[::1]");
		ENV_IS("QUERY_STRING", "");
		CHECK(!cgi_env_get(&env, "CONTENT_LENGTH"));
		CHECK(!cgi_env_get(&env, "PATH_INFO"));
		cgi_env_free(&env);
	}
}

/* Parse out[0..len) fed in two parts cut at every byte. */
static int parse_split(const char *out, size_t len, struct cgi_resp *r)
{
	int first = -2, rc = -2;

	for (size_t cut = 0; cut <= len; cut++) {
		cgi_resp_init(r);
		rc = cgi_resp_parse(r, out, cut);
		if (rc == 1)
			rc = cgi_resp_parse(r, out, len);
		if (first == -2)
			first = rc;
		else if (rc != first)
			return -3;	/* the result depends on the split */
	}
	return rc;
}

static void test_resp(void)
{
	struct cgi_resp *r = malloc(sizeof(*r));
	static const char doc[] = "Content-type: text/plain\nX-A: b \n"
				  "Connection: close\n\nbody";
	static const char crlf[] = "Status: 404 Not Here\r\nContent-Type: text/html\r\n"
				   "Content-Length: 5\r\nSet-Cookie: x=1\r\n\r\nhello";
	static const char local[] = "Location: /other?x\n\n";
	static const char client[] = "Location: http://e.org/\r\n\r\n";
	static const char php_redirect[] = "Status: 302 Found\r\nLocation: /login\r\n\r\n";

	CHECK(parse_split(doc, sizeof(doc) - 1, r) == 0);
	CHECK(r->status == 200 && r->kind == CGI_RESP_DOCUMENT);
	CHECK(!strcmp(r->content_type, "text/plain"));
	CHECK(r->head_len == sizeof(doc) - 1 - 4);
	CHECK(r->extra_len == 8 && !memcmp(r->extra, "X-A: b\r\n", 8));
	CHECK(r->content_length == -1);

	CHECK(parse_split(crlf, sizeof(crlf) - 1, r) == 0);
	CHECK(r->status == 404 && r->content_length == 5);
	CHECK(!memcmp(crlf + r->head_len, "hello", 5));
	CHECK(r->extra_len == 17 && !memcmp(r->extra, "Set-Cookie: x=1\r\n", 17));

	CHECK(parse_split(local, sizeof(local) - 1, r) == 0);
	CHECK(r->kind == CGI_RESP_LOCAL_REDIRECT && !strcmp(r->location, "/other?x"));
	CHECK(parse_split(client, sizeof(client) - 1, r) == 0);
	CHECK(r->kind == CGI_RESP_CLIENT_REDIRECT && r->status == 302);
	CHECK(parse_split(php_redirect, sizeof(php_redirect) - 1, r) == 0);
	CHECK(r->kind == CGI_RESP_CLIENT_REDIRECT && r->status == 302 &&
	      !strcmp(r->location, "/login"));

	/* malformed heads: 502 */
	static const char *const bad[] = {
		"X-Only: 1\n\n",			/* none of CT/Location/Status */
		"\n\nbody",				/* empty head */
		"Status: abc\n\n",
		"Status: 99 x\n\n",
		"Status: 200 OK\nStatus: 201 x\n\n",
		"Content-Type: a\n folded\n\n",
		"Bad Name: x\nContent-Type: a\n\n",
		"Content-Type: a\nContent-Length: 1x\n\n",
		"Content-Type: a\rb\n\n",
		"no colon line\n\n",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse_split(bad[i], strlen(bad[i]), r);

		CHECK(rc == -1);
		if (rc != -1)
			fprintf(stderr, "  accepted: %s\n", bad[i]);
	}
	/* an endless head is refused once it passes the limit */
	{
		size_t n = CGI_RESP_HEAD_MAX + 10;
		char *big = malloc(n);

		memset(big, 'a', n);
		cgi_resp_init(r);
		CHECK(cgi_resp_parse(r, big, 100) == 1);
		CHECK(cgi_resp_parse(r, big, n) == -1 && r->error);
		free(big);
	}
	free(r);
}

int main(void)
{
	test_env();
	test_resp();
	return check_done(NULL);
}
