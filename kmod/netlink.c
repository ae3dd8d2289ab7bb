// SPDX-License-Identifier: GPL-2.0
/*
 * The generic-netlink bridge between khttpd.ko and the khttpdd daemon
 * (Documentation/bridge.md, message set in include/uapi/linux/khttpd.h).
 *
 * One daemon registers (CAP_NET_ADMIN); its netlink socket itself is pinned,
 * not just its port id, which netlink_release() frees before the URELEASE
 * notifier runs: notices are queued on that very socket and commands are
 * taken from it only, so a process that binds the dead daemon's port id
 * gets nothing. A request the module routes to
 * userspace becomes a pending handoff: the socket is parked in a table
 * under a fresh handle and a HANDOFF notice with the request head goes to
 * the daemon. The daemon's CLAIM runs in its own process context, so the
 * doit installs the socket as a new fd in the daemon. A handoff nobody
 * claims in time, or whose daemon died, is answered 503 and closed by the
 * expiry work. The daemon's death is seen at once through NETLINK_URELEASE
 * and otherwise by missed heartbeats.
 */
#include <linux/file.h>
#include <linux/hashtable.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <khttpd/http_response.h>
#include <uapi/linux/khttpd.h>
#include "khttpd.h"
#include "netlink.h"

/* Parked sockets at most; beyond, the module answers 503 itself. */
#define KHTTPD_NL_PENDING_MAX	1024
#define KHTTPD_NL_RETRY_AFTER	"Retry-After: 1\r\n"
/* What a closing 503 drains so that unread bytes do not reset it. */
#define KHTTPD_NL_DRAIN_MAX	(64 * 1024)

struct khttpd_pending {
	struct hlist_node node;		/* khttpd_pending_tab, under the lock */
	u64 handle;
	struct socket *sock;
	struct delayed_work expire;
};

/*
 * Everything below is under khttpd_nl_lock: the daemon's identity and
 * settings, and the table of parked sockets. Taken from the module's
 * threads, netlink doits, the URELEASE notifier and works: never from
 * softirq.
 */
static DEFINE_SPINLOCK(khttpd_nl_lock);
static DEFINE_HASHTABLE(khttpd_pending_tab, 8);
static unsigned int khttpd_npending;
static u64 khttpd_next_handle = 1;
static u32 khttpd_daemon_portid;	/* 0: no daemon */
static struct sock *khttpd_daemon_sk;	/* its socket, held */
static pid_t khttpd_daemon_pid;
static unsigned long khttpd_daemon_seen;	/* jiffies of its last word */
static u32 khttpd_heartbeat_ms = 1000;
static u32 khttpd_claim_timeout_ms = 2000;
static bool khttpd_nl_closing;

static struct {
	atomic64_t handoffs, claimed, declined, expired, refused, registrations;
} khttpd_nl_stats;

static struct genl_family khttpd_genl_family;
static void khttpd_watchdog_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(khttpd_watchdog, khttpd_watchdog_fn);
/* Expiries and the watchdog: destroyed (so drained) at exit. */
static struct workqueue_struct *khttpd_nl_wq;

/*
 * A short response on a socket that does not reach the daemon, and the
 * end of its write side. Unread request bytes are drained (bounded):
 * closing with unread data would send a reset that can destroy the
 * response in flight. The caller closes the socket.
 */
static void khttpd_nl_answer(struct socket *sock, int status)
{
	char date[KHTTP_DATE_LEN + 1];
	char *buf = kmalloc(1024, GFP_KERNEL);
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT | MSG_NOSIGNAL };
	struct kvec v;
	size_t len, drained = 0;
	int n;

	if (!buf)
		return;
	khttp_date_format(ktime_get_real_seconds(), date);
	len = khttp_error_build(buf, 1024, status, 11, false, date,
				status == 503 ? KHTTPD_NL_RETRY_AFTER : NULL);
	if (len) {
		v.iov_base = buf;
		v.iov_len = len;
		kernel_sendmsg(sock, &msg, &v, 1, len);
	}
	kernel_sock_shutdown(sock, SHUT_WR);
	while (drained < KHTTPD_NL_DRAIN_MAX) {
		v.iov_base = buf;
		v.iov_len = 1024;
		msg.msg_flags = MSG_DONTWAIT;
		n = kernel_recvmsg(sock, &msg, &v, 1, 1024, MSG_DONTWAIT);
		if (n <= 0)
			break;
		drained += n;
	}
	kfree(buf);
}

static void khttpd_nl_refuse(struct socket *sock, int status)
{
	khttpd_nl_answer(sock, status);
	khttpd_sock_put(sock);
}

/* Remove a pending handoff from the table: the caller then owns it. */
static struct khttpd_pending *khttpd_pending_take(u64 handle)
{
	struct khttpd_pending *p;

	spin_lock(&khttpd_nl_lock);
	hash_for_each_possible(khttpd_pending_tab, p, node, handle) {
		if (p->handle == handle) {
			hash_del(&p->node);
			khttpd_npending--;
			spin_unlock(&khttpd_nl_lock);
			return p;
		}
	}
	spin_unlock(&khttpd_nl_lock);
	return NULL;
}

static void khttpd_expire_fn(struct work_struct *work)
{
	struct khttpd_pending *p = container_of(to_delayed_work(work),
						struct khttpd_pending, expire);

	/* A claim or decline that took it first also cancels this work. */
	if (khttpd_pending_take(p->handle) != p)
		return;
	atomic64_inc(&khttpd_nl_stats.expired);
	khttpd_nl_refuse(p->sock, 503);
	kfree(p);
}

/* Every parked socket is answered now (daemon gone). Lock held. */
static void khttpd_pending_expire_all_locked(void)
{
	struct khttpd_pending *p;
	unsigned int bkt;

	hash_for_each(khttpd_pending_tab, bkt, p, node)
		mod_delayed_work(khttpd_nl_wq, &p->expire, 0);
}

/* Lock held. Returns the daemon's socket, for sock_put() once unlocked. */
static struct sock *khttpd_daemon_drop_locked(const char *why)
{
	struct sock *sk = khttpd_daemon_sk;

	pr_info("daemon pid %d (port %u) %s\n", khttpd_daemon_pid,
		khttpd_daemon_portid, why);
	WRITE_ONCE(khttpd_daemon_portid, 0);
	khttpd_daemon_sk = NULL;
	khttpd_daemon_pid = 0;
	khttpd_pending_expire_all_locked();
	return sk;
}

bool khttpd_daemon_present(void)
{
	return READ_ONCE(khttpd_daemon_portid) != 0;
}

static void khttpd_watchdog_fn(struct work_struct *work)
{
	struct sock *dropped = NULL;
	unsigned long limit;
	u32 period;

	spin_lock(&khttpd_nl_lock);
	if (!khttpd_daemon_portid) {
		spin_unlock(&khttpd_nl_lock);
		return;
	}
	period = khttpd_heartbeat_ms;
	limit = khttpd_daemon_seen +
		msecs_to_jiffies(period * KHTTPD_NL_HEARTBEAT_MISSES);
	if (time_after(jiffies, limit))
		dropped = khttpd_daemon_drop_locked("missed its heartbeats: dropped");
	spin_unlock(&khttpd_nl_lock);
	if (dropped)
		sock_put(dropped);
	if (khttpd_daemon_present())
		queue_delayed_work(khttpd_nl_wq, &khttpd_watchdog,
				   msecs_to_jiffies(period));
}

static int khttpd_peer_get(struct socket *sock, struct khttpd_nl_peer *peer)
{
	struct sockaddr_storage ss;
	int len;

	memset(peer, 0, sizeof(*peer));
	len = kernel_getpeername(sock, (struct sockaddr *)&ss);
	if (len < 0)
		return len;
	peer->family = ss.ss_family;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		peer->port = sin->sin_port;
		memcpy(peer->addr, &sin->sin_addr, 4);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		peer->port = sin6->sin6_port;
		memcpy(peer->addr, &sin6->sin6_addr, 16);
	} else {
		return -EAFNOSUPPORT;
	}
	return 0;
}

/*
 * Into the notice: pre, then the peeked bytes of the head beyond it, taken
 * off the socket; len (the larger of pre_len and head_len) bytes in all.
 */
static int khttpd_head_take(struct socket *sock, struct sk_buff *skb,
			    const void *pre, size_t pre_len, size_t len)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct nlattr *attr;
	struct kvec v;
	int n;

	attr = nla_reserve(skb, KHTTPD_A_HEAD, len);
	if (!attr)
		return -EMSGSIZE;
	if (pre_len)
		memcpy(nla_data(attr), pre, pre_len);
	if (len == pre_len)
		return 0;
	v.iov_base = (char *)nla_data(attr) + pre_len;
	v.iov_len = len - pre_len;
	n = kernel_recvmsg(sock, &msg, &v, 1, v.iov_len, MSG_DONTWAIT);
	return n == v.iov_len ? 0 : -EIO;
}

/*
 * Queue a notice on the daemon's own socket, as netlink_unicast() would
 * once it had looked the port id up, but without that look-up: the port
 * id may belong to another socket by now. A socket being released gets
 * nothing. Consumes skb.
 */
static int khttpd_nl_deliver(struct sock *dsk, struct sk_buff *skb)
{
	int err = -ECONNREFUSED;

	if (!sock_flag(dsk, SOCK_DEAD))
		err = sock_queue_rcv_skb(dsk, skb);
	if (err)
		kfree_skb(skb);
	return err;
}

/*
 * A handoff under way, on its caller's stack, in three steps: begin takes
 * a handle for the registered daemon, publish parks the entry in the table
 * and deliver queues the notice (and withdraws the entry if it cannot).
 * Once published, the entry belongs to the table: the expiry work or a
 * claim may free it at any moment. Publish therefore forgets it, and from
 * there on only the handle names it.
 */
struct khttpd_handoff {
	struct khttpd_pending *entry;	/* NULL once published */
	u64 handle;
	struct sock *dsk;		/* the daemon, held while delivering */
	struct sk_buff *skb;		/* the notice */
	u32 timeout_ms;
};

/* A handle for the registered daemon, if there is one and room. */
static int khttpd_handoff_begin(struct khttpd_handoff *h)
{
	int err = 0;

	spin_lock(&khttpd_nl_lock);
	h->dsk = khttpd_daemon_sk;
	h->timeout_ms = khttpd_claim_timeout_ms;
	if (!h->dsk || khttpd_nl_closing)
		err = -ENOTCONN;
	else if (khttpd_npending >= KHTTPD_NL_PENDING_MAX)
		err = -EBUSY;
	else
		h->handle = khttpd_next_handle++;
	spin_unlock(&khttpd_nl_lock);
	if (err)
		atomic64_inc(&khttpd_nl_stats.refused);
	else
		h->entry->handle = h->handle;
	return err;
}

/*
 * Park sock under the handle, with its expiry armed, if the daemon is
 * still the one the handle was taken for. Parked before the notice is
 * sent: a fast daemon may claim before it is even queued.
 */
static int khttpd_handoff_publish(struct khttpd_handoff *h,
				  struct socket *sock)
{
	struct khttpd_pending *p = h->entry;

	p->sock = sock;
	INIT_DELAYED_WORK(&p->expire, khttpd_expire_fn);
	spin_lock(&khttpd_nl_lock);
	if (khttpd_daemon_sk != h->dsk || khttpd_nl_closing) {
		spin_unlock(&khttpd_nl_lock);
		atomic64_inc(&khttpd_nl_stats.refused);
		return -ENOTCONN;
	}
	sock_hold(h->dsk);
	hash_add(khttpd_pending_tab, &p->node, h->handle);
	khttpd_npending++;
	queue_delayed_work(khttpd_nl_wq, &p->expire,
			   msecs_to_jiffies(h->timeout_ms));
	h->entry = NULL;
	spin_unlock(&khttpd_nl_lock);
	return 0;
}

/*
 * The notice was not delivered (daemon gone or its queue full): take the
 * entry back by its handle. If the expiry (or a claim) has it already, it
 * answers for the socket, and the entry may be freed: 0.
 */
static int khttpd_handoff_withdraw(struct khttpd_handoff *h, int err)
{
	struct khttpd_pending *p = khttpd_pending_take(h->handle);

	if (!p)
		return 0;
	cancel_delayed_work_sync(&p->expire);
	kfree(p);
	atomic64_inc(&khttpd_nl_stats.refused);
	return err;
}

/* Queue the published notice, which goes to that daemon or to none. */
static int khttpd_handoff_deliver(struct khttpd_handoff *h)
{
	int err = khttpd_nl_deliver(h->dsk, h->skb);

	sock_put(h->dsk);
	if (err)
		return khttpd_handoff_withdraw(h, err);
	atomic64_inc(&khttpd_nl_stats.handoffs);
	return 0;
}

int khttpd_netlink_handoff(struct socket *sock, const void *pre,
			   size_t pre_len, size_t head_len)
{
	struct khttpd_handoff h = {};
	struct khttpd_nl_peer peer;
	void *hdr;
	int err;

	if (!khttpd_daemon_present())
		goto refused_notconn;
	head_len = max(head_len, pre_len);
	if (!head_len || head_len > KHTTPD_NL_HEAD_MAX)
		return -EMSGSIZE;
	if (WARN_ON_ONCE(sock->sk->sk_user_data))
		return -EINVAL;
	err = khttpd_peer_get(sock, &peer);
	if (err)
		return err;
	h.entry = kzalloc(sizeof(*h.entry), GFP_KERNEL);
	h.skb = genlmsg_new(nla_total_size_64bit(8) +
			    nla_total_size(sizeof(peer)) + nla_total_size(2) +
			    nla_total_size(head_len), GFP_KERNEL);
	if (!h.entry || !h.skb) {
		err = -ENOMEM;
		goto free;
	}
	hdr = genlmsg_put(h.skb, 0, 0, &khttpd_genl_family, 0,
			  KHTTPD_CMD_HANDOFF);
	if (!hdr) {
		err = -EMSGSIZE;
		goto free;
	}
	err = khttpd_handoff_begin(&h);
	if (err)
		goto free;
	if (nla_put_u64_64bit(h.skb, KHTTPD_A_HANDLE, h.handle, KHTTPD_A_PAD) ||
	    nla_put(h.skb, KHTTPD_A_PEER, sizeof(peer), &peer) ||
	    nla_put_u16(h.skb, KHTTPD_A_LOCAL_PORT,
			ntohs(inet_sk(sock->sk)->inet_sport))) {
		err = -EMSGSIZE;
		goto free;
	}
	err = khttpd_head_take(sock, h.skb, pre, pre_len, head_len);
	if (err)
		goto free;
	genlmsg_end(h.skb, hdr);
	err = khttpd_handoff_publish(&h, sock);
	if (err)
		goto free;
	return khttpd_handoff_deliver(&h);

free:
	nlmsg_free(h.skb);
	kfree(h.entry);
	return err;

refused_notconn:
	atomic64_inc(&khttpd_nl_stats.refused);
	return -ENOTCONN;
}

/* ---- doit handlers: they run in the sending process ---- */

static int khttpd_nl_version_ok(struct genl_info *info)
{
	if (info->genlhdr->version == KHTTPD_GENL_VERSION)
		return 0;
	pr_warn_ratelimited("netlink message version %u from pid %d refused (module speaks %u)\n",
			    info->genlhdr->version, task_tgid_vnr(current),
			    KHTTPD_GENL_VERSION);
	GENL_SET_ERR_MSG(info, "khttpd: unsupported message version");
	return -EPROTO;
}

/*
 * The socket a command came from (netlink_unicast_kernel() sets it; it
 * lives while the doit runs). The daemon's socket is held while it is
 * registered, so comparing the two is exact.
 */
static struct sock *khttpd_nl_sender(const struct sk_buff *skb)
{
	return NETLINK_CB(skb).sk;
}

/*
 * The sender is the registered daemon's socket: only it may claim and
 * configure. Its port id alone proves nothing once the socket is gone.
 */
static int khttpd_nl_from_daemon(const struct sk_buff *skb,
				 struct genl_info *info)
{
	bool daemon;
	int err = khttpd_nl_version_ok(info);

	if (err)
		return err;
	spin_lock(&khttpd_nl_lock);
	daemon = khttpd_daemon_sk && khttpd_nl_sender(skb) == khttpd_daemon_sk &&
		 info->snd_portid == khttpd_daemon_portid;
	spin_unlock(&khttpd_nl_lock);
	if (!daemon) {
		GENL_SET_ERR_MSG(info, "khttpd: sender is not the registered daemon");
		return -ENOTCONN;
	}
	return 0;
}

static struct sk_buff *khttpd_nl_reply_new(struct genl_info *info,
					   size_t payload, void **hdr)
{
	struct sk_buff *skb = genlmsg_new(payload, GFP_KERNEL);

	if (!skb)
		return NULL;
	*hdr = genlmsg_put_reply(skb, info, &khttpd_genl_family, 0,
				 info->genlhdr->cmd);
	if (!*hdr) {
		nlmsg_free(skb);
		return NULL;
	}
	return skb;
}

/* REGISTER/CONFIG reply: the settings the daemon must follow. */
static int khttpd_nl_reply_settings(struct genl_info *info)
{
	struct sk_buff *skb;
	void *hdr;

	skb = khttpd_nl_reply_new(info, 3 * nla_total_size(4), &hdr);
	if (!skb)
		return -ENOMEM;
	if (nla_put_u32(skb, KHTTPD_A_VERSION, KHTTPD_GENL_VERSION) ||
	    nla_put_u32(skb, KHTTPD_A_HEARTBEAT_MS,
			READ_ONCE(khttpd_heartbeat_ms)) ||
	    nla_put_u32(skb, KHTTPD_A_CLAIM_TIMEOUT_MS,
			READ_ONCE(khttpd_claim_timeout_ms))) {
		nlmsg_free(skb);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return genlmsg_reply(skb, info);
}

static int khttpd_nl_register(struct sk_buff *skb, struct genl_info *info)
{
	struct sock *sk = khttpd_nl_sender(skb);
	u32 version, period;
	int err;

	err = khttpd_nl_version_ok(info);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KHTTPD_A_VERSION))
		return -EINVAL;
	version = nla_get_u32(info->attrs[KHTTPD_A_VERSION]);
	if (version != KHTTPD_GENL_VERSION) {
		pr_warn("daemon pid %d speaks protocol version %u, module %u: refused\n",
			task_tgid_vnr(current), version, KHTTPD_GENL_VERSION);
		GENL_SET_ERR_MSG(info, "khttpd: unsupported protocol version");
		return -EPROTO;
	}
	spin_lock(&khttpd_nl_lock);
	if (khttpd_daemon_sk && khttpd_daemon_sk != sk) {
		spin_unlock(&khttpd_nl_lock);
		pr_info("pid %d refused: daemon pid %d is registered\n",
			task_tgid_vnr(current), khttpd_daemon_pid);
		GENL_SET_ERR_MSG(info, "khttpd: another daemon is registered");
		return -EBUSY;
	}
	if (!khttpd_daemon_sk) {
		sock_hold(sk);
		khttpd_daemon_sk = sk;
	}
	WRITE_ONCE(khttpd_daemon_portid, info->snd_portid);
	khttpd_daemon_pid = task_tgid_vnr(current);
	khttpd_daemon_seen = jiffies;
	period = khttpd_heartbeat_ms;
	spin_unlock(&khttpd_nl_lock);
	atomic64_inc(&khttpd_nl_stats.registrations);
	pr_info("daemon pid %d registered (port %u)\n",
		task_tgid_vnr(current), info->snd_portid);
	mod_delayed_work(khttpd_nl_wq, &khttpd_watchdog,
			 msecs_to_jiffies(period));
	return khttpd_nl_reply_settings(info);
}

static int khttpd_nl_unregister(struct sk_buff *skb, struct genl_info *info)
{
	int err = khttpd_nl_from_daemon(skb, info);
	struct sock *dropped = NULL;

	if (err)
		return err;
	spin_lock(&khttpd_nl_lock);
	if (khttpd_daemon_sk == khttpd_nl_sender(skb))
		dropped = khttpd_daemon_drop_locked("unregistered");
	spin_unlock(&khttpd_nl_lock);
	if (dropped)
		sock_put(dropped);
	return 0;
}

static int khttpd_nl_heartbeat(struct sk_buff *skb, struct genl_info *info)
{
	int err = khttpd_nl_from_daemon(skb, info);

	if (err)
		return err;
	WRITE_ONCE(khttpd_daemon_seen, jiffies);
	return 0;
}

static int khttpd_nl_claim(struct sk_buff *skb, struct genl_info *info)
{
	struct khttpd_pending *p;
	struct sk_buff *reply;
	struct file *file;
	void *hdr;
	int err, fd;

	err = khttpd_nl_from_daemon(skb, info);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KHTTPD_A_HANDLE))
		return -EINVAL;
	p = khttpd_pending_take(nla_get_u64(info->attrs[KHTTPD_A_HANDLE]));
	if (!p) {
		GENL_SET_ERR_MSG(info, "khttpd: no such handoff (expired?)");
		return -ENOENT;
	}
	cancel_delayed_work_sync(&p->expire);
	WRITE_ONCE(khttpd_daemon_seen, jiffies);

	reply = khttpd_nl_reply_new(info, nla_total_size_64bit(8) +
				    nla_total_size(4), &hdr);
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (!reply || fd < 0) {
		err = fd < 0 ? fd : -ENOMEM;
		goto refuse;
	}
	if (nla_put_u64_64bit(reply, KHTTPD_A_HANDLE, p->handle,
			      KHTTPD_A_PAD) ||
	    nla_put_u32(reply, KHTTPD_A_FD, fd)) {
		err = -EMSGSIZE;
		goto refuse;
	}
	genlmsg_end(reply, hdr);
	/*
	 * A socket the daemon gave back has its file, the module's reference
	 * to which goes into the fd. On failure sock_alloc_file() has
	 * released the socket itself.
	 */
	file = p->sock->file ?: sock_alloc_file(p->sock, O_NONBLOCK, NULL);
	if (IS_ERR(file)) {
		put_unused_fd(fd);
		nlmsg_free(reply);
		kfree(p);
		return PTR_ERR(file);
	}
	/*
	 * The daemon learns the fd only from the reply, which fails when its
	 * socket is full: the fd goes into its table only once the reply is
	 * queued. This runs in the daemon's thread that sent the claim, the
	 * one that reads the reply, so nothing uses the fd before it is in.
	 * Otherwise the client is answered here and the file closes the socket.
	 */
	err = genlmsg_reply(reply, info);
	if (err) {
		put_unused_fd(fd);
		khttpd_nl_answer(p->sock, 503);
		fput(file);
		kfree(p);
		atomic64_inc(&khttpd_nl_stats.refused);
		return err;
	}
	fd_install(fd, file);
	kfree(p);
	atomic64_inc(&khttpd_nl_stats.claimed);
	return 0;

refuse:
	if (fd >= 0)
		put_unused_fd(fd);
	nlmsg_free(reply);
	khttpd_nl_refuse(p->sock, 503);
	kfree(p);
	return err;
}

static int khttpd_nl_decline(struct sk_buff *skb, struct genl_info *info)
{
	struct khttpd_pending *p;
	int err, status = 503;

	err = khttpd_nl_from_daemon(skb, info);
	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KHTTPD_A_HANDLE))
		return -EINVAL;
	if (info->attrs[KHTTPD_A_STATUS])
		status = nla_get_u32(info->attrs[KHTTPD_A_STATUS]);
	p = khttpd_pending_take(nla_get_u64(info->attrs[KHTTPD_A_HANDLE]));
	if (!p)
		return -ENOENT;
	cancel_delayed_work_sync(&p->expire);
	atomic64_inc(&khttpd_nl_stats.declined);
	khttpd_nl_refuse(p->sock, status);
	kfree(p);
	return 0;
}

static int khttpd_nl_give(struct sk_buff *skb, struct genl_info *info)
{
	const struct nlattr *data = info->attrs[KHTTPD_A_DATA];
	int err = khttpd_nl_from_daemon(skb, info);

	if (err)
		return err;
	if (GENL_REQ_ATTR_CHECK(info, KHTTPD_A_SOCK_FD))
		return -EINVAL;
	WRITE_ONCE(khttpd_daemon_seen, jiffies);
	return khttpd_give(nla_get_u32(info->attrs[KHTTPD_A_SOCK_FD]),
			   data ? nla_data(data) : NULL,
			   data ? nla_len(data) : 0, info->extack);
}

static int khttpd_nl_config(struct sk_buff *skb, struct genl_info *info)
{
	int err = khttpd_nl_from_daemon(skb, info);

	if (err)
		return err;
	spin_lock(&khttpd_nl_lock);
	if (info->attrs[KHTTPD_A_HEARTBEAT_MS])
		khttpd_heartbeat_ms =
			nla_get_u32(info->attrs[KHTTPD_A_HEARTBEAT_MS]);
	if (info->attrs[KHTTPD_A_CLAIM_TIMEOUT_MS])
		khttpd_claim_timeout_ms =
			nla_get_u32(info->attrs[KHTTPD_A_CLAIM_TIMEOUT_MS]);
	khttpd_daemon_seen = jiffies;
	spin_unlock(&khttpd_nl_lock);
	return khttpd_nl_reply_settings(info);
}

static int khttpd_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	static const struct {
		int attr;
		atomic64_t *v;
	} counters[] = {
		{ KHTTPD_A_STAT_HANDOFFS, &khttpd_nl_stats.handoffs },
		{ KHTTPD_A_STAT_CLAIMED, &khttpd_nl_stats.claimed },
		{ KHTTPD_A_STAT_DECLINED, &khttpd_nl_stats.declined },
		{ KHTTPD_A_STAT_EXPIRED, &khttpd_nl_stats.expired },
		{ KHTTPD_A_STAT_REFUSED, &khttpd_nl_stats.refused },
		{ KHTTPD_A_STAT_REGISTRATIONS, &khttpd_nl_stats.registrations },
	};
	static const struct {
		int attr;
		size_t off;
	} threads[] = {
		{ KHTTPD_A_STAT_ACCEPTED, offsetof(struct khttpd_stats, accepted) },
		{ KHTTPD_A_STAT_ACTIVE, offsetof(struct khttpd_stats, active) },
		{ KHTTPD_A_STAT_REQUESTS, offsetof(struct khttpd_stats, requests) },
		{ KHTTPD_A_STAT_1XX, offsetof(struct khttpd_stats, responses[0]) },
		{ KHTTPD_A_STAT_2XX, offsetof(struct khttpd_stats, responses[1]) },
		{ KHTTPD_A_STAT_3XX, offsetof(struct khttpd_stats, responses[2]) },
		{ KHTTPD_A_STAT_4XX, offsetof(struct khttpd_stats, responses[3]) },
		{ KHTTPD_A_STAT_5XX, offsetof(struct khttpd_stats, responses[4]) },
		{ KHTTPD_A_STAT_SENT_ZEROCOPY,
		  offsetof(struct khttpd_stats, sent_zerocopy) },
		{ KHTTPD_A_STAT_SENT_COPIED,
		  offsetof(struct khttpd_stats, sent_copied) },
		{ KHTTPD_A_STAT_CACHE_MISSES,
		  offsetof(struct khttpd_stats, cache_misses) },
		{ KHTTPD_A_STAT_TIMEOUTS, offsetof(struct khttpd_stats, timeouts) },
		{ KHTTPD_A_STAT_REJECTS, offsetof(struct khttpd_stats, rejects) },
		{ KHTTPD_A_STAT_REFUSED_PATHS,
		  offsetof(struct khttpd_stats, refused_paths) },
		{ KHTTPD_A_STAT_SLOW_OPENS,
		  offsetof(struct khttpd_stats, slow_opens) },
	};
	struct khttpd_stats sum;
	struct sk_buff *reply;
	unsigned int i, pending;
	bool have_sum;
	pid_t pid;
	void *hdr;
	int err = khttpd_nl_version_ok(info);

	if (err)
		return err;
	have_sum = !khttpd_stats_sum(&sum);
	reply = khttpd_nl_reply_new(info, (ARRAY_SIZE(counters) +
					   ARRAY_SIZE(threads) + 1) *
				    nla_total_size_64bit(8) +
				    nla_total_size(4), &hdr);
	if (!reply)
		return -ENOMEM;
	spin_lock(&khttpd_nl_lock);
	pending = khttpd_npending;
	pid = khttpd_daemon_pid;
	spin_unlock(&khttpd_nl_lock);
	for (i = 0; i < ARRAY_SIZE(counters); i++)
		if (nla_put_u64_64bit(reply, counters[i].attr,
				      atomic64_read(counters[i].v),
				      KHTTPD_A_PAD))
			goto overflow;
	if (nla_put_u64_64bit(reply, KHTTPD_A_STAT_PENDING, pending,
			      KHTTPD_A_PAD) ||
	    nla_put_u32(reply, KHTTPD_A_STAT_DAEMON_PID, pid))
		goto overflow;
	for (i = 0; have_sum && i < ARRAY_SIZE(threads); i++)
		if (nla_put_u64_64bit(reply, threads[i].attr,
				      *(u64 *)((char *)&sum + threads[i].off),
				      KHTTPD_A_PAD))
			goto overflow;
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);

overflow:
	nlmsg_free(reply);
	return -EMSGSIZE;
}

/*
 * Full ranges: NLA_POLICY_RANGE keeps its bounds in s16, where 60000
 * turns negative (a WARN on every CONFIG, and no upper bound). Not const:
 * 6.1's nla_policy points to a writable range (6.12's to a const one).
 */
static struct netlink_range_validation khttpd_nl_heartbeat_range = {
	.min = KHTTPD_NL_HEARTBEAT_MS_MIN, .max = KHTTPD_NL_HEARTBEAT_MS_MAX,
};

static struct netlink_range_validation khttpd_nl_claim_range = {
	.min = KHTTPD_NL_CLAIM_TIMEOUT_MS_MIN,
	.max = KHTTPD_NL_CLAIM_TIMEOUT_MS_MAX,
};

static const struct nla_policy khttpd_nl_policy[KHTTPD_A_MAX + 1] = {
	[KHTTPD_A_VERSION] = { .type = NLA_U32 },
	[KHTTPD_A_PID] = { .type = NLA_U32 },
	[KHTTPD_A_HANDLE] = { .type = NLA_U64 },
	[KHTTPD_A_STATUS] = NLA_POLICY_RANGE(NLA_U32, 400, 599),
	[KHTTPD_A_HEARTBEAT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &khttpd_nl_heartbeat_range),
	[KHTTPD_A_CLAIM_TIMEOUT_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &khttpd_nl_claim_range),
	[KHTTPD_A_SOCK_FD] = { .type = NLA_U32 },
	[KHTTPD_A_DATA] = { .type = NLA_BINARY, .len = KHTTPD_NL_HEAD_MAX },
	/* kernel -> daemon only: refused when a process sends them */
	[KHTTPD_A_PEER] = { .type = NLA_REJECT },
	[KHTTPD_A_LOCAL_PORT] = { .type = NLA_REJECT },
	[KHTTPD_A_HEAD] = { .type = NLA_REJECT },
	[KHTTPD_A_FD] = { .type = NLA_REJECT },
	[KHTTPD_A_PAD] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_HANDOFFS] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_CLAIMED] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_DECLINED] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_EXPIRED] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_REFUSED] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_PENDING] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_REGISTRATIONS] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_DAEMON_PID] = { .type = NLA_REJECT },
	[KHTTPD_A_STAT_ACCEPTED ... KHTTPD_A_STAT_SLOW_OPENS] = {
		.type = NLA_REJECT },
};

static const struct genl_small_ops khttpd_nl_ops[] = {
	{ .cmd = KHTTPD_CMD_REGISTER, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_register },
	{ .cmd = KHTTPD_CMD_UNREGISTER, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_unregister },
	{ .cmd = KHTTPD_CMD_HEARTBEAT, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_heartbeat },
	{ .cmd = KHTTPD_CMD_CLAIM, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_claim },
	{ .cmd = KHTTPD_CMD_DECLINE, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_decline },
	{ .cmd = KHTTPD_CMD_CONFIG, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_config },
	{ .cmd = KHTTPD_CMD_GIVE, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_give },
	/* admin only too: it names the daemon's pid */
	{ .cmd = KHTTPD_CMD_STATS, .flags = GENL_ADMIN_PERM,
	  .doit = khttpd_nl_stats_get },
};

static struct genl_family khttpd_genl_family = {
	.name = KHTTPD_GENL_NAME,
	.version = KHTTPD_GENL_VERSION,
	.maxattr = KHTTPD_A_MAX,
	.policy = khttpd_nl_policy,
	.netnsok = false,
	/* every command is strictly validated: unknown attributes refused */
	.resv_start_op = 0,
	.small_ops = khttpd_nl_ops,
	.n_small_ops = ARRAY_SIZE(khttpd_nl_ops),
	.module = THIS_MODULE,
};

static int khttpd_nl_notify(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct netlink_notify *n = ptr;
	struct sock *dropped = NULL;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	/*
	 * The port id is free again already, but no other socket can hold
	 * it while the daemon's does, so this is the daemon's release.
	 */
	spin_lock(&khttpd_nl_lock);
	if (n->portid && n->portid == khttpd_daemon_portid)
		dropped = khttpd_daemon_drop_locked("closed its netlink socket: dropped");
	spin_unlock(&khttpd_nl_lock);
	if (dropped)
		sock_put(dropped);
	return NOTIFY_DONE;
}

static struct notifier_block khttpd_nl_notifier = {
	.notifier_call = khttpd_nl_notify,
};

int __init khttpd_netlink_init(void)
{
	int err;

	khttpd_nl_wq = alloc_workqueue("khttpd_nl", 0, 0);
	if (!khttpd_nl_wq)
		return -ENOMEM;
	err = netlink_register_notifier(&khttpd_nl_notifier);
	if (err)
		goto destroy_wq;
	err = genl_register_family(&khttpd_genl_family);
	if (err)
		goto unregister_notifier;
	return 0;

unregister_notifier:
	netlink_unregister_notifier(&khttpd_nl_notifier);
destroy_wq:
	destroy_workqueue(khttpd_nl_wq);
	return err;
}

void khttpd_netlink_exit(void)
{
	struct khttpd_pending *p;
	struct hlist_node *tmp;
	struct sock *dsk;
	unsigned int bkt;
	HLIST_HEAD(parked);

	/* After this no doit runs any more and no daemon can register. */
	genl_unregister_family(&khttpd_genl_family);
	netlink_unregister_notifier(&khttpd_nl_notifier);
	spin_lock(&khttpd_nl_lock);
	khttpd_nl_closing = true;
	WRITE_ONCE(khttpd_daemon_portid, 0);
	dsk = khttpd_daemon_sk;
	khttpd_daemon_sk = NULL;
	hash_for_each_safe(khttpd_pending_tab, bkt, tmp, p, node) {
		hash_del(&p->node);
		hlist_add_head(&p->node, &parked);
	}
	khttpd_npending = 0;
	spin_unlock(&khttpd_nl_lock);
	if (dsk)
		sock_put(dsk);
	cancel_delayed_work_sync(&khttpd_watchdog);
	hlist_for_each_entry_safe(p, tmp, &parked, node) {
		cancel_delayed_work_sync(&p->expire);
		khttpd_nl_refuse(p->sock, 503);
		kfree(p);
	}
	/* Waits for expiries that took their socket before we got here. */
	destroy_workqueue(khttpd_nl_wq);
}
