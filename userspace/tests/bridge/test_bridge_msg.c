// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Unit tests: khttpd generic-netlink message encoding and validation. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bridge/bridge_msg.h"
#include "khttpd_check.h"

#define FAMILY 0x1234
static const char head[] = "POST /cgi-bin/x HTTP/1.1\r\nHost: a\r\n\r\nbody";

static size_t build_handoff(unsigned char *buf, size_t cap, uint8_t version,
			    uint64_t handle, uint16_t family)
{
	struct khttpd_nl_peer peer = { .family = family, .port = htons(4242) };
	struct bridge_msg_builder b;

	inet_pton(AF_INET, "10.0.2.2", peer.addr);
	bridge_msg_begin(&b, buf, cap, FAMILY, 0, 7, KHTTPD_CMD_HANDOFF,
			 version);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, handle);
	bridge_msg_put(&b, KHTTPD_A_PEER, &peer, sizeof(peer));
	bridge_msg_put_u16(&b, KHTTPD_A_LOCAL_PORT, 80);
	bridge_msg_put(&b, KHTTPD_A_HEAD, head, sizeof(head) - 1);
	return bridge_msg_end(&b);
}

static void set_len(unsigned char *buf, uint32_t len)
{
	memcpy(buf, &len, sizeof(len));
}

static void test_roundtrip(void)
{
	unsigned char buf[512];
	struct khttpd_nl_peer peer;
	struct bridge_msg m;
	char err[128] = "";
	size_t n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 99,
				 AF_INET);

	CHECK(n > 0 && n % 4 == 0);
	CHECK(bridge_msg_next(buf, n) == n);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0);
	CHECK(m.cmd == KHTTPD_CMD_HANDOFF);
	CHECK(bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]) == 99);
	CHECK(bridge_msg_get_u16(m.attr[KHTTPD_A_LOCAL_PORT]) == 80);
	CHECK(bridge_msg_len(m.attr[KHTTPD_A_HEAD]) == sizeof(head) - 1);
	CHECK(!memcmp(bridge_msg_data(m.attr[KHTTPD_A_HEAD]), head,
		      sizeof(head) - 1));
	memcpy(&peer, bridge_msg_data(m.attr[KHTTPD_A_PEER]), sizeof(peer));
	CHECK(ntohs(peer.port) == 4242 && peer.addr[0] == 10 &&
	      peer.addr[3] == 2);
	CHECK(m.nlh->nlmsg_seq == 7);
}

/*
 * Cutting the message anywhere before its last byte (and fixing nlmsg_len)
 * must be refused.
 */
static void test_truncation_everywhere(void)
{
	unsigned char buf[512], copy[512];
	struct bridge_msg m;
	char err[128];
	size_t n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 1,
				 AF_INET);
	size_t unpadded = n - (4 - (sizeof(head) - 1) % 4) % 4;
	int bad = 0;

	for (size_t cut = 0; cut < n; cut++) {
		memcpy(copy, buf, n);
		if (cut >= 4)
			set_len(copy, (uint32_t)cut);
		/* the last attribute's alignment padding is optional */
		if ((bridge_msg_parse(copy, cut, &m, err, sizeof(err)) == 0) !=
		    (cut >= unpadded))
			bad++;
		/* and a header that claims more than was received */
		if (bridge_msg_parse(buf, cut, &m, err, sizeof(err)) == 0)
			bad++;
		if (cut >= NLMSG_HDRLEN && bridge_msg_next(buf, cut) != 0)
			bad++;
	}
	CHECK_ALL("truncated handoff accepted", bad);
}

static void test_version_refused(void)
{
	unsigned char buf[512];
	struct bridge_msg m;
	char err[128] = "";
	size_t n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION + 1, 1,
				 AF_INET);

	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "version 2 refused") != NULL);
}

static void test_attribute_rules(void)
{
	unsigned char buf[512];
	struct khttpd_nl_peer peer = { .family = AF_INET6 };
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	size_t n;

	/* handle of the wrong size */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_CLAIM,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u32(&b, KHTTPD_A_HANDLE, 5);
	bridge_msg_put_u32(&b, KHTTPD_A_FD, 5);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "has 4 bytes") != NULL);

	/* the correct claim reply */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_CLAIM,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 5);
	bridge_msg_put_u32(&b, KHTTPD_A_FD, 9);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0);
	CHECK(bridge_msg_get_u32(m.attr[KHTTPD_A_FD]) == 9);

	/* missing FD */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_CLAIM,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 5);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "lacks attribute FD") != NULL);

	/* duplicate */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_CLAIM,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 5);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 6);
	bridge_msg_put_u32(&b, KHTTPD_A_FD, 9);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "duplicate") != NULL);

	/* unknown attribute type */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_STATS,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_STAT_HANDOFFS, 1);
	bridge_msg_put_u32(&b, KHTTPD_A_MAX + 1, 1);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "unknown attribute") != NULL);

	/* pad attributes may repeat and be empty (nla_put_u64_64bit) */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_STATS,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put(&b, KHTTPD_A_PAD, NULL, 0);
	bridge_msg_put_u64(&b, KHTTPD_A_STAT_HANDOFFS, 3);
	bridge_msg_put(&b, KHTTPD_A_PAD, NULL, 0);
	bridge_msg_put_u64(&b, KHTTPD_A_STAT_CLAIMED, 2);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0);
	CHECK(bridge_msg_get_u64(m.attr[KHTTPD_A_STAT_CLAIMED]) == 2);

	/* the threads' counters: every one a u64, nothing else */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_STATS,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_STAT_HANDOFFS, 3);
	for (int a = KHTTPD_A_STAT_ACCEPTED; a <= KHTTPD_A_STAT_SLOW_OPENS; a++)
		bridge_msg_put_u64(&b, (uint16_t)a, (uint64_t)a << 33);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0, "%s", err);
	CHECK(bridge_msg_get_u64(m.attr[KHTTPD_A_STAT_4XX]) ==
	      (uint64_t)KHTTPD_A_STAT_4XX << 33);
	CHECK(bridge_msg_get_u64(m.attr[KHTTPD_A_STAT_SLOW_OPENS]) ==
	      (uint64_t)KHTTPD_A_STAT_SLOW_OPENS << 33);
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_STATS,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_STAT_HANDOFFS, 3);
	bridge_msg_put_u32(&b, KHTTPD_A_STAT_2XX, 1);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	CHECK(strstr(err, "want 8..8") != NULL, "%s", err);

	/* a command the kernel never sends */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0,
			 KHTTPD_CMD_HEARTBEAT, KHTTPD_GENL_VERSION);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);

	/* handle 0 and a bad peer family */
	n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 0, AF_INET);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 1, AF_UNIX);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 1, AF_INET6);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0);

	/* an empty HEAD is refused, a PEER one byte short too */
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_HANDOFF,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 1);
	bridge_msg_put(&b, KHTTPD_A_PEER, &peer, sizeof(peer) - 1);
	bridge_msg_put_u16(&b, KHTTPD_A_LOCAL_PORT, 80);
	bridge_msg_put(&b, KHTTPD_A_HEAD, "x", 1);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
	bridge_msg_begin(&b, buf, sizeof(buf), FAMILY, 0, 0, KHTTPD_CMD_HANDOFF,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 1);
	bridge_msg_put(&b, KHTTPD_A_PEER, &peer, sizeof(peer));
	bridge_msg_put_u16(&b, KHTTPD_A_LOCAL_PORT, 80);
	bridge_msg_put(&b, KHTTPD_A_HEAD, NULL, 0);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);
}

static void test_big_head(void)
{
	size_t cap = KHTTPD_NL_HEAD_MAX + 256;
	unsigned char *buf = malloc(cap), *big = calloc(1, cap);
	struct khttpd_nl_peer peer = { .family = AF_INET };
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	size_t n;

	bridge_msg_begin(&b, buf, cap, FAMILY, 0, 0, KHTTPD_CMD_HANDOFF,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 1);
	bridge_msg_put(&b, KHTTPD_A_PEER, &peer, sizeof(peer));
	bridge_msg_put_u16(&b, KHTTPD_A_LOCAL_PORT, 80);
	bridge_msg_put(&b, KHTTPD_A_HEAD, big, KHTTPD_NL_HEAD_MAX);
	n = bridge_msg_end(&b);
	CHECK(n > KHTTPD_NL_HEAD_MAX);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == 0);

	bridge_msg_begin(&b, buf, cap, FAMILY, 0, 0, KHTTPD_CMD_HANDOFF,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, 1);
	bridge_msg_put(&b, KHTTPD_A_PEER, &peer, sizeof(peer));
	bridge_msg_put_u16(&b, KHTTPD_A_LOCAL_PORT, 80);
	bridge_msg_put(&b, KHTTPD_A_HEAD, big, KHTTPD_NL_HEAD_MAX + 1);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse(buf, n, &m, err, sizeof(err)) == -1);

	/* builder overflow voids the message */
	bridge_msg_begin(&b, buf, 64, FAMILY, 0, 0, KHTTPD_CMD_HANDOFF,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put(&b, KHTTPD_A_HEAD, big, 100);
	CHECK(bridge_msg_end(&b) == 0);
	free(buf);
	free(big);
}

static void test_error_and_family(void)
{
	unsigned char buf[256];
	struct nlmsghdr nlh = { .nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr),
				.nlmsg_type = NLMSG_ERROR };
	struct nlmsgerr e = { .error = -16 };
	struct bridge_msg_builder b;
	uint32_t version;
	uint16_t id;
	char err[128];
	int error = 0;
	size_t n;

	memcpy(buf, &nlh, sizeof(nlh));
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
	CHECK(bridge_msg_error(buf, nlh.nlmsg_len, &error) == 1 &&
	      error == -16);
	CHECK(bridge_msg_error(buf, NLMSG_HDRLEN + 2, &error) == -1);
	/* the kernel's errors are 0 or -errno: anything else is malformed */
	e.error = 32;
	memcpy(buf + NLMSG_HDRLEN, &e, sizeof(e));
	CHECK(bridge_msg_error(buf, nlh.nlmsg_len, &error) == -1);

	bridge_msg_begin(&b, buf, sizeof(buf), GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_NEWFAMILY, 2);
	bridge_msg_put_str(&b, CTRL_ATTR_FAMILY_NAME, KHTTPD_GENL_NAME);
	bridge_msg_put_u16(&b, CTRL_ATTR_FAMILY_ID, 0x21);
	bridge_msg_put_u32(&b, CTRL_ATTR_VERSION, 1);
	bridge_msg_put_u32(&b, CTRL_ATTR_MAX + 5,
			   1); /* a newer kernel's attr */
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_error(buf, n, &error) == 0);
	CHECK(bridge_msg_parse_family(buf, n, &id, &version, err,
				      sizeof(err)) == 0);
	CHECK(id == 0x21 && version == 1);

	bridge_msg_begin(&b, buf, sizeof(buf), GENL_ID_CTRL, 0, 0,
			 CTRL_CMD_NEWFAMILY, 2);
	bridge_msg_put_str(&b, CTRL_ATTR_FAMILY_NAME, "nl80211");
	bridge_msg_put_u16(&b, CTRL_ATTR_FAMILY_ID, 0x21);
	bridge_msg_put_u32(&b, CTRL_ATTR_VERSION, 1);
	n = bridge_msg_end(&b);
	CHECK(bridge_msg_parse_family(buf, n, &id, &version, err,
				      sizeof(err)) == -1);
}

/* Random corruption must never crash or read out of bounds (ASan). */
static void test_random_corruption(void)
{
	unsigned char buf[512], copy[512];
	struct bridge_msg m;
	char err[128];
	size_t n = build_handoff(buf, sizeof(buf), KHTTPD_GENL_VERSION, 3,
				 AF_INET);
	int escaped = 0;

	srand(1);
	for (int i = 0; i < 20000; i++) {
		memcpy(copy, buf, n);
		for (int k = 0; k < 3; k++)
			copy[NLMSG_HDRLEN + (size_t)rand() % (n - NLMSG_HDRLEN)] =
				(unsigned char)rand();
		if (bridge_msg_parse(copy, n, &m, err, sizeof(err)) != 0)
			continue;
		for (int a = 1; a <= KHTTPD_A_MAX; a++)
			if (m.attr[a] &&
			    (const unsigned char *)bridge_msg_data(m.attr[a]) +
					    bridge_msg_len(m.attr[a]) >
				    copy + n)
				escaped++;
	}
	CHECK_ALL("attribute beyond the message", escaped);
}

int main(void)
{
	test_roundtrip();
	test_truncation_everywhere();
	test_version_refused();
	test_attribute_rules();
	test_big_head();
	test_error_and_family();
	test_random_corruption();
	return check_done(NULL);
}
