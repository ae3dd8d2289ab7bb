/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The daemon's counters written once, read two ways: the Prometheus text
 * exposition format (0.0.4) of the metrics plugin and the "metrics" object
 * of khttpctl stats --json, so that both always show the same figures.
 * The formatting (metrics.c) is pure; the gathering (stats.c) asks the
 * core, then each service's and plugin's metrics hook.
 *
 * A family is named once; its samples follow. A family without samples
 * writes nothing in either form. Names are ours ([a-z_]); label values
 * may come from a config file or a backend and are escaped here.
 */
#ifndef KHTTPDD_METRICS_H
#define KHTTPDD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;
struct strbuf;

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE };

struct metrics {
	struct strbuf *out;
	bool json;
	/* the family named last, written with its first sample */
	const char *name, *help;
	enum metric_kind kind;
	bool labelled;		/* JSON: an array of {labels, "value"} */
	bool started;		/* its first sample is written */
	bool any;		/* JSON: a family was written (comma) */
};

/* JSON: writes "{"; metrics_end() writes "}". */
void metrics_begin(struct metrics *m, struct strbuf *out, bool json);
void metrics_end(struct metrics *m);
/*
 * The next family: name without the "khttpd_" prefix; a counter's name
 * ends in "_total". labelled: its samples carry labels (JSON then holds
 * an array of objects, else the number itself).
 */
void metrics_family(struct metrics *m, const char *name,
		    enum metric_kind kind, bool labelled, const char *help);
/*
 * One sample of the family: labels are name, value pairs ended by NULL
 * (none for an unlabelled family).
 */
__attribute__((sentinel))
void metrics_sample(struct metrics *m, uint64_t v, ...);
/* An unlabelled family whose one sample is a uint64_t at offset off. */
struct metric_field {
	const char *name, *help;
	enum metric_kind kind;
	size_t off;
};

/* Each of f[0..n), its value read in the struct at base. */
void metrics_fields(struct metrics *m, const struct metric_field *f,
		    size_t n, const void *base);
/* Five samples labelled class="1xx".."5xx": v[0] for 1xx... */
void metrics_classes(struct metrics *m, const uint64_t v[5]);
/*
 * s as a Prometheus label value between its quotes: '\\', '"' and LF
 * escaped as the format says; other control characters and bytes that
 * are not well-formed UTF-8 (which a scraper refuses) become U+FFFD.
 */
void metrics_label_value(struct strbuf *o, const char *s);

/* ---- stats.c ---- */

/*
 * Every counter: the workers' (summed), TLS, then each service's and
 * loaded plugin's metrics hook for cfg. Master or worker thread.
 */
void stats_collect(const struct config *cfg, struct metrics *m);

#endif /* KHTTPDD_METRICS_H */
