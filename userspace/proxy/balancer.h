/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Load balancing and backend health for the proxy_reverse plugin
 * (Documentation/proxy.md).
 *
 * A balancer owns a list of slots (the ServerList as written, duplicates
 * included: listing a server three times gives it weight 3) pointing at
 * unique backends, which carry the health state shared by every slot and
 * every worker thread. Nothing here blocks except the Locking-Round-Robin
 * mutex; the caller supplies the clock (monotonic seconds) so tests can
 * move time.
 */
#ifndef KHTTPDD_BALANCER_H
#define KHTTPDD_BALANCER_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum balancer_method {
	BALANCER_NAIVE, /* first alive from a per-connection number */
	BALANCER_FIRST_ALIVE, /* first alive from slot 0 */
	BALANCER_RR_LOCKLESS, /* atomic ticket, scan forward on dead */
	BALANCER_RR_LOCKING, /* mutex, cursor moves past the one chosen */
	BALANCER_LEAST_CONN, /* fewest active connections / weight */
};

/* Unique backends per balancer: the per-request "tried" set is a bitmask. */
#define BALANCER_MAX_BACKENDS 64
#define BALANCER_MAX_SLOTS 256

struct balancer_backend {
	char *host;
	char *port;
	struct sockaddr_storage addr;
	socklen_t addrlen;	/* 0: not resolved, every connect fails */
	unsigned weight;	/* times it appears in the ServerList */

	/* health: consecutive failures and the end of the offline period */
	atomic_uint fails;
	_Atomic int64_t offline_until;	/* monotonic s; 0: online */
	atomic_uint active;		/* connections in use (Least-Conn) */
	atomic_ullong picked;		/* times chosen, for stats and tests */
};

struct balancer {
	enum balancer_method method;
	unsigned attempts_count;	/* failures before offline */
	unsigned offline_timeout;	/* seconds offline before a retry */
	struct balancer_backend *backends;
	unsigned nbackends;
	unsigned *slot;			/* slot -> backend index */
	unsigned nslots;
	atomic_ulong rr_ticket;		/* Round-Robin lockless */
	pthread_mutex_t rr_lock;	/* Round-Robin locking */
	unsigned rr_cursor;		/* guarded by rr_lock */
};

/* Parse a method name ("First-Alive", "round_robin", ...); -1 if unknown. */
int balancer_method_parse(const char *name);
const char *balancer_method_name(enum balancer_method m);

/*
 * Build a balancer from "host:port" words (IPv6 as "[::1]:80"). Duplicates
 * share one backend and raise its weight. Returns 0, or -1 with a message
 * in err. Addresses are not resolved here: see balancer_resolve().
 */
int balancer_init(struct balancer *b, enum balancer_method m,
		  char *const *servers, unsigned nservers,
		  unsigned attempts_count, unsigned offline_timeout, char *err,
		  size_t errsz);
void balancer_destroy(struct balancer *b);

/*
 * Resolve every backend (getaddrinfo: blocking, so at config time only).
 * A name that does not resolve leaves addrlen 0; returns how many failed
 * and names the first in err.
 */
unsigned balancer_resolve(struct balancer *b, char *err, size_t errsz);

/*
 * Choose a backend not in *tried (bit i = backend i) that is online, or
 * whose offline period ended and whose retry this caller won; marks it in
 * *tried and returns it, or NULL when none is left. hint is the
 * per-connection number for Naive (socket or source port).
 */
struct balancer_backend *balancer_pick(struct balancer *b, uint64_t *tried,
				       unsigned long hint, int64_t now);

/*
 * Outcome of a connection attempt: success clears the failure count;
 * the attempts_count-th consecutive failure puts the backend offline for
 * offline_timeout seconds.
 */
void balancer_report(struct balancer *b, struct balancer_backend *be, bool ok,
		     int64_t now);
bool balancer_is_online(const struct balancer_backend *be, int64_t now);

/* Active connection accounting for Least-Connections. */
void balancer_conn_begin(struct balancer_backend *be);
void balancer_conn_end(struct balancer_backend *be);

#endif /* KHTTPDD_BALANCER_H */
