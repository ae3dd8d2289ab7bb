// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * mandril: allow/deny by client address (CIDR) and deny by URI regex, 403.
 *   [MANDRIL]
 *       Allow 127.0.0.0/8
 *       Deny  all
 *       DenyURI \.(bak|swp)$
 * Address rules are tried in order, the first match decides, no match
 * allows. The main file's address rules run at accept time (a 403 and a
 * close before anything is read); a site's run once its Host is known.
 * URI rules (main file and site) see the decoded, normalized path.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "core/cidr.h"
#include "core/khttpdd.h"

struct mandril_ip_rule {
	bool allow;
	struct cidr range;
};

struct mandril_conf {
	struct mandril_ip_rule *ip;
	size_t nip;
	regex_t *uri;
	size_t nuri;
};

extern const struct khttpd_plugin plugin_mandril;

/* 1 allowed, 0 denied */
static int ip_allowed(const struct mandril_conf *m, const struct conn *c)
{
	struct in6_addr a;

	if (!m || !m->nip)
		return 1;
	cidr_peer(&c->peer.sa, &a);
	for (size_t i = 0; i < m->nip; i++)
		if (cidr_match(&m->ip[i].range, &a))
			return m->ip[i].allow;
	return 1;
}

static bool uri_denied(const struct mandril_conf *m, const char *path)
{
	for (size_t i = 0; m && i < m->nuri; i++)
		if (!regexec(&m->uri[i], path, 0, NULL, 0))
			return true;
	return false;
}

static int mandril_key(void **data, const struct vhost *vh, const char *key,
		       const char *value, char *err, size_t errsz)
{
	struct mandril_conf *m = *data;

	(void)vh;
	if (!m)
		*data = m = calloc(1, sizeof(*m));
	if (!m)
		return -1;
	if (!strcasecmp(key, "Allow") || !strcasecmp(key, "Deny")) {
		struct mandril_ip_rule r = { .allow = !strcasecmp(key, "Allow") };
		void *n;

		if (cidr_parse(value, &r.range)) {
			snprintf(err, errsz, "%s: '%s' is not an address, CIDR or 'all'",
				 key, value);
			return -1;
		}
		n = realloc(m->ip, (m->nip + 1) * sizeof(*m->ip));
		if (!n)
			return -1;
		m->ip = n;
		m->ip[m->nip++] = r;
		return 0;
	}
	if (!strcasecmp(key, "DenyURI")) {
		regex_t re;
		void *n;
		int rc = regcomp(&re, value, REG_EXTENDED | REG_NOSUB);

		if (rc) {
			char msg[128];

			regerror(rc, &re, msg, sizeof(msg));
			snprintf(err, errsz, "DenyURI: bad regex '%s': %s", value, msg);
			return -1;
		}
		n = realloc(m->uri, (m->nuri + 1) * sizeof(*m->uri));
		if (!n) {
			regfree(&re);
			return -1;
		}
		m->uri = n;
		m->uri[m->nuri++] = re;
		return 0;
	}
	snprintf(err, errsz, "unknown key '%s' (known: Allow, Deny, DenyURI)", key);
	return -1;
}

static void mandril_free(void *data)
{
	struct mandril_conf *m = data;

	for (size_t i = 0; i < m->nuri; i++)
		regfree(&m->uri[i]);
	free(m->uri);
	free(m->ip);
	free(m);
}

static int mandril_accept(struct conn *c)
{
	char resp[512];
	size_t n;

	if (ip_allowed(conn_global_data(c, &plugin_mandril), c))
		return KP_CONTINUE;
	/* Nothing read yet: a short 403 then close, best effort. */
	n = khttp_error_build(resp, sizeof(resp), 403, 11, false, c->w->date, NULL);
	if (n && conn_send(c, resp, n) > 0)
		atomic_fetch_add_explicit(&c->w->stats.status[403], 1,
					  memory_order_relaxed);
	return KP_CLOSE;
}

static int mandril_request(struct conn *c)
{
	const struct mandril_conf *site = conn_vhost_data(c, &plugin_mandril);

	if (!ip_allowed(site, c) ||
	    uri_denied(conn_global_data(c, &plugin_mandril), conn_path(c)) ||
	    uri_denied(site, conn_path(c))) {
		c->error_note = "denied by mandril";
		return http_send_error(c, 403, NULL);
	}
	return KP_CONTINUE;
}

const struct khttpd_plugin plugin_mandril = {
	.name = "mandril",
	.conf_key = mandril_key,
	.conf_free = mandril_free,
	.access_control = true,
	.on_accept = mandril_accept,
	.on_request = mandril_request,
};
