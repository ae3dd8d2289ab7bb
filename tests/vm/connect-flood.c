// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper of tests/vm/thread.sh: a connect flood that never waits.
 * connect-flood PORT SECONDS: for SECONDS, connect to 127.0.0.1:PORT
 * without blocking and close at once with SO_LINGER 0, again and again.
 * On loopback the handshake completes inside connect(), so each lap
 * leaves a child (reset by then) in the listener's backlog for the server
 * to accept; a full backlog drops the SYN and the lap costs nothing more.
 * Several of these on other CPUs keep the backlog of one server thread
 * filling. Prints the laps it made when SECONDS are over or on SIGTERM.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	unsigned long laps = 0;
	time_t end;

	if (argc != 3) {
		fprintf(stderr, "usage: connect-flood PORT SECONDS\n");
		return 2;
	}
	signal(SIGTERM, on_term);
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	end = time(NULL) + atoi(argv[2]);
	while (!stop && time(NULL) < end) {
		int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

		if (fd < 0) {
			perror("socket");
			return 1;
		}
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		/* EINPROGRESS when the SYN waits or was dropped: go on */
		connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		close(fd);
		laps++;
	}
	printf("%lu laps\n", laps);
	return 0;
}
