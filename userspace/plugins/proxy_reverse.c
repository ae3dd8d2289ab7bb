// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proxy_reverse: forward requests whose path matches an entry's Match rules
 * to a backend chosen by the entry's balancer (Documentation/proxy.md).
 * The plugin's hooks and config; the sessions that relay are in proxy/.
 * With [CACHE] ProxyResponses On, a cacheable GET may be answered from the
 * cache plugin's store, and a cacheable response is stored there.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "core/khttpdd.h"
#include "core/metrics.h"
#include "core/monotonic.h"
#include "core/strbuf.h"
#include "proxy/session.h"

extern const struct khttpd_plugin plugin_proxy_reverse;

/* ---- requests ---- */

static struct proxy_conf *conf_of(struct conn *c)
{
	struct proxy_conf *pc = conn_vhost_data(c, &plugin_proxy_reverse);

	return pc ? pc : conn_global_data(c, &plugin_proxy_reverse);
}

/* Answer the request on c with status instead of forwarding it. */
static int proxy_refuse(struct conn *c, int status, const char *why)
{
	c->error_note = why;
	if (c->req.flags & KHTTP_F_HAS_BODY)
		c->keep_alive = false;	/* the body stays unread */
	return http_send_error(c, status, NULL);
}

/*
 * Forward the request on c to entry pe's backends (or answer it). The
 * backend and the cache key get the path the checks saw (proxy_target()),
 * never the raw target.
 */
static int proxy_start(struct conn *c, struct proxy_entry *pe)
{
	struct proxy_forward f = { 0 };
	enum proxy_cache_use use;
	int st;

	if (proxy_request_looped(c->buf, &c->req, proxy_via_token))
		return proxy_refuse(c, 508, "proxy loop: the request already passed here");
	if (proxy_path_ambiguous(c->buf, &c->req, conn_path(c)))
		return proxy_refuse(c, 400, "proxy: encoded slash or backslash in the path");
	f.target = proxy_target(c->buf, &c->req, conn_path(c), &f.target_len);
	if (!f.target)
		return proxy_refuse(c, 503, "out of memory");
	if ((c->req.method == KHTTP_METHOD_GET ||
	     c->req.method == KHTTP_METHOD_HEAD) &&
	    !(c->req.flags & KHTTP_F_HAS_BODY) &&
	    (f.cache = cache_proxy_store(c->cfg, &f.cache_max)) &&
	    (use = proxy_request_cache_use(c->buf, &c->req)) !=
	    PROXY_CACHE_BYPASS &&
	    (f.ckey = proxy_cache_key(c, f.target, f.target_len,
				      &f.ckey_len))) {
		/* Authorization (RFC 9111 3.5), or a [CACHE] Credentials field */
		f.credentials = use == PROXY_CACHE_CREDENTIALS ||
				cache_credentials(c->cfg, c);
		st = f.credentials ? KP_CONTINUE :
		     proxy_cache_serve(c, f.cache, f.ckey, f.ckey_len,
				       proxy_via_token);
		if (st != KP_CONTINUE) {
			free(f.target);
			free(f.ckey);
			return st;
		}
	}
	if (c->req.method != KHTTP_METHOD_GET || !f.ckey) {
		free(f.ckey);	/* HEAD: no body to keep */
		f.ckey = NULL;
		f.cache = NULL;
	}
	return proxy_session_start(c, pe, &f);
}

static int proxy_on_request(struct conn *c)
{
	struct proxy_conf *pc = conf_of(c);
	struct proxy_entry *pe = pc ? proxy_conf_match(pc, conn_path(c)) : NULL;

	return pe ? proxy_start(c, pe) : KP_CONTINUE;
}

/*
 * A vhost's Match rule routes the path here: the entry whose own Match
 * takes it, else the first entry.
 */
static int proxy_handle(struct conn *c)
{
	struct proxy_conf *pc = conf_of(c);
	struct proxy_entry *pe = pc ? proxy_conf_match(pc, conn_path(c)) : NULL;

	if (!pe && pc && pc->nentries)
		pe = &pc->entries[0];
	if (pe)
		return proxy_start(c, pe);
	log_msg("proxy_reverse: a Match rule routes %s here, but no ServerList is configured",
		conn_path(c));
	return proxy_refuse(c, 500, "proxy_reverse: no ServerList");
}

/* Shutdown with the session still running: drop it with the connection. */
static void proxy_on_close(struct conn *c)
{
	proxy_session_abort(c);
}

/* ---- control socket ---- */

/* "host:port", an IPv6 host bracketed, for khttpctl proxy and the metrics. */
static void backend_name(const struct balancer_backend *be, char *buf,
			 size_t size)
{
	snprintf(buf, size, strchr(be->host, ':') ? "[%s]:%s" : "%s:%s",
		 be->host, be->port);
}

static void ctl_conf(struct strbuf *o, const struct proxy_conf *pc,
		     const char *scope, bool json, bool *first, int64_t now)
{
	for (size_t i = 0; pc && i < pc->nentries; i++) {
		const struct proxy_entry *e = &pc->entries[i];
		const char *method = balancer_method_name(e->balancer.method);

		if (json) {	/* scope and host come from the config: escaped */
			strbuf_str(o, *first ? "{\"scope\":" : ",{\"scope\":");
			strbuf_json(o, scope);
			strbuf_printf(o, ",\"entry\":%zu,\"method\":\"%s\",\"backends\":[",
				      i + 1, method);
		} else
			strbuf_printf(o, "%s entry %zu %s\n", scope, i + 1,
				      method);
		*first = false;
		for (unsigned b = 0; b < e->balancer.nbackends; b++) {
			const struct balancer_backend *be =
				&e->balancer.backends[b];
			bool online = balancer_is_online(be, now);
			long long left = online ? 0 :
				(long long)(atomic_load(&be->offline_until) - now);
			unsigned fails = atomic_load(&be->fails);
			unsigned active = atomic_load(&be->active);
			unsigned long long picked = atomic_load(&be->picked);

			if (json) {
				char server[300];

				backend_name(be, server, sizeof(server));
				strbuf_str(o, b ? ",{\"server\":" : "{\"server\":");
				strbuf_json(o, server);
				strbuf_printf(o, ",\"weight\":%u,"
					"\"online\":%s,\"offline_for\":%lld,\"fails\":%u,"
					"\"active\":%u,\"picked\":%llu}",
					be->weight, online ? "true" : "false",
					left, fails, active, picked);
			} else if (online)
				strbuf_printf(o, "  %s:%s weight %u online, fails %u active %u picked %llu\n",
					be->host, be->port, be->weight, fails,
					active, picked);
			else
				strbuf_printf(o, "  %s:%s weight %u offline for %lld s, fails %u active %u picked %llu\n",
					be->host, be->port, be->weight, left,
					fails, active, picked);
		}
		if (json)
			strbuf_str(o, "]}");
	}
}

/* khttpctl proxy: every entry (main file, then each site), its backends. */
static bool proxy_ctl(const struct config *cfg, const char *cmd, bool json,
		      struct strbuf *o)
{
	int id = plugin_id(&plugin_proxy_reverse);
	int64_t now = monotonic_s();	/* the workers' clock */
	bool first = true;

	if (strcmp(cmd, "proxy"))
		return false;
	if (json)
		strbuf_str(o, "{\"entries\":[");
	ctl_conf(o, cfg->plugin_data[id], "main", json, &first, now);
	for (size_t v = 0; v < cfg->nvhosts; v++)
		ctl_conf(o, cfg->vhosts[v].plugin_data[id],
			 cfg->vhosts[v].nnames ? cfg->vhosts[v].names[0] :
			 "default", json, &first, now);
	if (json)
		strbuf_str(o, "]}\n");
	else if (first)
		strbuf_str(o, "no proxy entries\n");
	return true;
}

/* ---- metrics ---- */

enum backend_figure { FIG_UP, FIG_ACTIVE, FIG_FAILS, FIG_PICKED };

static uint64_t backend_figure(const struct balancer_backend *be,
			       enum backend_figure fig, int64_t now)
{
	switch (fig) {
	case FIG_UP:
		return balancer_is_online(be, now);
	case FIG_ACTIVE:
		return atomic_load(&be->active);
	case FIG_FAILS:
		return atomic_load(&be->fails);
	case FIG_PICKED:
		break;
	}
	return atomic_load(&be->picked);
}

/* One family's samples: a figure of every backend of every entry. */
static void metrics_backends(struct metrics *m, const struct config *cfg,
			     enum backend_figure fig)
{
	int id = plugin_id(&plugin_proxy_reverse);
	int64_t now = monotonic_s();

	for (size_t v = 0; v <= cfg->nvhosts; v++) {
		/* the main file's entries, then each site's */
		const struct proxy_conf *pc = v ? cfg->vhosts[v - 1].plugin_data[id] :
						  cfg->plugin_data[id];
		const char *scope = !v ? "main" :
				    cfg->vhosts[v - 1].nnames ?
				    cfg->vhosts[v - 1].names[0] : "default";

		for (size_t i = 0; pc && i < pc->nentries; i++) {
			const struct balancer *b = &pc->entries[i].balancer;
			char entry[24];

			snprintf(entry, sizeof(entry), "%zu", i + 1);
			for (unsigned k = 0; k < b->nbackends; k++) {
				const struct balancer_backend *be = &b->backends[k];
				char server[300];

				backend_name(be, server, sizeof(server));
				metrics_sample(m, backend_figure(be, fig, now),
					       "scope", scope, "entry", entry,
					       "backend", server, NULL);
			}
		}
	}
}

static void proxy_metrics(const struct config *cfg, struct metrics *m)
{
	static const struct {
		const char *name, *help;
		enum metric_kind kind;
	} f[] = {
		[FIG_UP] = { "proxy_backend_up", "1 while the backend is online (not put offline by failures).",
			     METRIC_GAUGE },
		[FIG_ACTIVE] = { "proxy_backend_connections", "Connections to the backend in use now.",
				 METRIC_GAUGE },
		[FIG_FAILS] = { "proxy_backend_failures", "Consecutive failed connection attempts.",
				METRIC_GAUGE },
		[FIG_PICKED] = { "proxy_backend_picks_total", "Times the balancer chose the backend.",
				 METRIC_COUNTER },
	};

	for (int i = FIG_UP; i <= FIG_PICKED; i++) {
		metrics_family(m, f[i].name, f[i].kind, true, f[i].help);
		metrics_backends(m, cfg, (enum backend_figure)i);
	}
}

/* ---- config ---- */

static int proxy_section_start(void **data, char *err, size_t errsz)
{
	/* config loads run before workers use the token; set once */
	if (!proxy_via_token[0])
		proxy_via_token_init(proxy_via_token);
	if (*data)
		return 0;	/* a second section continues the first */
	*data = proxy_conf_new();
	if (!*data) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

static int proxy_conf_key_hook(void **data, const struct vhost *vh,
			       const char *key, const char *value, char *err,
			       size_t errsz)
{
	(void)vh;
	return proxy_conf_key(*data, key, value, err, errsz);
}

static int proxy_conf_done(void *data, const struct config *cfg,
			   const struct vhost *vh, char *err, size_t errsz)
{
	struct proxy_conf *pc = data;
	char warn[200];

	(void)cfg;
	(void)vh;
	if (!pc)
		return 0;
	if (proxy_conf_finish(pc, err, errsz))
		return -1;
	for (size_t i = 0; i < pc->nentries; i++)
		if (balancer_resolve(&pc->entries[i].balancer, warn,
				     sizeof(warn)))
			log_msg("proxy_reverse: %s: that backend counts as down until a reload",
				warn);
	return 0;
}

static void proxy_conf_free_hook(void *data)
{
	proxy_conf_free(data);
}

/* Process exit: the workers are gone; free their sessions' state. */
static void proxy_stop(void)
{
	proxy_sessions_free();
}

const struct khttpd_plugin plugin_proxy_reverse = {
	.name = "proxy_reverse",
	.section_start = proxy_section_start,
	.conf_key = proxy_conf_key_hook,
	.conf_done = proxy_conf_done,
	.conf_free = proxy_conf_free_hook,
	.stop = proxy_stop,
	.on_request = proxy_on_request,
	.handle = proxy_handle,
	.handle_reads_body = true,
	.on_close = proxy_on_close,
	.ctl = proxy_ctl,
	.metrics = proxy_metrics,
};
