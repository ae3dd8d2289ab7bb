// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Gathering of the daemon's counters for the metrics sink (metrics.h):
 * the workers' (per worker thread, each an atomic only its worker adds
 * to, so a sum of atomic loads is race-free and never goes back), the TLS
 * counters, then whatever each service and loaded plugin adds through its
 * metrics hook. Used by khttpctl stats --json and the metrics plugin.
 */
#include <stdatomic.h>

#include "khttpdd.h"
#include "metrics.h"
#include "service.h"

/* One counter of every worker, summed. */
#define WORKERS_SUM(field) ({						\
	uint64_t sum_ = 0;						\
	for (unsigned i_ = 0; i_ < server.nworkers; i_++)		\
		sum_ += atomic_load_explicit(&server.workers[i_].field,	\
					     memory_order_relaxed);	\
	sum_; })

static void stats_workers(struct metrics *m)
{
	uint64_t cls[5] = { 0 };

	metrics_family(m, "daemon_requests_total", METRIC_COUNTER, false,
		       "Requests the daemon parsed.");
	metrics_sample(m, WORKERS_SUM(stats.requests), NULL);
	metrics_family(m, "daemon_responses_total", METRIC_COUNTER, true,
		       "Responses the daemon sent, by status class.");
	for (int s = 100; s < 600; s++)
		cls[s / 100 - 1] += WORKERS_SUM(stats.status[s]);
	metrics_classes(m, cls);
	metrics_family(m, "daemon_sent_bytes_total", METRIC_COUNTER, true,
		       "Content bytes the daemon sent: sendfile (plain or kTLS) or copied.");
	metrics_sample(m, WORKERS_SUM(stats.bytes_zerocopy), "path",
		       "zerocopy", NULL);
	metrics_sample(m, WORKERS_SUM(stats.bytes_copied), "path", "copied",
		       NULL);
	metrics_family(m, "daemon_connections_accepted_total", METRIC_COUNTER,
		       false, "Client connections the daemon took (accepted or handed off).");
	metrics_sample(m, WORKERS_SUM(stats.accepted), NULL);
	metrics_family(m, "daemon_connections", METRIC_GAUGE, false,
		       "Client connections open now.");
	metrics_sample(m, WORKERS_SUM(nconns), NULL);
}

static uint64_t tls_get(_Atomic uint64_t *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

static void stats_tls(struct metrics *m)
{
	metrics_family(m, "tls_handshakes_total", METRIC_COUNTER, true,
		       "TLS handshakes by outcome (refused: over HandshakeMax).");
	metrics_sample(m, tls_get(&tls_stats.handshakes), "result", "ok", NULL);
	metrics_sample(m, tls_get(&tls_stats.handshake_failed), "result",
		       "failed", NULL);
	metrics_sample(m, tls_get(&tls_stats.handshake_refused), "result",
		       "refused", NULL);
	metrics_family(m, "tls_connections_total", METRIC_COUNTER, true,
		       "TLS connections by who encrypts what they send.");
	metrics_sample(m, tls_get(&tls_stats.conns_ktls), "tx", "ktls", NULL);
	metrics_sample(m, tls_get(&tls_stats.conns_user), "tx", "user", NULL);
	metrics_family(m, "tls_sent_bytes_total", METRIC_COUNTER, true,
		       "Bytes sent over TLS by path.");
	metrics_sample(m, tls_get(&tls_stats.bytes_ktls_sendfile), "path",
		       "ktls_sendfile", NULL);
	metrics_sample(m, tls_get(&tls_stats.bytes_ktls), "path", "ktls", NULL);
	metrics_sample(m, tls_get(&tls_stats.bytes_user), "path", "user", NULL);
}

void stats_collect(const struct config *cfg, struct metrics *m)
{
	stats_workers(m);
	if (tls_compiled)
		stats_tls(m);
	for (size_t i = 0; i < khttpd_nservices; i++)
		if (khttpd_services[i]->metrics)
			khttpd_services[i]->metrics(m);
	for (size_t i = 0; i < khttpd_nplugins; i++)
		if (khttpd_plugins[i]->metrics &&
		    config_loads(cfg, khttpd_plugins[i]))
			khttpd_plugins[i]->metrics(cfg, m);
}
