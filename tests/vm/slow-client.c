// SPDX-License-Identifier: GPL-2.0
/*
 * slow-client: a client that reads at the pace tests/vm/pagecache.sh
 * needs, for read-ins met by a stalled, a resetting or a paused client.
 * It asks for PATH with a 4 KiB receive buffer (so that the server's
 * socket fills at once when it stops reading), reads the head and FIRST
 * bytes of the body, then waits PAUSE seconds without reading, then:
 *   rest   reads the body to its end (the server's close);
 *   reset  closes with SO_LINGER 0 (an RST), unread bytes and all.
 * The body goes to stdout; "status S length L got N" to stderr at the end.
 * Every read has a 30 s limit, so it never waits without a deadline.
 * Usage: slow-client PORT PATH FIRST PAUSE rest|reset
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static char buf[65536];

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct timeval tv = { .tv_sec = 30 };
	struct linger l = { .l_onoff = 1, .l_linger = 0 };
	int fd, rcv = 4096, status = 0;
	long first, len = -1, got = 0, have = 0;
	char req[512], *end, *cl;
	ssize_t n;

	if (argc != 6)
		return fprintf(stderr, "usage: slow-client PORT PATH FIRST PAUSE rest|reset\n"), 2;
	first = atol(argv[3]);
	sin.sin_port = htons(atoi(argv[1]));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)))
		return perror("connect"), 1;
	n = snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
		     argv[2]);
	if (send(fd, req, n, 0) != n)
		return perror("send"), 1;
	/* the head (it fits in buf), then what came with it is body */
	while (!(end = memmem(buf, have, "\r\n\r\n", 4))) {
		n = have < (long)sizeof(buf) - 1 ?
		    recv(fd, buf + have, sizeof(buf) - 1 - have, 0) : -1;
		if (n <= 0)
			break;
		have += n;
	}
	if (end) {
		*end = '\0';
		sscanf(buf, "HTTP/1.%*d %d", &status);
		cl = strcasestr(buf, "\r\nContent-Length:");
		if (cl)
			len = atol(cl + 17);
		got = have - (end + 4 - buf);
		fwrite(end + 4, 1, got, stdout);
		while (got < first && (n = recv(fd, buf, sizeof(buf), 0)) > 0) {
			fwrite(buf, 1, n, stdout);
			got += n;
		}
		fflush(stdout);
		sleep(atoi(argv[4]));
		if (!strcmp(argv[5], "rest"))
			while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
				fwrite(buf, 1, n, stdout);
				got += n;
			}
	}
	if (!strcmp(argv[5], "reset"))
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
	fprintf(stderr, "status %d length %ld got %ld\n", status, len, got);
	return 0;
}
