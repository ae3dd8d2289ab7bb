// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Balancer unit tests: method names, ServerList parsing and weights, the
 * measured distribution of every method (with and without a dead backend,
 * and lockless Round-Robin from several threads), offline marking after
 * AttemptsCount failures, the single retry after OfflineTimeOut, recovery.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "proxy/balancer.h"
#include "khttpd_check.h"

#define NOW 1000

static unsigned idx_of(const struct balancer *b,
		       const struct balancer_backend *be)
{
	return (unsigned)(be - b->backends);
}

static int mk(struct balancer *b, enum balancer_method m, const char *list,
	      unsigned attempts, unsigned offline)
{
	char *words[BALANCER_MAX_SLOTS], *copy = strdup(list), *save = NULL,
					 err[128];
	unsigned n = 0;
	int rc;

	for (char *w = strtok_r(copy, " ", &save); w;
	     w = strtok_r(NULL, " ", &save))
		words[n++] = w;
	rc = balancer_init(b, m, words, n, attempts, offline, err,
			   sizeof(err));
	if (rc)
		fprintf(stderr, "balancer_init(%s): %s\n", list, err);
	free(copy);
	return rc;
}

/* n single picks (each a new request), counting the backend chosen. */
static void run(struct balancer *b, unsigned n, unsigned *count, bool hold)
{
	memset(count, 0, sizeof(unsigned) * BALANCER_MAX_BACKENDS);
	for (unsigned i = 0; i < n; i++) {
		uint64_t tried = 0;
		struct balancer_backend *be = balancer_pick(b, &tried, i, NOW);

		if (!be)
			continue;
		count[idx_of(b, be)]++;
		if (hold)
			balancer_conn_begin(be);
	}
}

static void test_names(void)
{
	CHECK(balancer_method_parse("First-Alive") == BALANCER_FIRST_ALIVE,
	      "FirstAlive");
	CHECK(balancer_method_parse("firstalive") == BALANCER_FIRST_ALIVE,
	      "lower");
	CHECK(balancer_method_parse("Round-Robin") == BALANCER_RR_LOCKLESS,
	      "RR");
	CHECK(balancer_method_parse("Locking_Round_Robin") ==
	      BALANCER_RR_LOCKING, "LRR");
	CHECK(balancer_method_parse("Least-Connections") == BALANCER_LEAST_CONN,
	      "LC");
	CHECK(balancer_method_parse("Naive") == BALANCER_NAIVE, "naive");
	CHECK(balancer_method_parse("WRR") == BALANCER_RR_LOCKLESS, "wrr");
	CHECK(balancer_method_parse("Random") == -1, "unknown");
	CHECK(balancer_method_parse("") == -1, "empty");
}

static void test_parse(void)
{
	struct balancer b;
	char err[128];
	char *bad1[] = { "hostonly" }, *bad2[] = { "h:0" },
	     *bad3[] = { "h:80x" }, *bad4[] = { "[::1:80" },
	     *v6[] = { "[::1]:8080" };

	CHECK(mk(&b, BALANCER_RR_LOCKLESS, "A:1 A:1 A:1 B:2 C:3 C:3", 1,
		 1) == 0, "weighted list");
	CHECK(b.nbackends == 3 && b.nslots == 6, "%u backends %u slots",
	      b.nbackends, b.nslots);
	CHECK(b.backends[0].weight == 3 && b.backends[1].weight == 1 &&
	      b.backends[2].weight == 2, "weights");
	CHECK(!strcmp(b.backends[2].host, "C") &&
	      !strcmp(b.backends[2].port, "3"), "host/port split");
	balancer_destroy(&b);

	CHECK(balancer_init(&b, BALANCER_NAIVE, bad1, 1, 1, 1, err,
			    sizeof(err)) &&
		      strstr(err, "host:port"),
	      "no port: %s", err);
	CHECK(balancer_init(&b, BALANCER_NAIVE, bad2, 1, 1, 1, err,
			    sizeof(err)) &&
		      strstr(err, "port"),
	      "port 0: %s", err);
	CHECK(balancer_init(&b, BALANCER_NAIVE, bad3, 1, 1, 1, err,
			    sizeof(err)),
	      "port junk");
	CHECK(balancer_init(&b, BALANCER_NAIVE, bad4, 1, 1, 1, err,
			    sizeof(err)),
	      "v6 without ]");
	CHECK(balancer_init(&b, BALANCER_NAIVE, v6, 1, 1, 1, err,
			    sizeof(err)) == 0 &&
		      !strcmp(b.backends[0].host, "::1"),
	      "v6");
	balancer_destroy(&b);
	CHECK(balancer_init(&b, BALANCER_NAIVE, v6, 0, 1, 1, err, sizeof(err)),
	      "empty list");
}

static void test_resolve(void)
{
	struct balancer b;
	char err[128] = "";

	mk(&b, BALANCER_FIRST_ALIVE,
	   "127.0.0.1:80 [::1]:81 no-such-host.invalid:80", 1, 1);
	CHECK(balancer_resolve(&b, err, sizeof(err)) == 1, "one fails");
	CHECK(strstr(err, "no-such-host.invalid"), "named: %s", err);
	CHECK(b.backends[0].addrlen && b.backends[1].addrlen &&
	      !b.backends[2].addrlen, "addrlens");
	balancer_destroy(&b);
}

static void test_first_alive_and_naive(void)
{
	struct balancer b;
	unsigned c[BALANCER_MAX_BACKENDS];

	mk(&b, BALANCER_FIRST_ALIVE, "A:1 B:1 C:1", 1, 10);
	run(&b, 300, c, false);
	CHECK(c[0] == 300 && c[1] == 0 && c[2] == 0, "first alive %u/%u/%u",
	      c[0], c[1], c[2]);
	balancer_report(&b, &b.backends[0], false, NOW);
	run(&b, 300, c, false);
	CHECK(c[0] == 0 && c[1] == 300, "A dead: %u/%u/%u", c[0], c[1], c[2]);
	balancer_destroy(&b);

	/* Naive: the hint (i here, a socket number in the daemon) decides */
	mk(&b, BALANCER_NAIVE, "A:1 B:1 C:1", 1, 10);
	run(&b, 300, c, false);
	CHECK(c[0] == 100 && c[1] == 100 && c[2] == 100, "naive %u/%u/%u",
	      c[0], c[1], c[2]);
	balancer_report(&b, &b.backends[1], false, NOW);
	run(&b, 300, c, false);
	/* B's hints fall through to the next alive slot, C */
	CHECK(c[0] == 100 && c[1] == 0 && c[2] == 200, "naive B dead %u/%u/%u",
	      c[0], c[1], c[2]);
	balancer_destroy(&b);
}

static void test_round_robin(void)
{
	struct balancer b;
	unsigned c[BALANCER_MAX_BACKENDS];

	for (int m = BALANCER_RR_LOCKLESS; m <= BALANCER_RR_LOCKING; m++) {
		mk(&b, (enum balancer_method)m, "A:1 B:1 C:1", 1, 10);
		run(&b, 3000, c, false);
		CHECK(c[0] == 1000 && c[1] == 1000 && c[2] == 1000,
		      "%s %u/%u/%u", balancer_method_name(m), c[0], c[1], c[2]);
		balancer_report(&b, &b.backends[1], false, NOW);
		run(&b, 3000, c, false);
		if (m == BALANCER_RR_LOCKLESS)
			/* B's tickets go to its successor: unfair, documented */
			CHECK(c[0] == 1000 && c[1] == 0 && c[2] == 2000,
			      "lockless B dead %u/%u/%u", c[0], c[1], c[2]);
		else
			CHECK(c[0] == 1500 && c[1] == 0 && c[2] == 1500,
			      "locking B dead %u/%u/%u", c[0], c[1], c[2]);
		balancer_destroy(&b);

		/* weights by repetition: 3:1:2 */
		mk(&b, (enum balancer_method)m, "A:1 A:1 A:1 B:1 C:1 C:1", 1,
		   10);
		run(&b, 6000, c, false);
		CHECK(c[0] == 3000 && c[1] == 1000 && c[2] == 2000,
		      "%s weighted %u/%u/%u", balancer_method_name(m), c[0],
		      c[1], c[2]);
		balancer_destroy(&b);
	}
}

struct mt_arg {
	struct balancer *b;
	unsigned count[BALANCER_MAX_BACKENDS];
};

#define MT_THREADS 4
#define MT_PICKS 20000

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;

	for (unsigned i = 0; i < MT_PICKS; i++) {
		uint64_t tried = 0;
		struct balancer_backend *be =
			balancer_pick(a->b, &tried, i, NOW);

		if (be) {
			a->count[idx_of(a->b, be)]++;
			balancer_conn_begin(be);
			balancer_conn_end(be);
		}
	}
	return NULL;
}

/* Lockless and locking RR stay exact in total under concurrent picks. */
static void test_round_robin_threads(void)
{
	for (int m = BALANCER_RR_LOCKLESS; m <= BALANCER_RR_LOCKING; m++) {
		struct balancer b;
		struct mt_arg a[MT_THREADS];
		pthread_t t[MT_THREADS];
		unsigned total[3] = { 0 };

		mk(&b, (enum balancer_method)m, "A:1 B:1 C:1", 1, 10);
		for (int i = 0; i < MT_THREADS; i++) {
			memset(&a[i], 0, sizeof(a[i]));
			a[i].b = &b;
			pthread_create(&t[i], NULL, mt_worker, &a[i]);
		}
		for (int i = 0; i < MT_THREADS; i++) {
			pthread_join(t[i], NULL);
			for (int k = 0; k < 3; k++)
				total[k] += a[i].count[k];
		}
		/* 80000 picks over 3 slots: 26667/26667/26666 */
		for (int k = 0; k < 3; k++)
			CHECK(total[k] >= 26666 && total[k] <= 26667,
			      "%s threads: backend %d got %u",
			      balancer_method_name(m), k, total[k]);
		CHECK(atomic_load(&b.backends[0].active) == 0, "active back to 0");
		balancer_destroy(&b);
	}
}

static void test_least_conn(void)
{
	struct balancer b;
	unsigned c[BALANCER_MAX_BACKENDS];

	/* sequential short requests: ties rotate, so the load is even */
	mk(&b, BALANCER_LEAST_CONN, "A:1 B:1 C:1", 1, 10);
	run(&b, 300, c, false);
	CHECK(c[0] == 100 && c[1] == 100 && c[2] == 100, "idle %u/%u/%u",
	      c[0], c[1], c[2]);
	/* A busy with 10 long connections: the next 20 fill B and C first */
	for (int i = 0; i < 10; i++)
		balancer_conn_begin(&b.backends[0]);
	run(&b, 20, c, true);
	CHECK(c[0] == 0 && c[1] == 10 && c[2] == 10, "A busy %u/%u/%u",
	      c[0], c[1], c[2]);
	/* all at 10 now: held connections spread evenly */
	run(&b, 30, c, true);
	CHECK(c[0] == 10 && c[1] == 10 && c[2] == 10, "even %u/%u/%u",
	      c[0], c[1], c[2]);
	balancer_destroy(&b);

	/* weighted: A (weight 2) holds twice as many */
	mk(&b, BALANCER_LEAST_CONN, "A:1 A:1 B:1", 1, 10);
	run(&b, 300, c, true);
	CHECK(c[0] == 200 && c[1] == 100, "weighted held %u/%u", c[0], c[1]);
	balancer_destroy(&b);
}

static void test_offline(void)
{
	struct balancer b;
	struct balancer_backend *be, *a, *be2;
	uint64_t tried;

	mk(&b, BALANCER_FIRST_ALIVE, "A:1 B:1", 3, 10);
	a = &b.backends[0];
	/* two failures: still online (AttemptsCount 3) */
	balancer_report(&b, a, false, NOW);
	balancer_report(&b, a, false, NOW);
	CHECK(balancer_is_online(a, NOW), "online after 2 of 3");
	tried = 0;
	CHECK(balancer_pick(&b, &tried, 0, NOW) == a, "A still picked");
	balancer_report(&b, a, false, NOW);
	CHECK(!balancer_is_online(a, NOW), "offline after 3");
	CHECK(!balancer_is_online(a, NOW + 9), "offline for 10 s");
	tried = 0;
	be = balancer_pick(&b, &tried, 0, NOW + 5);
	CHECK(be == &b.backends[1], "B while A offline");
	/* the tried set excludes B: nothing left -> 502 in the proxy */
	CHECK(balancer_pick(&b, &tried, 0, NOW + 5) == NULL, "none left");

	/* after OfflineTimeOut exactly one request retries A */
	tried = 0;
	be = balancer_pick(&b, &tried, 0, NOW + 10);
	CHECK(be == a, "retry A after timeout");
	tried = 0;
	be2 = balancer_pick(&b, &tried, 0, NOW + 10);
	CHECK(be2 == &b.backends[1], "concurrent request does not retry A");
	/* the retry fails: offline for another period at once */
	balancer_report(&b, a, false, NOW + 10);
	CHECK(!balancer_is_online(a, NOW + 19), "offline again");
	/* next retry succeeds: back online, failure count reset */
	tried = 0;
	CHECK(balancer_pick(&b, &tried, 0, NOW + 20) == a, "second retry");
	balancer_report(&b, a, true, NOW + 20);
	CHECK(balancer_is_online(a, NOW + 20) &&
	      atomic_load(&a->fails) == 0, "recovered");
	balancer_report(&b, a, false, NOW + 21);
	CHECK(balancer_is_online(a, NOW + 21), "one failure after recovery");
	balancer_destroy(&b);

	/* every backend offline: nothing to pick */
	mk(&b, BALANCER_RR_LOCKING, "A:1 B:1", 1, 10);
	balancer_report(&b, &b.backends[0], false, NOW);
	balancer_report(&b, &b.backends[1], false, NOW);
	tried = 0;
	CHECK(balancer_pick(&b, &tried, 0, NOW + 1) == NULL, "all offline");
	balancer_destroy(&b);
}

/* The tried mask yields each backend once: the HA retry loop ends. */
static void test_tried_mask(void)
{
	for (int m = BALANCER_NAIVE; m <= BALANCER_LEAST_CONN; m++) {
		struct balancer b;
		uint64_t tried = 0, seen = 0;
		struct balancer_backend *be;
		unsigned n = 0;

		mk(&b, (enum balancer_method)m, "A:1 B:1 A:1 C:1", 1, 10);
		while ((be = balancer_pick(&b, &tried, 7, NOW))) {
			seen |= 1ull << idx_of(&b, be);
			n++;
		}
		CHECK(n == 3 && seen == 7, "%s: %u picks, seen %llx",
		      balancer_method_name(m), n, (unsigned long long)seen);
		balancer_destroy(&b);
	}
}

int main(void)
{
	test_names();
	test_parse();
	test_resolve();
	test_first_alive_and_naive();
	test_round_robin();
	test_round_robin_threads();
	test_least_conn();
	test_offline();
	test_tried_mask();
	return check_done("test_balancer");
}
