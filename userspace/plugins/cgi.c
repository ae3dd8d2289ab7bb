// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cgi: CGI/1.1 scripts (RFC 3875).
 *   [CGI]
 *       Prefix      /cgi-bin/          every file below is a script
 *       Extension   .cgi               files ending so are scripts
 *       Interpreter .php /usr/bin/php-cgi   run the script with a program
 *       User        nobody             scripts run as this user (root only)
 *       Timeout     30                 seconds of script silence -> 504
 * A site's "Match <regex> cgi" in [HANDLERS] routes more paths here (the
 * script is the leading part of the path that names a file); without any
 * [CGI] section those run with the defaults.
 * The script runs in its own process group with the meta-variables as its
 * environment; the request body is streamed to its stdin through a
 * non-blocking pipe and its stdout to the client as it comes (gateway.c).
 * A script named nph-* writes the whole response itself. The process group
 * is killed when the client goes away or the script times out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gateway/gateway.h"
#include "core/khttpdd.h"

extern const struct khttpd_plugin plugin_cgi;

struct cgi_interp {
	char *ext;
	char *prog;
};

struct cgi_conf {
	struct gw_conf gw;		/* first: gateway.c sees this part */
	struct cgi_interp *interp;
	size_t ninterp;
	bool set_user;
	uid_t uid;
	gid_t gid;
};

/* One script run; outlives its job until the process is reaped. */
struct cgi_proc {
	struct gw_job *j;		/* NULL once the job let go */
	struct worker *w;
	pid_t pid;
	struct evsource in, out, exit;	/* stdin, stdout, pidfd */
	bool reaped;
	struct cgi_proc *prev, *next;	/* live processes, for cgi_stop() */
};

static pthread_mutex_t procs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cgi_proc *procs;

static void cgi_proc_link(struct cgi_proc *p)
{
	pthread_mutex_lock(&procs_lock);
	p->next = procs;
	if (procs)
		procs->prev = p;
	procs = p;
	pthread_mutex_unlock(&procs_lock);
}

static void cgi_proc_unlink(struct cgi_proc *p)
{
	pthread_mutex_lock(&procs_lock);
	if (p->prev)
		p->prev->next = p->next;
	else
		procs = p->next;
	if (p->next)
		p->next->prev = p->prev;
	pthread_mutex_unlock(&procs_lock);
}

static int cgi_section_start(void **data, char *err, size_t errsz)
{
	struct cgi_conf *cf = calloc(1, sizeof(*cf));

	if (!cf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	gw_conf_init(&cf->gw);
	*data = cf;
	return 0;
}

static int cgi_conf_key(void **data, const struct vhost *vh, const char *key,
			const char *value, char *err, size_t errsz)
{
	struct cgi_conf *cf;
	int rc;

	(void)vh;
	if (!*data && cgi_section_start(data, err, errsz))
		return -1;
	cf = *data;
	rc = gw_conf_key(&cf->gw, key, value, err, errsz);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!strcasecmp(key, "Interpreter")) {
		const char *sp = strpbrk(value, " \t");
		struct cgi_interp *in;

		if (value[0] != '.' || !sp) {
			snprintf(err, errsz, "Interpreter wants '.ext /path/to/program'");
			return -1;
		}
		while (*sp == ' ' || *sp == '\t')
			sp++;
		if (*sp != '/' || access(sp, X_OK)) {
			snprintf(err, errsz, "Interpreter: '%s' is not an executable absolute path",
				 sp);
			return -1;
		}
		in = realloc(cf->interp, (cf->ninterp + 1) * sizeof(*in));
		if (!in)
			return -1;
		cf->interp = in;
		in[cf->ninterp].ext = strndup(value, (size_t)strcspn(value, " \t"));
		in[cf->ninterp].prog = strdup(sp);
		cf->ninterp++;
		/* the extension makes the files scripts too */
		return gw_conf_key(&cf->gw, "Extension",
				   in[cf->ninterp - 1].ext, err, errsz) < 0 ?
		       -1 : 0;
	}
	if (!strcasecmp(key, "User")) {
		struct passwd *pw = getpwnam(value);

		if (!pw) {
			snprintf(err, errsz, "User: no user named '%s'", value);
			return -1;
		}
		cf->set_user = true;
		cf->uid = pw->pw_uid;
		cf->gid = pw->pw_gid;
		return 0;
	}
	snprintf(err, errsz,
		 "unknown key '%s' in [CGI] (known: Prefix, Extension, Interpreter, User, Timeout)",
		 key);
	return -1;
}

static void cgi_conf_free(void *data)
{
	struct cgi_conf *cf = data;

	if (!cf)
		return;
	gw_conf_free(&cf->gw);
	for (size_t i = 0; i < cf->ninterp; i++) {
		free(cf->interp[i].ext);
		free(cf->interp[i].prog);
	}
	free(cf->interp);
	free(cf);
}

/* ---- the process ---- */

static void cgi_fd_close(struct cgi_proc *p, struct evsource *ev)
{
	if (ev->fd < 0)
		return;
	worker_unwatch(p->w, ev);
	close(ev->fd);
	ev->fd = -1;
}

static void cgi_proc_free(void *p)
{
	cgi_proc_unlink(p);
	free(p);
}

/* At exit, after the workers stopped: processes not reaped yet. */
static void cgi_stop(void)
{
	pthread_mutex_lock(&procs_lock);
	while (procs) {
		struct cgi_proc *p = procs;

		procs = p->next;
		if (p->exit.fd >= 0)
			close(p->exit.fd);
		free(p);
	}
	pthread_mutex_unlock(&procs_lock);
}

/* Free once neither the job nor the process needs it. */
static void cgi_proc_maybe_free(struct cgi_proc *p)
{
	if (!p->j && p->reaped)
		worker_defer_free(p->w, p, cgi_proc_free);
}

static void cgi_exit_cb(struct evsource *src, uint32_t events)
{
	struct cgi_proc *p = (struct cgi_proc *)((char *)src -
						 offsetof(struct cgi_proc, exit));
	int status;

	(void)events;
	if (p->reaped)
		return;
	if (waitpid(p->pid, &status, WNOHANG) != p->pid)
		return;
	p->reaped = true;
	cgi_fd_close(p, &p->exit);
	if (p->j && WIFEXITED(status) && WEXITSTATUS(status) == 127)
		log_msg("cgi: pid %d: exec failed (exit 127)", (int)p->pid);
	cgi_proc_maybe_free(p);
}

static void cgi_out_cb(struct evsource *src, uint32_t events)
{
	/* on the stack: only threads that run scripts have these pages */
	char buf[GW_BUF];
	struct cgi_proc *p = (struct cgi_proc *)((char *)src -
						 offsetof(struct cgi_proc, out));

	(void)events;
	while (p->j && p->out.fd >= 0) {
		ssize_t n = read(p->out.fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			/* stdout closed: the response is complete */
			struct gw_job *j = p->j;

			cgi_fd_close(p, &p->out);
			gw_output_end(j);
			return;
		}
		if (!gw_output(p->j, buf, (size_t)n)) {
			if (p->out.fd >= 0)
				worker_watch_mod(p->w, &p->out, 0);
			return;
		}
	}
}

static void cgi_in_cb(struct evsource *src, uint32_t events)
{
	struct cgi_proc *p = (struct cgi_proc *)((char *)src -
						 offsetof(struct cgi_proc, in));

	(void)events;
	if (!p->j || p->in.fd < 0)
		return;
	worker_watch_mod(p->w, &p->in, 0);
	gw_body_ready(p->j);
}

static ssize_t cgi_body(struct gw_job *j, const char *buf, size_t n)
{
	struct cgi_proc *p = j->backend;
	ssize_t w;

	if (p->in.fd < 0)
		return (ssize_t)n;	/* the script closed stdin: drop */
	do
		w = write(p->in.fd, buf, n);
	while (w < 0 && errno == EINTR);
	if (w >= 0)
		return w;
	if (errno == EAGAIN) {
		worker_watch_mod(p->w, &p->in, EPOLLOUT);
		return 0;
	}
	/* EPIPE: the script does not read its body; that is its right */
	cgi_fd_close(p, &p->in);
	return (ssize_t)n;
}

static void cgi_body_end(struct gw_job *j)
{
	struct cgi_proc *p = j->backend;

	cgi_fd_close(p, &p->in);
}

static void cgi_output_ready(struct gw_job *j)
{
	struct cgi_proc *p = j->backend;

	if (p->out.fd >= 0)
		worker_watch_mod(p->w, &p->out, EPOLLIN);
}

static void cgi_release(struct gw_job *j, bool ok)
{
	struct cgi_proc *p = j->backend;

	if (!p)
		return;
	cgi_fd_close(p, &p->in);
	cgi_fd_close(p, &p->out);
	/* not finished normally: the whole group goes (client gone, timeout) */
	if (!ok && !p->reaped)
		kill(-p->pid, SIGKILL);
	p->j = NULL;
	j->backend = NULL;
	cgi_proc_maybe_free(p);
}

static const char *cgi_interpreter(const struct cgi_conf *cf, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < cf->ninterp; i++) {
		size_t el = strlen(cf->interp[i].ext);

		if (len > el && !strcasecmp(name + len - el, cf->interp[i].ext))
			return cf->interp[i].prog;
	}
	return NULL;
}

/* fork + exec the script for j; 0 or the status to answer. */
static int cgi_spawn(struct gw_job *j, const struct gw_conf *gw,
		     const struct gw_script *s, const char *query)
{
	const struct cgi_conf *cf = (const struct cgi_conf *)gw;
	const char *interp = cgi_interpreter(cf, s->name);
	const char *base = strrchr(s->filename, '/') + 1;
	char dir[sizeof(s->filename)];
	char *argv[3];
	struct cgi_env env;
	struct cgi_proc *p;
	char **envp;
	int in[2], out[2];
	pid_t pid;

	if (!interp && !(s->st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return 403;
	if (gw_env(j, s, query, &env))
		return 500;
	envp = cgi_env_vector(&env);
	p = calloc(1, sizeof(*p));
	if (!envp || !p || pipe2(in, O_CLOEXEC)) {
		free(envp);
		free(p);
		cgi_env_free(&env);
		return 500;
	}
	if (pipe2(out, O_CLOEXEC)) {
		close(in[0]);
		close(in[1]);
		free(envp);
		free(p);
		cgi_env_free(&env);
		return 500;
	}
	memcpy(dir, s->filename, (size_t)(base - s->filename));
	dir[base - s->filename] = '\0';
	argv[0] = (char *)(interp ? interp : s->filename);
	argv[1] = interp ? (char *)s->filename : NULL;
	argv[2] = NULL;

	pid = fork();
	if (pid == 0) {
		/* the child: async-signal-safe calls only */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		setpgid(0, 0);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || chdir(dir))
			_exit(127);
		if (cf->set_user && geteuid() == 0 &&
		    (setgroups(0, NULL) || setgid(cf->gid) || setuid(cf->uid)))
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	free(envp);
	cgi_env_free(&env);
	if (pid < 0) {
		close(in[1]);
		close(out[0]);
		free(p);
		return 500;
	}
	/* the parent too, so a kill right after fork finds the group */
	setpgid(pid, pid);
	cgi_proc_link(p);
	p->j = j;
	p->w = j->w;
	p->pid = pid;
	p->in.fd = in[1];
	p->in.cb = cgi_in_cb;
	p->out.fd = out[0];
	p->out.cb = cgi_out_cb;
	p->exit.fd = (int)syscall(SYS_pidfd_open, pid, 0);
	p->exit.cb = cgi_exit_cb;
	fcntl(p->in.fd, F_SETFL, O_NONBLOCK);
	fcntl(p->out.fd, F_SETFL, O_NONBLOCK);
	j->backend = p;
	j->nph = !strncmp(base, "nph-", 4);
	if (p->exit.fd < 0 || worker_watch(p->w, &p->in, 0) ||
	    worker_watch(p->w, &p->out, EPOLLIN) ||
	    worker_watch(p->w, &p->exit, EPOLLIN)) {
		log_msg("cgi: cannot watch the script's pipes: %s",
			strerror(errno));
		kill(-pid, SIGKILL);
		if (p->exit.fd < 0)	/* reap it here, nothing else will */
			waitpid(pid, NULL, 0);
		p->reaped = p->exit.fd < 0;
		return 500;
	}
	return 0;
}

/* A Match rule may route to cgi with no [CGI] section. */
static const struct cgi_conf cgi_defaults = { .gw.timeout = 30 };

static const struct gw_ops cgi_ops = {
	.plugin = &plugin_cgi,
	.defaults = &cgi_defaults.gw,
	.begin = cgi_spawn,
	.body = cgi_body,
	.body_end = cgi_body_end,
	.output_ready = cgi_output_ready,
	.release = cgi_release,
};

static int cgi_on_request(struct conn *c)
{
	return gw_on_request(c, &cgi_ops);
}

static int cgi_handle(struct conn *c)
{
	return gw_handle(c, &cgi_ops);
}

static void cgi_on_close(struct conn *c)
{
	gw_on_close(c, &cgi_ops);
}

const struct khttpd_plugin plugin_cgi = {
	.name = "cgi",
	.section_start = cgi_section_start,
	.conf_key = cgi_conf_key,
	.conf_free = cgi_conf_free,
	.stop = cgi_stop,
	.on_request = cgi_on_request,
	.handle = cgi_handle,
	.handle_reads_body = true,
	.on_close = cgi_on_close,
};
