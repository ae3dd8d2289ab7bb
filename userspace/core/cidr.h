/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Client addresses against address ranges, for every rule that decides by
 * who is asking (mandril's Allow/Deny, the cache admin's AdminAllow, the
 * proxy's TrustForwarded). IPv4 is handled in its v4-mapped IPv6 form, so
 * one comparison serves both families and the dual-stack socket's peers.
 */
#ifndef KHTTPDD_CIDR_H
#define KHTTPDD_CIDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct cidr {
	struct in6_addr net;
	uint8_t bits;		/* prefix length over the IPv6 (mapped) form */
};

/* "all", an address or address/prefix, IPv4 or IPv6: 0, or -1. */
int cidr_parse(const char *v, struct cidr *out);
bool cidr_match(const struct cidr *r, const struct in6_addr *a);
/* A peer's address (AF_INET or AF_INET6) in the form cidr_match() takes. */
void cidr_peer(const struct sockaddr *sa, struct in6_addr *out);

/* A list of ranges: any match. */
struct cidr_list {
	struct cidr *v;
	size_t n;
};

/* Add each blank-separated word of words; -1 names the bad one in err. */
int cidr_list_add(struct cidr_list *l, const char *key, const char *words,
		  char *err, size_t errsz);
bool cidr_list_match(const struct cidr_list *l, const struct sockaddr *sa);
void cidr_list_free(struct cidr_list *l);

#endif /* KHTTPDD_CIDR_H */
