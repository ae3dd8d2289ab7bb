// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cgi: CGI/1.1 scripts (RFC 3875).
 *   [CGI]
 *       Prefix      /cgi-bin/          every file below is a script
 *       Extension   .cgi               files ending so are scripts
 *       Interpreter .php /usr/bin/php-cgi   run the script with a program
 *       User        nobody             must be [SERVER] User: scripts run as it
 *       Timeout     30                 seconds of script silence -> 504
 *       MaxProcesses 64                scripts at once, daemon-wide -> 503
 * A site's "Match <regex> cgi" in [HANDLERS] routes more paths here (the
 * script is the leading part of the path that names a file); without any
 * [CGI] section those run with the defaults.
 * The script runs in its own process group with the meta-variables as its
 * environment; the request body is streamed to its stdin through a
 * non-blocking pipe and its stdout to the client as it comes. A script
 * named nph-* writes the whole response itself. The process group is
 * killed when the client goes away or the script times out. MaxProcesses
 * (main file only: it bounds the whole daemon) keeps a flood of slow
 * scripts from forking without end.
 * The plugin's config and hooks; the processes are gateway/cgi_process.c,
 * the client side gateway/gateway.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "gateway/cgi_process.h"
#include "gateway/gateway.h"
#include "core/khttpdd.h"

extern const struct khttpd_plugin plugin_cgi;

#define CGI_MAX_PROCESSES 64		/* MaxProcesses by default */
#define CGI_MAX_PROCESSES_TOP 65536

struct cgi_interp {
	char *ext;
	char *prog;
};

struct cgi_conf {
	struct gw_conf gw;		/* first: gateway.c sees this part */
	struct cgi_interp *interp;
	size_t ninterp;
	bool user_set;			/* User: a check, scripts run as the daemon */
	uid_t user_uid;
	unsigned max_procs;		/* MaxProcesses: main file's only */
};

static int cgi_section_start(void **data, char *err, size_t errsz)
{
	struct cgi_conf *cf = calloc(1, sizeof(*cf));

	if (!cf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	gw_conf_init(&cf->gw);
	cf->max_procs = CGI_MAX_PROCESSES;
	*data = cf;
	return 0;
}

/* MaxProcesses: 1..CGI_MAX_PROCESSES_TOP, in the main file. */
static int cgi_max_procs_key(struct cgi_conf *cf, const struct vhost *vh,
			     const char *value, char *err, size_t errsz)
{
	char *end;
	long n;

	if (vh) {
		snprintf(err, errsz, "MaxProcesses bounds the whole daemon: set it in the main file's [CGI]");
		return -1;
	}
	errno = 0;
	n = strtol(value, &end, 10);
	if (errno || *end || end == value || n < 1 || n > CGI_MAX_PROCESSES_TOP) {
		snprintf(err, errsz, "MaxProcesses: 1..%d scripts, not '%s'",
			 CGI_MAX_PROCESSES_TOP, value);
		return -1;
	}
	cf->max_procs = (unsigned)n;
	return 0;
}

static int cgi_conf_key(void **data, const struct vhost *vh, const char *key,
			const char *value, char *err, size_t errsz)
{
	struct cgi_conf *cf;
	int rc;

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
	if (!strcasecmp(key, "MaxProcesses"))
		return cgi_max_procs_key(cf, vh, value, err, errsz);
	if (!strcasecmp(key, "User")) {
		struct passwd pw, *res = NULL;
		char buf[16384];

		if (getpwnam_r(value, &pw, buf, sizeof(buf), &res) || !res) {
			snprintf(err, errsz, "User: no user named '%s'", value);
			return -1;
		}
		cf->user_set = true;
		cf->user_uid = res->pw_uid;
		return 0;
	}
	snprintf(err, errsz,
		 "unknown key '%s' in [CGI] (known: Prefix, Extension, Interpreter, User, Timeout, MaxProcesses)",
		 key);
	return -1;
}

/*
 * The daemon gave up root and every way to switch users at start
 * (core/privs.c): scripts can only run as its User.
 */
static int cgi_conf_done(void *data, const struct config *cfg,
			 const struct vhost *vh, char *err, size_t errsz)
{
	const struct cgi_conf *cf = data;

	(void)vh;
	if (cf && cf->user_set && cf->user_uid != cfg->uid) {
		snprintf(err, errsz, "User (uid %u) is not [SERVER] User %s (uid %u): scripts run as the daemon's user, which keeps no power to switch; set [SERVER] User instead",
			 (unsigned)cf->user_uid, cfg->user, (unsigned)cfg->uid);
		return -1;
	}
	return 0;
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

/* A Match rule may route to cgi with no [CGI] section. */
static const struct cgi_conf cgi_defaults = {
	.gw.timeout = 30, .max_procs = CGI_MAX_PROCESSES,
};

/*
 * Run the script with the interpreter of its extension, within the main
 * file's MaxProcesses.
 */
static int cgi_begin(struct gw_job *j, const struct gw_conf *gw,
		     const struct gw_script *s)
{
	const struct cgi_conf *cf = (const struct cgi_conf *)gw;
	const struct cgi_conf *main_cf = conn_global_data(j->c, &plugin_cgi);

	if (!main_cf)
		main_cf = &cgi_defaults;
	return cgi_process_start(j, s, cgi_interpreter(cf, s->name),
				 main_cf->max_procs);
}

static const struct gw_ops cgi_ops = {
	.plugin = &plugin_cgi,
	.defaults = &cgi_defaults.gw,
	.begin = cgi_begin,
	.body = cgi_process_body,
	.body_end = cgi_process_body_end,
	.output_ready = cgi_process_output_ready,
	.release = cgi_process_release,
};

GW_HOOKS(cgi, cgi_ops)

const struct khttpd_plugin plugin_cgi = {
	.name = "cgi",
	.section_start = cgi_section_start,
	.conf_key = cgi_conf_key,
	.conf_done = cgi_conf_done,
	.conf_free = cgi_conf_free,
	.stop = cgi_processes_free,
	GW_HOOK_FIELDS(cgi),
};
