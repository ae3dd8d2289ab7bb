// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlreg: talks to khttpd.ko's netlink family like khttpdd does, for the
 * bridge tests in the guest.
 *   nlreg register [--as-nobody] [--hold SEC]
 *                      REGISTER; prints "registered" or "refused: <error>"
 *   nlreg bad-version  REGISTER with genl version 99 (must be refused)
 *   nlreg bad-attr     REGISTER with an attribute the policy rejects
 *   nlreg claim HANDLE CLAIM a handle this process never got (refused)
 *   nlreg stats        the STAT_* counters, one "name value" a line
 *   nlreg serve [--claim-timeout MS] [--decline STATUS] [--hold SEC]
 *                      a daemon that never claims: REGISTER, CONFIG the claim
 *                      timeout, print "ready", wait up to SEC s for one
 *                      HANDOFF ("handoff HANDLE"), DECLINE it with STATUS
 *                      ("declined") or else hold on until SEC s are over
 *                      without a heartbeat (the watchdog drops it); then
 *                      restore the settings found at REGISTER, registering
 *                      again if the module dropped it meanwhile
 * --as-nobody, with any command: after setuid(65534), without capabilities.
 * Exit status: 0 when the kernel accepted, 1 when it refused, 2 on usage or
 * local errors.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../../userspace/bridge/bridge_msg.h"
#include "../../userspace/bridge/bridge_nl.h"

/* Print what the kernel said: "<what>" or "refused: <error>". */
static int report(int rc, const char *what)
{
	if (rc) {
		printf("refused: %s\n", strerror(-rc));
		return 1;
	}
	printf("%s\n", what);
	return 0;
}

static int stats(struct bridge_nl_sock *s)
{
	static const char *const names[KHTTPD_A_MAX + 1] = {
		[KHTTPD_A_STAT_HANDOFFS] = "handoffs",
		[KHTTPD_A_STAT_CLAIMED] = "claimed",
		[KHTTPD_A_STAT_DECLINED] = "declined",
		[KHTTPD_A_STAT_EXPIRED] = "expired",
		[KHTTPD_A_STAT_REFUSED] = "refused",
		[KHTTPD_A_STAT_PENDING] = "pending",
		[KHTTPD_A_STAT_REGISTRATIONS] = "registrations",
		[KHTTPD_A_STAT_DAEMON_PID] = "daemon_pid",
		[KHTTPD_A_STAT_2XX] = "2xx",
		[KHTTPD_A_STAT_SENT_ZEROCOPY] = "sent_zerocopy",
	};
	unsigned char buf[64], reply[1024];
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	int rc;

	bridge_nl_begin(&b, buf, sizeof(buf), s, KHTTPD_CMD_STATS);
	rc = bridge_nl_call(s, &b, reply, sizeof(reply), &m, err, sizeof(err),
			    NULL, NULL);
	if (rc < 0)
		return report(rc, "stats");
	if (rc) {
		printf("bad reply: %s\n", err);
		return 2;
	}
	for (int a = 1; a <= KHTTPD_A_MAX; a++) {
		if (!names[a] || !m.attr[a])
			continue;
		printf("%s %llu\n", names[a], bridge_msg_len(m.attr[a]) == 8 ?
		       (unsigned long long)bridge_msg_get_u64(m.attr[a]) :
		       (unsigned long long)bridge_msg_get_u32(m.attr[a]));
	}
	return 0;
}

static int do_register(struct bridge_nl_sock *s, uint32_t *claim_ms)
{
	unsigned char buf[64], reply[256];
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	int rc;

	bridge_nl_begin(&b, buf, sizeof(buf), s, KHTTPD_CMD_REGISTER);
	bridge_msg_put_u32(&b, KHTTPD_A_VERSION, KHTTPD_GENL_VERSION);
	rc = bridge_nl_call(s, &b, reply, sizeof(reply), &m, err, sizeof(err),
			    NULL, NULL);
	if (rc)
		return rc < 0 ? rc : -EBADMSG;
	if (claim_ms && m.attr[KHTTPD_A_CLAIM_TIMEOUT_MS])
		*claim_ms = bridge_msg_get_u32(m.attr[KHTTPD_A_CLAIM_TIMEOUT_MS]);
	return 0;
}

static int set_claim_timeout(struct bridge_nl_sock *s, uint32_t ms)
{
	unsigned char buf[64];
	struct bridge_msg_builder b;

	bridge_nl_begin(&b, buf, sizeof(buf), s, KHTTPD_CMD_CONFIG);
	bridge_msg_put_u32(&b, KHTTPD_A_CLAIM_TIMEOUT_MS, ms);
	return bridge_nl_request(s, buf, bridge_msg_end(&b), NULL, NULL, NULL,
				 NULL);
}

/* The handle of the first HANDOFF notice in a datagram, or 0. */
static uint64_t handoff_in(const unsigned char *p, size_t n)
{
	struct bridge_msg m;
	char err[128];
	size_t off = 0, len;

	while (off < n && (len = bridge_msg_next(p + off, n - off))) {
		if (!bridge_msg_parse(p + off, len, &m, err, sizeof(err)) &&
		    m.cmd == KHTTPD_CMD_HANDOFF)
			return bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]);
		off += (len + 3) & ~(size_t)3;
	}
	return 0;
}

static int serve(struct bridge_nl_sock *s, long claim_ms, int decline,
		 int hold)
{
	unsigned char buf[64];
	struct bridge_msg_builder b;
	time_t end = time(NULL) + hold;
	uint32_t old_ms = 0;
	uint64_t handle = 0;
	int rc = do_register(s, &old_ms);

	if (rc)
		return report(rc, "registered");
	if (claim_ms >= 0 && (rc = set_claim_timeout(s, (uint32_t)claim_ms)))
		return report(rc, "configured");
	printf("ready\n");
	fflush(stdout);
	while (!handle && time(NULL) < end) {
		struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
		ssize_t n;

		if (poll(&pfd, 1, 100) <= 0)
			continue;
		n = recv(s->fd, s->rbuf, BRIDGE_NL_RECV_MAX, MSG_DONTWAIT);
		if (n > 0)
			handle = handoff_in(s->rbuf, (size_t)n);
	}
	if (handle) {
		printf("handoff %llu\n", (unsigned long long)handle);
		fflush(stdout);
	} else {
		printf("no handoff\n");
	}
	rc = 0;
	if (handle && decline) {
		bridge_nl_begin(&b, buf, sizeof(buf), s, KHTTPD_CMD_DECLINE);
		bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, handle);
		bridge_msg_put_u32(&b, KHTTPD_A_STATUS, (uint32_t)decline);
		rc = report(bridge_nl_request(s, buf, bridge_msg_end(&b), NULL,
					      NULL, NULL, NULL), "declined");
	} else {
		while (time(NULL) < end)	/* silent: no heartbeat */
			sleep(1);
	}
	if (claim_ms >= 0 && set_claim_timeout(s, old_ms) &&
	    (do_register(s, NULL) || set_claim_timeout(s, old_ms)))
		printf("could not restore the claim timeout\n");
	return rc;
}

int main(int argc, char **argv)
{
	unsigned char buf[128];
	struct bridge_msg_builder b;
	struct bridge_nl_sock s;
	const char *cmd = argc > 1 ? argv[1] : "";
	int hold = 0, decline = 0, rc;
	long claim_ms = -1;

	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--as-nobody")) {
			if (setgid(65534) || setuid(65534)) {
				perror("setuid");
				return 2;
			}
		} else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
			hold = atoi(argv[++i]);
		} else if (!strcmp(argv[i], "--claim-timeout") && i + 1 < argc) {
			claim_ms = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--decline") && i + 1 < argc) {
			decline = atoi(argv[++i]);
		}
	}
	rc = bridge_nl_open(&s);
	if (!rc)
		rc = bridge_nl_resolve(&s);
	if (rc) {
		printf("no khttpd family: %s\n", strerror(-rc));
		return 2;
	}
	if (!strcmp(cmd, "stats"))
		return stats(&s);
	if (!strcmp(cmd, "serve"))
		return serve(&s, claim_ms, decline, hold);
	if (!strcmp(cmd, "register") || !strcmp(cmd, "bad-version") ||
	    !strcmp(cmd, "bad-attr")) {
		bridge_msg_begin(&b, buf, sizeof(buf), s.family, 0, 0,
				 KHTTPD_CMD_REGISTER,
				 !strcmp(cmd, "bad-version") ? 99 : KHTTPD_GENL_VERSION);
		bridge_msg_put_u32(&b, KHTTPD_A_VERSION, KHTTPD_GENL_VERSION);
		if (!strcmp(cmd, "bad-attr"))	/* kernel -> daemon only */
			bridge_msg_put_u32(&b, KHTTPD_A_FD, 3);
		rc = bridge_nl_request(&s, buf, bridge_msg_end(&b), NULL, NULL,
				       NULL, NULL);
		rc = report(rc, "registered");
		if (!rc && hold)
			sleep((unsigned)hold);
		return rc;
	}
	if (!strcmp(cmd, "claim") && argc > 2) {
		bridge_nl_begin(&b, buf, sizeof(buf), &s, KHTTPD_CMD_CLAIM);
		bridge_msg_put_u64(&b, KHTTPD_A_HANDLE,
				   strtoull(argv[2], NULL, 0));
		return report(bridge_nl_request(&s, buf, bridge_msg_end(&b),
						NULL, NULL, NULL, NULL),
			      "claimed");
	}
	fprintf(stderr, "usage: nlreg register [--hold SEC] | bad-version | bad-attr | claim HANDLE | stats | serve [--claim-timeout MS] [--decline STATUS] [--hold SEC]  [--as-nobody]\n");
	return 2;
}
