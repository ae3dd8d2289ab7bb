// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A raw generic-netlink client for the khttpd family (no libnl): used by
 * the daemon's bridge thread and by the test helper tests/bridge/nlreg.
 */
#define _GNU_SOURCE
#include "bridge_nl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge_msg.h"

#define RCVBUF_SIZE	(1 << 20)
#define REPLY_TIMEOUT_MS 2000

int bridge_nl_open(struct bridge_nl_sock *s)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int one = 1, size = RCVBUF_SIZE;

	s->family = 0;
	s->seq = (uint32_t)time(NULL);
	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (s->fd < 0)
		return -errno;
	/* Room for bursts of notices; FORCE works for root only. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	/* Errors without a copy of our request; reasons as text. */
	setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int err = -errno;

		close(s->fd);
		s->fd = -1;
		return err;
	}
	/* heap, not thread-local: only a daemon that opens the bridge pays */
	s->rbuf = malloc(BRIDGE_NL_RECV_MAX);
	if (!s->rbuf) {
		close(s->fd);
		s->fd = -1;
		return -ENOMEM;
	}
	return 0;
}

void bridge_nl_close(struct bridge_nl_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->family = 0;
	free(s->rbuf);
	s->rbuf = NULL;
}

static int nl_send(struct bridge_nl_sock *s, void *buf, size_t len)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = buf;
	ssize_t n;

	nlh->nlmsg_seq = ++s->seq;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	do
		n = sendto(s->fd, buf, len, 0, (struct sockaddr *)&kernel,
			   sizeof(kernel));
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)len ? 0 : -errno;
}

void bridge_nl_begin(struct bridge_msg_builder *b, void *buf, size_t cap,
		     const struct bridge_nl_sock *s, uint8_t cmd)
{
	bridge_msg_begin(b, buf, cap, s->family, 0, 0, cmd,
			 KHTTPD_GENL_VERSION);
}

int bridge_nl_request(struct bridge_nl_sock *s, void *buf, size_t len,
		      void *reply, size_t *rlen,
		      void (*on_notice)(const void *msg, size_t len, void *arg),
		      void *arg)
{
	size_t cap = rlen ? *rlen : 0;
	int err = nl_send(s, buf, len);

	if (rlen)
		*rlen = 0;
	if (err)
		return err;
	for (;;) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		ssize_t n;
		size_t off = 0;

		if (poll(&pfd, 1, REPLY_TIMEOUT_MS) == 0)
			return -ETIMEDOUT;
		n = recv(s->fd, s->rbuf, BRIDGE_NL_RECV_MAX, MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		while (off < (size_t)n) {
			size_t mlen = bridge_msg_next(s->rbuf + off,
						      (size_t)n - off);
			const struct nlmsghdr *nlh = (const void *)(s->rbuf + off);
			int error, rc;

			if (!mlen)
				return -EBADMSG;
			if (nlh->nlmsg_seq != s->seq) {
				if (nlh->nlmsg_seq == 0 && on_notice)
					on_notice(nlh, mlen, arg);
			} else if ((rc = bridge_msg_error(nlh, mlen, &error))) {
				/* 0: the ack that ends it */
				return rc < 0 ? -EBADMSG : error;
			} else if (rlen && mlen <= cap) {
				memcpy(reply, nlh, mlen);
				*rlen = mlen;
			}
			off += (mlen + 3) & ~(size_t)3;
		}
	}
}

int bridge_nl_resolve(struct bridge_nl_sock *s)
{
	unsigned char buf[128], reply[4096];
	struct bridge_msg_builder b;
	size_t rlen = sizeof(reply), len;
	uint32_t version;
	char err[128];
	int rc;

	bridge_msg_begin(&b, buf, sizeof(buf), GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_GETFAMILY, 2);
	bridge_msg_put_str(&b, CTRL_ATTR_FAMILY_NAME, KHTTPD_GENL_NAME);
	len = bridge_msg_end(&b);
	rc = bridge_nl_request(s, buf, len, reply, &rlen, NULL, NULL);
	if (rc)
		return rc;
	if (!rlen || bridge_msg_parse_family(reply, rlen, &s->family, &version,
					     err, sizeof(err)))
		return -EBADMSG;
	s->version = version;
	if (version != KHTTPD_GENL_VERSION) {
		s->family = 0;
		return -EPROTO;
	}
	return 0;
}

int bridge_nl_call(struct bridge_nl_sock *s, struct bridge_msg_builder *b,
		   void *reply, size_t cap, struct bridge_msg *m, char *err,
		   size_t errsz,
		   void (*on_notice)(const void *msg, size_t len, void *arg),
		   void *arg)
{
	size_t rlen = cap;
	int rc = bridge_nl_request(s, b->buf, bridge_msg_end(b), reply, &rlen,
				   on_notice, arg);

	if (rc)
		return rc;
	return bridge_msg_parse(reply, rlen, m, err, errsz) ?
	       BRIDGE_NL_BAD_REPLY : 0;
}
