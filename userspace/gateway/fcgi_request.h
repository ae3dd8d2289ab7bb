/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The FastCGI backend of the gateway (responder role), so that the
 * fastcgi plugin holds only its config: one request per app connection at
 * a time (request id 1). BEGIN_REQUEST and PARAMS go first, the body as
 * STDIN records while it arrives; STDOUT records feed the job, STDERR
 * records are logged line by line. An app server that cannot be reached
 * or breaks the protocol is answered 502, FCGI_OVERLOADED 503. A
 * connection that finished its request cleanly goes back to the pool
 * (fcgi_pool.h).
 */
#ifndef KHTTPDD_GATEWAY_FCGI_REQUEST_H
#define KHTTPDD_GATEWAY_FCGI_REQUEST_H

#include <stdbool.h>
#include <sys/types.h>

#include "fcgi_pool.h"
#include "gateway.h"

/*
 * gw_ops.begin of a FastCGI plugin: script s of j as a request to srv
 * (which outlives the request). Returns 0 or the status to answer.
 */
int fcgi_request_start(struct gw_job *j, const struct fcgi_server *srv,
		       const struct gw_script *s);

/* The rest of the backend's gw_ops. */
ssize_t fcgi_request_body(struct gw_job *j, const char *p, size_t n);
void fcgi_request_body_end(struct gw_job *j);
void fcgi_request_output_ready(struct gw_job *j);
void fcgi_request_release(struct gw_job *j, bool ok);

#endif /* KHTTPDD_GATEWAY_FCGI_REQUEST_H */
