/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * The generic-netlink contract between khttpd.ko and the khttpdd daemon
 * (see Documentation/bridge.md).
 *
 * Every message carries genlmsghdr.version == KHTTPD_GENL_VERSION; either
 * side refuses any other version. Replies reuse the request's command.
 *
 *   daemon -> kernel (GENL_ADMIN_PERM: CAP_NET_ADMIN only)
 *     REGISTER     VERSION, [PID] -> reply: VERSION, HEARTBEAT_MS,
 *                  CLAIM_TIMEOUT_MS. One daemon at a time: -EBUSY otherwise.
 *     UNREGISTER   -
 *     HEARTBEAT    -   (the registered daemon must send one every
 *                  HEARTBEAT_MS; after 3 missed the module drops it)
 *     CLAIM        HANDLE -> reply: HANDLE, FD (a new O_CLOEXEC fd in the
 *                  caller's process for the handed-off TCP connection)
 *     DECLINE      HANDLE, [STATUS] -> the module answers STATUS (default
 *                  503) and closes
 *     CONFIG       [HEARTBEAT_MS], [CLAIM_TIMEOUT_MS]
 *     STATS        -   (any process) -> reply: STAT_* counters: the
 *                  bridge's, and the threads' summed (ACCEPTED...)
 *     GIVE         SOCK_FD, [DATA] -> the module takes the connected TCP
 *                  socket (plain, or kTLS with TX and RX installed) and
 *                  serves it; DATA is what the daemon already read from it
 *                  (decrypted), the start of the module's input: at most
 *                  head_max and KHTTPD_NL_HEAD_MAX bytes, so that a HANDOFF
 *                  can carry it back. On success the module holds
 *                  its own reference: the daemon closes its fd and never
 *                  touches the socket again. On an error (extack says why)
 *                  nothing changed and the socket is the daemon's.
 *   kernel -> daemon (unicast to the registered port)
 *     HANDOFF      HANDLE, PEER, LOCAL_PORT, HEAD: a request was routed to
 *                  userspace; HEAD holds every byte the module took from
 *                  the socket (the request head, maybe some body bytes).
 *                  The rest of the request is still in the socket.
 */
#ifndef _UAPI_LINUX_KHTTPD_H
#define _UAPI_LINUX_KHTTPD_H

#include <linux/types.h>

#define KHTTPD_GENL_NAME	"khttpd"
#define KHTTPD_GENL_VERSION	1

/* Bytes of HEAD in one notice (an attribute payload fits in 65531). */
#define KHTTPD_NL_HEAD_MAX	65024
/* Bounds the module enforces on CONFIG and REGISTER values. */
#define KHTTPD_NL_HEARTBEAT_MS_MIN	100
#define KHTTPD_NL_HEARTBEAT_MS_MAX	60000
#define KHTTPD_NL_CLAIM_TIMEOUT_MS_MIN	10
#define KHTTPD_NL_CLAIM_TIMEOUT_MS_MAX	60000
#define KHTTPD_NL_HEARTBEAT_MISSES	3

enum khttpd_nl_cmd {
	KHTTPD_CMD_UNSPEC,
	KHTTPD_CMD_REGISTER,
	KHTTPD_CMD_UNREGISTER,
	KHTTPD_CMD_HEARTBEAT,
	KHTTPD_CMD_HANDOFF,
	KHTTPD_CMD_CLAIM,
	KHTTPD_CMD_DECLINE,
	KHTTPD_CMD_CONFIG,
	KHTTPD_CMD_STATS,
	KHTTPD_CMD_GIVE,

	__KHTTPD_CMD_MAX,
	KHTTPD_CMD_MAX = __KHTTPD_CMD_MAX - 1
};

/* The peer of a handed-off connection, addresses in network byte order. */
struct khttpd_nl_peer {
	__u16 family;		/* AF_INET or AF_INET6 */
	__be16 port;
	__u8 addr[16];		/* IPv4: the first 4 bytes */
};

enum khttpd_nl_attr {
	KHTTPD_A_UNSPEC,
	KHTTPD_A_VERSION,		/* u32 */
	KHTTPD_A_PID,			/* u32, informational */
	KHTTPD_A_HANDLE,		/* u64, never 0 */
	KHTTPD_A_PEER,			/* struct khttpd_nl_peer, exact size */
	KHTTPD_A_LOCAL_PORT,		/* u16, host byte order */
	KHTTPD_A_HEAD,			/* binary, 1..KHTTPD_NL_HEAD_MAX */
	KHTTPD_A_FD,			/* u32 */
	KHTTPD_A_STATUS,		/* u32, 400..599 */
	KHTTPD_A_HEARTBEAT_MS,		/* u32 */
	KHTTPD_A_CLAIM_TIMEOUT_MS,	/* u32 */
	KHTTPD_A_PAD,
	KHTTPD_A_STAT_HANDOFFS,		/* u64: notices sent */
	KHTTPD_A_STAT_CLAIMED,		/* u64 */
	KHTTPD_A_STAT_DECLINED,		/* u64 */
	KHTTPD_A_STAT_EXPIRED,		/* u64: unclaimed in time -> 503 */
	KHTTPD_A_STAT_REFUSED,		/* u64: no daemon / table full -> 503 */
	KHTTPD_A_STAT_PENDING,		/* u64: waiting for a claim now */
	KHTTPD_A_STAT_REGISTRATIONS,	/* u64 */
	KHTTPD_A_STAT_DAEMON_PID,	/* u32: 0 when none is registered */
	/*
	 * The module's own counters, summed over its threads (the "all" line
	 * of /proc/net/khttpd/stats); absent while the threads are not up.
	 */
	KHTTPD_A_STAT_ACCEPTED,		/* u64 */
	KHTTPD_A_STAT_ACTIVE,		/* u64: connections open now */
	KHTTPD_A_STAT_REQUESTS,		/* u64 */
	KHTTPD_A_STAT_1XX,		/* u64: responses by status class */
	KHTTPD_A_STAT_2XX,		/* u64 */
	KHTTPD_A_STAT_3XX,		/* u64 */
	KHTTPD_A_STAT_4XX,		/* u64 */
	KHTTPD_A_STAT_5XX,		/* u64 */
	KHTTPD_A_STAT_SENT_ZEROCOPY,	/* u64: content bytes from the page cache */
	KHTTPD_A_STAT_SENT_COPIED,	/* u64: content bytes copied */
	KHTTPD_A_STAT_CACHE_MISSES,	/* u64: pages read in */
	KHTTPD_A_STAT_TIMEOUTS,		/* u64 */
	KHTTPD_A_STAT_REJECTS,		/* u64: over max_connections */
	KHTTPD_A_STAT_REFUSED_PATHS,	/* u64 */
	KHTTPD_A_STAT_SLOW_OPENS,	/* u64 */
	KHTTPD_A_SOCK_FD,		/* u32: GIVE, an fd of the sender */
	KHTTPD_A_DATA,			/* binary: GIVE, 0..KHTTPD_NL_HEAD_MAX */

	__KHTTPD_A_MAX,
	KHTTPD_A_MAX = __KHTTPD_A_MAX - 1
};

#endif /* _UAPI_LINUX_KHTTPD_H */
