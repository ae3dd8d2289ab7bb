// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * core/cidr: ranges parsed from config words and matched against peers of
 * both families, as mandril, the cache admin and the proxy's trusted
 * forwarders use them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <string.h>

#include "core/cidr.h"
#include "khttpd_check.h"

static bool in_list(const struct cidr_list *l, const char *addr)
{
	struct sockaddr_in in4 = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	if (inet_pton(AF_INET, addr, &in4.sin_addr) == 1)
		return cidr_list_match(l, (struct sockaddr *)&in4);
	CHECK(inet_pton(AF_INET6, addr, &in6.sin6_addr) == 1, "address %s", addr);
	return cidr_list_match(l, (struct sockaddr *)&in6);
}

int main(void)
{
	static const char *const bad[] = {
		"10.0.0.0/33", "::/129", "10.0.0.0/", "10.0.0.0/x", "10.0.0",
		"host.example", "1.2.3.4/8/8", "",
	};
	struct cidr_list l = { 0 };
	struct cidr r;
	char err[128];

	CHECK(!cidr_list_add(&l, "Allow", "127.0.0.0/8  ::1\t10.1.2.3", err, sizeof(err)) &&
	      l.n == 3, "three words");
	CHECK(in_list(&l, "127.9.9.9") && in_list(&l, "::ffff:127.0.0.1") &&
	      in_list(&l, "::1") && in_list(&l, "10.1.2.3"), "members match");
	CHECK(!in_list(&l, "128.0.0.1") && !in_list(&l, "::2") &&
	      !in_list(&l, "10.1.2.4") && !in_list(&l, "::127.0.0.1"),
	      "others do not");
	CHECK(cidr_list_add(&l, "AdminAllow", "::1 nope", err, sizeof(err)) &&
	      strstr(err, "AdminAllow: 'nope'"), "bad word named: %s", err);
	cidr_list_free(&l);
	CHECK(!l.n && !l.v && !in_list(&l, "127.0.0.1"), "empty list matches none");

	CHECK(!cidr_list_add(&l, "x", "2001:db8::/33 192.168.0.0/23", err, sizeof(err)),
	      "prefixes");
	CHECK(in_list(&l, "2001:db8:7fff::1") && !in_list(&l, "2001:db8:8000::1") &&
	      in_list(&l, "192.168.1.255") && !in_list(&l, "192.168.2.0"),
	      "prefix boundaries");
	cidr_list_free(&l);
	CHECK(!cidr_list_add(&l, "x", "all", err, sizeof(err)) &&
	      in_list(&l, "8.8.8.8") && in_list(&l, "2001:db8::1"), "all");
	cidr_list_free(&l);

	for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
		CHECK(cidr_parse(bad[i], &r), "refused: '%s'", bad[i]);
	return check_done("test_cidr");
}
