// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the pending-handoff steps of kmod/netlink.c (issue 13 item 2).
 * Once published, a parked entry may be freed by its expiry before the
 * notice's delivery fails; the failure path must then name it by the handle
 * alone. The race is made deterministic: the test expires the entry itself
 * between publish and deliver. netlink.c is compiled into this file for its
 * static steps; nothing of it is registered (no genl family, no notifier).
 */
#include <kunit/test.h>
#include <linux/net.h>
#include "../netlink.c"

/*
 * The GIVE and STATS handlers of netlink.c call into give.c and stats.c,
 * which need the server threads; no case here sends those commands.
 */
int khttpd_give(int fd, const void *data, size_t len,
		struct netlink_ext_ack *extack)
{
	return -EOPNOTSUPP;
}

int khttpd_stats_sum(struct khttpd_stats *sum)
{
	return -ENODEV;
}

struct handoff_fixture {
	struct socket *client;	/* parked, then answered and released */
	struct socket *peer;	/* the HTTP client's end */
	struct socket *daemon;	/* a "daemon" whose queue is full */
};

static void handoff_fixture_init(struct kunit *test, struct handoff_fixture *f)
{
	KUNIT_ASSERT_EQ(test, 0, sock_create_kern(&init_net, AF_UNIX,
						  SOCK_STREAM, 0, &f->client));
	KUNIT_ASSERT_EQ(test, 0, sock_create_kern(&init_net, AF_UNIX,
						  SOCK_STREAM, 0, &f->peer));
	KUNIT_ASSERT_EQ(test, 0, f->client->ops->socketpair(f->client, f->peer));
	KUNIT_ASSERT_EQ(test, 0, sock_create_kern(&init_net, AF_UNIX,
						  SOCK_DGRAM, 0, &f->daemon));
	/* Nothing fits: sock_queue_rcv_skb() refuses with -ENOMEM. */
	WRITE_ONCE(f->daemon->sk->sk_rcvbuf, 0);
	khttpd_nl_wq = alloc_workqueue("khttpd_nl_test", 0, 0);
	KUNIT_ASSERT_NOT_NULL(test, khttpd_nl_wq);
	spin_lock(&khttpd_nl_lock);
	khttpd_daemon_sk = f->daemon->sk;
	spin_unlock(&khttpd_nl_lock);
}

static void handoff_fixture_exit(struct handoff_fixture *f)
{
	spin_lock(&khttpd_nl_lock);
	khttpd_daemon_sk = NULL;
	spin_unlock(&khttpd_nl_lock);
	destroy_workqueue(khttpd_nl_wq);
	sock_release(f->daemon);
	sock_release(f->peer);
}

/* What the client read: the expiry's answer, if it came. */
static int peer_read(struct socket *peer, char *buf, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec v = { .iov_base = buf, .iov_len = len - 1 };
	int n = kernel_recvmsg(peer, &msg, &v, 1, len - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return n;
}

/* A handoff of f->client to the fixture's daemon, begun and published. */
static void handoff_published(struct kunit *test, struct handoff_fixture *f,
			      struct khttpd_handoff *h)
{
	handoff_fixture_init(test, f);
	h->entry = kzalloc(sizeof(*h->entry), GFP_KERNEL);
	h->skb = alloc_skb(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, h->entry);
	KUNIT_ASSERT_NOT_NULL(test, h->skb);
	KUNIT_ASSERT_EQ(test, 0, khttpd_handoff_begin(h));
	KUNIT_ASSERT_EQ(test, 0, khttpd_handoff_publish(h, f->client));
}

static void undelivered_after_expiry_test(struct kunit *test)
{
	struct handoff_fixture f;
	struct khttpd_handoff h = {};
	s64 expired, refused;
	char buf[64];

	handoff_published(test, &f, &h);
	expired = atomic64_read(&khttpd_nl_stats.expired);
	refused = atomic64_read(&khttpd_nl_stats.refused);

	/* The daemon goes away: its parked sockets expire now. */
	spin_lock(&khttpd_nl_lock);
	khttpd_pending_expire_all_locked();
	spin_unlock(&khttpd_nl_lock);
	flush_workqueue(khttpd_nl_wq);
	KUNIT_EXPECT_EQ(test, expired + 1,
			atomic64_read(&khttpd_nl_stats.expired));
	KUNIT_EXPECT_EQ(test, 0U, khttpd_npending);

	/*
	 * The notice cannot be queued. The expiry answered for the socket:
	 * 0, so the caller does not answer (or free) it a second time.
	 */
	KUNIT_EXPECT_EQ(test, 0, khttpd_handoff_deliver(&h));
	KUNIT_EXPECT_EQ(test, refused, atomic64_read(&khttpd_nl_stats.refused));
	KUNIT_EXPECT_GT(test, peer_read(f.peer, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_TRUE(test, !strncmp(buf, "HTTP/1.1 503 ", 13));
	handoff_fixture_exit(&f);
}

/* The same failure with the entry still parked: it is withdrawn. */
static void undelivered_parked_test(struct kunit *test)
{
	struct handoff_fixture f;
	struct khttpd_handoff h = {};
	s64 refused;
	char buf[64];

	handoff_published(test, &f, &h);
	KUNIT_EXPECT_EQ(test, 1U, khttpd_npending);
	refused = atomic64_read(&khttpd_nl_stats.refused);

	/* The socket is the caller's again, unanswered. */
	KUNIT_EXPECT_EQ(test, -ENOMEM, khttpd_handoff_deliver(&h));
	KUNIT_EXPECT_EQ(test, 0U, khttpd_npending);
	KUNIT_EXPECT_EQ(test, refused + 1,
			atomic64_read(&khttpd_nl_stats.refused));
	KUNIT_EXPECT_EQ(test, -EAGAIN, peer_read(f.peer, buf, sizeof(buf)));
	sock_release(f.client);
	handoff_fixture_exit(&f);
}

static struct kunit_case khttpd_netlink_cases[] = {
	KUNIT_CASE(undelivered_after_expiry_test),
	KUNIT_CASE(undelivered_parked_test),
	{}
};

static struct kunit_suite khttpd_netlink_suite = {
	.name = "khttpd_netlink",
	.test_cases = khttpd_netlink_cases,
};

kunit_test_suite(khttpd_netlink_suite);
