/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The client side shared by the CGI and FastCGI plugins: one job per
 * request on a suspended connection (conn_suspend). It streams the request
 * body from the client to the backend and the backend's CGI response
 * (head parsed by cgi_resp, body re-framed) to the client, each way with
 * bounded buffers and backpressure, and hands the connection back to the
 * core when the response is complete.
 *
 * A backend (CGI process, FastCGI connection) plugs in with gw_ops and
 * feeds the job with gw_output() / gw_output_end() / gw_fail().
 */
#ifndef KHTTPDD_GATEWAY_H
#define KHTTPDD_GATEWAY_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "cgi_env.h"
#include "cgi_resp.h"
#include "khttpdd.h"

#define GW_BUF (64 * 1024)

struct gw_job;

struct gw_ops {
	/*
	 * Body bytes for the backend: returns how many it took (0: it is
	 * full and calls gw_body_ready() later) or -1 (it failed and called
	 * gw_fail()).
	 */
	ssize_t (*body)(struct gw_job *j, const char *p, size_t n);
	/* The whole body was given. */
	void (*body_end)(struct gw_job *j);
	/* The client drained the output: the backend may read again. */
	void (*output_ready)(struct gw_job *j);
	/*
	 * The job is over (done, failed, client gone, timeout): stop the
	 * backend; ok tells whether it completed its response normally.
	 */
	void (*release)(struct gw_job *j, bool ok);
	/*
	 * The backend answered a local redirect ("Location: /path", RFC 3875
	 * 6.2.2): start a new backend on j for the normalized path (GET, no
	 * body) and return 1, or 0 when the path is not the plugin's (the
	 * core serves it as a static file), -1 on failure (500).
	 */
	int (*redirect)(struct gw_job *j, const char *path, const char *query);
};

struct gw_job {
	struct conn *c;
	struct worker *w;
	const struct gw_ops *ops;
	void *backend;
	const char *name;		/* "cgi" / "fastcgi" for logs */

	/* request body: bytes in c->buf first, then the socket */
	bool body_chunked, body_done;
	uint64_t body_left;		/* Content-Length bytes not yet read */
	struct khttp_chunked chunked;
	uint32_t buf_off;		/* next body byte in c->buf */
	uint32_t buf_end;		/* end of the body bytes in c->buf */
	char *in;			/* decoded body bytes for the backend */
	size_t in_len, in_off;
	bool over_read;			/* read past a chunked body: close */

	/* response */
	struct cgi_resp *resp;
	char *head;			/* the backend's head, accumulating */
	size_t head_len;
	bool head_sent, out_chunked, out_eof;
	char *out;			/* bytes owed to the client */
	size_t out_len, out_off;
	int redirects;			/* local redirects followed */
	char *redirect_to;		/* pending local redirect (malloc'd) */

	int timer_fd;
	struct evsource timer;
	unsigned timeout;		/* seconds of backend silence */
	bool finishing, dead, in_cb, released, output_paused, gone;
	bool body_ended;
	int fail_status;		/* answer this instead (no head sent) */
	uint64_t body_sent;		/* response body bytes (for logs) */
	bool head_only;			/* HEAD: the body is dropped */
	bool nph;			/* non-parsed header: output as is */
};

/*
 * Take c for a backend: suspends the connection. Returns the job, or NULL
 * when out of resources (the caller answers 500). The backend then sets
 * j->backend and calls gw_run().
 */
struct gw_job *gw_start(struct conn *c, const struct gw_ops *ops,
			const char *name, unsigned timeout);
/* The backend is ready: stream the body to it, watch the client. */
void gw_run(struct gw_job *j);
/* A local redirect replaces the request: no body, this method. */
bool gw_redirected(const struct gw_job *j);
/* The backend can take body bytes again. */
void gw_body_ready(struct gw_job *j);
/*
 * Output from the backend. Returns false when the job cannot take more now
 * (the backend waits for output_ready) or is over.
 */
bool gw_output(struct gw_job *j, const char *p, size_t n);
/* The backend's response is complete. */
void gw_output_end(struct gw_job *j);
/* The backend failed: status is answered if no head was sent yet. */
void gw_fail(struct gw_job *j, int status, const char *why);
/* Restart the silence timeout (backend activity). */
void gw_touch(struct gw_job *j);
/* The job of a suspended connection (for on_close), or NULL. */
struct gw_job *gw_job_of(struct conn *c, const struct gw_ops *ops);
/* on_close of a suspended connection: the client is gone. */
void gw_abort(struct gw_job *j);
/* True once the job is over: backend callbacks then do nothing. */
static inline bool gw_dead(const struct gw_job *j)
{
	return j->dead || j->released;
}

/*
 * Free a dead object after the current epoll batch: events already
 * collected may still point at it.
 */
void gw_defer_free(struct worker *w, void *p, void (*fn)(void *p));
/* At exit, after the workers stopped: free what is still deferred. */
void gw_shutdown(void);

/* Which request paths are scripts: "Prefix /cgi-bin/", "Extension .php". */
struct gw_rules {
	char **prefix;
	size_t nprefix;
	char **ext;
	size_t next;
};

/* A rules key of a config section: 1 taken, 0 not a rules key, -1 bad. */
int gw_rules_key(struct gw_rules *r, const char *key, const char *value,
		 char *err, size_t errsz);
void gw_rules_free(struct gw_rules *r);

struct gw_script {
	char name[WORKER_PATH_MAX];		/* SCRIPT_NAME */
	char filename[PATH_MAX + WORKER_PATH_MAX];	/* SCRIPT_FILENAME */
	char docroot[PATH_MAX];
	const char *path_info;			/* in the request path */
	struct stat st;
};

/*
 * Find the script for the normalized path under r (RFC 3875 4.1.13: the
 * leading part that names a file, the rest is PATH_INFO). Returns 1 with s
 * filled, 0 when the path is not under r, or the status to answer (403,
 * 404). Lookups stay beneath the docroot (RESOLVE_BENEATH).
 */
int gw_script_find(const struct conn *c, const struct gw_rules *r,
		   const char *path, struct gw_script *s);

/* The CGI meta-variables of j's request for script s. */
int gw_env(const struct gw_job *j, const struct gw_script *s,
	   const char *query, struct cgi_env *env);

#endif /* KHTTPDD_GATEWAY_H */
