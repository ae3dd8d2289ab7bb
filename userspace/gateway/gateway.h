/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The client side shared by the CGI and FastCGI plugins: one job per
 * request on a suspended connection (conn_suspend). It streams the request
 * body from the client to the backend and the backend's CGI response
 * (head parsed by cgi_resp, body re-framed) to the client, each way with
 * bounded buffers and backpressure, and hands the connection back to the
 * core when the response is complete.
 *
 * A backend (a CGI process: cgi_process.h, a FastCGI request:
 * fcgi_request.h) plugs in with gw_ops and feeds the job with gw_output()
 * / gw_output_end() / gw_fail().
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
#include "cgi_framing.h"
#include "cgi_resp.h"
#include "core/khttpdd.h"

#define GW_BUF (64 * 1024)
#define GW_SPOOL_MEM (256 * 1024)

struct gw_job;
struct gw_script;

/* Which request paths are scripts: "Prefix /cgi-bin/", "Extension .php". */
struct gw_rules {
	char **prefix;
	size_t nprefix;
	char **ext;
	size_t next;
};

/* The settings every gateway section has: the first member of its conf. */
struct gw_conf {
	struct gw_rules rules;
	unsigned timeout;		/* seconds of backend silence -> 504 */
};

struct gw_ops {
	const struct khttpd_plugin *plugin;
	/*
	 * The conf for a vhost whose Match rule routes to the plugin when no
	 * section configures it, or NULL when a section is required.
	 */
	const struct gw_conf *defaults;
	/*
	 * Start a backend on j for script s of j's request: sets j->backend,
	 * returns 0 or the status to answer.
	 */
	int (*begin)(struct gw_job *j, const struct gw_conf *cf,
		     const struct gw_script *s);
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
};

struct gw_job {
	struct conn *c;
	struct worker *w;
	const struct gw_ops *ops;
	void *backend;
	const char *name;		/* the plugin's, for logs */

	/* request body: bytes in c->buf first, then the socket */
	bool body_chunked, body_done;
	uint64_t body_left;		/* Content-Length bytes not yet read */
	struct khttp_chunked chunked;
	uint32_t buf_off;		/* next body byte in c->buf */
	uint32_t buf_end;		/* end of the body bytes in c->buf */
	char *in;			/* decoded body bytes for the backend */
	size_t in_len, in_off;
	bool over_read;			/* read past a chunked body: close */
	/*
	 * A chunked body is read whole before the backend starts, so that it
	 * gets a CONTENT_LENGTH (PHP reads no body without one), as nginx
	 * does: in memory up to GW_SPOOL_MEM, then in an unlinked temp file.
	 * Then it is given like a Content-Length body of spool_len bytes.
	 */
	bool spooling;			/* reading it: no backend yet */
	bool spooled;			/* body_left bytes come from the spool */
	char *spool;
	int spool_fd;			/* the temp file, or -1 */
	uint64_t spool_len;
	const struct gw_conf *cf;	/* to start the backend with after it */
	struct gw_script *script;

	/* response */
	struct cgi_resp *resp;
	char *head;			/* the backend's head, accumulating */
	size_t head_len;
	bool head_sent, out_eof;
	struct cgi_framing frame;	/* the body's, once the head is sent */
	char *out;			/* bytes owed to the client */
	size_t out_len, out_off, out_cap;	/* out_cap: its allocation */
	char *redirect_to;		/* pending local redirect (malloc'd) */

	/*
	 * One timer for two deadlines (CLOCK_MONOTONIC ms, 0: none): the
	 * backend's silence (Timeout, restarted by its activity) and the
	 * client's body (see gw_body_received()).
	 */
	int timer_fd;
	struct evsource timer;
	unsigned timeout;		/* seconds of backend silence */
	int64_t silence_due;
	int64_t body_due;
	int64_t body_start;
	uint64_t body_received;		/* raw body bytes from the client */
	bool finishing, dead, in_cb, released, output_paused, gone;
	bool body_ended;
	bool peer_shut;			/* the client sends no more (EPOLLRDHUP) */
	int fail_status;		/* answer this instead (no head sent) */
	uint64_t body_sent;		/* response body bytes (for logs) */
	bool head_only;			/* HEAD: the body is dropped */
	bool nph;			/* non-parsed header: its own head goes out */
};

/*
 * The plugin hooks, each plugin passing its ops. on_request takes the
 * paths the section's Prefix/Extension rules cover; handle takes those a
 * vhost's "Match <regex> <plugin>" routes to the plugin (the script is then
 * the leading part of the path that names a file and that the Match rules
 * route to the plugin by itself). Both start a job on the
 * suspended connection (KP_DONE), or return KP_CONTINUE when the path is
 * not the plugin's. A local redirect ("Location: /path" from the backend)
 * is a new request for the core (conn_redirect), checked and routed like
 * any other.
 */
int gw_on_request(struct conn *c, const struct gw_ops *ops);
int gw_handle(struct conn *c, const struct gw_ops *ops);
void gw_on_close(struct conn *c, const struct gw_ops *ops);

/*
 * The core calls those hooks with the connection only, so each gateway
 * plugin has them once for its ops: GW_HOOKS(cgi, cgi_ops) defines
 * cgi_on_request, cgi_handle and cgi_on_close, and GW_HOOK_FIELDS(cgi)
 * names them in the plugin's struct khttpd_plugin.
 */
#define GW_HOOKS(prefix, ops)						\
	static int prefix##_on_request(struct conn *c)			\
	{								\
		return gw_on_request(c, &(ops));			\
	}								\
	static int prefix##_handle(struct conn *c)			\
	{								\
		return gw_handle(c, &(ops));				\
	}								\
	static void prefix##_on_close(struct conn *c)			\
	{								\
		gw_on_close(c, &(ops));					\
	}
#define GW_HOOK_FIELDS(prefix)						\
	.on_request = prefix##_on_request,				\
	.handle = prefix##_handle,					\
	.handle_reads_body = true,	/* the job streams the body */	\
	.on_close = prefix##_on_close

/*
 * The common keys of a section (Prefix, Extension, Timeout): defaults,
 * one "Key value" (1 taken, 0 not one of them, -1 bad), free.
 */
void gw_conf_init(struct gw_conf *cf);
int gw_conf_key(struct gw_conf *cf, const char *key, const char *value,
		char *err, size_t errsz);
void gw_conf_free(struct gw_conf *cf);

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
/* True once the job is over: backend callbacks then do nothing. */
static inline bool gw_dead(const struct gw_job *j)
{
	return j->dead || j->released;
}

struct gw_script {
	char name[WORKER_PATH_MAX];		/* SCRIPT_NAME */
	char filename[PATH_MAX + WORKER_PATH_MAX];	/* SCRIPT_FILENAME */
	char docroot[PATH_MAX];
	const char *path_info;			/* in the request path */
	struct stat st;
};

/* The CGI meta-variables of j's request for script s. */
int gw_env(const struct gw_job *j, const struct gw_script *s,
	   struct cgi_env *env);

#endif /* KHTTPDD_GATEWAY_H */
