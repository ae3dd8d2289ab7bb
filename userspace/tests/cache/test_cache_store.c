// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cache_store unit tests: LRU and LFU eviction order, the memory cap,
 * TTL, replacement, invalidation, references outliving eviction, stats,
 * the rate meter, top entries, and a multithreaded mix checked for data
 * integrity and counter consistency (run under ASan and TSan by make
 * check). White-box: includes the store to check its list invariants.
 */
#include "cache/cache_store.c"

#include <stdio.h>

#include "khttpd_check.h"

/* Structural invariants of every shard: counts, bytes, list links. */
static bool store_consistent(struct cache_store *s)
{
	bool ok = true;

	for (unsigned i = 0; i < s->nshards; i++) {
		struct shard *sh = &s->shards[i];
		size_t n = 0, bytes = 0, listed = 0;

		pthread_mutex_lock(&sh->lock);
		for (size_t b = 0; b < sh->nbuckets; b++)
			for (struct cache_entry *e = sh->table[b]; e; e = e->hnext) {
				n++;
				bytes += e->charge;
				ok &= e->linked;
			}
		if (s->policy == CACHE_LRU) {
			for (struct cache_entry *e = sh->head; e; e = e->next) {
				ok &= !e->next || e->next->prev == e;
				listed++;
			}
		} else {
			uint64_t last = 0;

			for (struct cache_bucket *b = sh->lfu; b; b = b->next) {
				ok &= b->freq > last && b->head;
				ok &= !b->next || b->next->prev == b;
				last = b->freq;
				for (struct cache_entry *e = b->head; e; e = e->next) {
					ok &= e->bucket == b;
					listed++;
				}
			}
		}
		ok &= n == sh->count && listed == n && bytes == sh->bytes &&
		      bytes <= sh->cap;
		pthread_mutex_unlock(&sh->lock);
	}
	return ok;
}

static bool has(struct cache_store *s, const char *k, int64_t now)
{
	struct cache_entry *e = cache_store_get(s, k, strlen(k), now);

	if (e)
		cache_entry_put(e);
	return e != NULL;
}

static void put(struct cache_store *s, const char *k, size_t len, int64_t now)
{
	char buf[1000];

	memset(buf, k[0], sizeof(buf));
	CHECK(cache_store_put(s, k, strlen(k), NULL, 0, buf, len, now, 0) == 0,
	      "put %s", k);
}

/* Entry size for a 1-char key and 100 data bytes, to size caps exactly. */
static size_t charge100(void)
{
	return ((sizeof(struct cache_entry) + 1 + 15) & ~(size_t)15) + 100;
}

static void test_lru(void)
{
	struct cache_store *s = cache_store_new(CACHE_LRU, 3 * charge100(), 1);

	put(s, "a", 100, 1);
	put(s, "b", 100, 1);
	put(s, "c", 100, 1);
	CHECK(has(s, "a", 2), "a cached");	/* a becomes most recent */
	put(s, "d", 100, 3);			/* evicts b, the LRU */
	CHECK(!has(s, "b", 4), "b evicted");
	CHECK(has(s, "a", 4) && has(s, "c", 4) && has(s, "d", 4), "a c d");
	put(s, "e", 100, 5);			/* LRU is now a */
	CHECK(!has(s, "a", 6), "a evicted");
	CHECK(store_consistent(s), "consistent");

	struct cache_stats st;

	cache_store_stats(s, &st);
	CHECK(st.evictions == 2 && st.entries == 3 && st.inserts == 5,
	      "evictions %llu entries %llu", (unsigned long long)st.evictions,
	      (unsigned long long)st.entries);
	CHECK(st.hits == 4 && st.misses == 2, "hits %llu misses %llu",
	      (unsigned long long)st.hits, (unsigned long long)st.misses);
	CHECK(st.bytes == 3 * charge100() && st.cap == 3 * charge100(),
	      "bytes %llu", (unsigned long long)st.bytes);
	cache_store_free(s);
}

static void test_lfu(void)
{
	struct cache_store *s = cache_store_new(CACHE_LFU, 3 * charge100(), 1);

	put(s, "a", 100, 1);
	put(s, "b", 100, 1);
	put(s, "c", 100, 1);
	for (int i = 0; i < 3; i++)
		has(s, "a", 2);
	has(s, "b", 2);
	has(s, "c", 2);		/* b and c both at 2, c more recent */
	has(s, "c", 2);		/* c at 3 */
	put(s, "d", 100, 3);	/* lowest frequency: b */
	CHECK(!has(s, "b", 4), "b evicted (least frequently used)");
	CHECK(store_consistent(s), "consistent after evict");
	/* d is new (frequency 1): it goes before the frequent a and c */
	put(s, "e", 100, 5);
	CHECK(!has(s, "d", 6), "d evicted");
	CHECK(has(s, "a", 6) && has(s, "c", 6) && has(s, "e", 6), "a c e");
	/* ties go to the least recent of the lowest bucket */
	put(s, "f", 100, 7);	/* e is at 2, the lowest: evicted */
	CHECK(!has(s, "e", 8) && has(s, "f", 8), "e out, f in");
	CHECK(store_consistent(s), "consistent");
	cache_store_free(s);
}

/* A hit in LFU costs the same with a thousand frequency buckets. */
static void test_lfu_many_buckets(void)
{
	struct cache_store *s = cache_store_new(CACHE_LFU, 1 << 22, 1);
	char k[16];
	int stored = 0;

	for (int i = 0; i < 1000; i++) {
		snprintf(k, sizeof(k), "k%d", i);
		stored += !cache_store_put(s, k, strlen(k), NULL, 0, k, 2, 1, 0);
		for (int j = 0; j < i; j++)
			has(s, k, 1);
	}
	CHECK(stored == 1000, "stored %d", stored);
	CHECK(store_consistent(s), "1000 buckets consistent");
	unsigned nb = 0;

	for (struct cache_bucket *b = s->shards[0].lfu; b; b = b->next)
		nb++;
	CHECK(nb == 1000, "%u buckets", nb);
	cache_store_free(s);
}

static void test_ttl_replace_invalidate(void)
{
	struct cache_store *s = cache_store_new(CACHE_LRU, 1 << 20, 4);
	struct cache_entry *e;
	struct cache_stats st;
	int meta = 42;

	CHECK(cache_store_put(s, "/x", 2, &meta, sizeof(meta), "hello", 5, 100,
			       5) == 0, "put ttl");
	e = cache_store_get(s, "/x", 2, 104);
	CHECK(e && e->len == 5 && !memcmp(e->data, "hello", 5) &&
	      *(const int *)e->meta == 42, "hit before ttl");
	if (e)
		cache_entry_put(e);
	CHECK(!has(s, "/x", 105), "expired at ttl");
	cache_store_stats(s, &st);
	CHECK(st.expirations == 1 && st.entries == 0 && st.bytes == 0,
	      "expiration counted, memory back");

	/* replacing a key keeps one entry; a reader keeps the old bytes */
	cache_store_put(s, "/y", 2, NULL, 0, "old", 3, 1, 0);
	e = cache_store_get(s, "/y", 2, 1);
	cache_store_put(s, "/y", 2, NULL, 0, "newer", 5, 1, 0);
	CHECK(e && !memcmp(e->data, "old", 3), "old bytes still readable");
	if (e)
		cache_entry_put(e);
	e = cache_store_get(s, "/y", 2, 1);
	CHECK(e && e->len == 5 && !memcmp(e->data, "newer", 5), "new bytes");
	cache_store_invalidate(s, e);
	cache_store_invalidate(s, e);	/* twice: no effect */
	CHECK(e && e->len == 5, "invalidated entry still readable");
	cache_entry_put(e);
	CHECK(!has(s, "/y", 2), "gone after invalidate");
	cache_store_stats(s, &st);
	CHECK(st.invalidations == 1 && st.entries == 0, "invalidations %llu",
	      (unsigned long long)st.invalidations);

	/* too big for a shard (cap 1 MiB over 4 shards) */
	CHECK(cache_store_max_object(s) == (1 << 20) / 4, "max object");
	char *big = calloc(1, 300000);

	CHECK(cache_store_put(s, "/big", 4, NULL, 0, big, 300000, 1, 0) == -1,
	      "object above a shard refused");
	free(big);

	/* clear drops everything; a held entry survives until put */
	for (int i = 0; i < 50; i++) {
		char k[16];

		snprintf(k, sizeof(k), "/%d", i);
		cache_store_put(s, k, strlen(k), NULL, 0, k, strlen(k), 1, 0);
	}
	e = cache_store_get(s, "/7", 2, 1);
	CHECK(cache_store_clear(s) == 50, "clear count");
	CHECK(e && !memcmp(e->data, "/7", 2), "held across clear");
	if (e)
		cache_entry_put(e);
	cache_store_stats(s, &st);
	CHECK(st.entries == 0 && st.bytes == 0, "empty after clear");
	CHECK(store_consistent(s), "consistent");
	cache_store_free(s);
}

static void test_rate_and_top(void)
{
	struct cache_store *s = cache_store_new(CACHE_LFU, 1 << 20, 8);
	struct cache_top top[3];
	size_t n;

	put(s, "hot", 10, 10);
	put(s, "warm", 10, 10);
	put(s, "cold", 10, 10);
	put(s, "none", 10, 10);
	for (int i = 0; i < 7; i++)
		has(s, "hot", 10);
	for (int i = 0; i < 4; i++)
		has(s, "warm", 11);
	has(s, "cold", 11);
	has(s, "missing", 11);
	CHECK(cache_store_rate(s, 10) == 7, "rate(10)=%llu",
	      (unsigned long long)cache_store_rate(s, 10));
	CHECK(cache_store_rate(s, 11) == 6, "rate(11)");
	CHECK(cache_store_rate(s, 12) == 0, "rate(12)");
	/* a slot reused CACHE_RATE_SECONDS later forgets the old second */
	has(s, "hot", 10 + CACHE_RATE_SECONDS);
	CHECK(cache_store_rate(s, 10) == 0, "old second forgotten");
	/* peek counts nothing; count records the outcome on the entry */
	struct cache_stats before, after;
	struct cache_entry *pe;

	cache_store_stats(s, &before);
	pe = cache_store_peek(s, "warm", 4, 11);
	CHECK(pe && pe->hits == 4, "peek finds without counting");
	cache_store_stats(s, &after);
	CHECK(after.hits == before.hits && after.misses == before.misses,
	      "peek: no hit, no miss");
	cache_store_count(s, "warm", 4, 11, pe);
	cache_store_count(s, "nothing", 7, 11, NULL);
	cache_store_stats(s, &after);
	CHECK(pe && pe->hits == 5 && after.hits == before.hits + 1 &&
	      after.misses == before.misses + 1, "count: one hit, one miss");
	if (pe)
		cache_entry_put(pe);
	CHECK(cache_store_rate(s, 11) == 8, "rate(11) counts the two");
	n = cache_store_top(s, top, 3);
	CHECK(n == 3 && !strcmp(top[0].key, "hot") && top[0].hits == 8 &&
	      !strcmp(top[1].key, "warm") && top[1].hits == 5 &&
	      !strcmp(top[2].key, "cold") && top[2].len == 10, "top order");
	cache_store_free(s);
}

/* ---- concurrency ---- */

#define MT_THREADS 4
#define MT_OPS 40000
#define MT_KEYS 400

struct mt_arg {
	struct cache_store *s;
	unsigned seed;
	uint64_t gets, bad;
};

/* The value of a key is its name repeated: any mix-up shows. */
static size_t mt_value(unsigned k, char *buf)
{
	size_t len = 16 + (k * 37) % 900, n = 0;
	char name[16];
	int nl = snprintf(name, sizeof(name), "k%u;", k);

	while (n < len) {
		buf[n] = name[n % (size_t)nl];
		n++;
	}
	return len;
}

static void *mt_worker(void *p)
{
	struct mt_arg *a = p;
	char key[16], val[1024], expect[1024];

	for (unsigned i = 0; i < MT_OPS; i++) {
		unsigned r = rand_r(&a->seed), k = r % MT_KEYS;
		int kl = snprintf(key, sizeof(key), "k%u", k);
		struct cache_entry *e;
		size_t len;

		switch ((r >> 16) % 8) {
		case 0:
		case 1:
			len = mt_value(k, val);
			cache_store_put(a->s, key, (size_t)kl, &k, sizeof(k), val,
					len, i / 1000, 3);
			break;
		case 2:
			e = cache_store_get(a->s, key, (size_t)kl, i / 1000);
			a->gets++;
			if (e) {
				cache_store_invalidate(a->s, e);
				cache_entry_put(e);
			}
			break;
		default:
			e = cache_store_get(a->s, key, (size_t)kl, i / 1000);
			a->gets++;
			if (!e)
				break;
			len = mt_value(k, expect);
			if (e->len != len || memcmp(e->data, expect, len) ||
			    *(const unsigned *)e->meta != k)
				a->bad++;
			cache_entry_put(e);
		}
	}
	return NULL;
}

static void test_threads(enum cache_policy pol)
{
	/* ~60 KiB over 8 shards: constant eviction */
	struct cache_store *s = cache_store_new(pol, 60000, 8);
	struct mt_arg a[MT_THREADS];
	pthread_t t[MT_THREADS];
	uint64_t gets = 0, bad = 0;
	struct cache_stats st;

	for (int i = 0; i < MT_THREADS; i++) {
		a[i] = (struct mt_arg){ .s = s, .seed = 1234u + (unsigned)i };
		pthread_create(&t[i], NULL, mt_worker, &a[i]);
	}
	for (int i = 0; i < MT_THREADS; i++) {
		pthread_join(t[i], NULL);
		gets += a[i].gets;
		bad += a[i].bad;
	}
	cache_store_stats(s, &st);
	CHECK(bad == 0, "%s: %llu corrupt hits",
	      pol == CACHE_LRU ? "LRU" : "LFU", (unsigned long long)bad);
	CHECK(st.hits + st.misses == gets, "hits+misses %llu == gets %llu",
	      (unsigned long long)(st.hits + st.misses),
	      (unsigned long long)gets);
	CHECK(st.hits > 0 && st.evictions > 0 && st.invalidations > 0,
	      "hits %llu evictions %llu invalidations %llu",
	      (unsigned long long)st.hits, (unsigned long long)st.evictions,
	      (unsigned long long)st.invalidations);
	CHECK(st.bytes <= st.cap, "bytes %llu <= cap",
	      (unsigned long long)st.bytes);
	CHECK(store_consistent(s), "consistent after threads");
	cache_store_free(s);
}

int main(void)
{
	test_lru();
	test_lfu();
	test_lfu_many_buckets();
	test_ttl_replace_invalidate();
	test_rate_and_top();
	test_threads(CACHE_LRU);
	test_threads(CACHE_LFU);
	return check_done("test_cache_store");
}
