// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * nlclaim PORT: a daemon whose netlink socket is full when it claims, for
 * the bridge tests in the guest (Documentation/bridge.md, "Claim").
 *
 * It registers as the daemon, sends a request with a ~60 KB head to the
 * module on 127.0.0.1:PORT (a dynamic path; the module's head_max must
 * allow it), peeks the HANDOFF notice without dequeuing it, shrinks its
 * own SO_RCVBUF to the kernel's minimum (the unread notice now exceeds
 * it) and CLAIMs the handle: the kernel cannot queue the CLAIM reply.
 * The daemon never learns an fd it was not told about, so its fd table
 * must not grow; and the client must still be answered and closed.
 * Prints what it saw, one "name value" a line:
 *   fd_delta N        fds in /proc/self/fd after the claim minus before
 *   client_status S   status of the client's answer, or "none"
 *   client_closed 0|1 the client saw EOF within the deadline
 * Exit status: 0 when the kernel behaved (delta 0, a 503, closed), 1 when
 * not, 2 on local errors.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "../include/khttpd_deadline.h"
#include "../../userspace/bridge/bridge_msg.h"
#include "../../userspace/bridge/bridge_nl.h"

#define PAD_LEN		60000
#define DEADLINE_MS	10000

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* The client: a dynamic path with a head of about PAD_LEN bytes. */
static int client_send(int port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons((uint16_t)port),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	static char req[PAD_LEN + 256];
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	size_t len, off = 0;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return -1;
	len = (size_t)snprintf(req, sizeof(req),
			       "GET /cgi-bin/claim HTTP/1.1\r\nHost: t\r\nX-Pad: ");
	memset(req + len, 'a', PAD_LEN);
	len += PAD_LEN;
	len += (size_t)snprintf(req + len, sizeof(req) - len, "\r\n\r\n");
	while (off < len) {
		ssize_t n = write(fd, req + off, len - off);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return fd;
}

/* Read the client's answer to EOF or the deadline: its status, or 0. */
static int client_answer(int fd, long long deadline, int *closed)
{
	char buf[4096], head[16] = "";
	size_t got = 0;
	ssize_t n;

	*closed = 0;
	while (await_in(fd, deadline)) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0) {
			*closed = 1;
			break;
		}
		for (ssize_t i = 0; i < n && got < sizeof(head) - 1; i++)
			head[got++] = buf[i];
	}
	head[got] = 0;
	return strncmp(head, "HTTP/1.1 ", 9) ? 0 : atoi(head + 9);
}

static int registered(struct bridge_nl_sock *s)
{
	unsigned char buf[128];
	struct bridge_msg_builder b;

	bridge_msg_begin(&b, buf, sizeof(buf), s->family, 0, 0,
			 KHTTPD_CMD_REGISTER, KHTTPD_GENL_VERSION);
	bridge_msg_put_u32(&b, KHTTPD_A_VERSION, KHTTPD_GENL_VERSION);
	return bridge_nl_request(s, buf, bridge_msg_end(&b), NULL, NULL, NULL,
				 NULL);
}

/* The handle of the notice at the head of the queue, left queued; 0 if none. */
static uint64_t notice_peek(struct bridge_nl_sock *s, long long deadline)
{
	struct bridge_msg m;
	char err[128];
	ssize_t n;
	size_t len;

	if (!await_in(s->fd, deadline))
		return 0;
	n = recv(s->fd, s->rbuf, BRIDGE_NL_RECV_MAX, MSG_PEEK | MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	len = bridge_msg_next(s->rbuf, (size_t)n);
	if (!len || bridge_msg_parse(s->rbuf, len, &m, err, sizeof(err)) ||
	    m.cmd != KHTTPD_CMD_HANDOFF) {
		fprintf(stderr, "nlclaim: not a HANDOFF notice: %s\n", err);
		return 0;
	}
	return bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]);
}

int main(int argc, char **argv)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	unsigned char buf[128];
	struct bridge_msg_builder b;
	struct bridge_nl_sock s;
	long long deadline;
	int rc, client, before, after, status, closed, zero = 0;
	uint64_t handle;
	size_t len;

	if (argc != 2) {
		fprintf(stderr, "usage: nlclaim PORT\n");
		return 2;
	}
	rc = bridge_nl_open(&s);
	if (!rc)
		rc = bridge_nl_resolve(&s);
	if (!rc)
		rc = registered(&s);
	if (rc) {
		printf("register refused: %s\n", strerror(-rc));
		return 2;
	}
	client = client_send(atoi(argv[1]));
	if (client < 0) {
		perror("nlclaim: client");
		return 2;
	}
	deadline = now_ms() + DEADLINE_MS;
	handle = notice_peek(&s, deadline);
	if (!handle) {
		printf("no HANDOFF notice\n");
		return 2;
	}
	before = fd_count();
	/* The kernel's minimum; the queued ~60 KB notice is far above it. */
	if (setsockopt(s.fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero))) {
		perror("nlclaim: SO_RCVBUF");
		return 2;
	}
	bridge_msg_begin(&b, buf, sizeof(buf), s.family,
			 NLM_F_REQUEST | NLM_F_ACK, ++s.seq, KHTTPD_CMD_CLAIM,
			 KHTTPD_GENL_VERSION);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, handle);
	len = bridge_msg_end(&b);
	/* The doit runs within sendto(): the claim is done when it returns. */
	if (sendto(s.fd, buf, len, 0, (struct sockaddr *)&kernel,
		   sizeof(kernel)) != (ssize_t)len) {
		perror("nlclaim: CLAIM");
		return 2;
	}
	after = fd_count();
	status = client_answer(client, deadline, &closed);
	printf("fd_delta %d\n", after - before);
	if (status)
		printf("client_status %d\n", status);
	else
		printf("client_status none\n");
	printf("client_closed %d\n", closed);
	return after == before && status == 503 && closed ? 0 : 1;
}
