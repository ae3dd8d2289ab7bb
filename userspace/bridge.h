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

#include <stddef.h>
#include <stdint.h>

/* A generic-netlink socket for the khttpd family: the raw client. */
struct kn_sock {
	int fd;
	uint16_t family;	/* 0 until resolved */
	uint32_t seq;
};

int kn_open(struct kn_sock *s);
void kn_close(struct kn_sock *s);
/* Resolve KHTTPD_GENL_NAME: 0, -ENOENT (module not loaded) or -errno. */
int kn_resolve(struct kn_sock *s);
/*
 * Send a request built in buf[0..len) (seq filled in here) and wait for its
 * answer: 0 with the reply (if any) copied to reply[0..*rlen), or -errno
 * from the kernel. Messages for nobody in particular (HANDOFF notices) that
 * arrive meanwhile go to on_notice.
 */
int kn_request(struct kn_sock *s, void *buf, size_t len, void *reply,
	       size_t *rlen, void (*on_notice)(const void *msg, size_t len,
					       void *arg), void *arg);

/* Start / stop the bridge thread (process context, after the workers). */
int bridge_start(void);
void bridge_stop(void);

#endif /* KHTTPDD_BRIDGE_H */
