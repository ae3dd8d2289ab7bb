// SPDX-License-Identifier: GPL-2.0 OR MIT
/* CGI response head parser (see cgi_resp.h). */
#include "cgi_resp.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

void cgi_resp_init(struct cgi_resp *r)
{
	r->scan = 0;
	r->head_len = 0;
	r->kind = CGI_RESP_DOCUMENT;
	r->status = 0;
	r->content_length = -1;
	r->content_type[0] = '\0';
	r->location[0] = '\0';
	r->extra_len = 0;
	r->error = NULL;
}

static int cgi_fail(struct cgi_resp *r, const char *why)
{
	r->error = why;
	return -1;
}

static int is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Fields the daemon frames itself or that are hop-by-hop: never passed. */
static int cgi_field_dropped(const char *name, size_t len)
{
	static const char *const dropped[] = {
		"Connection", "Keep-Alive", "Transfer-Encoding", "TE",
		"Upgrade", "Proxy-Connection", "Trailer", "Date", "Server",
	};
	size_t i;

	for (i = 0; i < sizeof(dropped) / sizeof(dropped[0]); i++)
		if (strlen(dropped[i]) == len &&
		    !strncasecmp(name, dropped[i], len))
			return 1;
	return 0;
}

static int cgi_name_is(const char *name, size_t len, const char *want)
{
	return strlen(want) == len && !strncasecmp(name, want, len);
}

static int cgi_copy(char *dst, size_t cap, const char *v, size_t len)
{
	if (len >= cap)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

/* One field line (no line ending) of the head. */
static int cgi_field(struct cgi_resp *r, const char *line, size_t len)
{
	const char *colon = memchr(line, ':', len);
	const char *v, *end = line + len;
	size_t nlen, vlen, i;

	if (len && (line[0] == ' ' || line[0] == '\t'))
		return cgi_fail(r, "folded header line in the script's output");
	if (!colon || colon == line)
		return cgi_fail(r, "script output line is not a header field");
	nlen = (size_t)(colon - line);
	for (i = 0; i < nlen; i++)
		if (!is_tchar((unsigned char)line[i]))
			return cgi_fail(r, "bad header name in the script's output");
	v = colon + 1;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	vlen = (size_t)(end - v);
	for (i = 0; i < vlen; i++)
		if (((unsigned char)v[i] < 0x20 && v[i] != '\t') || v[i] == 0x7f)
			return cgi_fail(r, "control character in a script header");

	if (cgi_name_is(line, nlen, "Status")) {
		if (r->status)
			return cgi_fail(r, "several Status fields");
		if (vlen < 3 || v[0] < '1' || v[0] > '5' ||
		    v[1] < '0' || v[1] > '9' || v[2] < '0' || v[2] > '9' ||
		    (vlen > 3 && v[3] != ' '))
			return cgi_fail(r, "bad Status field");
		r->status = (v[0] - '0') * 100 + (v[1] - '0') * 10 + v[2] - '0';
		if (r->status < 200)
			return cgi_fail(r, "Status below 200");
		return 0;
	}
	if (cgi_name_is(line, nlen, "Location")) {
		if (r->location[0] || !vlen ||
		    cgi_copy(r->location, sizeof(r->location), v, vlen))
			return cgi_fail(r, "bad Location field");
		return 0;
	}
	if (cgi_name_is(line, nlen, "Content-Type")) {
		if (r->content_type[0] || !vlen ||
		    cgi_copy(r->content_type, sizeof(r->content_type), v, vlen))
			return cgi_fail(r, "bad Content-Type field");
		return 0;
	}
	if (cgi_name_is(line, nlen, "Content-Length")) {
		long long n = 0;

		if (r->content_length >= 0 || !vlen || vlen > 18)
			return cgi_fail(r, "bad Content-Length field");
		for (i = 0; i < vlen; i++) {
			if (v[i] < '0' || v[i] > '9')
				return cgi_fail(r, "bad Content-Length field");
			n = n * 10 + (v[i] - '0');
		}
		r->content_length = n;
		return 0;
	}
	if (cgi_field_dropped(line, nlen))
		return 0;
	if (nlen + vlen + 4 > sizeof(r->extra) - r->extra_len)
		return cgi_fail(r, "script header too long");
	memcpy(r->extra + r->extra_len, line, nlen);
	r->extra_len += nlen;
	memcpy(r->extra + r->extra_len, ": ", 2);
	r->extra_len += 2;
	memcpy(r->extra + r->extra_len, v, vlen);
	r->extra_len += vlen;
	memcpy(r->extra + r->extra_len, "\r\n", 2);
	r->extra_len += 2;
	return 0;
}

/* The end of the head: after "\n\n" or "\n\r\n"; 0 if not there yet. */
static size_t cgi_head_end(const char *buf, size_t len, size_t from)
{
	size_t i;

	if (len && buf[0] == '\n')
		return 1;
	if (len > 1 && buf[0] == '\r' && buf[1] == '\n')
		return 2;
	for (i = from ? from - 1 : 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (buf[i + 1] == '\r' && i + 2 < len && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

int cgi_resp_parse(struct cgi_resp *r, const char *buf, size_t len)
{
	size_t end, pos = 0;

	if (r->error)
		return -1;
	end = cgi_head_end(buf, len, r->scan > 2 ? r->scan - 2 : 0);
	if (!end) {
		if (len > CGI_RESP_HEAD_MAX)
			return cgi_fail(r, "script header section too long");
		r->scan = len;
		return 1;
	}
	if (end > CGI_RESP_HEAD_MAX)
		return cgi_fail(r, "script header section too long");
	while (pos < end) {
		const char *nl = memchr(buf + pos, '\n', end - pos);
		size_t llen = (size_t)(nl - (buf + pos));

		if (llen && buf[pos + llen - 1] == '\r')
			llen--;
		if (memchr(buf + pos, '\r', llen))
			return cgi_fail(r, "bare CR in the script's output");
		if (!llen)
			break;
		if (cgi_field(r, buf + pos, llen))
			return -1;
		pos = (size_t)(nl - buf) + 1;
	}
	if (!r->status && !r->location[0] && !r->content_type[0])
		return cgi_fail(r, "script sent no Content-Type, Location or Status");
	/*
	 * A path without Status is a local redirect; with a Status (PHP adds
	 * "Status: 302") or as an absolute URI it goes to the client.
	 */
	if (r->location[0] == '/' && !r->status) {
		r->kind = CGI_RESP_LOCAL_REDIRECT;
	} else if (r->location[0]) {
		r->kind = CGI_RESP_CLIENT_REDIRECT;
		if (!r->status)
			r->status = 302;
	}
	if (!r->status)
		r->status = 200;
	r->head_len = end;
	return 0;
}
