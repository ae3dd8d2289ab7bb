// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests: the metrics sink (core/metrics.c) in both forms. Label
 * values come from config files (a ServerName, a ServerList host) and
 * must not break out of their quotes, end a line early or carry bytes a
 * scraper refuses; families without samples write nothing; the JSON is
 * the same figures by the same names, label values alike.
 */
#include <stdlib.h>
#include <string.h>

#include "core/metrics.h"
#include "core/strbuf.h"
#include "khttpd_check.h"

static void label_is(const char *s, const char *want)
{
	struct strbuf b = { 0 };
	char *got;

	metrics_label_value(&b, s);
	got = strbuf_take(&b, NULL);
	CHECK(got && !strcmp(got, want), "%s: got '%s', want '%s'", s, got, want);
	free(got);
}

static void test_label_escaping(void)
{
	label_is("b1.example:8080", "b1.example:8080");
	label_is("a\"b", "a\\\"b");
	label_is("a\\b", "a\\\\b");
	label_is("\\\"", "\\\\\\\"");		/* no escape eats the next */
	label_is("x\ny", "x\\ny");
	label_is("caf\xc3\xa9", "caf\xc3\xa9");	/* UTF-8 stays */
	/* control characters and what is no UTF-8: U+FFFD each */
	label_is("a\rb\tc\x7f", "a\xef\xbf\xbd" "b\xef\xbf\xbd" "c\xef\xbf\xbd");
	label_is("\xff", "\xef\xbf\xbd");
	label_is("\xc3", "\xef\xbf\xbd");		/* truncated */
	label_is("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong '/' */
	label_is("\xed\xa0\x80x", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx");
	label_is("", "");
}

/* A small exposition: what stats_collect() does, with a hostile label. */
static char *render(bool json)
{
	struct strbuf b = { 0 };
	struct metrics m;

	metrics_begin(&m, &b, json);
	metrics_family(&m, "daemon_requests_total", METRIC_COUNTER, false,
		       "Requests.");
	metrics_sample(&m, 7, NULL);
	metrics_family(&m, "empty", METRIC_GAUGE, true, "Never sampled.");
	metrics_family(&m, "proxy_backend_up", METRIC_GAUGE, true, "Up.");
	metrics_sample(&m, 1, "scope", "main", "backend", "b:80", NULL);
	metrics_sample(&m, 0, "scope", "x\"}\n#", "backend", "\\\xff\r", NULL);
	metrics_family(&m, "empty_too", METRIC_COUNTER, false, "Nothing.");
	metrics_end(&m);
	return strbuf_take(&b, NULL);
}

static void test_text(void)
{
	char *got = render(false);
	const char *want =
		"# HELP khttpd_daemon_requests_total Requests.\n"
		"# TYPE khttpd_daemon_requests_total counter\n"
		"khttpd_daemon_requests_total 7\n"
		"# HELP khttpd_proxy_backend_up Up.\n"
		"# TYPE khttpd_proxy_backend_up gauge\n"
		"khttpd_proxy_backend_up{scope=\"main\",backend=\"b:80\"} 1\n"
		"khttpd_proxy_backend_up{scope=\"x\\\"}\\n#\",backend=\"\\\\\xef\xbf\xbd\xef\xbf\xbd\"} 0\n";

	CHECK(got && !strcmp(got, want), "text:\n%s\nwant:\n%s", got, want);
	free(got);
}

static void test_json(void)
{
	char *got = render(true);
	const char *want =
		"{\"khttpd_daemon_requests_total\":7,"
		"\"khttpd_proxy_backend_up\":["
		"{\"scope\":\"main\",\"backend\":\"b:80\",\"value\":1},"
		"{\"scope\":\"x\\\"}\\u000a#\",\"backend\":\"\\\\\xef\xbf\xbd\xef\xbf\xbd\",\"value\":0}]}";

	CHECK(got && !strcmp(got, want), "json:\n%s\nwant:\n%s", got, want);
	free(got);
}

/* Nothing at all: an empty object, an empty page. */
static void test_empty(void)
{
	for (int json = 0; json < 2; json++) {
		struct strbuf b = { 0 };
		struct metrics m;
		char *got;

		metrics_begin(&m, &b, json);
		metrics_family(&m, "x_total", METRIC_COUNTER, true, "x");
		metrics_end(&m);
		got = strbuf_take(&b, NULL);
		CHECK(got && !strcmp(got, json ? "{}" : ""), "empty %d: '%s'",
		      json, got);
		free(got);
	}
}

int main(void)
{
	test_label_escaping();
	test_text();
	test_json();
	test_empty();
	return check_done("metrics");
}
