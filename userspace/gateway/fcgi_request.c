// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * FastCGI requests (see fcgi_request.h): the gateway backend of the
 * fastcgi plugin, here so that the plugin holds only its config and hooks.
 * The records owed to the app and the bytes read from it are buffered per
 * request; fcgi.c encodes and decodes them, fcgi_pool.c provides the
 * connection.
 */
#define _GNU_SOURCE
#include "fcgi_request.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi.h"

#define FCGI_ID 1

/* One request on one app connection. */
struct fcgi_req {
	struct gw_job *j;
	const struct fcgi_server *srv;
	struct worker *w;
	struct evsource ev;
	bool connecting, ended, paused, reused;
	uint32_t events;
	struct fcgi_decoder dec;
	char *wbuf;			/* records owed to the app */
	size_t wlen, woff;
	bool body_waiting;		/* gw_body_ready() once wbuf drains */
	char *rbuf;			/* app bytes not yet decoded */
	size_t rlen, roff;
	char err_line[512];		/* STDERR, logged line by line */
	size_t err_len;
	unsigned err_lines;		/* logged so far, up to ERR_LINES_MAX */
};

/* A request's STDERR lines that reach the log; the rest are dropped. */
#define ERR_LINES_MAX 32

static void fcgi_req_free(void *p)
{
	struct fcgi_req *r = p;

	free(r->wbuf);
	free(r->rbuf);
	free(r);
}

static void fcgi_watch(struct fcgi_req *r)
{
	uint32_t ev = 0;

	if (r->ev.fd < 0)
		return;
	if (r->connecting || r->woff < r->wlen)
		ev |= EPOLLOUT;
	if (!r->connecting && !r->paused)
		ev |= EPOLLIN;
	if (ev != r->events && !worker_watch_mod(r->w, &r->ev, ev))
		r->events = ev;
}

/* Append raw bytes to the records owed to the app. */
static bool fcgi_append(struct fcgi_req *r, const void *p, size_t n)
{
	char *nb;

	if (!n)
		return true;
	if (r->woff == r->wlen)
		r->woff = r->wlen = 0;
	nb = realloc(r->wbuf, r->wlen + n);
	if (!nb)
		return false;
	r->wbuf = nb;
	memcpy(r->wbuf + r->wlen, p, n);
	r->wlen += n;
	return true;
}

/* Append one record (content longer than a record is split). */
static bool fcgi_put_record(struct fcgi_req *r, uint8_t type, const char *p,
			    size_t n)
{
	static const uint8_t zeros[8];

	do {
		uint16_t part = n > 65528 ? 65528 : (uint16_t)n;
		uint8_t hdr[FCGI_HEADER_LEN];

		fcgi_header(hdr, type, FCGI_ID, part);
		if (!fcgi_append(r, hdr, sizeof(hdr)) ||
		    !fcgi_append(r, p, part) ||
		    !fcgi_append(r, zeros, fcgi_padding(part)))
			return false;
		p += part;
		n -= part;
	} while (n);
	return true;
}

/* An app's STDERR, logged line by line: a flood must not fill the log. */
static void fcgi_stderr(struct fcgi_req *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n && r->err_lines <= ERR_LINES_MAX; i++) {
		if (p[i] == '\n' || r->err_len == sizeof(r->err_line) - 1) {
			r->err_line[r->err_len] = '\0';
			if (r->err_len && ++r->err_lines > ERR_LINES_MAX)
				log_msg("fastcgi %s: stderr beyond %d lines dropped",
					r->srv->name, ERR_LINES_MAX);
			else if (r->err_len)
				log_msg("fastcgi %s: %s", r->srv->name, r->err_line);
			r->err_len = 0;
			if (p[i] == '\n')
				continue;
		}
		r->err_line[r->err_len++] = p[i];
	}
}

/* Decode what was read; false when output paused or the request is over. */
static bool fcgi_decode_some(struct fcgi_req *r)
{
	while (r->roff < r->rlen && r->j) {
		size_t used, off = 0, len = 0;
		int ev = fcgi_decode(&r->dec, (uint8_t *)r->rbuf + r->roff,
				     r->rlen - r->roff, &used, &off, &len);
		const char *data = r->rbuf + r->roff + off;

		r->roff += used;
		switch (ev) {
		case FCGI_EV_STDOUT:
			if (!gw_output(r->j, data, len)) {
				r->paused = true;
				return false;
			}
			break;
		case FCGI_EV_STDERR:
			fcgi_stderr(r, data, len);
			break;
		case FCGI_EV_END:
			r->ended = true;
			if (r->err_len)
				fcgi_stderr(r, "\n", 1);
			if (r->dec.protocol_status != FCGI_REQUEST_COMPLETE) {
				gw_fail(r->j, r->dec.protocol_status ==
					FCGI_OVERLOADED ? 503 : 502,
					"app server refused the request");
				return false;
			}
			/* the app failed: what it sent may be cut short */
			if (r->dec.app_status) {
				gw_fail(r->j, 502, "app ended with a non-zero status");
				return false;
			}
			/* bytes after END: the connection cannot be reused */
			if (r->roff < r->rlen)
				r->reused = false;
			gw_output_end(r->j);
			return false;
		case FCGI_EV_ERROR:
			gw_fail(r->j, 502, r->dec.error);
			return false;
		default:
			break;
		}
	}
	r->roff = r->rlen = 0;
	return true;
}

static void fcgi_read(struct fcgi_req *r)
{
	while (r->j && !r->paused && !r->ended) {
		ssize_t n;

		if (!r->rbuf && !(r->rbuf = malloc(GW_BUF))) {
			gw_fail(r->j, 500, "out of memory");
			return;
		}
		n = recv(r->ev.fd, r->rbuf, GW_BUF, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			gw_fail(r->j, 502, n ? "app server connection failed" :
				"app server closed the connection mid-request");
			return;
		}
		gw_touch(r->j);
		r->rlen = (size_t)n;
		r->roff = 0;
		if (!fcgi_decode_some(r))
			return;
	}
}

static void fcgi_write(struct fcgi_req *r)
{
	while (r->woff < r->wlen) {
		ssize_t n = send(r->ev.fd, r->wbuf + r->woff, r->wlen - r->woff,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			gw_fail(r->j, 502, "app server connection failed");
			return;
		}
		r->woff += (size_t)n;
	}
	if (r->body_waiting && r->j) {
		r->body_waiting = false;
		gw_body_ready(r->j);
	}
}

static void fcgi_event(struct evsource *src, uint32_t events)
{
	struct fcgi_req *r = (struct fcgi_req *)((char *)src -
						 offsetof(struct fcgi_req, ev));

	if (!r->j)
		return;	/* released: waiting to be freed */
	if (r->connecting) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(r->ev.fd, SOL_SOCKET, SO_ERROR, &err, &len) ||
		    err) {
			log_msg("fastcgi: cannot connect to %s: %s",
				r->srv->name, strerror(err ? err : errno));
			gw_fail(r->j, 502, "app server unreachable");
			return;
		}
		r->connecting = false;
	}
	if (events & EPOLLOUT)
		fcgi_write(r);
	if (r->j && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		fcgi_read(r);
	if (r->j)
		fcgi_watch(r);
}

ssize_t fcgi_request_body(struct gw_job *j, const char *p, size_t n)
{
	struct fcgi_req *r = j->backend;

	if (r->wlen - r->woff >= GW_BUF) {
		r->body_waiting = true;
		return 0;
	}
	if (n > GW_BUF)
		n = GW_BUF;
	if (!fcgi_put_record(r, FCGI_STDIN, p, n)) {
		gw_fail(j, 500, "out of memory");
		return -1;
	}
	if (!r->connecting)
		fcgi_write(r);
	if (r->j)
		fcgi_watch(r);
	return r->j ? (ssize_t)n : -1;
}

void fcgi_request_body_end(struct gw_job *j)
{
	struct fcgi_req *r = j->backend;

	if (!fcgi_put_record(r, FCGI_STDIN, NULL, 0)) {
		gw_fail(j, 500, "out of memory");
		return;
	}
	if (!r->connecting)
		fcgi_write(r);
	if (r->j)
		fcgi_watch(r);
}

void fcgi_request_output_ready(struct gw_job *j)
{
	struct fcgi_req *r = j->backend;

	r->paused = false;
	if (fcgi_decode_some(r))
		fcgi_read(r);
	if (r->j)
		fcgi_watch(r);
}

void fcgi_request_release(struct gw_job *j, bool ok)
{
	struct fcgi_req *r = j->backend;

	if (!r)
		return;
	j->backend = NULL;
	r->j = NULL;
	if (r->ev.fd >= 0) {
		worker_unwatch(r->w, &r->ev);
		/* only a connection that finished its request cleanly */
		if (ok && r->ended && r->srv->keep_conn && r->reused &&
		    r->woff == r->wlen)
			fcgi_pool_put(r->srv, r->ev.fd);
		else
			close(r->ev.fd);
		r->ev.fd = -1;
	}
	worker_defer_free(r->w, r, fcgi_req_free);
}

/* BEGIN_REQUEST and PARAMS, then connect. */
int fcgi_request_start(struct gw_job *j, const struct fcgi_server *srv,
		       const struct gw_script *s)
{
	struct fcgi_req *r = calloc(1, sizeof(*r));
	uint8_t begin[16], *pairs = NULL;
	size_t plen = 0, off = 0;
	struct cgi_env env;

	if (!r)
		return 500;
	r->srv = srv;
	r->w = j->w;
	r->ev.fd = -1;
	r->ev.cb = fcgi_event;
	r->reused = srv->keep_conn;
	fcgi_decoder_init(&r->dec, FCGI_ID);
	if (gw_env(j, s, &env)) {
		free(r);
		return 500;
	}
	pairs = malloc(env.len + 8 * env.count + 1);
	for (size_t i = 0; pairs && i < env.count; i++) {
		const char *e = env.buf + off, *eq = strchr(e, '=');
		size_t elen = strlen(e);

		fcgi_pair_put(pairs, env.len + 8 * env.count, &plen, e,
			      (size_t)(eq - e), eq + 1, elen - (size_t)(eq - e) - 1);
		off += elen + 1;
	}
	cgi_env_free(&env);
	fcgi_begin_request(begin, FCGI_ID, srv->keep_conn);
	if (!pairs || !fcgi_append(r, begin, sizeof(begin)) ||
	    !fcgi_put_record(r, FCGI_PARAMS, (char *)pairs, plen) ||
	    !fcgi_put_record(r, FCGI_PARAMS, NULL, 0)) {
		free(pairs);
		fcgi_req_free(r);
		return 500;
	}
	free(pairs);

	r->ev.fd = fcgi_pool_connect(srv, &r->connecting);
	if (r->ev.fd < 0) {
		fcgi_req_free(r);
		return 502;
	}
	r->j = j;
	j->backend = r;
	r->events = EPOLLOUT;
	if (worker_watch(r->w, &r->ev, EPOLLOUT)) {
		close(r->ev.fd);
		r->ev.fd = -1;
		return 500;	/* gw_fail() releases r */
	}
	return 0;
}
