// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the FastCGI record decoder and the name-value pair
 * reader (gateway/fcgi.c): an application server's bytes are hostile. The
 * stream is decoded whole and in pieces; the events, the data they point
 * at and where decoding stops must agree, and every span must lie inside
 * what was fed.
 */
#include "fuzz.h"
#include "gateway/fcgi.h"

struct outcome {
	int last;		/* last event other than MORE */
	size_t used;		/* bytes consumed */
	uint32_t hash;		/* of event types and data */
	uint32_t app_status;
};

static uint32_t mix(uint32_t h, uint8_t b)
{
	return (h ^ b) * 16777619u;
}

static struct outcome decode(const uint8_t *in, size_t len, size_t piece)
{
	struct outcome o = { .last = FCGI_EV_MORE, .hash = 2166136261u };
	struct fcgi_decoder d;
	size_t pos = 0;

	fcgi_decoder_init(&d, 1);
	while (pos < len) {
		size_t avail = len - pos < piece ? len - pos : piece;
		size_t used = 0, off = 0, dlen = 0, i;
		int ev = fcgi_decode(&d, in + pos, avail, &used, &off, &dlen);

		ENSURE(used <= avail);
		/* progress on every call, or a caller's loop would spin */
		ENSURE(used > 0 || ev == FCGI_EV_ERROR || ev == FCGI_EV_END);
		if (ev == FCGI_EV_STDOUT || ev == FCGI_EV_STDERR) {
			ENSURE(off + dlen == used);
			/* data may come in any number of pieces: hash bytes only */
			for (i = 0; i < dlen; i++)
				o.hash = mix(o.hash, (uint8_t)(in[pos + off + i] + ev));
		} else if (ev == FCGI_EV_ERROR) {
			ENSURE(d.error);
		} else if (ev == FCGI_EV_MORE) {
			ENSURE(used == avail);
		}
		pos += used;
		if (ev != FCGI_EV_MORE && ev != FCGI_EV_STDOUT && ev != FCGI_EV_STDERR) {
			o.last = ev;
			break;
		}
	}
	o.used = pos;
	if (o.last == FCGI_EV_END)
		o.app_status = d.app_status;
	return o;
}

static void pairs(const uint8_t *in, size_t len)
{
	const uint8_t *name, *value;
	size_t pos = 0, nlen, vlen, prev;
	int rc;

	do {
		prev = pos;
		rc = fcgi_pair_next(in, len, &pos, &name, &nlen, &value, &vlen);
		ENSURE(rc >= -1 && rc <= 1 && pos <= len);
		if (rc == 1) {
			ENSURE(pos > prev);
			ENSURE(name >= in && name + nlen <= in + len);
			ENSURE(value >= in && value + vlen <= in + len);
		}
	} while (rc == 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t piece = fuzz_piece(&data, &size);
	struct outcome whole = decode(data, size, size ? size : 1);
	struct outcome split = decode(data, size, piece);

	ENSURE(whole.last == split.last && whole.used == split.used);
	ENSURE(whole.hash == split.hash && whole.app_status == split.app_status);
	pairs(data, size);
	return 0;
}
