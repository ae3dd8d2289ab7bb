/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* proxy_reverse's entry point for the control socket (khttpctl proxy). */
#ifndef KHTTPDD_PROXY_PLUGIN_H
#define KHTTPDD_PROXY_PLUGIN_H

#include <stdbool.h>

struct config;

/*
 * Every proxy entry of cfg (main file, then each site) with its backends'
 * state: online or offline (and for how long), consecutive failures,
 * active connections, times picked. A malloc'd reply (JSON or text).
 */
char *proxy_ctl_reply(const struct config *cfg, bool json);

#endif /* KHTTPDD_PROXY_PLUGIN_H */
