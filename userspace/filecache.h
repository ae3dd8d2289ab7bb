/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Per-worker open-file cache in the spirit of Monkey's FDT: requests for the
 * same file share one fd (reference counted). Keys are full strings
 * (docroot + path), compared in full; the hash only picks the chain.
 * A hit re-checks the fd with fstat (deleted, modified in place) and,
 * after valid_secs, re-resolves the path (replaced by rename, new symlink).
 */
#ifndef KHTTPDD_FILECACHE_H
#define KHTTPDD_FILECACHE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>

#include <khttpd/http_response.h>

struct fc_entry {
	struct fc_entry *hnext;			/* hash chain */
	struct fc_entry *lru_prev, *lru_next;	/* most recent first */
	uint32_t hash;
	uint32_t refs;		/* the table's own + one per user */
	bool cached;		/* still in the table */
	int fd;
	struct stat st;
	int64_t checked;	/* when the path was last resolved */
	char etag[KHTTP_ETAG_MAX];
	uint8_t etag_len;
	uint16_t keylen;
	char key[];
};

/* Opens rel (no leading '/', "." for the root) beneath dirfd: fd or -errno. */
typedef int (*fc_open_fn)(int dirfd, const char *rel);

struct filecache_stats {
	uint64_t hits, misses, revalidations, invalidations;
};

struct filecache;

struct filecache *filecache_new(unsigned capacity, unsigned nbuckets,
				unsigned valid_secs, fc_open_fn open_fn);
void filecache_free(struct filecache *fc);
/*
 * The entry for root + path ("/..."); root names the docroot (dirfd's
 * identity). Returns 0 with *out holding a reference, or -errno.
 */
int filecache_get(struct filecache *fc, int dirfd, const char *root,
		  const char *path, int64_t now, struct fc_entry **out);
void filecache_put(struct filecache *fc, struct fc_entry *e);
unsigned filecache_count(const struct filecache *fc);
const struct filecache_stats *filecache_stats(const struct filecache *fc);

#endif /* KHTTPDD_FILECACHE_H */
