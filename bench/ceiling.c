// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The reference responder of make bench: the machine's ceiling for a static
 * response, against which every server's requests/s are given as a share.
 * One epoll loop per thread answers every request with a fixed response
 * built at start, as large as the file of its port (no parsing beyond
 * finding the end of a head and a "Connection: close", no file, no stat).
 *
 * usage: ceiling THREADS PORT:BYTES...   (listens on 127.0.0.1:PORT)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_PORTS 8

/* [0] keeps the connection, [1] says Connection: close */
struct response {
	char *bytes[2];
	size_t len[2];
	int port;
};

/* epoll data of both kinds starts with this */
enum kind { LISTENER, CONN };

struct listener {
	enum kind kind;
	int fd;
	const struct response *r;
};

struct conn {
	enum kind kind;
	int fd;
	const struct response *r;
	size_t off;		/* of the response being sent */
	size_t owed;		/* requests read and not yet answered */
	bool closing;		/* a request said Connection: close */
	uint32_t armed;		/* the epoll mask set: changed only when it must */
	char tail[3];		/* the last bytes read: a "\r\n\r\n" may straddle */
};

static struct response responses[MAX_PORTS];
static int nresponses;
static int listen_on(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 4096)) {
		perror("ceiling: listen");
		exit(1);
	}
	return fd;
}

/* Count the heads ended in buf (plus what the last read left in tail). */
static void scan(struct conn *c, const char *buf, size_t n)
{
	char win[4];

	for (size_t i = 0; i < n; i++) {
		memcpy(win, c->tail, 3);
		win[3] = buf[i];
		if (!memcmp(win, "\r\n\r\n", 4))
			c->owed++;
		memmove(c->tail, c->tail + 1, 2);
		c->tail[2] = buf[i];
	}
	if (memmem(buf, n, "Connection: close", 17))
		c->closing = true;
}

/* Send what is owed; false when the connection is done with. */
static bool answer(struct conn *c)
{
	while (c->owed) {
		int v = c->closing;
		ssize_t n = send(c->fd, c->r->bytes[v] + c->off,
				 c->r->len[v] - c->off, MSG_NOSIGNAL);

		if (n < 0)
			return errno == EAGAIN;
		c->off += (size_t)n;
		if (c->off < c->r->len[v])
			continue;
		c->off = 0;
		c->owed--;
		if (c->closing)
			return false;
	}
	return true;
}

/* One readiness event of c; false when it is done with. */
static bool serve(struct conn *c, uint32_t events)
{
	static __thread char buf[65536];	/* contents are never kept */

	if (events & EPOLLIN) {
		ssize_t got = recv(c->fd, buf, sizeof(buf), 0);

		if (got == 0 || (got < 0 && errno != EAGAIN))
			return false;
		if (got > 0)
			scan(c, buf, (size_t)got);
	}
	return answer(c);
}

static void accept_all(int ep, const struct listener *l)
{
	struct epoll_event ev;
	int fd;

	while ((fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		struct conn *c = calloc(1, sizeof(*c));

		if (!c) {
			close(fd);
			continue;
		}
		c->kind = CONN;
		c->fd = fd;
		c->r = l->r;
		/* TCP_DEFER_ACCEPT: the request is usually here already */
		if (!serve(c, EPOLLIN)) {
			close(fd);
			free(c);
			continue;
		}
		ev.events = c->armed = c->owed ? EPOLLOUT : EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev);
	}
}

static void *loop(void *arg)
{
	struct listener ls[MAX_PORTS];
	struct epoll_event ev, evs[64];
	int ep = epoll_create1(0);

	(void)arg;
	for (int i = 0; i < nresponses; i++) {
		ls[i] = (struct listener){ LISTENER, listen_on(responses[i].port),
					   &responses[i] };
		ev.events = EPOLLIN;
		ev.data.ptr = &ls[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, ls[i].fd, &ev);
	}
	for (;;) {
		int n = epoll_wait(ep, evs, 64, -1);

		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			if (c->kind == LISTENER) {
				accept_all(ep, evs[i].data.ptr);
				continue;
			}
			if (!serve(c, evs[i].events)) {
				close(c->fd);
				free(c);
				continue;
			}
			ev.events = c->owed ? EPOLLOUT : EPOLLIN;
			if (ev.events == c->armed)
				continue;
			c->armed = ev.events;
			ev.data.ptr = c;
			epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
		}
	}
	return NULL;
}

/* A head like a static server's (about 230 bytes), then len body bytes. */
static void build(struct response *r, size_t len)
{
	for (int v = 0; v < 2; v++) {
		char head[512];
		int h = snprintf(head, sizeof(head),
				 "HTTP/1.1 200 OK\r\nServer: ceiling\r\n"
				 "Date: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
				 "Content-Type: application/octet-stream\r\n"
				 "Content-Length: %zu\r\n"
				 "Last-Modified: Thu, 01 Jan 2026 00:00:00 GMT\r\n"
				 "ETag: \"00000000-0000\"\r\n%s\r\n", len,
				 v ? "Connection: close\r\n" : "Accept-Ranges: bytes\r\n");

		r->len[v] = (size_t)h + len;
		r->bytes[v] = malloc(r->len[v]);
		if (!r->bytes[v]) {
			perror("ceiling");
			exit(1);
		}
		memcpy(r->bytes[v], head, (size_t)h);
		for (size_t i = 0; i < len; i++)
			r->bytes[v][h + i] = (char)('a' + i % 26);
	}
}

int main(int argc, char **argv)
{
	int threads = argc > 2 ? atoi(argv[1]) : 0;
	pthread_t t;

	if (threads < 1 || argc - 2 > MAX_PORTS) {
		fprintf(stderr, "usage: ceiling THREADS PORT:BYTES... (at most %d)\n",
			MAX_PORTS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	for (int i = 2; i < argc; i++) {
		struct response *r = &responses[nresponses++];

		r->port = atoi(argv[i]);
		build(r, strtoull(strchr(argv[i], ':') ? strchr(argv[i], ':') + 1 : "0",
				  NULL, 10));
	}
	for (int i = 1; i < threads; i++)
		if (pthread_create(&t, NULL, loop, NULL)) {
			perror("ceiling: thread");
			return 1;
		}
	loop(NULL);
	return 0;
}
