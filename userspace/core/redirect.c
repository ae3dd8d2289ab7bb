// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Internal redirects (a CGI script's "Location: /path", RFC 3875 6.2.2).
 * The request is replaced, in the connection's buffer, by a new head for
 * the target: GET (HEAD stays HEAD, its answer has no body), the original
 * header fields but those of the dropped body. The core then dispatches it
 * like any request (http.c, CONN_REDIRECT): the shared parser and path
 * normaliser judge the target, every request-stage plugin (auth, mandril,
 * the cache...) and Match rule sees it with the client's credentials, so
 * the plugin that redirected never serves or names the target itself.
 */
#include <stdlib.h>
#include <string.h>

#include "khttpdd.h"
#include "reqfield.h"
#include "strbuf.h"

/* At most this many redirects for one client request: a loop ends in 500. */
#define REDIRECT_MAX 10

/* Every field but those of the body the redirected request no longer has. */
static bool redirect_keeps(const char *buf, struct khttp_span name,
			   struct khttp_span value, void *arg)
{
	static const char *const names[] = {
		"content-length", "transfer-encoding", "content-type", "expect",
	};

	(void)value;
	(void)arg;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (khttp_span_ieq(buf, name, names[i]))
			return false;
	return true;
}

char *redirect_head(const char *buf, const struct khttp_request *req,
		    const char *target, size_t *len)
{
	struct strbuf b = { 0 };

	strbuf_str(&b, req->method == KHTTP_METHOD_HEAD ? "HEAD " : "GET ");
	/* absolute-form: the same scheme and authority, so the same host */
	if (req->flags & KHTTP_F_ABSOLUTE_FORM)
		strbuf_add(&b, buf + req->target.off,
			   (size_t)(req->path.off - req->target.off));
	strbuf_str(&b, target);
	strbuf_str(&b, req->version == 10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
	reqfield_copy(&b, buf, req, redirect_keeps, NULL);
	strbuf_str(&b, "\r\n");
	return strbuf_take(&b, len);
}

/* The first line of buf[0..len), without the empty lines before it. */
static const char *first_line(const char *buf, size_t len, size_t *n)
{
	size_t start = 0, end;

	/* Empty lines before a request line are allowed (RFC 9112 2.2). */
	while (start < len && (buf[start] == '\r' || buf[start] == '\n'))
		start++;
	end = start;
	while (end < len && buf[end] != '\r' && buf[end] != '\n')
		end++;
	*n = end - start;
	return buf + start;
}

const char *conn_request_line(const struct conn *c, size_t *len)
{
	if (c->client_line) {
		*len = strlen(c->client_line);
		return c->client_line;
	}
	return first_line(c->buf, c->buf_len, len);
}

int conn_redirect(struct conn *c, const char *target)
{
	uint32_t used = c->req.head_len + c->body_raw, rest;
	struct khttp_request req;
	size_t n;
	char *head;

	if (c->redirects >= REDIRECT_MAX) {
		c->error_note = "too many internal redirects";
		return 500;
	}
	if (target[0] != '/') {
		c->error_note = "internal redirect to an invalid target";
		return 500;
	}
	if (!c->client_line) {	/* the logs keep what the client asked */
		const char *line = first_line(c->buf, c->buf_len, &n);

		c->client_line = strndup(line, n);
		if (!c->client_line)
			return 500;
	}
	head = redirect_head(c->buf, &c->req, target, &n);
	if (!head)
		return 500;
	khttp_request_init(&req);
	/* the target is a script's: the parser judges it like a client's */
	if (khttp_parse(&req, &c->cfg->limits, head, n) != KHTTP_DONE ||
	    req.head_len != n) {
		free(head);
		c->error_note = "internal redirect to an invalid target";
		return 500;
	}
	/* what follows the consumed body is the next request, if any */
	rest = c->keep_alive && used <= c->buf_len ? c->buf_len - used : 0;
	while (c->buf_size < n + rest && conn_grow(c, (uint32_t)(n + rest)))
		;
	if (c->buf_size < n + rest) {
		free(head);
		return 500;
	}
	memmove(c->buf + n, c->buf + used, rest);
	memcpy(c->buf, head, n);
	free(head);
	c->buf_len = (uint32_t)(n + rest);
	c->req = req;
	c->body_len = c->body_raw = 0;
	c->redirects++;
	c->remote_user = NULL;	/* auth decides again, for the new path */
	c->error_note = NULL;
	c->state = CONN_REDIRECT;
	return 0;
}
