// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Load balancing methods and backend health (see balancer.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "balancer.h"

#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct {
	const char *name;	/* canonical, as documented */
	const char *key;	/* lower case, no '-' or '_' */
	enum balancer_method m;
} method_names[] = {
	{ "Naive", "naive", BALANCER_NAIVE },
	{ "First-Alive", "firstalive", BALANCER_FIRST_ALIVE },
	{ "Round-Robin", "roundrobin", BALANCER_RR_LOCKLESS },
	{ "Lockless-Round-Robin", "locklessroundrobin", BALANCER_RR_LOCKLESS },
	{ "Weighted-Round-Robin", "weightedroundrobin", BALANCER_RR_LOCKLESS },
	{ "WRR", "wrr", BALANCER_RR_LOCKLESS },
	{ "Locking-Round-Robin", "lockingroundrobin", BALANCER_RR_LOCKING },
	{ "Least-Connections", "leastconnections", BALANCER_LEAST_CONN },
};

int balancer_method_parse(const char *name)
{
	char key[32];
	size_t n = 0;

	for (; *name; name++) {
		if (*name == '-' || *name == '_')
			continue;
		if (n + 1 >= sizeof(key))
			return -1;
		key[n++] = (char)tolower((unsigned char)*name);
	}
	key[n] = '\0';
	for (size_t i = 0; i < sizeof(method_names) / sizeof(method_names[0]);
	     i++)
		if (!strcmp(key, method_names[i].key))
			return (int)method_names[i].m;
	return -1;
}

const char *balancer_method_name(enum balancer_method m)
{
	switch (m) {
	case BALANCER_NAIVE:
		return "Naive";
	case BALANCER_FIRST_ALIVE:
		return "First-Alive";
	case BALANCER_RR_LOCKLESS:
		return "Lockless-Round-Robin";
	case BALANCER_RR_LOCKING:
		return "Locking-Round-Robin";
	case BALANCER_LEAST_CONN:
		return "Least-Connections";
	}
	return "?";
}

/* Split "host:port" / "[v6]:port" into malloc'd parts. */
static int split_hostport(const char *s, char **host, char **port,
			  char *err, size_t errsz)
{
	const char *colon, *h = s, *hend;
	char *end;
	long p;

	if (*s == '[') {
		hend = strchr(s, ']');
		if (!hend || hend[1] != ':') {
			snprintf(err, errsz, "bad server '%s': want [v6addr]:port", s);
			return -1;
		}
		h = s + 1;
		colon = hend + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || memchr(s, ':', (size_t)(colon - s))) {
			snprintf(err, errsz, "bad server '%s': want host:port", s);
			return -1;
		}
		hend = colon;
	}
	p = strtol(colon + 1, &end, 10);
	if (end == colon + 1 || *end || p < 1 || p > 65535) {
		snprintf(err, errsz, "bad port in server '%s'", s);
		return -1;
	}
	*host = strndup(h, (size_t)(hend - h));
	*port = strdup(colon + 1);
	if (!*host || !*port) {
		free(*host);
		free(*port);
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

int balancer_init(struct balancer *b, enum balancer_method m,
		  char *const *servers, unsigned nservers,
		  unsigned attempts_count, unsigned offline_timeout, char *err,
		  size_t errsz)
{
	memset(b, 0, sizeof(*b));
	b->method = m;
	b->attempts_count = attempts_count ? attempts_count : 1;
	b->offline_timeout = offline_timeout;
	if (nservers == 0 || nservers > BALANCER_MAX_SLOTS) {
		snprintf(err, errsz, "ServerList needs 1 to %d servers",
			 BALANCER_MAX_SLOTS);
		return -1;
	}
	pthread_mutex_init(&b->rr_lock, NULL);
	b->slot = calloc(nservers, sizeof(*b->slot));
	b->backends = calloc(nservers, sizeof(*b->backends));
	if (!b->slot || !b->backends) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < nservers; i++) {
		char *host, *port;
		unsigned j;

		if (split_hostport(servers[i], &host, &port, err, errsz))
			goto fail;
		for (j = 0; j < b->nbackends; j++)
			if (!strcasecmp(b->backends[j].host, host) &&
			    !strcmp(b->backends[j].port, port))
				break;
		if (j < b->nbackends) {
			free(host);
			free(port);
		} else if (b->nbackends == BALANCER_MAX_BACKENDS) {
			free(host);
			free(port);
			snprintf(err, errsz, "more than %d distinct servers",
				 BALANCER_MAX_BACKENDS);
			goto fail;
		} else {
			b->backends[j].host = host;
			b->backends[j].port = port;
			b->nbackends++;
		}
		b->backends[j].weight++;
		b->slot[b->nslots++] = j;
	}
	return 0;
fail:
	balancer_destroy(b);
	return -1;
}

void balancer_destroy(struct balancer *b)
{
	for (unsigned i = 0; i < b->nbackends; i++) {
		free(b->backends[i].host);
		free(b->backends[i].port);
	}
	pthread_mutex_destroy(&b->rr_lock);
	free(b->backends);
	free(b->slot);
	memset(b, 0, sizeof(*b));
}

unsigned balancer_resolve(struct balancer *b, char *err, size_t errsz)
{
	unsigned failed = 0;

	for (unsigned i = 0; i < b->nbackends; i++) {
		struct balancer_backend *be = &b->backends[i];
		struct addrinfo hints = {
			.ai_family = AF_UNSPEC,
			.ai_socktype = SOCK_STREAM,
		}, *res;
		int rc = getaddrinfo(be->host, be->port, &hints, &res);

		if (rc) {
			if (!failed++)
				snprintf(err, errsz, "cannot resolve %s: %s",
					 be->host, gai_strerror(rc));
			be->addrlen = 0;
			continue;
		}
		memcpy(&be->addr, res->ai_addr, res->ai_addrlen);
		be->addrlen = res->ai_addrlen;
		freeaddrinfo(res);
	}
	return failed;
}

bool balancer_is_online(const struct balancer_backend *be, int64_t now)
{
	int64_t until = atomic_load_explicit(&be->offline_until,
					     memory_order_relaxed);

	return until == 0 || now >= until;
}

/* At least a second, so that "until" never reads as 0 (online). */
static int64_t offline_period(const struct balancer *b)
{
	return b->offline_timeout ? (int64_t)b->offline_timeout : 1;
}

/*
 * May this caller use be now? Online: yes. Offline period over: only the
 * one caller whose compare-and-swap pushes the period forward gets to
 * retry it, so a dead backend sees one probe per OfflineTimeOut, not one
 * per request.
 */
static bool claim(struct balancer *b, struct balancer_backend *be, int64_t now)
{
	int64_t until = atomic_load_explicit(&be->offline_until,
					     memory_order_acquire);

	if (until == 0)
		return true;
	if (now < until)
		return false;
	return atomic_compare_exchange_strong(&be->offline_until, &until,
					      now + offline_period(b));
}

static struct balancer_backend *take(struct balancer_backend *be, unsigned idx,
				     uint64_t *tried)
{
	*tried |= 1ull << idx;
	atomic_fetch_add_explicit(&be->picked, 1, memory_order_relaxed);
	return be;
}

/* First usable slot at or after start; *found gets the slot index. */
static struct balancer_backend *scan_slots(struct balancer *b, unsigned start,
					   uint64_t *tried, int64_t now,
					   unsigned *found)
{
	for (unsigned i = 0; i < b->nslots; i++) {
		unsigned s = (start + i) % b->nslots;
		unsigned idx = b->slot[s];
		struct balancer_backend *be = &b->backends[idx];

		if (*tried & (1ull << idx) || !claim(b, be, now))
			continue;
		*found = s;
		return take(be, idx, tried);
	}
	return NULL;
}

/*
 * Fewest active connections per unit of weight. Ties rotate with the
 * ticket: sequential requests all see zero active and would otherwise
 * always land on the first backend.
 */
static struct balancer_backend *least_conn(struct balancer *b, uint64_t *tried,
					   int64_t now)
{
	unsigned start = (unsigned)(atomic_fetch_add_explicit(&b->rr_ticket, 1,
					memory_order_relaxed) % b->nbackends);

	for (;;) {
		struct balancer_backend *best = NULL;
		unsigned best_idx = 0, best_active = 0;

		for (unsigned i = 0; i < b->nbackends; i++) {
			unsigned idx = (start + i) % b->nbackends;
			struct balancer_backend *be = &b->backends[idx];
			unsigned act;

			if (*tried & (1ull << idx) || !balancer_is_online(be, now))
				continue;
			act = atomic_load_explicit(&be->active,
						   memory_order_relaxed);
			/* act/weight < best_active/best->weight */
			if (!best || (uint64_t)act * best->weight <
				     (uint64_t)best_active * be->weight) {
				best = be;
				best_idx = idx;
				best_active = act;
			}
		}
		if (!best)
			return NULL;
		if (claim(b, best, now))
			return take(best, best_idx, tried);
		/* lost the retry race for an expired backend: skip it */
		*tried |= 1ull << best_idx;
	}
}

struct balancer_backend *balancer_pick(struct balancer *b, uint64_t *tried,
				       unsigned long hint, int64_t now)
{
	struct balancer_backend *be;
	unsigned found;

	if (!b->nslots)
		return NULL;
	switch (b->method) {
	case BALANCER_NAIVE:
		return scan_slots(b, (unsigned)(hint % b->nslots), tried, now,
				  &found);
	case BALANCER_FIRST_ALIVE:
		return scan_slots(b, 0, tried, now, &found);
	case BALANCER_RR_LOCKLESS:
		return scan_slots(b, (unsigned)(atomic_fetch_add_explicit(
					&b->rr_ticket, 1,
					memory_order_relaxed) % b->nslots),
				  tried, now, &found);
	case BALANCER_RR_LOCKING:
		pthread_mutex_lock(&b->rr_lock);
		be = scan_slots(b, b->rr_cursor, tried, now, &found);
		if (be)
			b->rr_cursor = (found + 1) % b->nslots;
		pthread_mutex_unlock(&b->rr_lock);
		return be;
	case BALANCER_LEAST_CONN:
		return least_conn(b, tried, now);
	}
	return NULL;
}

void balancer_report(struct balancer *b, struct balancer_backend *be, bool ok,
		     int64_t now)
{
	if (ok) {
		atomic_store_explicit(&be->fails, 0, memory_order_relaxed);
		atomic_store_explicit(&be->offline_until, 0,
				      memory_order_release);
		return;
	}
	if (atomic_fetch_add_explicit(&be->fails, 1, memory_order_relaxed) + 1 >=
	    b->attempts_count)
		atomic_store_explicit(&be->offline_until,
				      now + offline_period(b),
				      memory_order_release);
}

void balancer_conn_begin(struct balancer_backend *be)
{
	atomic_fetch_add_explicit(&be->active, 1, memory_order_relaxed);
}

void balancer_conn_end(struct balancer_backend *be)
{
	atomic_fetch_sub_explicit(&be->active, 1, memory_order_relaxed);
}
