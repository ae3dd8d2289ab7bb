// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Request bodies for content handlers (Match rules): the core reads a
 * Content-Length or chunked body into the request buffer (growing it),
 * answers Expect: 100-continue, and refuses bodies beyond RequestMax with
 * 413, and time out a stalled body with 408. An answer sent before the body
 * was read (a plugin's 401) skips a Content-Length body to reach the next
 * request, or closes (chunked, 100-continue, beyond RequestMax). Driven
 * through a socketpair and a worker's epoll set, as the worker loop would.
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

static char got_body[4096];
static size_t got_len;
static int handled;

static int echo_handle(struct conn *c)
{
	const char *b = conn_body(c, &got_len);
	char *copy = strdup("ok");

	memcpy(got_body, b, got_len < sizeof(got_body) ? got_len : sizeof(got_body));
	handled++;
	return http_send_body(c, 200, "text/plain", copy, 2, NULL);
}

static const struct khttpd_plugin echo = { .name = "echo", .handle = echo_handle };

/* An access check: answers /deny before anyone reads the body. */
static int deny_request(struct conn *c)
{
	return strcmp(conn_path(c), "/deny") ? KP_CONTINUE :
	       http_send_error(c, 401, NULL);
}

static const struct khttpd_plugin deny = { .name = "deny",
					   .on_request = deny_request };

static struct worker w;

static void pump(void)
{
	worker_pump(&w, 100);
}

static ssize_t recv_all(int fd, char *buf, size_t len)
{
	ssize_t n;

	usleep(20000);
	n = recv(fd, buf, len - 1, MSG_DONTWAIT);
	buf[n < 0 ? 0 : n] = '\0';
	return n;
}

static int new_conn(const char *bytes)
{
	return worker_pair(&w, bytes);
}

/* Whether the daemon's side is gone (EOF after what it sent). */
static bool peer_closed(int fd)
{
	char b[4096];

	pump();
	while (recv(fd, b, sizeof(b), MSG_DONTWAIT) > 0)
		;
	return recv(fd, b, 1, MSG_DONTWAIT) == 0;
}

/* The statuses in resp, in order, as "401 200". */
static void statuses(const char *resp, char *out, size_t len)
{
	const char *p = resp;

	out[0] = '\0';
	while ((p = strstr(p, "HTTP/1.1 "))) {
		size_t n = strlen(out);

		snprintf(out + n, len - n, "%s%.3s", n ? " " : "", p + 9);
		p += 9;
	}
}

static void finish(int fd)
{
	close(fd);
	for (int i = 0; i < 5 && atomic_load(&w.nconns); i++)
		pump();
}

/* CL.0: a body the 401 left unread is never parsed as a request. */
static void early_answers(struct config *cfg)
{
	const struct khttpd_plugin *plugins[] = { &deny };
	const char *smuggled = "POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 43\r\n\r\n"
			       "GET /h HTTP/1.1\r\nHost: x\r\nX-Smuggled: 1\r\n\r\n";
	const char *next = "POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nnext";
	char resp[8192], got[64], body[43];
	const struct khttpd_plugin **loaded = cfg->plugins;
	int fd, before;

	cfg->plugins = plugins;
	cfg->nplugins = 1;
	memcpy(body, smuggled + strlen(smuggled) - 43, 43);

	/* Body and the next request in one write. */
	before = handled;
	fd = new_conn(smuggled);
	send(fd, next, strlen(next), 0);
	pump();
	recv_all(fd, resp, sizeof(resp));
	statuses(resp, got, sizeof(got));
	CHECK(!strcmp(got, "401 200") && handled == before + 1 && got_len == 4 &&
	      !memcmp(got_body, "next", 4), "one write: '%s', handled %d", got,
	      handled - before);
	CHECK(!strstr(resp, "Connection: close"), "the 401 keeps the connection");
	finish(fd);

	/* The body after the 401 went out, in two pieces, then the next. */
	before = handled;
	fd = new_conn("POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 43\r\n\r\n");
	recv_all(fd, resp, sizeof(resp));
	statuses(resp, got, sizeof(got));
	CHECK(!strcmp(got, "401") && w.conns && w.conns->state == CONN_SKIP_BODY &&
	      w.conns->deadline == w.now + cfg->body_timeout,
	      "401 first, then skipping: '%s' state %d", got,
	      w.conns ? w.conns->state : -1);
	send(fd, body, 20, 0);
	pump();
	send(fd, body + 20, 23, 0);
	pump();
	send(fd, next, strlen(next), 0);
	pump();
	recv_all(fd, resp, sizeof(resp));
	statuses(resp, got, sizeof(got));
	CHECK(!strcmp(got, "200") && handled == before + 1 && got_len == 4,
	      "split: only the next request answered: '%s'", got);
	finish(fd);

	/* A client that never sends the body is dropped at BodyTimeout. */
	fd = new_conn("POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 43\r\n\r\n");
	recv_all(fd, resp, sizeof(resp));
	CHECK(w.conns && w.conns->state == CONN_SKIP_BODY, "skipping");
	if (w.conns) {
		w.now = w.conns->deadline;
		conn_timeout(w.conns);
	}
	CHECK(atomic_load(&w.nconns) == 0 && peer_closed(fd), "skip timed out");
	close(fd);

	/* Chunked, 100-continue, beyond RequestMax: 401, close, nothing else. */
	{
		static const char *const closing[] = {
			"POST /deny HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
			"2b\r\nGET /h HTTP/1.1\r\nHost: x\r\nX-Smuggled: 1\r\n\r\n\r\n0\r\n\r\n",
			"POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 43\r\n"
			"Expect: 100-continue\r\n\r\n",
			"POST /deny HTTP/1.1\r\nHost: x\r\nContent-Length: 20001\r\n\r\n",
		};

		for (size_t i = 0; i < sizeof(closing) / sizeof(*closing); i++) {
			before = handled;
			fd = new_conn(closing[i]);
			if (i)
				send(fd, body, 43, 0);
			pump();
			recv_all(fd, resp, sizeof(resp));
			statuses(resp, got, sizeof(got));
			CHECK(!strcmp(got, "401") && strstr(resp, "Connection: close") &&
			      handled == before && peer_closed(fd),
			      "case %zu: '%s' and close", i, got);
			finish(fd);
		}
	}
	cfg->plugins = loaded;	/* config_put() frees the config's own */
	cfg->nplugins = 0;
}

int main(void)
{
	struct config_overrides ov = { .docroot = "/tmp", .workers = -1 };
	char err[256], resp[8192];
	struct config *cfg = config_load(NULL, &ov, err, sizeof(err));
	struct vhost *vh;
	int fd;

	if (!cfg)
		return 2;
	cfg->request_max = 20000;
	vh = &cfg->vhosts[0];
	vh->rules = calloc(1, sizeof(*vh->rules));
	vh->nrules = 1;
	vh->rules[0].pattern = strdup("^/h");
	vh->rules[0].plugin = &echo;
	regcomp(&vh->rules[0].re, "^/h", REG_EXTENDED | REG_NOSUB);
	w.cfg = cfg;
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.fc = fdcache_new(4, 8, 1, static_open);
	worker_update_date(&w);

	/* Content-Length body in the first bytes. */
	fd = new_conn("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
	recv_all(fd, resp, sizeof(resp));
	CHECK(handled == 1 && got_len == 5 && !memcmp(got_body, "hello", 5),
	      "CL body: handled %d len %zu", handled, got_len);
	CHECK(!strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), "200: %.40s", resp);

	/* Body arriving later, bigger than the inline buffer. */
	{
		char big[3000 + 1];

		memset(big, 'b', 3000);
		big[3000] = '\0';
		send(fd, "POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 3000\r\n\r\n", 51, 0);
		pump();
		CHECK(handled == 1, "not before the body is complete");
		send(fd, big, 1500, 0);
		pump();
		send(fd, big, 1500, 0);
		pump();
		recv_all(fd, resp, sizeof(resp));
		CHECK(handled == 2 && got_len == 3000 && got_body[2999] == 'b',
		      "grown buffer body: %zu", got_len);
		CHECK(!strncmp(resp, "HTTP/1.1 200 OK\r\n", 17), "200 again");
	}
	finish(fd);

	/* Chunked, decoded in place; then Expect: 100-continue. */
	fd = new_conn("POST /h HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
		      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nTrailer: x\r\n\r\n");
	recv_all(fd, resp, sizeof(resp));
	CHECK(handled == 3 && got_len == 11 && !memcmp(got_body, "hello world", 11),
	      "chunked body: %zu '%.*s'", got_len, (int)got_len, got_body);
	send(fd, "POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
	     "Expect: 100-continue\r\n\r\n", 70, 0);
	pump();
	recv_all(fd, resp, sizeof(resp));
	CHECK(!strcmp(resp, "HTTP/1.1 100 Continue\r\n\r\n"), "100 first: '%s'", resp);
	send(fd, "hi", 2, 0);
	pump();
	recv_all(fd, resp, sizeof(resp));
	CHECK(handled == 4 && got_len == 2 && !strncmp(resp, "HTTP/1.1 200", 12),
	      "body after 100");
	finish(fd);

	/* Beyond RequestMax: 413 and close, handler never called. */
	fd = new_conn("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 50000\r\n\r\n");
	recv_all(fd, resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 413 ", 13) && strstr(resp, "Connection: close"),
	      "413: %.60s", resp);
	finish(fd);
	fd = new_conn("POST /h HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
	{
		char chunk[8200];

		memcpy(chunk, "2000\r\n", 6);
		memset(chunk + 6, 'c', 8192);
		for (int i = 0; i < 4; i++) {
			send(fd, chunk, 6 + 8192, 0);
			pump();
			send(fd, "\r\n", 2, 0);
			pump();
		}
	}
	recv_all(fd, resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 413 ", 13), "chunked beyond cap: %.40s", resp);
	CHECK(handled == 4, "handler not called for refused bodies");
	finish(fd);
	/*
	 * A body that stalls or drips: BodyTimeout for the whole body (a read
	 * does not extend it) gives 408 and a close.
	 */
	fd = new_conn("POST /h HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
	CHECK(w.conns && w.conns->state == CONN_READ_BODY &&
	      w.conns->deadline == w.now + cfg->body_timeout, "body deadline set");
	w.now += 1;
	send(fd, "d", 1, 0);
	pump();
	CHECK(w.conns && w.conns->deadline == w.now - 1 + cfg->body_timeout,
	      "a body read does not move the deadline");
	w.now = w.conns->deadline;
	conn_timeout(w.conns);
	recv_all(fd, resp, sizeof(resp));
	CHECK(!strncmp(resp, "HTTP/1.1 408 ", 13) && strstr(resp, "Connection: close"),
	      "slow body: %.40s", resp);
	CHECK(handled == 4 && atomic_load(&w.nconns) == 0, "closed, not handled");
	close(fd);
	CHECK(atomic_load(&w.nconns) == 0, "connections closed");

	early_answers(cfg);

	fdcache_free(w.fc);
	close(w.epfd);
	config_put(cfg);
	return check_done("test_http_body");
}
