/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The HTTP side of proxy_reverse, kept free of sockets so that it is unit
 * tested on its own: the request head sent to a backend, the response
 * head parsed from it and the head sent back to the client, chunked
 * re-encoding, and proxy loop detection.
 */
#ifndef KHTTPDD_PROXY_HTTP_H
#define KHTTPDD_PROXY_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <khttpd/http_parser.h>

/* Our Via pseudonym: "khttpd-" + 16 hex digits, unique per process. */
#define PROXY_VIA_TOKEN_LEN 23
void proxy_via_token_init(char out[PROXY_VIA_TOKEN_LEN + 1]);

/* True when a Via field of the parsed request names token: a loop. */
bool proxy_request_looped(const char *buf, const struct khttp_request *req,
			  const char *token);

/*
 * A request whose path cannot reach a backend as the checks (Match,
 * mandril, auth, the cache key) saw it: an encoded slash, which the
 * normalizer made a separator but a backend may keep inside a segment, or
 * a backslash, raw or encoded, which some backends take for a separator.
 * path is the normalized path. The proxy answers these 400.
 */
bool proxy_path_ambiguous(const char *buf, const struct khttp_request *req,
			  const char *path);

/*
 * The request target a backend gets: the normalized path, percent-encoded
 * so that decoding it once gives that path back and none of its bytes
 * reads as a delimiter ('%', '?', '#', ';', blanks, controls, non-ASCII are
 * encoded), then '?' and the query as received; "*" stays "*". Returns a
 * malloc'd string, or NULL when out of memory.
 */
char *proxy_target(const char *buf, const struct khttp_request *req,
		   const char *path, size_t *len);

struct proxy_req_params {
	const char *target;		/* from proxy_target() */
	size_t target_len;
	const char *client_ip;		/* for X-Forwarded-For / Forwarded */
	bool trusted;			/* client in TrustForwarded */
	bool https;			/* the client came over TLS */
	const char *via_token;
	const char *host;		/* Host to send; NULL: the client's */
	size_t host_len;
};

/*
 * The backend request head for the client's parsed request in buf:
 * request line (p->target, origin-form), Host, the client's end-to-end
 * fields (hop-by-hop ones, those named by Connection and names with '_'
 * removed, Expect handled here), the body framing (the same
 * Content-Length, or chunked which the relay re-encodes), Via, and the
 * proxy's view of the client: X-Real-IP, X-Forwarded-For, Forwarded,
 * X-Forwarded-Host, X-Forwarded-Proto, whatever the client sent; from a
 * trusted client (a front proxy) its X-Real-IP, X-Forwarded-Host and
 * X-Forwarded-Proto are kept and X-Forwarded-For and Forwarded appended
 * to. Returns a malloc'd head and its length, or NULL when out of memory.
 */
char *proxy_build_request(const char *buf, const struct khttp_request *req,
			  const struct proxy_req_params *p, size_t *len);

struct proxy_resp {
	int status;
	u8 version;		/* 10 or 11 */
	bool keep_alive;	/* the backend keeps the connection */
	bool chunked;
	bool has_length;
	u64 content_length;
	size_t head_len;	/* bytes of the head in the input */
	char *reason;		/* status code and reason: "200 OK" */
	/* the fields behind a synthetic request line, for khttp_field_next */
	char *fields;
	struct khttp_request freq;
};

/*
 * Parse a response head in buf[0..len). Returns KHTTP_DONE, KHTTP_AGAIN
 * (incomplete) or a negative value (malformed: the proxy answers 502).
 * The header fields are checked by the shared request parser (framing
 * conflicts such as CL+TE or duplicate lengths are errors), the status
 * line here.
 */
int proxy_parse_response(const char *buf, size_t len, struct proxy_resp *r);
void proxy_resp_free(struct proxy_resp *r);

/*
 * The head for the client: the backend's status and end-to-end fields,
 * hop-by-hop ones removed, Via appended, and the framing the relay will
 * use: Content-Length as received, "Transfer-Encoding: chunked" when
 * chunked is true, neither for a body ended by closing. Connection says
 * keep-alive or close. Returns a malloc'd head or NULL.
 */
char *proxy_build_response(const struct proxy_resp *r,
			   const char *via_token, bool chunked,
			   bool keep_alive, u8 client_version, size_t *len);

/*
 * A response the client gets without a body: HEAD, 1xx, 204, 304.
 */
bool proxy_response_bodyless(int status, bool head_request);

/*
 * Caching proxied responses (RFC 9111, shared cache). What the cache may
 * do for a request: nothing when it says no-cache or no-store
 * (Cache-Control, Pragma); with credentials (an Authorization field, even
 * an empty one or one of several), never answer it from the store, and
 * store its response only when that says public or s-maxage (3.5), since
 * the store answers every later client alike; else both.
 */
enum proxy_cache_use {
	PROXY_CACHE_BYPASS,
	PROXY_CACHE_CREDENTIALS,
	PROXY_CACHE_USE,
};
enum proxy_cache_use proxy_request_cache_use(const char *buf,
					     const struct khttp_request *req);
/*
 * The lifetime a 200 to a GET may be stored for: s-maxage, else max-age,
 * in seconds; 0 when it must not be stored (no-store, private, no-cache,
 * no lifetime, Vary: *, Set-Cookie, or the request had credentials and
 * the response says neither public nor s-maxage). vary gets the Vary
 * field names, lower case, space separated ("" when none).
 */
unsigned proxy_response_ttl(const struct proxy_resp *r, bool credentials,
			    char *vary, size_t varysz);
/*
 * The header lines kept with a cached response: the backend's end-to-end
 * fields minus those the daemon writes itself on a hit (Date, Server,
 * Content-Type, Content-Length, Connection, framing, Via, Age). The
 * Content-Type value goes to ctype. Returns a malloc'd string, or NULL.
 */
char *proxy_cached_fields(const struct proxy_resp *r, char *ctype,
			  size_t ctypesz, size_t *len);
/*
 * Append "\0name=value" for each name of vary (as from
 * proxy_response_ttl) with the request's value of that field, to
 * key[0..off). Returns the new length, or 0 when key is too small.
 */
size_t proxy_vary_key(const char *buf, const struct khttp_request *req,
		      const char *vary, char *key, size_t off, size_t keysz);

/* "<hex>\r\n" chunk header into out (at least 20 bytes); its length. */
size_t proxy_chunk_header(char *out, size_t data_len);

#endif /* KHTTPDD_PROXY_HTTP_H */
