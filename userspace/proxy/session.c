// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The life of a proxy session (see session.h): per-thread state and its
 * timer, choosing and connecting a backend, the socket events, timeouts,
 * and handing the connection back to the core at the end.
 */
#define _GNU_SOURCE
#include "session.h"

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
#include <unistd.h>

#include "core/monotonic.h"

char proxy_via_token[PROXY_VIA_TOKEN_LEN + 1];

static _Thread_local struct proxy_worker *tl_pw;
static pthread_mutex_t all_lock = PTHREAD_MUTEX_INITIALIZER;
static struct proxy_worker *all_pw;

static void session_timeout(struct proxy_session *s);
static void session_finish(struct proxy_session *s);
static void backend_event(struct evsource *src, uint32_t events);
static void client_event(struct conn *c, uint32_t events);

static void pw_tick(struct evsource *src, uint32_t events)
{
	struct proxy_worker *pw = (struct proxy_worker *)src;
	int64_t t = monotonic_ms();
	uint64_t n;

	(void)events;
	if (read(src->fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		log_msg("proxy_reverse: timerfd: %s", strerror(errno));
	for (struct proxy_session *s = pw->sessions, *next; s; s = next) {
		next = s->next;
		if (s->deadline && t >= s->deadline)
			session_timeout(s);
	}
	proxy_pool_expire(&pw->pool, t);
}

static struct proxy_worker *pworker_get(struct worker *w)
{
	struct itimerspec its = {
		.it_interval.tv_nsec = TICK_MS * 1000000L,
		.it_value.tv_nsec = TICK_MS * 1000000L,
	};
	struct proxy_worker *pw = tl_pw;

	if (pw)
		return pw;
	pw = calloc(1, sizeof(*pw));
	if (!pw)
		return NULL;
	pw->w = w;
	pw->pool.w = w;
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

static void backend_close(struct proxy_session *s)
{
	if (s->bev.fd < 0)
		return;
	worker_unwatch(s->pw->w, &s->bev);	/* see fd_close() in pool.c */
	close(s->bev.fd);
	s->bev.fd = -1;
	if (s->counted) {
		balancer_conn_end(s->be);
		s->counted = false;
	}
}

static void session_unlink(struct proxy_session *s)
{
	struct proxy_worker *pw = s->pw;

	if (s->prev)
		s->prev->next = s->next;
	else
		pw->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
}

/* Free the session: the struct after this epoll batch (events name it). */
static void session_free(struct proxy_session *s)
{
	backend_close(s);
	session_unlink(s);
	proxy_resp_free(&s->resp);
	free(s->target);
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

/*
 * Can the connection go back to the core from any callback? Only when
 * the core will just wait for the next request on it: kept alive, nothing
 * pipelined behind, not draining. Then it is not freed, and an event still
 * pending for it in this epoll batch finds a live conn.
 */
static bool resume_is_safe(const struct proxy_session *s)
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
void proxy_session_end(struct proxy_session *s, int fail_status)
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
		proxy_relay_arm_client(s);
}

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

static bool build_request(struct proxy_session *s)
{
	struct conn *c = s->c;
	char client_ip[64] = "unknown", hostbuf[300];
	struct proxy_req_params p = { .target = s->target,
				      .target_len = s->target_len,
				      .client_ip = client_ip,
				      .via_token = proxy_via_token };
	size_t len;
	char *head;

	conn_peer_format(c, client_ip, sizeof(client_ip));
	p.trusted = cidr_list_match(&s->pe->set.trust, &c->peer.sa);
	p.https = c->ssl != NULL;
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

/* The backend socket is connected (or reused): send the head. */
static int activate(struct proxy_session *s, int fd)
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
static int connect_next(struct proxy_session *s, bool timed_out)
{
	struct proxy_worker *pw = s->pw;
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
		fd = s->no_pool ? -1 : proxy_pool_take(&pw->pool, be);
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

static void retry_or_fail(struct proxy_session *s, bool timed_out)
{
	int st;

	backend_close(s);
	st = connect_next(s, timed_out);
	if (st)
		proxy_session_end(s, st);
	else
		proxy_relay_arm_backend(s);
}

void proxy_session_fail_backend(struct proxy_session *s)
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
		proxy_session_end(s, 502);
	else
		proxy_session_end(s, -1);	/* truncated: close the client */
}

static void backend_event(struct evsource *src, uint32_t events)
{
	struct proxy_session *s = (struct proxy_session *)src;
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
			proxy_session_end(s, 502);
			return;
		}
	} else if ((events & (EPOLLERR | EPOLLHUP)) && !(events & EPOLLIN)) {
		proxy_session_fail_backend(s);
		return;
	}
	proxy_relay_pump(s);
}

static void session_timeout(struct proxy_session *s)
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
	proxy_session_end(s, s->head_done ? -1 : 504);
}

/* In the client's callback: hand the connection back to the core. */
static void session_finish(struct proxy_session *s)
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
	struct proxy_session *s = conn_suspended_data(c);

	if (!s->finishing && (events & (EPOLLERR | EPOLLHUP))) {
		c->error_note = "client connection error";
		s->backend_reusable = false;
		proxy_session_end(s, -1);
	}
	if (!s->finishing && s->phase == PH_ACTIVE)
		proxy_relay_pump(s);
	if (s->finishing && !s->dead)	/* dead: it finished already */
		session_finish(s);
}

int proxy_session_start(struct conn *c, struct proxy_entry *pe,
			struct proxy_forward *f)
{
	struct proxy_worker *pw;
	struct proxy_session *s;
	int st;

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
		free(f->target);
		free(f->ckey);
		c->keep_alive = false;
		return http_send_error(c, 503, NULL);
	}
	s->pw = pw;
	s->c = c;
	s->target = f->target;
	s->target_len = f->target_len;
	s->cache = f->cache;
	s->cache_max = f->cache_max;
	s->ckey = f->ckey;	/* NULL unless the cache may take the response */
	s->ckey_len = f->ckey_len;
	s->credentials = f->credentials;
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
		conn_send(c, "HTTP/1.1 100 Continue\r\n\r\n", 25);
	conn_suspend(c, client_event, s);
	s->in_request = true;
	if (s->phase == PH_ACTIVE) {	/* a pooled connection: send now */
		proxy_relay_pump(s);
	} else {
		proxy_relay_arm_backend(s);
		proxy_relay_arm_client(s);
	}
	s->in_request = false;
	return KP_DONE;
}

void proxy_session_abort(struct conn *c)
{
	struct proxy_session *s;

	if (c->owner != client_event)
		return;
	s = conn_suspended_data(c);
	session_free(s);
}

void proxy_sessions_free(void)
{
	pthread_mutex_lock(&all_lock);
	while (all_pw) {
		struct proxy_worker *pw = all_pw;

		all_pw = pw->all_next;
		proxy_pool_free(&pw->pool);
		free(pw->spare_rb);
		free(pw->spare_up);
		close(pw->timer.fd);
		free(pw);
	}
	pthread_mutex_unlock(&all_lock);
}
