// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The framing of a CGI response body for the client (see cgi_framing.h). */
#include "cgi_framing.h"

#include <khttpd/http_response.h>

void cgi_framing_init(struct cgi_framing *f, int status,
		      long long content_length, bool head_only, int version)
{
	*f = (struct cgi_framing){ .head_only = head_only };
	if (khttp_status_bodyless(status))
		return;	/* CGI_FRAME_NONE, no byte allowed */
	/* 205 Reset Content: no content may be generated (RFC 9110 15.3.6) */
	if (status == 205)
		content_length = 0;
	if (content_length >= 0) {
		f->send_length = true;
		f->length = (uint64_t)content_length;
	}
	if (head_only)
		f->kind = CGI_FRAME_NONE;
	else if (f->send_length)
		f->kind = CGI_FRAME_LENGTH;
	else if (version == 11)
		f->kind = CGI_FRAME_CHUNKED;
	else
		f->kind = CGI_FRAME_CLOSE;
}

size_t cgi_framing_take(struct cgi_framing *f, size_t n)
{
	uint64_t room;

	if (f->head_only)
		return 0;	/* the body of a HEAD is the script's to skip */
	switch (f->kind) {
	case CGI_FRAME_CHUNKED:
	case CGI_FRAME_CLOSE:
		room = n;
		break;
	case CGI_FRAME_LENGTH:
		room = f->length - f->passed;
		break;
	default:
		room = 0;
	}
	if (n > room) {
		f->overrun = true;
		n = (size_t)room;
	}
	f->passed += n;
	return n;
}

bool cgi_framing_complete(const struct cgi_framing *f)
{
	if (f->overrun)
		return false;
	return f->kind != CGI_FRAME_LENGTH || f->passed == f->length;
}
