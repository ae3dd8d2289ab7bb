// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * metrics: the daemon's and khttpd.ko's counters for Prometheus at one
 * path (Documentation/plugins.md). Off unless Loaded; then it answers only
 * the addresses [METRICS] Allow names (default loopback) and never a
 * request a proxy relayed, since the counters tell who is served how
 * much. The figures are those of khttpctl stats --json (core/stats.c).
 *
 *   [METRICS]
 *       Path   /metrics                (the default)
 *       Allow  127.0.0.0/8 ::1         (the default; CIDRs, addresses, all)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/cidr.h"
#include "core/khttpdd.h"
#include "core/metrics.h"
#include "core/reqfield.h"
#include "core/strbuf.h"

#define METRICS_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct metrics_conf {
	char *path;		/* normalised; NULL: /metrics */
	struct cidr_list allow;	/* empty: loopback */
};

extern const struct khttpd_plugin plugin_metrics;

/* Allow's default: 127.0.0.0/8 (in its v4-mapped form, as cidr.h) and ::1. */
static const struct cidr loopback_v[] = {
	{ .net = { { { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127 } } },
	  .bits = 96 + 8 },
	{ .net = IN6ADDR_LOOPBACK_INIT, .bits = 128 },
};
static const struct cidr_list loopback = {
	(struct cidr *)loopback_v, sizeof(loopback_v) / sizeof(*loopback_v)
};

/* Path must be what the normaliser makes of it: the one conn_path() gives. */
static int path_key(struct metrics_conf *mc, const char *v, char *err,
		    size_t errsz)
{
	size_t len = strlen(v);
	char *norm = malloc(len + 2);
	int n;

	if (!norm) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	n = khttp_path_normalize(v, len, norm, len + 2);
	if (v[0] != '/' || n < 0 || (size_t)n != len || memcmp(norm, v, len)) {
		snprintf(err, errsz, "Path: want a normalised path like /metrics (no %%, dot segments or //), got '%s'",
			 v);
		free(norm);
		return -1;
	}
	free(mc->path);
	mc->path = norm;
	return 0;
}

static int metrics_key(void **data, const struct vhost *vh, const char *k,
		       const char *v, char *err, size_t errsz)
{
	struct metrics_conf *mc = *data;

	if (vh) {
		snprintf(err, errsz, "[METRICS] belongs in the main file: the counters are the whole daemon's");
		return -1;
	}
	if (!mc && !(mc = *data = calloc(1, sizeof(*mc)))) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	if (!strcasecmp(k, "Path"))
		return path_key(mc, v, err, errsz);
	if (!strcasecmp(k, "Allow"))
		return cidr_list_add(&mc->allow, k, v, err, errsz);
	snprintf(err, errsz, "unknown key '%s' in [METRICS] (known: Path, Allow)",
		 k);
	return -1;
}

static void metrics_free(void *data)
{
	struct metrics_conf *mc = data;

	if (!mc)
		return;
	free(mc->path);
	cidr_list_free(&mc->allow);
	free(mc);
}

static int metrics_request(struct conn *c)
{
	const struct metrics_conf *mc = conn_global_data(c, &plugin_metrics);
	const char *path = mc && mc->path ? mc->path : "/metrics";
	struct metrics m;
	struct strbuf b = { 0 };
	size_t len;
	char *body;

	if (strcmp(conn_path(c), path))
		return KP_CONTINUE;
	if (!cidr_list_match(mc && mc->allow.n ? &mc->allow : &loopback,
			     &c->peer.sa)) {
		c->error_note = "metrics: client not in [METRICS] Allow";
		return http_send_error(c, 403, NULL);
	}
	if (reqfield_relayed(c->buf, &c->req)) {
		c->error_note = "metrics: relayed by a proxy, real client unknown";
		return http_send_error(c, 403, NULL);
	}
	if (c->req.method != KHTTP_METHOD_GET &&
	    c->req.method != KHTTP_METHOD_HEAD)
		return http_send_error(c, 405, "Allow: GET, HEAD\r\n");
	metrics_begin(&m, &b, false);
	stats_collect(c->cfg, &m);
	metrics_end(&m);
	body = strbuf_take(&b, &len);
	if (!body)
		return http_send_error(c, 500, NULL);
	return http_send_body(c, 200, METRICS_TYPE, body, len,
			      "Cache-Control: no-store\r\n");
}

const struct khttpd_plugin plugin_metrics = {
	.name = "metrics",
	.conf_key = metrics_key,
	.conf_free = metrics_free,
	.on_request = metrics_request,
};
