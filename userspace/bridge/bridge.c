// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The daemon's end of the khttpd.ko bridge: a raw generic-netlink client
 * (no libnl) and the thread that registers, beats and claims.
 *
 * The claim's doit runs in this thread's process context, so the kernel
 * installs the connection as an fd of this process; the fd and the head
 * from the notice then go to a worker exactly like an accepted connection
 * whose first bytes were already read (worker_adopt_fd).
 *
 * It is a service (core/service.h): main starts and stops the thread,
 * "khttpctl bridge" reports its state and the module's counters, which
 * also go to the metrics (bridge_metrics).
 */
#define _GNU_SOURCE
#include "bridge.h"

#include <errno.h>
#include <linux/capability.h>
#include <poll.h>
#include <stddef.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bridge_msg.h"
#include "bridge_nl.h"
#include "core/khttpdd.h"
#include "core/metrics.h"
#include "core/monotonic.h"
#include "core/privs.h"
#include "core/strbuf.h"

#define BRIDGE_BACKOFF_MIN_MS 100
#define BRIDGE_BACKOFF_MAX_MS 5000

/* ---- the bridge thread ---- */

/* For khttpctl bridge: written by the thread under status_lock. */
struct bridge_status {
	bool running;			/* the bridge thread runs */
	bool registered;
	uint32_t module_version;	/* netlink version; 0: never resolved */
	int last_err;			/* why registering failed (-errno), or 0 */
	/* the module's counters (STATS) as of the last heartbeat */
	bool have_stats;
	uint64_t handoffs, claimed, declined, expired;
	uint64_t refused, pending, registrations;
	/* its threads' counters, summed (absent from a STATS of an older module) */
	bool have_threads;
	uint64_t thr[KHTTPD_A_STAT_SLOW_OPENS - KHTTPD_A_STAT_ACCEPTED + 1];
	time_t last_heartbeat;		/* accepted by the module; 0: never */
};

struct notice {
	struct notice *next;
	size_t len;
	unsigned char msg[];
};

static struct {
	pthread_t thread;
	bool running;
	int stop_fd;		/* eventfd: bridge_stop() wakes the thread */
	struct bridge_nl_sock sock;
	bool registered;
	uint32_t heartbeat_ms;
	struct notice *head, **tail;	/* notices read while waiting */
	int last_err;		/* logged once until it changes */
	pthread_mutex_t status_lock;	/* st: written here, read by ctl */
	struct bridge_status st;
} br = { .stop_fd = -1, .sock = { .fd = -1 },
	 .status_lock = PTHREAD_MUTEX_INITIALIZER };

/* After each registration attempt, heartbeat or loss. */
static void bridge_status_set(bool registered, int err, bool beat)
{
	pthread_mutex_lock(&br.status_lock);
	br.st.registered = registered;
	br.st.last_err = err;
	br.st.module_version = br.sock.version;
	if (beat)
		br.st.last_heartbeat = time(NULL);
	pthread_mutex_unlock(&br.status_lock);
}

/* Why registering failed, in words. */
static const char *bridge_err_str(int err)
{
	return err == -ENOENT ? "module not loaded" :
	       err == -EBUSY ? "another daemon is registered" :
	       err == -EPERM ? "CAP_NET_ADMIN needed" : strerror(-err);
}

static void bridge_queue(const void *msg, size_t len, void *arg)
{
	struct notice *n = malloc(sizeof(*n) + len);

	(void)arg;
	if (!n) {
		log_msg("bridge: out of memory: a handoff is dropped (it expires with 503)");
		return;
	}
	n->next = NULL;
	n->len = len;
	memcpy(n->msg, msg, len);
	*br.tail = n;
	br.tail = &n->next;
}

static int bridge_register(void)
{
	unsigned char buf[64], reply[256];
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	int rc;

	if (br.sock.fd < 0 && (rc = bridge_nl_open(&br.sock)))
		return rc;
	if (!br.sock.family && (rc = bridge_nl_resolve(&br.sock))) {
		if (rc == -EPROTO && rc != br.last_err)
			log_msg("bridge: khttpd.ko speaks netlink version %u, this daemon %u: refused",
				br.sock.version, KHTTPD_GENL_VERSION);
		return rc;
	}
	bridge_nl_begin(&b, buf, sizeof(buf), &br.sock, KHTTPD_CMD_REGISTER);
	bridge_msg_put_u32(&b, KHTTPD_A_VERSION, KHTTPD_GENL_VERSION);
	bridge_msg_put_u32(&b, KHTTPD_A_PID, (uint32_t)getpid());
	rc = bridge_nl_call(&br.sock, &b, reply, sizeof(reply), &m, err,
			    sizeof(err), bridge_queue, NULL);
	if (rc < 0)
		return rc;
	if (rc || m.cmd != KHTTPD_CMD_REGISTER) {
		log_msg("bridge: bad REGISTER reply: %s", err);
		return -EBADMSG;
	}
	br.heartbeat_ms = bridge_msg_get_u32(m.attr[KHTTPD_A_HEARTBEAT_MS]);
	return 0;
}

/* Claim one handed-off connection and give it to a worker. */
static void bridge_handoff(const void *msg, size_t len)
{
	unsigned char buf[64], reply[256];
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	struct bridge_msg_builder b;
	struct bridge_msg m, r;
	char err[128];
	int rc, fd;

	if (bridge_msg_parse(msg, len, &m, err, sizeof(err))) {
		log_msg("bridge: notice refused: %s", err);
		return;
	}
	if (m.cmd != KHTTPD_CMD_HANDOFF)
		return;
	bridge_nl_begin(&b, buf, sizeof(buf), &br.sock, KHTTPD_CMD_CLAIM);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE,
			   bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]));
	rc = bridge_nl_call(&br.sock, &b, reply, sizeof(reply), &r, err,
			    sizeof(err), bridge_queue, NULL);
	if (rc < 0) {
		log_msg("bridge: claim of handoff %llu failed: %s",
			(unsigned long long)
			bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]),
			strerror(-rc));
		return;
	}
	if (rc || r.cmd != KHTTPD_CMD_CLAIM) {
		log_msg("bridge: bad CLAIM reply: %s", err);
		return;
	}
	fd = (int)bridge_msg_get_u32(r.attr[KHTTPD_A_FD]);
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) ||
	    worker_adopt_fd(worker_least_loaded(NULL), fd,
			    bridge_msg_data(m.attr[KHTTPD_A_HEAD]),
			    bridge_msg_len(m.attr[KHTTPD_A_HEAD]),
			    (struct sockaddr *)&peer, plen, false)) {
		log_msg("bridge: handed-off connection lost: %s",
			strerror(errno));
		close(fd);
	}
}

static void bridge_drain_queue(void)
{
	while (br.head) {
		struct notice *n = br.head;

		br.head = n->next;
		if (!br.head)
			br.tail = &br.head;
		bridge_handoff(n->msg, n->len);
		free(n);
	}
}

/* Read what the module sent without being asked: HANDOFF notices. */
static int bridge_receive(void)
{
	/* the socket's receive buffer: bridge_nl_request() is not running now */
	unsigned char *rbuf = br.sock.rbuf;

	for (;;) {
		ssize_t n = recv(br.sock.fd, rbuf, BRIDGE_NL_RECV_MAX,
				 MSG_DONTWAIT);
		size_t off = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			if (errno == ENOBUFS) {
				log_msg("bridge: netlink queue overrun: some handoffs were lost (they expire with 503)");
				continue;
			}
			return -errno;
		}
		while (off < (size_t)n) {
			size_t mlen = bridge_msg_next(rbuf + off,
						      (size_t)n - off);

			if (!mlen)
				return -EBADMSG;
			bridge_queue(rbuf + off, mlen, NULL);
			off += (mlen + 3) & ~(size_t)3;
		}
		bridge_drain_queue();
	}
}

static int bridge_simple(uint8_t cmd)
{
	unsigned char buf[64];
	struct bridge_msg_builder b;

	bridge_nl_begin(&b, buf, sizeof(buf), &br.sock, cmd);
	return bridge_nl_request(&br.sock, buf, bridge_msg_end(&b), NULL, NULL,
				 bridge_queue, NULL);
}

static uint64_t stat_u64(const struct bridge_msg *m, int attr)
{
	return m->attr[attr] && bridge_msg_len(m->attr[attr]) == 8 ?
	       bridge_msg_get_u64(m->attr[attr]) : 0;
}

/* The module's counters, kept for khttpctl bridge and the metrics. */
static void bridge_fetch_stats(void)
{
	unsigned char buf[64], reply[1024];
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];

	bridge_nl_begin(&b, buf, sizeof(buf), &br.sock, KHTTPD_CMD_STATS);
	if (bridge_nl_call(&br.sock, &b, reply, sizeof(reply), &m, err,
			   sizeof(err), bridge_queue, NULL))
		return;
	pthread_mutex_lock(&br.status_lock);
	br.st.have_stats = true;
	br.st.handoffs = stat_u64(&m, KHTTPD_A_STAT_HANDOFFS);
	br.st.claimed = stat_u64(&m, KHTTPD_A_STAT_CLAIMED);
	br.st.declined = stat_u64(&m, KHTTPD_A_STAT_DECLINED);
	br.st.expired = stat_u64(&m, KHTTPD_A_STAT_EXPIRED);
	br.st.refused = stat_u64(&m, KHTTPD_A_STAT_REFUSED);
	br.st.pending = stat_u64(&m, KHTTPD_A_STAT_PENDING);
	br.st.registrations = stat_u64(&m, KHTTPD_A_STAT_REGISTRATIONS);
	br.st.have_threads = m.attr[KHTTPD_A_STAT_ACCEPTED];
	for (int a = KHTTPD_A_STAT_ACCEPTED; a <= KHTTPD_A_STAT_SLOW_OPENS; a++)
		br.st.thr[a - KHTTPD_A_STAT_ACCEPTED] = stat_u64(&m, a);
	pthread_mutex_unlock(&br.status_lock);
}

static void bridge_lost(int err, const char *what)
{
	log_msg("bridge: %s: %s; registering again", what, strerror(-err));
	br.registered = false;
	bridge_status_set(false, err, false);
	/* A fresh socket: the module drops the old port if it still knows it. */
	bridge_nl_close(&br.sock);
}

/* Sleep up to ms, or until bridge_stop(): false when stopping. */
static bool bridge_wait(int ms)
{
	struct pollfd pfd = { .fd = br.stop_fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 0;
}

static void *bridge_main(void *arg)
{
	int backoff = BRIDGE_BACKOFF_MIN_MS;
	int64_t next_beat = 0;

	(void)arg;
	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = br.stop_fd, .events = POLLIN },
			{ .fd = br.sock.fd, .events = POLLIN },
		};
		int rc, wait;

		if (!br.registered) {
			rc = bridge_register();
			if (rc) {
				if (rc != br.last_err)
					log_msg("bridge: not registered with khttpd.ko: %s; retrying",
						bridge_err_str(rc));
				br.last_err = rc;
				bridge_status_set(false, rc, false);
				if (rc != -ENOENT)
					bridge_nl_close(&br.sock);
				if (!bridge_wait(backoff))
					break;
				backoff = backoff * 2 > BRIDGE_BACKOFF_MAX_MS ?
					  BRIDGE_BACKOFF_MAX_MS : backoff * 2;
				continue;
			}
			br.registered = true;
			br.last_err = 0;
			bridge_status_set(true, 0, false);
			bridge_fetch_stats();
			backoff = BRIDGE_BACKOFF_MIN_MS;
			next_beat = monotonic_ms() + br.heartbeat_ms;
			log_msg("bridge: registered with khttpd.ko (heartbeat %u ms)",
				br.heartbeat_ms);
			bridge_drain_queue();
			continue;
		}
		wait = (int)(next_beat - monotonic_ms());
		pfd[1].fd = br.sock.fd;
		rc = poll(pfd, 2, wait > 0 ? wait : 0);
		if (rc < 0 && errno != EINTR)
			break;
		if (pfd[0].revents)
			break;
		if (pfd[1].revents) {
			rc = bridge_receive();
			if (rc) {
				bridge_lost(rc, "netlink receive");
				continue;
			}
		}
		if (monotonic_ms() >= next_beat) {
			rc = bridge_simple(KHTTPD_CMD_HEARTBEAT);
			if (rc) {
				bridge_lost(rc, "heartbeat refused");
				continue;
			}
			next_beat = monotonic_ms() + br.heartbeat_ms;
			bridge_status_set(true, 0, true);
			bridge_fetch_stats();
			bridge_drain_queue();
		}
	}
	if (br.registered)
		bridge_simple(KHTTPD_CMD_UNREGISTER);
	bridge_status_set(false, 0, false);
	bridge_nl_close(&br.sock);
	return NULL;
}

static int bridge_start(void)
{
	br.tail = &br.head;
	br.stop_fd = eventfd(0, EFD_CLOEXEC);
	if (br.stop_fd < 0)
		return -1;
	if (pthread_create(&br.thread, NULL, bridge_main, NULL)) {
		close(br.stop_fd);
		br.stop_fd = -1;
		return -1;
	}
	br.running = true;
	pthread_mutex_lock(&br.status_lock);
	br.st.running = true;
	pthread_mutex_unlock(&br.status_lock);
	return 0;
}

static void bridge_stop(void)
{
	uint64_t one = 1;

	if (!br.running)
		return;
	if (write(br.stop_fd, &one, sizeof(one)) != sizeof(one))
		log_msg("bridge: cannot wake the bridge thread");
	pthread_join(br.thread, NULL);
	close(br.stop_fd);
	br.running = false;
	pthread_mutex_lock(&br.status_lock);
	br.st.running = false;
	pthread_mutex_unlock(&br.status_lock);
	while (br.head) {
		struct notice *n = br.head;

		br.head = n->next;
		free(n);
	}
	br.tail = &br.head;
}

/* ---- khttpctl bridge ---- */

/* "name value" / "\"name\":value", with "-" / null when not known. */
static void out_known(struct strbuf *o, bool json, const char *name,
		      bool known, unsigned long long v)
{
	if (known)
		strbuf_printf(o, json ? ",\"%s\":%llu" : "%s %llu\n", name, v);
	else
		strbuf_printf(o, json ? ",\"%s\":null" : "%s -\n", name);
}

static bool bridge_ctl(const struct config *cfg, const char *cmd, bool json,
		       struct strbuf *o)
{
	struct bridge_status st;
	time_t now = time(NULL);

	(void)cfg;
	if (strcmp(cmd, "bridge"))
		return false;
	pthread_mutex_lock(&br.status_lock);
	st = br.st;
	pthread_mutex_unlock(&br.status_lock);
	strbuf_printf(o, json ? "{\"running\":%s,\"registered\":%s" :
		      "running %s\nregistered %s\n",
		      st.running ? (json ? "true" : "yes") :
				   (json ? "false" : "no"),
		      st.registered ? (json ? "true" : "yes") :
				      (json ? "false" : "no"));
	out_known(o, json, "module_version", st.module_version,
		  st.module_version);
	if (json) {
		strbuf_str(o, ",\"error\":");
		if (st.last_err)
			strbuf_json(o, bridge_err_str(st.last_err));
		else
			strbuf_str(o, "null");
	} else {
		strbuf_printf(o, "error %s\n",
			      st.last_err ? bridge_err_str(st.last_err) : "-");
	}
	out_known(o, json, "handoffs", st.have_stats, st.handoffs);
	out_known(o, json, "claimed", st.have_stats, st.claimed);
	out_known(o, json, "declined", st.have_stats, st.declined);
	out_known(o, json, "expired", st.have_stats, st.expired);
	out_known(o, json, "last_heartbeat", st.last_heartbeat,
		  (unsigned long long)st.last_heartbeat);
	out_known(o, json, "heartbeat_age", st.last_heartbeat,
		  (unsigned long long)(now - st.last_heartbeat));
	strbuf_str(o, json ? "}\n" : "");
	return true;
}

/* ---- metrics ---- */

#define ST(f) offsetof(struct bridge_status, f)
#define THR(a) (ST(thr) + ((a) - KHTTPD_A_STAT_ACCEPTED) * sizeof(uint64_t))

/* The module's counters as of the last heartbeat (STATS, never /proc). */
static const struct metric_field bridge_fields[] = {
	{ "module_handoffs_total", "Requests khttpd.ko handed to the daemon.",
	  METRIC_COUNTER, ST(handoffs) },
	{ "module_handoffs_claimed_total", "Handed-off connections the daemon claimed.",
	  METRIC_COUNTER, ST(claimed) },
	{ "module_handoffs_declined_total", "Handoffs the daemon declined.",
	  METRIC_COUNTER, ST(declined) },
	{ "module_handoffs_expired_total", "Handoffs not claimed in time (503).",
	  METRIC_COUNTER, ST(expired) },
	{ "module_handoffs_refused_total", "Requests for the daemon that khttpd.ko refused (503): none registered or its table full.",
	  METRIC_COUNTER, ST(refused) },
	{ "module_registrations_total", "Daemon registrations khttpd.ko accepted.",
	  METRIC_COUNTER, ST(registrations) },
	{ "module_handoffs_pending", "Handoffs waiting for a claim.",
	  METRIC_GAUGE, ST(pending) },
};

/* Its threads' counters, summed by the module: what it served itself. */
static const struct metric_field bridge_thread_fields[] = {
	{ "module_requests_total", "Requests khttpd.ko parsed.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_REQUESTS) },
	{ "module_connections_accepted_total", "Connections khttpd.ko accepted.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_ACCEPTED) },
	{ "module_connections", "Connections khttpd.ko holds now.",
	  METRIC_GAUGE, THR(KHTTPD_A_STAT_ACTIVE) },
	{ "module_page_cache_misses_total", "Pages khttpd.ko had read in.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_CACHE_MISSES) },
	{ "module_timeouts_total", "Connections khttpd.ko timed out.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_TIMEOUTS) },
	{ "module_rejects_total", "Connections over max_connections.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_REJECTS) },
	{ "module_refused_paths_total", "Paths refused: escapes and mode rules.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_REFUSED_PATHS) },
	{ "module_slow_opens_total", "Lookups and opens done on the workqueue.",
	  METRIC_COUNTER, THR(KHTTPD_A_STAT_SLOW_OPENS) },
};

static void bridge_metrics(struct metrics *m)
{
	struct bridge_status st;
	/* a threads' counter by its attribute */
#define THR_V(a) st.thr[(a) - KHTTPD_A_STAT_ACCEPTED]

	pthread_mutex_lock(&br.status_lock);
	st = br.st;
	pthread_mutex_unlock(&br.status_lock);
	metrics_family(m, "bridge_registered", METRIC_GAUGE, false,
		       "1 while this daemon is registered with khttpd.ko.");
	metrics_sample(m, st.registered, NULL);
	if (!st.have_stats)
		return;
	metrics_fields(m, bridge_fields, sizeof(bridge_fields) /
		       sizeof(*bridge_fields), &st);
	if (!st.have_threads)
		return;
	metrics_fields(m, bridge_thread_fields, sizeof(bridge_thread_fields) /
		       sizeof(*bridge_thread_fields), &st);
	metrics_family(m, "module_responses_total", METRIC_COUNTER, true,
		       "Responses khttpd.ko sent, by status class.");
	metrics_classes(m, &THR_V(KHTTPD_A_STAT_1XX));
	metrics_family(m, "module_sent_bytes_total", METRIC_COUNTER, true,
		       "Content bytes khttpd.ko sent: spliced from the page cache or copied.");
	metrics_sample(m, THR_V(KHTTPD_A_STAT_SENT_ZEROCOPY), "path", "zerocopy",
		       NULL);
	metrics_sample(m, THR_V(KHTTPD_A_STAT_SENT_COPIED), "path", "copied",
		       NULL);
}

#undef THR_V
#undef THR
#undef ST

const struct khttpd_service bridge_service = {
	.name = "the khttpd.ko bridge",
	.conf_key = "Bridge",
	/* REGISTER, CLAIM... are GENL_ADMIN_PERM, checked on every message */
	.caps = PRIVS_CAP(CAP_NET_ADMIN),
	.start = bridge_start,
	.stop = bridge_stop,
	.ctl = bridge_ctl,
	.metrics = bridge_metrics,
};
