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

/* Start / stop the bridge thread (process context, after the workers). */
int bridge_start(void);
void bridge_stop(void);

#endif /* KHTTPDD_BRIDGE_H */
