/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What the cache plugin offers another plugin: proxy_reverse stores the
 * responses it relays in the cache's store when [CACHE] says so. A plugin
 * to plugin service, like an nginx module reading another's conf.
 */
#ifndef KHTTPDD_PLUGINS_CACHE_H
#define KHTTPDD_PLUGINS_CACHE_H

#include <stddef.h>

struct cache_store;
struct config;

/*
 * The store proxy_reverse keeps cacheable responses in ([CACHE]
 * ProxyResponses On), and the largest body it may store; NULL when the
 * cache is not loaded or does not take proxied responses.
 */
struct cache_store *cache_proxy_store(const struct config *cfg,
				      size_t *max_body);

#endif /* KHTTPDD_PLUGINS_CACHE_H */
