// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * fastcgi: requests answered by a FastCGI application server (php-fpm...).
 *   [FASTCGI]
 *       Server     unix:/run/php/php-fpm.sock   or 127.0.0.1:9000
 *       Extension  .php                         (and/or Prefix /app/)
 *       KeepConn   on                           reuse app connections
 *       PoolSize   8                            idle connections per worker
 *       Timeout    30                           seconds of app silence -> 504
 * A site's "Match <regex> fastcgi" in [HANDLERS] routes more paths here
 * (the script is the leading part of the path that names a file).
 * One request per app connection at a time (request id 1). The body goes
 * out as STDIN records while it arrives; STDOUT records are streamed to the
 * client; STDERR records are logged. An app server that cannot be reached
 * or breaks the protocol is answered 502, one that stays silent 504,
 * FCGI_OVERLOADED 503.
 * The plugin's config and hooks; the requests are gateway/fcgi_request.c,
 * the app connections gateway/fcgi_pool.c, the client side
 * gateway/gateway.c.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "gateway/fcgi_pool.h"
#include "gateway/fcgi_request.h"
#include "gateway/gateway.h"
#include "core/khttpdd.h"

extern const struct khttpd_plugin plugin_fastcgi;

struct fcgi_conf {
	struct gw_conf gw;		/* first: gateway.c sees this part */
	struct fcgi_server server;
};

static int fcgi_section_start(void **data, char *err, size_t errsz)
{
	struct fcgi_conf *cf = calloc(1, sizeof(*cf));

	if (!cf) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	cf->server.keep_conn = true;
	cf->server.pool_size = 8;
	gw_conf_init(&cf->gw);
	*data = cf;
	return 0;
}

static int fcgi_parse_server(struct fcgi_server *srv, const char *v,
			     char *err, size_t errsz)
{
	snprintf(srv->name, sizeof(srv->name), "%s", v);
	if (!strncmp(v, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&srv->addr;

		if (strlen(v + 5) >= sizeof(un->sun_path) || v[5] != '/') {
			snprintf(err, errsz, "Server: unix:/absolute/path, not '%s'", v);
			return -1;
		}
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, v + 5);
		srv->addrlen = sizeof(*un);
		return 0;
	}
	{
		const char *colon = strrchr(v, ':');
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
					  .ai_flags = AI_NUMERICHOST |
						      AI_NUMERICSERV };
		struct addrinfo *ai;
		char host[64];
		size_t hl;

		if (!colon || colon == v || !colon[1]) {
			snprintf(err, errsz, "Server: want unix:/path or address:port, not '%s'",
				 v);
			return -1;
		}
		hl = (size_t)(colon - v);
		if (v[0] == '[' && colon[-1] == ']') {
			v++;
			hl -= 2;
		}
		if (hl >= sizeof(host)) {
			snprintf(err, errsz, "Server: address too long");
			return -1;
		}
		memcpy(host, v, hl);
		host[hl] = '\0';
		if (getaddrinfo(host, colon + 1, &hints, &ai)) {
			snprintf(err, errsz, "Server: '%s' is not a numeric address:port",
				 srv->name);
			return -1;
		}
		memcpy(&srv->addr, ai->ai_addr, ai->ai_addrlen);
		srv->addrlen = ai->ai_addrlen;
		freeaddrinfo(ai);
		return 0;
	}
}

static int fcgi_uint(const char *key, const char *v, unsigned lo, unsigned hi,
		     unsigned *out, char *err, size_t errsz)
{
	char *end;
	unsigned long n = strtoul(v, &end, 10);

	if (*end || !*v || n < lo || n > hi) {
		snprintf(err, errsz, "%s: %u..%u, not '%s'", key, lo, hi, v);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

static int fcgi_conf_key(void **data, const struct vhost *vh, const char *key,
			 const char *value, char *err, size_t errsz)
{
	struct fcgi_conf *cf;
	int rc;

	(void)vh;
	if (!*data && fcgi_section_start(data, err, errsz))
		return -1;
	cf = *data;
	rc = gw_conf_key(&cf->gw, key, value, err, errsz);
	if (rc)
		return rc < 0 ? -1 : 0;
	if (!strcasecmp(key, "Server"))
		return fcgi_parse_server(&cf->server, value, err, errsz);
	if (!strcasecmp(key, "KeepConn")) {
		if (strcasecmp(value, "on") && strcasecmp(value, "off")) {
			snprintf(err, errsz, "KeepConn: on or off, not '%s'", value);
			return -1;
		}
		cf->server.keep_conn = !strcasecmp(value, "on");
		return 0;
	}
	if (!strcasecmp(key, "PoolSize"))
		return fcgi_uint(key, value, 0, 1024, &cf->server.pool_size,
				 err, errsz);
	snprintf(err, errsz,
		 "unknown key '%s' in [FASTCGI] (known: Server, Prefix, Extension, KeepConn, PoolSize, Timeout)",
		 key);
	return -1;
}

static int fcgi_conf_done(void *data, const struct config *cfg,
			  const struct vhost *vh, char *err, size_t errsz)
{
	struct fcgi_conf *cf = data;

	(void)cfg;
	(void)vh;
	if (!cf)
		return 0;
	if (!cf->server.addrlen) {
		snprintf(err, errsz, "[FASTCGI] needs a Server");
		return -1;
	}
	return 0;
}

static void fcgi_conf_free(void *data)
{
	struct fcgi_conf *cf = data;

	if (!cf)
		return;
	fcgi_pools_drop(&cf->server);
	gw_conf_free(&cf->gw);
	free(cf);
}

static void fcgi_stop(void)
{
	fcgi_pools_drop(NULL);
}

static int fcgi_begin(struct gw_job *j, const struct gw_conf *gw,
		      const struct gw_script *s)
{
	return fcgi_request_start(j, &((const struct fcgi_conf *)gw)->server,
				  s);
}

static const struct gw_ops fcgi_ops = {
	.plugin = &plugin_fastcgi,
	.begin = fcgi_begin,		/* no defaults: the Server is needed */
	.body = fcgi_request_body,
	.body_end = fcgi_request_body_end,
	.output_ready = fcgi_request_output_ready,
	.release = fcgi_request_release,
};

GW_HOOKS(fcgi, fcgi_ops)

const struct khttpd_plugin plugin_fastcgi = {
	.name = "fastcgi",
	.section_start = fcgi_section_start,
	.conf_key = fcgi_conf_key,
	.conf_done = fcgi_conf_done,
	.conf_free = fcgi_conf_free,
	.stop = fcgi_stop,
	GW_HOOK_FIELDS(fcgi),
};
