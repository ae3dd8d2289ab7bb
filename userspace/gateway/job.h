/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Between the gateway's files: the job's life (gateway.c), the request
 * body (body.c), the response (output.c) and scripts (script.c). Backends
 * and plugins use gateway.h only.
 */
#ifndef KHTTPDD_GATEWAY_JOB_H
#define KHTTPDD_GATEWAY_JOB_H

#include "gateway.h"

/* ---- gateway.c ---- */

/* Stop the backend (once): ok when it completed its response. */
void gw_release(struct gw_job *j, bool ok);
/* Watch the client for what the job waits for on it. */
void gw_arm(struct gw_job *j);
/*
 * Finish from the connection's callback: now, or on its next event (the
 * socket is writable, or shut down below so that it reports a hang-up).
 */
void gw_finish_soon(struct gw_job *j);
/* The client is gone: stop the backend, close the connection. */
void gw_client_gone(struct gw_job *j);
/*
 * The client sent n more raw bytes of its body. The whole body is due
 * BodyTimeout after the job started, plus a second for every
 * GW_BODY_MIN_RATE bytes received (Apache's MinRate): a large upload at
 * any real speed makes its deadline, a drip cannot extend it (before, its
 * bytes restarted the backend's silence timer). Once the client owes no
 * more, the deadline is off.
 */
#define GW_BODY_MIN_RATE 512
void gw_body_received(struct gw_job *j, size_t n);

/* ---- output.c ---- */

/* Send what the client is owed: false when the client is gone. */
bool gw_flush(struct gw_job *j);

/* ---- script.c ---- */

/*
 * The script of path for the plugin (1 with s filled, 0 when the path is
 * not the plugin's, or the status to answer), by the plugin's own rules
 * or, when routed, by a vhost's Match rule. *cfp: the conf to run it with.
 */
int gw_script_of(const struct conn *c, const struct gw_ops *ops, bool routed,
		 const char *path, struct gw_script *s,
		 const struct gw_conf **cfp);

#endif /* KHTTPDD_GATEWAY_JOB_H */
