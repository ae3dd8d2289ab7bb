// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * CGI scripts as processes (see cgi_process.h): the gateway backend of the
 * cgi plugin, here so that the plugin holds only its config and hooks.
 * fork + exec, the pipes to stdin and from stdout watched in the job's
 * worker, the pidfd that tells when to reap, the kill of the process
 * group when the job ends early, and the daemon-wide count of scripts that
 * MaxProcesses bounds.
 */
#define _GNU_SOURCE
#include "cgi_process.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/privs.h"

/*
 * A script may go on after its response (stdout closed, or after a local
 * redirect) for this long, out of MaxProcesses, then its group is killed.
 */
#define CGI_LINGER_SECONDS 3

/* One script run; outlives its job until the process is reaped. */
struct cgi_proc {
	struct gw_job *j;		/* NULL once the job let go */
	struct worker *w;
	pid_t pid;
	struct evsource in, out, exit;	/* stdin, stdout, pidfd */
	struct evsource linger;		/* timerfd: CGI_LINGER_SECONDS */
	bool reaped;
	bool counted;			/* holds one of the MaxProcesses slots */
	bool orphan;			/* no job, no pidfd: cgi_orphans_reap() */
	struct cgi_proc *prev, *next;	/* live ones, for cgi_processes_free() */
};

/* Every worker's: the records, and how many hold a slot. */
static pthread_mutex_t procs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cgi_proc *procs;
static unsigned procs_counted;

static void cgi_proc_unlink_locked(struct cgi_proc *p)
{
	if (p->counted)
		procs_counted--;
	p->counted = false;
	if (p->prev)
		p->prev->next = p->next;
	else
		procs = p->next;
	if (p->next)
		p->next->prev = p->prev;
}

/*
 * Reap the scripts killed without a pidfd to tell when (their watches
 * failed), never waiting: each holds its slot until then. No event of any
 * worker names them, so they are freed here, by whichever worker.
 */
static void cgi_orphans_reap(void)
{
	struct cgi_proc *p = procs, *next;

	for (; p; p = next) {
		pid_t r;

		next = p->next;
		if (!p->orphan)
			continue;
		r = waitpid(p->pid, NULL, WNOHANG);
		if (r == 0 || (r < 0 && errno != ECHILD))
			continue;	/* not dead yet (or EINTR: next time) */
		cgi_proc_unlink_locked(p);
		free(p);
	}
}

/* List p with a slot: false when max scripts hold one already. */
static bool cgi_proc_link(struct cgi_proc *p, unsigned max)
{
	bool ok;

	pthread_mutex_lock(&procs_lock);
	cgi_orphans_reap();
	ok = procs_counted < max;
	if (ok) {
		procs_counted++;
		p->counted = true;
		p->next = procs;
		if (procs)
			procs->prev = p;
		procs = p;
	}
	pthread_mutex_unlock(&procs_lock);
	return ok;
}

/* Give p's slot back (once). */
static void cgi_proc_uncount(struct cgi_proc *p)
{
	pthread_mutex_lock(&procs_lock);
	if (p->counted)
		procs_counted--;
	p->counted = false;
	pthread_mutex_unlock(&procs_lock);
}

static void cgi_proc_unlink(struct cgi_proc *p)
{
	pthread_mutex_lock(&procs_lock);
	cgi_proc_unlink_locked(p);
	pthread_mutex_unlock(&procs_lock);
}

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

void cgi_processes_free(void)
{
	pthread_mutex_lock(&procs_lock);
	while (procs) {
		struct cgi_proc *p = procs;

		procs = p->next;
		if (p->exit.fd >= 0)
			close(p->exit.fd);
		if (p->linger.fd >= 0)
			close(p->linger.fd);
		free(p);
	}
	pthread_mutex_unlock(&procs_lock);
}

/*
 * Free once neither the job nor the process needs it: the slot goes back
 * now, the memory after the batch.
 */
static void cgi_proc_maybe_free(struct cgi_proc *p)
{
	if (p->j)
		return;
	if (p->reaped) {
		cgi_proc_uncount(p);
		worker_defer_free(p->w, p, cgi_proc_free);
	} else if (p->exit.fd < 0) {
		/* never watched: the next start reaps it (cgi_orphans_reap) */
		pthread_mutex_lock(&procs_lock);
		p->orphan = true;
		pthread_mutex_unlock(&procs_lock);
	}
}

static void cgi_exit_cb(struct evsource *src, uint32_t events)
{
	struct cgi_proc *p = (struct cgi_proc *)((char *)src -
						 offsetof(struct cgi_proc, exit));
	int status;

	(void)events;
	if (p->reaped)
		return;
	/*
	 * The leader is a zombie: its pid cannot be reused yet. Once its
	 * response is over, what it left running in its group goes too.
	 */
	if (!p->j)
		kill(-p->pid, SIGKILL);
	if (waitpid(p->pid, &status, WNOHANG) != p->pid)
		return;
	p->reaped = true;
	cgi_fd_close(p, &p->exit);
	cgi_fd_close(p, &p->linger);
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

ssize_t cgi_process_body(struct gw_job *j, const char *buf, size_t n)
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

void cgi_process_body_end(struct gw_job *j)
{
	struct cgi_proc *p = j->backend;

	cgi_fd_close(p, &p->in);
}

void cgi_process_output_ready(struct gw_job *j)
{
	struct cgi_proc *p = j->backend;

	if (p->out.fd >= 0)
		worker_watch_mod(p->w, &p->out, EPOLLIN);
}

static void cgi_linger_cb(struct evsource *src, uint32_t events)
{
	struct cgi_proc *p = (struct cgi_proc *)((char *)src -
						 offsetof(struct cgi_proc, linger));

	(void)events;
	if (p->reaped || p->linger.fd < 0)
		return;
	log_msg("cgi: pid %d still runs %d s after its response: killed",
		(int)p->pid, CGI_LINGER_SECONDS);
	kill(-p->pid, SIGKILL);
	cgi_fd_close(p, &p->linger);
}

/*
 * The response is complete but the script runs on: its slot goes back
 * now, and it has CGI_LINGER_SECONDS to exit before its group is killed
 * (at once when no timer can be set).
 */
static void cgi_proc_linger(struct cgi_proc *p)
{
	struct itimerspec its = { .it_value.tv_sec = CGI_LINGER_SECONDS };

	cgi_proc_uncount(p);
	p->linger.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	p->linger.cb = cgi_linger_cb;
	if (p->linger.fd < 0 || timerfd_settime(p->linger.fd, 0, &its, NULL) ||
	    worker_watch(p->w, &p->linger, EPOLLIN)) {
		if (p->linger.fd >= 0)
			close(p->linger.fd);
		p->linger.fd = -1;
		kill(-p->pid, SIGKILL);
	}
}

void cgi_process_release(struct gw_job *j, bool ok)
{
	struct cgi_proc *p = j->backend;

	if (!p)
		return;
	cgi_fd_close(p, &p->in);
	cgi_fd_close(p, &p->out);
	/* not finished normally: the whole group goes (client gone, timeout) */
	if (!ok && !p->reaped)
		kill(-p->pid, SIGKILL);
	else if (!p->reaped)
		cgi_proc_linger(p);
	p->j = NULL;
	j->backend = NULL;
	cgi_proc_maybe_free(p);
}

int cgi_process_start(struct gw_job *j, const struct gw_script *s,
		      const char *interp, unsigned max)
{
	const char *base = strrchr(s->filename, '/') + 1;
	char dir[sizeof(s->filename)];
	char *argv[3];
	struct cgi_env env;
	struct cgi_proc *p;
	char **envp = NULL;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 };
	pid_t pid;

	if (!interp && !(s->st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)))
		return 403;
	p = calloc(1, sizeof(*p));
	if (!p)
		return 500;
	p->exit.fd = -1;	/* listed before its pidfd exists */
	p->linger.fd = -1;
	/* first: a flood over the limit costs no environment, pipe or fork */
	if (!cgi_proc_link(p, max)) {
		free(p);
		j->c->error_note = "cgi: MaxProcesses scripts running";
		return 503;
	}
	if (gw_env(j, s, &env))
		goto fail_unlink;
	envp = cgi_env_vector(&env);
	if (!envp || pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		goto fail;
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
		/*
		 * The daemon's user already (privs.c); not the capabilities it
		 * kept for the bridge. no_new_privs is inherited: setuid bits
		 * and file capabilities of what the script runs stay inert.
		 */
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || chdir(dir) ||
		    privs_child_clear())
			_exit(127);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	if (pid < 0)
		goto fail;
	close(in[0]);
	close(out[1]);
	free(envp);
	cgi_env_free(&env);
	/* the parent too, so a kill right after fork finds the group */
	setpgid(pid, pid);
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
		/*
		 * Killed, not waited for: the worker serves others meanwhile (a
		 * script in uninterruptible sleep can take its time to die).
		 * It keeps its slot until a later start reaps it.
		 */
		kill(-pid, SIGKILL);
		cgi_fd_close(p, &p->exit);
		return 500;
	}
	return 0;

fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
	}
	free(envp);
	cgi_env_free(&env);
fail_unlink:
	cgi_proc_unlink(p);
	free(p);
	return 500;
}
