// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * khttpd generic-netlink messages, daemon side: builder and strict parser.
 * The parser mirrors the module's nla_policy so that a message either side
 * would refuse is refused here too, with a reason for the log.
 */
#include "bridge_msg.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define ATTR_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

void bridge_msg_begin(struct bridge_msg_builder *b, void *buf, size_t cap,
		      uint16_t type, uint16_t flags, uint32_t seq, uint8_t cmd,
		      uint8_t version)
{
	struct nlmsghdr nlh = { .nlmsg_type = type, .nlmsg_flags = flags,
				.nlmsg_seq = seq };
	struct genlmsghdr g = { .cmd = cmd, .version = version };

	b->buf = buf;
	b->cap = cap;
	b->len = NLMSG_HDRLEN + GENL_HDRLEN;
	b->overflow = cap < b->len;
	if (b->overflow)
		return;
	memset(buf, 0, b->len);
	memcpy(b->buf, &nlh, sizeof(nlh));
	memcpy(b->buf + NLMSG_HDRLEN, &g, sizeof(g));
}

void bridge_msg_put(struct bridge_msg_builder *b, uint16_t attr,
		    const void *data, size_t len)
{
	struct nlattr nla;
	size_t total = NLA_HDRLEN + len;

	if (b->overflow || len > 0xffff - NLA_HDRLEN ||
	    ATTR_ALIGN(total) > b->cap - b->len) {
		b->overflow = 1;
		return;
	}
	nla.nla_len = (uint16_t)total;
	nla.nla_type = attr;
	memcpy(b->buf + b->len, &nla, sizeof(nla));
	if (len)
		memcpy(b->buf + b->len + NLA_HDRLEN, data, len);
	memset(b->buf + b->len + total, 0, ATTR_ALIGN(total) - total);
	b->len += ATTR_ALIGN(total);
}

void bridge_msg_put_u16(struct bridge_msg_builder *b, uint16_t attr, uint16_t v)
{
	bridge_msg_put(b, attr, &v, sizeof(v));
}

void bridge_msg_put_u32(struct bridge_msg_builder *b, uint16_t attr, uint32_t v)
{
	bridge_msg_put(b, attr, &v, sizeof(v));
}

void bridge_msg_put_u64(struct bridge_msg_builder *b, uint16_t attr, uint64_t v)
{
	bridge_msg_put(b, attr, &v, sizeof(v));
}

void bridge_msg_put_str(struct bridge_msg_builder *b, uint16_t attr,
			const char *s)
{
	bridge_msg_put(b, attr, s, strlen(s) + 1);
}

size_t bridge_msg_end(struct bridge_msg_builder *b)
{
	uint32_t len32;

	if (b->overflow)
		return 0;
	len32 = (uint32_t)b->len;
	memcpy(b->buf + offsetof(struct nlmsghdr, nlmsg_len), &len32,
	       sizeof(len32));
	return b->len;
}

static void set_err(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;

	if (!errsz)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
}

/* Payload size bounds of each attribute, as in the module's policy. */
struct attr_policy {
	uint16_t min;
	uint16_t max;
};

static const struct attr_policy attr_policy[KHTTPD_A_MAX + 1] = {
	[KHTTPD_A_VERSION] = { 4, 4 },
	[KHTTPD_A_PID] = { 4, 4 },
	[KHTTPD_A_HANDLE] = { 8, 8 },
	[KHTTPD_A_PEER] = { sizeof(struct khttpd_nl_peer),
			    sizeof(struct khttpd_nl_peer) },
	[KHTTPD_A_LOCAL_PORT] = { 2, 2 },
	[KHTTPD_A_HEAD] = { 1, KHTTPD_NL_HEAD_MAX },
	[KHTTPD_A_FD] = { 4, 4 },
	[KHTTPD_A_STATUS] = { 4, 4 },
	[KHTTPD_A_HEARTBEAT_MS] = { 4, 4 },
	[KHTTPD_A_CLAIM_TIMEOUT_MS] = { 4, 4 },
	[KHTTPD_A_PAD] = { 0, 0xffff },
	[KHTTPD_A_STAT_HANDOFFS] = { 8, 8 },
	[KHTTPD_A_STAT_CLAIMED] = { 8, 8 },
	[KHTTPD_A_STAT_DECLINED] = { 8, 8 },
	[KHTTPD_A_STAT_EXPIRED] = { 8, 8 },
	[KHTTPD_A_STAT_REFUSED] = { 8, 8 },
	[KHTTPD_A_STAT_PENDING] = { 8, 8 },
	[KHTTPD_A_STAT_REGISTRATIONS] = { 8, 8 },
	[KHTTPD_A_STAT_DAEMON_PID] = { 4, 4 },
	[KHTTPD_A_STAT_ACCEPTED ... KHTTPD_A_STAT_SLOW_OPENS] = { 8, 8 },
};

static const char *const attr_name[KHTTPD_A_MAX + 1] = {
	[KHTTPD_A_VERSION] = "VERSION",
	[KHTTPD_A_HANDLE] = "HANDLE",
	[KHTTPD_A_PEER] = "PEER",
	[KHTTPD_A_LOCAL_PORT] = "LOCAL_PORT",
	[KHTTPD_A_HEAD] = "HEAD",
	[KHTTPD_A_FD] = "FD",
	[KHTTPD_A_HEARTBEAT_MS] = "HEARTBEAT_MS",
	[KHTTPD_A_CLAIM_TIMEOUT_MS] = "CLAIM_TIMEOUT_MS",
};

/* Attributes each kernel -> daemon message must carry. */
static const uint16_t required_attrs[KHTTPD_CMD_MAX + 1][5] = {
	[KHTTPD_CMD_REGISTER] = { KHTTPD_A_VERSION, KHTTPD_A_HEARTBEAT_MS,
				  KHTTPD_A_CLAIM_TIMEOUT_MS },
	[KHTTPD_CMD_HANDOFF] = { KHTTPD_A_HANDLE, KHTTPD_A_PEER,
				 KHTTPD_A_LOCAL_PORT, KHTTPD_A_HEAD },
	[KHTTPD_CMD_CLAIM] = { KHTTPD_A_HANDLE, KHTTPD_A_FD },
	[KHTTPD_CMD_CONFIG] = { KHTTPD_A_HEARTBEAT_MS,
				KHTTPD_A_CLAIM_TIMEOUT_MS },
	[KHTTPD_CMD_STATS] = { KHTTPD_A_STAT_HANDOFFS },
};

static uint16_t u16_at(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint32_t u32_at(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

size_t bridge_msg_next(const void *buf, size_t len)
{
	uint32_t mlen;

	if (len < NLMSG_HDRLEN)
		return 0;
	mlen = u32_at(buf);
	if (mlen < NLMSG_HDRLEN || mlen > len)
		return 0;
	return mlen;
}

/*
 * Walk the attributes at p[0..len) into tab[0..max]: sizes within the
 * message, no duplicates (but pad). strict: types beyond max are refused
 * (our own family never sends them); otherwise skipped (the controller
 * family grows attributes over kernel versions).
 */
static int walk_attrs(const unsigned char *p, size_t len,
		      const struct nlattr **tab, uint16_t max, int strict,
		      uint16_t pad, char *err, size_t errsz)
{
	size_t off = 0;

	while (off < len) {
		const struct nlattr *at;
		struct nlattr nla;
		uint16_t type;

		if (len - off < NLA_HDRLEN) {
			set_err(err, errsz, "truncated attribute header");
			return -1;
		}
		memcpy(&nla, p + off, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len - off) {
			set_err(err, errsz, "attribute length %u out of bounds",
				nla.nla_len);
			return -1;
		}
		type = nla.nla_type & NLA_TYPE_MASK;
		at = (const struct nlattr *)(p + off);
		off += ATTR_ALIGN(nla.nla_len);
		if (type == 0 || type > max) {
			if (!strict)
				continue;
			set_err(err, errsz, "unknown attribute %u", type);
			return -1;
		}
		if (tab[type] && type != pad) {
			set_err(err, errsz, "duplicate attribute %u", type);
			return -1;
		}
		tab[type] = at;
	}
	return 0;
}

/* The nlmsghdr + genlmsghdr frame shared by every family. */
static int split_frame(const void *buf, size_t len, const unsigned char **attrs,
		       size_t *alen, char *err, size_t errsz)
{
	uint32_t mlen;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN) {
		set_err(err, errsz, "message of %zu bytes is shorter than its headers",
			len);
		return -1;
	}
	mlen = u32_at(buf);
	if (mlen != len) {
		set_err(err, errsz, "nlmsg_len %u but %zu bytes received", mlen,
			len);
		return -1;
	}
	*attrs = (const unsigned char *)buf + NLMSG_HDRLEN + GENL_HDRLEN;
	*alen = len - NLMSG_HDRLEN - GENL_HDRLEN;
	return 0;
}

int bridge_msg_parse(const void *buf, size_t len, struct bridge_msg *m,
		     char *err, size_t errsz)
{
	const unsigned char *attrs;
	struct genlmsghdr g;
	size_t alen, i;

	memset(m, 0, sizeof(*m));
	if (split_frame(buf, len, &attrs, &alen, err, errsz))
		return -1;
	memcpy(&g, (const unsigned char *)buf + NLMSG_HDRLEN, sizeof(g));
	if (g.version != KHTTPD_GENL_VERSION) {
		set_err(err, errsz,
			"khttpd netlink version %u refused (this daemon speaks %u)",
			g.version, KHTTPD_GENL_VERSION);
		return -1;
	}
	switch (g.cmd) {
	case KHTTPD_CMD_REGISTER:
	case KHTTPD_CMD_HANDOFF:
	case KHTTPD_CMD_CLAIM:
	case KHTTPD_CMD_CONFIG:
	case KHTTPD_CMD_STATS:
		break;
	default:
		set_err(err, errsz, "unexpected command %u from the kernel",
			g.cmd);
		return -1;
	}
	if (walk_attrs(attrs, alen, m->attr, KHTTPD_A_MAX, 1, KHTTPD_A_PAD, err,
		       errsz))
		return -1;
	for (i = 1; i <= KHTTPD_A_MAX; i++) {
		size_t plen;

		if (!m->attr[i])
			continue;
		plen = m->attr[i]->nla_len - NLA_HDRLEN;
		if (plen < attr_policy[i].min || plen > attr_policy[i].max) {
			set_err(err, errsz,
				"attribute %zu has %zu bytes, want %u..%u", i,
				plen, attr_policy[i].min, attr_policy[i].max);
			return -1;
		}
	}
	for (i = 0; i < 5 && required_attrs[g.cmd][i]; i++) {
		uint16_t a = required_attrs[g.cmd][i];

		if (!m->attr[a]) {
			set_err(err, errsz, "command %u lacks attribute %s",
				g.cmd, attr_name[a] ? attr_name[a] : "?");
			return -1;
		}
	}
	if (m->attr[KHTTPD_A_HANDLE] &&
	    !bridge_msg_get_u64(m->attr[KHTTPD_A_HANDLE])) {
		set_err(err, errsz, "handle 0 is invalid");
		return -1;
	}
	if (m->attr[KHTTPD_A_PEER]) {
		struct khttpd_nl_peer peer;

		memcpy(&peer, bridge_msg_data(m->attr[KHTTPD_A_PEER]),
		       sizeof(peer));
		if (peer.family != AF_INET && peer.family != AF_INET6) {
			set_err(err, errsz, "peer address family %u", peer.family);
			return -1;
		}
	}
	m->nlh = buf;
	m->cmd = g.cmd;
	return 0;
}

const void *bridge_msg_data(const struct nlattr *a)
{
	return (const unsigned char *)a + NLA_HDRLEN;
}

size_t bridge_msg_len(const struct nlattr *a)
{
	return a->nla_len - NLA_HDRLEN;
}

uint16_t bridge_msg_get_u16(const struct nlattr *a)
{
	return u16_at(bridge_msg_data(a));
}

uint32_t bridge_msg_get_u32(const struct nlattr *a)
{
	return u32_at(bridge_msg_data(a));
}

uint64_t bridge_msg_get_u64(const struct nlattr *a)
{
	uint64_t v;

	memcpy(&v, bridge_msg_data(a), sizeof(v));
	return v;
}

int bridge_msg_error(const void *buf, size_t len, int *error)
{
	struct nlmsgerr e;

	if (len < NLMSG_HDRLEN || u16_at((const unsigned char *)buf + 4) !=
	    NLMSG_ERROR)
		return 0;
	if (len < NLMSG_HDRLEN + sizeof(e.error))
		return -1;
	memcpy(&e.error, (const unsigned char *)buf + NLMSG_HDRLEN,
	       sizeof(e.error));
	if (e.error > 0)	/* the kernel sends 0 or -errno */
		return -1;
	*error = e.error;
	return 1;
}

int bridge_msg_parse_family(const void *buf, size_t len, uint16_t *id,
			    uint32_t *version, char *err, size_t errsz)
{
	const struct nlattr *tab[CTRL_ATTR_MAX + 1] = { 0 };
	const unsigned char *attrs, *p;
	size_t alen;

	if (split_frame(buf, len, &attrs, &alen, err, errsz))
		return -1;
	if (walk_attrs(attrs, alen, tab, CTRL_ATTR_MAX, 0, 0, err, errsz))
		return -1;
	if (!tab[CTRL_ATTR_FAMILY_ID] ||
	    bridge_msg_len(tab[CTRL_ATTR_FAMILY_ID]) != 2 ||
	    !tab[CTRL_ATTR_VERSION] ||
	    bridge_msg_len(tab[CTRL_ATTR_VERSION]) != 4) {
		set_err(err, errsz, "family reply lacks a valid id or version");
		return -1;
	}
	p = tab[CTRL_ATTR_FAMILY_NAME] ?
	    bridge_msg_data(tab[CTRL_ATTR_FAMILY_NAME]) : NULL;
	if (!p || bridge_msg_len(tab[CTRL_ATTR_FAMILY_NAME]) !=
		  sizeof(KHTTPD_GENL_NAME) ||
	    memcmp(p, KHTTPD_GENL_NAME, sizeof(KHTTPD_GENL_NAME))) {
		set_err(err, errsz, "family reply is not for \"%s\"",
			KHTTPD_GENL_NAME);
		return -1;
	}
	*id = bridge_msg_get_u16(tab[CTRL_ATTR_FAMILY_ID]);
	*version = bridge_msg_get_u32(tab[CTRL_ATTR_VERSION]);
	return 0;
}
