// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Address ranges (see cidr.h). */
#define _GNU_SOURCE
#include "cidr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void v4_mapped(struct in6_addr *out, const void *v4)
{
	memset(out, 0, sizeof(*out));
	out->s6_addr[10] = out->s6_addr[11] = 0xff;
	memcpy(&out->s6_addr[12], v4, 4);
}

int cidr_parse(const char *v, struct cidr *r)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(v, '/');
	size_t len = slash ? (size_t)(slash - v) : strlen(v);
	unsigned long bits, max;
	struct in_addr a4;
	char *end;

	if (!strcasecmp(v, "all")) {
		memset(&r->net, 0, sizeof(r->net));
		r->bits = 0;
		return 0;
	}
	if (len >= sizeof(addr))
		return -1;
	memcpy(addr, v, len);
	addr[len] = '\0';
	if (inet_pton(AF_INET, addr, &a4) == 1) {
		v4_mapped(&r->net, &a4);
		max = 32;
	} else if (inet_pton(AF_INET6, addr, &r->net) == 1) {
		max = 128;
	} else {
		return -1;
	}
	bits = max;
	if (slash) {
		bits = strtoul(slash + 1, &end, 10);
		if (!slash[1] || *end || bits > max)
			return -1;
	}
	r->bits = (uint8_t)(bits + 128 - max);
	return 0;
}

bool cidr_match(const struct cidr *r, const struct in6_addr *a)
{
	unsigned full = r->bits / 8, rest = r->bits % 8;

	if (memcmp(a->s6_addr, r->net.s6_addr, full))
		return false;
	return !rest || !((a->s6_addr[full] ^ r->net.s6_addr[full]) &
			  (0xff00u >> rest));
}

void cidr_peer(const struct sockaddr *sa, struct in6_addr *out)
{
	if (sa->sa_family == AF_INET6)
		*out = ((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		v4_mapped(out, &((const struct sockaddr_in *)sa)->sin_addr);
}

int cidr_list_add(struct cidr_list *l, const char *key, const char *words,
		  char *err, size_t errsz)
{
	char *copy = strdup(words), *save = NULL;

	if (!copy) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		struct cidr *nv = realloc(l->v, (l->n + 1) * sizeof(*l->v));

		if (!nv) {
			snprintf(err, errsz, "out of memory");
			free(copy);
			return -1;
		}
		l->v = nv;
		if (cidr_parse(w, &l->v[l->n])) {
			snprintf(err, errsz, "%s: '%s' is not an address, CIDR or 'all'",
				 key, w);
			free(copy);
			return -1;
		}
		l->n++;
	}
	free(copy);
	return 0;
}

bool cidr_list_match(const struct cidr_list *l, const struct sockaddr *sa)
{
	struct in6_addr a;

	cidr_peer(sa, &a);
	for (size_t i = 0; i < l->n; i++)
		if (cidr_match(&l->v[i], &a))
			return true;
	return false;
}

void cidr_list_free(struct cidr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}
