/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the cache plugin offers another plugin: proxy_reverse stores the
 * responses it relays in the cache's store when [CACHE] says so. A plugin
 * to plugin service, like an nginx module reading another's conf.
 */
#ifndef KHTTPDD_PLUGINS_CACHE_H
#define KHTTPDD_PLUGINS_CACHE_H

#include <stddef.h>

#include <stdbool.h>

struct cache_store;
struct config;
struct conn;

/*
 * The store proxy_reverse keeps cacheable responses in ([CACHE]
 * ProxyResponses On), and the largest body it may store; NULL when the
 * cache is not loaded or does not take proxied responses.
 */
struct cache_store *cache_proxy_store(const struct config *cfg,
				      size_t *max_body);
/*
 * Whether c's request carries credentials: an Authorization field (any,
 * even empty) or one [CACHE] Credentials names (default Cookie). Its
 * response is never served from the store to another request.
 */
bool cache_credentials(const struct config *cfg, const struct conn *c);

#endif /* KHTTPDD_PLUGINS_CACHE_H */
