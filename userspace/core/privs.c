// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The privilege drop (see privs.h): what the daemon gives up once it has
 * opened everything that needs root, and what a CGI child gives up before
 * it runs a script. Raw capset(2) through <linux/capability.h>: no libcap.
 * Every step is checked and then the result is verified, so a drop is
 * never half applied: the caller exits on any error.
 */
#define _GNU_SOURCE
#include "privs.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "khttpdd.h"

struct caps {
	privs_caps eff, prm, inh;
};

static int caps_get(struct caps *c)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = { { 0 } };	/* valgrind: unknown syscall output */

	if (syscall(SYS_capget, &h, d))
		return -1;
	c->eff = d[0].effective | (privs_caps)d[1].effective << 32;
	c->prm = d[0].permitted | (privs_caps)d[1].permitted << 32;
	c->inh = d[0].inheritable | (privs_caps)d[1].inheritable << 32;
	return 0;
}

/* Effective = permitted = keep, inheritable none. Async-signal-safe. */
static int caps_set(privs_caps keep)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {
		{ .effective = (uint32_t)keep, .permitted = (uint32_t)keep },
		{ .effective = (uint32_t)(keep >> 32),
		  .permitted = (uint32_t)(keep >> 32) },
	};

	return (int)syscall(SYS_capset, &h, d);
}

__attribute__((format(printf, 3, 4)))
static int fail(char *err, size_t errsz, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err, errsz, fmt, ap);
	va_end(ap);
	if (errno && n >= 0 && (size_t)n < errsz)
		snprintf(err + n, errsz - n, ": %s", strerror(errno));
	return -1;
}

/* Capabilities are per thread: a thread started before would keep them. */
static int threads(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int n = CAP_LAST_CAP;

	if (f) {
		if (fscanf(f, "%d", &n) != 1 || n < 0 || n > 63)
			n = CAP_LAST_CAP;
		fclose(f);
	}
	return n;
}

/* Out of the bounding set: no exec can bring those back. Needs CAP_SETPCAP. */
static int bounding_drop(privs_caps keep, char *err, size_t errsz)
{
	for (int n = 0, last = last_cap(); n <= last; n++) {
		int in;

		errno = 0;
		in = prctl(PR_CAPBSET_READ, n, 0, 0, 0);
		if (in < 0 && errno == EINVAL)
			break;	/* past this kernel's last capability */
		if (keep & PRIVS_CAP(n) || in == 0)
			continue;
		if (prctl(PR_CAPBSET_DROP, n, 0, 0, 0))
			return fail(err, errsz, "dropping capability %d from the bounding set", n);
	}
	return 0;
}

static int seal(privs_caps keep, char *err, size_t errsz)
{
	struct caps c;

	errno = 0;
	if (caps_set(keep))
		return fail(err, errsz, "capset");
	/* EINVAL: a kernel before 4.3 has no ambient set to clear */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return fail(err, errsz, "clearing the ambient capabilities");
	errno = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return fail(err, errsz, "PR_SET_NO_NEW_PRIVS");
	if (caps_get(&c))
		return fail(err, errsz, "capget");
	if (c.eff != keep || c.prm != keep || c.inh)
		return fail(err, errsz, "capabilities are eff %#llx prm %#llx inh %#llx, not %#llx",
			    (unsigned long long)c.eff, (unsigned long long)c.prm,
			    (unsigned long long)c.inh, (unsigned long long)keep);
	return 0;
}

/* Not root: keep who we are, shed what we hold beyond keep. */
static int drop_unprivileged(const struct config *cfg, privs_caps keep,
			     char *err, size_t errsz)
{
	struct caps c;

	errno = 0;
	if (cfg->user_set && cfg->uid != geteuid())
		return fail(err, errsz, "User %s: khttpdd runs as uid %u, not root, and cannot become uid %u (start it as root, or remove User)",
			    cfg->user, (unsigned)geteuid(), (unsigned)cfg->uid);
	if (cfg->group_set && cfg->gid != getegid())
		return fail(err, errsz, "Group: khttpdd runs as gid %u, not root, and cannot become gid %u (start it as root, or remove Group)",
			    (unsigned)getegid(), (unsigned)cfg->gid);
	if (caps_get(&c))
		return fail(err, errsz, "capget");
	keep &= c.prm;
	if ((c.eff & PRIVS_CAP(CAP_SETPCAP)) && bounding_drop(keep, err, errsz))
		return -1;
	return seal(keep, err, errsz);
}

int privs_drop(const struct config *cfg, privs_caps keep, char *err,
	       size_t errsz)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;
	int n = threads();

	errno = 0;
	if (n != 1)
		return fail(err, errsz, "internal: %d threads before the privilege drop (capabilities are per thread)",
			    n);
	if (geteuid() != 0)
		return drop_unprivileged(cfg, keep, err, errsz);
	if (cfg->uid == 0 || cfg->gid == 0)
		return fail(err, errsz, "refusing to keep uid or gid 0");
	if (bounding_drop(keep, err, errsz))
		return -1;
	/* Permitted survives setresuid only so; effective is restored below. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0))
		return fail(err, errsz, "PR_SET_KEEPCAPS");
	if (initgroups(cfg->user, cfg->gid))
		return fail(err, errsz, "initgroups(%s, %u)", cfg->user,
			    (unsigned)cfg->gid);
	/* glibc applies these to every thread; there is only one anyway */
	if (setresgid(cfg->gid, cfg->gid, cfg->gid))
		return fail(err, errsz, "setresgid(%u)", (unsigned)cfg->gid);
	if (setresuid(cfg->uid, cfg->uid, cfg->uid))
		return fail(err, errsz, "setresuid(%u)", (unsigned)cfg->uid);
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0))
		return fail(err, errsz, "PR_SET_KEEPCAPS");
	if (seal(keep, err, errsz))
		return -1;
	errno = 0;
	/* A script running as the same user must not ptrace us or read our fds. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0))
		return fail(err, errsz, "PR_SET_DUMPABLE");
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) ||
	    r != cfg->uid || e != cfg->uid || s != cfg->uid ||
	    rg != cfg->gid || eg != cfg->gid || sg != cfg->gid)
		return fail(err, errsz, "the ids did not all change to %u:%u",
			    (unsigned)cfg->uid, (unsigned)cfg->gid);
	if (setuid(0) == 0 || setgid(0) == 0) {
		errno = 0;
		return fail(err, errsz, "uid or gid 0 can be regained");
	}
	return 0;
}

int privs_child_clear(void)
{
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL)
		return -1;
	return caps_set(0);
}

const char *privs_reload_note(const struct config *running,
			      const struct config *loaded)
{
	if (running->uid != loaded->uid || running->gid != loaded->gid ||
	    running->services_off != loaded->services_off)
		return "reload: User, Group and service switches take effect after a restart";
	return NULL;
}
