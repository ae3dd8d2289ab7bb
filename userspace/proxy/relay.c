// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The relay of a proxy session (see session.h): request body bytes to the
 * backend, re-framed; the backend's response checked, framed for the
 * client and, when cacheable, copied for the cache; backpressure both
 * ways through the bounded buffers.
 */
#define _GNU_SOURCE
#include "session.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "core/monotonic.h"

static bool dn_reserve(struct proxy_session *s, size_t more)
{
	size_t cap = s->dn_cap ? s->dn_cap : 4096;
	char *n;

	if (s->dn_len + more <= s->dn_cap)
		return true;
	while (cap < s->dn_len + more)
		cap *= 2;
	n = realloc(s->dn, cap);
	if (!n)
		return false;
	s->dn = n;
	s->dn_cap = cap;
	return true;
}

static bool dn_add(struct proxy_session *s, const char *d, size_t n)
{
	if (!dn_reserve(s, n))
		return false;
	memcpy(s->dn + s->dn_len, d, n);
	s->dn_len += n;
	return true;
}

/* Body data for the client, framed as it was announced. */
static bool dn_data(struct proxy_session *s, const char *d, size_t n)
{
	char hdr[20];

	if (!n)
		return true;
	s->body_sent += n;
	if (!s->out_chunked)
		return dn_add(s, d, n);
	return dn_add(s, hdr, proxy_chunk_header(hdr, n)) && dn_add(s, d, n) &&
	       dn_add(s, "\r\n", 2);
}

void proxy_relay_arm_client(struct proxy_session *s)
{
	uint32_t ev = 0;

	if (s->finishing || s->dn_off < s->dn_len)
		ev |= EPOLLOUT;
	else if (s->phase == PH_ACTIVE && !s->req_done && s->up_off == s->up_len)
		ev |= EPOLLIN;
	conn_arm(s->c, ev);
}

void proxy_relay_arm_backend(struct proxy_session *s)
{
	uint32_t ev = 0;

	if (s->bev.fd < 0)
		return;
	if (s->phase == PH_CONNECT || s->up_off < s->up_len)
		ev |= EPOLLOUT;
	if (s->phase == PH_ACTIVE && !s->resp_done && s->dn_off == s->dn_len)
		ev |= EPOLLIN | EPOLLRDHUP;
	if (ev != s->bev_events && !worker_watch_mod(s->pw->w, &s->bev, ev))
		s->bev_events = ev;
}

/* Move client body bytes (buffered or read now) into s->up, re-framed. */
static int pull_client_body(struct proxy_session *s)
{
	struct conn *c = s->c;
	size_t head = c->req.head_len;

	if (s->raw_off == c->buf_len) {
		size_t want;
		ssize_t n;

		/* everything buffered is forwarded: reuse the space */
		c->buf_len = (uint32_t)head;
		s->raw_off = head;
		if (c->buf_size < head + CLIENT_BODY_READ)
			conn_grow(c, (uint32_t)(head + CLIENT_BODY_READ));
		want = c->buf_size - c->buf_len;
		if (!s->req_chunked && want > s->req_left)
			want = (size_t)s->req_left;
		if (!want)
			return 0;
		n = conn_recv(c, c->buf + c->buf_len, want);
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -1;
		if (n == 0)
			return -1;	/* the client left mid-body */
		c->buf_len += (uint32_t)n;
	}
	s->up_len = s->up_off = 0;
	if (!s->req_chunked) {
		size_t n = c->buf_len - s->raw_off;

		if (n > s->req_left)
			n = (size_t)s->req_left;
		if (n > UP_CAP)
			n = UP_CAP;
		memcpy(s->up, c->buf + s->raw_off, n);
		s->up_len = n;
		s->raw_off += n;
		s->req_left -= n;
		s->body_started |= n > 0;
		s->req_done = s->req_left == 0;
		return 1;
	}
	while (s->raw_off < c->buf_len && s->up_len + 64 < UP_CAP) {
		size_t avail = c->buf_len - s->raw_off, used, off, len;
		size_t room = UP_CAP - s->up_len - 32;
		int rc;

		if (avail > room)
			avail = room;
		rc = khttp_chunked_feed(&s->req_ck, c->buf + s->raw_off, avail,
					&used, &off, &len);
		if (rc == KHTTP_CHUNK_ERROR)
			return -2;
		s->body_started = true;
		if (rc == KHTTP_CHUNK_DATA && len) {
			s->up_len += proxy_chunk_header(s->up + s->up_len, len);
			memcpy(s->up + s->up_len, c->buf + s->raw_off + off, len);
			s->up_len += len;
			memcpy(s->up + s->up_len, "\r\n", 2);
			s->up_len += 2;
		}
		s->raw_off += used;
		if (rc == KHTTP_CHUNK_END) {
			memcpy(s->up + s->up_len, "0\r\n\r\n", 5);
			s->up_len += 5;
			s->req_done = true;
			break;
		}
		if (rc == KHTTP_CHUNK_MORE || !used)
			break;
	}
	return 1;
}

/* The response head arrived: choose the framing, queue the client head. */
static int start_response(struct proxy_session *s)
{
	struct conn *c = s->c;
	struct proxy_resp *r = &s->resp;
	bool v10 = c->req.version == 10;
	char *head;
	size_t len;

	if (proxy_response_bodyless(r->status, c->head_only))
		s->frame = FR_NONE;
	else if (r->chunked)
		s->frame = FR_CHUNKED;
	else if (r->has_length)
		s->frame = FR_LENGTH;
	else
		s->frame = FR_CLOSE;
	s->resp_left = r->content_length;
	khttp_chunked_init(&s->resp_ck);
	s->out_chunked = !v10 && (s->frame == FR_CHUNKED || s->frame == FR_CLOSE);
	s->client_keep_alive = c->keep_alive && s->req_done &&
			       !(v10 && (s->frame == FR_CHUNKED ||
					 s->frame == FR_CLOSE));
	s->backend_reusable = r->keep_alive && s->frame != FR_CLOSE;
	head = proxy_build_response(r, proxy_via_token, s->out_chunked,
				    s->client_keep_alive, c->req.version, &len);
	if (!head)
		return -1;
	if (!dn_add(s, head, len)) {
		free(head);
		return -1;
	}
	free(head);
	if (s->ckey && !c->head_only &&
	    ((s->frame == FR_LENGTH && r->content_length <= s->cache_max) ||
	     s->frame == FR_CHUNKED) &&
	    (s->cttl = proxy_response_ttl(r, s->credentials, s->cmeta.vary,
					  sizeof(s->cmeta.vary)))) {
		size_t fl, first;
		char *fields = proxy_cached_fields(r, s->cmeta.ctype,
						   sizeof(s->cmeta.ctype), &fl);

		/* chunked: the length shows at the end; grow up to the limit */
		first = s->frame == FR_LENGTH ? (size_t)r->content_length :
			s->cache_max < 65536 ? s->cache_max : 65536;
		s->cbuf = fields ? malloc(fl + first + 1) : NULL;
		if (s->cbuf) {
			memcpy(s->cbuf, fields, fl);
			s->cbuf_len = fl;
			s->cbuf_cap = fl + first;
			s->cbuf_limit = fl + s->cache_max;
			s->cmeta.fields_len = (uint32_t)fl;
			s->cmeta.status = r->status;
		}
		free(fields);
	}
	c->status = r->status;
	s->head_done = true;
	s->deadline = monotonic_ms() + (int64_t)s->pe->set.io_timeout * 1000;
	s->timeout_status = 0;
	if (s->frame == FR_NONE || (s->frame == FR_LENGTH && !s->resp_left))
		s->resp_done = true;
	return 0;
}

/* Body bytes for the cache copy; past MaxFileSize the copy is dropped. */
static void cache_add(struct proxy_session *s, const char *d, size_t n)
{
	if (!s->cbuf)
		return;
	if (s->cbuf_len + n > s->cbuf_cap) {
		size_t cap = s->cbuf_cap * 2;
		char *nb;

		if (cap < s->cbuf_len + n)
			cap = s->cbuf_len + n;
		if (cap > s->cbuf_limit)
			cap = s->cbuf_limit;
		nb = s->cbuf_len + n <= cap ? realloc(s->cbuf, cap + 1) : NULL;
		if (!nb) {
			free(s->cbuf);
			s->cbuf = NULL;
			return;
		}
		s->cbuf = nb;
		s->cbuf_cap = cap;
	}
	memcpy(s->cbuf + s->cbuf_len, d, n);
	s->cbuf_len += n;
}

/* Turn s->rb into client bytes: -1 bad response (close), 0 ok. */
static int process_backend_bytes(struct proxy_session *s)
{
	size_t used = 0;

	while (!s->head_done) {
		int rc = proxy_parse_response(s->rb, s->rb_len, &s->resp);

		if (rc == KHTTP_AGAIN)
			return 0;
		if (rc < 0)
			return -1;
		if (s->resp.status >= 100 && s->resp.status < 200) {
			/* interim (100 Continue): not for the client */
			if (s->resp.status == 101)
				return -1;
			memmove(s->rb, s->rb + s->resp.head_len,
				s->rb_len - s->resp.head_len);
			s->rb_len -= s->resp.head_len;
			proxy_resp_free(&s->resp);
			continue;
		}
		used = s->resp.head_len;
		if (start_response(s))
			return -1;
	}
	while (used < s->rb_len && !s->resp_done) {
		const char *in = s->rb + used;
		size_t avail = s->rb_len - used, n, off, len;
		int rc;

		switch (s->frame) {
		case FR_LENGTH:
			n = avail < s->resp_left ? avail : (size_t)s->resp_left;
			if (!dn_data(s, in, n))
				return -1;
			cache_add(s, in, n);
			used += n;
			s->resp_left -= n;
			s->resp_done = !s->resp_left;
			break;
		case FR_CLOSE:
			if (!dn_data(s, in, avail))
				return -1;
			used += avail;
			break;
		case FR_CHUNKED:
			rc = khttp_chunked_feed(&s->resp_ck, in, avail, &n, &off,
						&len);
			if (rc == KHTTP_CHUNK_ERROR ||
			    (rc == KHTTP_CHUNK_DATA && !dn_data(s, in + off, len)))
				return -1;
			if (rc == KHTTP_CHUNK_DATA)
				cache_add(s, in + off, len);
			used += n;
			if (rc == KHTTP_CHUNK_END) {
				s->resp_done = true;
				if (s->out_chunked && !dn_add(s, "0\r\n\r\n", 5))
					return -1;
			}
			break;
		case FR_NONE:
			s->resp_done = true;
			break;
		}
	}
	/* bytes past the end of the response: the backend is out of step */
	if (used < s->rb_len)
		s->backend_reusable = false;
	s->rb_len = 0;
	return 0;
}

/*
 * The backend closed: true when that ends an until-close body (the
 * response is complete), false when the response was cut short.
 */
static bool backend_eof_ends_body(struct proxy_session *s)
{
	if (!s->head_done || s->frame != FR_CLOSE)
		return false;
	s->resp_done = true;
	s->backend_reusable = false;
	return !s->out_chunked || dn_add(s, "0\r\n\r\n", 5);
}

bool proxy_relay_pump(struct proxy_session *s)
{
	struct conn *c = s->c;
	bool progress = true;

	while (progress && !s->finishing) {
		progress = false;
		if (s->phase == PH_ACTIVE && s->up_off < s->up_len) {
			ssize_t n = send(s->bev.fd, s->up + s->up_off,
					 s->up_len - s->up_off, MSG_NOSIGNAL);

			if (n > 0) {
				s->up_off += (size_t)n;
				progress = true;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				proxy_session_fail_backend(s);
				return false;
			}
		}
		if (s->phase == PH_ACTIVE && s->up_off == s->up_len && !s->req_done) {
			int rc = pull_client_body(s);

			if (rc == -2) {
				c->error_note = "malformed chunked body";
				s->backend_reusable = false;
				proxy_session_end(s, s->head_done ? -1 : 400);
				return false;
			}
			if (rc < 0) {
				c->error_note = "client left during the body";
				proxy_session_end(s, -1);
				return false;
			}
			progress |= rc > 0 && s->up_len > 0;
		}
		if (s->dn_off < s->dn_len) {
			ssize_t n = conn_send(c, s->dn + s->dn_off,
					      s->dn_len - s->dn_off);

			if (n > 0) {
				s->dn_off += (size_t)n;
				progress = true;
				if (s->head_done)
					s->deadline = monotonic_ms() +
						(int64_t)s->pe->set.io_timeout * 1000;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				c->error_note = "client left during the response";
				proxy_session_end(s, -1);
				return false;
			}
			if (s->dn_off == s->dn_len)
				s->dn_off = s->dn_len = 0;
		}
		if (s->phase == PH_ACTIVE && !s->resp_done && s->dn_len == 0) {
			ssize_t n = recv(s->bev.fd, s->rb + s->rb_len,
					 RB_CAP - s->rb_len, 0);

			if (n > 0) {
				s->rb_len += (size_t)n;
				progress = true;
				if (s->head_done)
					s->deadline = monotonic_ms() +
						(int64_t)s->pe->set.io_timeout * 1000;
				if (process_backend_bytes(s)) {
					c->error_note = "bad response from the backend";
					s->backend_reusable = false;
					proxy_session_end(s, s->head_done ? -1 : 502);
					return false;
				}
				if (!s->head_done && s->rb_len == RB_CAP) {
					c->error_note = "backend response head too large";
					proxy_session_end(s, 502);
					return false;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				if (n == 0 && backend_eof_ends_body(s)) {
					progress = true;
				} else {
					c->error_note = "backend closed early";
					proxy_session_fail_backend(s);
					return false;
				}
			}
		}
	}
	if (s->finishing)
		return false;
	if (s->resp_done && s->dn_len == 0) {
		if (s->cbuf)	/* the whole body arrived (resp_done) */
			proxy_cache_put(c, s->cache, s->ckey, s->ckey_len,
					&s->cmeta, s->cbuf, s->cbuf_len, s->cttl);
		/* complete: keep the backend if it is in step */
		if (s->backend_reusable && s->req_done && s->up_off == s->up_len &&
		    s->pe->set.pool_size > 0) {
			int fd = s->bev.fd;

			if (s->counted)
				balancer_conn_end(s->be);
			s->counted = false;
			s->bev.fd = -1;
			proxy_pool_put(&s->pw->pool, fd, s->be, s->pe->set.pool_size);
		}
		proxy_session_end(s, 0);
		return false;
	}
	proxy_relay_arm_backend(s);
	proxy_relay_arm_client(s);
	return true;
}
