// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The two forms of the daemon's counters (see metrics.h): Prometheus text
 * for a scraper, JSON for khttpctl stats --json. Pure: strings in, strings
 * out, so the escaping of hostile label values is unit-tested.
 */
#include "metrics.h"

#include <stdarg.h>
#include <stdlib.h>

#include "strbuf.h"

#define METRICS_PREFIX "khttpd_"

void metrics_begin(struct metrics *m, struct strbuf *out, bool json)
{
	*m = (struct metrics){ .out = out, .json = json };
	if (json)
		strbuf_str(out, "{");
}

/* Close the JSON array of a labelled family that had samples. */
static void family_close(struct metrics *m)
{
	if (m->json && m->started && m->labelled)
		strbuf_str(m->out, "]");
	m->started = false;
}

void metrics_end(struct metrics *m)
{
	family_close(m);
	if (m->json)
		strbuf_str(m->out, "}");
}

void metrics_family(struct metrics *m, const char *name,
		    enum metric_kind kind, bool labelled, const char *help)
{
	family_close(m);
	m->name = name;
	m->kind = kind;
	m->labelled = labelled;
	m->help = help;
}

/*
 * s with what a scraper refuses or a reader mistakes replaced by U+FFFD:
 * bytes that are not well-formed UTF-8 and control characters but LF
 * (which both forms escape). Both forms show the same label value.
 */
static char *label_clean(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	struct strbuf o = { 0 };

	while (*u) {
		size_t n = *u < 0x80 ? 1 : strbuf_utf8_len(u);

		if (!n || (*u < 0x20 && *u != '\n') || *u == 0x7f)
			strbuf_str(&o, "\xef\xbf\xbd");
		else
			strbuf_add(&o, (const char *)u, n);
		u += n ? n : 1;
	}
	return strbuf_take(&o, NULL);
}

void metrics_label_value(struct strbuf *o, const char *s)
{
	char *clean = label_clean(s);

	if (!clean) {
		o->oom = true;	/* as a failed append: the page is void */
		return;
	}
	for (const char *p = clean; *p; p++) {
		if (*p == '\\' || *p == '"')
			strbuf_printf(o, "\\%c", *p);
		else if (*p == '\n')
			strbuf_str(o, "\\n");
		else
			strbuf_add(o, p, 1);
	}
	free(clean);
}

/* A label value in JSON: the same text as metrics_label_value() gives. */
static void label_json(struct strbuf *o, const char *s)
{
	char *clean = label_clean(s);

	if (!clean) {
		o->oom = true;
		return;
	}
	strbuf_json(o, clean);
	free(clean);
}

/* The family's head, once, before its first sample. */
static void family_start(struct metrics *m)
{
	if (m->started)
		return;
	m->started = true;
	if (m->json) {
		strbuf_printf(m->out, "%s\"" METRICS_PREFIX "%s\":%s",
			      m->any ? "," : "", m->name,
			      m->labelled ? "[" : "");
		m->any = true;
		return;
	}
	strbuf_printf(m->out, "# HELP " METRICS_PREFIX "%s %s\n# TYPE "
		      METRICS_PREFIX "%s %s\n", m->name, m->help, m->name,
		      m->kind == METRIC_COUNTER ? "counter" : "gauge");
}

void metrics_sample(struct metrics *m, uint64_t v, ...)
{
	bool first_sample = !m->started;
	const char *k;
	va_list ap;
	int n = 0;

	family_start(m);
	va_start(ap, v);
	if (m->json) {
		if (m->labelled)
			strbuf_str(m->out, first_sample ? "{" : ",{");
		while ((k = va_arg(ap, const char *))) {
			strbuf_printf(m->out, "\"%s\":", k);
			label_json(m->out, va_arg(ap, const char *));
			strbuf_str(m->out, ",");
		}
		strbuf_printf(m->out, m->labelled ? "\"value\":%llu}" : "%llu",
			      (unsigned long long)v);
		va_end(ap);
		return;
	}
	strbuf_str(m->out, METRICS_PREFIX);
	strbuf_str(m->out, m->name);
	while ((k = va_arg(ap, const char *))) {
		strbuf_printf(m->out, "%s%s=\"", n++ ? "," : "{", k);
		metrics_label_value(m->out, va_arg(ap, const char *));
		strbuf_str(m->out, "\"");
	}
	va_end(ap);
	strbuf_printf(m->out, "%s %llu\n", n ? "}" : "", (unsigned long long)v);
}

void metrics_classes(struct metrics *m, const uint64_t v[5])
{
	static const char *const cls[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };

	for (int c = 0; c < 5; c++)
		metrics_sample(m, v[c], "class", cls[c], NULL);
}

void metrics_fields(struct metrics *m, const struct metric_field *f,
		    size_t n, const void *base)
{
	for (size_t i = 0; i < n; i++) {
		metrics_family(m, f[i].name, f[i].kind, false, f[i].help);
		metrics_sample(m, *(const uint64_t *)((const char *)base +
						     f[i].off), NULL);
	}
}
