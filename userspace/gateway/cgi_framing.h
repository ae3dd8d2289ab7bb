/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * How the body of a CGI response (a script's, a FastCGI app's) is framed
 * for the client, and how much of what the backend writes may reach it
 * (RFC 9112 6.3): nothing after a 1xx/204/304 head or for HEAD, exactly
 * the declared Content-Length, else chunked (HTTP/1.1) or until the close.
 * A backend that writes more than that must not have the rest read as the
 * next response of a pipelined connection: the excess is cut and flagged
 * so that the connection closes. Pure code: the gateway's output path
 * (output.c) asks, the unit tests check every case.
 */
#ifndef KHTTPDD_CGI_FRAMING_H
#define KHTTPDD_CGI_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cgi_framing_kind {
	CGI_FRAME_NONE,		/* no body on the wire: HEAD, 1xx, 204, 304 */
	CGI_FRAME_LENGTH,	/* Content-Length: length */
	CGI_FRAME_CHUNKED,	/* Transfer-Encoding: chunked */
	CGI_FRAME_CLOSE,	/* HTTP/1.0, no length: the close ends it */
};

struct cgi_framing {
	int kind;		/* enum cgi_framing_kind */
	bool send_length;	/* the head carries Content-Length: length */
	uint64_t length;
	bool head_only;		/* HEAD: the body is dropped, as it may be */
	uint64_t passed;	/* body bytes given to the client so far */
	bool overrun;		/* the backend wrote where no byte may go */
};

/*
 * For a response of status whose backend declared content_length (-1:
 * none) to a request of HTTP version (10, 11), HEAD or not.
 */
void cgi_framing_init(struct cgi_framing *f, int status,
		      long long content_length, bool head_only, int version);
/*
 * n more body bytes from the backend: how many of the first of them go to
 * the client. Bytes beyond what the framing allows set f->overrun.
 */
size_t cgi_framing_take(struct cgi_framing *f, size_t n);
/*
 * The backend ended: whether the client got the body the head announced
 * and nothing else (false: the connection must close).
 */
bool cgi_framing_complete(const struct cgi_framing *f);

#endif /* KHTTPDD_CGI_FRAMING_H */
