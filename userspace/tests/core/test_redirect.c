// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Internal redirects (core/redirect.c): the head a redirect builds, and a
 * redirect asked for by a suspended plugin going through every plugin's
 * on_request again as a GET without the body, with the client's fields,
 * bounded against loops, refusing targets the parser refuses, and leaving
 * the next pipelined request in place. Driven through a socketpair and a
 * worker's epoll set, as the worker loop would.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fdcache.h"
#include "core/khttpdd.h"
#include "khttpd_check.h"
#include "worker_pump.h"

static struct worker w;
static int redirects_asked;

static void parse(const char *head, struct khttp_request *r)
{
	struct khttp_limits lim;

	khttp_limits_default(&lim);
	khttp_request_init(r);
	CHECK(khttp_parse(r, &lim, head, strlen(head)) == KHTTP_DONE, "%s", head);
}

static void head_rewrite(void)
{
	const char *post = "POST /cgi/a?x=1 HTTP/1.1\r\nHost: h\r\n"
			   "Content-Length: 4\r\nAuthorization: Basic YTpi\r\n"
			   "Content-Type: text/plain\r\nExpect: 100-continue\r\n"
			   "Cookie: s=1\r\n\r\nbody";
	const char *head10 = "HEAD /a HTTP/1.0\r\nX-A:  v  \r\n\r\n";
	const char *absolute = "GET http://h.test:81/cgi/a HTTP/1.1\r\nHost: other\r\n\r\n";
	struct khttp_request r;
	size_t len;
	char *h;

	parse(post, &r);
	h = redirect_head(post, &r, "/b?y=2", &len);
	CHECK(h && len == strlen(h) &&
	      !strcmp(h, "GET /b?y=2 HTTP/1.1\r\nHost: h\r\n"
			 "Authorization: Basic YTpi\r\nCookie: s=1\r\n\r\n"),
	      "POST becomes GET, the body's fields go: %s", h);
	free(h);

	parse(head10, &r);
	h = redirect_head(head10, &r, "/b", &len);
	CHECK(h && !strcmp(h, "HEAD /b HTTP/1.0\r\nX-A: v\r\n\r\n"),
	      "HEAD and HTTP/1.0 stay: %s", h);
	free(h);

	parse(absolute, &r);
	h = redirect_head(absolute, &r, "/b", &len);
	CHECK(h && !strncmp(h, "GET http://h.test:81/b HTTP/1.1\r\n", 33),
	      "absolute-form keeps its authority (the same host): %s", h);
	free(h);
}

/* Suspended like a gateway job; redirects from the socket's callback. */
static void redirect_cb(struct conn *c, uint32_t events)
{
	const char *p = conn_path(c);
	int rc;

	(void)events;
	c->body_raw = c->buf_len - c->req.head_len;	/* the test sends it all */
	if (c->req.content_length < c->body_raw)
		c->body_raw = (uint32_t)c->req.content_length;
	rc = conn_redirect(c, !strcmp(p, "/loop") ? "/loop" :
			   !strcmp(p, "/bad") ? "/a b" : p + 2);
	if (rc)
		http_send_error(c, rc, NULL);
	conn_resume(c);
}

/* /r/<rest> redirects to /<rest>, /loop to itself, /bad to "/a b". */
static int redirect_request(struct conn *c)
{
	const char *p = conn_path(c);

	if (strncmp(p, "/r/", 3) && strcmp(p, "/loop") && strcmp(p, "/bad"))
		return KP_CONTINUE;
	redirects_asked++;
	conn_suspend(c, redirect_cb, NULL);
	conn_arm(c, EPOLLOUT);
	return KP_DONE;
}

/* /t*: "<method> <path> auth=<0|1> body=<0|1>" as the body. */
static int echo_request(struct conn *c)
{
	char *body;
	int n;

	if (strncmp(conn_path(c), "/t", 2))
		return KP_CONTINUE;
	n = asprintf(&body, "%.*s %s auth=%d body=%d", c->req.method_str.len,
		     c->buf + c->req.method_str.off, conn_path(c),
		     c->req.authorization.len > 0,
		     !!(c->req.flags & KHTTP_F_HAS_BODY));
	if (n < 0)
		return KP_CLOSE;
	return http_send_body(c, 200, "text/plain", body, (size_t)n, NULL);
}

static const struct khttpd_plugin redir = { .name = "redir",
					    .on_request = redirect_request };
static const struct khttpd_plugin echo = { .name = "echo",
					   .on_request = echo_request };

/* Run the worker's ready callbacks until fd has n responses or 2 s pass. */
static void exchange(int fd, char *resp, size_t len, int n)
{
	size_t got = 0;

	resp[0] = '\0';
	for (int i = 0; i < 200; i++) {
		ssize_t r;
		int seen = 0;

		worker_pump(&w, 10);
		r = recv(fd, resp + got, len - 1 - got, MSG_DONTWAIT);
		if (r > 0)
			got += (size_t)r;
		resp[got] = '\0';
		for (const char *p = resp; (p = strstr(p, "HTTP/1.")); p++)
			seen++;
		if (seen >= n)
			return;
	}
}

static void finish(int fd)
{
	close(fd);
	for (int i = 0; i < 50 && atomic_load(&w.nconns); i++)
		worker_pump(&w, 10);
	CHECK(atomic_load(&w.nconns) == 0, "connection closed");
}

static void redirects_through_the_pipeline(void)
{
	char resp[8192];
	int fd;

	fd = worker_pair(&w, "POST /r/r/t1?q HTTP/1.1\r\nHost: x\r\n"
			 "Authorization: Basic YTpi\r\n"
			 "Content-Length: 4\r\nContent-Type: a/b\r\n\r\nbody"
			 "GET /t2 HTTP/1.1\r\nHost: x\r\n\r\n");
	exchange(fd, resp, sizeof(resp), 2);
	CHECK(redirects_asked == 2 && strstr(resp, "GET /t1 auth=1 body=0") &&
	      strstr(resp, "GET /t2 auth=0 body=0") &&
	      strstr(resp, "t1 auth=1 body=0") < strstr(resp, "GET /t2"),
	      "two hops as GETs with the credentials, then the pipelined request: %s",
	      resp);

	redirects_asked = 0;
	send(fd, "GET /loop HTTP/1.1\r\nHost: x\r\n\r\n", 31, 0);
	exchange(fd, resp, sizeof(resp), 1);
	CHECK(!strncmp(resp, "HTTP/1.1 500 ", 13) && redirects_asked == 11,
	      "a loop: 10 redirects then 500 (asked %d): %.40s", redirects_asked, resp);

	send(fd, "GET /bad HTTP/1.1\r\nHost: x\r\n\r\n", 30, 0);
	exchange(fd, resp, sizeof(resp), 1);
	CHECK(!strncmp(resp, "HTTP/1.1 500 ", 13),
	      "a target the parser refuses: 500: %.40s", resp);

	send(fd, "HEAD /r/t3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 51, 0);
	exchange(fd, resp, sizeof(resp), 1);
	CHECK(!strncmp(resp, "HTTP/1.1 200 ", 13) && !strstr(resp, "HEAD /t3") &&
	      strstr(resp, "\r\n\r\n")[4] == '\0',
	      "HEAD stays HEAD, no body: %s", resp);
	finish(fd);
}

int main(void)
{
	struct config_overrides ov = { .docroot = "/tmp", .workers = -1 };
	const struct khttpd_plugin *plugins[] = { &redir, &echo };
	char err[256];
	struct config *cfg = config_load(NULL, &ov, err, sizeof(err));
	const struct khttpd_plugin **loaded;
	size_t nloaded;

	if (!cfg)
		return 2;
	head_rewrite();
	loaded = cfg->plugins;
	nloaded = cfg->nplugins;
	cfg->plugins = plugins;
	cfg->nplugins = 2;
	w.cfg = cfg;
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.fc = fdcache_new(4, 8, 1, static_open);
	worker_update_date(&w);
	redirects_through_the_pipeline();
	fdcache_free(w.fc);
	close(w.epfd);
	cfg->plugins = loaded;	/* config_put() frees the config's own */
	cfg->nplugins = nloaded;
	config_put(cfg);
	return check_done("test_redirect");
}
