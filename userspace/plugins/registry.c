// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What is compiled into khttpdd: the one place that names the plugins and
 * services, so that the core finds them through khttpd_plugins[] and
 * khttpd_services[] without knowing any. A new plugin is one X() here
 * (its id is its place) and its source in the Makefile.
 */
#include "bridge/bridge.h"
#include "core/plugin.h"
#include "core/service.h"

#define KHTTPD_PLUGINS(X)						\
	X(logger) X(dirlisting) X(auth) X(mandril) X(proxy_reverse)	\
	X(cgi) X(fastcgi) X(cache) X(metrics)

#define DECLARE(name) extern const struct khttpd_plugin plugin_##name;
KHTTPD_PLUGINS(DECLARE)

#define ENTRY(name) &plugin_##name,
const struct khttpd_plugin *const khttpd_plugins[] = { KHTTPD_PLUGINS(ENTRY) };
const size_t khttpd_nplugins = sizeof(khttpd_plugins) / sizeof(*khttpd_plugins);

const struct khttpd_service *const khttpd_services[] = { &bridge_service };
const size_t khttpd_nservices = sizeof(khttpd_services) /
				sizeof(*khttpd_services);
