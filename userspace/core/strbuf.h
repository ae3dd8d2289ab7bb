/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A growable string for text built piece by piece: khttpctl replies, JSON
 * pages, heads sent to backends. It stays NUL-terminated; a failed
 * allocation is remembered, later appends do nothing and strbuf_take()
 * gives NULL, so a builder checks for running out of memory once.
 */
#ifndef KHTTPDD_STRBUF_H
#define KHTTPDD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

/* Zero-initialized: the empty string. */
struct strbuf {
	char *s;
	size_t len, cap;
	bool oom;
};

void strbuf_add(struct strbuf *b, const char *p, size_t n);
void strbuf_str(struct strbuf *b, const char *s);
__attribute__((format(printf, 2, 3)))
void strbuf_printf(struct strbuf *b, const char *fmt, ...);
/*
 * s as a JSON string: quoted, '"', '\\', control characters and U+2028/9
 * escaped; a byte that is not part of well-formed UTF-8 becomes \u00XX
 * (its value as a code point), so the JSON is valid whatever s holds.
 */
void strbuf_json(struct strbuf *b, const char *s);
/* Bytes of the well-formed UTF-8 sequence s starts with (0x80 and up), or 0. */
size_t strbuf_utf8_len(const unsigned char *s);
/*
 * The string, now the caller's to free (len: its length, may be NULL), or
 * NULL when an allocation failed. b is empty again afterwards.
 */
char *strbuf_take(struct strbuf *b, size_t *len);

#endif /* KHTTPDD_STRBUF_H */
