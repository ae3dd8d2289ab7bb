// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The chunked transfer coding of request bodies (RFC 9112 7.1), decoded as
 * the bytes arrive: a byte-at-a-time state machine, so any split of the body
 * gives the same data, and bounded, so extensions and trailers are skipped
 * without being buffered.
 */
#include "http_common.h"

enum {
	CH_SIZE = 0,
	CH_SIZE_WS,
	CH_EXT,
	CH_SIZE_LF,
	CH_DATA,
	CH_DATA_CR,
	CH_DATA_LF,
	CH_TRAILER_START,
	CH_TRAILER,
	CH_TRAILER_LF,
	CH_END_LF,
	CH_END,
	CH_ERROR,
};

void khttp_chunked_init(struct khttp_chunked *c)
{
	memset(c, 0, sizeof(*c));
}

static int chunk_fail(struct khttp_chunked *c, size_t at, size_t *consumed)
{
	c->state = CH_ERROR;
	*consumed = at;
	return KHTTP_CHUNK_ERROR;
}

int khttp_chunked_feed(struct khttp_chunked *c, const char *buf, size_t len,
		       size_t *consumed, size_t *data_off, size_t *data_len)
{
	size_t i = 0;

	*data_off = 0;
	*data_len = 0;
	if (c->state == CH_END) {
		*consumed = 0;
		return KHTTP_CHUNK_END;
	}
	if (c->state == CH_ERROR)
		return chunk_fail(c, 0, consumed);
	while (i < len) {
		u8 ch = buf[i];
		int hv;

		switch (c->state) {
		case CH_SIZE:
			hv = hex_value(ch);
			if (hv >= 0) {
				/* sizes stay below 2^60, digits (zeros too) bounded */
				if ((c->remaining >> 56) || c->digits >= KHTTP_CHUNK_DIGITS_MAX)
					return chunk_fail(c, i, consumed);
				c->remaining = c->remaining << 4 | hv;
				c->digits++;
			} else if (!c->digits) {
				return chunk_fail(c, i, consumed);
			} else if (ch == '\r') {
				c->state = CH_SIZE_LF;
			} else if (ch == ';') {
				c->state = CH_EXT;
			} else if (is_ows(ch)) {
				c->state = CH_SIZE_WS;
			} else {
				return chunk_fail(c, i, consumed);
			}
			break;
		case CH_SIZE_WS:
			/* BWS: only before an extension (or the CRLF) */
			if (ch == ';')
				c->state = CH_EXT;
			else if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if (!is_ows(ch) || ++c->trailer_bytes > KHTTP_CHUNK_EXT_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_EXT:
			/* chunk-ext is skipped, but not forever */
			if (ch == '\r')
				c->state = CH_SIZE_LF;
			else if ((is_ctl(ch) && ch != '\t') ||
				 ++c->trailer_bytes > KHTTP_CHUNK_EXT_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_SIZE_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->digits = 0;
			c->trailer_bytes = 0;
			c->state = c->remaining ? CH_DATA : CH_TRAILER_START;
			break;
		case CH_DATA:
			*data_off = i;
			*data_len = len - i < c->remaining ? len - i : (size_t)c->remaining;
			c->remaining -= *data_len;
			if (!c->remaining)
				c->state = CH_DATA_CR;
			*consumed = i + *data_len;
			return KHTTP_CHUNK_DATA;
		case CH_DATA_CR:
			if (ch != '\r')
				return chunk_fail(c, i, consumed);
			c->state = CH_DATA_LF;
			break;
		case CH_DATA_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_SIZE;
			break;
		case CH_TRAILER_START:
			if (ch == '\r') {
				c->state = CH_END_LF;
				break;
			}
			if (is_ows(ch))	/* obs-fold */
				return chunk_fail(c, i, consumed);
			c->state = CH_TRAILER;
			continue;	/* the same byte, as part of the line */
		case CH_TRAILER:
			/* trailer fields are not merged: bound and skip them */
			if (ch == '\r')
				c->state = CH_TRAILER_LF;
			else if (is_ctl(ch) && ch != '\t')
				return chunk_fail(c, i, consumed);
			if (++c->trailer_bytes > KHTTP_TRAILER_MAX)
				return chunk_fail(c, i, consumed);
			break;
		case CH_TRAILER_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_TRAILER_START;
			break;
		case CH_END_LF:
			if (ch != '\n')
				return chunk_fail(c, i, consumed);
			c->state = CH_END;
			*consumed = i + 1;
			return KHTTP_CHUNK_END;
		}
		i++;
	}
	*consumed = len;
	return KHTTP_CHUNK_MORE;
}
