/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The sessions of proxy_reverse (Documentation/proxy.md), shared by
 * session.c (life of a session: connecting, events, timeouts, the end)
 * and relay.c (moving the bytes).
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
#ifndef KHTTPDD_PROXY_SESSION_H
#define KHTTPDD_PROXY_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/khttpdd.h"
#include "pool.h"
#include "proxy_cache.h"
#include "proxy_conf.h"
#include "proxy_http.h"

#define RB_CAP (64 * 1024)	/* backend bytes read at once (and head max) */
#define UP_CAP (64 * 1024)	/* request body bytes queued to the backend */
#define CLIENT_BODY_READ (64 * 1024)
#define TICK_MS 100

struct cache_store;

enum phase { PH_CONNECT, PH_ACTIVE };

/* How the response body ends: no body, Content-Length, chunked, close. */
enum framing { FR_NONE, FR_LENGTH, FR_CHUNKED, FR_CLOSE };

/* One proxied request, from its parsed head to the end of the response. */
struct proxy_session {
	struct evsource bev;		/* the backend socket */
	bool dead;			/* freed after this epoll batch */
	struct proxy_worker *pw;
	struct proxy_session *prev, *next;	/* pw->sessions */
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

	char *target;			/* proxy_target(): what the backend gets */
	size_t target_len;

	/* storing the response in the cache (ProxyResponses On) */
	struct cache_store *cache;
	size_t cache_max;
	char *ckey;			/* "http://host/target" */
	size_t ckey_len;
	bool credentials;		/* the request had Authorization */
	char *cbuf;			/* fields + body, filled while relaying */
	size_t cbuf_len, cbuf_cap, cbuf_limit;
	struct proxied_meta cmeta;
	unsigned cttl;

	/* ending: the client callback finishes (conn_resume) */
	bool finishing;
	int fail_status;		/* answer this instead (no head sent) */
};

/* One per worker thread that proxied a request. */
struct proxy_worker {
	struct evsource timer;
	struct worker *w;
	struct proxy_session *sessions;
	struct proxy_pool pool;		/* idle backend connections */
	struct proxy_worker *all_next;
	/* one session's relay buffers kept for the next: no heap churn */
	char *spare_rb, *spare_up;
};

/* This server's Via token (proxy_via_token_init() at config load). */
extern char proxy_via_token[PROXY_VIA_TOKEN_LEN + 1];

/* ---- session.c ---- */

/* What the plugin decided about a request before its session starts. */
struct proxy_forward {
	char *target;			/* proxy_target(), malloc'd */
	size_t target_len;
	struct cache_store *cache;	/* NULL: the response is not stored */
	size_t cache_max;
	char *ckey;			/* its key, malloc'd */
	size_t ckey_len;
	bool credentials;		/* PROXY_CACHE_CREDENTIALS */
};

/*
 * Take the request on c to entry pe's backends: KP_DONE with the
 * connection suspended, or an error answered. The session takes f's
 * strings (freed on every path).
 */
int proxy_session_start(struct conn *c, struct proxy_entry *pe,
			struct proxy_forward *f);
/* The connection closes while a session owns it (shutdown): drop it. */
void proxy_session_abort(struct conn *c);
/*
 * End the session: fail_status 0 after a complete response, > 0 to answer
 * that status (no head sent yet), < 0 to close the client connection.
 */
void proxy_session_end(struct proxy_session *s, int fail_status);
/* The backend connection failed: retry, answer 502, or cut the response. */
void proxy_session_fail_backend(struct proxy_session *s);
/* At exit, after the workers stopped: free every thread's state. */
void proxy_sessions_free(void);

/* ---- relay.c ---- */

/*
 * Make every step possible without blocking: send to the backend, read the
 * client body, send to the client, read the backend. Returns false when
 * the session ended.
 */
bool proxy_relay_pump(struct proxy_session *s);
/* Watch each side for what the relay waits for on it. */
void proxy_relay_arm_client(struct proxy_session *s);
void proxy_relay_arm_backend(struct proxy_session *s);

#endif /* KHTTPDD_PROXY_SESSION_H */
