// SPDX-License-Identifier: GPL-2.0
/*
 * chaos_client: the load half of tests/vm/chaos.sh, run in the guest
 * against khttpd.ko while that script flaps sysctls, drops caches and
 * kills the daemon. Threads of four kinds hit the server until a deadline:
 * keep-alive clients (pipelining 1-3 requests), close clients (HTTP/1.0),
 * clients that reset the connection mid-response (SO_LINGER 0) and a
 * connect flood that holds many connections open. Every response that
 * completes must be well formed, and every completed 200 must carry
 * exactly the bytes of the file it names (every request says Host: chaos,
 * which the hosts sysctl, when chaos.sh sets it, keeps in the module): a wrong byte anywhere is what a
 * use-after-free or a stale keep-alive state looks like from outside.
 * A status other than 200 must be one the disturbances explain: 408 (the
 * header timeout flapped down to 1 s) or 503 (a read-in or open that could
 * not be queued; for the handed-off URL, the daemon down or its claim
 * expired); any other (a 404 while the docroot flips between identical
 * trees, a 500, a 206 nobody asked for) is wrong. Interrupted responses
 * (the server stopped, the module went away) are counted, not judged.
 *
 * Usage: chaos_client PORT DOCROOT SECONDS MIN_COMPLETED FILE...
 *        [-u URL-PATH EXPECTED] (a handed-off URL: 200 must contain
 *        EXPECTED, 503 is fine while the daemon is down)
 * The run lasts SECONDS, and up to SECONDS more while fewer than
 * MIN_COMPLETED 200s of files have arrived (a loaded host slows the guest;
 * the count, not the clock, is what the run must reach). Exit 0 if nothing
 * was wrong and at least MIN_COMPLETED 200s of files arrived.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#define MAX_FILES 16
#define HEAD_MAX 16384
#define FLOOD_CONNS 200

struct file {
	const char *name;
	char *data;
	size_t len;
};

static struct file files[MAX_FILES];
static int nfiles, port;
static const char *dyn_path, *dyn_expect;
static double deadline, hard_deadline;
static long min;
static atomic_long completed, ok200, timeouts408, unavail503, wrong_status,
	mismatched, malformed, interrupted, stalled, resets, flooded, dyn_ok,
	dyn_unavail;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Past SECONDS, only until MIN_COMPLETED 200s or the hard deadline. */
static int running(void)
{
	double t = now();

	return t < deadline || (atomic_load(&ok200) < min && t < hard_deadline);
}

/* A socket connected to the server; a limit of LIMIT s on the connect and
 * on every read and write, so that a server which stops answering shows as
 * "stalled", not a hang.
 */
static int dial_within(int limit)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = limit };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int dial(void)
{
	return dial_within(10);
}

static void reset_close(int fd)
{
	struct linger l = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
	close(fd);
}

static int send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

/* A connection's read side: what arrived and was not consumed yet. */
struct conn {
	int fd;
	char buf[HEAD_MAX];
	size_t have;
};

/* 1 on data, 0 on EOF, -1 on error (a timeout counts as stalled). */
static int fill(struct conn *c)
{
	ssize_t r;

	if (c->have == sizeof(c->buf))
		return -1;
	r = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, 0);
	if (r > 0) {
		c->have += r;
		return 1;
	}
	if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		atomic_fetch_add(&stalled, 1);
	return r == 0 ? 0 : -1;
}

static void consume(struct conn *c, size_t n)
{
	memmove(c->buf, c->buf + n, c->have - n);
	c->have -= n;
}

static void report_malformed(const char *what, const char *p, size_t n)
{
	if (atomic_fetch_add(&malformed, 1) < 5)
		fprintf(stderr, "chaos: malformed response (%s): %.*s\n", what,
			(int)(n < 80 ? n : 80), p);
}

/*
 * Read one response for the file f (NULL: for the handed-off URL) and
 * judge it. Returns 1 if the connection may be used again, 0 if it must
 * be closed (also after anything went wrong).
 */
/* A status the disturbances do not explain, for f (NULL: the handed-off URL). */
static void report_status(const struct file *f, int status)
{
	if (atomic_fetch_add(&wrong_status, 1) < 5)
		fprintf(stderr, "chaos: %s%s: unexpected status %d\n",
			f ? "/" : dyn_path, f ? f->name : "", status);
}

static int read_response(struct conn *c, const struct file *f, int want_close)
{
	char *end, *cl;
	size_t head, len = 0, got, off;
	char dyn[4096];
	size_t dlen = 0;
	int status, closes, has_len;

	while (!(end = memmem(c->buf, c->have, "\r\n\r\n", 4))) {
		int r = fill(c);

		if (r <= 0) {
			if (r < 0 && c->have == sizeof(c->buf))
				report_malformed("head too long", c->buf, c->have);
			else
				atomic_fetch_add(&interrupted, 1);
			return 0;
		}
	}
	head = end + 4 - c->buf;
	if (head < 13 || (memcmp(c->buf, "HTTP/1.1 ", 9) &&
			  memcmp(c->buf, "HTTP/1.0 ", 9)) ||
	    sscanf(c->buf + 9, "%3d", &status) != 1 || status < 100 ||
	    status > 599 || c->buf[12] != ' ') {
		report_malformed("status line", c->buf, head);
		return 0;
	}
	*end = '\0';	/* the head is a C string for the header search */
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	has_len = cl && sscanf(cl + 17, " %zu", &len) == 1;
	closes = want_close || !memcmp(c->buf, "HTTP/1.0", 8) ||
		 strcasestr(c->buf, "\r\nConnection: close");
	if (strcasestr(c->buf, "\r\nTransfer-Encoding:") && !f) {
		/* a handed-off answer may be chunked: read it to the end */
		closes = 1, has_len = 0;
	} else if (!has_len && !closes) {
		report_malformed("no length on a kept connection", c->buf, head);
		return 0;
	}
	consume(c, head);
	if (f && status == 200 && (!has_len || len != f->len)) {
		if (atomic_fetch_add(&mismatched, 1) < 5)
			fprintf(stderr, "chaos: /%s: length %zu, file has %zu\n",
				f->name, has_len ? len : 0, f->len);
		return 0;
	}
	/* The body: compared as it arrives, against the file (a 200) or the
	 * expected text (the handed-off URL), otherwise skipped.
	 */
	got = 0;
	for (;;) {
		size_t n = c->have;

		if (has_len && n > len - got)
			n = len - got;
		if (f && status == 200 &&
		    memcmp(c->buf, f->data + got, n)) {
			for (off = 0; c->buf[off] == f->data[got + off];)
				off++;
			if (atomic_fetch_add(&mismatched, 1) < 5)
				fprintf(stderr,
					"chaos: /%s: wrong byte at %zu\n",
					f->name, got + off);
			return 0;
		}
		if (!f && dlen + n < sizeof(dyn)) {
			memcpy(dyn + dlen, c->buf, n);
			dlen += n;
		}
		got += n;
		consume(c, n);
		if (has_len && got == len)
			break;
		if (fill(c) <= 0) {
			if (has_len) {
				atomic_fetch_add(&interrupted, 1);
				return 0;
			}
			break;	/* read to the end: this is the end */
		}
	}
	if (!f) {
		dyn[dlen] = '\0';
		if (status == 200 && strstr(dyn, dyn_expect)) {
			atomic_fetch_add(&dyn_ok, 1);
		} else if (status == 200) {
			if (atomic_fetch_add(&mismatched, 1) < 5)
				fprintf(stderr, "chaos: %s: 200 without '%s'\n",
					dyn_path, dyn_expect);
			return 0;
		} else if (status == 503) {
			atomic_fetch_add(&dyn_unavail, 1);
		} else {
			report_status(NULL, status);
		}
		atomic_fetch_add(&completed, 1);
		return 0;
	}
	atomic_fetch_add(&completed, 1);
	if (status == 200)
		atomic_fetch_add(&ok200, 1);
	else if (status == 408)
		atomic_fetch_add(&timeouts408, 1);
	else if (status == 503)
		atomic_fetch_add(&unavail503, 1);
	else
		report_status(f, status);
	return !closes;
}

static int request(int fd, const struct file *f, int keep)
{
	char req[512];
	int n = snprintf(req, sizeof(req),
			 keep ? "GET /%s HTTP/1.1\r\nHost: chaos\r\n\r\n" :
				"GET /%s HTTP/1.0\r\nHost: chaos\r\n\r\n", f->name);

	return send_all(fd, req, n);
}

/* A new connection for c; on failure (the server is stopped, say) it is
 * counted, and the caller backs off 10 ms before it tries again.
 */
static int conn_open(struct conn *c)
{
	c->fd = dial();
	c->have = 0;
	if (c->fd >= 0)
		return 0;
	atomic_fetch_add(&interrupted, 1);
	usleep(10000);
	return -1;
}

/* Keep-alive clients: up to 20 rounds of 1-3 pipelined requests. */
static void *keepalive(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	struct conn c;

	while (running()) {
		int rounds = 1 + rand_r(&seed) % 20, alive = 1;

		if (conn_open(&c))
			continue;
		while (alive && rounds-- > 0 && running()) {
			int k = 1 + rand_r(&seed) % 3, i, pick[3];

			for (i = 0; i < k; i++) {
				pick[i] = rand_r(&seed) % nfiles;
				if (request(c.fd, &files[pick[i]], 1))
					alive = 0;
			}
			for (i = 0; i < k && alive; i++)
				alive = read_response(&c, &files[pick[i]], 0);
		}
		close(c.fd);
	}
	return NULL;
}

/* Close clients: one HTTP/1.0 request a connection; and the handed-off
 * URL, if there is one, every fourth time.
 */
static void *oneshot(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	struct conn c;

	while (running()) {
		if (conn_open(&c))
			continue;
		if (dyn_path && rand_r(&seed) % 4 == 0) {
			char req[512];
			int n = snprintf(req, sizeof(req),
					 "GET %s HTTP/1.0\r\n\r\n", dyn_path);

			if (!send_all(c.fd, req, n))
				read_response(&c, NULL, 1);
		} else {
			const struct file *f = &files[rand_r(&seed) % nfiles];

			if (!request(c.fd, f, 0))
				read_response(&c, f, 1);
		}
		close(c.fd);
	}
	return NULL;
}

/* Resetting clients: half a request, a whole one unread, or part of the
 * body read, then an RST.
 */
static void *resetter(void *arg)
{
	unsigned int seed = (unsigned long)arg;
	char buf[65536];

	while (running()) {
		const struct file *f = &files[rand_r(&seed) % nfiles];
		int fd = dial(), how = rand_r(&seed) % 3;
		size_t want, got = 0;

		if (fd < 0) {
			usleep(10000);
			continue;
		}
		if (how == 0) {
			send_all(fd, "GET /", 5);
		} else if (!request(fd, f, 1) && how == 2) {
			want = 1 + rand_r(&seed) % (f->len + 256);
			while (got < want) {
				ssize_t r = recv(fd, buf, sizeof(buf), 0);

				if (r <= 0)
					break;
				got += r;
			}
		}
		reset_close(fd);
		atomic_fetch_add(&resets, 1);
	}
	return NULL;
}

/* The flood: FLOOD_CONNS connections opened at once and held for a moment,
 * over and over; above max_connections the server must refuse them and
 * keep serving the others.
 */
static void *flood(void *arg)
{
	int fds[FLOOD_CONNS], i, n;

	(void)arg;
	while (running()) {
		for (n = 0; n < FLOOD_CONNS && running(); n++) {
			fds[n] = dial_within(1);
			if (fds[n] < 0)
				break;
		}
		atomic_fetch_add(&flooded, n);
		usleep(200000);
		for (i = 0; i < n; i++)
			close(fds[i]);
	}
	return NULL;
}

static int load(struct file *f, const char *dir, const char *name)
{
	char path[4096];
	FILE *fp;
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (!fp || fstat(fileno(fp), &st) < 0)
		return -1;
	f->name = name;
	f->len = st.st_size;
	f->data = malloc(f->len + 1);
	if (!f->data || fread(f->data, 1, f->len, fp) != f->len) {
		fclose(fp);
		return -1;
	}
	fclose(fp);
	return 0;
}

int main(int argc, char **argv)
{
	void *(*kinds[])(void *) = { keepalive, keepalive, keepalive, oneshot,
				     oneshot, resetter, resetter, flood };
	int nthreads = sizeof(kinds) / sizeof(kinds[0]), i, bad;
	pthread_t th[sizeof(kinds) / sizeof(kinds[0])];

	if (argc < 6) {
		fprintf(stderr, "usage: %s PORT DOCROOT SECONDS MIN_COMPLETED FILE... [-u PATH EXPECTED]\n",
			argv[0]);
		return 2;
	}
	port = atoi(argv[1]);
	deadline = now() + atof(argv[3]);
	hard_deadline = deadline + atof(argv[3]);
	min = atol(argv[4]);
	for (i = 5; i < argc; i++) {
		if (!strcmp(argv[i], "-u") && i + 2 < argc) {
			dyn_path = argv[i + 1];
			dyn_expect = argv[i + 2];
			i += 2;
		} else if (nfiles == MAX_FILES || load(&files[nfiles++], argv[2], argv[i])) {
			fprintf(stderr, "chaos: cannot load %s/%s\n", argv[2], argv[i]);
			return 2;
		}
	}
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, kinds[i], (void *)(long)(i + 1))) {
			fprintf(stderr, "chaos: pthread_create failed\n");
			return 2;
		}
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	printf("chaos: completed %ld (files: 200 %ld, 408 %ld, 503 %ld), unexpected status %ld, mismatched %ld, malformed %ld, interrupted %ld, stalled %ld, resets %ld, flood connections %ld, handed-off 200 %ld / 503 %ld\n",
	       atomic_load(&completed), atomic_load(&ok200),
	       atomic_load(&timeouts408), atomic_load(&unavail503),
	       atomic_load(&wrong_status),
	       atomic_load(&mismatched), atomic_load(&malformed),
	       atomic_load(&interrupted), atomic_load(&stalled),
	       atomic_load(&resets), atomic_load(&flooded),
	       atomic_load(&dyn_ok), atomic_load(&dyn_unavail));
	bad = atomic_load(&mismatched) || atomic_load(&malformed) ||
	      atomic_load(&wrong_status) || atomic_load(&ok200) < min;
	return bad ? 1 : 0;
}
