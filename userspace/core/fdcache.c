// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Open-file cache (FDT): see fdcache.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdcache.h"

struct fdcache {
	struct fdcache_entry **buckets;
	unsigned nbuckets, capacity, count, valid_secs;
	fdcache_open_fn open_fn;
	struct fdcache_entry *lru_head, *lru_tail;
	struct fdcache_stats stats;
};

struct fdcache *fdcache_new(unsigned capacity, unsigned nbuckets,
			    unsigned valid_secs, fdcache_open_fn open_fn)
{
	struct fdcache *fc = calloc(1, sizeof(*fc));

	if (!fc)
		return NULL;
	fc->nbuckets = nbuckets ? nbuckets : 1;
	fc->buckets = calloc(fc->nbuckets, sizeof(*fc->buckets));
	if (!fc->buckets) {
		free(fc);
		return NULL;
	}
	fc->capacity = capacity;
	fc->valid_secs = valid_secs;
	fc->open_fn = open_fn;
	return fc;
}

/* FNV-1a over root, NUL, path. */
static uint32_t key_hash(const char *root, size_t rlen, const char *path,
			 size_t plen)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < rlen; i++)
		h = (h ^ (uint8_t)root[i]) * 16777619u;
	h *= 16777619u;
	for (size_t i = 0; i < plen; i++)
		h = (h ^ (uint8_t)path[i]) * 16777619u;
	return h;
}

static void entry_release(struct fdcache_entry *e)
{
	if (--e->refs)
		return;
	close(e->fd);
	free(e->data);
	free(e);
}

static void lru_unlink(struct fdcache *fc, struct fdcache_entry *e)
{
	if (e->lru_prev)
		e->lru_prev->lru_next = e->lru_next;
	else
		fc->lru_head = e->lru_next;
	if (e->lru_next)
		e->lru_next->lru_prev = e->lru_prev;
	else
		fc->lru_tail = e->lru_prev;
	e->lru_prev = e->lru_next = NULL;
}

static void lru_push_front(struct fdcache *fc, struct fdcache_entry *e)
{
	e->lru_next = fc->lru_head;
	e->lru_prev = NULL;
	if (fc->lru_head)
		fc->lru_head->lru_prev = e;
	fc->lru_head = e;
	if (!fc->lru_tail)
		fc->lru_tail = e;
}

/* Take e out of the table; users still holding it keep the fd open. */
static void entry_evict(struct fdcache *fc, struct fdcache_entry *e)
{
	struct fdcache_entry **pp = &fc->buckets[e->hash % fc->nbuckets];

	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	lru_unlink(fc, e);
	e->cached = false;
	fc->count--;
	entry_release(e);
}

static bool same_file(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino &&
	       a->st_size == b->st_size && a->st_mode == b->st_mode &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec &&
	       a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static void set_etag(struct fdcache_entry *e)
{
	e->etag_len = (uint8_t)khttp_etag_format(e->etag, e->st.st_ino,
						 e->st.st_mtim.tv_sec,
						 e->st.st_size);
}

/*
 * Is the cached entry still the file at its path? Trusted without a look
 * for valid_secs after the last check: a change shows within that bound.
 */
static bool entry_valid(struct fdcache *fc, struct fdcache_entry *e, int dirfd,
			const char *rel, int64_t now)
{
	struct stat st;
	int fd;

	if (now - e->checked < (int64_t)fc->valid_secs)
		return true;
	fc->stats.revalidations++;
	if (fstat(e->fd, &st) || st.st_nlink == 0 || !same_file(&st, &e->st))
		return false;
	fd = fc->open_fn(dirfd, rel);
	if (fd < 0)
		return false;
	if (fstat(fd, &st) || !same_file(&st, &e->st)) {
		close(fd);
		return false;
	}
	close(fd);
	e->checked = now;
	return true;
}

/*
 * A small regular file's bytes, kept only if the file did not change while
 * they were read (same size, same mtime before and after).
 */
static void entry_read_inline(struct fdcache_entry *e)
{
	size_t size = (size_t)e->st.st_size, got = 0;
	struct stat st;
	char *data;

	if (!S_ISREG(e->st.st_mode) || !size || size > FDCACHE_INLINE_MAX)
		return;
	data = malloc(size);
	if (!data)
		return;	/* served with sendfile instead */
	while (got < size) {
		ssize_t n = pread(e->fd, data + got, size - got, (off_t)got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != size || fstat(e->fd, &st) || !same_file(&st, &e->st)) {
		free(data);
		return;
	}
	e->data = data;
}

/* The table's entry for root + path, or NULL. */
static struct fdcache_entry *entry_find(struct fdcache *fc, const char *root,
					size_t rlen, const char *path,
					size_t plen, uint32_t h)
{
	struct fdcache_entry *e;

	for (e = fc->buckets[h % fc->nbuckets]; e; e = e->hnext)
		if (e->hash == h && e->keylen == rlen + 1 + plen &&
		    !memcmp(e->key, root, rlen + 1) &&
		    !memcmp(e->key + rlen + 1, path, plen))
			return e;
	return NULL;
}

void fdcache_forget(struct fdcache *fc, const char *root, const char *path)
{
	size_t rlen = strlen(root), plen = strlen(path);
	struct fdcache_entry *e = entry_find(fc, root, rlen, path, plen,
					     key_hash(root, rlen, path, plen));

	if (e) {
		fc->stats.invalidations++;
		entry_evict(fc, e);
	}
}

int fdcache_get(struct fdcache *fc, int dirfd, const char *root,
		const char *path, int64_t now, struct fdcache_entry **out)
{
	size_t rlen = strlen(root), plen = strlen(path);
	uint32_t h = key_hash(root, rlen, path, plen);
	const char *rel = path[1] ? path + 1 : ".";
	struct fdcache_entry *e;
	int fd;

	if (rlen + 1 + plen > UINT16_MAX)
		return -ENAMETOOLONG;
	e = entry_find(fc, root, rlen, path, plen, h);
	if (e) {
		if (!entry_valid(fc, e, dirfd, rel, now)) {
			fc->stats.invalidations++;
			entry_evict(fc, e);
		} else {
			fc->stats.hits++;
			lru_unlink(fc, e);
			lru_push_front(fc, e);
			e->refs++;
			*out = e;
			return 0;
		}
	}
	fc->stats.misses++;
	fd = fc->open_fn(dirfd, rel);
	if (fd < 0)
		return fd;
	e = malloc(sizeof(*e) + rlen + 1 + plen + 1);
	if (!e) {
		close(fd);
		return -ENOMEM;
	}
	memset(e, 0, sizeof(*e));
	if (fstat(fd, &e->st)) {
		int err = -errno;

		close(fd);
		free(e);
		return err;
	}
	e->fd = fd;
	e->hash = h;
	e->checked = now;
	e->keylen = (uint16_t)(rlen + 1 + plen);
	memcpy(e->key, root, rlen + 1);
	memcpy(e->key + rlen + 1, path, plen + 1);
	set_etag(e);
	entry_read_inline(e);
	e->refs = 1;
	if (fc->capacity) {
		if (fc->count >= fc->capacity)
			entry_evict(fc, fc->lru_tail);
		e->refs++;
		e->cached = true;
		e->hnext = fc->buckets[h % fc->nbuckets];
		fc->buckets[h % fc->nbuckets] = e;
		lru_push_front(fc, e);
		fc->count++;
	}
	*out = e;
	return 0;
}

void fdcache_put(struct fdcache *fc, struct fdcache_entry *e)
{
	(void)fc;
	entry_release(e);
}

void fdcache_set_valid(struct fdcache *fc, unsigned valid_secs)
{
	fc->valid_secs = valid_secs;
}

unsigned fdcache_count(const struct fdcache *fc)
{
	return fc->count;
}

const struct fdcache_stats *fdcache_stats(const struct fdcache *fc)
{
	return &fc->stats;
}

void fdcache_free(struct fdcache *fc)
{
	if (!fc)
		return;
	while (fc->lru_head)
		entry_evict(fc, fc->lru_head);
	free(fc->buckets);
	free(fc);
}
