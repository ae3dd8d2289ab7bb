// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Client side of the CGI and FastCGI plugins (see gateway.h): the job's
 * life, from the request that starts it to the connection handed back, and
 * the plugin hooks. body.c streams the request body, output.c the response,
 * script.c finds scripts and holds the common config keys.
 *
 * Connection handling rules:
 * - The connection is suspended while the job runs; it only goes back to
 *   the core (conn_resume) from the connection's own event callback, since
 *   the core may free it and other events of the same epoll batch must not
 *   find it freed. Jobs and backends are freed after the batch for the
 *   same reason (worker_defer_free).
 * - A Content-Length body is read exactly, so a pipelined request after it
 *   stays for the core. A chunked body is read in blocks; if a block runs
 *   past its end the connection closes after this response.
 * - A client that shuts its side (EPOLLRDHUP) has only said it sends no
 *   more (some clients shutdown(SHUT_WR) after a request): the response
 *   is still written. An incomplete body then reads EOF, a write fails, or
 *   the peer resets (EPOLLERR/EPOLLHUP): that is a client gone, and the
 *   backend is stopped (CGI: the process group killed). A close without
 *   reset while the backend is silent only shows at the Timeout.
 */
#define _GNU_SOURCE
#include "job.h"

#include "core/monotonic.h"

#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* A 503 (MaxProcesses, FCGI_OVERLOADED) is a backend out of room for now. */
#define GW_RETRY_AFTER "Retry-After: 1\r\n"

static void gw_conn_event(struct conn *c, uint32_t events);

static void gw_job_free(void *p)
{
	struct gw_job *j = p;

	free(j->in);
	free(j->out);
	free(j->head);
	free(j->resp);
	free(j->redirect_to);
	free(j->spool);
	if (j->spool_fd >= 0)
		close(j->spool_fd);
	free(j->script);
	free(j);
}

/* The job of a suspended connection, or NULL. */
static struct gw_job *gw_job_of(struct conn *c, const struct gw_ops *ops)
{
	struct gw_job *j;

	if (c->state != CONN_PLUGIN || c->owner != gw_conn_event)
		return NULL;
	j = conn_suspended_data(c);
	return j && j->ops == ops ? j : NULL;
}

void gw_release(struct gw_job *j, bool ok)
{
	if (j->released)
		return;
	j->released = true;
	j->ops->release(j, ok);
}

/* The job ends: nothing of it is touched after this but the memory. */
static void gw_bury(struct gw_job *j)
{
	j->dead = true;
	if (j->timer_fd >= 0) {
		worker_unwatch(j->w, &j->timer);
		close(j->timer_fd);
		j->timer_fd = -1;
	}
	worker_defer_free(j->w, j, gw_job_free);
}

/* The timer for the earlier of the job's deadlines, or off. */
static void gw_timer_arm(struct gw_job *j)
{
	int64_t due = j->silence_due;
	struct itimerspec its = { 0 };

	if (j->body_due && (!due || j->body_due < due))
		due = j->body_due;
	if (due) {
		its.it_value.tv_sec = due / 1000;
		its.it_value.tv_nsec = (long)(due % 1000) * 1000000;
	}
	if (j->timer_fd >= 0)
		timerfd_settime(j->timer_fd, TFD_TIMER_ABSTIME, &its, NULL);
}

void gw_touch(struct gw_job *j)
{
	if (j->spooling)
		return;	/* no backend yet to be silent */
	j->silence_due = monotonic_ms() + (int64_t)j->timeout * 1000;
	gw_timer_arm(j);
}

/* Whether the client still owes body bytes. */
static bool gw_body_owed(const struct gw_job *j)
{
	if (j->spooled)
		return false;
	return j->body_chunked ? !j->body_done : j->body_left > 0;
}

void gw_body_received(struct gw_job *j, size_t n)
{
	j->body_received += n;
	if (!gw_body_owed(j))
		j->body_due = 0;
	else
		j->body_due = j->body_start +
			(int64_t)j->c->cfg->body_timeout * 1000 +
			(int64_t)(j->body_received * 1000 / GW_BODY_MIN_RATE);
	gw_timer_arm(j);
}

void gw_arm(struct gw_job *j)
{
	/* once seen, a half-close stays readable: watching it would spin */
	uint32_t mask = j->peer_shut ? 0 : EPOLLRDHUP;

	if (j->dead)
		return;
	if (!j->body_done && !j->spooled && j->in_off == j->in_len &&
	    j->buf_off == j->buf_end)
		mask |= EPOLLIN;
	if (j->out_off < j->out_len || j->finishing)
		mask |= EPOLLOUT;
	conn_arm(j->c, mask);
}

/* Hand the connection back; only from the connection's callback. */
static void gw_finish(struct gw_job *j)
{
	struct conn *c = j->c;
	char *redirect = j->redirect_to;

	j->redirect_to = NULL;
	gw_release(j, j->fail_status == 0 && !j->gone);
	if (j->gone) {
		free(redirect);
		c->keep_alive = false;
		c->closing = true;
		if (!c->error_note)
			c->error_note = "client closed the connection";
		gw_bury(j);
		conn_resume(c);
		return;
	}
	c->body_raw = j->buf_off - c->req.head_len;
	if (!j->body_done || j->over_read)
		c->keep_alive = false;
	if (redirect) {
		/* a new request through every check: see conn_redirect() */
		if (!j->fail_status)
			j->fail_status = conn_redirect(c, redirect);
		free(redirect);
	} else if (!j->fail_status && !j->head_sent) {
		j->fail_status = 502;
	}
	if (j->fail_status) {
		if (j->head_sent) {
			c->keep_alive = false;
			c->closing = true;
		} else {
			http_send_error(c, j->fail_status,
					j->fail_status == 503 ? GW_RETRY_AFTER : NULL);
		}
	} else if (c->state == CONN_PLUGIN) {
		c->body_bytes = j->body_sent;
	}
	gw_bury(j);
	conn_resume(c);
}

void gw_finish_soon(struct gw_job *j)
{
	if (j->dead)
		return;
	j->finishing = true;
	if (j->in_cb)
		return;	/* gw_conn_event() finishes on its way out */
	if (j->gone || (j->fail_status && j->head_sent))
		conn_shutdown(j->c);
	gw_arm(j);
}

void gw_fail(struct gw_job *j, int status, const char *why)
{
	if (j->dead || j->finishing)
		return;
	log_msg("%s: %s: answering %d", j->name, why, status);
	if (!j->c->error_note)
		j->c->error_note = why;
	j->fail_status = status;
	gw_release(j, false);
	gw_finish_soon(j);
}

void gw_client_gone(struct gw_job *j)
{
	if (j->dead)
		return;
	j->gone = true;
	gw_release(j, false);
	gw_finish_soon(j);
}

/* The connection closes while suspended (shutdown): the client is gone. */
static void gw_abort(struct gw_job *j)
{
	if (j->dead)
		return;
	gw_release(j, false);
	gw_bury(j);
}

static void gw_timer_cb(struct evsource *src, uint32_t events)
{
	struct gw_job *j = (struct gw_job *)((char *)src -
					     offsetof(struct gw_job, timer));
	uint64_t n;
	int64_t now;

	(void)events;
	if (j->dead)
		return;
	if (read(src->fd, &n, sizeof(n)) < 0)
		return;
	now = monotonic_ms();
	if (j->body_due && now >= j->body_due) {
		/* the client is slow, not the backend */
		if (!j->head_sent) {
			gw_fail(j, 408, "request body not received within BodyTimeout");
			return;
		}
		log_msg("%s: request body not received within BodyTimeout: closing",
			j->name);
		gw_client_gone(j);
		return;
	}
	if (!j->silence_due || now < j->silence_due) {
		gw_timer_arm(j);	/* a deadline moved since it was set */
		return;
	}
	if (!j->head_sent) {
		gw_fail(j, 504, "backend timed out");
		return;
	}
	/* head sent: a stalled backend or client ends the connection */
	log_msg("%s: response stalled for %u s: closing", j->name, j->timeout);
	gw_client_gone(j);
}

/*
 * Take c for a backend: suspends the connection. Returns the job, or NULL
 * when out of resources (the caller answers 500).
 */
static struct gw_job *gw_start(struct conn *c, const struct gw_ops *ops,
			       unsigned timeout)
{
	const struct khttp_request *r = &c->req;
	struct gw_job *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->spool_fd = -1;
	j->c = c;
	j->w = c->w;
	j->ops = ops;
	j->name = ops->plugin->name;
	j->timeout = timeout;
	j->head_only = c->head_only;
	j->in = malloc(GW_BUF);
	j->head = malloc(CGI_RESP_HEAD_MAX + 1);
	j->resp = malloc(sizeof(*j->resp));
	j->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	j->timer.fd = j->timer_fd;
	j->timer.cb = gw_timer_cb;
	if (!j->in || !j->head || !j->resp || j->timer_fd < 0 ||
	    worker_watch(j->w, &j->timer, EPOLLIN)) {
		if (j->timer_fd >= 0)
			close(j->timer_fd);
		gw_job_free(j);
		return NULL;
	}
	cgi_resp_init(j->resp);
	j->buf_off = j->buf_end = r->head_len;
	if (!(r->flags & KHTTP_F_HAS_BODY)) {
		j->body_done = true;
	} else if (r->flags & KHTTP_F_CHUNKED) {
		j->body_chunked = true;
		khttp_chunked_init(&j->chunked);
		j->buf_end = c->buf_len;
	} else {
		uint64_t avail = c->buf_len - r->head_len;
		uint64_t take = avail < r->content_length ? avail :
			r->content_length;

		j->buf_end = r->head_len + (uint32_t)take;
		j->body_left = r->content_length - take;
	}
	if ((r->flags & KHTTP_F_EXPECT_CONTINUE) &&
	    (j->body_left || j->body_chunked))
		conn_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	j->body_start = monotonic_ms();
	if (!j->body_done)
		gw_body_received(j, j->buf_end - j->buf_off);
	gw_touch(j);
	conn_suspend(c, gw_conn_event, j);
	return j;
}

static void gw_conn_event(struct conn *c, uint32_t events)
{
	struct gw_job *j = conn_suspended_data(c);

	if (j->dead)
		return;
	j->in_cb = true;
	if (events & EPOLLRDHUP)
		j->peer_shut = true;
	if (!j->finishing && (events & (EPOLLERR | EPOLLHUP)))
		gw_client_gone(j);
	if (!j->finishing && (events & EPOLLIN) && !j->body_done)
		gw_body_ready(j);
	if (!j->finishing && (events & EPOLLOUT) && !gw_flush(j))
		gw_client_gone(j);
	j->in_cb = false;
	if (j->finishing)
		gw_finish(j);
	else
		gw_arm(j);
}

/* Start a job for the request on c (see gw_on_request and gw_handle). */
static int gw_request(struct conn *c, const struct gw_ops *ops, bool routed)
{
	struct gw_script *s = malloc(sizeof(*s));
	const struct gw_conf *cf;
	struct gw_job *j;
	int rc;

	if (!s)
		rc = 500;
	else
		rc = gw_script_of(c, ops, routed, conn_path(c), s, &cf);
	if (rc == 0 && routed)
		rc = 404;	/* no leading part of the path names a file */
	if (rc == 0) {
		free(s);
		return KP_CONTINUE;
	}
	if (rc == 1) {
		j = gw_start(c, ops, cf->timeout);
		if (j && j->body_chunked) {
			/*
			 * The backend starts once the body is spooled: until
			 * then only the body's deadline runs (see
			 * gw_body_received()), so a drip cannot hold the job.
			 */
			j->cf = cf;
			j->script = s;
			j->spooling = true;
			j->silence_due = 0;
			gw_timer_arm(j);
			gw_body_ready(j);
			return KP_DONE;
		}
		if (j) {
			rc = ops->begin(j, cf, s);
			free(s);
			if (rc)
				gw_fail(j, rc, "cannot start the backend");
			else
				gw_body_ready(j);
			return KP_DONE;
		}
		rc = 500;
	}
	free(s);
	if (c->req.flags & KHTTP_F_HAS_BODY)
		c->keep_alive = false;	/* the body stays unread */
	return http_send_error(c, rc, NULL);
}

int gw_on_request(struct conn *c, const struct gw_ops *ops)
{
	return gw_request(c, ops, false);
}

int gw_handle(struct conn *c, const struct gw_ops *ops)
{
	return gw_request(c, ops, true);
}

void gw_on_close(struct conn *c, const struct gw_ops *ops)
{
	struct gw_job *j = gw_job_of(c, ops);

	if (j)
		gw_abort(j);
}
