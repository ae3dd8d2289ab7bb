// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fastcgi: requests answered by a FastCGI application server (php-fpm...).
 *   [FASTCGI]
 *       Server     unix:/run/php/php-fpm.sock   or 127.0.0.1:9000
 *       Extension  .php                         (and/or Prefix /app/)
 *       KeepConn   on                           reuse app connections
 *       PoolSize   8                            idle connections per worker
 *       Timeout    30                           seconds of app silence -> 504
 * A site's "Match <regex> fastcgi" in [HANDLERS] routes more paths here
 * (the script is the leading part of the path that names a file).
 * One request per app connection at a time (request id 1). The body goes
 * out as STDIN records while it arrives; STDOUT records are streamed to the
 * client (gateway.c); STDERR records are logged. An app server that cannot
 * be reached or breaks the protocol is answered 502, one that stays silent
 * 504, FCGI_OVERLOADED 503.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "gateway/fcgi.h"
#include "gateway/fcgi_pool.h"
#include "gateway/gateway.h"
#include "core/khttpdd.h"

#define FCGI_ID 1

extern const struct khttpd_plugin plugin_fastcgi;

struct fcgi_conf {
	struct gw_conf gw;		/* first: gateway.c sees this part */
	struct fcgi_server server;
};

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
};

static int fcgi_section_start(void **data, char *err, size_t errsz)
{
	struct fcgi_conf *cf = calloc(1, sizeof(*cf));

	if (!cf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	cf->server.keep_conn = true;
	cf->server.pool_size = 8;
	gw_conf_init(&cf->gw);
	*data = cf;
	return 0;
}

static int fcgi_parse_server(struct fcgi_server *srv, const char *v,
			     char *err, size_t errsz)
{
	snprintf(srv->name, sizeof(srv->name), "%s", v);
	if (!strncmp(v, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&srv->addr;

		if (strlen(v + 5) >= sizeof(un->sun_path) || v[5] != '/') {
			snprintf(err, errsz, "Server: unix:/absolute/path, not '%s'", v);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, v + 5);
		srv->addrlen = sizeof(*un);
		return 0;
	}
	{
		const char *colon = strrchr(v, ':');
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_NUMERICHOST |
						      AI_NUMERICSERV };
		struct addrinfo *ai;
		char host[64];
		size_t hl;

		if (!colon || colon == v || !colon[1]) {
			snprintf(err, errsz, "Server: want unix:/path or address:port, not '%s'",
				 v);
			return -1;
		}
		hl = (size_t)(colon - v);
		if (v[0] == '[' && colon[-1] == ']') {
			v++;
			hl -= 2;
		}
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "Server: address too long");
			return -1;
		}
		memcpy(host, v, hl);
		host[hl] = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai)) {
			snprintf(err, errsz, "Server: '%s' is not a numeric address:port",
				 srv->name);
			return -1;
		}
		memcpy(&srv->addr, ai->ai_addr, ai->ai_addrlen);
		srv->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
		return 0;
	}
}

static int fcgi_uint(const char *key, const char *v, unsigned lo, unsigned hi,
		     unsigned *out, char *err, size_t errsz)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || !*v || n < lo || n > hi) {
		snprintf(err, errsz, "%s: %u..%u, not '%s'", key, lo, hi, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int fcgi_conf_key(void **data, const struct vhost *vh, const char *key,
			 const char *value, char *err, size_t errsz)
{
	struct fcgi_conf *cf;
	int rc;

	(void)vh;
	if (!*data && fcgi_section_start(data, err, errsz))
		return -1;
	cf = *data;
	rc = gw_conf_key(&cf->gw, key, value, err, errsz);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!strcasecmp(key, "Server"))
		return fcgi_parse_server(&cf->server, value, err, errsz);
	if (!strcasecmp(key, "KeepConn")) {
		if (strcasecmp(value, "on") && strcasecmp(value, "off")) {
			snprintf(err, errsz, "KeepConn: on or off, not '%s'", value);
			return -1;
		}
		cf->server.keep_conn = !strcasecmp(value, "on");
		return 0;
	}
	if (!strcasecmp(key, "PoolSize"))
		return fcgi_uint(key, value, 0, 1024, &cf->server.pool_size,
				 err, errsz);
	snprintf(err, errsz,
		 "unknown key '%s' in [FASTCGI] (known: Server, Prefix, Extension, KeepConn, PoolSize, Timeout)",
		 key);
	return -1;
}

static int fcgi_conf_done(void *data, const struct vhost *vh, char *err,
			  size_t errsz)
{
	struct fcgi_conf *cf = data;

	(void)vh;
	if (!cf)
		return 0;
	if (!cf->server.addrlen) {
		snprintf(err, errsz, "[FASTCGI] needs a Server");
		return -1;
	}
	return 0;
}


static void fcgi_conf_free(void *data)
{
	struct fcgi_conf *cf = data;

	if (!cf)
		return;
	fcgi_pools_drop(&cf->server);
	gw_conf_free(&cf->gw);
	free(cf);
}

static void fcgi_stop(void)
{
	fcgi_pools_drop(NULL);
}

/* ---- one request ---- */

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

static void fcgi_stderr(struct fcgi_req *r, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' || r->err_len == sizeof(r->err_line) - 1) {
			r->err_line[r->err_len] = '\0';
			if (r->err_len)
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

static ssize_t fcgi_body(struct gw_job *j, const char *p, size_t n)
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

static void fcgi_body_end(struct gw_job *j)
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

static void fcgi_output_ready(struct gw_job *j)
{
	struct fcgi_req *r = j->backend;

	r->paused = false;
	if (fcgi_decode_some(r))
		fcgi_read(r);
	if (r->j)
		fcgi_watch(r);
}

static void fcgi_release(struct gw_job *j, bool ok)
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

/* BEGIN_REQUEST and PARAMS, then connect; 0 or the status to answer. */
static int fcgi_begin(struct gw_job *j, const struct gw_conf *gw,
		      const struct gw_script *s, const char *query)
{
	const struct fcgi_server *srv = &((const struct fcgi_conf *)gw)->server;
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
	if (gw_env(j, s, query, &env)) {
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

static const struct gw_ops fcgi_ops = {
	.plugin = &plugin_fastcgi,
	.begin = fcgi_begin,		/* no defaults: the Server is needed */
	.body = fcgi_body,
	.body_end = fcgi_body_end,
	.output_ready = fcgi_output_ready,
	.release = fcgi_release,
};

static int fcgi_on_request(struct conn *c)
{
	return gw_on_request(c, &fcgi_ops);
}

static int fcgi_handle(struct conn *c)
{
	return gw_handle(c, &fcgi_ops);
}

static void fcgi_on_close(struct conn *c)
{
	gw_on_close(c, &fcgi_ops);
}

const struct khttpd_plugin plugin_fastcgi = {
	.name = "fastcgi",
	.section_start = fcgi_section_start,
	.conf_key = fcgi_conf_key,
	.conf_done = fcgi_conf_done,
	.conf_free = fcgi_conf_free,
	.stop = fcgi_stop,
	.on_request = fcgi_on_request,
	.handle = fcgi_handle,
	.handle_reads_body = true,
	.on_close = fcgi_on_close,
};
