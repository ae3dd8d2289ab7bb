/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Proxied responses in the content cache (cache/cache_store.h, [CACHE]
 * ProxyResponses On): the key of a request, answering a request from a
 * stored response, and storing a complete one. With Vary, the response
 * is stored under the key plus the varying request fields, and a marker
 * entry at the plain key says which fields those are.
 */
#ifndef KHTTPDD_PROXY_CACHE_H
#define KHTTPDD_PROXY_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cache_store;
struct conn;

#define CACHE_KEY_MAX 8192
#define VARY_MAX 200

/* What a stored response keeps besides its bytes (fields, then body). */
struct proxied_meta {
	bool vary_marker;		/* no data: look up with vary values */
	int status;
	uint32_t fields_len;		/* data = fields, then the body */
	char ctype[128];
	char vary[VARY_MAX];
};

/*
 * "http://<host><target>" for c's request, target being what the backend
 * gets (proxy_target()): malloc'd, or NULL.
 */
char *proxy_cache_key(const struct conn *c, const char *target,
		      size_t target_len, size_t *len);
/*
 * Answer c's request from a stored response (KP_DONE or KP_CLOSE), or
 * KP_CONTINUE when there is none. via is this server's Via token.
 */
int proxy_cache_serve(struct conn *c, struct cache_store *store,
		      const char *key, size_t klen, const char *via);
/* Store the complete response to c's request (data: fields, then body). */
void proxy_cache_put(const struct conn *c, struct cache_store *store,
		     const char *key, size_t klen,
		     const struct proxied_meta *meta, const char *data,
		     size_t len, unsigned ttl);

#endif /* KHTTPDD_PROXY_CACHE_H */
