/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Core types of khttpdd: config, virtual hosts, workers, connections. */
#ifndef KHTTPDD_H
#define KHTTPDD_H

#include <netinet/in.h>
#include <pthread.h>
#include <regex.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

#include <khttpd/http_parser.h>
#include <khttpd/http_response.h>
#include "plugin.h"
#include "tls.h"

struct deferred;
struct fdcache_entry;
struct fdcache;

/* ---- config.c ---- */

struct error_page {
	int status;
	char *path;		/* beneath the docroot, starts with '/' */
};

struct handler_rule {
	regex_t re;
	char *pattern;
	const struct khttpd_plugin *plugin;
};

struct mime_type {
	char *ext;		/* without the dot */
	char *type;
};

struct vhost {
	char *file;		/* site file it came from (or "-r") */
	char **names;		/* ServerName, lower case */
	size_t nnames;
	char *docroot;		/* DocumentRoot as configured */
	int docroot_fd;		/* O_PATH|O_DIRECTORY */
	struct error_page *errpages;
	size_t nerrpages;
	struct handler_rule *rules;
	size_t nrules;
	void **plugin_data;	/* by plugin id: its site-file section */
	struct tls_cert tls;	/* its [TLS] certificate, if any (SNI) */
};

struct listen_addr {
	char host[64];		/* "" = every address (IPv6 dual-stack) */
	char port[8];
	bool tls;		/* "Listen PORT tls" */
};

struct config {
	atomic_int refs;
	char *source;		/* file or directory loaded */
	struct listen_addr *listen;
	size_t nlisten;
	unsigned workers;	/* 0 = one per CPU (resolved at start) */
	bool reuseport;		/* Balance reuseport (else least-loaded) */
	unsigned keepalive_timeout, keepalive_max;
	unsigned header_timeout, body_timeout, send_timeout;
	unsigned drain_timeout;
	unsigned request_max;	/* request buffer cap: head + body */
	unsigned fdcache_entries;	/* FileCacheEntries */
	unsigned fdcache_valid;		/* FileCacheValid: seconds trusted */
	unsigned perm_required, perm_forbid;
	char **indexes;
	size_t nindexes;
	struct khttp_limits limits;
	struct mime_type *mimes;
	size_t nmimes;
	char *control_socket;
	unsigned control_mode;
	/* who the daemon becomes after its start (core/privs.c) */
	char *user;		/* User (default nobody) */
	uid_t uid;
	gid_t gid;		/* Group, or User's primary group */
	bool user_set, group_set;	/* named in the config: must be met */
	uint32_t services_off;	/* bit i: khttpd_services[i] switched off */
	const struct khttpd_plugin **plugins;	/* Load order */
	size_t nplugins;
	void **plugin_data;	/* by plugin id: its main-file section */
	struct vhost *vhosts;	/* [0] is the default */
	size_t nvhosts;
	struct tls_conf tls;	/* [TLS] of the main file */
	bool has_tls;		/* a TLS listener: the certificates are loaded */
};

/* Command-line overrides applied on every (re)load. */
struct config_overrides {
	const char *port;
	const char *docroot;
	int workers;		/* -1: none */
};

/*
 * Load the config (a directory with khttpd.conf and sites/, or one file)
 * or, with path NULL, the built-in defaults. On error returns NULL with
 * "file:line: what is wrong" in err.
 */
struct config *config_load(const char *path, const struct config_overrides *ov,
			   char *err, size_t errsz);
struct config *config_get(struct config *cfg);
void config_put(struct config *cfg);
/*
 * The vhost a host name selects (the parser's host_name: no port, no
 * trailing dot), case-insensitively; the default one for any other.
 */
const struct vhost *config_vhost(const struct config *cfg, const char *name,
				 size_t len);
const char *config_mime(const struct config *cfg, const char *path,
			size_t len);
bool config_loads(const struct config *cfg, const struct khttpd_plugin *p);
/* The plugin of the vhost's first Match rule for the path, or NULL. */
const struct khttpd_plugin *vhost_handler(const struct vhost *vh,
					  const char *path);

/* ---- conn.c ---- */

/*
 * Covers a typical client's request head (curl, wrk, most API clients);
 * a bigger head costs one malloc until the request is done.
 */
#define CONN_INLINE_SIZE 512u

enum conn_state {
	CONN_READ_HEAD,		/* waiting for / reading a request head */
	CONN_READ_BODY,		/* reading a body for a handler plugin */
	CONN_WRITE,		/* sending a response */
	CONN_PLUGIN,		/* suspended: a plugin owns the socket */
	CONN_LINGER,		/* sent its last response; draining input */
	CONN_SKIP_BODY,		/* discarding a body nobody read, then the next head */
	CONN_REDIRECT,		/* conn_redirect() replaced the request: dispatch it */
	CONN_HANDSHAKE,		/* TLS handshake in progress */
};

struct conn {
	struct evsource ev;	/* first: epoll data points here */
	struct worker *w;
	struct config *cfg;
	const struct vhost *vhost;
	struct conn *prev, *next;	/* worker's list, for timeouts */
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} peer;
	uint8_t state;
	bool keep_alive;	/* for the response being built */
	bool head_only;		/* HEAD: no content */
	uint32_t nrequests;
	uint8_t redirects;	/* internal redirects of this client request */
	char *client_line;	/* its request line once a redirect replaced it */
	int64_t deadline;	/* monotonic seconds */

	struct khttp_request req;
	struct khttp_chunked chunked;
	char *buf;		/* inline_buf until it had to grow */
	uint32_t buf_size, buf_len;
	uint32_t body_len;	/* body bytes (decoded) after the head */
	uint32_t body_raw;	/* raw body bytes consumed from buf */
	/*
	 * The request declared a body and nobody has read it yet: an early
	 * answer (401, 403, 404, 405...) must skip it or close, or the body
	 * would be parsed as the next request. Cleared once the core read it
	 * or a plugin took the connection (conn_suspend).
	 */
	bool body_unread;
	uint64_t skip_left;	/* CONN_SKIP_BODY: body bytes still to discard */

	/* response in flight: head, then body (owned), then the file range */
	const char *hd;		/* worker scratch until a send blocks */
	char *bd;		/* malloc'd */
	uint32_t hd_len, hd_off, bd_len, bd_off;
	uint32_t hd_body;	/* trailing bytes of hd that are content */
	struct fdcache_entry *file;
	uint64_t file_off, file_end;
	const struct khttpd_plugin *handler;	/* reading a body for it */
	uint32_t events;	/* epoll mask armed */
	bool watched;		/* in the epoll set (added at the first wait) */
	bool drained;		/* the last read left the socket empty */
	bool closing;		/* close once back in the event loop */
	bool header_started;	/* header_timeout running */

	/* for on_response (logs, stats) */
	int status;
	uint64_t body_bytes;
	const char *remote_user;	/* set by auth; lives in cfg */
	const char *error_note;		/* why an error status was sent */

	/* conn_suspend(): the plugin callback that gets the socket's events */
	void (*owner)(struct conn *c, uint32_t events);
	void *owner_data;

	/* TLS (tls.c): NULL on a plain connection */
	struct ssl_st *ssl;
	bool tls_ktls_tx;	/* the kernel encrypts what we send */
	bool tls_failed;	/* a fatal TLS error: no close_notify */
	bool tls_queued;	/* on the worker's tls_ready list */
	struct conn *tls_next;

	char inline_buf[];
};

void conn_adopt(struct worker *w, int fd, const struct sockaddr *peer,
		socklen_t peerlen, const char *bytes, size_t len, bool tls);
void conn_close(struct conn *c);
void conn_timeout(struct conn *c);
/*
 * After the last response: half-close and discard input until EOF, so that
 * unread pipelined bytes do not turn the close into a reset that destroys
 * the response in flight (RFC 9112 9.6).
 */
void conn_linger(struct conn *c);
/*
 * Queue a response: head (may live in the worker scratch), body (malloc'd,
 * taken) and a file range (reference taken). http_process() sends it.
 */
void conn_queue(struct conn *c, const char *head, size_t head_len,
		char *body, size_t body_len, struct fdcache_entry *f,
		uint64_t off, uint64_t len);
/* Send what is queued: 1 all sent, 0 would block, -1 error. */
int conn_flush(struct conn *c);
void conn_arm(struct conn *c, uint32_t events);
/* Drop the queued response and buffers of the finished request. */
void conn_reset_response(struct conn *c);
bool conn_grow(struct conn *c, uint32_t max);

/* ---- http.c ---- */

void http_process(struct conn *c);	/* parse and dispatch buffered bytes */
void http_response_done(struct conn *c);
/* Build a head for c's request into w->scratch. */
size_t http_head(struct conn *c, struct khttp_head *h);

/* ---- https.c ---- */

/*
 * "https://host[:port]/path[?query]" for the normalised path (encoded as
 * khttp_path_encode does) and the query (RFC 3986 query characters kept,
 * any other byte encoded); port 443 is left out, an IPv6 host bracketed.
 * Returns the length (out NUL-terminated) or 0 when it does not fit.
 */
size_t https_location(char *out, size_t outsz, const char *host, size_t hlen,
		      const char *port, const char *path, const char *query,
		      size_t qlen);
/* The port of cfg's first TLS listener, or NULL. */
const char *https_port(const struct config *cfg);
/*
 * extra with Strict-Transport-Security appended (in buf) when c is TLS and
 * [TLS] HSTS is set; else extra itself.
 */
const char *https_extra(const struct conn *c, const char *extra, char *buf,
			size_t bufsz);

/* ---- redirect.c ---- */

/*
 * The head of the internal redirect of a parsed request (buf, req) to
 * target ("/path?query"): GET (HEAD stays HEAD), the request's fields but
 * Content-Length, Transfer-Encoding, Content-Type and Expect. malloc'd,
 * *len its length; NULL when out of memory. The caller parses it.
 */
char *redirect_head(const char *buf, const struct khttp_request *req,
		    const char *target, size_t *len);

/* ---- static.c ---- */

int static_serve(struct conn *c);
/*
 * The head for a file (etag, mtime, size) under the request's conditionals
 * and Range: fills h (status 200, 206 or 304, validators, length, range,
 * type from path) and the byte range to send, [*start, *start + *len).
 * Returns h->status, or 412 / 416 for the caller to answer.
 */
int static_file_head(const struct conn *c, struct khttp_head *h,
		     const char *etag, size_t etag_len, s64 mtime,
		     uint64_t size, const char *path, uint64_t *start,
		     uint64_t *len);
/* Open rel ("." for the root) beneath dirfd (RESOLVE_BENEATH): fd/-errno. */
int static_open(int dirfd, const char *rel);

/* ---- worker.c ---- */

#define WORKER_PATH_MAX 4096
#define WORKER_SCRATCH 2048

/* Added to by the worker alone; read by anyone (core/stats.c). */
struct worker_stats {
	_Atomic uint64_t requests, accepted;
	/* content bytes sent, as they leave: sendfile (plain or kTLS), or not */
	_Atomic uint64_t bytes_zerocopy, bytes_copied;
	_Atomic uint64_t status[600];
};

struct listener {
	struct evsource ev;	/* first: epoll data points here */
	struct worker *w;	/* the worker watching it */
	int spare_fd;		/* given up to shed a connection at EMFILE */
	bool tls;		/* its connections speak TLS */
	bool shared;		/* leastconn: the master's, every worker's too */
};

struct worker {
	unsigned id;
	pthread_t thread;
	int epfd;
	int msg_wr;			/* master -> worker messages */
	struct evsource msg;
	struct evsource tick;		/* 1 s timerfd: dates, timeouts */
	struct listener *listeners;	/* reuseport mode: own sockets */
	size_t nlisteners;
	atomic_uint nconns;
	atomic_uint pending;		/* handed over, not yet adopted */
	struct conn *conns;
	struct config *cfg;
	struct fdcache *fc;
	bool draining;
	unsigned cfg_gen;	/* server.cfg_gen when the pipe was last read */
	bool tick_due, drain_due;	/* run after the event batch */
	int64_t now;			/* monotonic seconds */
	struct deferred *deferred;	/* worker_defer_free(), this batch */
	struct conn *tls_ready;		/* TLS conns with decrypted input held */
	time_t date_time;
	char date[KHTTP_DATE_LEN + 1];
	char path[WORKER_PATH_MAX];	/* normalized path of the request */
	char scratch[WORKER_SCRATCH];	/* response heads */
	struct worker_stats stats;
};

struct server {
	struct config *cfg;		/* current: guarded by cfg_lock */
	pthread_mutex_t cfg_lock;
	/* bumped after a reload's MSG_CONFIGs are in every worker's pipe */
	atomic_uint cfg_gen;
	struct worker *workers;
	unsigned nworkers;
	time_t started;
	atomic_bool draining;
};

extern struct server server;

int worker_start(struct worker *w, unsigned id, struct config *cfg,
		 const int *listen_fds, size_t nlisten, bool reuseport);
/* Hand an accepted fd (and bytes already read from it) to a worker. */
int worker_adopt_fd(struct worker *w, int fd, const char *bytes, size_t len,
		    const struct sockaddr *peer, socklen_t peerlen, bool tls);
/* c has decrypted input that epoll cannot report: run it after the batch. */
void worker_tls_ready(struct conn *c);
void worker_tls_unready(struct conn *c);
/* The worker with the fewest connections; prefer wins a tie (or NULL). */
struct worker *worker_least_loaded(struct worker *prefer);
/* Prepare l (fd set) for listener_accept(). */
int listener_init(struct listener *l, struct worker *w,
		  void (*cb)(struct evsource *, uint32_t));
/*
 * accept4 one connection (non-blocking), or -1 when none is pending. Out of
 * fds, it accepts and closes one with the spare fd so that a level-triggered
 * listener does not spin.
 */
int listener_accept(struct listener *l, struct sockaddr_in6 *peer,
		    socklen_t *len);
void worker_set_config(struct worker *w, struct config *cfg);
void worker_drain(struct worker *w);
/* Join the thread (after a drain) and free its state. */
void worker_cleanup(struct worker *w);
void worker_update_date(struct worker *w);

/* ---- log.c ---- */

void log_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- ctl.c ---- */

int ctl_open(const struct config *cfg);
void ctl_close(void);
void ctl_handle(int listen_fd);
/* Reply for one command line: malloc'd text, NULL when out of memory. */
char *ctl_reply(const char *cmd, bool json);

#endif /* KHTTPDD_H */
