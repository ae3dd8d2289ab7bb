// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The response of a gateway job: the backend's CGI head (or an nph-
 * script's own HTTP head) parsed, the client's head built, the body held
 * to that head's framing (chunked when its length is not known) and sent
 * with backpressure on the backend.
 */
#define _GNU_SOURCE
#include "job.h"
#include "proxy/proxy_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool gw_flush(struct gw_job *j)
{
	while (j->out_off < j->out_len) {
		ssize_t n = conn_send(j->c, j->out + j->out_off,
				      j->out_len - j->out_off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0)	/* 0 of a non-empty write: a dead peer */
			return false;
		j->out_off += (size_t)n;
		gw_touch(j);
	}
	if (j->out_off == j->out_len) {
		j->out_off = j->out_len = 0;
		if (j->out_eof) {
			gw_finish_soon(j);
		} else if (j->output_paused && !j->released) {
			j->output_paused = false;
			j->ops->output_ready(j);
		}
	}
	return true;
}

/* Queue n bytes for the client, growing j->out past its real capacity. */
static bool gw_append(struct gw_job *j, const void *p, size_t n)
{
	if (!n)
		return true;
	if (n > j->out_cap - j->out_len) {
		size_t cap = j->out_len + n + GW_BUF;
		char *o = realloc(j->out, cap);

		if (!o)
			return false;
		j->out = o;
		j->out_cap = cap;
	}
	memcpy(j->out + j->out_len, p, n);
	j->out_len += n;
	return true;
}

/*
 * Body bytes of the response, framed for the client: only those the head
 * allows (the rest sets j->frame.overrun).
 */
static bool gw_body_out(struct gw_job *j, const char *p, size_t n)
{
	char hex[20];

	n = cgi_framing_take(&j->frame, n);
	if (!n)
		return true;
	j->body_sent += n;
	if (j->frame.kind != CGI_FRAME_CHUNKED)
		return gw_append(j, p, n);
	return gw_append(j, hex, (size_t)snprintf(hex, sizeof(hex), "%zx\r\n", n)) &&
	       gw_append(j, p, n) && gw_append(j, "\r\n", 2);
}

/* The backend's head is complete: queue the client's head. */
static bool gw_head_out(struct gw_job *j)
{
	struct conn *c = j->c;
	struct cgi_resp *r = j->resp;
	char *extra, head[CGI_RESP_HEAD_MAX + 1024];
	struct khttp_head h = {
		.status = r->status,
		.content_type = r->content_type[0] ? r->content_type : NULL,
	};
	size_t n;

	cgi_framing_init(&j->frame, r->status, r->content_length, j->head_only,
			 c->req.version);
	h.has_body_length = j->frame.send_length;
	h.content_length = j->frame.length;
	if (j->frame.kind == CGI_FRAME_CLOSE)
		c->keep_alive = false;	/* the close ends the body */
	extra = malloc(r->extra_len + 32);
	if (!extra)
		return false;
	memcpy(extra, r->extra, r->extra_len);
	strcpy(extra + r->extra_len, j->frame.kind == CGI_FRAME_CHUNKED ?
	       "Transfer-Encoding: chunked\r\n" : "");
	h.extra = extra;
	if (r->kind == CGI_RESP_CLIENT_REDIRECT) {
		h.location = r->location;
		h.location_len = strlen(r->location);
	}
	h.version = c->req.version ? c->req.version : 11;
	h.keep_alive = c->keep_alive;
	h.date = c->w->date;
	n = khttp_head_build(head, sizeof(head), &h);
	free(extra);
	c->status = r->status;
	j->head_sent = true;
	return n && gw_append(j, head, n);
}

/*
 * The response is over: the backend ended, or wrote past what its head
 * allows (then the rest is never read and the connection closes, so that
 * no byte of it can pass for the next response).
 */
static void gw_body_end(struct gw_job *j)
{
	if (j->frame.kind == CGI_FRAME_CHUNKED &&
	    !gw_append(j, "0\r\n\r\n", 5)) {
		gw_fail(j, 500, "out of memory");
		return;
	}
	if (!cgi_framing_complete(&j->frame))
		j->c->keep_alive = false;	/* the head's length was a lie */
	j->out_eof = true;
	gw_release(j, !j->frame.overrun);
	if (!gw_flush(j))
		gw_client_gone(j);
	else
		gw_arm(j);
}

/*
 * The backend's CGI head is in j->head: 1 once the client's head is
 * queued (*used: the bytes of j->head it took), 0 while it is incomplete,
 * -1 when the job ended (failed, or a local redirect).
 */
static int gw_cgi_head_out(struct gw_job *j, size_t *used)
{
	int rc = cgi_resp_parse(j->resp, j->head, j->head_len);

	if (rc < 0) {
		gw_fail(j, 502, j->resp->error);
		return -1;
	}
	if (rc == 1)
		return 0;
	if (j->resp->kind == CGI_RESP_LOCAL_REDIRECT) {
		j->redirect_to = strdup(j->resp->location);
		if (!j->redirect_to)
			j->fail_status = 500;
		gw_release(j, true);
		gw_finish_soon(j);
		return -1;
	}
	if (!gw_head_out(j)) {
		gw_fail(j, 500, "out of memory");
		return -1;
	}
	*used = j->resp->head_len;
	return 1;
}

/*
 * An nph- script writes its status line and head itself; they go out as
 * written, but parsed (by the backend response parser) so that its body
 * is held to that head like any script's: nothing after a 204/304 or for
 * HEAD, nothing past its Content-Length, else until the close. The
 * connection stays when its head says so and frames the body, and then
 * closes only if something was cut or the body fell short (gw_body_end).
 * A chunked body it framed itself cannot be bounded without relaying its
 * chunks: 502. Returns as gw_cgi_head_out().
 */
static int gw_nph_head_out(struct gw_job *j, size_t *used)
{
	struct proxy_resp r;
	int rc = proxy_parse_response(j->head, j->head_len, &r);

	if (rc == KHTTP_AGAIN)
		return 0;
	if (rc < 0 || r.chunked) {
		if (rc == KHTTP_DONE)
			proxy_resp_free(&r);
		gw_fail(j, 502, rc < 0 ? "nph: malformed response head" :
			"nph: a chunked body cannot be bounded");
		return -1;
	}
	j->c->status = r.status;
	cgi_framing_init(&j->frame, r.status,
			 r.has_length ? (long long)r.content_length : -1,
			 j->head_only, 10);
	/* its head, not ours, tells the client whether the connection stays */
	if (!r.keep_alive || j->frame.kind == CGI_FRAME_CLOSE)
		j->c->keep_alive = false;
	*used = r.head_len;
	proxy_resp_free(&r);
	j->head_sent = true;
	if (!gw_append(j, j->head, *used)) {
		gw_fail(j, 500, "out of memory");
		return -1;
	}
	return 1;
}

bool gw_output(struct gw_job *j, const char *p, size_t n)
{
	if (gw_dead(j) || j->finishing)
		return false;
	gw_touch(j);
	if (!j->head_sent) {
		size_t room = CGI_RESP_HEAD_MAX + 1 - j->head_len;
		size_t k = n < room ? n : room, used = 0;
		int rc;

		memcpy(j->head + j->head_len, p, k);
		j->head_len += k;
		rc = j->nph ? gw_nph_head_out(j, &used) : gw_cgi_head_out(j, &used);
		if (rc == 0 && j->head_len > CGI_RESP_HEAD_MAX) {
			gw_fail(j, 502, "response head too long");
			return false;
		}
		if (rc <= 0)
			return rc == 0;
		if (!gw_body_out(j, j->head + used, j->head_len - used) ||
		    !gw_body_out(j, p + k, n - k)) {
			gw_fail(j, 500, "out of memory");
			return false;
		}
	} else if (!gw_body_out(j, p, n)) {
		gw_fail(j, 500, "out of memory");
		return false;
	}
	if (j->frame.overrun) {
		log_msg("%s: output beyond what its head allows (status %d): cut, closing",
			j->name, j->c->status);
		if (!j->c->error_note)
			j->c->error_note = "backend output beyond its framing";
		gw_body_end(j);
		return false;
	}
	if (!gw_flush(j)) {
		gw_client_gone(j);
		return false;
	}
	if (j->out_off < j->out_len) {
		j->output_paused = true;
		gw_arm(j);
		return false;
	}
	return true;
}

void gw_output_end(struct gw_job *j)
{
	if (gw_dead(j) || j->finishing)
		return;
	/*
	 * gw_output() parsed these bytes last: a bad head failed the job
	 * there, so what is left is one that did not end.
	 */
	if (!j->head_sent) {
		gw_fail(j, 502, "backend ended without a complete head");
		return;
	}
	gw_body_end(j);
}
