/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Encoding and strict validation of khttpd generic-netlink messages on the
 * daemon side (the kernel side validates with its nla_policy). Pure code: no
 * sockets, so every check is unit-tested.
 */
#ifndef KHTTPDD_BRIDGE_MSG_H
#define KHTTPDD_BRIDGE_MSG_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <uapi/linux/khttpd.h>

/* A message under construction in a caller's buffer. */
struct bridge_msg_builder {
	unsigned char *buf;
	size_t cap;
	size_t len;
	int overflow;		/* an append did not fit: the message is void */
};

void bridge_msg_begin(struct bridge_msg_builder *b, void *buf, size_t cap,
		      uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd,
		      uint8_t version);
void bridge_msg_put(struct bridge_msg_builder *b, uint16_t attr,
		    const void *data, size_t len);
void bridge_msg_put_u16(struct bridge_msg_builder *b, uint16_t attr,
			uint16_t v);
void bridge_msg_put_u32(struct bridge_msg_builder *b, uint16_t attr,
			uint32_t v);
void bridge_msg_put_u64(struct bridge_msg_builder *b, uint16_t attr,
			uint64_t v);
void bridge_msg_put_str(struct bridge_msg_builder *b, uint16_t attr,
			const char *s);
/* Total length (nlmsg_len set), or 0 on overflow. */
size_t bridge_msg_end(struct bridge_msg_builder *b);

/* A validated khttpd message: attr[i] is NULL when absent. */
struct bridge_msg {
	const struct nlmsghdr *nlh;
	uint8_t cmd;
	const struct nlattr *attr[KHTTPD_A_MAX + 1];
};

/*
 * Validate one khttpd message at buf[0..len) (a single nlmsghdr whose
 * nlmsg_len is len) sent by the kernel to the daemon: genl header, version,
 * every attribute's type and size, no duplicates, and the attributes the
 * command requires. Returns 0, or -1 with a reason in err.
 */
int bridge_msg_parse(const void *buf, size_t len, struct bridge_msg *m,
		     char *err, size_t errsz);

uint16_t bridge_msg_get_u16(const struct nlattr *a);
uint32_t bridge_msg_get_u32(const struct nlattr *a);
uint64_t bridge_msg_get_u64(const struct nlattr *a);
const void *bridge_msg_data(const struct nlattr *a);
size_t bridge_msg_len(const struct nlattr *a);

/*
 * Split a datagram into netlink messages: returns the length of the message
 * at buf[0..len), or 0 when the header is truncated or claims more than len.
 */
size_t bridge_msg_next(const void *buf, size_t len);

/*
 * NLMSG_ERROR: returns 1 and sets *error (0 = ack, else -errno) when buf
 * holds a well-formed error message, 0 when it is another type, -1 when it
 * is a truncated error message or carries a positive error.
 */
int bridge_msg_error(const void *buf, size_t len, int *error);

/*
 * CTRL_CMD_GETFAMILY reply: the family id for KHTTPD_GENL_NAME and the
 * version the kernel registered. Returns 0 or -1 with a reason.
 */
int bridge_msg_parse_family(const void *buf, size_t len, uint16_t *id,
			    uint32_t *version, char *err, size_t errsz);

#endif /* KHTTPDD_BRIDGE_MSG_H */
