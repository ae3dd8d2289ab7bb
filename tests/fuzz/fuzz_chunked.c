// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the chunked decoder: the input (after a first byte
 * that picks a piece size) is fed whole and in pieces; the results, the
 * decoded data and the bytes consumed must agree, and every reported span
 * must lie inside what was fed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <khttpd/http_parser.h>

#define ENSURE(cond) do { if (!(cond)) { fprintf(stderr, "invariant broken: %s\n", \
					#cond); abort(); } } while (0)

struct outcome {
	int rc;
	size_t total;		/* consumed up to END or ERROR */
	size_t data_len;
	uint32_t data_hash;
};

static struct outcome decode(const char *in, size_t len, size_t piece)
{
	struct outcome o = { .rc = KHTTP_CHUNK_MORE, .data_hash = 2166136261u };
	struct khttp_chunked c;
	size_t pos = 0;

	khttp_chunked_init(&c);
	while (pos < len) {
		size_t avail = len - pos < piece ? len - pos : piece;
		size_t used, off, dlen, i;

		o.rc = khttp_chunked_feed(&c, in + pos, avail, &used, &off, &dlen);
		ENSURE(used <= avail);
		if (o.rc == KHTTP_CHUNK_DATA) {
			ENSURE(dlen > 0 && off + dlen == used);
			for (i = 0; i < dlen; i++)
				o.data_hash = (o.data_hash ^ (uint8_t)in[pos + off + i]) * 16777619u;
			o.data_len += dlen;
		} else {
			ENSURE(dlen == 0);
		}
		pos += used;
		if (o.rc == KHTTP_CHUNK_END || o.rc == KHTTP_CHUNK_ERROR)
			break;
		if (o.rc == KHTTP_CHUNK_MORE)
			ENSURE(used == avail);
	}
	if (o.rc == KHTTP_CHUNK_DATA)
		o.rc = KHTTP_CHUNK_MORE;	/* input ended right after data */
	o.total = pos;
	return o;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct outcome whole, split;
	size_t piece;
	char *in;

	if (!size)
		return 0;
	piece = data[0] % 17 + 1;
	in = malloc(size - 1 ? size - 1 : 1);
	memcpy(in, data + 1, size - 1);
	whole = decode(in, size - 1, size);
	split = decode(in, size - 1, piece);
	ENSURE(whole.rc == split.rc && whole.data_len == split.data_len &&
	       whole.data_hash == split.data_hash);
	if (whole.rc == KHTTP_CHUNK_END)
		ENSURE(whole.total == split.total);
	free(in);
	return 0;
}
