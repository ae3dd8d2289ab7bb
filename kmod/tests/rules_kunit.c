// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the `dynamic` rule and `hosts` matchers of kmod/rules.c (hosts
 * fed the parser's host_name, as header.c does).
 */
#include <kunit/test.h>
#include <linux/stat.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <khttpd/http_parser.h>
#include "../rules.h"

static bool match(const char *rules, const char *path, bool query)
{
	return khttpd_rules_match(rules, path, strlen(path), query);
}

static void rules_validate_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate(""));
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate("   "));
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate("/cgi-bin/ *.php ?"));
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate("  *.PHP   /api "));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("cgi-bin"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("*php"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("*."));
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate("*.c"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("*.p*p"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("*.a/b"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("??"));
	KUNIT_EXPECT_EQ(test, 0, khttpd_rules_validate("+x /cgi-bin/"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("+y"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("+xx"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_rules_validate("/ok bad"));
}

static void rules_prefix_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, match("/cgi-bin/", "/cgi-bin/x.sh", false));
	KUNIT_EXPECT_TRUE(test, match("/cgi-bin/", "/cgi-bin/", false));
	KUNIT_EXPECT_FALSE(test, match("/cgi-bin/", "/cgi-bin", false));
	KUNIT_EXPECT_FALSE(test, match("/cgi-bin/", "/CGI-BIN/x", false));
	KUNIT_EXPECT_FALSE(test, match("/cgi-bin/", "/a/cgi-bin/x", false));
	KUNIT_EXPECT_TRUE(test, match("/", "/anything", false));
	/* a prefix is not a whole segment unless it ends with '/' */
	KUNIT_EXPECT_TRUE(test, match("/api", "/apiary.txt", false));
}

static void rules_suffix_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, match("*.php", "/index.php", false));
	KUNIT_EXPECT_TRUE(test, match("*.php", "/a/b/INDEX.PHP", false));
	KUNIT_EXPECT_FALSE(test, match("*.php", "/index.php.txt", false));
	KUNIT_EXPECT_FALSE(test, match("*.php", "/php", false));
	KUNIT_EXPECT_FALSE(test, match("*.php", "/x.ph", false));
	KUNIT_EXPECT_TRUE(test, match("*.php", "/.php", false));
	KUNIT_EXPECT_TRUE(test, match("*.php", ".php", false));
	KUNIT_EXPECT_FALSE(test, match("*.php", "", false));
}

static void rules_query_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, match("?", "/search", true));
	KUNIT_EXPECT_FALSE(test, match("?", "/search", false));
	KUNIT_EXPECT_FALSE(test, match("*.php", "/a.txt", true));
}

static void rules_list_test(struct kunit *test)
{
	const char *r = "  /cgi-bin/  *.php *.pl ";

	KUNIT_EXPECT_TRUE(test, match(r, "/x.pl", false));
	KUNIT_EXPECT_TRUE(test, match(r, "/x.php", false));
	KUNIT_EXPECT_TRUE(test, match(r, "/cgi-bin/a", false));
	KUNIT_EXPECT_FALSE(test, match(r, "/x.html", true));
	KUNIT_EXPECT_FALSE(test, match("", "/x.php", true));
	/* only the given length counts */
	KUNIT_EXPECT_FALSE(test, khttpd_rules_match("*.php", "/a.php", 4,
						    false));
}

static void rules_exec_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, khttpd_rules_exec("+x", S_IFREG | 0755));
	KUNIT_EXPECT_TRUE(test, khttpd_rules_exec("*.php +x", S_IFREG | 0645));
	KUNIT_EXPECT_TRUE(test, khttpd_rules_exec("+x", S_IFREG | 0654));
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("+x", S_IFREG | 0644));
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("+x", S_IFDIR | 0755));
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("*.php", S_IFREG | 0755));
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("", S_IFREG | 0755));
	/* only the word "+x" is the mode rule, not any of two characters */
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("/a", S_IFREG | 0755));
	KUNIT_EXPECT_FALSE(test, khttpd_rules_exec("/x", S_IFREG | 0755));
	/* a mode rule never matches a path */
	KUNIT_EXPECT_FALSE(test, match("+x", "/+x", true));
}

/* hosts against the host_name the parser gives for "Host: host". */
static bool host_ok(const char *hosts, const char *host)
{
	char buf[128];
	struct khttp_request req;
	int n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			 host);

	khttp_request_init(&req);
	if (khttp_parse(&req, NULL, buf, n) != KHTTP_DONE)
		return false;
	return khttpd_host_allowed(hosts, buf + req.host_name.off,
				   req.host_name.len);
}

static void hosts_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, host_ok("", "anything.test"));
	KUNIT_EXPECT_TRUE(test, host_ok(" ", "anything.test"));
	KUNIT_EXPECT_TRUE(test, host_ok("example.org", "example.org"));
	KUNIT_EXPECT_TRUE(test, host_ok("example.org", "EXAMPLE.org"));
	KUNIT_EXPECT_TRUE(test, host_ok("example.org", "example.org:8080"));
	KUNIT_EXPECT_TRUE(test, host_ok("example.org", "example.org."));
	KUNIT_EXPECT_TRUE(test, host_ok("example.org", "Example.org.:80"));
	KUNIT_EXPECT_FALSE(test, host_ok("example.org", "example.org.evil"));
	KUNIT_EXPECT_FALSE(test, host_ok("example.org", "xexample.org"));
	KUNIT_EXPECT_FALSE(test, host_ok("example.org", "example.or"));
	KUNIT_EXPECT_FALSE(test, host_ok("example.org", ""));
	KUNIT_EXPECT_TRUE(test, host_ok("a.test [::1]", "[::1]:80"));
	KUNIT_EXPECT_TRUE(test, host_ok("a.test [::1]", "[::1]"));
	KUNIT_EXPECT_FALSE(test, host_ok("a.test", "[::1]"));
	KUNIT_EXPECT_TRUE(test, host_ok("a.test b.test", "b.test"));
}

static void hosts_validate_test(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 0, khttpd_hosts_validate(""));
	KUNIT_EXPECT_EQ(test, 0, khttpd_hosts_validate("a.test b-c.test [::1]"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_hosts_validate("a/b"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_hosts_validate("a_b.test"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_hosts_validate("_a.test"));
	KUNIT_EXPECT_EQ(test, -EINVAL, khttpd_hosts_validate("a\tb"));
}

static struct kunit_case khttpd_rules_cases[] = {
	KUNIT_CASE(rules_validate_test),
	KUNIT_CASE(rules_prefix_test),
	KUNIT_CASE(rules_suffix_test),
	KUNIT_CASE(rules_query_test),
	KUNIT_CASE(rules_list_test),
	KUNIT_CASE(rules_exec_test),
	KUNIT_CASE(hosts_test),
	KUNIT_CASE(hosts_validate_test),
	{}
};

static struct kunit_suite khttpd_rules_suite = {
	.name = "khttpd_rules",
	.test_cases = khttpd_rules_cases,
};

kunit_test_suite(khttpd_rules_suite);
