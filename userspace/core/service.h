/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A process-wide service compiled into the daemon and always on beside
 * the workers: the khttpd.ko bridge. Unlike a plugin it has no section
 * and no per-request hooks, only an on/off key in [SERVER]. The master
 * starts it once the workers run, stops it before they go, and hands it
 * khttpctl commands the core does not know, as it does plugins. The
 * capabilities it declares survive the privilege drop (core/privs.c).
 */
#ifndef KHTTPDD_SERVICE_H
#define KHTTPDD_SERVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct metrics;
struct strbuf;

struct khttpd_service {
	const char *name;	/* for logs: "the khttpd.ko bridge" */
	/* [SERVER] "<conf_key> on|off" (default on): "Bridge" */
	const char *conf_key;
	/* capabilities it needs all its life (PRIVS_CAP bits, core/privs.h) */
	uint64_t caps;
	int (*start)(void);	/* 0, or -1 with errno */
	void (*stop)(void);
	/* As the plugin hook: true when cmd was the service's. */
	bool (*ctl)(const struct config *cfg, const char *cmd, bool json,
		    struct strbuf *out);
	/* As the plugin hook (core/metrics.h), whether it runs or not. */
	void (*metrics)(struct metrics *m);
};

/* Every compiled-in service (plugins/registry.c). */
extern const struct khttpd_service *const khttpd_services[];
extern const size_t khttpd_nservices;

#endif /* KHTTPDD_SERVICE_H */
