// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Proxied responses in the content cache (see proxy_cache.h). */
#define _GNU_SOURCE
#include "proxy_cache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache/cache_store.h"
#include "core/khttpdd.h"
#include "proxy_http.h"

char *proxy_cache_key(const struct conn *c, const char *target,
		      size_t target_len, size_t *len)
{
	char *key = malloc(CACHE_KEY_MAX);
	int n;

	if (!key)
		return NULL;
	n = snprintf(key, CACHE_KEY_MAX, "http://%.*s%.*s", c->req.host.len,
		     c->buf + c->req.host.off, (int)target_len, target);
	if (n < 0 || n >= CACHE_KEY_MAX) {
		free(key);
		return NULL;
	}
	*len = (size_t)n;
	return key;
}

int proxy_cache_serve(struct conn *c, struct cache_store *store,
		      const char *key, size_t klen, const char *via)
{
	struct cache_entry *e = cache_store_peek(store, key, klen, c->w->now);
	const struct proxied_meta *m;
	char *vkey, *extra, *body;
	size_t vlen, blen;
	int rc;

	/* the plain key counts unless it only says which fields vary */
	if (!e || !((const struct proxied_meta *)e->meta)->vary_marker)
		cache_store_count(store, key, klen, c->w->now, e);
	if (!e)
		return KP_CONTINUE;
	m = e->meta;
	if (m->vary_marker) {
		vkey = malloc(CACHE_KEY_MAX);
		vlen = 0;
		if (vkey) {
			memcpy(vkey, key, klen);
			vlen = proxy_vary_key(c->buf, &c->req, m->vary, vkey,
					      klen, CACHE_KEY_MAX);
		}
		cache_entry_put(e);
		e = vlen ? cache_store_get(store, vkey, vlen, c->w->now) : NULL;
		free(vkey);
		if (!e)
			return KP_CONTINUE;
		m = e->meta;
	}
	blen = e->len - m->fields_len;
	body = malloc(blen + 1);
	if (asprintf(&extra, "%.*sAge: %lld\r\nVia: 1.1 %s\r\nX-Cache: HIT\r\n",
		     (int)m->fields_len, e->data,
		     (long long)(c->w->now - e->stored), via) < 0)
		extra = NULL;
	if (!body || !extra) {
		free(body);
		free(extra);
		cache_entry_put(e);
		return KP_CONTINUE;
	}
	memcpy(body, e->data + m->fields_len, blen);
	rc = http_send_body(c, m->status, m->ctype[0] ? m->ctype : NULL, body,
			    blen, extra);
	free(extra);
	cache_entry_put(e);
	return rc;
}

void proxy_cache_put(const struct conn *c, struct cache_store *store,
		     const char *key, size_t klen,
		     const struct proxied_meta *meta, const char *data,
		     size_t len, unsigned ttl)
{
	int64_t now = c->w->now;
	char *vkey;
	size_t vlen;

	if (!meta->vary[0]) {
		cache_store_put(store, key, klen, meta, sizeof(*meta), data, len,
				now, ttl);
		return;
	}
	vkey = malloc(CACHE_KEY_MAX);
	if (!vkey)
		return;
	memcpy(vkey, key, klen);
	vlen = proxy_vary_key(c->buf, &c->req, meta->vary, vkey, klen,
			      CACHE_KEY_MAX);
	if (vlen) {
		struct proxied_meta marker = *meta;

		marker.vary_marker = true;
		cache_store_put(store, key, klen, &marker, sizeof(marker), NULL,
				0, now, ttl);
		cache_store_put(store, vkey, vlen, meta, sizeof(*meta), data,
				len, now, ttl);
	}
	free(vkey);
}
