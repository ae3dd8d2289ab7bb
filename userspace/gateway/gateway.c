// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Client side of the CGI and FastCGI plugins (see gateway.h).
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
 * - A peer that shuts its side (EPOLLRDHUP) while the backend works is a
 *   client gone: the backend is stopped (CGI: the process group killed).
 */
#define _GNU_SOURCE
#include "gateway.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define GW_MAX_REDIRECTS 5

/* ---- the job ---- */

static void gw_conn_event(struct conn *c, uint32_t events);
static int gw_redirect(struct gw_job *j, const char *path, const char *query);

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

static void gw_release(struct gw_job *j, bool ok)
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

void gw_touch(struct gw_job *j)
{
	struct itimerspec its = { .it_value.tv_sec = j->timeout };

	if (j->timer_fd >= 0)
		timerfd_settime(j->timer_fd, 0, &its, NULL);
}

static void gw_arm(struct gw_job *j)
{
	uint32_t mask = EPOLLRDHUP;

	if (j->dead)
		return;
	if (!j->body_done && !j->spooled && j->in_off == j->in_len &&
	    j->buf_off == j->buf_end)
		mask |= EPOLLIN;
	if (j->out_off < j->out_len || j->finishing)
		mask |= EPOLLOUT;
	conn_arm(j->c, mask);
}

/* A local redirect replaces the backend's answer: GET, no body. */
static void gw_reset_for_redirect(struct gw_job *j)
{
	cgi_resp_init(j->resp);
	j->head_len = 0;
	j->head_sent = j->out_chunked = j->out_eof = false;
	j->released = j->finishing = j->output_paused = false;
	j->body_done = j->body_ended = true;
	j->spooled = false;
	j->in_off = j->in_len = 0;
	gw_touch(j);
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
		const char *q = strchr(redirect, '?');
		size_t plen = q ? (size_t)(q - redirect) : strlen(redirect);
		int n = khttp_path_normalize(redirect, plen, c->w->path,
					     WORKER_PATH_MAX);

		if (n < 0) {
			j->fail_status = 500;
		} else {
			int rc = 0;

			c->w->path[n] = '\0';
			j->redirects++;
			if (j->redirects <= GW_MAX_REDIRECTS) {
				gw_reset_for_redirect(j);
				rc = gw_redirect(j, c->w->path, q ? q + 1 : "");
			} else {
				j->fail_status = 500;
			}
			if (rc == 1) {
				free(redirect);
				gw_arm(j);
				return;	/* a new backend on the same job */
			}
			if (rc < 0)
				j->fail_status = 500;
			else if (!j->fail_status)
				static_serve(c);
		}
		free(redirect);
	} else if (!j->fail_status && !j->head_sent) {
		j->fail_status = 502;
	}
	if (j->fail_status) {
		if (j->head_sent) {
			c->keep_alive = false;
			c->closing = true;
		} else {
			http_send_error(c, j->fail_status, NULL);
		}
	} else if (c->state == CONN_PLUGIN) {
		c->body_bytes = j->body_sent;
	}
	gw_bury(j);
	conn_resume(c);
}

/*
 * Finish from the connection's callback: now, or on its next event (the
 * socket is writable, or shut down below so that it reports a hang-up).
 */
static void gw_finish_soon(struct gw_job *j)
{
	if (j->dead)
		return;
	j->finishing = true;
	if (j->in_cb)
		return;	/* gw_conn_event() finishes on its way out */
	if (j->gone || (j->fail_status && j->head_sent))
		shutdown(j->c->ev.fd, SHUT_RDWR);
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

/* The client is gone: stop the backend, close the connection. */
static void gw_client_gone(struct gw_job *j)
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

	(void)events;
	if (j->dead)
		return;
	if (read(src->fd, &n, sizeof(n)) < 0)
		return;
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
		send(c->ev.fd, "HTTP/1.1 100 Continue\r\n\r\n", 25,
		     MSG_NOSIGNAL | MSG_DONTWAIT);
	gw_touch(j);
	conn_suspend(c, gw_conn_event, j);
	return j;
}

bool gw_redirected(const struct gw_job *j)
{
	return j->redirects > 0;
}

/* Decode chunked bytes at p[0..n) into j->in; false on a malformed body. */
static bool gw_dechunk(struct gw_job *j, const char *p, size_t n,
		       size_t *used_total)
{
	size_t pos = 0;

	while (pos < n && !j->body_done) {
		size_t used, off, len;
		int rc = khttp_chunked_feed(&j->chunked, p + pos, n - pos,
					    &used, &off, &len);

		if (rc == KHTTP_CHUNK_ERROR)
			return false;
		if (rc == KHTTP_CHUNK_DATA) {
			memmove(j->in + j->in_len, p + pos + off, len);
			j->in_len += len;
		}
		pos += used;
		if (rc == KHTTP_CHUNK_END)
			j->body_done = true;
		if (rc == KHTTP_CHUNK_MORE && !used)
			break;
	}
	*used_total = pos;
	return true;
}

static bool gw_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Keep n decoded body bytes: false when they cannot be kept. */
static bool gw_spool_add(struct gw_job *j, const char *p, size_t n)
{
	if (j->spool_fd < 0 && j->spool_len + n > GW_SPOOL_MEM) {
		j->spool_fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC,
				   0600);
		if (j->spool_fd < 0 ||
		    !gw_write_all(j->spool_fd, j->spool, j->spool_len))
			return false;
		free(j->spool);
		j->spool = NULL;
	}
	if (j->spool_fd >= 0) {
		if (!gw_write_all(j->spool_fd, p, n))
			return false;
	} else {
		if (!j->spool && !(j->spool = malloc(GW_SPOOL_MEM)))
			return false;
		memcpy(j->spool + j->spool_len, p, n);
	}
	j->spool_len += n;
	return true;
}

/* The next spooled bytes into j->in: false when there are none. */
static bool gw_spool_read(struct gw_job *j)
{
	uint64_t off = j->spool_len - j->body_left;
	size_t n = j->body_left < GW_BUF ? (size_t)j->body_left : GW_BUF;

	if (!n)
		return false;
	if (j->spool_fd < 0) {
		memcpy(j->in, j->spool + off, n);
	} else if (pread(j->spool_fd, j->in, n, (off_t)off) != (ssize_t)n) {
		gw_fail(j, 500, "cannot read the spooled request body");
		return false;
	}
	j->body_left -= n;
	j->in_len = n;
	return true;
}

/* Get more body bytes into j->in (or c->buf): false when none now. */
static bool gw_body_fill(struct gw_job *j)
{
	struct conn *c = j->c;
	size_t used;
	ssize_t n;

	j->in_off = j->in_len = 0;
	if (j->spooled)
		return gw_spool_read(j);
	if (j->buf_off < j->buf_end) {
		if (!j->body_chunked)
			return true;	/* given straight from c->buf */
		n = j->buf_end - j->buf_off;
		if (n > GW_BUF)
			n = GW_BUF;
		if (!gw_dechunk(j, c->buf + j->buf_off, (size_t)n, &used)) {
			gw_fail(j, 400, "malformed chunked body");
			return false;
		}
		j->buf_off += (uint32_t)used;
		return true;
	}
	if (j->body_done || (!j->body_chunked && !j->body_left))
		return false;
	n = recv(c->ev.fd, j->in, j->body_chunked ? GW_BUF :
		 (j->body_left < GW_BUF ? j->body_left : GW_BUF), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		gw_client_gone(j);
		return false;
	}
	if (!j->body_chunked) {
		j->in_len = (size_t)n;
		j->body_left -= (uint64_t)n;
		return true;
	}
	/* decoded data only moves left: decode j->in in place */
	{
		size_t raw = (size_t)n;

		if (!gw_dechunk(j, j->in, raw, &used)) {
			gw_fail(j, 400, "malformed chunked body");
			return false;
		}
		if (used < raw)
			j->over_read = true;	/* the next request, partly */
	}
	return true;
}

/* Give the backend all the body it takes now. */
static void gw_pump_body(struct gw_job *j)
{
	while (!j->dead && !j->released) {
		const char *p;
		size_t avail;
		ssize_t n;

		if (j->in_off < j->in_len) {
			p = j->in + j->in_off;
			avail = j->in_len - j->in_off;
		} else if (!j->body_chunked && j->buf_off < j->buf_end) {
			p = j->c->buf + j->buf_off;
			avail = j->buf_end - j->buf_off;
		} else {
			if (j->body_done ||
			    (!j->body_chunked && !j->body_left &&
			     j->buf_off == j->buf_end)) {
				j->body_done = true;
				if (!j->body_ended) {
					j->body_ended = true;
					j->ops->body_end(j);
				}
				return;
			}
			if (!gw_body_fill(j))
				return;
			continue;
		}
		n = j->ops->body(j, p, avail);
		if (n <= 0)
			return;	/* backend full (gw_body_ready) or failed */
		gw_touch(j);
		if (j->in_off < j->in_len)
			j->in_off += (size_t)n;
		else
			j->buf_off += (uint32_t)n;
	}
}

/* The whole chunked body is spooled: start the backend, give it the body. */
static void gw_spool_done(struct gw_job *j)
{
	struct gw_script *s = j->script;
	int rc;

	j->script = NULL;
	j->spooling = false;
	j->spooled = true;
	j->body_chunked = j->body_done = false;
	j->body_left = j->spool_len;
	j->buf_end = j->buf_off;	/* what follows is the next request */
	rc = j->ops->begin(j, j->cf, s, NULL);
	free(s);
	if (rc)
		gw_fail(j, rc, "cannot start the backend");
	else
		gw_pump_body(j);
}

/* Spool what the client sent so far; at the body's end, go on. */
static void gw_spool_more(struct gw_job *j)
{
	while (!j->dead && !j->finishing && gw_body_fill(j)) {
		if (j->in_len)
			gw_touch(j);
		if (!gw_spool_add(j, j->in, j->in_len)) {
			gw_fail(j, 500, "cannot spool the request body");
			return;
		}
		j->in_len = 0;
		if (j->body_done) {
			gw_spool_done(j);
			return;
		}
	}
}

void gw_body_ready(struct gw_job *j)
{
	if (gw_dead(j))
		return;
	if (j->spooling)
		gw_spool_more(j);
	else
		gw_pump_body(j);
	gw_arm(j);
}

/* Send what the client is owed: false when the client is gone. */
static bool gw_flush(struct gw_job *j)
{
	while (j->out_off < j->out_len) {
		ssize_t n = send(j->c->ev.fd, j->out + j->out_off,
				 j->out_len - j->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
			return false;
		j->out_off += (size_t)n;
		gw_touch(j);
	}
	if (j->out_off == j->out_len) {
		j->out_off = j->out_len = 0;
		if (j->out_eof) {
			gw_finish_soon(j);
		} else if (j->output_paused && !j->released) {
			j->output_paused = false;
			j->ops->output_ready(j);
		}
	}
	return true;
}

static bool gw_append(struct gw_job *j, const void *p, size_t n)
{
	if (!n)
		return true;
	if (!j->out || j->out_len + n > GW_BUF * 2 + CGI_RESP_HEAD_MAX) {
		size_t cap = j->out_len + n + GW_BUF;
		char *o = realloc(j->out, cap);

		if (!o)
			return false;
		j->out = o;
	}
	memcpy(j->out + j->out_len, p, n);
	j->out_len += n;
	return true;
}

/* Body bytes of the response, framed for the client. */
static bool gw_body_out(struct gw_job *j, const char *p, size_t n)
{
	char hex[20];

	if (!n || j->head_only)
		return true;
	j->body_sent += n;
	if (!j->out_chunked)
		return gw_append(j, p, n);
	return gw_append(j, hex, (size_t)snprintf(hex, sizeof(hex), "%zx\r\n", n)) &&
	       gw_append(j, p, n) && gw_append(j, "\r\n", 2);
}

/* The backend's head is complete: queue the client's head. */
static bool gw_head_out(struct gw_job *j)
{
	struct conn *c = j->c;
	struct cgi_resp *r = j->resp;
	char *extra, head[CGI_RESP_HEAD_MAX + 1024];
	bool bodyless = r->status == 204 || r->status == 304 ||
			r->status < 200;
	struct khttp_head h = {
		.status = r->status,
		.content_type = r->content_type[0] ? r->content_type : NULL,
		.has_body_length = r->content_length >= 0 && !bodyless,
		.content_length = r->content_length >= 0 ?
				  (uint64_t)r->content_length : 0,
	};
	size_t n;

	if (!h.has_body_length && !bodyless && !j->head_only) {
		if (c->req.version == 11)
			j->out_chunked = true;
		else
			c->keep_alive = false;	/* the close ends the body */
	}
	extra = malloc(r->extra_len + 32);
	if (!extra)
		return false;
	memcpy(extra, r->extra, r->extra_len);
	strcpy(extra + r->extra_len,
	       j->out_chunked ? "Transfer-Encoding: chunked\r\n" : "");
	h.extra = extra;
	if (r->kind == CGI_RESP_CLIENT_REDIRECT) {
		h.location = r->location;
		h.location_len = strlen(r->location);
	}
	h.version = c->req.version ? c->req.version : 11;
	h.keep_alive = c->keep_alive;
	h.date = c->w->date;
	n = khttp_head_build(head, sizeof(head), &h);
	free(extra);
	c->status = r->status;
	j->head_sent = true;
	return n && gw_append(j, head, n);
}

bool gw_output(struct gw_job *j, const char *p, size_t n)
{
	if (gw_dead(j) || j->finishing)
		return false;
	gw_touch(j);
	if (j->nph) {
		/* the script wrote the status line and framing itself */
		if (!j->head_sent) {
			j->head_sent = true;
			j->c->keep_alive = false;
			j->c->status = n > 12 && !strncmp(p, "HTTP/1.", 7) ?
				       atoi(p + 9) : 200;
		}
		if (!gw_append(j, p, n)) {
			gw_fail(j, 500, "out of memory");
			return false;
		}
		j->body_sent += n;
	} else if (!j->head_sent) {
		size_t room = CGI_RESP_HEAD_MAX + 1 - j->head_len;
		size_t k = n < room ? n : room;
		int rc;

		memcpy(j->head + j->head_len, p, k);
		j->head_len += k;
		rc = cgi_resp_parse(j->resp, j->head, j->head_len);
		if (rc < 0) {
			gw_fail(j, 502, j->resp->error);
			return false;
		}
		if (rc == 1)
			return true;
		if (j->resp->kind == CGI_RESP_LOCAL_REDIRECT) {
			j->redirect_to = strdup(j->resp->location);
			if (!j->redirect_to)
				j->fail_status = 500;
			gw_release(j, true);
			gw_finish_soon(j);
			return false;
		}
		if (!gw_head_out(j) ||
		    !gw_body_out(j, j->head + j->resp->head_len,
				 j->head_len - j->resp->head_len) ||
		    !gw_body_out(j, p + k, n - k)) {
			gw_fail(j, 500, "out of memory");
			return false;
		}
	} else if (!gw_body_out(j, p, n)) {
		gw_fail(j, 500, "out of memory");
		return false;
	}
	if (!gw_flush(j)) {
		gw_client_gone(j);
		return false;
	}
	if (j->out_off < j->out_len) {
		j->output_paused = true;
		gw_arm(j);
		return false;
	}
	return true;
}

void gw_output_end(struct gw_job *j)
{
	if (gw_dead(j) || j->finishing)
		return;
	if (!j->head_sent) {
		if (j->head_len && cgi_resp_parse(j->resp, j->head,
						  j->head_len) < 0)
			gw_fail(j, 502, j->resp->error);
		else
			gw_fail(j, 502, "backend ended without a complete head");
		return;
	}
	if (j->out_chunked && !gw_append(j, "0\r\n\r\n", 5)) {
		gw_fail(j, 500, "out of memory");
		return;
	}
	if (j->resp->content_length >= 0 && !j->head_only &&
	    j->body_sent != (uint64_t)j->resp->content_length)
		j->c->keep_alive = false;	/* the length was a lie */
	j->out_eof = true;
	gw_release(j, true);
	if (!gw_flush(j))
		gw_client_gone(j);
	else
		gw_arm(j);
}

static void gw_conn_event(struct conn *c, uint32_t events)
{
	struct gw_job *j = conn_suspended_data(c);

	if (j->dead)
		return;
	j->in_cb = true;
	if (!j->finishing && (events & (EPOLLERR | EPOLLHUP | EPOLLRDHUP)) &&
	    ((events & (EPOLLERR | EPOLLHUP)) || !j->out_eof))
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

/* ---- scripts ---- */

static int gw_list_add(char ***list, size_t *n, const char *v)
{
	char **l = realloc(*list, (*n + 1) * sizeof(**list));

	if (!l)
		return -1;
	*list = l;
	l[*n] = strdup(v);
	if (!l[*n])
		return -1;
	(*n)++;
	return 0;
}

/* A rules key of a config section: 1 taken, 0 not a rules key, -1 bad. */
static int gw_rules_key(struct gw_rules *r, const char *key, const char *value,
		 char *err, size_t errsz)
{
	if (!strcasecmp(key, "Prefix")) {
		size_t len = strlen(value);

		if (value[0] != '/' || value[len - 1] != '/') {
			snprintf(err, errsz, "Prefix '%s' must start and end with '/'",
				 value);
			return -1;
		}
		return gw_list_add(&r->prefix, &r->nprefix, value) ? -1 : 1;
	}
	if (!strcasecmp(key, "Extension")) {
		if (value[0] != '.' || !value[1] || strchr(value, '/')) {
			snprintf(err, errsz, "Extension '%s' must look like .cgi",
				 value);
			return -1;
		}
		return gw_list_add(&r->ext, &r->next, value) ? -1 : 1;
	}
	return 0;
}

static void gw_rules_free(struct gw_rules *r)
{
	for (size_t i = 0; i < r->nprefix; i++)
		free(r->prefix[i]);
	for (size_t i = 0; i < r->next; i++)
		free(r->ext[i]);
	free(r->prefix);
	free(r->ext);
	memset(r, 0, sizeof(*r));
}

/* Whether p[0..len) names a script under r; NULL: a Match rule chose it. */
static bool gw_rules_cover(const struct gw_rules *r, const char *p, size_t len)
{
	if (!r)
		return true;
	for (size_t i = 0; i < r->nprefix; i++) {
		size_t pl = strlen(r->prefix[i]);

		if (len > pl && !strncmp(p, r->prefix[i], pl))
			return true;
	}
	for (size_t i = 0; i < r->next; i++) {
		size_t el = strlen(r->ext[i]);

		if (len > el && !strncasecmp(p + len - el, r->ext[i], el))
			return true;
	}
	return false;
}

/*
 * Find the script for the normalized path under r (RFC 3875 4.1.13: the
 * leading part that names a file, the rest is PATH_INFO; r NULL: any
 * leading part). Returns 1 with s filled, 0 when the path is not under r,
 * or the status to answer (403, 404). Lookups stay beneath the docroot
 * (RESOLVE_BENEATH).
 */
static int gw_script_find(const struct conn *c, const struct gw_rules *r,
			  const char *path, struct gw_script *s)
{
	size_t len = strlen(path);

	if (len >= sizeof(s->name))
		return 414;
	for (size_t i = 1; i <= len; i++) {
		int fd;

		if (i < len && path[i] != '/')
			continue;
		if (!gw_rules_cover(r, path, i))
			continue;
		memcpy(s->name, path, i);
		s->name[i] = '\0';
		fd = static_open(c->vhost->docroot_fd, s->name + 1);
		if (fd < 0)
			return fd == -ENOENT || fd == -ENOTDIR ? 404 : 403;
		if (fstat(fd, &s->st)) {
			close(fd);
			return 403;
		}
		close(fd);
		if (S_ISDIR(s->st.st_mode))
			continue;
		if (!S_ISREG(s->st.st_mode))
			return 403;
		if (!realpath(c->vhost->docroot, s->docroot))
			return 500;
		snprintf(s->filename, sizeof(s->filename), "%s%s", s->docroot,
			 s->name);
		s->path_info = path + i;
		return 1;
	}
	return 0;
}

void gw_conf_init(struct gw_conf *cf)
{
	cf->timeout = 30;
}

int gw_conf_key(struct gw_conf *cf, const char *key, const char *value,
		char *err, size_t errsz)
{
	char *end;
	unsigned long t;

	if (strcasecmp(key, "Timeout"))
		return gw_rules_key(&cf->rules, key, value, err, errsz);
	t = strtoul(value, &end, 10);
	if (*end || !*value || !t || t > 86400) {
		snprintf(err, errsz, "Timeout: 1..86400 seconds, not '%s'", value);
		return -1;
	}
	cf->timeout = (unsigned)t;
	return 1;
}

void gw_conf_free(struct gw_conf *cf)
{
	gw_rules_free(&cf->rules);
}

/* The vhost's section, the main file's, or the plugin's defaults. */
static const struct gw_conf *gw_conf_of(const struct conn *c,
					const struct gw_ops *ops)
{
	const struct gw_conf *cf = conn_vhost_data(c, ops->plugin);

	if (!cf)
		cf = conn_global_data(c, ops->plugin);
	return cf ? cf : ops->defaults;
}

/*
 * The script of path for the plugin (see gw_script_find), by its own rules
 * or, when routed, by a vhost's Match rule. *cfp: the conf to run it with.
 */
static int gw_script_of(const struct conn *c, const struct gw_ops *ops,
			bool routed, const char *path, struct gw_script *s,
			const struct gw_conf **cfp)
{
	const struct gw_conf *cf = gw_conf_of(c, ops);

	*cfp = cf;
	if (!cf) {
		if (routed)
			log_msg("%s: a Match rule routes %s here, but no [%s] section configures it",
				ops->plugin->name, path, ops->plugin->name);
		return routed ? 500 : 0;
	}
	return gw_script_find(c, routed ? NULL : &cf->rules, path, s);
}

static int gw_redirect(struct gw_job *j, const char *path, const char *query)
{
	const struct gw_ops *ops = j->ops;
	bool routed = vhost_handler(j->c->vhost, path) == ops->plugin;
	const struct gw_conf *cf;
	struct gw_script *s = malloc(sizeof(*s));
	int rc;

	if (!s)
		return -1;
	rc = gw_script_of(j->c, ops, false, path, s, &cf);
	if (rc == 0 && routed)
		rc = gw_script_of(j->c, ops, true, path, s, &cf);
	if (rc == 1)
		rc = ops->begin(j, cf, s, query) ? -1 : 1;
	else if (rc != 0)
		rc = -1;
	free(s);
	return rc;
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
			/* the backend starts once the body is spooled */
			j->cf = cf;
			j->script = s;
			j->spooling = true;
			gw_body_ready(j);
			return KP_DONE;
		}
		if (j) {
			rc = ops->begin(j, cf, s, NULL);
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

int gw_env(const struct gw_job *j, const struct gw_script *s,
	   const char *query, struct cgi_env *env)
{
	const struct conn *c = j->c;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char raddr[INET6_ADDRSTRLEN], laddr[INET6_ADDRSTRLEN] = "";
	unsigned lport = 0, rport;
	struct cgi_request r = {
		.head = c->buf, .req = &c->req,
		.script_name = s->name, .script_filename = s->filename,
		.path_info = s->path_info, .document_root = s->docroot,
		.remote_addr = raddr, .server_addr = laddr,
		.remote_user = c->remote_user,
		.auth_type = c->remote_user ? "Basic" : NULL,
		.content_length = j->spooled ? (long long)j->spool_len :
				  (c->req.flags & KHTTP_F_CHUNKED) ? -1 :
				  (long long)c->req.content_length,
		.redirected = j->redirects > 0, .redirect_query = query,
	};

	if (conn_peer_format(c, raddr, sizeof(raddr)))
		strcpy(raddr, "0.0.0.0");
	rport = ntohs(c->peer.sa.sa_family == AF_INET6 ? c->peer.in6.sin6_port :
		      c->peer.in.sin_port);
	r.remote_port = rport;
	if (!getsockname(c->ev.fd, (struct sockaddr *)&local, &llen)) {
		const struct sockaddr_in6 *l6 = (const void *)&local;
		const struct sockaddr_in *l4 = (const void *)&local;

		if (local.ss_family == AF_INET6 &&
		    IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr))
			inet_ntop(AF_INET, &l6->sin6_addr.s6_addr[12], laddr,
				  sizeof(laddr));
		else if (local.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &l6->sin6_addr, laddr, sizeof(laddr));
		else
			inet_ntop(AF_INET, &l4->sin_addr, laddr, sizeof(laddr));
		lport = ntohs(local.ss_family == AF_INET6 ? l6->sin6_port :
			      l4->sin_port);
	}
	r.server_port = lport;
	return cgi_env_build(env, &r);
}
