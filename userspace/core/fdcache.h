/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Per-worker open-file cache in the spirit of Monkey's FDT (not the content
 * cache of cache/): requests for the same file share one fd (reference
 * counted). Keys are full strings (docroot + path), compared in full; the
 * hash only picks the chain.
 * A hit within valid_secs of the last check costs no system call; after
 * that it re-checks the fd with fstat (deleted, modified in place) and
 * re-resolves the path (replaced by rename, new symlink), as nginx's
 * open_file_cache_valid does. A regular file of at most FDCACHE_INLINE_MAX
 * bytes is also read into the entry, so its body leaves with the head in
 * one send instead of a send and a sendfile.
 */
#ifndef KHTTPDD_FDCACHE_H
#define KHTTPDD_FDCACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <khttpd/http_response.h>

/* Small enough to keep in memory: 64 entries cost at most 512 KiB. */
#define FDCACHE_INLINE_MAX 8192

struct fdcache_entry {
	struct fdcache_entry *hnext;			/* hash chain */
	struct fdcache_entry *lru_prev, *lru_next;	/* most recent first */
	uint32_t hash;
	uint32_t refs;		/* the table's own + one per user */
	bool cached;		/* still in the table */
	int fd;
	struct stat st;
	int64_t checked;	/* when the path was last resolved */
	char *data;		/* the whole file if small (st_size bytes), or NULL */
	char etag[KHTTP_ETAG_MAX];
	uint8_t etag_len;
	uint16_t keylen;
	char key[];
};

/* Opens rel (no leading '/', "." for the root) beneath dirfd: fd or -errno. */
typedef int (*fdcache_open_fn)(int dirfd, const char *rel);

struct fdcache_stats {
	uint64_t hits, misses, revalidations, invalidations;
};

struct fdcache;

struct fdcache *fdcache_new(unsigned capacity, unsigned nbuckets,
			    unsigned valid_secs, fdcache_open_fn open_fn);
void fdcache_free(struct fdcache *fc);
/*
 * The entry for root + path ("/..."); root names the docroot (dirfd's
 * identity). Returns 0 with *out holding a reference, or -errno.
 */
int fdcache_get(struct fdcache *fc, int dirfd, const char *root,
		const char *path, int64_t now, struct fdcache_entry **out);
void fdcache_put(struct fdcache *fc, struct fdcache_entry *e);
/* Someone saw root + path change (the content cache): drop its entry. */
void fdcache_forget(struct fdcache *fc, const char *root, const char *path);
/* A reload's FileCacheValid: the next hits use it. */
void fdcache_set_valid(struct fdcache *fc, unsigned valid_secs);
unsigned fdcache_count(const struct fdcache *fc);
const struct fdcache_stats *fdcache_stats(const struct fdcache *fc);

#endif /* KHTTPDD_FDCACHE_H */
