/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's end of the khttpd.ko netlink bridge (Documentation/bridge.md):
 * a thread that registers with the module (retrying with backoff while the
 * module is absent or another daemon holds the registration), sends the
 * heartbeat, claims every handed-off connection and gives the fd plus the
 * request head to the least-loaded worker. A service: see core/service.h.
 */
#ifndef KHTTPDD_BRIDGE_H
#define KHTTPDD_BRIDGE_H

#include "core/service.h"

extern const struct khttpd_service bridge_service;

#endif /* KHTTPDD_BRIDGE_H */
