// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper of tests/vm/thread.sh: how many connections the server
 * thread accepted before it answered a ready keep-alive request.
 * keepalive-probe PORT PATH: connects to 127.0.0.1:PORT, has PATH answered
 * once on that connection and prints "ready"; then, on a line from stdin,
 * asks for PATH again on the same connection, prints "sent" and, the
 * moment the response is complete, "backlog N" (children still queued on
 * the listener of PORT) and "accepted N" (the "accepted" counter of
 * /proc/net/khttpd/stats, all CPUs). Exit status 0 when both responses
 * were 200s.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int ask(int fd, const char *path)
{
	char req[512];
	int len = snprintf(req, sizeof(req),
			   "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);

	return len > 0 && write(fd, req, (size_t)len) == len ? 0 : -1;
}

/* Read a response whole: 0 for a 200, else -1. */
static int answer(int fd)
{
	char buf[4096];
	size_t got = 0;
	char *end = NULL, *cl;
	long body;

	while (!end) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
		buf[got] = 0;
		end = strstr(buf, "\r\n\r\n");
		if (!end && got == sizeof(buf) - 1)
			return -1;
	}
	if (strncmp(buf, "HTTP/1.1 200 ", 13))
		return -1;
	cl = strcasestr(buf, "\r\nContent-Length:");
	body = cl && cl < end ? strtol(cl + 17, NULL, 10) : -1;
	if (body < 0)
		return -1;
	body -= (long)(got - (size_t)(end + 4 - buf));
	while (body > 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n <= 0)
			return -1;
		body -= n;
	}
	return body ? -1 : 0;
}

/* The "accepted" column of the "all" row, or -1. */
static long accepted(void)
{
	char line[1024];
	int col = -1;
	long v = -1;
	FILE *f = fopen("/proc/net/khttpd/stats", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char *save, *tok = strtok_r(line, " \n", &save);
		int i = 0;

		if (col < 0) {
			for (; tok; tok = strtok_r(NULL, " \n", &save), i++)
				if (!strcmp(tok, "accepted"))
					col = i;
			continue;
		}
		if (!tok || strcmp(tok, "all"))
			continue;
		for (; tok && i < col; i++)
			tok = strtok_r(NULL, " \n", &save);
		if (tok)
			v = strtol(tok, NULL, 10);
	}
	fclose(f);
	return v;
}

/* Children queued on the listener of port (its rx_queue), or -1. */
static long backlog(int port)
{
	static const char *const tables[] = { "/proc/net/tcp6", "/proc/net/tcp" };
	char line[512], want[8];
	long v = -1;

	snprintf(want, sizeof(want), ":%04X", (unsigned int)port);
	for (size_t t = 0; t < 2 && v < 0; t++) {
		FILE *f = fopen(tables[t], "r");
		char local[64], remote[64];
		unsigned int st;
		unsigned long rx;

		if (!f)
			continue;
		while (v < 0 && fgets(line, sizeof(line), f)) {
			size_t n;

			if (sscanf(line, " %*s %63s %63s %x %*x:%lx", local,
				   remote, &st, &rx) != 4 || st != 0x0A)
				continue;
			n = strlen(local);
			if (n > 5 && !strcmp(local + n - 5, want))
				v = (long)rx;
		}
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char line[64];
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: keepalive-probe PORT PATH\n");
		return 2;
	}
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) ||
	    ask(fd, argv[2]) || answer(fd)) {
		printf("first request failed\n");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin) || ask(fd, argv[2]))
		return 2;
	printf("sent\n");
	fflush(stdout);
	if (answer(fd)) {
		printf("second request failed\n");
		return 1;
	}
	printf("backlog %ld\n", backlog(atoi(argv[1])));
	printf("accepted %ld\n", accepted());
	return 0;
}
