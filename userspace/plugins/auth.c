// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * auth: HTTP Basic authentication (RFC 7617) per path prefix, against an
 * htpasswd file of crypt(3) hashes (bcrypt $2b$/$2y$, sha-crypt $5$/$6$,
 * yescrypt $y$) checked with libcrypt. Each [AUTH] section is one rule:
 *   [AUTH]
 *       Location /private
 *       Realm    Staff only
 *       Users    /etc/khttpd/htpasswd
 * Sections in a site file protect that vhost; the main file's apply to
 * every vhost. A failure is 401 with WWW-Authenticate.
 */
#define _GNU_SOURCE
#include <crypt.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/khttpdd.h"

struct auth_user {
	char *name;
	char *hash;
};

struct auth_rule {
	char *location;
	char *realm;
	char *users_file;
	char *challenge;	/* the WWW-Authenticate line */
	struct auth_user *users;
	size_t nusers;
};

struct auth_conf {
	struct auth_rule *rules;
	size_t nrules;
};

extern const struct khttpd_plugin plugin_auth;

static int auth_section(void **data, char *err, size_t errsz)
{
	struct auth_conf *a = *data;
	void *n;

	(void)err;
	(void)errsz;
	if (!a)
		*data = a = calloc(1, sizeof(*a));
	if (!a)
		return -1;
	n = realloc(a->rules, (a->nrules + 1) * sizeof(*a->rules));
	if (!n)
		return -1;
	a->rules = n;
	memset(&a->rules[a->nrules++], 0, sizeof(*a->rules));
	return 0;
}

static int auth_key(void **data, const struct vhost *vh, const char *key,
		    const char *value, char *err, size_t errsz)
{
	struct auth_conf *a = *data;
	struct auth_rule *r = &a->rules[a->nrules - 1];
	char **field;

	(void)vh;
	if (!strcasecmp(key, "Location"))
		field = &r->location;
	else if (!strcasecmp(key, "Realm"))
		field = &r->realm;
	else if (!strcasecmp(key, "Users"))
		field = &r->users_file;
	else {
		snprintf(err, errsz, "unknown key '%s' (known: Location, Realm, Users)",
			 key);
		return -1;
	}
	if (field == &r->location && value[0] != '/') {
		snprintf(err, errsz, "Location: '%s' must start with /", value);
		return -1;
	}
	if (field == &r->realm && strpbrk(value, "\"\\")) {
		snprintf(err, errsz, "Realm: quotes and backslashes are not allowed");
		return -1;
	}
	free(*field);
	*field = strdup(value);
	return *field ? 0 : -1;
}

static int load_users(struct auth_rule *r, char *err, size_t errsz)
{
	FILE *f = fopen(r->users_file, "re");
	char *line = NULL;
	size_t cap = 0;
	unsigned lineno = 0;
	ssize_t n;
	int rc = 0;

	if (!f) {
		snprintf(err, errsz, "Users %s: %s", r->users_file, strerror(errno));
		return -1;
	}
	while (!rc && (n = getline(&line, &cap, f)) >= 0) {
		char *colon;
		void *nu;

		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		colon = strchr(line, ':');
		if (!colon || colon == line) {
			snprintf(err, errsz, "%s:%u: expected user:hash",
				 r->users_file, lineno);
			rc = -1;
			break;
		}
		*colon = '\0';
		/* Only salted, slow crypt(3) schemes; no MD5/DES/plain. */
		if (strncmp(colon + 1, "$2b$", 4) && strncmp(colon + 1, "$2y$", 4) &&
		    strncmp(colon + 1, "$5$", 3) && strncmp(colon + 1, "$6$", 3) &&
		    strncmp(colon + 1, "$y$", 3)) {
			snprintf(err, errsz, "%s:%u: user '%s': unsupported hash (use bcrypt $2y$, sha-crypt $5$/$6$ or yescrypt $y$)",
				 r->users_file, lineno, line);
			rc = -1;
			break;
		}
		nu = realloc(r->users, (r->nusers + 1) * sizeof(*r->users));
		if (!nu) {
			rc = -1;
			break;
		}
		r->users = nu;
		r->users[r->nusers].name = strdup(line);
		r->users[r->nusers].hash = strdup(colon + 1);
		r->nusers++;
	}
	free(line);
	fclose(f);
	if (!rc && !r->nusers) {
		snprintf(err, errsz, "Users %s: no users", r->users_file);
		rc = -1;
	}
	return rc;
}

static int auth_done(void *data, const struct config *cfg,
		     const struct vhost *vh, char *err, size_t errsz)
{
	struct auth_conf *a = data;

	(void)cfg;
	(void)vh;
	for (size_t i = 0; a && i < a->nrules; i++) {
		struct auth_rule *r = &a->rules[i];
		char line[256];

		if (!r->location || !r->users_file) {
			snprintf(err, errsz, "a section needs Location and Users");
			return -1;
		}
		if (load_users(r, err, errsz))
			return -1;
		snprintf(line, sizeof(line),
			 "WWW-Authenticate: Basic realm=\"%s\", charset=\"UTF-8\"\r\n",
			 r->realm ? r->realm : "khttpd");
		r->challenge = strdup(line);
		if (!r->challenge)
			return -1;
	}
	return 0;
}

static void auth_free(void *data)
{
	struct auth_conf *a = data;

	for (size_t i = 0; i < a->nrules; i++) {
		struct auth_rule *r = &a->rules[i];

		for (size_t u = 0; u < r->nusers; u++) {
			free(r->users[u].name);
			free(r->users[u].hash);
		}
		free(r->users);
		free(r->location);
		free(r->realm);
		free(r->users_file);
		free(r->challenge);
	}
	free(a->rules);
	free(a);
}

static bool prefix_match(const char *loc, const char *path)
{
	size_t n = strlen(loc);

	if (strncmp(loc, path, n))
		return false;
	/* "/private" covers "/private" and "/private/...", not "/privateer". */
	return loc[n - 1] == '/' || path[n] == '\0' || path[n] == '/';
}

static const struct auth_rule *find_rule(const struct auth_conf *a,
					 const char *path)
{
	for (size_t i = 0; a && i < a->nrules; i++)
		if (prefix_match(a->rules[i].location, path))
			return &a->rules[i];
	return NULL;
}

static int b64_value(char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Strict base64 (padding optional); returns the length or -1. */
static int b64_decode(const char *in, size_t len, char *out, size_t outsz)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	while (len && in[len - 1] == '=')
		len--;
	for (size_t i = 0; i < len; i++) {
		int v = b64_value(in[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outsz)
				return -1;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return (int)o;
}

static bool equal_ct(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned char diff = la != lb;

	for (size_t i = 0; i < la && i < lb; i++)
		diff |= (unsigned char)(a[i] ^ b[i]);
	return !diff;
}

/* The user's name on success, NULL otherwise. */
static const char *check_credentials(const struct auth_rule *r,
				     const char *buf, struct khttp_span auth)
{
	const char *v = buf + auth.off;
	const struct auth_user *user = NULL;
	struct crypt_data cd;
	char cred[512], *colon;
	const char *out;
	bool ok;

	if (auth.len < 6 || strncasecmp(v, "Basic ", 6))
		return NULL;
	v += 6;
	while (*v == ' ')
		v++;
	if (b64_decode(v, auth.len - (size_t)(v - (buf + auth.off)), cred,
		       sizeof(cred)) < 0 || !(colon = strchr(cred, ':')))
		return NULL;
	*colon = '\0';
	for (size_t i = 0; i < r->nusers; i++)
		if (!strcmp(r->users[i].name, cred))
			user = &r->users[i];
	/* An unknown user costs a hash too: no timing oracle for names. */
	memset(&cd, 0, sizeof(cd));
	out = crypt_r(colon + 1, user ? user->hash : r->users[0].hash, &cd);
	ok = out && out[0] != '*' && equal_ct(out, user ? user->hash :
					      r->users[0].hash);
	explicit_bzero(cred, sizeof(cred));
	return ok && user ? user->name : NULL;
}

static int auth_request(struct conn *c)
{
	const char *path = conn_path(c);
	const struct auth_rule *r = find_rule(conn_vhost_data(c, &plugin_auth), path);
	const char *user;

	if (!r)
		r = find_rule(conn_global_data(c, &plugin_auth), path);
	if (!r)
		return KP_CONTINUE;
	user = check_credentials(r, c->buf, c->req.authorization);
	if (user) {
		c->remote_user = user;
		return KP_CONTINUE;
	}
	c->error_note = c->req.authorization.len ? "bad credentials" :
		"credentials required";
	return http_send_error(c, 401, r->challenge);
}

const struct khttpd_plugin plugin_auth = {
	.name = "auth",
	.section_start = auth_section,
	.conf_key = auth_key,
	.conf_done = auth_done,
	.conf_free = auth_free,
	.access_control = true,
	.on_request = auth_request,
};
