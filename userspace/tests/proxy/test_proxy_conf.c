// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * proxy_reverse configuration: the example from Monkey's plugin page taken
 * verbatim (defaults, two entries, per-entry override, Match rules), and
 * the error messages for bad lines.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <stdlib.h>
#include <string.h>

#include "proxy/proxy_conf.h"
#include "khttpd_check.h"

static int feed(struct proxy_conf *pc, const char *text, char *err,
		size_t errsz)
{
	char *copy = strdup(text), *save = NULL;
	int rc = 0;

	for (char *line = strtok_r(copy, "\n", &save); line && !rc;
	     line = strtok_r(NULL, "\n", &save)) {
		char *k = line + strspn(line, " \t"), *v;

		if (!*k || *k == '#')
			continue;
		v = k + strcspn(k, " \t");
		if (*v)
			*v++ = '\0';
		v += strspn(v, " \t");
		rc = proxy_conf_key(pc, k, v, err, errsz);
	}
	free(copy);
	return rc ? rc : proxy_conf_finish(pc, err, errsz);
}

static void test_monkey_example(void)
{
	static const char text[] =
		"## Proxy-Reverse configuration.\n"
		"LoadBalance First-Alive\n"
		"\n"
		"ServerList Host4:80 Host5:8080\n"
		"Match /*.php\n"
		"\n"
		"ServerList Host1:80 Host2:80 Host3:80\n"
		"LoadBalance Round-Robin\n"
		"Match /*.jpg\n"
		"Match /*.png\n"
		"Match /*.css\n"
		"Match /*.js\n"
		"Match /*.html\n";
	struct proxy_conf *pc = proxy_conf_new();
	char err[256] = "";
	struct proxy_entry *a, *b;

	CHECK(feed(pc, text, err, sizeof(err)) == 0, "parse: %s", err);
	CHECK(pc->nentries == 2, "%zu entries", pc->nentries);
	a = &pc->entries[0];
	b = &pc->entries[1];
	CHECK(a->balancer.method == BALANCER_FIRST_ALIVE,
	      "entry 1 takes the default");
	CHECK(a->balancer.nbackends == 2 && !strcmp(a->balancer.backends[1].host, "Host5") &&
	      !strcmp(a->balancer.backends[1].port, "8080"), "entry 1 servers");
	CHECK(b->balancer.method == BALANCER_RR_LOCKLESS &&
		      b->balancer.nbackends == 3,
	      "entry 2 Round-Robin over 3");
	CHECK(b->nmatch == 5, "5 Match lines");
	CHECK(a->set.offline_timeout == 10 && a->set.attempts_count == 1 &&
	      a->set.connect_timeout_ms == 2000, "built-in defaults");
	CHECK(proxy_conf_match(pc, "/index.php") == a, "php -> entry 1");
	CHECK(proxy_conf_match(pc, "/img/logo.png") == b, "png -> entry 2");
	CHECK(proxy_conf_match(pc, "/site.css") == b, "css -> entry 2");
	CHECK(proxy_conf_match(pc, "/readme.txt") == NULL, "txt -> none");
	proxy_conf_free(pc);
}

/* Is r the range that word parses to? */
static bool same_range(const struct cidr *r, const char *word)
{
	struct cidr want;

	return !cidr_parse(word, &want) && r->bits == want.bits &&
	       !memcmp(&r->net, &want.net, sizeof(want.net));
}

static void test_settings(void)
{
	static const char text[] =
		"AttemptsCount 3\n"
		"OfflineTimeOut 5\n"
		"ConnectTimeOut 250ms\n"
		"HostHeader Backend\n"
		"TrustForwarded 10.0.0.0/8 ::1\n"
		"ServerList a:1 a:1 b:2\n"
		"Match ^/api/\n"
		"ConnectTimeOut 0.5\n"
		"HostHeader www.example.org\n"
		"LoadBalance least_connections\n"
		"ServerList c:3\n"
		"Match ^/other/\n"
		"TrustForwarded 192.0.2.1\n";
	struct proxy_conf *pc = proxy_conf_new();
	char err[256] = "";
	struct proxy_entry *e;

	CHECK(feed(pc, text, err, sizeof(err)) == 0, "parse: %s", err);
	e = &pc->entries[0];
	CHECK(e->set.attempts_count == 3 && e->set.offline_timeout == 5,
	      "defaults inherited");
	CHECK(e->set.connect_timeout_ms == 500, "entry override %d",
	      e->set.connect_timeout_ms);
	CHECK(pc->defaults.connect_timeout_ms == 250, "default 250ms");
	CHECK(e->set.host_mode == PROXY_HOST_FIXED &&
	      !strcmp(e->set.host_value, "www.example.org"), "host fixed");
	CHECK(e->balancer.method == BALANCER_LEAST_CONN &&
		      e->balancer.backends[0].weight == 2,
	      "least conn, weight 2");
	CHECK(e->balancer.attempts_count == 3 &&
		      e->balancer.offline_timeout == 5,
	      "balancer got HA settings");
	CHECK(e->set.trust.n == 2 && same_range(&e->set.trust.v[1], "::1"),
	      "TrustForwarded inherited");
	CHECK(pc->entries[1].set.trust.n == 1 &&
	      same_range(&pc->entries[1].set.trust.v[0], "192.0.2.1"),
	      "TrustForwarded overridden");
	CHECK(proxy_conf_match(pc, "/api/x") == e, "anchored match");
	CHECK(proxy_conf_match(pc, "/v2/api/x") == NULL, "anchor holds");
	proxy_conf_free(pc);
}

static void expect_error(const char *text, const char *needle)
{
	struct proxy_conf *pc = proxy_conf_new();
	char err[256] = "";

	CHECK(feed(pc, text, err, sizeof(err)) != 0 && strstr(err, needle),
	      "'%s': want error with '%s', got '%s'", text, needle, err);
	proxy_conf_free(pc);
}

static void test_errors(void)
{
	expect_error("Match /x\n", "before any ServerList");
	expect_error("ServerList a:1\n", "no Match");
	expect_error("LoadBalance Random\n", "unknown method 'Random'");
	expect_error("ServerList a:1\nMatch (\n", "bad regex");
	expect_error("ServerList a\nMatch /\n", "host:port");
	expect_error("ServerList a:99999\nMatch /\n", "bad port");
	expect_error("AttemptsCount 0\n", "AttemptsCount");
	expect_error("OfflineTimeOut soon\n", "OfflineTimeOut");
	expect_error("ConnectTimeOut 2 minutes\n", "ConnectTimeOut");
	expect_error("HostHeader bad/name\n", "HostHeader");
	expect_error("TrustForwarded 10.0.0.0/8 proxy.example\n",
		     "TrustForwarded: 'proxy.example' is not an address");
	expect_error("TrustForwarded ::1\nTrustForwarded ::2\n", "given twice");
	expect_error("Frobnicate 1\n", "unknown key 'Frobnicate'");
	expect_error("ServerList a:1\nMatch /\nLoadBalance Naive\nLoadBalance Naive\n",
		     "given twice");
	expect_error("LoadBalance Naive\n", "no ServerList");
}

int main(void)
{
	test_monkey_example();
	test_settings();
	test_errors();
	return check_done("test_proxy_conf");
}
