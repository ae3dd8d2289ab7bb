/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * In-memory object store of the cache plugin (Documentation/cache.md).
 *
 * Keys are byte strings hashed to one of N shards; each shard has its own
 * mutex, hash table, replacement list and share of the memory cap, so a hit
 * takes one shard lock for a few pointer moves and no global lock. Entries
 * are immutable and reference counted: a reader keeps serving an entry
 * after it was evicted or replaced; the memory goes with the last put.
 *
 * Replacement, both O(1) per operation:
 *   LRU - one doubly linked list, most recent first; evict the tail.
 *   LFU - a list of frequency buckets in increasing order, each holding the
 *         entries with that hit count (most recent first); a hit moves the
 *         entry to the bucket count+1 (created next to its own if missing);
 *         evict the least recent entry of the lowest bucket.
 */
#ifndef KHTTPDD_CACHE_STORE_H
#define KHTTPDD_CACHE_STORE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum cache_policy { CACHE_LRU, CACHE_LFU };

struct cache_bucket;

struct cache_entry {
	/* private to the store, guarded by the shard lock */
	struct cache_entry *hnext;
	struct cache_entry *prev, *next;	/* LRU list or LFU bucket */
	struct cache_bucket *bucket;		/* LFU */
	uint64_t hash;
	uint64_t hits;
	size_t charge;				/* bytes counted against the cap */
	bool linked;				/* still in the table */
	atomic_uint refs;			/* the table's + one per reader */

	/* public, immutable after insert */
	int64_t stored;			/* clock at insert */
	int64_t expires;		/* clock; 0 = never */
	const void *meta;		/* caller's fixed-size description */
	size_t meta_len;
	const char *data;		/* the cached bytes */
	size_t len;
	size_t key_len;
	/* public, mutable: last time the caller validated it */
	_Atomic int64_t checked;
	char key[];
};

struct cache_stats {
	uint64_t hits, misses, inserts, evictions, expirations, invalidations;
	uint64_t entries, bytes, cap;
	unsigned shards;
};

struct cache_top {
	char key[128];		/* truncated, NUL-terminated */
	uint64_t hits;
	size_t len;
};

/* Per-second request counts kept for this many seconds. */
#define CACHE_RATE_SECONDS 64

struct cache_store;

/*
 * cap bytes in all, split evenly over nshards (rounded down to a power of
 * two, at least 1). Returns NULL on allocation failure.
 */
struct cache_store *cache_store_new(enum cache_policy policy, size_t cap,
				    unsigned nshards);
void cache_store_free(struct cache_store *s);
enum cache_policy cache_store_policy(const struct cache_store *s);
/* The largest object one shard can hold. */
size_t cache_store_max_object(const struct cache_store *s);

/*
 * Look key up at time now (seconds, any monotonic clock). A hit returns
 * the entry with a reference the caller must drop with cache_entry_put();
 * an expired entry is dropped and counts as a miss. Counts the request
 * for the rate meter either way.
 */
struct cache_entry *cache_store_get(struct cache_store *s, const char *key,
				    size_t key_len, int64_t now);
/*
 * The same without counting a hit, a miss or a request: for a lookup that
 * is one step of a request (a Vary marker); cache_store_count() then
 * records the request's outcome: a hit on the entry given, or a miss.
 */
struct cache_entry *cache_store_peek(struct cache_store *s, const char *key,
				     size_t key_len, int64_t now);
void cache_store_count(struct cache_store *s, const char *key, size_t key_len,
		       int64_t now, struct cache_entry *hit);
void cache_entry_put(struct cache_entry *e);

/*
 * Copy meta and data into a new entry replacing any entry of that key,
 * evicting from the shard until it fits. ttl 0: no expiry. Returns 0, or
 * -1 when the object is larger than a shard or memory ran out.
 */
int cache_store_put(struct cache_store *s, const char *key, size_t key_len,
		    const void *meta, size_t meta_len, const char *data,
		    size_t len, int64_t now, unsigned ttl);

/* Drop e from the table if it is still there (stale file, bad entry). */
void cache_store_invalidate(struct cache_store *s, struct cache_entry *e);
/* Drop every entry; returns how many were dropped. */
uint64_t cache_store_clear(struct cache_store *s);

void cache_store_stats(struct cache_store *s, struct cache_stats *st);
/* Requests seen in second t (hits + misses); 0 once it is too old. */
uint64_t cache_store_rate(struct cache_store *s, int64_t t);
/* Up to n entries with the most hits, most first; returns how many. */
size_t cache_store_top(struct cache_store *s, struct cache_top *out,
		       size_t n);

#endif /* KHTTPDD_CACHE_STORE_H */
