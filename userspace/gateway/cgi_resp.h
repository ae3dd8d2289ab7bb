/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The CGI response head (RFC 3875 6.2-6.3) that a CGI script or a FastCGI
 * app writes before its body: parsed incrementally from the bytes received
 * so far, turned into what the daemon's response head needs. Shared by the
 * CGI and FastCGI plugins; pure code.
 */
#ifndef KHTTPDD_CGI_RESP_H
#define KHTTPDD_CGI_RESP_H

#include <stddef.h>

#define CGI_RESP_HEAD_MAX	16384	/* longer script heads are refused */
#define CGI_RESP_CT_MAX		256

enum cgi_resp_kind {
	CGI_RESP_DOCUMENT,	/* a body follows: status + headers */
	CGI_RESP_LOCAL_REDIRECT,	/* "Location: /path": serve that path */
	CGI_RESP_CLIENT_REDIRECT,	/* absolute Location, 302 by default */
};

struct cgi_resp {
	size_t scan;		/* private: bytes already searched */
	size_t head_len;	/* bytes of the head incl. the blank line */
	int kind;		/* enum cgi_resp_kind */
	int status;
	long long content_length;	/* -1: not given */
	char content_type[CGI_RESP_CT_MAX];	/* "" when not given */
	char location[2048];
	/* Other fields to pass on, "Name: value\r\n" each. */
	char extra[CGI_RESP_HEAD_MAX];
	size_t extra_len;
	const char *error;	/* after -1 */
};

void cgi_resp_init(struct cgi_resp *r);
/*
 * buf[0..len) is the script's output so far (the same prefix as in earlier
 * calls). Returns 0 when the head is complete (r->head_len: the body starts
 * there), 1 when more output is needed, -1 when the head is malformed or too
 * long (r->error; answer 502).
 */
int cgi_resp_parse(struct cgi_resp *r, const char *buf, size_t len);

#endif /* KHTTPDD_CGI_RESP_H */
