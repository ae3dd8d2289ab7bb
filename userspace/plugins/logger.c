// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * logger: access log (Common or Combined Log Format) and error log, per
 * vhost (a site's [LOGGER]) or for all (the main file's).
 *   [LOGGER]
 *       AccessLog /var/log/khttpd/access.log
 *       ErrorLog  /var/log/khttpd/error.log
 *       Format    combined | common
 * Workers never block on a disk: each log file has a pipe; a worker writes
 * one whole line (<= PIPE_BUF, so lines from several workers never mix)
 * with a non-blocking write, and counts a drop if the pipe is full. One
 * writer thread moves the bytes to the files with splice(2), as Monkey
 * did. SIGUSR1 makes it reopen every file (logrotate).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "core/khttpdd.h"

struct log_target {
	struct log_target *next;
	char *path;
	int file_fd;		/* the writer thread's only */
	int pipe_rd, pipe_wr;
	_Atomic uint64_t drops;
};

struct logger_conf {
	struct log_target *access, *error;
	char *access_path, *error_path;
	bool common;
	bool tls_fields;	/* TLSFields on: protocol and cipher appended */
};

/* Targets live until exit: reloads reuse them by path. */
static struct {
	pthread_mutex_t lock;
	struct log_target *targets;
	pthread_t thread;
	bool running;
	bool may_start;		/* logger_start() ran: threads may start */
	int epfd;
	int wake_fd;		/* eventfd: reopen or stop */
	_Atomic bool reopen, stop;
} lg = { .lock = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .wake_fd = -1 };

extern const struct khttpd_plugin plugin_logger;

/*
 * A file created at start, as root, is given to the user the daemon is
 * about to become (uid -1: no change), so that SIGUSR1 can reopen it.
 */
static int open_log(const char *path, uid_t uid, gid_t gid)
{
	/* Not O_APPEND: splice(2) refuses append-mode files; one writer. */
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);

	if (fd >= 0 && uid != (uid_t)-1 && fchown(fd, uid, gid)) {
		close(fd);
		return -1;
	}
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

static void drain_pipe(struct log_target *t)
{
	char buf[4096];

	for (;;) {
		ssize_t n = splice(t->pipe_rd, NULL, t->file_fd, NULL, 1 << 16,
				   SPLICE_F_MOVE | SPLICE_F_NONBLOCK);

		if (n > 0)
			continue;
		if (n == 0 || errno == EAGAIN)
			return;
		if (errno == EINTR)
			continue;
		/* A file system without splice support: copy instead. */
		n = read(t->pipe_rd, buf, sizeof(buf));
		if (n <= 0 || write(t->file_fd, buf, (size_t)n) != n)
			return;
	}
}

static void *writer_main(void *arg)
{
	struct epoll_event evs[16];

	(void)arg;
	for (;;) {
		int n = epoll_wait(lg.epfd, evs, 16, -1);

		for (int i = 0; i < n; i++) {
			struct log_target *t = evs[i].data.ptr;
			uint64_t v;

			if (t) {
				drain_pipe(t);
				continue;
			}
			bool reopen = atomic_exchange(&lg.reopen, false);

			if (read(lg.wake_fd, &v, sizeof(v)) < 0)
				continue;
			pthread_mutex_lock(&lg.lock);
			for (t = lg.targets; t; t = t->next) {
				int fd;

				drain_pipe(t);
				if (!reopen)
					continue;
				fd = open_log(t->path, (uid_t)-1, (gid_t)-1);
				if (fd < 0) {
					log_msg("logger: cannot reopen %s, still writing the old file: %s",
						t->path, strerror(errno));
					continue;
				}
				close(t->file_fd);
				t->file_fd = fd;
			}
			pthread_mutex_unlock(&lg.lock);
			if (lg.stop)
				return NULL;
		}
	}
}

/*
 * The epoll set exists from the first target; the thread starts with the
 * daemon (logger_start), after the privilege drop: a thread started while
 * the config loads as root would keep root's capabilities.
 */
static int start_writer(char *err, size_t errsz)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };

	if (lg.epfd < 0) {
		lg.epfd = epoll_create1(EPOLL_CLOEXEC);
		lg.wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (lg.epfd < 0 || lg.wake_fd < 0 ||
		    epoll_ctl(lg.epfd, EPOLL_CTL_ADD, lg.wake_fd, &ev))
			goto fail;
	}
	if (lg.running || !lg.may_start)
		return 0;
	if (pthread_create(&lg.thread, NULL, writer_main, NULL))
		goto fail;
	lg.running = true;
	return 0;
fail:
	snprintf(err, errsz, "cannot start the log writer: %s", strerror(errno));
	return -1;
}

static int logger_start(char *err, size_t errsz)
{
	lg.may_start = true;
	return lg.targets ? start_writer(err, errsz) : 0;
}

static struct log_target *target_get(const char *path, const struct config *cfg,
				     char *err, size_t errsz)
{
	struct log_target *t;
	struct epoll_event ev = { .events = EPOLLIN };
	int p[2];

	pthread_mutex_lock(&lg.lock);
	for (t = lg.targets; t; t = t->next)
		if (!strcmp(t->path, path))
			goto out;
	t = calloc(1, sizeof(*t));
	if (!t || !(t->path = strdup(path)))
		goto fail;
	t->file_fd = geteuid() ? open_log(path, (uid_t)-1, (gid_t)-1) :
		     open_log(path, cfg->uid, cfg->gid);
	if (t->file_fd < 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		free(t->path);
		goto fail;
	}
	if (start_writer(err, errsz) || pipe2(p, O_CLOEXEC | O_NONBLOCK)) {
		close(t->file_fd);
		free(t->path);
		goto fail;
	}
	t->pipe_rd = p[0];
	t->pipe_wr = p[1];
	/* Room for bursts while the disk is slow; best effort. */
	fcntl(t->pipe_wr, F_SETPIPE_SZ, 1 << 20);
	ev.data.ptr = t;
	epoll_ctl(lg.epfd, EPOLL_CTL_ADD, t->pipe_rd, &ev);
	t->next = lg.targets;
	lg.targets = t;
out:
	pthread_mutex_unlock(&lg.lock);
	return t;
fail:
	pthread_mutex_unlock(&lg.lock);
	free(t);
	return NULL;
}

static int logger_key(void **data, const struct vhost *vh, const char *key,
		      const char *value, char *err, size_t errsz)
{
	struct logger_conf *l = *data;
	char **field = NULL;

	(void)vh;
	if (!l)
		*data = l = calloc(1, sizeof(*l));
	if (!l)
		return -1;
	if (!strcasecmp(key, "AccessLog"))
		field = &l->access_path;
	else if (!strcasecmp(key, "ErrorLog"))
		field = &l->error_path;
	if (field) {
		if (value[0] != '/') {
			snprintf(err, errsz, "%s: '%s' must be an absolute path",
				 key, value);
			return -1;
		}
		free(*field);
		*field = strdup(value);
		return *field ? 0 : -1;
	}
	if (!strcasecmp(key, "TLSFields")) {
		if (strcasecmp(value, "on") && strcasecmp(value, "off")) {
			snprintf(err, errsz, "TLSFields: expected on or off, got '%s'",
				 value);
			return -1;
		}
		l->tls_fields = !strcasecmp(value, "on");
		return 0;
	}
	if (!strcasecmp(key, "Format")) {
		if (!strcasecmp(value, "common"))
			l->common = true;
		else if (!strcasecmp(value, "combined"))
			l->common = false;
		else {
			snprintf(err, errsz, "Format: expected common or combined, got '%s'",
				 value);
			return -1;
		}
		return 0;
	}
	snprintf(err, errsz, "unknown key '%s' (known: AccessLog, ErrorLog, Format, TLSFields)",
		 key);
	return -1;
}

static int logger_done(void *data, const struct config *cfg,
		       const struct vhost *vh, char *err, size_t errsz)
{
	struct logger_conf *l = data;

	(void)vh;
	if (!l)
		return 0;
	if (l->access_path && !(l->access = target_get(l->access_path, cfg, err, errsz)))
		return -1;
	if (l->error_path && !(l->error = target_get(l->error_path, cfg, err, errsz)))
		return -1;
	return 0;
}

static void logger_free(void *data)
{
	struct logger_conf *l = data;

	free(l->access_path);
	free(l->error_path);
	free(l);
}

struct line {
	char s[PIPE_BUF];
	size_t len;
};

static void add(struct line *l, const char *s, size_t n)
{
	if (n > sizeof(l->s) - 1 - l->len)
		n = sizeof(l->s) - 1 - l->len;	/* truncated, never split */
	memcpy(l->s + l->len, s, n);
	l->len += n;
}

static void adds(struct line *l, const char *s)
{
	add(l, s, strlen(s));
}

/* Quoted-field escaping like Apache's: \" \\ and \xHH for the rest. */
static void add_escaped(struct line *l, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		char e[5];

		if (ch == '"' || ch == '\\') {
			e[0] = '\\';
			e[1] = (char)ch;
			add(l, e, 2);
		} else if (ch < 0x20 || ch >= 0x7f) {
			snprintf(e, sizeof(e), "\\x%02x", ch);
			add(l, e, 4);
		} else {
			add(l, s + i, 1);
		}
	}
}

static void add_span(struct line *l, const struct conn *c, struct khttp_span s)
{
	if (!s.len)
		adds(l, "-");
	else
		add_escaped(l, c->buf + s.off, s.len);
}

/* "[10/Oct/2000:13:55:36 -0700]" in local time. */
static void add_time(struct line *l, time_t t)
{
	char ts[40];
	struct tm tm;

	strftime(ts, sizeof(ts), "[%d/%b/%Y:%H:%M:%S %z]", localtime_r(&t, &tm));
	adds(l, ts);
}

/* The request line as the client sent it. */
static void add_request_line(struct line *l, const struct conn *c)
{
	size_t n;
	const char *line = conn_request_line(c, &n);

	add_escaped(l, line, n > 2048 ? 2048 : n);
}

static void emit(struct log_target *t, struct line *l)
{
	l->s[l->len++] = '\n';	/* add() always leaves this byte */
	if (write(t->pipe_wr, l->s, l->len) != (ssize_t)l->len)
		atomic_fetch_add_explicit(&t->drops, 1, memory_order_relaxed);
}

static const struct logger_conf *conf_for(const struct conn *c)
{
	const struct logger_conf *l = NULL;

	if (c->vhost)
		l = conn_vhost_data(c, &plugin_logger);
	else if (c->cfg->nvhosts)
		l = c->cfg->vhosts[0].plugin_data[plugin_id(&plugin_logger)];
	return l ? l : conn_global_data(c, &plugin_logger);
}

static void logger_response(struct conn *c)
{
	const struct logger_conf *lc = conf_for(c);
	struct line l;
	char peer[INET6_ADDRSTRLEN], num[48];
	time_t now = c->w->date_time;

	if (!lc)
		return;
	if (conn_peer_format(c, peer, sizeof(peer)))
		strcpy(peer, "-");
	if (lc->access) {
		l.len = 0;
		adds(&l, peer);
		adds(&l, " - ");
		if (c->remote_user)
			add_escaped(&l, c->remote_user, strlen(c->remote_user));
		else
			adds(&l, "-");
		adds(&l, " ");
		add_time(&l, now);
		adds(&l, " \"");
		add_request_line(&l, c);
		snprintf(num, sizeof(num), "\" %d ", c->status);
		adds(&l, num);
		if (c->body_bytes)
			snprintf(num, sizeof(num), "%llu",
				 (unsigned long long)c->body_bytes);
		else
			strcpy(num, "-");
		adds(&l, num);
		if (!lc->common) {
			adds(&l, " \"");
			add_span(&l, c, c->req.referer);
			adds(&l, "\" \"");
			add_span(&l, c, c->req.user_agent);
			adds(&l, "\"");
		}
		if (lc->tls_fields) {	/* OpenSSL's names: no blanks, no quotes */
			adds(&l, " ");
			adds(&l, c->ssl ? tls_version(c) : "-");
			adds(&l, " ");
			adds(&l, c->ssl ? tls_cipher(c) : "-");
		}
		emit(lc->access, &l);
	}
	if (lc->error && c->status >= 400) {
		l.len = 0;
		add_time(&l, now);
		adds(&l, " [error] [client ");
		adds(&l, peer);
		snprintf(num, sizeof(num), "] %d \"", c->status);
		adds(&l, num);
		add_request_line(&l, c);
		adds(&l, "\": ");
		adds(&l, c->error_note ? c->error_note : khttp_reason(c->status));
		emit(lc->error, &l);
	}
}

static void logger_reopen(void)
{
	uint64_t one = 1;

	if (!lg.running)
		return;
	lg.reopen = true;
	if (write(lg.wake_fd, &one, sizeof(one)) < 0)
		log_msg("logger: cannot wake the writer: %s", strerror(errno));
}

static void logger_stop(void)
{
	struct log_target *t, *next;
	uint64_t one = 1;

	if (!lg.running)
		return;
	lg.stop = true;
	if (write(lg.wake_fd, &one, sizeof(one)) == sizeof(one))
		pthread_join(lg.thread, NULL);
	for (t = lg.targets; t; t = next) {
		next = t->next;
		drain_pipe(t);
		close(t->pipe_rd);
		close(t->pipe_wr);
		close(t->file_fd);
		free(t->path);
		free(t);
	}
	lg.targets = NULL;
	close(lg.epfd);
	close(lg.wake_fd);
	lg.running = false;
}

const struct khttpd_plugin plugin_logger = {
	.name = "logger",
	.conf_key = logger_key,
	.conf_done = logger_done,
	.conf_free = logger_free,
	.start = logger_start,
	.stop = logger_stop,
	.reopen = logger_reopen,
	.on_response = logger_response,
};
