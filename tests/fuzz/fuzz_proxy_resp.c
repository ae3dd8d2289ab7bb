// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for what the reverse proxy reads from a backend
 * (proxy/proxy_http.c): the response head parser, the head rebuilt for the
 * client, the cache's reading of it, and the chunked relay (decode with the
 * shared decoder, re-frame with proxy_chunk_header, as proxy/relay.c does)
 * on the bytes after the head. A backend is as hostile as a client.
 */
#define _GNU_SOURCE
#include <string.h>
#include <khttpd/http_parser.h>

#include "fuzz.h"
#include "proxy/proxy_http.h"

static void well_formed_head(const char *h, size_t len)
{
	size_t i;

	ENSURE(len >= 4 && !memcmp(h + len - 4, "\r\n\r\n", 4));
	for (i = 0; i < len; i++)
		if (h[i] == '\n')
			ENSURE(i > 0 && h[i - 1] == '\r');
		else if (h[i] == '\r')
			ENSURE(i + 1 < len && h[i + 1] == '\n');
	/* the only empty line is the last: no field ends the head early */
	ENSURE((const char *)memmem(h, len, "\r\n\r\n", 4) == h + len - 4);
}

/* Decode chunked in[], re-frame the data, decode that: the same data. */
static void relay_round_trip(const char *in, size_t len, size_t piece)
{
	static char framed[1 << 18];
	struct khttp_chunked c;
	size_t pos = 0, flen = 0, data1 = 0, data2 = 0;
	uint32_t h1 = 2166136261u, h2 = 2166136261u;
	int rc = KHTTP_CHUNK_MORE;

	khttp_chunked_init(&c);
	while (pos < len && rc != KHTTP_CHUNK_END && rc != KHTTP_CHUNK_ERROR) {
		size_t avail = len - pos < piece ? len - pos : piece, used, off, dlen, i;

		rc = khttp_chunked_feed(&c, in + pos, avail, &used, &off, &dlen);
		if (rc == KHTTP_CHUNK_DATA) {
			if (flen + dlen + 32 > sizeof(framed))
				return;
			flen += proxy_chunk_header(framed + flen, dlen);
			memcpy(framed + flen, in + pos + off, dlen);
			flen += dlen;
			memcpy(framed + flen, "\r\n", 2);
			flen += 2;
			for (i = 0; i < dlen; i++)
				h1 = (h1 ^ (uint8_t)in[pos + off + i]) * 16777619u;
			data1 += dlen;
		}
		pos += used;
	}
	if (rc != KHTTP_CHUNK_END)
		return;
	memcpy(framed + flen, "0\r\n\r\n", 5);
	flen += 5;
	khttp_chunked_init(&c);
	pos = 0;
	rc = KHTTP_CHUNK_MORE;
	while (pos < flen && rc != KHTTP_CHUNK_END) {
		size_t used, off, dlen, i;

		rc = khttp_chunked_feed(&c, framed + pos, flen - pos, &used, &off, &dlen);
		ENSURE(rc != KHTTP_CHUNK_ERROR);
		if (rc == KHTTP_CHUNK_DATA) {
			for (i = 0; i < dlen; i++)
				h2 = (h2 ^ (uint8_t)framed[pos + off + i]) * 16777619u;
			data2 += dlen;
		}
		pos += used;
	}
	ENSURE(rc == KHTTP_CHUNK_END && pos == flen);
	ENSURE(data1 == data2 && h1 == h2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t piece = fuzz_piece(&data, &size), hlen, ctlen;
	const char *buf = (const char *)data;
	char vary[256], ctype[256], via[PROXY_VIA_TOKEN_LEN + 1], *head;
	struct proxy_resp r, prefix;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = proxy_parse_response(buf, size, &r);
	if (rc == KHTTP_DONE) {
		ENSURE(r.head_len >= 4 && r.head_len <= size);
		ENSURE(r.status >= 100 && r.status <= 999);
		ENSURE(r.version == 10 || r.version == 11);
		ENSURE(!(r.chunked && r.has_length));
		/* a prefix of a good head is an incomplete one, not an error */
		memset(&prefix, 0, sizeof(prefix));
		ENSURE(proxy_parse_response(buf, r.head_len - 1, &prefix) == KHTTP_AGAIN);
		proxy_resp_free(&prefix);
		proxy_via_token_init(via);
		for (int chunked = 0; chunked < 2; chunked++) {
			head = proxy_build_response(&r, via, chunked, chunked, 11, &hlen);
			if (head) {
				well_formed_head(head, hlen);
				free(head);
			}
		}
		for (int cred = 0; cred < 2; cred++)
			(void)proxy_response_ttl(&r, cred, vary, sizeof(vary));
		head = proxy_cached_fields(&r, ctype, sizeof(ctype), &ctlen);
		ENSURE(!strpbrk(ctype, "\r\n"));
		free(head);
		relay_round_trip(buf + r.head_len, size - r.head_len, piece);
	} else {
		ENSURE(rc == KHTTP_AGAIN || rc < 0);
	}
	proxy_resp_free(&r);
	return 0;
}
