/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CGI backend of the gateway (RFC 3875): a script run as a process, so
 * that the cgi plugin holds only its config. The process gets its own
 * process group, the meta-variables as its environment and the script's
 * directory as its working directory, the daemon's user and no
 * capabilities (core/privs.c); the request
 * body goes to its stdin and its stdout to the job, each through a
 * non-blocking pipe. When the job ends before the script's response does
 * (client gone, timeout), the whole group is killed. A record of the
 * process outlives its job until the process is reaped. [CGI]
 * MaxProcesses bounds how many run at once, across the workers.
 */
#ifndef KHTTPDD_GATEWAY_CGI_PROCESS_H
#define KHTTPDD_GATEWAY_CGI_PROCESS_H

#include <stdbool.h>

#include "gateway.h"

/*
 * gw_ops.begin of a CGI plugin: fork and exec script s for j, through the
 * program interp when not NULL (else s must be executable).
 * Returns 0 or the status to answer: 503, forking nothing, when max
 * scripts of the whole daemon (every worker) still count. A script counts
 * from its fork until its response is over (then it has a few seconds to
 * exit before its group is killed) or, killed early, until it is reaped.
 */
int cgi_process_start(struct gw_job *j, const struct gw_script *s,
		      const char *interp, unsigned max);

/* The rest of the backend's gw_ops. */
ssize_t cgi_process_body(struct gw_job *j, const char *p, size_t n);
void cgi_process_body_end(struct gw_job *j);
void cgi_process_output_ready(struct gw_job *j);
void cgi_process_release(struct gw_job *j, bool ok);

/* At exit, after the workers stopped: free the records not reaped yet. */
void cgi_processes_free(void);

#endif /* KHTTPDD_GATEWAY_CGI_PROCESS_H */
