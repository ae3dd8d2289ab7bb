// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Connection lifecycle: one allocation holds the state and the first
 * request buffer; the buffer grows (doubling, up to RequestMax) only for
 * heads or bodies that do not fit, and shrinks back when the request is
 * done. Responses go out with sendmsg (head + small body, or head + a
 * small file held by the open-file cache) and sendfile, or through the TLS record layer (tls.c) on an HTTPS connection: every
 * byte to or from the client passes conn_send/conn_recv/conn_sendfile.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdcache.h"
#include "khttpdd.h"


static void conn_event(struct evsource *src, uint32_t events);
static void conn_read(struct conn *c);

void conn_arm(struct conn *c, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = &c->ev };

	/* input OpenSSL already holds will never make the fd readable */
	if ((events & EPOLLIN) && tls_pending(c))
		worker_tls_ready(c);
	if (c->watched && c->events == events)
		return;
	/* A connection joins the epoll set only when it first has to wait. */
	if (epoll_ctl(c->w->epfd, c->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
		      c->ev.fd, &ev)) {
		c->closing = true;
		return;
	}
	c->watched = true;
	c->events = events;
}

ssize_t conn_recv(struct conn *c, void *buf, size_t len)
{
	ssize_t n;

	if (!c->ssl)
		return recv(c->ev.fd, buf, len, 0);
	n = tls_recv(c, buf, len);
	if (n > 0 && tls_pending(c))
		worker_tls_ready(c);
	return n;
}

ssize_t conn_send(struct conn *c, const void *buf, size_t len)
{
	if (c->ssl)
		return tls_send(c, buf, len);
	return send(c->ev.fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static ssize_t conn_sendfile(struct conn *c, int fd, off_t *off, size_t len)
{
	if (c->ssl)
		return tls_sendfile(c, fd, off, len);
	return sendfile(c->ev.fd, fd, off, len);
}

/* Head and body: one sendmsg in the clear, one record after another in TLS. */
/*
 * In TLS, parts that fit one record (a head and a small file) are written
 * as one: one record and one system call instead of one per part.
 */
static ssize_t conn_sendv(struct conn *c, struct msghdr *mh, bool more)
{
	if (c->ssl) {
		char rec[TLS_RECORD_MAX];
		size_t len = 0, i;

		for (i = 0; i < mh->msg_iovlen; i++) {
			if (len + mh->msg_iov[i].iov_len > sizeof(rec))
				break;
			memcpy(rec + len, mh->msg_iov[i].iov_base,
			       mh->msg_iov[i].iov_len);
			len += mh->msg_iov[i].iov_len;
		}
		if (i < 2)	/* the first part alone fills a record */
			return tls_send(c, mh->msg_iov[0].iov_base,
					mh->msg_iov[0].iov_len);
		return tls_send(c, rec, len);
	}
	/* MSG_MORE: head and file leave in full segments (like TCP_CORK). */
	return sendmsg(c->ev.fd, mh, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
}

void conn_shutdown(struct conn *c)
{
	if (c->ssl)
		tls_shutdown(c);
	shutdown(c->ev.fd, SHUT_RDWR);
}

void conn_adopt(struct worker *w, int fd, const struct sockaddr *peer,
		socklen_t peerlen, const char *bytes, size_t len, bool tls)
{
	struct conn *c;
	uint32_t size = CONN_INLINE_SIZE;

	if (len > size)
		size = (uint32_t)len;
	c = calloc(1, sizeof(*c) + size);
	if (!c) {
		close(fd);
		return;
	}
	c->ev.fd = fd;
	c->ev.cb = conn_event;
	c->w = w;
	c->cfg = config_get(w->cfg);
	if (peerlen > sizeof(c->peer))
		peerlen = sizeof(c->peer);
	memcpy(&c->peer, peer, peerlen);
	c->buf = c->inline_buf;
	c->buf_size = size;
	if (len)	/* accepted here: no bytes yet (bytes NULL) */
		memcpy(c->buf, bytes, len);
	c->buf_len = (uint32_t)len;
	/* A fresh connection owes us a head: the shorter header timeout. */
	c->deadline = w->now + c->cfg->header_timeout;
	khttp_request_init(&c->req);

	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	atomic_fetch_add(&w->nconns, 1);
	atomic_fetch_add_explicit(&w->stats.accepted, 1, memory_order_relaxed);

	if ((tls && tls_accept(c)) || plugins_on_accept(c) != KP_CONTINUE) {
		conn_close(c);
		return;
	}
	if (tls) {
		conn_arm(c, EPOLLIN);	/* the ClientHello */
	} else if (len) {
		c->header_started = true;
		http_process(c);
	} else {
		/*
		 * TCP_DEFER_ACCEPT: the request is usually here already, so
		 * read before waiting for it (an empty read costs what an
		 * epoll_ctl and an epoll_wait would).
		 */
		conn_read(c);
		if (c->closing && c->buf_len)
			c->closing = false;	/* answer it, as conn_event does */
		if (!c->closing)
			http_process(c);
	}
	if (c->closing)
		conn_close(c);
}

void conn_reset_response(struct conn *c)
{
	free(c->bd);
	c->bd = NULL;
	c->hd = NULL;
	c->hd_len = c->hd_off = c->bd_len = c->bd_off = c->hd_body = 0;
	if (c->file)
		fdcache_put(c->w->fc, c->file);
	c->file = NULL;
	c->file_off = c->file_end = 0;
}

void conn_close(struct conn *c)
{
	struct worker *w = c->w;

	plugins_on_close(c);
	conn_reset_response(c);
	if (c->ssl)
		tls_close(c);
	if (c->tls_queued)
		worker_tls_unready(c);
	/*
	 * Leave the epoll set explicitly: close() alone does not while a CGI
	 * child forked meanwhile still holds a copy of the fd, and a later
	 * event would then name the freed conn.
	 */
	if (c->watched)
		worker_unwatch(w, &c->ev);
	close(c->ev.fd);
	if (c->buf != c->inline_buf)
		free(c->buf);
	free(c->client_line);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	config_put(c->cfg);
	atomic_fetch_sub(&w->nconns, 1);
	free(c);
}

bool conn_grow(struct conn *c, uint32_t max)
{
	uint32_t size = c->buf_size * 2;
	char *nb;

	if (c->buf_size >= max)
		return false;
	if (size > max)
		size = max;
	if (c->buf == c->inline_buf) {
		nb = malloc(size);
		if (nb)
			memcpy(nb, c->buf, c->buf_len);
	} else {
		nb = realloc(c->buf, size);
	}
	if (!nb)
		return false;
	c->buf = nb;
	c->buf_size = size;
	return true;
}

void conn_queue(struct conn *c, const char *head, size_t head_len,
		char *body, size_t body_len, struct fdcache_entry *f,
		uint64_t off, uint64_t len)
{
	c->state = CONN_WRITE;
	c->hd = head;
	c->hd_len = (uint32_t)head_len;
	c->bd = body;
	c->bd_len = (uint32_t)body_len;
	c->file = f;
	c->file_off = off;
	c->file_end = off + len;
	c->deadline = c->w->now + c->cfg->send_timeout;
}

/* A blocked send must not keep pointing into the worker's scratch. */
static int conn_detach_head(struct conn *c)
{
	size_t hl = c->hd_len - c->hd_off, bl = c->bd_len - c->bd_off;
	char *m = malloc(hl + bl + 1);

	if (!m)
		return -1;
	memcpy(m, c->hd + c->hd_off, hl);
	if (bl)
		memcpy(m + hl, c->bd + c->bd_off, bl);
	free(c->bd);
	c->bd = m;
	c->bd_len = (uint32_t)(hl + bl);
	c->bd_off = 0;
	c->hd = NULL;
	c->hd_len = c->hd_off = 0;
	return 0;
}

/* Content bytes as they leave: zero-copy (sendfile, plain or kTLS) or not. */
static void conn_count_sent(struct conn *c, bool zerocopy, uint64_t n)
{
	struct worker_stats *st = &c->w->stats;

	c->body_bytes += n;
	atomic_fetch_add_explicit(zerocopy ? &st->bytes_zerocopy :
				  &st->bytes_copied, n, memory_order_relaxed);
}

/* The file range still to send, when the open-file cache holds its bytes. */
static const char *conn_file_inline(const struct conn *c)
{
	const struct fdcache_entry *f = c->file;

	if (!f || !f->data || c->file_end > (uint64_t)f->st.st_size)
		return NULL;
	return f->data + c->file_off;
}

int conn_flush(struct conn *c)
{
	struct worker *w = c->w;
	/* OpenSSL's own sendfile reads the file and encrypts a copy */
	bool zerocopy = !c->ssl || c->tls_ktls_tx;

	while (c->hd_off < c->hd_len || c->bd_off < c->bd_len ||
	       (c->file_off < c->file_end && conn_file_inline(c))) {
		const char *inl = conn_file_inline(c);
		struct iovec iov[3];
		struct msghdr mh = { .msg_iov = iov };
		ssize_t n;
		size_t part;

		if (c->hd_off < c->hd_len) {
			iov[mh.msg_iovlen].iov_base = (char *)c->hd + c->hd_off;
			iov[mh.msg_iovlen++].iov_len = c->hd_len - c->hd_off;
		}
		if (c->bd_off < c->bd_len) {
			iov[mh.msg_iovlen].iov_base = c->bd + c->bd_off;
			iov[mh.msg_iovlen++].iov_len = c->bd_len - c->bd_off;
		}
		if (inl && c->file_off < c->file_end) {
			iov[mh.msg_iovlen].iov_base = (char *)inl;
			iov[mh.msg_iovlen++].iov_len = c->file_end - c->file_off;
		}
		n = conn_sendv(c, &mh, !inl && c->file_off < c->file_end);
		if (n == 0)	/* nothing taken of a non-empty write: a dead peer */
			return -1;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -1;
			if (c->hd && conn_detach_head(c))
				return -1;
			return 0;
		}
		c->deadline = w->now + c->cfg->send_timeout;
		part = c->hd_len - c->hd_off;
		part = (size_t)n < part ? (size_t)n : part;
		c->hd_off += (uint32_t)part;
		n -= (ssize_t)part;
		part = c->bd_len - c->bd_off;
		part = (size_t)n < part ? (size_t)n : part;
		c->bd_off += (uint32_t)part;
		conn_count_sent(c, false, part);
		n -= (ssize_t)part;
		c->file_off += (uint64_t)n;	/* only inline bytes are left */
		conn_count_sent(c, false, (uint64_t)n);
	}
	while (c->file_off < c->file_end) {
		off_t off = (off_t)c->file_off;
		uint64_t left = c->file_end - c->file_off;
		ssize_t n = conn_sendfile(c, c->file->fd, &off,
					  left > (1u << 30) ? (1u << 30) : left);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? 0 : -1;
		}
		if (n == 0)	/* truncated under us: the length is a lie now */
			return -1;
		c->deadline = w->now + c->cfg->send_timeout;
		c->file_off = (uint64_t)off;
		conn_count_sent(c, zerocopy, (uint64_t)n);
	}
	conn_count_sent(c, false, c->hd_body);
	c->hd_body = 0;
	return 1;
}

static void conn_read(struct conn *c)
{
	for (;;) {
		ssize_t n;

		size_t room = c->buf_size - c->buf_len;

		c->drained = false;
		if (!room)
			return;	/* http_process() grows it if a request needs it */
		n = conn_recv(c, c->buf + c->buf_len, room);
		if (n > 0) {
			/* both deadlines bound the whole head or body */
			if (c->state == CONN_READ_HEAD && !c->header_started) {
				c->header_started = true;
				c->deadline = c->w->now + c->cfg->header_timeout;
			}
			c->buf_len += (uint32_t)n;
			/*
			 * Short: the socket is empty now. Asking again would
			 * only return EAGAIN; epoll is level-triggered and
			 * TLS input held by OpenSSL is queued (conn_recv).
			 */
			if ((size_t)n < room) {
				c->drained = true;
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			c->drained = true;
			return;
		}
		c->closing = true;	/* EOF or error: nothing more to answer */
		return;
	}
}

void conn_suspend(struct conn *c, void (*cb)(struct conn *c, uint32_t events),
		  void *data)
{
	c->state = CONN_PLUGIN;
	c->body_unread = false;	/* the plugin's now: see plugin.h */
	c->owner = cb;
	c->owner_data = data;
	c->deadline = INT64_MAX;	/* the plugin keeps its own timeouts */
}

void *conn_suspended_data(const struct conn *c)
{
	return c->owner_data;
}

void conn_resume(struct conn *c)
{
	c->owner = NULL;
	c->owner_data = NULL;
	if (c->state == CONN_PLUGIN)	/* the plugin sent the response */
		http_response_done(c);
	if (!c->closing)
		http_process(c);
	if (c->closing)
		conn_close(c);
}

#define LINGER_SECS 2

void conn_linger(struct conn *c)
{
	if (c->ssl)
		tls_shutdown(c);
	if (shutdown(c->ev.fd, SHUT_WR)) {
		c->closing = true;
		return;
	}
	c->state = CONN_LINGER;
	c->buf_len = 0;
	c->deadline = c->w->now + LINGER_SECS;
	conn_arm(c, EPOLLIN);
}

static void conn_discard_input(struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->ev.fd, c->buf, c->buf_size, 0);

		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN)
			c->closing = true;
		return;
	}
}

static void conn_event(struct evsource *src, uint32_t events)
{
	struct conn *c = (struct conn *)src;

	if (c->owner) {
		c->owner(c, events);
		return;
	}
	if (events & EPOLLERR) {
		c->closing = true;
	} else if (c->state == CONN_HANDSHAKE) {
		int rc = tls_handshake(c);

		if (rc < 0)
			c->closing = true;
		else if (rc > 0)	/* the request may be here already */
			conn_read(c);
		if (rc == 0 || c->closing) {
			if (c->closing)
				conn_close(c);
			return;
		}
	} else if (c->state == CONN_LINGER) {
		conn_discard_input(c);
	} else if (c->state != CONN_WRITE && (events & (EPOLLIN | EPOLLHUP))) {
		uint32_t before = c->buf_len;

		conn_read(c);
		/* Answer what is complete even if the peer half-closed. */
		if (c->closing && c->buf_len > before)
			c->closing = false;
		else if (c->closing)
			c->buf_len = 0;
	}
	if (!c->closing)
		http_process(c);
	if (c->closing)
		conn_close(c);
}

void conn_timeout(struct conn *c)
{
	if (c->state == CONN_WRITE || c->state == CONN_LINGER ||
	    c->state == CONN_SKIP_BODY || c->state == CONN_HANDSHAKE ||
	    !c->header_started) {
		/* idle, slow reader, lingered or skipped enough: silently */
		conn_close(c);
		return;
	}
	c->error_note = "request timed out";
	c->keep_alive = false;
	http_send_error(c, 408, NULL);
	conn_flush(c);	/* best effort: the socket is non-blocking */
	atomic_fetch_add_explicit(&c->w->stats.status[408], 1,
				  memory_order_relaxed);
	plugins_on_response(c);
	conn_close(c);
}

int conn_peer_format(const struct conn *c, char *buf, size_t len)
{
	const void *a;

	if (c->peer.sa.sa_family == AF_INET6) {
		const struct in6_addr *a6 = &c->peer.in6.sin6_addr;

		/* v4-mapped peers of the dual-stack socket print as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(a6))
			return inet_ntop(AF_INET, &a6->s6_addr[12], buf, len) ? 0 : -1;
		a = a6;
	} else {
		a = &c->peer.in.sin_addr;
	}
	return inet_ntop(c->peer.sa.sa_family, a, buf, len) ? 0 : -1;
}

const char *conn_body(const struct conn *c, size_t *len)
{
	*len = c->body_len;
	return c->buf + c->req.head_len;
}

const char *conn_path(const struct conn *c)
{
	return c->w->path;
}
