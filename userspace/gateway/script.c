// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Scripts of the gateway plugins: which paths are scripts (Prefix,
 * Extension, or a vhost's Match rule), the file that is the script and
 * the PATH_INFO after it, the keys every gateway section has, and the
 * CGI meta-variables of a request.
 */
#define _GNU_SOURCE
#include "job.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

static int gw_list_add(char ***list, size_t *n, const char *v)
{
	char **l = realloc(*list, (*n + 1) * sizeof(**list));

	if (!l)
		return -1;
	*list = l;
	l[*n] = strdup(v);
	if (!l[*n])
		return -1;
	(*n)++;
	return 0;
}

/* A rules key of a config section: 1 taken, 0 not a rules key, -1 bad. */
static int gw_rules_key(struct gw_rules *r, const char *key, const char *value,
		 char *err, size_t errsz)
{
	if (!strcasecmp(key, "Prefix")) {
		size_t len = strlen(value);

		if (value[0] != '/' || value[len - 1] != '/') {
			snprintf(err, errsz, "Prefix '%s' must start and end with '/'",
				 value);
			return -1;
		}
		return gw_list_add(&r->prefix, &r->nprefix, value) ? -1 : 1;
	}
	if (!strcasecmp(key, "Extension")) {
		if (value[0] != '.' || !value[1] || strchr(value, '/')) {
			snprintf(err, errsz, "Extension '%s' must look like .cgi",
				 value);
			return -1;
		}
		return gw_list_add(&r->ext, &r->next, value) ? -1 : 1;
	}
	return 0;
}

static void gw_rules_free(struct gw_rules *r)
{
	for (size_t i = 0; i < r->nprefix; i++)
		free(r->prefix[i]);
	for (size_t i = 0; i < r->next; i++)
		free(r->ext[i]);
	free(r->prefix);
	free(r->ext);
	memset(r, 0, sizeof(*r));
}

/* Whether p[0..len) names a script under the Prefix/Extension rules r. */
static bool gw_rules_cover(const struct gw_rules *r, const char *p, size_t len)
{
	for (size_t i = 0; i < r->nprefix; i++) {
		size_t pl = strlen(r->prefix[i]);

		if (len > pl && !strncmp(p, r->prefix[i], pl))
			return true;
	}
	for (size_t i = 0; i < r->next; i++) {
		size_t el = strlen(r->ext[i]);

		if (len > el && !strncasecmp(p + len - el, r->ext[i], el))
			return true;
	}
	return false;
}

/*
 * Whether the candidate script name (a leading part of the path) may be
 * the plugin's script: under its rules r, or with r NULL, one the vhost's
 * Match rules route to the plugin by itself. So for "Match \.php$"
 * /up/a.jpg/x.php never runs a.jpg: the .php alone was selected.
 */
static bool gw_script_covered(const struct conn *c, const struct gw_ops *ops,
			      const struct gw_rules *r, const char *name,
			      size_t len)
{
	if (r)
		return gw_rules_cover(r, name, len);
	return vhost_handler(c->vhost, name) == ops->plugin;
}

/*
 * Find the script for the normalized path under r (RFC 3875 4.1.13: the
 * leading part that names a file, the rest is PATH_INFO; r NULL: a leading
 * part the Match rules give the plugin). Returns 1 with s filled, 0 when
 * the path is not under r, or the status to answer (403, 404: also when
 * the first file on the path is not one the rules select). Hidden names
 * never get here (http_route()). Lookups stay beneath the docroot
 * (RESOLVE_BENEATH).
 */
static int gw_script_find(const struct conn *c, const struct gw_ops *ops,
			  const struct gw_rules *r, const char *path,
			  struct gw_script *s)
{
	size_t len = strlen(path);

	if (len >= sizeof(s->name))
		return 414;
	for (size_t i = 1; i <= len; i++) {
		int fd;

		if (i < len && path[i] != '/')
			continue;
		memcpy(s->name, path, i);
		s->name[i] = '\0';
		if (!gw_script_covered(c, ops, r, s->name, i))
			continue;
		fd = static_open(c->vhost->docroot_fd, s->name + 1);
		if (fd < 0)
			return fd == -ENOENT || fd == -ENOTDIR ? 404 : 403;
		if (fstat(fd, &s->st)) {
			close(fd);
			return 403;
		}
		close(fd);
		if (S_ISDIR(s->st.st_mode))
			continue;
		if (!S_ISREG(s->st.st_mode))
			return 403;
		if (!realpath(c->vhost->docroot, s->docroot))
			return 500;
		snprintf(s->filename, sizeof(s->filename), "%s%s", s->docroot,
			 s->name);
		s->path_info = path + i;
		return 1;
	}
	return 0;
}

void gw_conf_init(struct gw_conf *cf)
{
	cf->timeout = 30;
}

int gw_conf_key(struct gw_conf *cf, const char *key, const char *value,
		char *err, size_t errsz)
{
	char *end;
	unsigned long t;

	if (strcasecmp(key, "Timeout"))
		return gw_rules_key(&cf->rules, key, value, err, errsz);
	t = strtoul(value, &end, 10);
	if (*end || !*value || !t || t > 86400) {
		snprintf(err, errsz, "Timeout: 1..86400 seconds, not '%s'", value);
		return -1;
	}
	cf->timeout = (unsigned)t;
	return 1;
}

void gw_conf_free(struct gw_conf *cf)
{
	gw_rules_free(&cf->rules);
}

/* The vhost's section, the main file's, or the plugin's defaults. */
static const struct gw_conf *gw_conf_of(const struct conn *c,
					const struct gw_ops *ops)
{
	const struct gw_conf *cf = conn_vhost_data(c, ops->plugin);

	if (!cf)
		cf = conn_global_data(c, ops->plugin);
	return cf ? cf : ops->defaults;
}

int gw_script_of(const struct conn *c, const struct gw_ops *ops,
			bool routed, const char *path, struct gw_script *s,
			const struct gw_conf **cfp)
{
	const struct gw_conf *cf = gw_conf_of(c, ops);

	*cfp = cf;
	if (!cf) {
		if (routed)
			log_msg("%s: a Match rule routes %s here, but no [%s] section configures it",
				ops->plugin->name, path, ops->plugin->name);
		return routed ? 500 : 0;
	}
	return gw_script_find(c, ops, routed ? NULL : &cf->rules, path, s);
}

int gw_env(const struct gw_job *j, const struct gw_script *s,
	   struct cgi_env *env)
{
	const struct conn *c = j->c;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	char raddr[INET6_ADDRSTRLEN], laddr[INET6_ADDRSTRLEN] = "";
	unsigned lport = 0, rport;
	struct cgi_request r = {
		.head = c->buf, .req = &c->req,
		.script_name = s->name, .script_filename = s->filename,
		.path_info = s->path_info, .document_root = s->docroot,
		.remote_addr = raddr, .server_addr = laddr,
		.remote_user = c->remote_user,
		.auth_type = c->remote_user ? "Basic" : NULL,
		.https = c->ssl != NULL,
		.ssl_protocol = tls_version(c), .ssl_cipher = tls_cipher(c),
		.content_length = j->spooled ? (long long)j->spool_len :
				  (c->req.flags & KHTTP_F_CHUNKED) ? -1 :
				  (long long)c->req.content_length,
	};

	if (conn_peer_format(c, raddr, sizeof(raddr)))
		strcpy(raddr, "0.0.0.0");
	rport = ntohs(c->peer.sa.sa_family == AF_INET6 ? c->peer.in6.sin6_port :
		      c->peer.in.sin_port);
	r.remote_port = rport;
	if (!getsockname(c->ev.fd, (struct sockaddr *)&local, &llen)) {
		const struct sockaddr_in6 *l6 = (const void *)&local;
		const struct sockaddr_in *l4 = (const void *)&local;

		if (local.ss_family == AF_INET6 &&
		    IN6_IS_ADDR_V4MAPPED(&l6->sin6_addr))
			inet_ntop(AF_INET, &l6->sin6_addr.s6_addr[12], laddr,
				  sizeof(laddr));
		else if (local.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &l6->sin6_addr, laddr, sizeof(laddr));
		else
			inet_ntop(AF_INET, &l4->sin_addr, laddr, sizeof(laddr));
		lport = ntohs(local.ss_family == AF_INET6 ? l6->sin6_port :
			      l4->sin_port);
	}
	r.server_port = lport;
	return cgi_env_build(env, &r);
}
