// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Reading the configuration, Monkey-style: "[SECTION]" headers at column
 * 0, indented "Key value" lines, '#' comments. A directory holds
 * khttpd.conf and one file per virtual host under sites/. Every error
 * names file:line. Then the command line's overrides.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_file.h"
#include "khttpdd.h"
#include "service.h"

struct cfg_parse {
	struct config *cfg;
	const char *file;
	unsigned line;
	char *err;
	size_t errsz;
	gid_t user_gid;		/* User's primary group: Group's default */
};

/* The message after the prefix (n bytes) already in p->err. */
__attribute__((format(printf, 3, 0)))
static void fail_message(struct cfg_parse *p, int n, const char *fmt,
			 va_list ap)
{
	if (n >= 0 && (size_t)n < p->errsz)
		vsnprintf(p->err + n, p->errsz - n, fmt, ap);
}

__attribute__((format(printf, 2, 3)))
static int fail(struct cfg_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_message(p, snprintf(p->err, p->errsz, "%s:%u: ", p->file, p->line),
		     fmt, ap);
	va_end(ap);
	return -1;
}

static void *xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n ? n : 1, sz);

	if (!p) {
		log_msg("out of memory");
		abort();
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		log_msg("out of memory");
		abort();
	}
	return d;
}

/* Grow *arr (of *n elements of sz bytes) by one zeroed element. */
static void *push(void *arr, size_t *n, size_t sz)
{
	char *a = realloc(arr, (*n + 1) * sz);

	if (!a) {
		log_msg("out of memory");
		abort();
	}
	memset(a + *n * sz, 0, sz);
	(*n)++;
	return a;
}

static int parse_uint(struct cfg_parse *p, const char *key, const char *v,
		      int base, unsigned long min, unsigned long max,
		      unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, base);
	if (!*v || *end || errno || n < min || n > max || *v == '-')
		return fail(p, "%s: '%s' is not a number in %lu..%lu", key, v,
			    min, max);
	*out = (unsigned)n;
	return 0;
}

static int parse_listen(struct cfg_parse *p, const char *v,
			struct listen_addr *la)
{
	const char *port = v, *colon;
	char addr[128];
	unsigned n;

	memset(la, 0, sizeof(*la));
	/* "[addr:]port [tls]" */
	n = (unsigned)strcspn(v, " \t");
	if (v[n]) {
		const char *opt = v + n + strspn(v + n, " \t");

		if (strcasecmp(opt, "tls"))
			return fail(p, "Listen %s: expected '[addr:]port' or '[addr:]port tls', got '%s' after the port",
				    v, opt);
		if (!tls_compiled)
			return fail(p, "Listen %s: TLS support is not compiled in (khttpdd was built with TLS=0)",
				    v);
		if (n >= sizeof(addr))
			return fail(p, "Listen: address too long in '%s'", v);
		memcpy(addr, v, n);
		addr[n] = '\0';
		v = port = addr;
		la->tls = true;
		if (!p->cfg->tls.listen_at &&
		    asprintf(&p->cfg->tls.listen_at, "%s:%u", p->file, p->line) < 0)
			abort();
	}
	if (*v == '[') {
		const char *close = strchr(v, ']');

		if (!close || close[1] != ':' ||
		    (size_t)(close - v - 1) >= sizeof(la->host))
			return fail(p, "Listen: expected [v6addr]:port, got '%s'",
				    v);
		memcpy(la->host, v + 1, close - v - 1);
		port = close + 2;
	} else if ((colon = strrchr(v, ':'))) {
		if ((size_t)(colon - v) >= sizeof(la->host) || strchr(v, ':') != colon)
			return fail(p, "Listen: bad address '%s' (IPv6 needs [brackets])",
				    v);
		memcpy(la->host, v, colon - v);
		port = colon + 1;
	}
	if (parse_uint(p, "Listen port", port, 10, 0, 65535, &n))
		return -1;
	snprintf(la->port, sizeof(la->port), "%u", n);
	return 0;
}

/* parse_uint for a parser limit (the bounds keep it within 16 bits). */
static int parse_u16(struct cfg_parse *p, const char *key, const char *v,
		     unsigned long min, unsigned long max, u16 *out)
{
	unsigned n;

	if (parse_uint(p, key, v, 10, min, max, &n))
		return -1;
	*out = (u16)n;
	return 0;
}

static const char *const server_keys_help =
	"Listen, Workers, Balance, KeepAliveTimeout, KeepAliveMax, "
	"HeaderTimeout, BodyTimeout, SendTimeout, DrainTimeout, RequestMax, "
	"RequestLineMax, HeadMax, FieldsMax, FileCacheEntries, FileCacheValid, "
	"PermRequired, "
	"PermForbid, Index, ControlSocket, ControlMode, User, Group";

/* The [SERVER] keys that set one unsigned field of struct config. */
static const struct {
	const char *key;
	int base;
	unsigned long min, max;
	size_t off;
} server_uints[] = {
	{ "Workers", 10, 0, 256, offsetof(struct config, workers) },
	{ "KeepAliveTimeout", 10, 1, 3600,
	  offsetof(struct config, keepalive_timeout) },
	{ "KeepAliveMax", 10, 1, 1000000,
	  offsetof(struct config, keepalive_max) },
	{ "HeaderTimeout", 10, 1, 3600, offsetof(struct config, header_timeout) },
	{ "BodyTimeout", 10, 1, 3600, offsetof(struct config, body_timeout) },
	{ "SendTimeout", 10, 1, 3600, offsetof(struct config, send_timeout) },
	{ "DrainTimeout", 10, 0, 3600, offsetof(struct config, drain_timeout) },
	{ "RequestMax", 10, 1024, 1u << 30,
	  offsetof(struct config, request_max) },
	{ "FileCacheEntries", 10, 0, 100000,
	  offsetof(struct config, fdcache_entries) },
	{ "FileCacheValid", 10, 0, 3600, offsetof(struct config, fdcache_valid) },
	{ "PermRequired", 8, 0, 07777, offsetof(struct config, perm_required) },
	{ "PermForbid", 8, 0, 07777, offsetof(struct config, perm_forbid) },
};

/* User: a name the system knows, never root. */
static int user_key(struct cfg_parse *p, const char *v)
{
	struct passwd pw, *res = NULL;
	char buf[16384];
	int rc = getpwnam_r(v, &pw, buf, sizeof(buf), &res);

	if (rc || !res)
		return fail(p, "User: no user named '%s'%s%s", v, rc ? ": " : "",
			    rc ? strerror(rc) : "");
	if (res->pw_uid == 0)
		return fail(p, "User %s: khttpdd does not serve as uid 0; name an unprivileged user",
			    v);
	free(p->cfg->user);
	p->cfg->user = xstrdup(v);
	p->cfg->uid = res->pw_uid;
	p->cfg->user_set = true;
	p->user_gid = res->pw_gid;
	return 0;
}

static int group_key(struct cfg_parse *p, const char *v)
{
	struct group gr, *res = NULL;
	char buf[16384];
	int rc = getgrnam_r(v, &gr, buf, sizeof(buf), &res);

	if (rc || !res)
		return fail(p, "Group: no group named '%s'%s%s", v, rc ? ": " : "",
			    rc ? strerror(rc) : "");
	if (res->gr_gid == 0)
		return fail(p, "Group %s: khttpdd does not serve as gid 0; name an unprivileged group",
			    v);
	p->cfg->gid = res->gr_gid;
	p->cfg->group_set = true;
	return 0;
}

/* "<service key> on|off", e.g. "Bridge off": the service is not started. */
static int service_key(struct cfg_parse *p, size_t i, const char *v)
{
	if (!strcasecmp(v, "on"))
		p->cfg->services_off &= ~(1u << i);
	else if (!strcasecmp(v, "off"))
		p->cfg->services_off |= 1u << i;
	else
		return fail(p, "%s: expected on or off, got '%s'",
			    khttpd_services[i]->conf_key, v);
	return 0;
}

/* ", Bridge" for the compiled-in services' keys. */
static const char *services_keys_help(void)
{
	static char buf[128];
	size_t n = 0;

	for (size_t i = 0; i < khttpd_nservices && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ", %s",
				      khttpd_services[i]->conf_key);
	return buf;
}

static int server_key(struct cfg_parse *p, const char *k, const char *v)
{
	struct config *c = p->cfg;

	for (size_t i = 0; i < sizeof(server_uints) / sizeof(*server_uints); i++)
		if (!strcasecmp(k, server_uints[i].key))
			return parse_uint(p, k, v, server_uints[i].base,
					  server_uints[i].min, server_uints[i].max,
					  (unsigned *)((char *)c + server_uints[i].off));
	if (!strcasecmp(k, "Listen")) {
		c->listen = push(c->listen, &c->nlisten, sizeof(*c->listen));
		return parse_listen(p, v, &c->listen[c->nlisten - 1]);
	}
	if (!strcasecmp(k, "Balance")) {
		if (!strcasecmp(v, "reuseport"))
			c->reuseport = true;
		else if (!strcasecmp(v, "leastconn"))
			c->reuseport = false;
		else
			return fail(p, "Balance: expected leastconn or reuseport, got '%s'",
				    v);
		return 0;
	}
	if (!strcasecmp(k, "RequestLineMax"))
		return parse_u16(p, k, v, 64, KHTTP_HEAD_CEILING, &c->limits.line_max);
	if (!strcasecmp(k, "HeadMax"))
		return parse_u16(p, k, v, 256, KHTTP_HEAD_CEILING, &c->limits.head_max);
	if (!strcasecmp(k, "FieldsMax"))
		return parse_u16(p, k, v, 1, 1000, &c->limits.fields_max);
	if (!strcasecmp(k, "Index")) {
		char *dup = xstrdup(v), *save, *tok;

		for (size_t i = 0; i < c->nindexes; i++)
			free(c->indexes[i]);
		free(c->indexes);
		c->indexes = NULL;
		c->nindexes = 0;
		for (tok = strtok_r(dup, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			if (strchr(tok, '/')) {
				int rc = fail(p, "Index: '%s' must be a file name", tok);

				free(dup);
				return rc;
			}
			c->indexes = push(c->indexes, &c->nindexes, sizeof(char *));
			c->indexes[c->nindexes - 1] = xstrdup(tok);
		}
		free(dup);
		return 0;
	}
	if (!strcasecmp(k, "ControlSocket")) {
		free(c->control_socket);
		c->control_socket = strcasecmp(v, "off") ? xstrdup(v) : NULL;
		return 0;
	}
	if (!strcasecmp(k, "ControlMode"))
		return parse_uint(p, k, v, 8, 0, 0777, &c->control_mode);
	if (!strcasecmp(k, "User"))
		return user_key(p, v);
	if (!strcasecmp(k, "Group"))
		return group_key(p, v);
	for (size_t i = 0; i < khttpd_nservices; i++)
		if (!strcasecmp(k, khttpd_services[i]->conf_key))
			return service_key(p, i, v);
	return fail(p, "unknown key '%s' in [SERVER] (known: %s%s)", k,
		    server_keys_help, services_keys_help());
}

static int plugins_key(struct cfg_parse *p, const char *k, const char *v)
{
	struct config *c = p->cfg;
	const struct khttpd_plugin *pl, *before;

	if (strcasecmp(k, "Load"))
		return fail(p, "unknown key '%s' in [PLUGINS] (known: Load)", k);
	pl = plugin_find(v);
	if (!pl)
		return fail(p, "Load: no plugin named '%s' is compiled in", v);
	if (config_loads(c, pl))
		return fail(p, "Load: plugin '%s' is already loaded", v);
	before = plugin_must_follow(c->plugins, c->nplugins, pl);
	if (before)	/* its answers would bypass pl's refusals */
		return fail(p, "plugin %s must be loaded before %s", pl->name,
			    before->name);
	c->plugins[c->nplugins++] = pl;
	return 0;
}

static int mime_key(struct cfg_parse *p, const char *k, const char *v)
{
	struct config *c = p->cfg;
	char ext[64], type[128];
	struct mime_type *m;

	if (strcasecmp(k, "AddType"))
		return fail(p, "unknown key '%s' in [MIME] (known: AddType)", k);
	if (sscanf(v, "%63s %127s", ext, type) != 2 || !strchr(type, '/'))
		return fail(p, "AddType: expected '<ext> <type/subtype>', got '%s'",
			    v);
	c->mimes = push(c->mimes, &c->nmimes, sizeof(*c->mimes));
	m = &c->mimes[c->nmimes - 1];
	m->ext = xstrdup(ext[0] == '.' ? ext + 1 : ext);
	m->type = xstrdup(type);
	return 0;
}

static int host_key(struct cfg_parse *p, struct vhost *vh, const char *k,
		    const char *v)
{
	if (!strcasecmp(k, "ServerName")) {
		char *dup = xstrdup(v), *save, *tok;

		for (tok = strtok_r(dup, " \t", &save); tok;
		     tok = strtok_r(NULL, " \t", &save)) {
			size_t n = strlen(tok);

			for (char *s = tok; *s; s++)
				*s = tolower((unsigned char)*s);
			if (n > 1 && tok[n - 1] == '.')	/* as the parser's host_name */
				tok[n - 1] = '\0';
			vh->names = push(vh->names, &vh->nnames, sizeof(char *));
			vh->names[vh->nnames - 1] = xstrdup(tok);
		}
		free(dup);
		return 0;
	}
	if (!strcasecmp(k, "DocumentRoot")) {
		int fd = open(v, O_PATH | O_DIRECTORY | O_CLOEXEC);

		if (fd < 0)
			return fail(p, "DocumentRoot %s: %s", v, strerror(errno));
		if (vh->docroot_fd >= 0)
			close(vh->docroot_fd);
		free(vh->docroot);
		vh->docroot = xstrdup(v);
		vh->docroot_fd = fd;
		return 0;
	}
	return fail(p, "unknown key '%s' in [HOST] (known: ServerName, DocumentRoot)",
		    k);
}

static int error_page_key(struct cfg_parse *p, struct vhost *vh,
			  const char *k, const char *v)
{
	unsigned status;

	if (parse_uint(p, "error page status", k, 10, 400, 599, &status))
		return -1;
	if (v[0] != '/')
		return fail(p, "error page for %u: '%s' must be a path starting with /",
			    status, v);
	vh->errpages = push(vh->errpages, &vh->nerrpages, sizeof(*vh->errpages));
	vh->errpages[vh->nerrpages - 1].status = (int)status;
	vh->errpages[vh->nerrpages - 1].path = xstrdup(v);
	return 0;
}

static int handler_key(struct cfg_parse *p, struct vhost *vh, const char *k,
		       const char *v)
{
	char pattern[1024], name[64];
	const struct khttpd_plugin *pl;
	struct handler_rule *r;
	int rc;

	if (strcasecmp(k, "Match"))
		return fail(p, "unknown key '%s' in [HANDLERS] (known: Match)", k);
	if (sscanf(v, "%1023s %63s", pattern, name) != 2)
		return fail(p, "Match: expected '<regex> <plugin>', got '%s'", v);
	pl = plugin_find(name);
	if (!pl || !config_loads(p->cfg, pl))
		return fail(p, "Match: plugin '%s' is not loaded", name);
	if (!pl->handle)
		return fail(p, "Match: plugin '%s' is not a content handler", name);
	vh->rules = push(vh->rules, &vh->nrules, sizeof(*vh->rules));
	r = &vh->rules[vh->nrules - 1];
	rc = regcomp(&r->re, pattern, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		char msg[128];

		regerror(rc, &r->re, msg, sizeof(msg));
		vh->nrules--;
		return fail(p, "Match: bad regex '%s': %s", pattern, msg);
	}
	r->pattern = xstrdup(pattern);
	r->plugin = pl;
	return 0;
}

static int on_off(struct cfg_parse *p, const char *k, const char *v, bool *out)
{
	if (!strcasecmp(v, "on"))
		*out = true;
	else if (!strcasecmp(v, "off"))
		*out = false;
	else
		return fail(p, "%s: expected on or off, got '%s'", k, v);
	return 0;
}

static int set_path(struct cfg_parse *p, char **path, unsigned *line,
		    const char *v)
{
	free(*path);
	*path = xstrdup(v);
	*line = p->line;
	return 0;
}

/*
 * [TLS]: a certificate and key in a site file (SNI selects it); in the
 * main file the default certificate and the daemon-wide settings. The
 * files are read by tls_load() once the whole config is known.
 */
static int tls_key(struct cfg_parse *p, struct vhost *vh, const char *k,
		   const char *v)
{
	struct tls_conf *t = &p->cfg->tls;
	struct tls_cert *tc = vh ? &vh->tls : &t->cert;

	if (!vh && !t->file)
		t->file = xstrdup(p->file);
	tc->file = vh ? vh->file : t->file;
	if (!strcasecmp(k, "Certificate"))
		return set_path(p, &tc->cert, &tc->cert_line, v);
	if (!strcasecmp(k, "CertificateKey"))
		return set_path(p, &tc->key, &tc->key_line, v);
	if (vh)
		return fail(p, "unknown key '%s' in a site's [TLS] (known: Certificate, CertificateKey)",
			    k);
	if (!strcasecmp(k, "HandshakeTimeout"))
		return parse_uint(p, k, v, 10, 1, 3600, &t->handshake_timeout);
	if (!strcasecmp(k, "HandshakeMax"))
		return parse_uint(p, k, v, 10, 1, 1000000, &t->handshake_max);
	if (!strcasecmp(k, "HSTS"))
		return parse_uint(p, k, v, 10, 0, 63072000, &t->hsts);
	if (!strcasecmp(k, "RedirectHTTP"))
		return on_off(p, k, v, &t->redirect_http);
	if (!strcasecmp(k, "KTLS"))
		return on_off(p, k, v, &t->ktls);
	return fail(p, "unknown key '%s' in [TLS] (known: Certificate, CertificateKey, HandshakeTimeout, HandshakeMax, HSTS, RedirectHTTP, KTLS)",
		    k);
}

enum section {
	SEC_NONE, SEC_SERVER, SEC_PLUGINS, SEC_MIME, SEC_HOST, SEC_ERRPAGES,
	SEC_HANDLERS, SEC_PLUGIN, SEC_TLS,
};

static void vhost_init(struct vhost *vh, const char *file)
{
	memset(vh, 0, sizeof(*vh));
	vh->docroot_fd = -1;
	vh->file = xstrdup(file);
	vh->plugin_data = xcalloc(khttpd_nplugins, sizeof(*vh->plugin_data));
}

/* Parse one file; vh is NULL for the main file. */
static int parse_file(struct cfg_parse *p, const char *file, struct vhost *vh)
{
	FILE *f = fopen(file, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	enum section sec = SEC_NONE;
	const struct khttpd_plugin *pl = NULL;
	void **pdata = NULL;
	int rc = 0;

	p->file = file;
	p->line = 0;
	if (!f)
		return fail(p, "cannot open: %s", strerror(errno));
	while (rc == 0 && (n = getline(&line, &cap, f)) >= 0) {
		char *s = line, *key, *val, *e;

		p->line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		if (s == line) {
			char name[32];
			size_t len;

			e = strchr(s, ']');
			if (*s != '[' || !e || e[1]) {
				rc = fail(p, "expected a [SECTION] header or an indented 'Key value' line, got '%s'",
					  s);
				break;
			}
			len = e - s - 1;
			if (!len || len >= sizeof(name)) {
				rc = fail(p, "bad section name '%s'", s);
				break;
			}
			memcpy(name, s + 1, len);
			name[len] = '\0';
			pl = NULL;
			if (!vh && !strcasecmp(name, "SERVER"))
				sec = SEC_SERVER;
			else if (!vh && !strcasecmp(name, "PLUGINS"))
				sec = SEC_PLUGINS;
			else if (!vh && !strcasecmp(name, "MIME"))
				sec = SEC_MIME;
			else if (vh && !strcasecmp(name, "HOST"))
				sec = SEC_HOST;
			else if (vh && !strcasecmp(name, "ERROR_PAGES"))
				sec = SEC_ERRPAGES;
			else if (vh && !strcasecmp(name, "HANDLERS"))
				sec = SEC_HANDLERS;
			else if (!strcasecmp(name, "TLS"))
				sec = SEC_TLS;
			else if ((pl = plugin_find(name))) {
				char err[256] = "";

				if (!config_loads(p->cfg, pl)) {
					rc = fail(p, "section [%s]: plugin '%s' is not loaded (add 'Load %s' to [PLUGINS] in the main file, before this section)",
						  name, pl->name, pl->name);
					break;
				}
				sec = SEC_PLUGIN;
				pdata = vh ? &vh->plugin_data[plugin_id(pl)] :
					&p->cfg->plugin_data[plugin_id(pl)];
				if (pl->section_start &&
				    pl->section_start(pdata, err, sizeof(err))) {
					rc = fail(p, "[%s]: %s", name, err);
					break;
				}
			} else {
				rc = fail(p, "unknown section [%s]%s", name,
					  vh ? " in a site file (HOST, ERROR_PAGES, HANDLERS, TLS or a plugin)" :
					  " in the main file (SERVER, PLUGINS, MIME, TLS or a plugin)");
				break;
			}
			continue;
		}
		/* "Key value": the value is the rest, trimmed. */
		key = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		val = s;
		e = val + strlen(val);
		while (e > val && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*val) {
			rc = fail(p, "key '%s' has no value", key);
			break;
		}
		switch (sec) {
		case SEC_NONE:
			rc = fail(p, "'%s' is outside any [SECTION]", key);
			break;
		case SEC_SERVER:
			rc = server_key(p, key, val);
			break;
		case SEC_PLUGINS:
			rc = plugins_key(p, key, val);
			break;
		case SEC_MIME:
			rc = mime_key(p, key, val);
			break;
		case SEC_HOST:
			rc = host_key(p, vh, key, val);
			break;
		case SEC_ERRPAGES:
			rc = error_page_key(p, vh, key, val);
			break;
		case SEC_HANDLERS:
			rc = handler_key(p, vh, key, val);
			break;
		case SEC_TLS:
			rc = tls_key(p, vh, key, val);
			break;
		case SEC_PLUGIN: {
			char err[256] = "";

			if (!pl->conf_key)
				rc = fail(p, "[%s] takes no keys", pl->name);
			else if (pl->conf_key(pdata, vh, key, val, err,
					      sizeof(err)))
				rc = fail(p, "%s", err);
			break;
		}
		}
	}
	free(line);
	fclose(f);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Site files in sites/, "default" first, then by name. */
static int parse_sites(struct cfg_parse *p, const char *dir)
{
	struct config *c = p->cfg;
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (!d)
		return errno == ENOENT ? 0 : (p->file = dir, p->line = 0,
			fail(p, "cannot open: %s", strerror(errno)));
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' || strchr(de->d_name, '~'))
			continue;
		names = push(names, &n, sizeof(char *));
		names[n - 1] = xstrdup(de->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(char *), name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(names[i], "default") && i) {
			char *t = names[i];

			memmove(names + 1, names, i * sizeof(char *));
			names[0] = t;
		}
	}
	for (size_t i = 0; i < n && !rc; i++) {
		char path[4096];
		struct vhost *vh;

		if (snprintf(path, sizeof(path), "%s/%s", dir, names[i]) >=
		    (int)sizeof(path)) {
			p->file = dir;
			p->line = 0;
			rc = fail(p, "%s: path too long", names[i]);
			break;
		}
		c->vhosts = push(c->vhosts, &c->nvhosts, sizeof(*c->vhosts));
		vh = &c->vhosts[c->nvhosts - 1];
		vhost_init(vh, path);
		rc = parse_file(p, path, vh);
		if (!rc && vh->docroot_fd < 0)	/* reported at the last line */
			rc = fail(p, "end of file: [HOST] needs a DocumentRoot");
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static void config_defaults(struct config *c)
{
	atomic_init(&c->refs, 1);
	c->keepalive_timeout = 15;
	c->keepalive_max = 1000;
	c->header_timeout = 10;
	c->body_timeout = 10;
	c->send_timeout = 30;
	c->drain_timeout = 10;
	c->request_max = 1 << 20;
	c->fdcache_entries = 64;
	c->fdcache_valid = 1;
	c->perm_required = S_IROTH;
	c->perm_forbid = S_IXUSR | S_IXGRP | S_IXOTH | S_ISVTX;
	c->control_mode = 0600;
	c->tls.handshake_timeout = 10;
	c->tls.handshake_max = 256;
	c->tls.ktls = true;
	khttp_limits_default(&c->limits);
}

/* An error about the config as a whole: "file: what is wrong". */
__attribute__((format(printf, 2, 3)))
static int fail_whole(struct cfg_parse *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail_message(p, snprintf(p->err, p->errsz, "%s: ",
				 p->cfg->source ? p->cfg->source : "khttpdd"),
		     fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Without User, "nobody"; without Group, User's primary group (nogroup for
 * nobody on Debian). A daemon not started as root keeps its identity
 * (privs.c), so that is its default.
 */
static int resolve_identity(struct cfg_parse *p)
{
	struct config *c = p->cfg;
	struct passwd pw, *res = NULL;
	char buf[16384];

	if (!c->user_set && geteuid() != 0) {
		c->uid = geteuid();
		p->user_gid = getegid();
		if (getpwuid_r(c->uid, &pw, buf, sizeof(buf), &res) || !res)
			snprintf(buf, sizeof(buf), "uid %u", (unsigned)c->uid);
		c->user = xstrdup(res ? res->pw_name : buf);
	} else if (!c->user_set) {
		if (getpwnam_r("nobody", &pw, buf, sizeof(buf), &res) || !res)
			return fail_whole(p, "no user 'nobody' to run as: name one with User in [SERVER]");
		c->uid = res->pw_uid;
		p->user_gid = res->pw_gid;
		c->user = xstrdup("nobody");
	}
	if (!c->group_set)
		c->gid = p->user_gid;
	return 0;
}

static int apply_overrides(struct cfg_parse *p, const struct config_overrides *ov)
{
	struct config *c = p->cfg;

	p->file = "command line";
	p->line = 0;
	if (ov && ov->port) {
		c->nlisten = 0;
		c->listen = push(c->listen, &c->nlisten, sizeof(*c->listen));
		if (parse_listen(p, ov->port, &c->listen[0]))
			return -1;
	}
	if (ov && ov->workers >= 0)
		c->workers = (unsigned)ov->workers;
	if (ov && ov->docroot) {
		if (!c->nvhosts) {
			c->vhosts = push(c->vhosts, &c->nvhosts, sizeof(*c->vhosts));
			vhost_init(&c->vhosts[0], "-r");
		}
		if (host_key(p, &c->vhosts[0], "DocumentRoot", ov->docroot))
			return -1;
	}
	if (!c->nlisten) {
		c->listen = push(c->listen, &c->nlisten, sizeof(*c->listen));
		strcpy(c->listen[0].port, "8080");
	}
	if (!c->nindexes) {
		c->indexes = push(c->indexes, &c->nindexes, sizeof(char *));
		c->indexes[0] = xstrdup("index.html");
	}
	if (resolve_identity(p))
		return -1;
	if (!c->nvhosts)
		return fail_whole(p, "no virtual host: add a file under sites/ or use -r DOCROOT");
	if (c->request_max < c->limits.head_max)
		return fail_whole(p, "RequestMax (%u) must be at least HeadMax (%u)",
				  c->request_max, c->limits.head_max);
	if (c->limits.line_max > c->limits.head_max)
		return fail_whole(p, "RequestLineMax (%u) must not exceed HeadMax (%u)",
				  c->limits.line_max, c->limits.head_max);
	return 0;
}

struct config *config_read(const char *path, const struct config_overrides *ov,
			   char *err, size_t errsz)
{
	struct config *c = xcalloc(1, sizeof(*c));
	struct cfg_parse p = { .cfg = c, .err = err, .errsz = errsz };
	struct stat st;
	int rc = 0;

	c->plugins = xcalloc(khttpd_nplugins, sizeof(*c->plugins));
	c->plugin_data = xcalloc(khttpd_nplugins, sizeof(*c->plugin_data));
	config_defaults(c);
	if (path) {
		c->source = xstrdup(path);
		if (stat(path, &st)) {
			p.file = path;
			rc = fail(&p, "cannot open: %s", strerror(errno));
		} else if (S_ISDIR(st.st_mode)) {
			char buf[4096];

			if (snprintf(buf, sizeof(buf), "%s/khttpd.conf", path) >=
			    (int)sizeof(buf) - 8) {
				p.file = path;
				rc = fail(&p, "path too long");
			}
			if (!rc)
				rc = parse_file(&p, buf, NULL);
			snprintf(buf, sizeof(buf), "%s/sites", path);
			if (!rc)
				rc = parse_sites(&p, buf);
		} else {
			rc = parse_file(&p, path, NULL);
		}
	}
	if (!rc)
		rc = apply_overrides(&p, ov);
	if (rc) {
		config_put(c);
		return NULL;
	}
	return c;
}
