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

void strbuf_json(struct strbuf *b, const char *s)
{
	strbuf_add(b, "\"", 1);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			strbuf_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch == 0x7f)
			strbuf_printf(b, "\\u%04x", ch);
		else
			strbuf_add(b, s, 1);
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
