/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * khttpdd plugin API (see Documentation/plugins.md).
 *
 * A plugin is a compiled-in struct khttpd_plugin; the config enables it with
 * "Load <name>" in [PLUGINS]. Every hook is optional. Stages run in Load
 * order; the first plugin that answers a request ends the stage.
 *
 *   on_accept    after accept (peer known, nothing read)     -> CONTINUE/CLOSE
 *   on_request   after a head is parsed and the vhost chosen  -> CONTINUE/DONE/CLOSE
 *   handle       content handler named by a "Match" rule       -> DONE/CLOSE
 *                (after the core read the body into the buffer, unless
 *                handle_reads_body: then like on_request, body unread)
 *   on_directory a directory without index file               -> CONTINUE/DONE
 *   on_response  after the response has been sent (logging)
 *   on_close     the connection is about to be closed
 *   ctl          a khttpctl command the core does not know
 *   metrics      its counters, for the metrics endpoint and khttpctl stats
 *
 * Plugins own file descriptors with worker_watch(): the callback runs in the
 * worker thread that registered it, like the core's own sockets.
 */
#ifndef KHTTPDD_PLUGIN_H
#define KHTTPDD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct conn;
struct config;
struct metrics;
struct strbuf;
struct vhost;
struct worker;

enum kp_result {
	KP_CONTINUE = 0,	/* not mine / nothing to do: next plugin, core */
	KP_DONE = 1,		/* a response has been started on the conn */
	KP_CLOSE = -1,		/* drop the connection now */
};

/* An fd in a worker's epoll set with its own callback. */
struct evsource {
	int fd;
	void (*cb)(struct evsource *src, uint32_t events);
};

struct khttpd_plugin {
	const char *name;	/* as in "Load <name>" and "[<NAME>]" sections */

	/*
	 * Config: one "Key value" line of a [<NAME>] section. vh is NULL in
	 * the main file, the site's vhost in a site file. *data starts NULL
	 * for each scope and belongs to the plugin; a new section of the same
	 * name in the same scope calls section_start first (may be NULL).
	 * Errors are written to err (no file:line, the caller adds it).
	 */
	int (*section_start)(void **data, char *err, size_t errsz);
	int (*conf_key)(void **data, const struct vhost *vh, const char *key,
			const char *value, char *err, size_t errsz);
	/* End of the config (cfg: the whole of it): validate, open files. */
	int (*conf_done)(void *data, const struct config *cfg,
			 const struct vhost *vh, char *err, size_t errsz);
	void (*conf_free)(void *data);

	/*
	 * Process context, once, after the privilege drop and before the
	 * workers start: start threads (one started while the config loads
	 * as root would keep root's capabilities: they are per thread).
	 */
	int (*start)(char *err, size_t errsz);
	/* Process context, at exit (after the workers stopped). */
	void (*stop)(void);
	/* SIGUSR1: reopen log files (logrotate). */
	void (*reopen)(void);

	/*
	 * Its on_request is access control (auth, mandril): it refuses, it
	 * never serves. Any other on_request may answer (a cache hit, a
	 * proxied or scripted response) and so would bypass it: a config
	 * that Loads it after such a plugin is refused (plugin_must_follow).
	 */
	bool access_control;
	int (*on_accept)(struct conn *c);
	int (*on_request)(struct conn *c);
	int (*handle)(struct conn *c);
	/*
	 * handle streams the body itself (conn_suspend), so it may be larger
	 * than the request buffer; the core calls it with the body unread.
	 */
	bool handle_reads_body;
	int (*on_directory)(struct conn *c, int dirfd);
	void (*on_response)(struct conn *c);
	void (*on_close)(struct conn *c);

	/*
	 * Master thread: a khttpctl command ("proxy", "cache-stats") for cfg,
	 * whether it loads the plugin or not. Appends the reply to out and
	 * returns true, or false when cmd is not the plugin's.
	 */
	bool (*ctl)(const struct config *cfg, const char *cmd, bool json,
		    struct strbuf *out);
	/*
	 * Its counters for the metrics endpoint and khttpctl stats, when cfg
	 * loads it (core/metrics.h). Any thread: what it reads is atomic or
	 * taken under the lock that guards it.
	 */
	void (*metrics)(const struct config *cfg, struct metrics *m);
};

/* Every compiled-in plugin, in registry order (id = index): registry.c. */
extern const struct khttpd_plugin *const khttpd_plugins[];
extern const size_t khttpd_nplugins;

const struct khttpd_plugin *plugin_find(const char *name);
int plugin_id(const struct khttpd_plugin *p);
/*
 * The first of loaded[0..n) that p may not be loaded after (an access
 * control plugin after one whose on_request may answer), or NULL.
 */
const struct khttpd_plugin *plugin_must_follow(const struct khttpd_plugin *const *loaded,
					       size_t n, const struct khttpd_plugin *p);

/* Stage runners used by the core (in config Load order). */
int plugins_on_accept(struct conn *c);
int plugins_on_request(struct conn *c);
int plugins_on_directory(struct conn *c, int dirfd);
void plugins_on_response(struct conn *c);
void plugins_on_close(struct conn *c);

/* ---- Services for plugins ---- */

/* Register src->fd (non-blocking) for events in the current worker. */
int worker_watch(struct worker *w, struct evsource *src, uint32_t events);
int worker_watch_mod(struct worker *w, struct evsource *src, uint32_t events);
void worker_unwatch(struct worker *w, struct evsource *src);
/*
 * Free p with fn(p) once the current batch of epoll events is handled:
 * events of this batch may still name it. Unwatch its fds first.
 */
void worker_defer_free(struct worker *w, void *p, void (*fn)(void *p));
/* The batch is handled: run those frees (the worker loop; unit tests). */
void worker_free_deferred(struct worker *w);

/*
 * The client socket: every read and write of it goes through these (never
 * recv/send/sendfile on c->ev.fd), so that an HTTPS connection's bytes
 * pass its TLS record layer. Non-blocking, as recv/send: -1 with errno
 * EAGAIN when it would block; the caller retries a blocked send with the
 * same bytes (more may follow them).
 */
ssize_t conn_recv(struct conn *c, void *buf, size_t len);
ssize_t conn_send(struct conn *c, const void *buf, size_t len);
/* Stop both directions (close_notify first on TLS). */
void conn_shutdown(struct conn *c);

/* Body of the request routed to a handler (decoded if chunked). */
const char *conn_body(const struct conn *c, size_t *len);
/* Normalized path of the request being handled (percent-decoded). */
const char *conn_path(const struct conn *c);
/* Peer address as text ("192.0.2.1", "2001:db8::1"). */
int conn_peer_format(const struct conn *c, char *buf, size_t len);

/*
 * Long-running handlers (proxy_reverse): from on_request, take the client
 * socket with conn_suspend() and return KP_DONE. Until conn_resume(), its
 * events go to cb and the core neither reads, writes nor times the
 * connection out; the request head stays at the start of its buffer. The
 * request body becomes the plugin's: by conn_resume() it has consumed all
 * of it (body_raw counts it, or the bytes after the head are the next
 * request) or set keep_alive false.
 * conn_resume(), called from cb only, gives it back: a response queued with
 * http_send_error()/http_send_body() is sent; otherwise the plugin sent the
 * response itself (status, body_bytes and keep_alive set for on_response)
 * and bytes after the head in the buffer are the next request. It may
 * close and free c. A connection closed while suspended (shutdown) runs
 * on_close, where the plugin finds its data with conn_suspended_data().
 */
void conn_suspend(struct conn *c, void (*cb)(struct conn *c, uint32_t events),
		  void *data);
void *conn_suspended_data(const struct conn *c);
void conn_resume(struct conn *c);

/*
 * A local redirect (a CGI script's "Location: /path"): instead of sending
 * a response, a suspended plugin replaces the request with a new internal
 * one for target, then calls conn_resume(), which runs it through the
 * whole pipeline like a client's request (path normalised, every
 * on_request hook, Match rules, static files), with the original fields
 * (credentials are checked for the new path) but as a GET without a body
 * (HEAD stays HEAD). The plugin must have consumed the body as for
 * conn_resume() (body_raw, or keep_alive false). Returns 0, or 500 with
 * the request unchanged (the plugin answers it): a target the parser
 * refuses, or more than 10 redirects for one client request (a loop).
 */
int conn_redirect(struct conn *c, const char *target);
/*
 * The request line the client sent (up to its CR/LF, *len bytes), for
 * logs: after an internal redirect still the client's, not the target's.
 */
const char *conn_request_line(const struct conn *c, size_t *len);

/* Plugin data of the current request's vhost, or of the main config. */
void *conn_vhost_data(const struct conn *c, const struct khttpd_plugin *p);
void *conn_global_data(const struct conn *c, const struct khttpd_plugin *p);

/*
 * Responses. Each starts the response for the current request and returns
 * KP_DONE (or KP_CLOSE when the connection had to be dropped), so a hook can
 * "return http_send_error(c, 403, NULL);". extra: "Name: value\r\n" lines.
 */
int http_send_error(struct conn *c, int status, const char *extra);
/* body (malloc'd) becomes the connection's; it is freed after sending. */
int http_send_body(struct conn *c, int status, const char *content_type,
		   char *body, size_t len, const char *extra);

#endif /* KHTTPDD_PLUGIN_H */
