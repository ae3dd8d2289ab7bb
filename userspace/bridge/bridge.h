/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's end of the khttpd.ko netlink bridge (Documentation/bridge.md):
 * a thread that registers with the module (retrying with backoff while the
 * module is absent or another daemon holds the registration), sends the
 * heartbeat, claims every handed-off connection and gives the fd plus the
 * request head to the least-loaded worker.
 */
#ifndef KHTTPDD_BRIDGE_H
#define KHTTPDD_BRIDGE_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/* Start / stop the bridge thread (process context, after the workers). */
int bridge_start(void);
void bridge_stop(void);

/* For khttpctl bridge: a snapshot taken under the bridge's lock. */
struct bridge_status {
	bool running;			/* the bridge thread runs */
	bool registered;
	uint32_t module_version;	/* netlink version; 0: never resolved */
	int last_err;			/* why registering failed (-errno), or 0 */
	/* the module's counters (STATS) as of the last heartbeat */
	bool have_stats;
	uint64_t handoffs, claimed, declined, expired;
	time_t last_heartbeat;		/* accepted by the module; 0: never */
};
void bridge_status(struct bridge_status *st);
/* Why registering failed, in words. */
const char *bridge_err_str(int err);

#endif /* KHTTPDD_BRIDGE_H */
