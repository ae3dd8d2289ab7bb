// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The response of a gateway job: the backend's CGI head parsed, the
 * client's head built, the body framed (chunked when its length is not
 * known) and sent with backpressure on the backend.
 */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

bool gw_flush(struct gw_job *j)
{
	while (j->out_off < j->out_len) {
		ssize_t n = send(j->c->ev.fd, j->out + j->out_off,
				 j->out_len - j->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0)
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

bool gw_output(struct gw_job *j, const char *p, size_t n)
{
	if (gw_dead(j) || j->finishing)
		return false;
	gw_touch(j);
	if (j->nph) {
		/* the script wrote the status line and framing itself */
		if (!j->head_sent) {
			j->head_sent = true;
			j->c->keep_alive = false;
			j->c->status = n > 12 && !strncmp(p, "HTTP/1.", 7) ?
				       atoi(p + 9) : 200;
		}
		if (!gw_append(j, p, n)) {
			gw_fail(j, 500, "out of memory");
			return false;
		}
		j->body_sent += n;
	} else if (!j->head_sent) {
		size_t room = CGI_RESP_HEAD_MAX + 1 - j->head_len;
		size_t k = n < room ? n : room;
		int rc;

		memcpy(j->head + j->head_len, p, k);
		j->head_len += k;
		rc = cgi_resp_parse(j->resp, j->head, j->head_len);
		if (rc < 0) {
			gw_fail(j, 502, j->resp->error);
			return false;
		}
		if (rc == 1)
			return true;
		if (j->resp->kind == CGI_RESP_LOCAL_REDIRECT) {
			j->redirect_to = strdup(j->resp->location);
			if (!j->redirect_to)
				j->fail_status = 500;
			gw_release(j, true);
			gw_finish_soon(j);
			return false;
		}
		if (!gw_head_out(j) ||
		    !gw_body_out(j, j->head + j->resp->head_len,
				 j->head_len - j->resp->head_len) ||
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
			j->name, j->resp->status);
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
	if (!j->head_sent) {
		if (j->head_len && cgi_resp_parse(j->resp, j->head,
						  j->head_len) < 0)
			gw_fail(j, 502, j->resp->error);
		else
			gw_fail(j, 502, "backend ended without a complete head");
		return;
	}
	gw_body_end(j);
}
