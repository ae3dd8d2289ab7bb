// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Static files (core/static.c) as a client sees them: status, the fields
 * that frame the body, ranges, conditionals, modes, hidden paths, links
 * out of the docroot, index files and directory redirects, on a docroot
 * made for the test. Each request is followed by a pipelined one for a
 * known file, so that its response is measured exactly: a byte too many
 * or too few would shift the next response. The walk used without
 * openat2 is run in a child whose seccomp filter takes openat2 away.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/fdcache.h"
#include "core/khttpdd.h"
#include "khttpd_check.h"
#include "worker_pump.h"

static struct worker w;
static char root[] = "/tmp/khttpd-static-XXXXXX";
static int client;

/* The pipelined request after each one, and the end of its response. */
#define PING "GET /ping.txt HTTP/1.1\r\nHost: x\r\n\r\n"
#define PONG "\r\n\r\npong"

struct resp {
	char raw[16384];	/* the response, NUL-terminated */
	size_t len;
	int status;
	const char *body;	/* after the head's blank line */
	size_t body_len;
};

/* The value of the field name in r's head, or NULL (fields are unique here). */
static const char *field(const struct resp *r, const char *name, char *v,
			 size_t vsz)
{
	char key[64];
	const char *p, *end;

	snprintf(key, sizeof(key), "\r\n%s: ", name);
	p = strstr(r->raw, key);
	if (!p || p > r->body)
		return NULL;
	p += strlen(key);
	end = strstr(p, "\r\n");
	snprintf(v, vsz, "%.*s", (int)(end - p), p);
	return v;
}

/*
 * Send req then PING; pump until PING's response has arrived (2 s at
 * most); r is the response to req, exactly.
 */
static bool ask(const char *req, struct resp *r)
{
	static char buf[sizeof(r->raw) + 512];
	size_t got = 0;
	char *ping, *p;

	memset(r, 0, sizeof(*r));
	if (send(client, req, strlen(req), 0) < 0 ||
	    send(client, PING, strlen(PING), 0) < 0)
		return false;
	for (int i = 0; i < 200; i++) {
		ssize_t n;

		worker_pump(&w, 10);
		n = recv(client, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
		if (n > 0)
			got += (size_t)n;
		buf[got] = '\0';
		if (got >= strlen(PONG) && !strcmp(buf + got - strlen(PONG), PONG))
			break;
	}
	/* PING's response is the last that starts with a 200 status line */
	for (ping = NULL, p = buf; (p = strstr(p, "HTTP/1.1 200 OK\r\n")); p++)
		ping = p;
	if (!ping || got < strlen(PONG) || strcmp(buf + got - strlen(PONG), PONG)) {
		fprintf(stderr, "  no answer to the ping after %s: %s\n", req, buf);
		return false;
	}
	r->len = (size_t)(ping - buf);
	memcpy(r->raw, buf, r->len);
	r->raw[r->len] = '\0';
	p = strstr(r->raw, "\r\n\r\n");
	if (sscanf(r->raw, "HTTP/1.1 %d ", &r->status) != 1 || !p)
		return false;
	r->body = p + 4;
	r->body_len = r->len - (size_t)(r->body - r->raw);
	return true;
}

#define ANY	(-2)	/* any Content-Length: an error page's */

/*
 * method path (with extra fields): the status, Content-Length (-1: none)
 * and body (NULL: any) of the response. A body always has the length its
 * head gives (none for HEAD and 304).
 */
static void expect(const char *method, const char *path, const char *fields,
		   int status, long length, const char *body)
{
	bool bodyless = !strcmp(method, "HEAD") || status == 304;
	static char req[WORKER_PATH_MAX + 1024];
	char v[256];
	struct resp r;
	long cl;

	snprintf(req, sizeof(req), "%s %s HTTP/1.1\r\nHost: x\r\n%s\r\n",
		 method, path, fields);
	if (!ask(req, &r)) {
		CHECK(false, "%s %s: a response and then the next", method, path);
		return;
	}
	cl = field(&r, "Content-Length", v, sizeof(v)) ? atol(v) : -1;
	CHECK(r.status == status && (length == ANY || cl == length) &&
	      (bodyless ? r.body_len == 0 : cl >= 0 && (size_t)cl == r.body_len) &&
	      (!body || (r.body_len == strlen(body) && !strcmp(r.body, body))),
	      "%s %s %s: want %d, length %ld, body %s; got:\n%s", method,
	      path, fields, status, length, body ? body : "(any)", r.raw);
}

static void has_field(const char *req, const char *name, const char *want)
{
	struct resp r;
	char v[256];
	const char *got = NULL;

	if (ask(req, &r))
		got = field(&r, name, v, sizeof(v));
	CHECK(want ? got && !strcmp(got, want) : !got,
	      "%s: %s: want %s, got %s", req, name, want ? want : "(none)",
	      got ? got : "(none)");
}

static void put(const char *rel, const char *text, mode_t mode)
{
	char path[PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	f = fopen(path, "w");
	if (!f || fputs(text, f) < 0 || fclose(f) || chmod(path, mode))
		exit(2);
}

static void make_docroot(void)
{
	char path[PATH_MAX];

	if (!mkdtemp(root))
		exit(2);
	put("ping.txt", "pong", 0644);
	put("a.txt", "0123456789", 0644);
	put("empty.txt", "", 0644);
	put("secret.txt", "s", 0640);		/* not world-readable */
	put("exec.txt", "x", 0755);		/* executable */
	put(".hidden.txt", "h", 0644);
	snprintf(path, sizeof(path), "%s/fifo", root);
	if (mkfifo(path, 0644))
		exit(2);
	for (const char *d = "dir\0noidx\0idxout\0two\0bye\0none\0dir/.git\0"; *d;
	     d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "%s/%s", root, d);
		if (mkdir(path, 0755))
			exit(2);
	}
	put("dir/index.html", "<p>dir</p>", 0644);
	put("idxout/second.html", "second", 0644);	/* after a refused index */
	put("dir/.git/config", "c", 0644);
	memset(path, 'm', NAME_MAX);	/* the longest name there may be */
	path[NAME_MAX] = '\0';
	put(path, "m", 0644);
	put("two/second.html", "second", 0644);
	snprintf(path, sizeof(path), "%s/in_link", root);
	if (symlink("a.txt", path))
		exit(2);
	snprintf(path, sizeof(path), "%s/dir_link", root);
	if (symlink("dir", path))
		exit(2);
	snprintf(path, sizeof(path), "%s/out_link", root);
	if (symlink("/etc/passwd", path))
		exit(2);
	snprintf(path, sizeof(path), "%s/idxout/index.html", root);
	if (symlink("/etc/passwd", path))
		exit(2);
}

static void files(void)
{
	char etag[128], req[512];
	struct resp r;

	expect("GET", "/a.txt", "", 200, 10, "0123456789");
	expect("HEAD", "/a.txt", "", 200, 10, "");
	expect("GET", "/empty.txt", "", 200, 0, "");
	expect("HEAD", "/empty.txt", "", 200, 0, "");
	has_field("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", "Content-Type",
		  "text/plain; charset=utf-8");
	has_field("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", "Accept-Ranges",
		  "bytes");
	has_field("GET /dir/ HTTP/1.1\r\nHost: x\r\n\r\n", "Content-Type",
		  "text/html; charset=utf-8");

	CHECK(ask("GET /a.txt HTTP/1.1\r\nHost: x\r\n\r\n", &r) &&
	      field(&r, "ETag", etag, sizeof(etag)) &&
	      field(&r, "Last-Modified", req, sizeof(req)),
	      "a file has a validator and a date: %s", r.raw);
	snprintf(req, sizeof(req), "If-None-Match: %s\r\n", etag);
	expect("GET", "/a.txt", req, 304, -1, "");
	expect("HEAD", "/a.txt", req, 304, -1, "");
	snprintf(req, sizeof(req),
		 "GET /a.txt HTTP/1.1\r\nHost: x\r\nIf-None-Match: %s\r\n\r\n",
		 etag);
	has_field(req, "Accept-Ranges", NULL);	/* 304: no body to range */
	has_field(req, "ETag", etag);
	expect("GET", "/a.txt", "If-None-Match: \"other\"\r\n", 200, 10,
	       "0123456789");
	expect("GET", "/a.txt", "If-Modified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n",
	       304, -1, "");
	expect("GET", "/a.txt", "If-Modified-Since: Mon, 01 Jan 1990 00:00:00 GMT\r\n",
	       200, 10, "0123456789");
	expect("GET", "/a.txt", "If-Unmodified-Since: Mon, 01 Jan 1990 00:00:00 GMT\r\n",
	       412, ANY, NULL);
	expect("GET", "/a.txt", "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 GMT\r\n",
	       200, 10, "0123456789");
}

static void ranges(void)
{
	char req[512];
	struct resp r;
	char v[64];
	long cl;

	expect("GET", "/a.txt", "Range: bytes=2-4\r\n", 206, 3, "234");
	expect("GET", "/a.txt", "Range: bytes=0-0\r\n", 206, 1, "0");
	expect("GET", "/a.txt", "Range: bytes=5-10\r\n", 206, 5, "56789");
	expect("GET", "/a.txt", "Range: bytes=9-\r\n", 206, 1, "9");
	expect("GET", "/a.txt", "Range: bytes=-3\r\n", 206, 3, "789");
	expect("HEAD", "/a.txt", "Range: bytes=2-4\r\n", 206, 3, "");
	has_field("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=2-4\r\n\r\n",
		  "Content-Range", "bytes 2-4/10");
	has_field("GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=5-10\r\n\r\n",
		  "Content-Range", "bytes 5-9/10");
	/* If-Range with another validator: the whole file */
	expect("GET", "/a.txt", "Range: bytes=2-4\r\nIf-Range: \"other\"\r\n",
	       200, 10, "0123456789");

	/* 416: the complete length, and a page whose length is its own */
	snprintf(req, sizeof(req),
		 "GET /a.txt HTTP/1.1\r\nHost: x\r\nRange: bytes=10-\r\n\r\n");
	CHECK(ask(req, &r) && r.status == 416 &&
	      field(&r, "Content-Length", v, sizeof(v)) &&
	      (cl = atol(v)) > 0 && (size_t)cl == r.body_len &&
	      strstr(r.body, "416") &&
	      field(&r, "Content-Range", v, sizeof(v)) &&
	      !strcmp(v, "bytes */10"),
	      "416 for a range past the end: %s", r.raw);
	cl = r.status == 416 ? (long)r.body_len : -2;
	expect("HEAD", "/a.txt", "Range: bytes=10-\r\n", 416, cl, "");
	expect("GET", "/empty.txt", "Range: bytes=0-\r\n", 416, cl, NULL);
}

static void refusals(void)
{
	char path[NAME_MAX + 8];

	expect("GET", "/missing.txt", "", 404, ANY, NULL);
	/* openat2 allows a link that stays beneath the docroot */
	expect("GET", "/in_link", "", 200, 10, "0123456789");
	expect("GET", "/out_link", "", 403, ANY, NULL);
	expect("GET", "/secret.txt", "", 403, ANY, NULL);
	expect("GET", "/exec.txt", "", 403, ANY, NULL);
	expect("GET", "/fifo", "", 403, ANY, NULL);
	expect("GET", "/.hidden.txt", "", 404, ANY, NULL);
	expect("GET", "/dir/.git/config", "", 404, ANY, NULL);
	expect("GET", "/a.txt/x", "", 404, ANY, NULL);	/* ENOTDIR */
	memset(path, 'n', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	expect("GET", path, "", 404, ANY, NULL);		/* ENAMETOOLONG */
}

static void directories(void)
{
	char **idx;

	expect("GET", "/dir/", "", 200, 10, "<p>dir</p>");
	expect("GET", "/dir_link/", "", 200, 10, "<p>dir</p>");
	expect("GET", "/dir", "", 301, 0, "");
	has_field("GET /dir?q=1 HTTP/1.1\r\nHost: x\r\n\r\n", "Location",
		  "/dir/?q=1");
	has_field("GET /dir HTTP/1.1\r\nHost: x\r\n\r\n", "Location", "/dir/");
	expect("GET", "/noidx/", "", 403, ANY, NULL);
	/* an index file that leads out of the docroot */
	expect("GET", "/idxout/", "", 403, ANY, NULL);

	/* the first index file that exists, in the configured order */
	idx = realloc(w.cfg->indexes, 2 * sizeof(*idx));
	if (!idx)
		exit(2);
	idx[1] = strdup("second.html");
	w.cfg->indexes = idx;
	w.cfg->nindexes = 2;
	expect("GET", "/two/", "", 200, 6, "second");
	expect("GET", "/dir/", "", 200, 10, "<p>dir</p>");
	/* an error other than "no such file" ends the search */
	expect("GET", "/idxout/", "", 403, ANY, NULL);
}

/*
 * Heads too long for the scratch buffer are errors, never cut heads: a
 * configured type too long for a file's head (500), a directory's
 * redirect whose Location does not fit, or fits only on its own (414).
 */
static void long_heads(void)
{
	static char q[3000], path[sizeof(q) + 16];
	struct mime_type *m = realloc(w.cfg->mimes, (w.cfg->nmimes + 1) *
				      sizeof(*m));
	char *type = malloc(WORKER_SCRATCH);

	if (!m || !type)
		exit(2);
	memset(type, 't', WORKER_SCRATCH - 1);
	type[1] = '/';
	type[WORKER_SCRATCH - 1] = '\0';
	m[w.cfg->nmimes].ext = strdup("big");
	m[w.cfg->nmimes].type = type;
	w.cfg->mimes = m;
	w.cfg->nmimes++;
	put("type.big", "b", 0644);
	expect("GET", "/type.big", "", 500, ANY, NULL);
	expect("GET", "/a.txt", "", 200, 10, "0123456789");

	for (size_t len = 1990; len < sizeof(q); len += 1000) {
		memset(q, 'q', len);
		q[len] = '\0';
		snprintf(path, sizeof(path), "/dir?%s", q);
		expect("GET", path, "", 414, ANY, NULL);
	}
}

/*
 * The longest directory path there may be: an index file whose path
 * would not fit the path buffer is not looked for (no index: 403), even
 * where it exists.
 */
static void longest_directory(void)
{
	static char path[WORKER_PATH_MAX];
	char name[NAME_MAX + 1];
	size_t len = 1;		/* the leading '/' */
	int next_fd, fd = open(root, O_PATH | O_DIRECTORY);

	path[0] = '/';
	/* plen + strlen("index.html") == sizeof(w.path): exactly too long */
	while (fd >= 0 && len < WORKER_PATH_MAX - strlen("index.html")) {
		size_t n = WORKER_PATH_MAX - strlen("index.html") - len - 1;
		int next;

		if (n > NAME_MAX)
			n = NAME_MAX;
		memset(name, 'l', n);
		name[n] = '\0';
		if (mkdirat(fd, name, 0755))
			exit(2);
		next = openat(fd, name, O_PATH | O_DIRECTORY);
		close(fd);
		fd = next;
		memcpy(path + len, name, n);
		len += n;
		path[len++] = '/';
	}
	if (fd < 0 || len != WORKER_PATH_MAX - strlen("index.html"))
		exit(2);
	/* there, but its path and NUL would not fit the path buffer */
	next_fd = openat(fd, "index.html", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (next_fd < 0 || write(next_fd, "i", 1) != 1)
		exit(2);
	close(next_fd);
	close(fd);
	path[len] = '\0';
	expect("GET", path, "", 403, ANY, NULL);
}

/* A new client connection, adopted by the worker. */
static void connect_client(void)
{
	struct sockaddr_in peer = { .sin_family = AF_INET };
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv))
		exit(2);
	conn_adopt(&w, sv[0], (struct sockaddr *)&peer, sizeof(peer), "", 0, false);
	client = sv[1];
}

/* A plugin's answer for a directory without index file (dirlisting's). */
static int answer_directory(struct conn *c, int dirfd)
{
	(void)dirfd;
	if (!strcmp(c->w->path, "/bye/"))
		return KP_CLOSE;
	if (!strcmp(c->w->path, "/noidx/"))
		return http_send_error(c, 410, NULL);
	return KP_CONTINUE;
}

static void directory_plugins(void)
{
	static const struct khttpd_plugin lister = {
		.name = "lister", .on_directory = answer_directory };
	static const struct khttpd_plugin *only[] = { &lister };
	const struct khttpd_plugin **saved = w.cfg->plugins;
	static const char bye[] = "GET /bye/ HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[256];
	ssize_t n = 0;

	w.cfg->plugins = only;
	w.cfg->nplugins = 1;
	expect("GET", "/noidx/", "", 410, ANY, NULL);	/* its answer, only */
	expect("GET", "/none/", "", 403, ANY, NULL);	/* it passed: the core's */
	/* KP_CLOSE: the connection closes, nothing is answered */
	if (send(client, bye, strlen(bye), 0) != (ssize_t)strlen(bye))
		exit(2);
	for (int i = 0; i < 200; i++) {
		worker_pump(&w, 10);
		n = recv(client, buf, sizeof(buf), MSG_DONTWAIT);
		if (n >= 0)
			break;
	}
	CHECK(n == 0, "a plugin's KP_CLOSE closes the connection: %zd bytes", n);
	close(client);
	connect_client();
	w.cfg->plugins = saved;
	w.cfg->nplugins = 0;
}

/* Seccomp: openat2 fails with ENOSYS, as on a kernel before 5.6. */
static int without_openat2(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
			 offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* What static_open() gives rel: the first bytes read, or the error. */
static void opens(int dirfd, const char *rel, const char *want)
{
	char buf[32] = "";
	char got[48];
	int fd = static_open(dirfd, rel);

	if (fd >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		struct stat st;

		if (n < 0 && errno == EISDIR && !fstat(fd, &st))
			snprintf(buf, sizeof(buf), "(dir)");
		else
			buf[n > 0 ? n : 0] = '\0';
		close(fd);
		snprintf(got, sizeof(got), "%s", buf);
	} else {
		snprintf(got, sizeof(got), "-%s", strerrorname_np(-fd));
	}
	CHECK(!strcmp(got, want), "static_open(%s): want %s, got %s", rel,
	      want, got);
}

static void walk_without_openat2(void)
{
	static char longname[NAME_MAX + 2], longer[PATH_MAX - 64];
	static char maxname[NAME_MAX + 1];
	int status, fd, free_fd, dirfd = open(root, O_PATH | O_DIRECTORY);
	pid_t pid;
	/* what each path opens to without openat2 */
	const struct { const char *rel, *want; } walk[] = {
		{ "a.txt", "0123456789" }, { "dir/index.html", "<p>dir</p>" },
		{ "dir/", "(dir)" }, { ".", "(dir)" }, { "dir/.git/config", "c" },
		/* every link refused, even one that stays beneath */
		{ "in_link", "-EXDEV" }, { "dir_link/index.html", "-ENOTDIR" },
		{ "out_link", "-EXDEV" },
		{ "missing", "-ENOENT" }, { "missing/x", "-ENOENT" },
		{ "a.txt/", "-ENOTDIR" }, { "a.txt/x", "-ENOTDIR" },
		{ longname, "-ENAMETOOLONG" }, { longer, "-ENAMETOOLONG" },
		{ "dir/", "(dir)" },	/* after errors, still a walk */
		{ maxname, "m" },	/* the longest name there may be */
	};

	memset(longname, 'n', sizeof(longname) - 1);
	memset(longer, 'n', sizeof(longer) - 1);
	memset(maxname, 'm', NAME_MAX);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		/* the child's checks are its own: it reports with its status */
		atomic_store(&check_passed, 0);
		atomic_store(&check_failed, 0);
		if (dirfd < 0 || without_openat2()) {
			fprintf(stderr, "  seccomp: %s\n", strerror(errno));
			_exit(3);
		}
		close(0);	/* a descriptor 0 is one like any other */
		free_fd = dup(1);	/* the lowest free one */
		close(free_fd);
		CHECK(syscall(SYS_openat2, dirfd, "a.txt", NULL, 0) < 0 &&
		      errno == ENOSYS);
		for (size_t i = 0; i < sizeof(walk) / sizeof(walk[0]); i++)
			opens(dirfd, walk[i].rel, walk[i].want);
		fd = dup(1);
		CHECK(fd == free_fd, "no descriptor left open: %d, want %d", fd,
		      free_fd);
		fflush(NULL);
		_exit(atomic_load(&check_failed) ? 1 : 0);
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid &&
	      WIFEXITED(status) && WEXITSTATUS(status) == 0,
	      "the walk without openat2 (child status %d)", status);
	if (dirfd >= 0)
		close(dirfd);
}

int main(void)
{
	struct config_overrides ov = { .workers = -1 };
	const struct khttpd_plugin **loaded;
	char err[256], cmd[PATH_MAX + 16];
	struct config *cfg;
	size_t nloaded;

	make_docroot();
	ov.docroot = root;
	cfg = config_load(NULL, &ov, err, sizeof(err));
	if (!cfg) {
		fprintf(stderr, "config: %s\n", err);
		return 2;
	}
	loaded = cfg->plugins;	/* only the core: no plugin takes a request */
	nloaded = cfg->nplugins;
	cfg->nplugins = 0;
	w.cfg = cfg;
	w.epfd = epoll_create1(EPOLL_CLOEXEC);
	w.fc = fdcache_new(4, 8, 1, static_open);
	worker_update_date(&w);
	connect_client();

	close(0);	/* descriptor 0 free: an open may get it, and it is one */
	refusals();	/* first: a failed open must not turn openat2 off */
	files();
	ranges();
	directories();
	directory_plugins();
	long_heads();
	longest_directory();
	walk_without_openat2();

	close(client);
	for (int i = 0; i < 50 && atomic_load(&w.nconns); i++)
		worker_pump(&w, 10);
	CHECK(atomic_load(&w.nconns) == 0, "connection closed");
	fdcache_free(w.fc);
	close(w.epfd);
	cfg->plugins = loaded;
	cfg->nplugins = nloaded;
	config_put(cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	if (system(cmd))
		return 2;
	return check_done("test_static");
}
