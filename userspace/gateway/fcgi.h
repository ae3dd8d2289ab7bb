/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * FastCGI 1.0 record codec (responder role): pure functions, no I/O, so the
 * plugin's protocol handling is unit-tested byte by byte.
 *
 * The decoder is incremental like khttp_chunked_feed(): feed it whatever the
 * app server sent; it reports where stdout/stderr data lies inside the
 * input, so content is never buffered or copied by the codec.
 */
#ifndef KHTTPDD_FCGI_H
#define KHTTPDD_FCGI_H

#include <stddef.h>
#include <stdint.h>

#define FCGI_VERSION_1		1
#define FCGI_HEADER_LEN		8
#define FCGI_MAX_CONTENT	65535

enum fcgi_type {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_DATA = 8,
	FCGI_GET_VALUES = 9,
	FCGI_GET_VALUES_RESULT = 10,
	FCGI_UNKNOWN_TYPE = 11,
};

#define FCGI_RESPONDER		1
#define FCGI_KEEP_CONN		1

enum fcgi_protocol_status {
	FCGI_REQUEST_COMPLETE = 0,
	FCGI_CANT_MPX_CONN = 1,
	FCGI_OVERLOADED = 2,
	FCGI_UNKNOWN_ROLE = 3,
};

/* Record header for content_len bytes (padded to 8) into out[8]. */
void fcgi_header(uint8_t *out, uint8_t type, uint16_t id, uint16_t content_len);
/* Padding after content_len bytes of content (0..7). */
unsigned int fcgi_padding(uint16_t content_len);
/* BEGIN_REQUEST record (16 bytes) into out. */
void fcgi_begin_request(uint8_t *out, uint16_t id, int keep_conn);
/* ABORT_REQUEST record (8 bytes). */
void fcgi_abort_request(uint8_t *out, uint16_t id);

/*
 * Append one name-value pair (FastCGI length encoding) to out[*len..cap).
 * Returns 0, or -1 when it does not fit (nothing appended).
 */
int fcgi_pair_put(uint8_t *out, size_t cap, size_t *len, const char *name,
		  size_t nlen, const char *value, size_t vlen);

/*
 * Decode a name-value pair stream: at pairs[*pos..len) the next pair.
 * Returns 1 with name/value pointers set, 0 at the end, -1 when malformed.
 */
int fcgi_pair_next(const uint8_t *pairs, size_t len, size_t *pos,
		   const uint8_t **name, size_t *nlen, const uint8_t **value,
		   size_t *vlen);

/* Incremental decoder of the app server's records for one request id. */
struct fcgi_decoder {
	uint16_t id;		/* the request we expect records for */
	uint8_t hdr[FCGI_HEADER_LEN];
	uint8_t hdr_got;
	uint8_t type;
	uint16_t content_left;
	uint8_t pad_left;
	uint8_t end_body[8];	/* END_REQUEST body being collected */
	uint8_t end_got;
	uint8_t in_content;
	uint32_t app_status;	/* valid after FCGI_EV_END */
	uint8_t protocol_status;
	const char *error;	/* after FCGI_EV_ERROR */
};

enum fcgi_event {
	FCGI_EV_STDOUT = 0,	/* data_off, data_len: stdout bytes */
	FCGI_EV_STDERR = 1,	/* data_off, data_len: stderr bytes */
	FCGI_EV_MORE = 2,	/* input consumed, nothing to report */
	FCGI_EV_END = 3,	/* END_REQUEST: app_status, protocol_status */
	FCGI_EV_ERROR = -1,	/* malformed stream: d->error says why */
};

void fcgi_decoder_init(struct fcgi_decoder *d, uint16_t id);
/*
 * Consume from buf[0..len); *consumed is set to the bytes used. On
 * STDOUT/STDERR, buf[*data_off .. + *data_len) is data and *consumed covers
 * up to its end: call again with the rest. After FCGI_EV_END the request is
 * over (bytes after it belong to no request of ours and are left).
 */
int fcgi_decode(struct fcgi_decoder *d, const uint8_t *buf, size_t len,
		size_t *consumed, size_t *data_off, size_t *data_len);

#endif /* KHTTPDD_FCGI_H */
