// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Sharded hash table with O(1) LRU / LFU replacement (see cache_store.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "cache_store.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define SHARD_MIN_BUCKETS 64u

struct cache_bucket {		/* LFU: entries hit freq times */
	uint64_t freq;
	struct cache_bucket *prev, *next;
	struct cache_entry *head, *tail;
};

struct rate_slot {
	int64_t sec;
	uint64_t count;
};

struct shard {
	pthread_mutex_t lock;
	struct cache_entry **table;
	size_t nbuckets;		/* power of two */
	size_t count, bytes, cap;
	/* LRU: most recent at head. LFU: lowest frequency bucket first. */
	struct cache_entry *head, *tail;
	struct cache_bucket *lfu;
	uint64_t hits, misses, inserts, evictions, expirations, invalidations;
	struct rate_slot rate[CACHE_RATE_SECONDS];
} __attribute__((aligned(64)));	/* no false sharing between shards */

struct cache_store {
	enum cache_policy policy;
	unsigned nshards;		/* power of two */
	size_t cap;
	struct shard *shards;
};

/* FNV-1a, 64 bit: the high bits choose the shard, the low bits the chain. */
static uint64_t hash_key(const char *k, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--) {
		h ^= (unsigned char)*k++;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct cache_store *cache_store_new(enum cache_policy policy, size_t cap,
				    unsigned nshards)
{
	struct cache_store *s = calloc(1, sizeof(*s));
	unsigned n = 1;

	if (!s)
		return NULL;
	while (n * 2 <= nshards)
		n *= 2;
	s->policy = policy;
	s->nshards = n;
	s->cap = cap;
	s->shards = aligned_alloc(64, sizeof(struct shard) * n);
	if (!s->shards) {
		free(s);
		return NULL;
	}
	memset(s->shards, 0, sizeof(struct shard) * n);
	for (unsigned i = 0; i < n; i++) {
		struct shard *sh = &s->shards[i];

		pthread_mutex_init(&sh->lock, NULL);
		sh->cap = cap / n;
		sh->nbuckets = SHARD_MIN_BUCKETS;
		sh->table = calloc(sh->nbuckets, sizeof(*sh->table));
		if (!sh->table) {
			s->nshards = i + 1;
			cache_store_free(s);
			return NULL;
		}
	}
	return s;
}

enum cache_policy cache_store_policy(const struct cache_store *s)
{
	return s->policy;
}

size_t cache_store_max_object(const struct cache_store *s)
{
	return s->cap / s->nshards;
}

static struct shard *shard_of(struct cache_store *s, uint64_t h)
{
	return &s->shards[(h >> 40) & (s->nshards - 1)];
}

void cache_entry_put(struct cache_entry *e)
{
	if (atomic_fetch_sub_explicit(&e->refs, 1, memory_order_acq_rel) == 1)
		free(e);
}

/* ---- replacement lists (shard lock held) ---- */

static void list_unlink(struct cache_entry **head, struct cache_entry **tail,
			struct cache_entry *e)
{
	if (e->prev)
		e->prev->next = e->next;
	else
		*head = e->next;
	if (e->next)
		e->next->prev = e->prev;
	else
		*tail = e->prev;
	e->prev = e->next = NULL;
}

static void list_push_front(struct cache_entry **head,
			    struct cache_entry **tail, struct cache_entry *e)
{
	e->prev = NULL;
	e->next = *head;
	if (*head)
		(*head)->prev = e;
	else
		*tail = e;
	*head = e;
}

static struct cache_bucket *bucket_new(uint64_t freq, struct cache_bucket *prev,
				       struct cache_bucket **first)
{
	struct cache_bucket *b = calloc(1, sizeof(*b));

	if (!b)
		return NULL;
	b->freq = freq;
	b->prev = prev;
	b->next = prev ? prev->next : *first;
	if (b->next)
		b->next->prev = b;
	if (prev)
		prev->next = b;
	else
		*first = b;
	return b;
}

static void bucket_drop_if_empty(struct shard *sh, struct cache_bucket *b)
{
	if (b->head)
		return;
	if (b->prev)
		b->prev->next = b->next;
	else
		sh->lfu = b->next;
	if (b->next)
		b->next->prev = b->prev;
	free(b);
}

/* A new entry: LRU front, or the LFU bucket of frequency 1. */
static int repl_insert(struct cache_store *s, struct shard *sh,
		       struct cache_entry *e)
{
	struct cache_bucket *b;

	if (s->policy == CACHE_LRU) {
		list_push_front(&sh->head, &sh->tail, e);
		return 0;
	}
	b = sh->lfu;
	if (!b || b->freq != 1)
		b = bucket_new(1, NULL, &sh->lfu);
	if (!b)
		return -1;
	e->bucket = b;
	list_push_front(&b->head, &b->tail, e);
	return 0;
}

static void repl_remove(struct cache_store *s, struct shard *sh,
			struct cache_entry *e)
{
	struct cache_bucket *b = e->bucket;

	if (s->policy == CACHE_LRU) {
		list_unlink(&sh->head, &sh->tail, e);
		return;
	}
	list_unlink(&b->head, &b->tail, e);
	e->bucket = NULL;
	bucket_drop_if_empty(sh, b);
}

static void repl_touch(struct cache_store *s, struct shard *sh,
		       struct cache_entry *e)
{
	struct cache_bucket *b = e->bucket, *nb;

	if (s->policy == CACHE_LRU) {
		list_unlink(&sh->head, &sh->tail, e);
		list_push_front(&sh->head, &sh->tail, e);
		return;
	}
	nb = b->next;
	if (!nb || nb->freq != b->freq + 1)
		nb = bucket_new(b->freq + 1, b, &sh->lfu);
	if (!nb) {	/* no memory for a bucket: keep its frequency */
		list_unlink(&b->head, &b->tail, e);
		list_push_front(&b->head, &b->tail, e);
		return;
	}
	list_unlink(&b->head, &b->tail, e);
	list_push_front(&nb->head, &nb->tail, e);
	e->bucket = nb;
	bucket_drop_if_empty(sh, b);
}

static struct cache_entry *repl_victim(struct cache_store *s, struct shard *sh)
{
	if (s->policy == CACHE_LRU)
		return sh->tail;
	return sh->lfu ? sh->lfu->tail : NULL;
}

/* ---- hash table (shard lock held) ---- */

static struct cache_entry **chain_of(struct shard *sh, uint64_t h)
{
	return &sh->table[h & (sh->nbuckets - 1)];
}

static struct cache_entry *find(struct shard *sh, uint64_t h, const char *key,
				size_t key_len)
{
	for (struct cache_entry *e = *chain_of(sh, h); e; e = e->hnext)
		if (e->hash == h && e->key_len == key_len &&
		    !memcmp(e->key, key, key_len))
			return e;
	return NULL;
}

/* Double the chains when they average more than two entries. */
static void maybe_grow(struct shard *sh)
{
	size_t n = sh->nbuckets * 2;
	struct cache_entry **t;

	if (sh->count <= sh->nbuckets * 2)
		return;
	t = calloc(n, sizeof(*t));
	if (!t)
		return;		/* longer chains, still correct */
	for (size_t i = 0; i < sh->nbuckets; i++) {
		struct cache_entry *e = sh->table[i], *next;

		for (; e; e = next) {
			next = e->hnext;
			e->hnext = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	}
	free(sh->table);
	sh->table = t;
	sh->nbuckets = n;
}

/* Take e out of the table and the lists and drop the table's reference. */
static void unlink_entry(struct cache_store *s, struct shard *sh,
			 struct cache_entry *e)
{
	struct cache_entry **pp = chain_of(sh, e->hash);

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	repl_remove(s, sh, e);
	e->linked = false;
	sh->count--;
	sh->bytes -= e->charge;
	cache_entry_put(e);
}

static void count_request(struct shard *sh, int64_t now)
{
	struct rate_slot *r = &sh->rate[(uint64_t)now % CACHE_RATE_SECONDS];

	if (r->sec != now) {
		r->sec = now;
		r->count = 0;
	}
	r->count++;
}

static struct cache_entry *lookup(struct cache_store *s, const char *key,
				  size_t key_len, int64_t now, bool counted)
{
	uint64_t h = hash_key(key, key_len);
	struct shard *sh = shard_of(s, h);
	struct cache_entry *e;

	pthread_mutex_lock(&sh->lock);
	if (counted)
		count_request(sh, now);
	e = find(sh, h, key, key_len);
	if (e && e->expires && now >= e->expires) {
		sh->expirations++;
		unlink_entry(s, sh, e);
		e = NULL;
	}
	if (!e) {
		sh->misses += counted;
		pthread_mutex_unlock(&sh->lock);
		return NULL;
	}
	sh->hits += counted;
	e->hits += counted;
	repl_touch(s, sh, e);
	atomic_fetch_add_explicit(&e->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&sh->lock);
	return e;
}

struct cache_entry *cache_store_get(struct cache_store *s, const char *key,
				    size_t key_len, int64_t now)
{
	return lookup(s, key, key_len, now, true);
}

struct cache_entry *cache_store_peek(struct cache_store *s, const char *key,
				     size_t key_len, int64_t now)
{
	return lookup(s, key, key_len, now, false);
}

void cache_store_count(struct cache_store *s, const char *key, size_t key_len,
		       int64_t now, struct cache_entry *hit)
{
	struct shard *sh = shard_of(s, hash_key(key, key_len));

	pthread_mutex_lock(&sh->lock);
	count_request(sh, now);
	if (hit) {
		sh->hits++;
		hit->hits++;	/* e's shard: the key is e's */
	} else {
		sh->misses++;
	}
	pthread_mutex_unlock(&sh->lock);
}

int cache_store_put(struct cache_store *s, const char *key, size_t key_len,
		    const void *meta, size_t meta_len, const char *data,
		    size_t len, int64_t now, unsigned ttl)
{
	uint64_t h = hash_key(key, key_len);
	struct shard *sh = shard_of(s, h);
	/* meta first, 16-aligned after the key, then the data */
	size_t meta_off = (sizeof(struct cache_entry) + key_len + 15) & ~(size_t)15;
	size_t total = meta_off + meta_len + len;
	struct cache_entry *e, *old;

	if (total > sh->cap)
		return -1;
	e = malloc(total);
	if (!e)
		return -1;
	memset(e, 0, sizeof(*e));
	e->hash = h;
	e->charge = total;
	e->stored = now;
	e->expires = ttl ? now + ttl : 0;
	atomic_init(&e->refs, 1);
	atomic_init(&e->checked, now);
	e->key_len = key_len;
	memcpy(e->key, key, key_len);
	e->meta = (char *)e + meta_off;
	e->meta_len = meta_len;
	if (meta_len)
		memcpy((char *)e + meta_off, meta, meta_len);
	e->data = (char *)e + meta_off + meta_len;
	e->len = len;
	if (len)
		memcpy((char *)e->data, data, len);

	pthread_mutex_lock(&sh->lock);
	old = find(sh, h, key, key_len);
	if (old)
		unlink_entry(s, sh, old);
	while (sh->bytes + total > sh->cap) {
		struct cache_entry *v = repl_victim(s, sh);

		sh->evictions++;
		unlink_entry(s, sh, v);
	}
	if (repl_insert(s, sh, e)) {
		pthread_mutex_unlock(&sh->lock);
		free(e);
		return -1;
	}
	e->linked = true;
	e->hnext = *chain_of(sh, h);
	*chain_of(sh, h) = e;
	sh->count++;
	sh->bytes += total;
	sh->inserts++;
	maybe_grow(sh);
	pthread_mutex_unlock(&sh->lock);
	return 0;
}

void cache_store_invalidate(struct cache_store *s, struct cache_entry *e)
{
	struct shard *sh = shard_of(s, e->hash);

	pthread_mutex_lock(&sh->lock);
	if (e->linked) {
		sh->invalidations++;
		unlink_entry(s, sh, e);
	}
	pthread_mutex_unlock(&sh->lock);
}

uint64_t cache_store_clear(struct cache_store *s)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->nshards; i++) {
		struct shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->lock);
		for (size_t b = 0; b < sh->nbuckets; b++)
			while (sh->table[b]) {
				unlink_entry(s, sh, sh->table[b]);
				n++;
			}
		pthread_mutex_unlock(&sh->lock);
	}
	return n;
}

void cache_store_free(struct cache_store *s)
{
	if (!s)
		return;
	cache_store_clear(s);
	for (unsigned i = 0; i < s->nshards; i++) {
		free(s->shards[i].table);
		pthread_mutex_destroy(&s->shards[i].lock);
	}
	free(s->shards);
	free(s);
}

void cache_store_stats(struct cache_store *s, struct cache_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->cap = s->cap;
	st->shards = s->nshards;
	for (unsigned i = 0; i < s->nshards; i++) {
		struct shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->lock);
		st->hits += sh->hits;
		st->misses += sh->misses;
		st->inserts += sh->inserts;
		st->evictions += sh->evictions;
		st->expirations += sh->expirations;
		st->invalidations += sh->invalidations;
		st->entries += sh->count;
		st->bytes += sh->bytes;
		pthread_mutex_unlock(&sh->lock);
	}
}

uint64_t cache_store_rate(struct cache_store *s, int64_t t)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < s->nshards; i++) {
		struct shard *sh = &s->shards[i];
		struct rate_slot *r = &sh->rate[(uint64_t)t % CACHE_RATE_SECONDS];

		pthread_mutex_lock(&sh->lock);
		if (r->sec == t)
			n += r->count;
		pthread_mutex_unlock(&sh->lock);
	}
	return n;
}

/* Insert into out[0..*have) kept sorted by hits, most first, capped at n. */
static void top_offer(struct cache_top *out, size_t *have, size_t n,
		      const struct cache_entry *e)
{
	size_t pos = *have, klen;

	while (pos > 0 && out[pos - 1].hits < e->hits)
		pos--;
	if (pos >= n)
		return;
	if (*have < n)
		(*have)++;
	memmove(&out[pos + 1], &out[pos], (*have - 1 - pos) * sizeof(*out));
	klen = e->key_len < sizeof(out->key) - 1 ? e->key_len :
						  sizeof(out->key) - 1;
	memcpy(out[pos].key, e->key, klen);
	out[pos].key[klen] = '\0';
	out[pos].hits = e->hits;
	out[pos].len = e->len;
}

size_t cache_store_top(struct cache_store *s, struct cache_top *out, size_t n)
{
	size_t have = 0;

	for (unsigned i = 0; i < s->nshards; i++) {
		struct shard *sh = &s->shards[i];

		pthread_mutex_lock(&sh->lock);
		for (size_t b = 0; b < sh->nbuckets; b++)
			for (struct cache_entry *e = sh->table[b]; e;
			     e = e->hnext)
				top_offer(out, &have, n, e);
		pthread_mutex_unlock(&sh->lock);
	}
	return have;
}
