/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* A raw generic-netlink client for the khttpd family (see bridge_nl.c). */
#ifndef KHTTPDD_BRIDGE_NL_H
#define KHTTPDD_BRIDGE_NL_H

#include <stddef.h>
#include <stdint.h>

#include <uapi/linux/khttpd.h>

#define BRIDGE_NL_RECV_MAX	(KHTTPD_NL_HEAD_MAX + 4096)

/* A generic-netlink socket for the khttpd family: the raw client. */
struct bridge_nl_sock {
	int fd;
	uint16_t family;	/* 0 until resolved */
	uint32_t version;	/* the module's, once resolved */
	uint32_t seq;
	unsigned char *rbuf;	/* BRIDGE_NL_RECV_MAX, while open */
};

struct bridge_msg_builder;
struct bridge_msg;

int bridge_nl_open(struct bridge_nl_sock *s);
void bridge_nl_close(struct bridge_nl_sock *s);
/*
 * Resolve KHTTPD_GENL_NAME: 0, -ENOENT (module not loaded), -EPROTO (it
 * speaks another version: s->version) or -errno.
 */
int bridge_nl_resolve(struct bridge_nl_sock *s);
/*
 * Send a request built in buf[0..len) (seq filled in here) and wait for its
 * answer: 0 with the reply (if any) copied to reply[0..*rlen), or -errno
 * from the kernel. Messages for nobody in particular (HANDOFF notices) that
 * arrive meanwhile go to on_notice.
 */
/* Start a request of this daemon's version to the (resolved) family. */
void bridge_nl_begin(struct bridge_msg_builder *b, void *buf, size_t cap,
		     const struct bridge_nl_sock *s, uint8_t cmd);
int bridge_nl_request(struct bridge_nl_sock *s, void *buf, size_t len,
		      void *reply, size_t *rlen,
		      void (*on_notice)(const void *msg, size_t len, void *arg),
		      void *arg);
/*
 * bridge_nl_request() of the message built in b, its reply (reply[0..cap) holds
 * it) parsed into m: 0, -errno from the kernel, or BRIDGE_NL_BAD_REPLY with the
 * reason in err.
 */
#define BRIDGE_NL_BAD_REPLY 1
int bridge_nl_call(struct bridge_nl_sock *s, struct bridge_msg_builder *b,
		   void *reply, size_t cap, struct bridge_msg *m, char *err,
		   size_t errsz,
		   void (*on_notice)(const void *msg, size_t len, void *arg),
		   void *arg);

#endif /* KHTTPDD_BRIDGE_NL_H */
