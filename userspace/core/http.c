// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Request -> response, with the shared parser and head builder: drives a
 * connection through head, body and send, answering pipelined requests one
 * after the other.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "fdcache.h"
#include "khttpdd.h"

/*
 * A body nobody read can be skipped to reach the next request only when its
 * end is known without decoding it (Content-Length, not chunked), it is no
 * larger than a body the core would have read (RequestMax), and the client
 * is not waiting for a 100 Continue it will not get (it may never send it).
 */
static bool body_skippable(const struct conn *c)
{
	const struct khttp_request *r = &c->req;

	return !(r->flags & (KHTTP_F_CHUNKED | KHTTP_F_EXPECT_CONTINUE)) &&
	       r->content_length <= c->cfg->request_max - r->head_len;
}

/*
 * A response is starting: if it answers before the body was read (an early
 * answer), it says "Connection: close" unless http_response_done() can skip
 * the body.
 */
static void http_settle_body(struct conn *c)
{
	if (c->body_unread && !body_skippable(c))
		c->keep_alive = false;
}

size_t http_head(struct conn *c, struct khttp_head *h)
{
	char extra[1024];

	h->extra = https_extra(c, h->extra, extra, sizeof(extra));
	http_settle_body(c);
	h->version = c->req.version ? c->req.version : 11;
	h->keep_alive = c->keep_alive;
	h->date = c->w->date;
	c->status = h->status;
	return khttp_head_build(c->w->scratch, sizeof(c->w->scratch), h);
}

/* The vhost's own page for status, sent with that status; false if none. */
static bool send_error_page(struct conn *c, int status, const char *extra)
{
	const struct vhost *vh = c->vhost;
	struct khttp_head h = { .status = status, .has_body_length = true,
				.extra = extra };
	struct fdcache_entry *f;
	size_t n;

	for (size_t i = 0; vh && i < vh->nerrpages; i++) {
		const char *path = vh->errpages[i].path;

		if (vh->errpages[i].status != status)
			continue;
		if (fdcache_get(c->w->fc, vh->docroot_fd, vh->docroot, path,
				c->w->now, &f))
			return false;
		if (!S_ISREG(f->st.st_mode)) {
			fdcache_put(c->w->fc, f);
			return false;
		}
		h.content_type = config_mime(c->cfg, path, strlen(path));
		h.content_length = (uint64_t)f->st.st_size;
		n = http_head(c, &h);
		if (!n) {
			fdcache_put(c->w->fc, f);
			return false;
		}
		if (c->head_only) {
			fdcache_put(c->w->fc, f);
			f = NULL;
		}
		conn_queue(c, c->w->scratch, n, NULL, 0, f, 0,
			   f ? h.content_length : 0);
		return true;
	}
	return false;
}

int http_send_error(struct conn *c, int status, const char *extra)
{
	char hsts[1024];
	size_t n;
	char *end;

	if (status >= 400 && !c->error_note)
		c->error_note = khttp_reason(status);
	if (send_error_page(c, status, extra))
		return KP_DONE;
	http_settle_body(c);
	c->status = status;
	n = khttp_error_build(c->w->scratch, sizeof(c->w->scratch), status,
			      c->req.version ? c->req.version : 11,
			      c->keep_alive, c->w->date,
			      https_extra(c, extra, hsts, sizeof(hsts)));
	if (!n) {
		c->closing = true;
		return KP_CLOSE;
	}
	end = memmem(c->w->scratch, n, "\r\n\r\n", 4);
	if (c->head_only && end)
		n = (size_t)(end - c->w->scratch) + 4;
	conn_queue(c, c->w->scratch, n, NULL, 0, NULL, 0, 0);
	if (end)
		c->hd_body = (uint32_t)(n - (size_t)(end + 4 - c->w->scratch));
	return KP_DONE;
}

int http_send_body(struct conn *c, int status, const char *content_type,
		   char *body, size_t len, const char *extra)
{
	struct khttp_head h = { .status = status, .has_body_length = true,
				.content_type = content_type,
				.content_length = len, .extra = extra };
	size_t n = http_head(c, &h);

	if (!n) {
		free(body);
		c->closing = true;
		return KP_CLOSE;
	}
	if (c->head_only) {
		free(body);
		body = NULL;
		len = 0;
	}
	conn_queue(c, c->w->scratch, n, body, len, NULL, 0, 0);
	return KP_DONE;
}

static void run_handler(struct conn *c, const struct khttpd_plugin *p)
{
	int rc = p->handle(c);

	if (rc == KP_CLOSE)
		c->closing = true;
	else if (rc == KP_CONTINUE && c->state != CONN_WRITE)
		static_serve(c);
}

/* Body for a handler: 1 complete, 0 need more, -1 answered with an error. */
static int http_read_body(struct conn *c)
{
	const struct khttp_request *r = &c->req;
	uint32_t max = c->cfg->request_max;

	if (!(r->flags & KHTTP_F_CHUNKED)) {
		if (r->content_length > max - r->head_len) {
			c->keep_alive = false;
			http_send_error(c, 413, NULL);
			return -1;
		}
		c->body_len = c->body_raw = (uint32_t)r->content_length;
		if (c->buf_len >= r->head_len + c->body_len) {
			c->body_unread = false;
			return 1;
		}
		while (c->buf_size < r->head_len + c->body_len)
			conn_grow(c, max);
		return 0;
	}
	for (;;) {
		char *in = c->buf + r->head_len + c->body_raw;
		size_t avail = c->buf_len - r->head_len - c->body_raw;
		size_t used, off, len;
		int rc = khttp_chunked_feed(&c->chunked, in, avail, &used,
					    &off, &len);

		if (rc == KHTTP_CHUNK_ERROR) {
			c->keep_alive = false;
			c->error_note = "malformed chunked body";
			http_send_error(c, 400, NULL);
			return -1;
		}
		/* Decoded data only ever moves left: compact in place. */
		if (rc == KHTTP_CHUNK_DATA)
			memmove(c->buf + r->head_len + c->body_len, in + off, len);
		c->body_len += rc == KHTTP_CHUNK_DATA ? (uint32_t)len : 0;
		c->body_raw += (uint32_t)used;
		if (rc == KHTTP_CHUNK_END) {
			c->body_unread = false;
			return 1;
		}
		if (rc == KHTTP_CHUNK_MORE || used == 0) {
			if (c->buf_len == c->buf_size && !conn_grow(c, max)) {
				c->keep_alive = false;
				http_send_error(c, 413, NULL);
				return -1;
			}
			return 0;
		}
	}
}

/* [TLS] RedirectHTTP: a plain request gets a 301 to the same URL in https. */
static void http_redirect_https(struct conn *c)
{
	const struct khttp_request *r = &c->req;
	char loc[WORKER_PATH_MAX + 512];
	size_t n = 0;

	if (r->host_name.len)
		n = https_location(loc + 10, sizeof(loc) - 12,
				   c->buf + r->host_name.off, r->host_name.len,
				   https_port(c->cfg), c->w->path,
				   c->buf + r->query.off, r->query.len);
	if (!n) {
		c->error_note = r->host_name.len ? "https redirect: URL too long" :
				"https redirect: the request names no Host";
		http_send_error(c, r->host_name.len ? 414 : 400, NULL);
		return;
	}
	memcpy(loc, "Location: ", 10);
	memcpy(loc + 10 + n, "\r\n", 3);
	http_send_error(c, 301, loc);
}

/*
 * The request in c->buf, from the client or an internal redirect
 * (conn_redirect): its vhost, path, plugins, handler or static file.
 */
static void http_route(struct conn *c)
{
	struct worker *w = c->w;
	const struct khttp_request *r = &c->req;
	const struct khttpd_plugin *handler;
	int n, rc;

	c->vhost = config_vhost(c->cfg, c->buf + r->host_name.off,
				 r->host_name.len);
	c->head_only = r->method == KHTTP_METHOD_HEAD;
	c->body_unread = r->flags & KHTTP_F_HAS_BODY;
	n = khttp_path_normalize(c->buf + r->path.off, r->path.len, w->path,
				 sizeof(w->path));
	if (n == KHTTP_E_URI_TOO_LONG) {	/* longer than any file name */
		c->error_note = "path longer than PATH_MAX";
		http_send_error(c, 404, NULL);
		return;
	}
	if (n < 0) {
		c->keep_alive = false;
		c->error_note = khttp_error_str(n);
		http_send_error(c, khttp_error_status(n), NULL);
		return;
	}
	/*
	 * A dotfile or dot-directory (.git/, .htpasswd; not /.well-known) is
	 * nobody's to serve, run, forward or cache: refused here, before any
	 * plugin, as the module refuses it.
	 */
	if (khttp_path_hidden(w->path, (size_t)n)) {
		c->error_note = "hidden path";
		http_send_error(c, 404, NULL);
		return;
	}
	if (!c->ssl && c->cfg->tls.redirect_http && https_port(c->cfg)) {
		http_redirect_https(c);
		return;
	}
	rc = plugins_on_request(c);
	if (rc == KP_CLOSE)
		c->closing = true;
	if (rc != KP_CONTINUE)
		return;
	handler = vhost_handler(c->vhost, w->path);
	if (handler) {
		if ((r->flags & KHTTP_F_HAS_BODY) && !handler->handle_reads_body) {
			c->handler = handler;
			c->state = CONN_READ_BODY;
			c->deadline = w->now + c->cfg->body_timeout;
			khttp_chunked_init(&c->chunked);
			if (r->flags & KHTTP_F_EXPECT_CONTINUE)
				conn_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
			return;
		}
		run_handler(c, handler);
		return;
	}
	if ((r->flags & KHTTP_F_HAS_BODY) ||
	    (r->method != KHTTP_METHOD_GET && r->method != KHTTP_METHOD_HEAD)) {
		http_send_error(c, 405, "Allow: GET, HEAD\r\n");
		return;
	}
	static_serve(c);
}

/* A client's request: counted, under the current config, then routed. */
static void http_dispatch(struct conn *c)
{
	struct worker *w = c->w;

	c->nrequests++;
	atomic_fetch_add_explicit(&w->stats.requests, 1, memory_order_relaxed);
	if (c->cfg != w->cfg) {	/* reloaded: the next request sees it */
		config_put(c->cfg);
		c->cfg = config_get(w->cfg);
	}
	c->keep_alive = (c->req.flags & KHTTP_F_KEEP_ALIVE) && !w->draining &&
			c->nrequests < c->cfg->keepalive_max;
	http_route(c);
}

/* The connection waits for the next head (maybe already buffered). */
static void http_next_head(struct conn *c)
{
	struct worker *w = c->w;

	c->state = CONN_READ_HEAD;
	c->header_started = c->buf_len > 0;
	c->deadline = w->now + (c->buf_len ? c->cfg->header_timeout :
				c->cfg->keepalive_timeout);
	if (w->draining && !c->buf_len)
		c->closing = true;
}

/* CONN_SKIP_BODY: discard what arrived; true once the body is all gone. */
static bool http_skip_body(struct conn *c)
{
	uint32_t n = c->buf_len < c->skip_left ? c->buf_len :
		     (uint32_t)c->skip_left;

	c->buf_len -= n;
	memmove(c->buf, c->buf + n, c->buf_len);
	c->skip_left -= n;
	if (c->skip_left)
		return false;
	http_next_head(c);
	return true;
}

void http_response_done(struct conn *c)
{
	struct worker *w = c->w;
	uint32_t used = c->req.head_len + c->body_raw;

	if (c->status >= 100 && c->status < 600)
		atomic_fetch_add_explicit(&w->stats.status[c->status], 1,
					  memory_order_relaxed);
	plugins_on_response(c);
	conn_reset_response(c);
	/* Whoever built the head: an unread body is skipped or we close. */
	if (c->body_unread && !body_skippable(c))
		c->keep_alive = false;
	if (!c->keep_alive || c->req.head_len == 0) {
		/*
		 * Nothing unread, and the socket was empty at the last read:
		 * a close cannot turn into a reset, so there is no need to
		 * linger (nginx's lingering_close "on" decides the same way).
		 */
		if (!c->body_unread && c->buf_len == used && c->drained &&
		    c->req.head_len) {
			c->closing = true;	/* conn_close sends close_notify */
			return;
		}
		conn_linger(c);
		return;
	}
	c->skip_left = 0;
	if (c->body_unread) {	/* skipped from the end of the head */
		uint32_t avail = c->buf_len - c->req.head_len;

		c->skip_left = c->req.content_length;
		if (avail > c->skip_left)
			avail = (uint32_t)c->skip_left;
		used = c->req.head_len + avail;
		c->skip_left -= avail;
	}
	/* Pipelined bytes move to the front; a grown buffer shrinks back. */
	c->buf_len -= used;
	memmove(c->buf, c->buf + used, c->buf_len);
	if (c->buf != c->inline_buf && c->buf_len <= CONN_INLINE_SIZE) {
		memcpy(c->inline_buf, c->buf, c->buf_len);
		free(c->buf);
		c->buf = c->inline_buf;
		c->buf_size = CONN_INLINE_SIZE;
	}
	khttp_request_init(&c->req);
	c->status = 0;
	c->body_bytes = 0;
	c->body_len = c->body_raw = 0;
	c->body_unread = false;
	c->handler = NULL;
	c->redirects = 0;
	free(c->client_line);
	c->client_line = NULL;
	c->head_only = false;
	c->remote_user = NULL;
	c->error_note = NULL;
	c->vhost = NULL;
	if (c->skip_left) {
		/* the whole exchange, not each read, is bounded */
		c->state = CONN_SKIP_BODY;
		c->header_started = false;
		c->deadline = w->now + c->cfg->body_timeout;
		return;
	}
	http_next_head(c);
}

void http_process(struct conn *c)
{
	int rc;

	while (!c->closing) {
		switch (c->state) {
		case CONN_WRITE:
			rc = conn_flush(c);
			if (rc < 0) {
				c->closing = true;
				return;
			}
			if (rc == 0) {
				conn_arm(c, EPOLLOUT);
				return;
			}
			http_response_done(c);
			break;
		case CONN_READ_BODY:
			rc = http_read_body(c);
			if (rc == 1)
				run_handler(c, c->handler);
			if (rc == 0) {
				conn_arm(c, EPOLLIN);
				return;
			}
			break;
		case CONN_SKIP_BODY:
			if (!http_skip_body(c)) {
				conn_arm(c, EPOLLIN);
				return;
			}
			break;
		case CONN_REDIRECT:	/* keep_alive stays the client's */
			c->state = CONN_READ_HEAD;
			http_route(c);
			break;
		case CONN_PLUGIN:
			return;	/* conn_resume() brings it back */
		case CONN_LINGER:
			return;
		case CONN_READ_HEAD:
			if (!c->buf_len) {
				conn_arm(c, EPOLLIN);
				return;
			}
			rc = khttp_parse(&c->req, &c->cfg->limits, c->buf,
					 c->buf_len);
			if (rc == KHTTP_AGAIN) {
				if (c->buf_len == c->buf_size)
					conn_grow(c, c->cfg->limits.head_max);
				conn_arm(c, EPOLLIN);
				return;
			}
			if (rc == KHTTP_DONE) {
				http_dispatch(c);
				break;
			}
			c->keep_alive = false;
			c->error_note = khttp_error_str(rc);
			http_send_error(c, khttp_error_status(rc),
					rc == KHTTP_E_METHOD_NOT_ALLOWED ?
					"Allow: GET, HEAD\r\n" : NULL);
			break;
		}
	}
}
