/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* The cache plugin's entry points for the control socket (khttpctl). */
#ifndef KHTTPDD_CACHE_PLUGIN_H
#define KHTTPDD_CACHE_PLUGIN_H

#include <stdbool.h>

struct cache_store;
struct config;

/*
 * The store proxy_reverse keeps cacheable responses in ([CACHE]
 * ProxyResponses On), and the largest body it may store; NULL when the
 * cache is not loaded or does not take proxied responses.
 */
struct cache_store *cache_proxy_store(const struct config *cfg,
				      size_t *max_body);

/*
 * "cache-stats" or "cache-clear" for cfg's cache: a malloc'd reply (JSON
 * or "key value" lines), or NULL when sub is not a cache command.
 */
char *cache_ctl_reply(const struct config *cfg, const char *sub, bool json);

#endif /* KHTTPDD_CACHE_PLUGIN_H */
