// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * givetest: the daemon -> module direction of the bridge (the GIVE command,
 * Documentation/bridge.md), in the guest, without OpenSSL. It registers as
 * the daemon and makes TCP connections to itself; kTLS goes on both ends by
 * hand with one set of keys (what the client sends with one is what the
 * module's RX takes, and the other way round), so the module serves a real
 * kTLS socket and the client reads what the kernel encrypted.
 *
 *   givetest run DOCROOT   every case below, one "ok - " / "not ok - " line
 *                          each; exit 0 when all passed
 *   givetest hold N READY  gives N kTLS connections (idle, half a request,
 *                          mid-body), creates the file READY, then waits
 *                          (60 s at most) until every client sees its
 *                          connection end (rmmod in the tear-down), says so
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../include/khttpd_deadline.h"
#include "../../userspace/bridge/bridge_msg.h"
#include "../../userspace/bridge/bridge_nl.h"

#define DEADLINE_MS	20000
#ifndef SOL_TLS
#define SOL_TLS		282
#endif

static struct bridge_nl_sock nl;
static int failures;

static void result(int ok, const char *what, const char *detail)
{
	printf("%sok - give: %s%s%s\n", ok ? "" : "not ", what,
	       detail && *detail ? ": " : "", detail ? detail : "");
	fflush(stdout);
	failures += !ok;
}

/* ---- the netlink side: register, GIVE, HANDOFF notices, CLAIM ---- */

static int nl_simple(uint8_t cmd, uint16_t attr, uint32_t v)
{
	unsigned char buf[128];
	struct bridge_msg_builder b;

	bridge_nl_begin(&b, buf, sizeof(buf), &nl, cmd);
	if (attr)
		bridge_msg_put_u32(&b, attr, v);
	return bridge_nl_request(&nl, buf, bridge_msg_end(&b), NULL, NULL,
				 NULL, NULL);
}

/* Register, with heartbeats needed once a minute only (no beat thread). */
static int nl_register(void)
{
	int rc = bridge_nl_open(&nl);

	if (!rc)
		rc = bridge_nl_resolve(&nl);
	if (!rc)
		rc = nl_simple(KHTTPD_CMD_REGISTER, KHTTPD_A_VERSION,
			       KHTTPD_GENL_VERSION);
	if (!rc)
		rc = nl_simple(KHTTPD_CMD_CONFIG, KHTTPD_A_HEARTBEAT_MS,
			       KHTTPD_NL_HEARTBEAT_MS_MAX);
	return rc;
}

/* GIVE fd with data on s: 0 or -errno. */
static int nl_give_on(struct bridge_nl_sock *s, int fd, const void *data,
		      size_t len)
{
	static unsigned char buf[KHTTPD_NL_HEAD_MAX + 4096];
	struct bridge_msg_builder b;

	bridge_nl_begin(&b, buf, sizeof(buf), s, KHTTPD_CMD_GIVE);
	bridge_msg_put_u32(&b, KHTTPD_A_SOCK_FD, (uint32_t)fd);
	if (len)
		bridge_msg_put(&b, KHTTPD_A_DATA, data, len);
	return bridge_nl_request(s, buf, bridge_msg_end(&b), NULL, NULL, NULL,
				 NULL);
}

static int nl_give(int fd, const char *data)
{
	return nl_give_on(&nl, fd, data, strlen(data));
}

/* The next HANDOFF notice: its handle, HEAD copied to head (NUL ended). */
static uint64_t nl_notice(char *head, size_t cap, long long deadline)
{
	struct bridge_msg m;
	char err[128];
	ssize_t n;
	size_t len;

	if (!await_in(nl.fd, deadline))
		return 0;
	n = recv(nl.fd, nl.rbuf, BRIDGE_NL_RECV_MAX, MSG_DONTWAIT);
	if (n <= 0)
		return 0;
	len = bridge_msg_next(nl.rbuf, (size_t)n);
	if (!len || bridge_msg_parse(nl.rbuf, len, &m, err, sizeof(err)) ||
	    m.cmd != KHTTPD_CMD_HANDOFF)
		return 0;
	len = bridge_msg_len(m.attr[KHTTPD_A_HEAD]);
	if (len >= cap)
		return 0;
	memcpy(head, bridge_msg_data(m.attr[KHTTPD_A_HEAD]), len);
	head[len] = 0;
	return bridge_msg_get_u64(m.attr[KHTTPD_A_HANDLE]);
}

/* CLAIM handle: the new fd, or -errno. */
static int nl_claim(uint64_t handle)
{
	unsigned char buf[128], reply[512];
	struct bridge_msg_builder b;
	struct bridge_msg m;
	char err[128];
	int rc;

	bridge_nl_begin(&b, buf, sizeof(buf), &nl, KHTTPD_CMD_CLAIM);
	bridge_msg_put_u64(&b, KHTTPD_A_HANDLE, handle);
	rc = bridge_nl_call(&nl, &b, reply, sizeof(reply), &m, err,
			    sizeof(err), NULL, NULL);
	if (rc)
		return rc < 0 ? rc : -EPROTO;
	return (int)bridge_msg_get_u32(m.attr[KHTTPD_A_FD]);
}

/* ---- connections to ourselves, kTLS on both ends ---- */

enum cipher { PLAIN, GCM12, GCM13, CHACHA13 };
static const char *const cipher_name[] = {
	"plain TCP", "TLS 1.2 AES-GCM-128", "TLS 1.3 AES-GCM-128",
	"TLS 1.3 CHACHA20-POLY1305",
};

static int listener = -1;
static struct sockaddr_in laddr;

static int listen_any(void)
{
	socklen_t sl = sizeof(laddr);

	laddr.sin_family = AF_INET;
	laddr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (listener < 0 ||
	    bind(listener, (struct sockaddr *)&laddr, sizeof(laddr)) ||
	    listen(listener, 64) ||
	    getsockname(listener, (struct sockaddr *)&laddr, &sl))
		return -1;
	return 0;
}

/* One direction's keys: fixed bytes, distinct per direction (dir). */
static int ktls_dir(int fd, int opt, enum cipher c, int dir)
{
	union {
		struct tls12_crypto_info_aes_gcm_128 gcm;
		struct tls12_crypto_info_chacha20_poly1305 chacha;
	} ci;
	size_t len;

	memset(&ci, 0, sizeof(ci));
	if (c == CHACHA13) {
		ci.chacha.info.version = TLS_1_3_VERSION;
		ci.chacha.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memset(ci.chacha.key, 0x40 + dir, sizeof(ci.chacha.key));
		memset(ci.chacha.iv, 0x50 + dir, sizeof(ci.chacha.iv));
		len = sizeof(ci.chacha);
	} else {
		ci.gcm.info.version = c == GCM12 ? TLS_1_2_VERSION :
						   TLS_1_3_VERSION;
		ci.gcm.info.cipher_type = TLS_CIPHER_AES_GCM_128;
		memset(ci.gcm.key, 0x10 + dir, sizeof(ci.gcm.key));
		memset(ci.gcm.iv, 0x20 + dir, sizeof(ci.gcm.iv));
		memset(ci.gcm.salt, 0x30 + dir, sizeof(ci.gcm.salt));
		len = sizeof(ci.gcm);
	}
	return setsockopt(fd, SOL_TLS, opt, &ci, (socklen_t)len);
}

/* kTLS on fd: TX with keys dir, RX with the other (when rx). */
static int ktls_on(int fd, enum cipher c, int dir, int rx)
{
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls")))
		return -1;
	if (ktls_dir(fd, TLS_TX, c, dir))
		return -1;
	return rx ? ktls_dir(fd, TLS_RX, c, !dir) : 0;
}

/*
 * A connection to ourselves: *srv the accepted end (the daemon's, to give),
 * the client end returned; -1 on failure.
 */
static int pair(enum cipher c, int *srv)
{
	int cl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	*srv = -1;
	if (cl < 0 || connect(cl, (struct sockaddr *)&laddr, sizeof(laddr)))
		goto fail;
	*srv = accept4(listener, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (*srv < 0)
		goto fail;
	if (c != PLAIN && (ktls_on(cl, c, 0, 1) || ktls_on(*srv, c, 1, 1)))
		goto fail;
	return cl;
fail:
	perror("givetest: connection");
	if (*srv >= 0)
		close(*srv);
	if (cl >= 0)
		close(cl);
	return -1;
}

static int send_all(int fd, const char *s)
{
	size_t len = strlen(s), off = 0;

	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Read exactly len bytes before the deadline: 0, or -1. */
static int read_n(int fd, char *buf, size_t len, long long deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (!await_in(fd, deadline))
			return -1;
		n = read(fd, buf + got, len - got);
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * One response from fd: status, body into *body (malloc'd, Content-Length
 * bytes); 0 on anything malformed or late.
 */
static int response(int fd, char **body, size_t *blen, long long deadline)
{
	char head[2048], *cl;
	size_t got = 0;
	long long len;

	*body = NULL;
	*blen = 0;
	while (got < sizeof(head) - 1) {
		if (read_n(fd, head + got, 1, deadline))
			return 0;
		head[++got] = 0;
		if (got >= 4 && !memcmp(head + got - 4, "\r\n\r\n", 4))
			break;
	}
	cl = strcasestr(head, "\r\nContent-Length: ");
	if (strncmp(head, "HTTP/1.1 ", 9) || !cl)
		return 0;
	len = atoll(cl + 18);
	*body = malloc((size_t)len + 1);
	if (!*body || read_n(fd, *body, (size_t)len, deadline))
		return 0;
	*blen = (size_t)len;
	return atoi(head + 9);
}

/* The connection ends (EOF or reset) before the deadline, no byte first. */
static int ends_silently(int fd, long long deadline)
{
	char c;

	if (!await_in(fd, deadline))
		return 0;
	return read(fd, &c, 1) <= 0;
}

static char docroot[256];

/* The body is the file's content, byte for byte. */
static int same_as_file(const char *name, const char *body, size_t blen)
{
	char path[512], *want;
	struct stat st;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", docroot, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) || (size_t)st.st_size != blen) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	want = malloc(blen ? blen : 1);
	ok = want && read(fd, want, blen) == (ssize_t)blen &&
	     !memcmp(want, body, blen);
	for (size_t i = 0; !ok && want && i < blen; i++)
		if (want[i] != body[i]) {
			fprintf(stderr, "givetest: %s differs at byte %zu\n",
				name, i);
			break;
		}
	free(want);
	close(fd);
	return ok;
}

/* GET name on cl: a 200 with the file's bytes. */
static int get_file(int cl, const char *name, long long deadline)
{
	char req[256], *body;
	size_t blen;
	int st, ok;

	snprintf(req, sizeof(req), "GET /%s HTTP/1.1\r\nHost: t\r\n\r\n",
		 name);
	if (send_all(cl, req))
		return 0;
	st = response(cl, &body, &blen, deadline);
	ok = st == 200 && same_as_file(name, body, blen);
	free(body);
	return ok;
}

/* ---- the cases ---- */

/*
 * A request begun in the given bytes and finished by the client; then a
 * second one on the same connection; the big file byte-exact.
 */
static void case_serve(enum cipher c)
{
	long long deadline = now_ms() + DEADLINE_MS;
	char what[128], detail[64] = "";
	int srv, cl = pair(c, &srv), rc, ok = 0;

	snprintf(what, sizeof(what), "%s: given with half a request, then served (1k, big)",
		 cipher_name[c]);
	if (cl < 0) {
		result(0, what, "no connection");
		return;
	}
	rc = nl_give(srv, "GET /1k.bin HTTP/1.1\r\nHo");
	close(srv);
	if (rc)
		snprintf(detail, sizeof(detail), "GIVE: %s", strerror(-rc));
	else if (send_all(cl, "st: t\r\n\r\n"))
		snprintf(detail, sizeof(detail), "send failed");
	else {
		char *body;
		size_t blen;
		int st = response(cl, &body, &blen, deadline);

		ok = st == 200 && same_as_file("1k.bin", body, blen);
		free(body);
		if (!ok)
			snprintf(detail, sizeof(detail), "1k: status %d, %zu bytes",
				 st, blen);
		else if (!(ok = get_file(cl, "big.bin", deadline)))
			snprintf(detail, sizeof(detail), "big.bin not byte-exact");
	}
	result(ok, what, detail);
	close(cl);
}

/* The given bytes hold a request and the start of the next. */
static void case_pipelined(void)
{
	long long deadline = now_ms() + DEADLINE_MS;
	int srv, cl = pair(GCM13, &srv), ok = 0;
	char *body;
	size_t blen;

	if (cl >= 0 &&
	    !nl_give(srv, "GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\nGET /1k.bin HT")) {
		close(srv);
		srv = -1;
		ok = response(cl, &body, &blen, deadline) == 200 &&
		     same_as_file("1k.bin", body, blen);
		free(body);
		ok = ok && !send_all(cl, "TP/1.1\r\nHost: t\r\n\r\n") &&
		     response(cl, &body, &blen, deadline) == 200 &&
		     same_as_file("1k.bin", body, blen);
		if (ok)
			free(body);
	}
	result(ok, "given bytes with one request and half the next: both served", NULL);
	if (srv >= 0)
		close(srv);
	if (cl >= 0)
		close(cl);
}

/*
 * A static request (the module) then a dynamic one on one kTLS connection:
 * the HANDOFF notice carries the second request, the claimed fd is the kTLS
 * socket and what this daemon writes on it reaches the client decrypted.
 */
static void case_handoff(void)
{
	static const char dyn[] = "GET /cgi-bin/x HTTP/1.1\r\nHost: t\r\n\r\n";
	static const char answer[] =
		"HTTP/1.1 200 OK\r\nContent-Length: 7\r\n\r\ndynamic";
	long long deadline = now_ms() + DEADLINE_MS;
	char head[1024], detail[96] = "", *body = NULL;
	int srv, cl = pair(GCM12, &srv), fd = -1, ok = 0, st;
	uint64_t handle;
	size_t blen;

	if (cl < 0 || nl_give(srv, "")) {
		snprintf(detail, sizeof(detail), "not given");
		goto out;
	}
	close(srv);
	srv = -1;
	if (!get_file(cl, "1k.bin", deadline)) {
		snprintf(detail, sizeof(detail), "static request failed");
		goto out;
	}
	if (send_all(cl, dyn) || !(handle = nl_notice(head, sizeof(head),
							 deadline)) ||
	    strcmp(head, dyn)) {
		snprintf(detail, sizeof(detail), "no HANDOFF with the request");
		goto out;
	}
	fd = nl_claim(handle);
	if (fd < 0 || send_all(fd, answer)) {
		snprintf(detail, sizeof(detail), "claim: %s",
			 strerror(fd < 0 ? -fd : errno));
		goto out;
	}
	st = response(cl, &body, &blen, deadline);
	ok = st == 200 && blen == 7 && !memcmp(body, "dynamic", 7);
	if (!ok)
		snprintf(detail, sizeof(detail), "client got status %d", st);
out:
	result(ok, "TLS 1.2: static by the module, then dynamic through the handoff on one connection",
	       detail);
	free(body);
	if (fd >= 0)
		close(fd);
	if (srv >= 0)
		close(srv);
	if (cl >= 0)
		close(cl);
}

/* An alert record (close_notify) from the client end: whether it went. */
static int send_alert(int cl)
{
	char cbuf[CMSG_SPACE(1)], alert[2] = { 1, 0 };
	struct iovec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(cm) = 21;	/* alert */
	return sendmsg(cl, &msg, MSG_NOSIGNAL) == sizeof(alert);
}

/* A record that is not application data (an alert): closed, nothing sent. */
static void case_alert(void)
{
	long long deadline = now_ms() + DEADLINE_MS;
	int srv, cl = pair(GCM13, &srv), ok = 0;

	if (cl >= 0 && !nl_give(srv, "")) {
		close(srv);
		srv = -1;
		ok = send_alert(cl) && ends_silently(cl, deadline);
	}
	result(ok, "an alert record from the client: the module closes, sends nothing",
	       NULL);
	if (srv >= 0)
		close(srv);
	if (cl >= 0)
		close(cl);
}

/* A client that resets in the middle of the big body; the module goes on. */
static void case_reset(void)
{
	long long deadline = now_ms() + DEADLINE_MS;
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int srv, cl = pair(GCM13, &srv), ok = 0;
	char buf[4096];

	if (cl >= 0 && !nl_give(srv, "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"))
		ok = !read_n(cl, buf, sizeof(buf), deadline);
	if (srv >= 0)
		close(srv);
	if (cl >= 0) {
		setsockopt(cl, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(cl);
	}
	cl = pair(GCM13, &srv);
	ok = ok && cl >= 0 && !nl_give(srv, "") &&
	     get_file(cl, "1k.bin", deadline);
	result(ok, "a client reset mid-body; the next connection is served", NULL);
	if (srv >= 0)
		close(srv);
	if (cl >= 0)
		close(cl);
}

/*
 * A daemon that keeps its fd of a given socket (it should close it): when
 * the module closes the connection (an alert after a keep-alive response)
 * the client still sees the end.
 */
static void case_kept_fd(void)
{
	long long deadline = now_ms() + DEADLINE_MS;
	int srv, cl = pair(GCM12, &srv), ok = 0;
	char *body = NULL;
	size_t blen;

	if (cl >= 0 && !nl_give(srv, "GET /1k.bin HTTP/1.1\r\nHost: t\r\n\r\n"))
		ok = response(cl, &body, &blen, deadline) == 200 &&
		     same_as_file("1k.bin", body, blen) && send_alert(cl) &&
		     ends_silently(cl, deadline);
	result(ok, "the daemon kept its fd: the client still sees the end after its response",
	       NULL);
	free(body);
	if (srv >= 0)
		close(srv);
	if (cl >= 0)
		close(cl);
}

static void expect_refused(const char *what, int fd, const void *data,
			   size_t len, int err)
{
	int rc = nl_give_on(&nl, fd, data, len);
	char detail[96];

	snprintf(detail, sizeof(detail), "%s (want %s)",
		 rc ? strerror(-rc) : "accepted", strerror(err));
	result(rc == -err, what, detail);
}

/* What the module must refuse, the socket then still the daemon's. */
static void case_refusals(void)
{
	long long deadline = now_ms() + DEADLINE_MS;
	struct bridge_nl_sock other;
	static char big[70000];
	int udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int srv, cl = pair(PLAIN, &srv), p[2], ok;
	char buf[5];

	expect_refused("a UDP socket is refused", udp, NULL, 0,
		       EPROTONOSUPPORT);
	expect_refused("a listening socket is refused", listener, NULL, 0,
		       EINVAL);
	if (pipe2(p, O_CLOEXEC) == 0) {
		expect_refused("a pipe is refused", p[0], NULL, 0, ENOTSOCK);
		close(p[0]);
		close(p[1]);
	}
	memset(big, 'a', sizeof(big));
	expect_refused("more given bytes than head_max are refused", srv, big,
		       KHTTPD_NL_HEAD_MAX, EMSGSIZE);
	/* kTLS with TX only, as OpenSSL 3.0 leaves TLS 1.3 */
	ok = !ktls_on(srv, GCM13, 1, 0) && !ktls_on(cl, GCM13, 0, 1);
	expect_refused("a kTLS socket without RX is refused", srv, NULL, 0,
		       ENOPROTOOPT);
	ok = ok && !send_all(srv, "still") && !read_n(cl, buf, 5, deadline) &&
	     !memcmp(buf, "still", 5);
	result(ok, "... and the refused socket still works for the daemon",
	       NULL);
	/* the same socket, from a netlink socket that is not the daemon */
	if (!bridge_nl_open(&other) && !bridge_nl_resolve(&other)) {
		int rc = nl_give_on(&other, srv, NULL, 0);

		result(rc == -ENOTCONN, "GIVE from another netlink socket is refused",
		       rc ? strerror(-rc) : "accepted");
		bridge_nl_close(&other);
	}
	close(udp);
	close(srv);
	close(cl);
}

/* Given twice: the second GIVE finds the socket taken. */
static void case_twice(void)
{
	int srv, cl = pair(PLAIN, &srv);

	if (cl < 0)
		return;
	if (nl_give(srv, ""))
		result(0, "a socket given twice: the second is refused", "first refused");
	else
		expect_refused("a socket given twice: the second is refused",
			       srv, NULL, 0, EBUSY);
	close(srv);
	close(cl);
}

static int run(void)
{
	enum cipher c;

	for (c = PLAIN; c <= CHACHA13; c++)
		case_serve(c);
	case_pipelined();
	case_handoff();
	case_alert();
	case_reset();
	case_kept_fd();
	case_refusals();
	case_twice();
	return failures ? 1 : 0;
}

/* Read until the connection ends (EOF or reset) before the deadline. */
static int drains_to_end(int fd, long long deadline)
{
	char buf[65536];
	ssize_t n;

	while (await_in(fd, deadline)) {
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			return 1;
	}
	return 0;
}

/*
 * N kTLS connections alive until rmmod: idle, with half a request, or (every
 * third) in the middle of the big file, which the client does not read, so
 * the module waits for room to send.
 */
static int hold(int n, const char *ready)
{
	static const char *const given[] = {
		"", "GET /1k.bin HT", "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n",
	};
	long long deadline;
	int i, srv, cl[64], closed = 0;

	if (n > 64)
		n = 64;
	for (i = 0; i < n; i++) {
		cl[i] = pair(i % 2 ? GCM12 : GCM13, &srv);
		if (cl[i] < 0 || nl_give(srv, given[i % 3])) {
			fprintf(stderr, "givetest: hold %d not given\n", i);
			return 1;
		}
		close(srv);
	}
	close(creat(ready, 0644));
	/* until rmmod: then every client sees its end */
	deadline = now_ms() + 60000;
	for (i = 0; i < n; i++)
		closed += drains_to_end(cl[i], deadline);
	result(closed == n, "rmmod closes every given kTLS connection (idle, half a request, mid-body)",
	       NULL);
	return closed == n ? 0 : 1;
}

int main(int argc, char **argv)
{
	int rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 3 || (!strcmp(argv[1], "run") && argc != 3) ||
	    (!strcmp(argv[1], "hold") && argc != 4) ||
	    (strcmp(argv[1], "run") && strcmp(argv[1], "hold"))) {
		fprintf(stderr, "usage: givetest run DOCROOT | hold N READY\n");
		return 2;
	}
	rc = nl_register();
	if (rc || listen_any()) {
		printf("not ok - give: registered as the daemon: %s\n",
		       rc ? strerror(-rc) : "no listener");
		return 2;
	}
	if (!strcmp(argv[1], "hold"))
		return hold(atoi(argv[2]), argv[3]);
	snprintf(docroot, sizeof(docroot), "%s", argv[2]);
	return run();
}
