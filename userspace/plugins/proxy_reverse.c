// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proxy_reverse: forward requests whose path matches an entry's Match rules
 * to a backend chosen by the entry's balancer (Documentation/proxy.md).
 *
 * A session owns the client socket (conn_suspend) from the parsed head to
 * the end of the response and relays both ways through bounded buffers:
 * it reads from one side only when the other side has taken what it read
 * before, so a slow peer slows the other down instead of filling memory.
 * Request bodies are re-framed (Content-Length kept, chunked re-encoded
 * from the shared decoder's data), responses are checked by the shared
 * parser and framed for the client; nothing is buffered whole.
 *
 * Per worker thread: the live sessions, a 100 ms timer for connect and
 * response timeouts, and a pool of idle keep-alive backend connections.
 * Objects that epoll may still report in the current batch are freed
 * after it (worker_defer_free), never in place.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cache/cache_store.h"
#include "core/khttpdd.h"
#include "core/monotonic.h"
#include "core/strbuf.h"
#include "proxy/proxy_conf.h"
#include "proxy/proxy_http.h"

extern const struct khttpd_plugin plugin_proxy_reverse;

#define RB_CAP (64 * 1024)	/* backend bytes read at once (and head max) */
#define UP_CAP (64 * 1024)	/* request body bytes queued to the backend */
#define CLIENT_BODY_READ (64 * 1024)
#define POOL_IDLE_MS 15000
#define TICK_MS 100
#define CACHE_KEY_MAX 8192
#define VARY_MAX 200

/* A proxied response kept in the cache plugin's store. */
struct proxied_meta {
	bool vary_marker;		/* no data: look up with vary values */
	int status;
	uint32_t fields_len;		/* data = fields, then the body */
	char ctype[128];
	char vary[VARY_MAX];
};

enum phase { PH_CONNECT, PH_ACTIVE };
enum framing { FR_NONE, FR_LENGTH, FR_CHUNKED, FR_CLOSE };

struct pworker;

struct psession {
	struct evsource bev;		/* the backend socket */
	bool dead;			/* freed at a later tick */
	struct pworker *pw;
	struct psession *prev, *next;	/* pw->sessions */
	struct conn *c;
	struct config *cfg;		/* keeps pe alive across reloads */
	struct proxy_entry *pe;
	struct balancer_backend *be;
	uint64_t tried;
	enum phase phase;
	bool reused, no_pool, counted;
	bool in_request;		/* inside on_request: never resume */
	int64_t deadline;		/* monotonic_ms(); 0: none */
	int timeout_status;		/* what a deadline means: 504 or 0 */
	uint32_t bev_events;

	/* client -> backend */
	char *up;
	size_t up_len, up_off;
	size_t raw_off;			/* unread body bytes in c->buf */
	bool req_chunked, req_done, body_started;
	uint64_t req_left;
	struct khttp_chunked req_ck;

	/* backend -> client */
	char *rb;
	size_t rb_len;
	bool head_done, resp_done, backend_reusable;
	struct proxy_resp resp;
	enum framing frame;
	bool out_chunked, client_keep_alive;
	uint64_t resp_left;
	struct khttp_chunked resp_ck;
	char *dn;
	size_t dn_len, dn_off, dn_cap;
	uint64_t body_sent;

	/* storing the response in the cache (ProxyResponses On) */
	struct cache_store *cache;
	size_t cache_max;
	char *ckey;			/* "http://host/target" */
	size_t ckey_len;
	char *cbuf;			/* fields + body, filled while relaying */
	size_t cbuf_len, cbuf_cap, cbuf_limit;
	struct proxied_meta cmeta;
	unsigned cttl;

	/* ending: the client callback finishes (conn_resume) */
	bool finishing;
	int fail_status;		/* answer this instead (no head sent) */
};

struct pooled {
	struct evsource ev;
	bool dead;
	struct pworker *pw;
	struct pooled *prev, *next;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	int64_t since;			/* ms */
};

struct pworker {
	struct evsource timer;
	struct worker *w;
	struct psession *sessions;
	struct pooled *idle;
	unsigned nidle;
	struct pworker *all_next;
	/* one session's relay buffers kept for the next: no heap churn */
	char *spare_rb, *spare_up;
};

static _Thread_local struct pworker *tl_pw;
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pworker *all_pw;
static char via_token[PROXY_VIA_TOKEN_LEN + 1];

/* ---- idle backend connections ---- */

static void pooled_drop(struct pooled *p)
{
	struct pworker *pw = p->pw;

	if (p->prev)
		p->prev->next = p->next;
	else
		pw->idle = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pw->nidle--;
	p->dead = true;
	worker_defer_free(pw->w, p, free);
}

/* Leave the epoll set before closing: a forked CGI child may hold the fd. */
static void pooled_close(struct pooled *p)
{
	worker_unwatch(p->pw->w, &p->ev);
	close(p->ev.fd);
	pooled_drop(p);
}

/* Any event on an idle connection: the backend closed it (or misbehaves). */
static void pooled_event(struct evsource *src, uint32_t events)
{
	struct pooled *p = (struct pooled *)src;

	(void)events;
	if (!p->dead)
		pooled_close(p);
}

static bool same_addr(const struct sockaddr_storage *a, socklen_t al,
		      const struct sockaddr_storage *b, socklen_t bl)
{
	return al == bl && !memcmp(a, b, al);
}

/* An idle connection to be's address, taken out of the pool, or -1. */
static int pool_take(struct pworker *pw, const struct balancer_backend *be)
{
	int64_t t = monotonic_ms();

	for (struct pooled *p = pw->idle, *next; p; p = next) {
		int fd = p->ev.fd;

		next = p->next;
		if (!same_addr(&p->addr, p->addrlen, &be->addr, be->addrlen))
			continue;
		if (t - p->since > POOL_IDLE_MS) {
			pooled_close(p);
			continue;
		}
		pooled_drop(p);
		return fd;
	}
	return -1;
}

static void pool_put(struct pworker *pw, int fd,
		     const struct balancer_backend *be, int limit)
{
	struct pooled *p;
	unsigned same = 0;

	for (p = pw->idle; p; p = p->next)
		same += same_addr(&p->addr, p->addrlen, &be->addr, be->addrlen);
	if ((int)same >= limit || !(p = calloc(1, sizeof(*p)))) {
		close(fd);
		return;
	}
	p->ev.fd = fd;
	p->ev.cb = pooled_event;
	p->pw = pw;
	memcpy(&p->addr, &be->addr, be->addrlen);
	p->addrlen = be->addrlen;
	p->since = monotonic_ms();
	if (worker_watch_mod(pw->w, &p->ev, EPOLLIN | EPOLLRDHUP)) {
		close(fd);
		free(p);
		return;
	}
	p->next = pw->idle;
	if (pw->idle)
		pw->idle->prev = p;
	pw->idle = p;
	pw->nidle++;
}

/* ---- sessions ---- */

static void session_timeout(struct psession *s);

static void pw_tick(struct evsource *src, uint32_t events)
{
	struct pworker *pw = (struct pworker *)src;
	int64_t t = monotonic_ms();
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_msg("proxy_reverse: timerfd: %s", strerror(errno));
	for (struct psession *s = pw->sessions, *next; s; s = next) {
		next = s->next;
		if (s->deadline && t >= s->deadline)
			session_timeout(s);
	}
	for (struct pooled *p = pw->idle, *next; p; p = next) {
		next = p->next;
		if (t - p->since > POOL_IDLE_MS)
			pooled_close(p);
	}
}

static struct pworker *pworker_get(struct worker *w)
{
	struct itimerspec its = {
		.it_interval.tv_nsec = TICK_MS * 1000000L,
		.it_value.tv_nsec = TICK_MS * 1000000L,
	};
	struct pworker *pw = tl_pw;

	if (pw)
		return pw;
	pw = calloc(1, sizeof(*pw));
	if (!pw)
		return NULL;
	pw->w = w;
	pw->timer.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	pw->timer.cb = pw_tick;
	if (pw->timer.fd < 0 || timerfd_settime(pw->timer.fd, 0, &its, NULL) ||
	    worker_watch(w, &pw->timer, EPOLLIN)) {
		if (pw->timer.fd >= 0)
			close(pw->timer.fd);
		free(pw);
		return NULL;
	}
	pthread_mutex_lock(&all_lock);
	pw->all_next = all_pw;
	all_pw = pw;
	pthread_mutex_unlock(&all_lock);
	tl_pw = pw;
	return pw;
}

static bool dn_reserve(struct psession *s, size_t more)
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

static bool dn_add(struct psession *s, const char *d, size_t n)
{
	if (!dn_reserve(s, n))
		return false;
	memcpy(s->dn + s->dn_len, d, n);
	s->dn_len += n;
	return true;
}

/* Body data for the client, framed as it was announced. */
static bool dn_data(struct psession *s, const char *d, size_t n)
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

static void backend_close(struct psession *s)
{
	if (s->bev.fd < 0)
		return;
	worker_unwatch(s->pw->w, &s->bev);	/* see pooled_close() */
	close(s->bev.fd);
	s->bev.fd = -1;
	if (s->counted) {
		balancer_conn_end(s->be);
		s->counted = false;
	}
}

static void session_unlink(struct psession *s)
{
	struct pworker *pw = s->pw;

	if (s->prev)
		s->prev->next = s->next;
	else
		pw->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* Free everything but the struct (buried: epoll may still name bev). */
static void session_free(struct psession *s)
{
	backend_close(s);
	session_unlink(s);
	proxy_resp_free(&s->resp);
	free(s->ckey);
	free(s->cbuf);
	if (!s->pw->spare_rb) {
		s->pw->spare_rb = s->rb;
		s->pw->spare_up = s->up;
	} else {
		free(s->up);
		free(s->rb);
	}
	free(s->dn);
	config_put(s->cfg);
	s->dead = true;
	worker_defer_free(s->pw->w, s, free);
}

static void client_arm(struct psession *s)
{
	uint32_t ev = 0;

	if (s->finishing || s->dn_off < s->dn_len)
		ev |= EPOLLOUT;
	else if (s->phase == PH_ACTIVE && !s->req_done && s->up_off == s->up_len)
		ev |= EPOLLIN;
	conn_arm(s->c, ev);
}

static void backend_arm(struct psession *s)
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

static void session_finish(struct psession *s);

/*
 * Can the connection go back to the core from any callback? Only when
 * the core will just wait for the next request on it: kept alive, nothing
 * pipelined behind, not draining. Then it is not freed, and an event still
 * pending for it in this epoll batch finds a live conn.
 */
static bool resume_is_safe(const struct psession *s)
{
	const struct conn *c = s->c;

	return !s->in_request && !s->fail_status && s->client_keep_alive &&
	       s->req_done && c->buf_len == s->raw_off && !c->w->draining;
}

/*
 * End of the session. The client callback runs conn_resume(); elsewhere
 * (backend callback, timer) the client is armed for writing so that its
 * callback comes next, unless resuming now is safe: the core's conn must
 * not be freed under epoll events still pending for it in this batch.
 */
static void session_end(struct psession *s, int fail_status)
{
	if (s->finishing)
		return;
	s->finishing = true;
	s->fail_status = fail_status;
	s->deadline = 0;
	backend_close(s);
	if (resume_is_safe(s))
		session_finish(s);
	else
		client_arm(s);
}

/* ---- connecting ---- */

static bool backend_is_self(const struct balancer_backend *be,
			    const struct config *cfg)
{
	const struct sockaddr *sa = (const struct sockaddr *)&be->addr;
	unsigned port;
	int fd;
	struct sockaddr_storage probe;
	bool local;

	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	for (size_t i = 0; i < cfg->nlisten; i++) {
		if ((unsigned)atoi(cfg->listen[i].port) != port)
			continue;
		/* is the backend's address one of ours? binding to it says */
		memcpy(&probe, &be->addr, be->addrlen);
		if (sa->sa_family == AF_INET)
			((struct sockaddr_in *)&probe)->sin_port = 0;
		else
			((struct sockaddr_in6 *)&probe)->sin6_port = 0;
		fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
		local = fd >= 0 && !bind(fd, (struct sockaddr *)&probe,
					 be->addrlen);
		if (fd >= 0)
			close(fd);
		if (local)
			return true;
	}
	return false;
}

static bool build_request(struct psession *s)
{
	struct conn *c = s->c;
	char client_ip[64] = "unknown", hostbuf[300];
	struct proxy_req_params p = { .client_ip = client_ip,
				      .via_token = via_token };
	size_t len;
	char *head;

	conn_peer_format(c, client_ip, sizeof(client_ip));
	if (s->pe->set.host_mode == PROXY_HOST_FIXED) {
		p.host = s->pe->set.host_value;
		p.host_len = strlen(p.host);
	} else if (s->pe->set.host_mode == PROXY_HOST_BACKEND ||
		   !c->req.host.len) {
		bool v6 = strchr(s->be->host, ':');

		snprintf(hostbuf, sizeof(hostbuf), "%s%s%s:%s", v6 ? "[" : "",
			 s->be->host, v6 ? "]" : "", s->be->port);
		p.host = hostbuf;
		p.host_len = strlen(hostbuf);
	}
	head = proxy_build_request(c->buf, &c->req, &p, &len);
	if (!head || len > UP_CAP) {
		free(head);
		return false;
	}
	memcpy(s->up, head, len);
	free(head);
	s->up_len = len;
	s->up_off = 0;
	return true;
}

static void backend_event(struct evsource *src, uint32_t events);

/* The backend socket is connected (or reused): send the head. */
static int activate(struct psession *s, int fd)
{
	s->bev.fd = fd;
	s->bev.cb = backend_event;
	s->phase = PH_ACTIVE;
	s->deadline = monotonic_ms() + (int64_t)s->pe->set.response_timeout * 1000;
	s->timeout_status = 504;
	if (!build_request(s))
		return -1;
	return 0;
}

/*
 * Next backend from the balancer until a connect is under way or done.
 * Returns 0, or the status to answer when none is left: 502, or 504 when
 * the last attempt timed out.
 */
static int connect_next(struct psession *s, bool timed_out)
{
	struct pworker *pw = s->pw;
	int64_t t = s->c->w->now;

	for (;;) {
		struct balancer_backend *be = balancer_pick(&s->pe->balancer,
							    &s->tried,
							    (unsigned long)s->c->ev.fd,
							    t);
		int fd, one = 1;

		if (!be)
			return timed_out ? 504 : 502;
		s->be = be;
		if (!be->addrlen) {	/* never resolved */
			balancer_report(&s->pe->balancer, be, false, t);
			continue;
		}
		if (backend_is_self(be, s->cfg)) {
			log_msg("proxy_reverse: %s:%s is this server: skipped (proxy loop)",
				be->host, be->port);
			continue;
		}
		balancer_conn_begin(be);
		s->counted = true;
		fd = s->no_pool ? -1 : pool_take(pw, be);
		if (fd >= 0) {
			s->reused = true;
			if (activate(s, fd)) {
				backend_close(s);
				return 502;
			}
			/* still registered for the pool: backend_arm re-points it */
			s->bev_events = UINT32_MAX;
			return 0;
		}
		s->reused = false;
		fd = socket(be->addr.ss_family,
			    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return 502;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s->bev.fd = fd;
		s->bev.cb = backend_event;
		if (connect(fd, (struct sockaddr *)&be->addr, be->addrlen) &&
		    errno != EINPROGRESS) {
			balancer_report(&s->pe->balancer, be, false, t);
			backend_close(s);
			timed_out = false;
			continue;
		}
		s->phase = PH_CONNECT;
		s->deadline = monotonic_ms() + s->pe->set.connect_timeout_ms;
		s->timeout_status = 0;
		if (worker_watch(pw->w, &s->bev, EPOLLOUT)) {
			backend_close(s);
			return 502;
		}
		s->bev_events = EPOLLOUT;
		return 0;
	}
}

static void retry_or_fail(struct psession *s, bool timed_out)
{
	int st;

	backend_close(s);
	st = connect_next(s, timed_out);
	if (st)
		session_end(s, st);
	else
		backend_arm(s);
}

/* ---- relaying ---- */

/* Move client body bytes (buffered or read now) into s->up, re-framed. */
static int pull_client_body(struct psession *s)
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
		n = recv(c->ev.fd, c->buf + c->buf_len, want, 0);
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
static int start_response(struct psession *s)
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
	head = proxy_build_response(r, via_token, s->out_chunked,
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
	    (s->cttl = proxy_response_ttl(r, s->cmeta.vary, sizeof(s->cmeta.vary)))) {
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
static void cache_add(struct psession *s, const char *d, size_t n)
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
static int process_backend_bytes(struct psession *s)
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
static bool backend_eof_ends_body(struct psession *s)
{
	if (!s->head_done || s->frame != FR_CLOSE)
		return false;
	s->resp_done = true;
	s->backend_reusable = false;
	return !s->out_chunked || dn_add(s, "0\r\n\r\n", 5);
}

static void session_fail_backend(struct psession *s)
{
	/* a pooled connection the backend had closed: try a fresh one */
	if (s->reused && !s->head_done && s->rb_len == 0 && !s->body_started) {
		s->tried &= ~(1ull << (s->be - s->pe->balancer.backends));
		s->no_pool = true;
		retry_or_fail(s, false);
		return;
	}
	s->backend_reusable = false;
	if (!s->head_done)
		session_end(s, 502);
	else
		session_end(s, -1);	/* truncated: close the client */
}

/*
 * The whole response arrived: store it under the request's key, or with
 * Vary under the key plus the varying request fields, a marker entry at
 * the plain key saying which fields vary.
 */
static void cache_response(struct psession *s)
{
	struct conn *c = s->c;
	int64_t now = c->w->now;
	char *key;
	size_t klen;

	if (!s->cmeta.vary[0]) {
		cache_store_put(s->cache, s->ckey, s->ckey_len, &s->cmeta,
				sizeof(s->cmeta), s->cbuf, s->cbuf_len, now, s->cttl);
		return;
	}
	key = malloc(CACHE_KEY_MAX);
	if (!key)
		return;
	memcpy(key, s->ckey, s->ckey_len);
	klen = proxy_vary_key(c->buf, &c->req, s->cmeta.vary, key, s->ckey_len,
			      CACHE_KEY_MAX);
	if (klen) {
		struct proxied_meta marker = s->cmeta;

		marker.vary_marker = true;
		cache_store_put(s->cache, s->ckey, s->ckey_len, &marker,
				sizeof(marker), NULL, 0, now, s->cttl);
		cache_store_put(s->cache, key, klen, &s->cmeta, sizeof(s->cmeta),
				s->cbuf, s->cbuf_len, now, s->cttl);
	}
	free(key);
}

/*
 * Make every step possible without blocking: send to the backend, read the
 * client body, send to the client, read the backend. Returns false when
 * the session ended.
 */
static bool pump(struct psession *s)
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
				session_fail_backend(s);
				return false;
			}
		}
		if (s->phase == PH_ACTIVE && s->up_off == s->up_len && !s->req_done) {
			int rc = pull_client_body(s);

			if (rc == -2) {
				c->error_note = "malformed chunked body";
				s->backend_reusable = false;
				session_end(s, s->head_done ? -1 : 400);
				return false;
			}
			if (rc < 0) {
				c->error_note = "client left during the body";
				session_end(s, -1);
				return false;
			}
			progress |= rc > 0 && s->up_len > 0;
		}
		if (s->dn_off < s->dn_len) {
			ssize_t n = send(c->ev.fd, s->dn + s->dn_off,
					 s->dn_len - s->dn_off, MSG_NOSIGNAL);

			if (n > 0) {
				s->dn_off += (size_t)n;
				progress = true;
				if (s->head_done)
					s->deadline = monotonic_ms() +
						(int64_t)s->pe->set.io_timeout * 1000;
			} else if (n < 0 && errno != EAGAIN && errno != EINTR) {
				c->error_note = "client left during the response";
				session_end(s, -1);
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
					session_end(s, s->head_done ? -1 : 502);
					return false;
				}
				if (!s->head_done && s->rb_len == RB_CAP) {
					c->error_note = "backend response head too large";
					session_end(s, 502);
					return false;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				if (n == 0 && backend_eof_ends_body(s)) {
					progress = true;
				} else {
					c->error_note = "backend closed early";
					session_fail_backend(s);
					return false;
				}
			}
		}
	}
	if (s->finishing)
		return false;
	if (s->resp_done && s->dn_len == 0) {
		if (s->cbuf)	/* the whole body arrived (resp_done) */
			cache_response(s);
		/* complete: keep the backend if it is in step */
		if (s->backend_reusable && s->req_done && s->up_off == s->up_len &&
		    s->pe->set.pool_size > 0) {
			int fd = s->bev.fd;

			if (s->counted)
				balancer_conn_end(s->be);
			s->counted = false;
			s->bev.fd = -1;
			pool_put(s->pw, fd, s->be, s->pe->set.pool_size);
		}
		session_end(s, 0);
		return false;
	}
	backend_arm(s);
	client_arm(s);
	return true;
}

static void backend_event(struct evsource *src, uint32_t events)
{
	struct psession *s = (struct psession *)src;
	int err = 0;
	socklen_t el = sizeof(err);

	if (s->dead || s->finishing)
		return;
	if (s->phase == PH_CONNECT) {
		if (getsockopt(s->bev.fd, SOL_SOCKET, SO_ERROR, &err, &el) || err) {
			balancer_report(&s->pe->balancer, s->be, false,
					s->c->w->now);
			retry_or_fail(s, false);
			return;
		}
		balancer_report(&s->pe->balancer, s->be, true, s->c->w->now);
		if (activate(s, s->bev.fd)) {
			session_end(s, 502);
			return;
		}
	} else if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		session_fail_backend(s);
		return;
	}
	pump(s);
}

static void session_timeout(struct psession *s)
{
	if (s->finishing)
		return;
	if (s->phase == PH_CONNECT) {
		balancer_report(&s->pe->balancer, s->be, false, s->c->w->now);
		retry_or_fail(s, true);
		return;
	}
	s->backend_reusable = false;
	s->c->error_note = s->head_done ? "relay stalled" :
					  "backend did not answer in time";
	session_end(s, s->head_done ? -1 : 504);
}

/* In the client's callback: hand the connection back to the core. */
static void session_finish(struct psession *s)
{
	struct conn *c = s->c;
	size_t head = c->req.head_len, left;

	/* pipelined bytes after the body become the next request */
	left = c->buf_len - s->raw_off;
	if (s->req_done && s->raw_off > head) {
		memmove(c->buf + head, c->buf + s->raw_off, left);
		c->buf_len = (uint32_t)(head + left);
	}
	c->body_raw = 0;
	c->body_bytes = s->body_sent;
	if (s->fail_status > 0) {
		int status = s->fail_status;

		c->keep_alive = c->keep_alive && s->req_done;
		session_free(s);
		http_send_error(c, status, NULL);
		conn_resume(c);
		return;
	}
	if (s->fail_status < 0 || !s->req_done) {
		c->keep_alive = false;
		if (!c->status)
			c->status = 502;
	} else {
		c->keep_alive = s->client_keep_alive;
	}
	session_free(s);
	conn_resume(c);
}

static void client_event(struct conn *c, uint32_t events)
{
	struct psession *s = conn_suspended_data(c);

	if (!s->finishing && (events & (EPOLLERR | EPOLLHUP))) {
		c->error_note = "client connection error";
		s->backend_reusable = false;
		session_end(s, -1);
	}
	if (!s->finishing && s->phase == PH_ACTIVE)
		pump(s);
	if (s->finishing && !s->dead)	/* dead: session_end finished it */
		session_finish(s);
}

/* ---- plugin hooks ---- */

static struct proxy_conf *conf_of(struct conn *c)
{
	struct proxy_conf *pc = conn_vhost_data(c, &plugin_proxy_reverse);

	return pc ? pc : conn_global_data(c, &plugin_proxy_reverse);
}

/* "http://<host><target>" for c's request into a malloc'd key. */
static char *request_key(struct conn *c, size_t *len)
{
	char *key = malloc(CACHE_KEY_MAX);
	int n;

	if (!key)
		return NULL;
	n = snprintf(key, CACHE_KEY_MAX, "http://%.*s%.*s", c->req.host.len,
		     c->buf + c->req.host.off, c->req.target.len,
		     c->buf + c->req.target.off);
	if (n < 0 || n >= CACHE_KEY_MAX) {
		free(key);
		return NULL;
	}
	*len = (size_t)n;
	return key;
}

/* A stored response for c's request: answered here, no backend. */
static int serve_cached(struct conn *c, struct cache_store *store,
			const char *key, size_t klen)
{
	struct cache_entry *e = cache_store_peek(store, key, klen, c->w->now);
	const struct proxied_meta *m;
	char *vkey, *extra, *body;
	size_t vlen, blen;
	int rc;

	/* the plain key counts unless it only says which fields vary */
	if (!e || !((const struct proxied_meta *)e->meta)->vary_marker)
		cache_store_count(store, key, klen, c->w->now, e);
	if (!e)
		return KP_CONTINUE;
	m = e->meta;
	if (m->vary_marker) {
		vkey = malloc(CACHE_KEY_MAX);
		vlen = 0;
		if (vkey) {
			memcpy(vkey, key, klen);
			vlen = proxy_vary_key(c->buf, &c->req, m->vary, vkey,
					      klen, CACHE_KEY_MAX);
		}
		cache_entry_put(e);
		e = vlen ? cache_store_get(store, vkey, vlen, c->w->now) : NULL;
		free(vkey);
		if (!e)
			return KP_CONTINUE;
		m = e->meta;
	}
	blen = e->len - m->fields_len;
	body = malloc(blen + 1);
	if (asprintf(&extra, "%.*sAge: %lld\r\nVia: 1.1 %s\r\nX-Cache: HIT\r\n",
		     (int)m->fields_len, e->data,
		     (long long)(c->w->now - e->stored), via_token) < 0)
		extra = NULL;
	if (!body || !extra) {
		free(body);
		free(extra);
		cache_entry_put(e);
		return KP_CONTINUE;
	}
	memcpy(body, e->data + m->fields_len, blen);
	rc = http_send_body(c, m->status, m->ctype[0] ? m->ctype : NULL, body,
			    blen, extra);
	free(extra);
	cache_entry_put(e);
	return rc;
}

/* Forward the request on c to entry pe's backends (or answer it). */
static int proxy_start(struct conn *c, struct proxy_entry *pe)
{
	struct pworker *pw;
	struct psession *s;
	struct cache_store *cache = NULL;
	size_t cache_max = 0, ckey_len = 0;
	char *ckey = NULL;
	int st;

	if (proxy_request_looped(c->buf, &c->req, via_token)) {
		c->error_note = "proxy loop: the request already passed here";
		if (c->req.flags & KHTTP_F_HAS_BODY)
			c->keep_alive = false;
		return http_send_error(c, 508, NULL);
	}
	if ((c->req.method == KHTTP_METHOD_GET ||
	     c->req.method == KHTTP_METHOD_HEAD) &&
	    !(c->req.flags & KHTTP_F_HAS_BODY) &&
	    (cache = cache_proxy_store(c->cfg, &cache_max)) &&
	    proxy_request_cacheable(c->buf, &c->req) &&
	    (ckey = request_key(c, &ckey_len))) {
		st = serve_cached(c, cache, ckey, ckey_len);
		if (st != KP_CONTINUE) {
			free(ckey);
			return st;
		}
	}
	pw = pworker_get(c->w);
	s = calloc(1, sizeof(*s));
	if (s && pw && pw->spare_rb) {
		s->rb = pw->spare_rb;
		s->up = pw->spare_up;
		pw->spare_rb = pw->spare_up = NULL;
	}
	if (!pw || !s || (!s->rb && !(s->rb = malloc(RB_CAP))) ||
	    (!s->up && !(s->up = malloc(UP_CAP)))) {
		if (s) {
			free(s->rb);
			free(s->up);
			free(s);
		}
		free(ckey);
		c->keep_alive = false;
		return http_send_error(c, 503, NULL);
	}
	s->pw = pw;
	s->c = c;
	if (c->req.method == KHTTP_METHOD_GET) {
		s->cache = cache;
		s->cache_max = cache_max;
		s->ckey = ckey;		/* NULL unless the cache may answer */
		s->ckey_len = ckey_len;
	} else {
		free(ckey);
	}
	s->cfg = config_get(c->cfg);
	s->pe = pe;
	s->bev.fd = -1;
	s->raw_off = c->req.head_len;
	s->req_chunked = c->req.flags & KHTTP_F_CHUNKED;
	s->req_left = c->req.content_length;
	s->req_done = !(c->req.flags & KHTTP_F_HAS_BODY);
	khttp_chunked_init(&s->req_ck);
	s->next = pw->sessions;
	if (pw->sessions)
		pw->sessions->prev = s;
	pw->sessions = s;

	st = connect_next(s, false);
	if (st) {
		c->error_note = "no backend reachable";
		if (!s->req_done)
			c->keep_alive = false;
		session_free(s);
		return http_send_error(c, st, NULL);
	}
	if (c->req.flags & KHTTP_F_EXPECT_CONTINUE)
		send(c->ev.fd, "HTTP/1.1 100 Continue\r\n\r\n", 25, MSG_NOSIGNAL);
	conn_suspend(c, client_event, s);
	s->in_request = true;
	if (s->phase == PH_ACTIVE) {	/* a pooled connection: send now */
		pump(s);
	} else {
		backend_arm(s);
		client_arm(s);
	}
	s->in_request = false;
	return KP_DONE;
}

static int proxy_on_request(struct conn *c)
{
	struct proxy_conf *pc = conf_of(c);
	struct proxy_entry *pe = pc ? proxy_conf_match(pc, conn_path(c)) : NULL;

	return pe ? proxy_start(c, pe) : KP_CONTINUE;
}

/*
 * A vhost's Match rule routes the path here: the entry whose own Match
 * takes it, else the first entry.
 */
static int proxy_handle(struct conn *c)
{
	struct proxy_conf *pc = conf_of(c);
	struct proxy_entry *pe = pc ? proxy_conf_match(pc, conn_path(c)) : NULL;

	if (!pe && pc && pc->nentries)
		pe = &pc->entries[0];
	if (pe)
		return proxy_start(c, pe);
	log_msg("proxy_reverse: a Match rule routes %s here, but no ServerList is configured",
		conn_path(c));
	if (c->req.flags & KHTTP_F_HAS_BODY)
		c->keep_alive = false;	/* the body stays unread */
	return http_send_error(c, 500, NULL);
}

/* Shutdown with the session still running: drop it with the connection. */
static void proxy_on_close(struct conn *c)
{
	struct psession *s;

	if (c->owner != client_event)
		return;
	s = conn_suspended_data(c);
	session_free(s);
}

/* ---- control socket ---- */

static void ctl_conf(struct strbuf *o, const struct proxy_conf *pc,
		     const char *scope, bool json, bool *first, int64_t now)
{
	for (size_t i = 0; pc && i < pc->nentries; i++) {
		const struct proxy_entry *e = &pc->entries[i];
		const char *method = balancer_method_name(e->balancer.method);

		if (json)
			strbuf_printf(o, "%s{\"scope\":\"%s\",\"entry\":%zu,\"method\":\"%s\",\"backends\":[",
				      *first ? "" : ",", scope, i + 1, method);
		else
			strbuf_printf(o, "%s entry %zu %s\n", scope, i + 1,
				      method);
		*first = false;
		for (unsigned b = 0; b < e->balancer.nbackends; b++) {
			const struct balancer_backend *be =
				&e->balancer.backends[b];
			bool online = balancer_is_online(be, now);
			long long left = online ? 0 :
				(long long)(atomic_load(&be->offline_until) - now);
			unsigned fails = atomic_load(&be->fails);
			unsigned active = atomic_load(&be->active);
			unsigned long long picked = atomic_load(&be->picked);

			if (json)
				strbuf_printf(o, "%s{\"server\":\"%s:%s\",\"weight\":%u,"
					"\"online\":%s,\"offline_for\":%lld,\"fails\":%u,"
					"\"active\":%u,\"picked\":%llu}",
					b ? "," : "", be->host, be->port, be->weight,
					online ? "true" : "false", left, fails,
					active, picked);
			else if (online)
				strbuf_printf(o, "  %s:%s weight %u online, fails %u active %u picked %llu\n",
					be->host, be->port, be->weight, fails,
					active, picked);
			else
				strbuf_printf(o, "  %s:%s weight %u offline for %lld s, fails %u active %u picked %llu\n",
					be->host, be->port, be->weight, left,
					fails, active, picked);
		}
		if (json)
			strbuf_str(o, "]}");
	}
}

/* khttpctl proxy: every entry (main file, then each site), its backends. */
static bool proxy_ctl(const struct config *cfg, const char *cmd, bool json,
		      struct strbuf *o)
{
	int id = plugin_id(&plugin_proxy_reverse);
	int64_t now = monotonic_s();	/* the workers' clock */
	bool first = true;

	if (strcmp(cmd, "proxy"))
		return false;
	if (json)
		strbuf_str(o, "{\"entries\":[");
	ctl_conf(o, cfg->plugin_data[id], "main", json, &first, now);
	for (size_t v = 0; v < cfg->nvhosts; v++)
		ctl_conf(o, cfg->vhosts[v].plugin_data[id],
			 cfg->vhosts[v].nnames ? cfg->vhosts[v].names[0] :
			 "default", json, &first, now);
	if (json)
		strbuf_str(o, "]}\n");
	else if (first)
		strbuf_str(o, "no proxy entries\n");
	return true;
}

static int proxy_section_start(void **data, char *err, size_t errsz)
{
	/* config loads run before workers use the token; set once */
	if (!via_token[0])
		proxy_via_token_init(via_token);
	if (*data)
		return 0;	/* a second section continues the first */
	*data = proxy_conf_new();
	if (!*data) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

static int proxy_conf_key_hook(void **data, const struct vhost *vh,
			       const char *key, const char *value, char *err,
			       size_t errsz)
{
	(void)vh;
	return proxy_conf_key(*data, key, value, err, errsz);
}

static int proxy_conf_done(void *data, const struct vhost *vh, char *err,
			   size_t errsz)
{
	struct proxy_conf *pc = data;
	char warn[200];

	(void)vh;
	if (!pc)
		return 0;
	if (proxy_conf_finish(pc, err, errsz))
		return -1;
	for (size_t i = 0; i < pc->nentries; i++)
		if (balancer_resolve(&pc->entries[i].balancer, warn,
				     sizeof(warn)))
			log_msg("proxy_reverse: %s: that backend counts as down until a reload",
				warn);
	return 0;
}

static void proxy_conf_free_hook(void *data)
{
	proxy_conf_free(data);
}

/* Process exit: the workers are gone; free their pools. */
static void proxy_stop(void)
{
	pthread_mutex_lock(&all_lock);
	while (all_pw) {
		struct pworker *pw = all_pw;

		all_pw = pw->all_next;
		while (pw->idle) {
			struct pooled *p = pw->idle;

			pw->idle = p->next;
			close(p->ev.fd);
			free(p);
		}
		free(pw->spare_rb);
		free(pw->spare_up);
		close(pw->timer.fd);
		free(pw);
	}
	pthread_mutex_unlock(&all_lock);
}

const struct khttpd_plugin plugin_proxy_reverse = {
	.name = "proxy_reverse",
	.section_start = proxy_section_start,
	.conf_key = proxy_conf_key_hook,
	.conf_done = proxy_conf_done,
	.conf_free = proxy_conf_free_hook,
	.stop = proxy_stop,
	.on_request = proxy_on_request,
	.handle = proxy_handle,
	.handle_reads_body = true,
	.on_close = proxy_on_close,
	.ctl = proxy_ctl,
};
