// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A small FastCGI responder for the gateway tests: fcgi_app unix:/path or
 * fcgi_app 127.0.0.1:port. One process per app connection, requests on it
 * served one after the other (keep-conn). What it does depends on
 * SCRIPT_NAME's last component:
 *   echo    the body back, with X-Body-Length
 *   env     the params as NAME=value lines
 *   stderr  a STDERR record, then a short page
 *   big     QUERY_STRING megabytes of output in 32 KiB records
 *   slow    silence for 10 s
 *   overloaded  END_REQUEST with FCGI_OVERLOADED
 *   bad     a record of version 2
 *   hangup  closes the connection before END_REQUEST
 * Every response carries X-Conn-Requests: requests served on this app
 * connection so far, so tests see whether connections are reused.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../userspace/gateway/fcgi.h"

static int read_full(int fd, void *p, size_t n)
{
	while (n) {
		ssize_t r = read(fd, p, n);

		if (r <= 0)
			return -1;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static int write_full(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w <= 0)
			return -1;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

static int send_record(int fd, uint8_t type, uint16_t id, const void *p,
		       size_t n)
{
	uint8_t hdr[8], pad[8] = { 0 };

	fcgi_header(hdr, type, id, (uint16_t)n);
	return write_full(fd, hdr, 8) || write_full(fd, p, n) ||
	       write_full(fd, pad, fcgi_padding((uint16_t)n));
}

static int send_stdout(int fd, uint16_t id, const char *p, size_t n)
{
	while (n) {
		size_t part = n > 32768 ? 32768 : n;

		if (send_record(fd, FCGI_STDOUT, id, p, part))
			return -1;
		p += part;
		n -= part;
	}
	return 0;
}

static int send_end(int fd, uint16_t id, uint8_t protocol_status)
{
	uint8_t body[8] = { 0, 0, 0, 0, protocol_status };

	return send_record(fd, FCGI_STDOUT, id, "", 0) ||
	       send_record(fd, FCGI_END_REQUEST, id, body, 8);
}

struct request {
	uint16_t id;
	int keep_conn;
	char *params;
	size_t params_len;
	char *body;
	size_t body_len;
};

static const char *param(const struct request *r, const char *name)
{
	size_t pos = 0, nl, vl;
	const uint8_t *n, *v;
	static char val[4096];

	while (fcgi_pair_next((uint8_t *)r->params, r->params_len, &pos, &n,
			      &nl, &v, &vl) == 1) {
		if (nl == strlen(name) && !memcmp(n, name, nl) &&
		    vl < sizeof(val)) {
			memcpy(val, v, vl);
			val[vl] = '\0';
			return val;
		}
	}
	return "";
}

/* Read one request (BEGIN, PARAMS..., STDIN...): 0, or -1 at EOF. */
static int read_request(int fd, struct request *r)
{
	int params_done = 0, stdin_done = 0;

	memset(r, 0, sizeof(*r));
	while (!params_done || !stdin_done) {
		uint8_t h[8], pad[8];
		uint16_t len;
		char *content;

		if (read_full(fd, h, 8))
			return -1;
		len = (uint16_t)(h[4] << 8 | h[5]);
		content = malloc(len + 1u);
		if (!content || read_full(fd, content, len) ||
		    read_full(fd, pad, h[6])) {
			free(content);
			return -1;
		}
		r->id = (uint16_t)(h[2] << 8 | h[3]);
		switch (h[1]) {
		case FCGI_BEGIN_REQUEST:
			r->keep_conn = len == 8 && (content[2] & FCGI_KEEP_CONN);
			break;
		case FCGI_PARAMS:
			if (!len)
				params_done = 1;
			r->params = realloc(r->params, r->params_len + len);
			memcpy(r->params + r->params_len, content, len);
			r->params_len += len;
			break;
		case FCGI_STDIN:
			if (!len)
				stdin_done = 1;
			r->body = realloc(r->body, r->body_len + len + 1);
			memcpy(r->body + r->body_len, content, len);
			r->body_len += len;
			break;
		default:
			break;
		}
		free(content);
	}
	return 0;
}

static void serve(int fd)
{
	struct request r;
	unsigned served = 0;
	char head[256];

	while (!read_request(fd, &r)) {
		const char *script = param(&r, "SCRIPT_NAME");
		const char *name = strrchr(script, '/');
		int hl;

		served++;
		name = name ? name + 1 : script;
		hl = snprintf(head, sizeof(head),
			      "X-Conn-Requests: %u\r\nContent-Type: text/plain\r\n",
			      served);
		if (!strcmp(name, "echo")) {
			hl += snprintf(head + hl, sizeof(head) - (size_t)hl,
				       "X-Body-Length: %zu\r\n\r\n", r.body_len);
			if (send_stdout(fd, r.id, head, (size_t)hl) ||
			    send_stdout(fd, r.id, r.body ? r.body : "", r.body_len))
				break;
		} else if (!strcmp(name, "env")) {
			size_t pos = 0, nl, vl;
			const uint8_t *n, *v;

			strcpy(head + hl, "\r\n");
			send_stdout(fd, r.id, head, (size_t)hl + 2);
			while (fcgi_pair_next((uint8_t *)r.params, r.params_len,
					      &pos, &n, &nl, &v, &vl) == 1) {
				send_stdout(fd, r.id, (const char *)n, nl);
				send_stdout(fd, r.id, "=", 1);
				send_stdout(fd, r.id, (const char *)v, vl);
				send_stdout(fd, r.id, "\n", 1);
			}
		} else if (!strcmp(name, "stderr")) {
			send_record(fd, FCGI_STDERR, r.id, "app warns: disk on fire\n", 24);
			strcpy(head + hl, "\r\nok\n");
			send_stdout(fd, r.id, head, (size_t)hl + 5);
		} else if (!strcmp(name, "big")) {
			static char block[32768];
			long mb = atol(param(&r, "QUERY_STRING"));

			memset(block, 'x', sizeof(block));
			strcpy(head + hl, "\r\n");
			send_stdout(fd, r.id, head, (size_t)hl + 2);
			for (long i = 0; i < mb * 32; i++)
				if (send_stdout(fd, r.id, block, sizeof(block)))
					break;
		} else if (!strcmp(name, "slow")) {
			sleep(10);
		} else if (!strcmp(name, "overloaded")) {
			send_record(fd, FCGI_END_REQUEST, r.id,
				    "\0\0\0\0\2\0\0\0", 8);
			goto next;
		} else if (!strcmp(name, "bad")) {
			uint8_t h[8];

			fcgi_header(h, FCGI_STDOUT, r.id, 0);
			h[0] = 2;
			write_full(fd, h, 8);
			goto next;
		} else if (!strcmp(name, "hangup")) {
			send_stdout(fd, r.id, "Content-Type: text/plain\r\n\r\npartial", 35);
			break;
		} else {
			strcpy(head + hl, "Status: 404 Not Found\r\n\r\nno such app\n");
			send_stdout(fd, r.id, head, strlen(head));
		}
		if (send_end(fd, r.id, FCGI_REQUEST_COMPLETE))
			break;
next:
		free(r.params);
		free(r.body);
		if (!r.keep_conn)
			break;
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	int lfd, one = 1;

	if (argc != 2) {
		fprintf(stderr, "usage: fcgi_app unix:/path | ipv4:port\n");
		return 2;
	}
	if (!strncmp(argv[1], "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&ss;

		un->sun_family = AF_UNIX;
		snprintf(un->sun_path, sizeof(un->sun_path), "%s", argv[1] + 5);
		unlink(un->sun_path);
		len = sizeof(*un);
	} else {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;
		char *colon = strrchr(argv[1], ':');

		if (!colon)
			return 2;
		*colon = '\0';
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(colon + 1));
		if (inet_pton(AF_INET, argv[1], &in->sin_addr) != 1)
			return 2;
		len = sizeof(*in);
	}
	signal(SIGCHLD, SIG_IGN);	/* children reaped by the kernel */
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(ss.ss_family, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&ss, len) ||
	    listen(lfd, 64)) {
		perror("fcgi_app");
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		if (fork() == 0) {
			close(lfd);
			serve(fd);
			_exit(0);
		}
		close(fd);
	}
}
