// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * What the server says about HTTPS in HTTP terms: the Location a plain
 * listener's redirect to https names ([TLS] RedirectHTTP), and the
 * Strict-Transport-Security field of responses over TLS ([TLS] HSTS).
 * Pure: unit-tested in tests/core/test_https.c.
 */
#include <stdio.h>
#include <string.h>

#include "khttpdd.h"

/* The one byte the query keeps literally: RFC 3986 query characters. */
static bool query_keeps(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("-._~!$&'()*+,;=:@/?%", c);
}

size_t https_location(char *out, size_t outsz, const char *host, size_t hlen,
		      const char *port, const char *path, const char *query,
		      size_t qlen)
{
	bool v6 = memchr(host, ':', hlen) != NULL;
	size_t o, n;
	int k;

	if (!outsz)
		return 0;
	k = snprintf(out, outsz, "https://%s%.*s%s%s%s", v6 ? "[" : "",
		     (int)hlen, host, v6 ? "]" : "",
		     strcmp(port, "443") ? ":" : "",
		     strcmp(port, "443") ? port : "");
	if (k < 0 || (size_t)k >= outsz)
		return 0;
	o = (size_t)k;
	n = khttp_path_encode(out + o, outsz - o, path, strlen(path));
	if (!n || n >= outsz - o)
		return 0;
	o += n;
	if (qlen) {
		if (o + 1 >= outsz)
			return 0;
		out[o++] = '?';
	}
	for (size_t i = 0; i < qlen; i++) {
		unsigned char c = (unsigned char)query[i];

		if (o + 3 >= outsz)
			return 0;
		if (query_keeps(c) && c) {
			out[o++] = (char)c;
		} else {
			snprintf(out + o, 4, "%%%02X", c);
			o += 3;
		}
	}
	out[o] = '\0';
	return o;
}

const char *https_port(const struct config *cfg)
{
	for (size_t i = 0; i < cfg->nlisten; i++)
		if (cfg->listen[i].tls)
			return cfg->listen[i].port;
	return NULL;
}

const char *https_extra(const struct conn *c, const char *extra, char *buf,
			size_t bufsz)
{
	int n;

	if (!c->ssl || !c->cfg->tls.hsts)
		return extra;
	n = snprintf(buf, bufsz, "%sStrict-Transport-Security: max-age=%u\r\n",
		     extra ? extra : "", c->cfg->tls.hsts);
	return n > 0 && (size_t)n < bufsz ? buf : extra;
}
