// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests: CGI processes (gateway/cgi_process.c) when the script's
 * watches cannot be set up. The test interposes syscall() (pidfd_open
 * fails, as with EMFILE) and kill() (a script that does not die at once,
 * as one in uninterruptible sleep): cgi_process_start() must answer 500
 * without waiting for the script, and its MaxProcesses slot must come
 * back once the killed script can be reaped, with no record leaked.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "gateway/cgi_process.h"
#include "khttpd_check.h"
#include "tests/core/worker_pump.h"

static bool fail_pidfd, kill_inert;

long syscall(long nr, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	if (!real)
		real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
	if (nr == SYS_pidfd_open && fail_pidfd) {
		errno = EMFILE;
		return -1;
	}
	va_start(ap, nr);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return real(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
}

int kill(pid_t pid, int sig)
{
	static int (*real)(pid_t, int);

	if (!real)
		real = (int (*)(pid_t, int))dlsym(RTLD_NEXT, "kill");
	return kill_inert ? 0 : real(pid, sig);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char head[] = "GET /s.sh HTTP/1.1\r\nHost: h\r\n\r\n";

/* A job of w for head, on a connection with no socket. */
static struct gw_job *job_new(struct worker *w)
{
	struct conn *c = calloc(1, sizeof(*c) + sizeof(head));
	struct gw_job *j = calloc(1, sizeof(*j));
	struct khttp_limits lim;

	if (!c || !j)
		exit(2);
	c->w = w;
	c->ev.fd = -1;
	c->buf = c->inline_buf;
	memcpy(c->buf, head, sizeof(head));
	c->buf_len = c->buf_size = sizeof(head) - 1;
	c->peer.in.sin_family = AF_INET;
	khttp_limits_default(&lim);
	khttp_request_init(&c->req);
	if (khttp_parse(&c->req, &lim, c->buf, c->buf_len) != KHTTP_DONE)
		exit(2);
	j->c = c;
	j->w = w;
	j->name = "cgi";
	return j;
}

static void job_free(struct gw_job *j)
{
	free(j->c);
	free(j);
}

static void watches_fail_without_waiting(struct worker *w, const struct gw_script *s)
{
	struct gw_job *j = job_new(w), *k = job_new(w);
	double t0, took;
	int rc = 0;

	fail_pidfd = kill_inert = true;
	t0 = now_s();
	rc = cgi_process_start(j, s, NULL, 1);
	took = now_s() - t0;
	CHECK(rc == 500, "no pidfd: 500, got %d", rc);
	CHECK(took < 1.0, "the worker waited %.1f s for the script to end", took);
	kill_inert = false;
	cgi_process_release(j, false);	/* what gw_fail() does: the kill */
	fail_pidfd = false;

	/* the killed script's slot comes back once it is reaped */
	for (t0 = now_s(); now_s() - t0 < 5;) {
		rc = cgi_process_start(k, s, NULL, 1);
		if (rc != 503)
			break;
		usleep(10000);
	}
	CHECK(rc == 0, "a script after the failed one: %d, want 0 (its slot back)", rc);
	if (!rc) {
		cgi_process_release(k, false);
		for (int i = 0; i < 200; i++) {
			worker_pump(w, 10);	/* its pidfd: reaped */
			worker_free_deferred(w);
			rc = cgi_process_start(j, s, NULL, 1);
			if (rc != 503)
				break;
		}
		CHECK(rc == 0, "after a watched script, its slot back: %d", rc);
		if (!rc)
			cgi_process_release(j, false);
		for (int i = 0; i < 100; i++) {
			worker_pump(w, 10);
			worker_free_deferred(w);
		}
	}
	job_free(j);
	job_free(k);
}

int main(void)
{
	char dir[] = "/tmp/khttpd-cgi-test-XXXXXX";
	struct gw_script s = { .name = "/s.sh", .path_info = "" };
	struct worker w = { .epfd = epoll_create1(EPOLL_CLOEXEC) };
	FILE *f;

	if (!mkdtemp(dir) || w.epfd < 0)
		return 2;
	snprintf(s.docroot, sizeof(s.docroot), "%s", dir);
	snprintf(s.filename, sizeof(s.filename), "%s/s.sh", dir);
	f = fopen(s.filename, "w");
	if (!f)
		return 2;
	fputs("#!/bin/sh\nsleep 2\n", f);
	fclose(f);
	chmod(s.filename, 0755);
	stat(s.filename, &s.st);
	watches_fail_without_waiting(&w, &s);
	cgi_processes_free();
	unlink(s.filename);
	rmdir(dir);
	close(w.epfd);
	return check_done("test_cgi_process");
}
