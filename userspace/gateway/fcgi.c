// SPDX-License-Identifier: GPL-2.0 OR MIT
/* FastCGI 1.0 record codec (see fcgi.h). */
#include "fcgi.h"

#include <string.h>

unsigned int fcgi_padding(uint16_t content_len)
{
	return (8u - (content_len & 7u)) & 7u;
}

void fcgi_header(uint8_t *out, uint8_t type, uint16_t id, uint16_t content_len)
{
	out[0] = FCGI_VERSION_1;
	out[1] = type;
	out[2] = (uint8_t)(id >> 8);
	out[3] = (uint8_t)id;
	out[4] = (uint8_t)(content_len >> 8);
	out[5] = (uint8_t)content_len;
	out[6] = (uint8_t)fcgi_padding(content_len);
	out[7] = 0;
}

void fcgi_begin_request(uint8_t *out, uint16_t id, int keep_conn)
{
	fcgi_header(out, FCGI_BEGIN_REQUEST, id, 8);
	memset(out + FCGI_HEADER_LEN, 0, 8);
	out[FCGI_HEADER_LEN + 1] = FCGI_RESPONDER;
	out[FCGI_HEADER_LEN + 2] = keep_conn ? FCGI_KEEP_CONN : 0;
}

void fcgi_abort_request(uint8_t *out, uint16_t id)
{
	fcgi_header(out, FCGI_ABORT_REQUEST, id, 0);
}

static size_t fcgi_len_size(size_t n)
{
	return n < 128 ? 1 : 4;
}

static uint8_t *fcgi_len_put(uint8_t *p, size_t n)
{
	if (n < 128) {
		*p++ = (uint8_t)n;
		return p;
	}
	*p++ = (uint8_t)((n >> 24) | 0x80);
	*p++ = (uint8_t)(n >> 16);
	*p++ = (uint8_t)(n >> 8);
	*p++ = (uint8_t)n;
	return p;
}

int fcgi_pair_put(uint8_t *out, size_t cap, size_t *len, const char *name,
		  size_t nlen, const char *value, size_t vlen)
{
	size_t need = fcgi_len_size(nlen) + fcgi_len_size(vlen) + nlen + vlen;
	uint8_t *p;

	if (nlen > 0x7fffffff || vlen > 0x7fffffff || *len > cap ||
	    need > cap - *len)
		return -1;
	p = fcgi_len_put(out + *len, nlen);
	p = fcgi_len_put(p, vlen);
	memcpy(p, name, nlen);
	memcpy(p + nlen, value, vlen);
	*len += need;
	return 0;
}

static int fcgi_len_get(const uint8_t *pairs, size_t len, size_t *pos,
			size_t *n)
{
	if (*pos >= len)
		return -1;
	if (!(pairs[*pos] & 0x80)) {
		*n = pairs[(*pos)++];
		return 0;
	}
	if (len - *pos < 4)
		return -1;
	*n = ((size_t)(pairs[*pos] & 0x7f) << 24) |
	     ((size_t)pairs[*pos + 1] << 16) |
	     ((size_t)pairs[*pos + 2] << 8) | pairs[*pos + 3];
	*pos += 4;
	return 0;
}

int fcgi_pair_next(const uint8_t *pairs, size_t len, size_t *pos,
		   const uint8_t **name, size_t *nlen, const uint8_t **value,
		   size_t *vlen)
{
	size_t p = *pos;

	if (p == len)
		return 0;
	if (fcgi_len_get(pairs, len, &p, nlen) ||
	    fcgi_len_get(pairs, len, &p, vlen) ||
	    *nlen > len - p || *vlen > len - p - *nlen)
		return -1;
	*name = pairs + p;
	*value = pairs + p + *nlen;
	*pos = p + *nlen + *vlen;
	return 1;
}

void fcgi_decoder_init(struct fcgi_decoder *d, uint16_t id)
{
	memset(d, 0, sizeof(*d));
	d->id = id;
}

static int fcgi_fail(struct fcgi_decoder *d, const char *why)
{
	d->error = why;
	return FCGI_EV_ERROR;
}

/* A complete header in d->hdr: check it and enter its content. */
static int fcgi_header_accept(struct fcgi_decoder *d)
{
	uint16_t id = (uint16_t)(d->hdr[2] << 8 | d->hdr[3]);

	if (d->hdr[0] != FCGI_VERSION_1)
		return fcgi_fail(d, "record version is not 1");
	d->type = d->hdr[1];
	d->content_left = (uint16_t)(d->hdr[4] << 8 | d->hdr[5]);
	d->pad_left = d->hdr[6];
	d->in_content = 1;
	d->end_got = 0;
	if (id == 0) {
		/* management records (GET_VALUES_RESULT, UNKNOWN_TYPE): skip */
		d->type = 0;
		return FCGI_EV_MORE;
	}
	if (id != d->id)
		return fcgi_fail(d, "record for another request id");
	switch (d->type) {
	case FCGI_STDOUT:
	case FCGI_STDERR:
		return FCGI_EV_MORE;
	case FCGI_END_REQUEST:
		if (d->content_left != 8)
			return fcgi_fail(d, "END_REQUEST body is not 8 bytes");
		return FCGI_EV_MORE;
	default:
		return fcgi_fail(d, "unexpected record type from the app");
	}
}

int fcgi_decode(struct fcgi_decoder *d, const uint8_t *buf, size_t len,
		size_t *consumed, size_t *data_off, size_t *data_len)
{
	size_t pos = 0, n;

	for (;;) {
		if (d->in_content && !d->content_left && !d->pad_left) {
			d->in_content = 0;
			d->hdr_got = 0;
			if (d->type == FCGI_END_REQUEST) {
				const uint8_t *b = d->end_body;

				d->app_status = (uint32_t)b[0] << 24 |
						(uint32_t)b[1] << 16 |
						(uint32_t)b[2] << 8 | b[3];
				d->protocol_status = b[4];
				*consumed = pos;
				return FCGI_EV_END;
			}
		}
		if (pos == len)
			break;
		if (!d->in_content) {
			n = FCGI_HEADER_LEN - d->hdr_got;
			if (n > len - pos)
				n = len - pos;
			memcpy(d->hdr + d->hdr_got, buf + pos, n);
			d->hdr_got += (uint8_t)n;
			pos += n;
			if (d->hdr_got == FCGI_HEADER_LEN &&
			    fcgi_header_accept(d) == FCGI_EV_ERROR) {
				*consumed = pos;
				return FCGI_EV_ERROR;
			}
			continue;
		}
		if (d->content_left) {
			n = d->content_left;
			if (n > len - pos)
				n = len - pos;
			d->content_left -= (uint16_t)n;
			if (d->type == FCGI_STDOUT || d->type == FCGI_STDERR) {
				*data_off = pos;
				*data_len = n;
				*consumed = pos + n;
				return d->type == FCGI_STDOUT ? FCGI_EV_STDOUT :
								FCGI_EV_STDERR;
			}
			if (d->type == FCGI_END_REQUEST) {
				memcpy(d->end_body + d->end_got, buf + pos, n);
				d->end_got += (uint8_t)n;
			}
			pos += n;
			continue;
		}
		n = d->pad_left;
		if (n > len - pos)
			n = len - pos;
		d->pad_left -= (uint8_t)n;
		pos += n;
	}
	*consumed = pos;
	return FCGI_EV_MORE;
}
