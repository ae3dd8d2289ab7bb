// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The gateway's output path (gateway/output.c) as the client sees it: a
 * backend's CGI or nph- output, fed to gw_output() in pieces, becomes the
 * client's head and a body held to that head's framing (chunked, a
 * length, until the close, none), with what the job then does: release
 * the backend (completed or not), keep or drop keep-alive, fail with 502,
 * follow a local redirect, pause on a full socket and resume on drain.
 * The job is a bare one on one end of a socketpair, no backend process.
 * Memory running out is simulated: malloc and realloc are wrapped (the
 * Makefile links this program with --wrap) to fail above a size.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "gateway/job.h"
#include "khttpd_check.h"

static int released, released_ok, resumed;

/* Allocations of at least fail_size bytes fail (SIZE_MAX: none). */
static size_t fail_size = SIZE_MAX;

void *__real_malloc(size_t n);
void *__real_realloc(void *p, size_t n);

void *__wrap_malloc(size_t n)
{
	if (n >= fail_size) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_malloc(n);
}

char *__real_strdup(const char *s);

char *__wrap_strdup(const char *s)
{
	if (strlen(s) + 1 >= fail_size) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_strdup(s);
}

void *__wrap_realloc(void *p, size_t n)
{
	if (n >= fail_size) {
		errno = ENOMEM;
		return NULL;
	}
	return __real_realloc(p, n);
}

static void on_release(struct gw_job *j, bool ok)
{
	(void)j;
	released++;
	released_ok = ok;
}

static void on_output_ready(struct gw_job *j)
{
	(void)j;
	resumed++;
}

static const struct gw_ops ops = { .release = on_release,
				   .output_ready = on_output_ready };
static struct worker w;
static struct conn conn;
static struct gw_job job;
static struct cgi_resp resp;
static char head[CGI_RESP_HEAD_MAX + 1];
static int client = -1, timer_fd;

/* Whether the job's backend timeout runs (disarming it for the next ask). */
static bool timer_armed(void)
{
	struct itimerspec its, off = { 0 };

	timerfd_gettime(timer_fd, &its);
	timerfd_settime(timer_fd, 0, &off, NULL);
	return its.it_value.tv_sec || its.it_value.tv_nsec;
}

/*
 * A fresh job for a request of HTTP version, HEAD or not; nph- or not.
 * Its connection is in the worker's epoll set, watched for nothing yet.
 */
static struct gw_job *start(int version, bool head_only, bool nph)
{
	struct epoll_event ev = { 0 };
	int sv[2];

	if (client >= 0) {
		close(client);
		close(conn.ev.fd);
	}
	free(job.out);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) ||
	    epoll_ctl(w.epfd, EPOLL_CTL_ADD, sv[0], &ev))
		exit(2);
	memset(&conn, 0, sizeof(conn));
	conn.ev.fd = sv[0];
	conn.w = &w;
	conn.watched = true;
	conn.req.version = version;
	conn.keep_alive = true;
	client = sv[1];
	memset(&job, 0, sizeof(job));
	job.c = &conn;
	job.w = &w;
	job.ops = &ops;
	job.name = "test";
	job.resp = &resp;
	job.head = head;
	job.timer_fd = timer_fd;
	job.timeout = 30;
	job.in_cb = true;	/* as from the job's callback: nothing re-armed */
	job.head_only = head_only;
	job.nph = nph;
	cgi_resp_init(&resp);
	released = released_ok = resumed = 0;
	return &job;
}

/* What the client has received since the last call (NUL-terminated). */
static const char *received(void)
{
	static char buf[1 << 21];
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1 &&
	       (n = recv(client, buf + got, sizeof(buf) - 1 - got,
			 MSG_DONTWAIT)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	return buf;
}

/* The received response's body: after the blank line, or "" without one. */
static const char *body_of(const char *r)
{
	const char *p = strstr(r, "\r\n\r\n");

	return p ? p + 4 : "";
}

static bool has(const char *r, const char *field)
{
	const char *end = strstr(r, "\r\n\r\n");
	const char *p = strstr(r, field);

	return p && end && p < end;
}

/* Feed out to gw_output() in pieces of step bytes; its last answer. */
static bool feed(struct gw_job *j, const char *out, size_t step)
{
	size_t len = strlen(out);
	bool more = true;

	for (size_t off = 0; off < len && more; off += step)
		more = gw_output(j, out + off, len - off < step ? len - off : step);
	return more;
}

static void chunked_for_http11(void)
{
	static const size_t steps[] = { 1, 7, 1000 };

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		struct gw_job *j = start(11, false, false);
		const char *r;
		bool more = feed(j, "Content-Type: text/plain\r\nX-A: 1\r\n\r\nhello",
				 steps[i]);

		r = received();
		CHECK(more && !strncmp(r, "HTTP/1.1 200 OK\r\n", 17) &&
		      has(r, "\r\nTransfer-Encoding: chunked\r\n") &&
		      has(r, "\r\nContent-Type: text/plain\r\n") &&
		      has(r, "\r\nX-A: 1\r\n") && !has(r, "Content-Length") &&
		      !strcmp(body_of(r), steps[i] == 1 ?
			      "1\r\nh\r\n1\r\ne\r\n1\r\nl\r\n1\r\nl\r\n1\r\no\r\n" :
			      "5\r\nhello\r\n"),
		      "in pieces of %zu: %s", steps[i], r);
		CHECK(!released && j->head_sent && conn.status == 200);
		CHECK(gw_output(j, "", 0) && !strcmp(received(), ""),
		      "no bytes, no empty chunk (it would end the body)");
		gw_output_end(j);
		CHECK(!strcmp(received(), "0\r\n\r\n") && released == 1 &&
		      released_ok && conn.keep_alive && j->out_eof &&
		      j->finishing && j->body_sent == 5 && !resumed &&
		      (conn.events & EPOLLOUT),
		      "the last chunk; completed, kept alive, waits to finish");
	}
}

/* More than a socketpair holds, and a chunk size of several hex digits. */
#define BIG	0x123450

static void chunk_sizes_in_hex(void)
{
	static char all[BIG + 64];
	struct gw_job *j = start(11, false, false);
	char *big = malloc(BIG);
	size_t got = 0;
	const char *r;

	memset(big, 'b', BIG);
	CHECK(gw_output(j, "Status: 404 Nope\r\n\r\n", 20));
	r = received();
	CHECK(!strncmp(r, "HTTP/1.1 404 ", 13) && !strcmp(body_of(r), "") &&
	      conn.status == 404, "%s", r);
	/* a full socket pauses the backend; it resumes once drained */
	CHECK(!gw_output(j, big, BIG) && j->output_paused && !resumed &&
	      (conn.events & EPOLLOUT), "paused, waiting for room");
	timer_armed();
	for (int i = 0; i < 10000 && j->out_len; i++) {
		r = received();
		memcpy(all + got, r, strlen(r));
		got += strlen(r);
		if (!gw_flush(j))
			break;
	}
	CHECK(timer_armed(), "sending to the client restarts the timeout");
	r = received();
	memcpy(all + got, r, strlen(r) + 1);
	got += strlen(r);
	CHECK(!j->out_len && !j->output_paused && resumed == 1 &&
	      !strncmp(all, "123450\r\nbbbb", 12) && got == 8 + BIG + 2 &&
	      !strcmp(all + 8 + BIG, "\r\n"),
	      "drained, resumed once, one chunk of 0x123450: %.16s (%zu)", all,
	      got);
	free(big);
	gw_output_end(j);
	CHECK(!strcmp(received(), "0\r\n\r\n") && released_ok);

	/* ended while the client's socket is full: nothing after the end */
	j = start(11, false, false);
	big = malloc(BIG);
	memset(big, 'b', BIG);
	feed(j, "Status: 200 OK\r\n\r\n", 100);
	received();	/* the head */
	gw_output(j, big, BIG);
	gw_output_end(j);
	CHECK(released_ok && j->out_len && !j->finishing, "ended, still queued");
	CHECK(!gw_output(j, "more", 4), "output after the end is refused");
	gw_output_end(j);
	got = 0;
	for (int i = 0; i < 10000; i++) {
		r = received();
		got += strlen(r);
		if (strlen(r) >= 8)	/* the last bytes */
			memcpy(all, r + strlen(r) - 8, 9);
		if (!j->out_len || !gw_flush(j))
			break;
	}
	CHECK(!strcmp(all, "b\r\n0\r\n\r\n") && released == 1 &&
	      got == 8 + BIG + 2 + 5, "one last chunk, once: %zu bytes, last %s",
	      got, all);
	free(big);
}

static void declared_length(void)
{
	struct gw_job *j = start(11, false, false);
	const char *r;

	/* exactly: no chunks, kept alive */
	CHECK(feed(j, "Content-Type: a/b\r\nContent-Length: 3\r\n\r\nab", 100) && gw_output(j, "c", 1));
	gw_output_end(j);
	r = received();
	CHECK(has(r, "\r\nContent-Length: 3\r\n") && !has(r, "Transfer-Encoding") &&
	      !strcmp(body_of(r), "abc") && released_ok && conn.keep_alive,
	      "%s", r);

	/* a head and more body than the head buffer holds, in one write */
	{
		static char one[20100];
		int n = snprintf(one, sizeof(one),
				 "Content-Type: a/b\r\nContent-Length: 20000\r\n\r\n");

		memset(one + n, 'o', 20000);
		one[n + 20000] = '\0';
		j = start(11, false, false);
		CHECK(gw_output(j, one, strlen(one)));
		gw_output_end(j);
		r = received();
		CHECK(strlen(body_of(r)) == 20000 && released_ok && conn.keep_alive,
		      "all of the body: %zu bytes", strlen(body_of(r)));
	}

	/* more than declared: cut, the connection closes */
	j = start(11, false, false);
	CHECK(!feed(j, "Content-Type: a/b\r\nContent-Length: 3\r\n\r\nabcdef", 100));
	r = received();
	CHECK(!strcmp(body_of(r), "abc") && released == 1 && !released_ok &&
	      !conn.keep_alive && j->frame.overrun && j->out_eof &&
	      conn.error_note && strstr(conn.error_note, "framing"),
	      "the excess is cut: %s", r);
	CHECK(!gw_output(j, "more", 4) && !strcmp(received(), ""),
	      "nothing after the end");
	gw_output_end(j);
	CHECK(released == 1 && !strcmp(received(), ""), "ended once");
	j = start(11, false, false);
	conn.error_note = "earlier";
	CHECK(!feed(j, "Content-Type: a/b\r\nContent-Length: 1\r\n\r\nab", 100) &&
	      !strcmp(conn.error_note, "earlier"), "an earlier note stays");

	/* exactly the length, in the same write as the head: no overrun */
	j = start(11, false, false);
	CHECK(feed(j, "Content-Type: a/b\r\nContent-Length: 3\r\n\r\nabc", 100) && !j->frame.overrun);
	gw_output_end(j);
	CHECK(!strcmp(body_of(received()), "abc") && conn.keep_alive && released_ok);

	/* less than declared: the head was a lie, the connection closes */
	j = start(11, false, false);
	CHECK(feed(j, "Content-Type: a/b\r\nContent-Length: 5\r\n\r\nab", 100));
	gw_output_end(j);
	r = received();
	CHECK(!strcmp(body_of(r), "ab") && !conn.keep_alive && released_ok,
	      "short: %s", r);
}

static void no_body(void)
{
	struct gw_job *j = start(11, false, false);
	const char *r;

	/* 204: no body may follow; a byte of one is an overrun */
	CHECK(feed(j, "Status: 204 No Content\r\n\r\n", 100));
	r = received();
	CHECK(!strncmp(r, "HTTP/1.1 204 ", 13) && !has(r, "Transfer-Encoding") &&
	      !has(r, "Content-Length") && !strcmp(body_of(r), ""), "%s", r);
	CHECK(!gw_output(j, "x", 1) && !conn.keep_alive && !released_ok &&
	      !strcmp(received(), ""));

	/* HEAD: the head a GET would get, no body, no overrun */
	j = start(11, true, false);
	CHECK(feed(j, "Status: 200 OK\r\nContent-Length: 5\r\n\r\nhello", 100));
	gw_output_end(j);
	r = received();
	CHECK(has(r, "\r\nContent-Length: 5\r\n") && !strcmp(body_of(r), "") &&
	      released_ok && conn.keep_alive, "HEAD: %s", r);
	j = start(11, true, false);
	CHECK(feed(j, "Status: 200 OK\r\n\r\nhello", 3));
	gw_output_end(j);
	r = received();
	CHECK(!has(r, "Transfer-Encoding") && !strcmp(body_of(r), "") &&
	      released_ok, "HEAD without a length: %s", r);
}

static void until_close_for_http10(void)
{
	struct gw_job *j = start(10, false, false);
	const char *r;

	CHECK(feed(j, "Content-Type: text/plain\r\n\r\nraw body", 5));
	gw_output_end(j);
	r = received();
	CHECK(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17) && !has(r, "Transfer-Encoding") &&
	      !has(r, "Content-Length") && has(r, "\r\nConnection: close\r\n") &&
	      !strcmp(body_of(r), "raw body") && !conn.keep_alive && released_ok,
	      "%s", r);
}

static void redirects(void)
{
	struct gw_job *j = start(11, false, false);
	const char *r;

	CHECK(!feed(j, "Location: /other?x=1\r\n\r\n", 100));
	CHECK(j->redirect_to && !strcmp(j->redirect_to, "/other?x=1") &&
	      released_ok && j->finishing && !j->head_sent && !j->fail_status &&
	      conn.keep_alive && !conn.error_note &&
	      !strcmp(received(), ""), "a local redirect sends nothing");
	free(j->redirect_to);
	j->redirect_to = NULL;
	j = start(11, false, false);
	fail_size = 0;
	CHECK(!feed(j, "Location: /other\r\n\r\n", 100) && !j->redirect_to &&
	      j->fail_status == 500 && j->finishing && !strcmp(received(), ""),
	      "no memory for a local redirect: 500");
	fail_size = SIZE_MAX;

	/* the type a script gives goes out as given, however short */
	j = start(11, false, false);
	CHECK(feed(j, "Content-Type: x\r\n\r\n", 100) &&
	      has(received(), "\r\nContent-Type: x\r\n"));

	j = start(11, false, false);
	CHECK(feed(j, "Location: http://example.org/x\r\n\r\n", 100));
	gw_output_end(j);
	r = received();
	CHECK(!strncmp(r, "HTTP/1.1 302 ", 13) &&
	      has(r, "\r\nLocation: http://example.org/x\r\n"), "%s", r);
}

static void bad_heads(void)
{
	struct gw_job *j = start(11, false, false);
	char *big = malloc(CGI_RESP_HEAD_MAX + 2);

	CHECK(!feed(j, "no colon here\r\n\r\n", 100) && j->fail_status == 502 &&
	      !j->head_sent && released == 1 && !released_ok &&
	      !strcmp(received(), ""), "a malformed head: 502");

	j = start(11, false, false);
	timer_armed();
	CHECK(feed(j, "X-A: 1\r\n", 100) && timer_armed(),
	      "part of a head restarts the timeout");
	gw_output_end(j);
	CHECK(j->fail_status == 502 && conn.error_note &&
	      strstr(conn.error_note, "without a complete head"),
	      "ended inside the head: %s", conn.error_note);


	j = start(11, false, false);
	gw_output_end(j);
	CHECK(j->fail_status == 502, "no output at all: 502");

	/* the longest head that may still end, then one byte more */
	memcpy(big, "X-A: ", 5);
	memset(big + 5, 'a', CGI_RESP_HEAD_MAX - 5);
	big[CGI_RESP_HEAD_MAX] = '\0';
	j = start(11, false, false);
	CHECK(gw_output(j, big, CGI_RESP_HEAD_MAX) && !j->fail_status,
	      "%d bytes of head, not ended yet: waits", CGI_RESP_HEAD_MAX);
	CHECK(!gw_output(j, "a", 1) && j->fail_status == 502 &&
	      strstr(conn.error_note, "too long"), "one more: 502");
	big[CGI_RESP_HEAD_MAX] = 'a';
	big[CGI_RESP_HEAD_MAX + 1] = '\0';
	j = start(11, false, false);
	CHECK(!gw_output(j, big, CGI_RESP_HEAD_MAX + 1) && j->fail_status == 502,
	      "in one write: 502");
	free(big);
}

static void nph(void)
{
	static const char out[] = "HTTP/1.1 201 Made\r\nContent-Length: 2\r\n"
				  "X-B: 2\r\n\r\nhi";
	struct gw_job *j = start(11, false, true);
	const char *r;

	CHECK(feed(j, out, 4));
	gw_output_end(j);
	r = received();
	CHECK(!strcmp(r, out) && conn.status == 201 && conn.keep_alive &&
	      released_ok, "its own head as written, kept alive since nothing was cut: %s", r);

	j = start(11, false, true);
	CHECK(!feed(j, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiXX", 100));
	CHECK(!strcmp(body_of(received()), "hi") && !released_ok,
	      "nph: held to its length");

	j = start(11, true, true);
	CHECK(feed(j, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", 100));
	gw_output_end(j);
	r = received();
	CHECK(!strcmp(r, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n") &&
	      released_ok, "nph to HEAD: the head only: %s", r);

	j = start(11, false, true);
	CHECK(feed(j, "HTTP/1.1 200 OK\r\n\r\nuntil close", 100));
	gw_output_end(j);
	CHECK(!strcmp(body_of(received()), "until close") && released_ok);

	j = start(11, false, true);
	CHECK(!feed(j, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", 100) &&
	      j->fail_status == 502 && strstr(conn.error_note, "chunked") &&
	      !strcmp(received(), ""), "nph chunked: 502");

	/* its own head says close: the connection closes */
	j = start(11, false, true);
	CHECK(feed(j, "HTTP/1.1 200 OK\r\nConnection: close\r\n"
		   "Content-Length: 2\r\n\r\nhi", 100));
	gw_output_end(j);
	CHECK(!strcmp(body_of(received()), "hi") && !conn.keep_alive &&
	      released_ok, "nph, Connection: close");

	/* a head longer than a script's may be, though the parser waits */
	{
		char *big = malloc(CGI_RESP_HEAD_MAX + 2);

		memcpy(big, "HTTP/1.1 200 OK\r\nX-A: ", 23);
		memset(big + 23, 'a', CGI_RESP_HEAD_MAX + 1 - 23);
		big[CGI_RESP_HEAD_MAX + 1] = '\0';
		j = start(11, false, true);
		CHECK(!gw_output(j, big, CGI_RESP_HEAD_MAX + 1) &&
		      j->fail_status == 502 && strstr(conn.error_note, "too long") &&
		      !strcmp(received(), ""), "nph head too long: 502");
		free(big);
	}

	j = start(11, false, true);
	CHECK(!feed(j, "HTTP/9 x\r\n\r\n", 100) && j->fail_status == 502 &&
	      strstr(conn.error_note, "malformed"), "nph malformed: 502");

	j = start(11, false, true);
	CHECK(feed(j, "HTTP/1.1 200 OK\r\n", 100));
	gw_output_end(j);
	CHECK(j->fail_status == 502 && strstr(conn.error_note, "complete head"),
	      "nph ended inside its head: 502");
}

static void client_gone(void)
{
	struct gw_job *j = start(11, false, false);

	/* gone before the last chunk: the end finds out */
	CHECK(feed(j, "Status: 200 OK\r\n\r\nh", 100) && timer_armed(),
	      "output restarts the timeout");
	close(client);
	client = -1;
	CHECK(gw_output(j, "", 0) && !j->gone, "no bytes, no send");
	gw_output_end(j);
	CHECK(j->gone && released == 1, "gone at the end");
	close(conn.ev.fd);

	j = start(11, false, false);

	close(client);
	client = -1;
	CHECK(!feed(j, "Status: 200 OK\r\nContent-Length: 2\r\n\r\nhi", 100) && j->gone &&
	      released == 1 && !released_ok, "a client gone ends the job");
	CHECK(!gw_output(j, "x", 1), "and nothing more is taken");
	gw_output_end(j);
	CHECK(released == 1);
	j->dead = true;
	CHECK(!gw_output(j, "x", 1), "a dead job takes nothing");
	close(conn.ev.fd);
}

/* Whether j failed with 500 for want of memory, having sent nothing more. */
static bool out_of_memory(const struct gw_job *j)
{
	return j->fail_status == 500 && released == 1 && !released_ok &&
	       conn.error_note && !strcmp(conn.error_note, "out of memory") &&
	       !strcmp(received(), "");
}

/*
 * Memory running out at each step: a 500 (no head has gone out yet) or
 * the end of the job, never a cut or garbled response.
 */
static void no_memory(void)
{
	static const char cgi_head[] = "Content-Type: a/b\r\n\r\n";
	static const char nph_head[] = "HTTP/1.1 200 OK\r\n\r\n";
	size_t big = 2 * GW_BUF;
	char *one = malloc(sizeof(cgi_head) + big);
	struct gw_job *j;

	if (!one)
		exit(2);
	memcpy(one, cgi_head, sizeof(cgi_head) - 1);
	memset(one + sizeof(cgi_head) - 1, 'm', big);

	/* the client's head cannot be built */
	j = start(11, false, false);
	fail_size = 0;
	CHECK(!gw_output(j, cgi_head, strlen(cgi_head)) && out_of_memory(j) &&
	      j->head_sent == false, "no memory for the head: 500");
	fail_size = GW_BUF;	/* the output buffer is at least this */
	j = start(11, false, false);
	CHECK(!gw_output(j, cgi_head, strlen(cgi_head)) && out_of_memory(j),
	      "no room to queue the head: 500");
	j = start(11, false, true);
	CHECK(!gw_output(j, nph_head, strlen(nph_head)) && out_of_memory(j),
	      "no room to queue an nph- head: 500");

	/* the body, in the write that ends the head, then in a later one */
	fail_size = 2 * GW_BUF;	/* the head's buffer, not the body's too */
	j = start(10, false, false);
	CHECK(!gw_output(j, one, sizeof(cgi_head) - 1 + big) &&
	      j->fail_status == 500 && !released_ok,
	      "no room for the body after the head: the job fails");
	fail_size = SIZE_MAX;
	j = start(10, false, false);
	CHECK(gw_output(j, cgi_head, strlen(cgi_head)) &&
	      !strncmp(received(), "HTTP/1.1 200 ", 13));
	fail_size = GW_BUF;
	CHECK(!gw_output(j, one, big) && j->fail_status == 500 && !released_ok &&
	      !strcmp(conn.error_note, "out of memory"),
	      "no room for a later body: the job fails");
	fail_size = SIZE_MAX;
	free(one);
}

/* Each response frees what it allocated, also when it fails. */
static void no_leaks(void)
{
	size_t before;

	start(11, false, false);	/* frees the last job's output */
	before = mallinfo2().uordblks;
	for (int i = 0; i < 20; i++) {
		feed(start(11, false, false),
		     "Content-Type: a/b\r\nX-A: 1\r\n\r\nab", 100);
		gw_output_end(&job);
		feed(start(11, false, true),
		     "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-A: 1\r\n\r\nhi", 100);
		gw_output_end(&job);
		feed(start(11, false, true),
		     "HTTP/1.1 200 OK\r\nX-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
		     100);
	}
	start(11, false, false);
	CHECK(mallinfo2().uordblks == before, "%zu bytes more in use after 60 jobs",
	      mallinfo2().uordblks - before);
}

int main(void)
{
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (w.epfd < 0 || timer_fd < 0)
		return 2;
	worker_update_date(&w);
	chunked_for_http11();
	chunk_sizes_in_hex();
	declared_length();
	no_body();
	until_close_for_http10();
	redirects();
	bad_heads();
	nph();
	client_gone();
	no_memory();
	no_leaks();
	free(job.out);
	return check_done("test_gw_output");
}
