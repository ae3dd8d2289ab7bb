/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A process-wide service compiled into the daemon and always on beside
 * the workers: the khttpd.ko bridge. Unlike a plugin it has no config
 * and no per-request hooks. The master starts it once the workers run,
 * stops it before they go, and hands it khttpctl commands the core does
 * not know, as it does plugins.
 */
#ifndef KHTTPDD_SERVICE_H
#define KHTTPDD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>

struct config;
struct strbuf;

struct khttpd_service {
	const char *name;	/* for logs: "the khttpd.ko bridge" */
	int (*start)(void);	/* 0, or -1 with errno */
	void (*stop)(void);
	/* As the plugin hook: true when cmd was the service's. */
	bool (*ctl)(const struct config *cfg, const char *cmd, bool json,
		    struct strbuf *out);
};

/* Every compiled-in service (plugins/registry.c). */
extern const struct khttpd_service *const khttpd_services[];
extern const size_t khttpd_nservices;

#endif /* KHTTPDD_SERVICE_H */
