// SPDX-License-Identifier: GPL-2.0 OR MIT
/* A growable string (see strbuf.h). */
#include "strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Room for n more bytes and the NUL. */
static bool strbuf_room(struct strbuf *b, size_t n)
{
	size_t cap;
	char *s;

	if (b->oom)
		return false;
	if (b->len + n < b->cap)
		return true;
	cap = b->cap ? b->cap : 64;
	while (cap <= b->len + n)
		cap *= 2;
	s = realloc(b->s, cap);
	if (!s) {
		b->oom = true;
		return false;
	}
	b->s = s;
	b->cap = cap;
	return true;
}

void strbuf_add(struct strbuf *b, const char *p, size_t n)
{
	if (!strbuf_room(b, n))
		return;
	memcpy(b->s + b->len, p, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void strbuf_str(struct strbuf *b, const char *s)
{
	strbuf_add(b, s, strlen(s));
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf_room(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0.
 */
size_t strbuf_utf8_len(const unsigned char *s)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t n;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;	/* overlong */
	else if (s[0] == 0xed)
		hi = 0x9f;	/* surrogates */
	else if (s[0] == 0xf0)
		lo = 0x90;	/* overlong */
	else if (s[0] == 0xf4)
		hi = 0x8f;	/* above U+10FFFF */
	if (s[1] < lo || s[1] > hi)
		return 0;	/* a NUL ends the check here too */
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void strbuf_json(struct strbuf *b, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	strbuf_add(b, "\"", 1);
	while (*u) {
		size_t n = *u < 0x80 ? 1 : strbuf_utf8_len(u);

		if (*u == '"' || *u == '\\')
			strbuf_printf(b, "\\%c", *u);
		else if (*u < 0x20 || *u == 0x7f || !n)
			/* what is no UTF-8 goes byte by byte: JSON stays valid */
			strbuf_printf(b, "\\u%04x", *u);
		else if (n == 3 && u[0] == 0xe2 && u[1] == 0x80 &&
			 (u[2] == 0xa8 || u[2] == 0xa9))
			/* U+2028/9 end a line in JavaScript */
			strbuf_printf(b, "\\u%04x", 0x2000 | (u[2] - 0x80));
		else
			strbuf_add(b, (const char *)u, n);
		u += n ? n : 1;
	}
	strbuf_add(b, "\"", 1);
}

char *strbuf_take(struct strbuf *b, size_t *len)
{
	char *s = NULL;

	if (strbuf_room(b, 0)) {	/* the empty string is allocated too */
		s = b->s;
		s[b->len] = '\0';
	} else {
		free(b->s);
	}
	if (len)
		*len = s ? b->len : 0;
	*b = (struct strbuf){ 0 };
	return s;
}
