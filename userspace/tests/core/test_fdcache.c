// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Open-file cache unit tests: shared fds with reference counts, eviction
 * that keeps in-use fds open, full-key comparison when every key lands in
 * one hash chain, noticing files rewritten, deleted or replaced once
 * valid_secs have passed (not before), and small files held inline.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fdcache.h"
#include "khttpd_check.h"

static char dir[] = "/tmp/khttpd-test-fc.XXXXXX";
static int dirfd_;

static int open_rel(int dfd, const char *rel)
{
	int fd = openat(dfd, rel, O_RDONLY | O_CLOEXEC);

	return fd < 0 ? -errno : fd;
}

static void put(const char *rel, const char *text)
{
	int fd = openat(dirfd_, rel, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		perror(rel);
		exit(2);
	}
	close(fd);
}

static char *content(const struct fdcache_entry *e)
{
	static char buf[256];
	ssize_t n = pread(e->fd, buf, sizeof(buf) - 1, 0);

	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0;
}

static void test_sharing_and_refs(void)
{
	struct fdcache *fc = fdcache_new(2, 64, 1, open_rel);
	struct fdcache_entry *a, *a2, *b, *c;
	int afd;

	put("a", "AAAA");
	put("b", "BB");
	put("c", "C");
	CHECK(fdcache_get(fc, dirfd_, dir, "/a", 100, &a) == 0, "get a");
	CHECK(fdcache_get(fc, dirfd_, dir, "/a", 100, &a2) == 0, "get a again");
	CHECK(a == a2 && a->refs == 3, "one shared entry, refs %u", a->refs);
	CHECK(fdcache_stats(fc)->hits == 1 && fdcache_stats(fc)->misses == 1,
	      "1 hit, 1 miss");
	CHECK(a->st.st_size == 4 && a->etag[0] == '"' && a->etag_len > 2,
	      "stat and ETag");
	fdcache_put(fc, a2);
	afd = a->fd;
	/* capacity 2: b then c evicts the least recently used, a */
	CHECK(fdcache_get(fc, dirfd_, dir, "/b", 100, &b) == 0, "get b");
	CHECK(fdcache_get(fc, dirfd_, dir, "/c", 100, &c) == 0, "get c");
	CHECK(fdcache_count(fc) == 2 && !a->cached, "a evicted");
	CHECK(fd_open(afd) && !strcmp(content(a), "AAAA"),
	      "an evicted entry in use keeps its fd");
	fdcache_put(fc, a);
	CHECK(!fd_open(afd), "the last user closes it");
	fdcache_put(fc, b);
	fdcache_put(fc, c);
	CHECK(fdcache_get(fc, dirfd_, dir, "/missing", 100, &a) == -ENOENT,
	      "missing file -> -ENOENT");
	fdcache_free(fc);

	/* capacity 0: no caching, still correct */
	fc = fdcache_new(0, 64, 1, open_rel);
	CHECK(fdcache_get(fc, dirfd_, dir, "/a", 100, &a) == 0 &&
	      fdcache_count(fc) == 0 && a->refs == 1, "uncached entry");
	afd = a->fd;
	fdcache_put(fc, a);
	CHECK(!fd_open(afd), "uncached entry closed on put");
	fdcache_free(fc);
}

static void test_full_key_compare(void)
{
	/* One bucket: every key collides; only the full key tells them apart. */
	struct fdcache *fc = fdcache_new(16, 1, 1, open_rel);
	struct fdcache_entry *e[4];
	char other_root[64];

	put("k1", "one");
	put("k2", "two");
	CHECK(fdcache_get(fc, dirfd_, dir, "/k1", 100, &e[0]) == 0, "k1");
	CHECK(fdcache_get(fc, dirfd_, dir, "/k2", 100, &e[1]) == 0, "k2");
	CHECK(e[0] != e[1] && !strcmp(content(e[0]), "one") &&
	      !strcmp(content(e[1]), "two"), "distinct entries in one chain");
	/* Same path under another root (another vhost) is another file. */
	snprintf(other_root, sizeof(other_root), "%s-other", dir);
	CHECK(fdcache_get(fc, dirfd_, other_root, "/k1", 100, &e[2]) == 0 &&
	      e[2] != e[0], "root is part of the key");
	/* Root "/x" + path "/ab" must differ from root "/x/" + path "ab"... */
	CHECK(fdcache_get(fc, dirfd_, dir, "/k2", 100, &e[3]) == 0 &&
	      e[3] == e[1], "the same key hits");
	for (int i = 0; i < 4; i++)
		fdcache_put(fc, e[i]);
	fdcache_free(fc);
}

static void test_notices_changes(void)
{
	struct fdcache *fc = fdcache_new(16, 64, 1, open_rel);
	struct fdcache_entry *e, *e2;
	struct timespec ts[2] = { { .tv_sec = 1700000000 }, { .tv_sec = 1700000000 } };
	char etag[KHTTP_ETAG_MAX];

	put("f", "old!");
	CHECK(fdcache_get(fc, dirfd_, dir, "/f", 100, &e) == 0, "f");
	strcpy(etag, e->etag);
	fdcache_put(fc, e);

	/* rewritten in place, same size, new mtime */
	put("f", "new!");
	futimens(openat(dirfd_, "f", O_RDONLY | O_CLOEXEC), ts);
	CHECK(fdcache_get(fc, dirfd_, dir, "/f", 100, &e) == 0 &&
	      !strcmp(e->etag, etag) && !memcmp(e->data, "old!", 4),
	      "within valid_secs a hit trusts the entry (no fstat)");
	fdcache_put(fc, e);
	CHECK(fdcache_get(fc, dirfd_, dir, "/f", 101, &e) == 0 &&
	      !strcmp(content(e), "new!") && strcmp(e->etag, etag) &&
	      e->data && !memcmp(e->data, "new!", 4),
	      "in-place rewrite seen after valid_secs: %s", content(e));
	fdcache_put(fc, e);

	/* deleted */
	unlinkat(dirfd_, "f", 0);
	CHECK(fdcache_get(fc, dirfd_, dir, "/f", 102, &e) == -ENOENT,
	      "deleted -> ENOENT");

	/* replaced by rename while the old inode lives on (hard link) */
	put("g", "first");
	CHECK(fdcache_get(fc, dirfd_, dir, "/g", 103, &e) == 0, "g");
	fdcache_put(fc, e);
	linkat(dirfd_, "g", dirfd_, "g.keep", 0);
	put("g.new", "second");
	renameat(dirfd_, "g.new", dirfd_, "g");
	CHECK(fdcache_get(fc, dirfd_, dir, "/g", 103, &e) == 0 &&
	      !strcmp(content(e), "first"),
	      "within valid_secs the cached fd is trusted");
	fdcache_put(fc, e);
	CHECK(fdcache_get(fc, dirfd_, dir, "/g", 104, &e2) == 0 &&
	      !strcmp(content(e2), "second"),
	      "after valid_secs the path is resolved again: %s", content(e2));
	CHECK(fdcache_stats(fc)->revalidations >= 1 &&
	      fdcache_stats(fc)->invalidations >= 3, "stats");
	fdcache_put(fc, e2);

	/* told of a change (the content cache saw it): the next get reopens */
	put("k", "old");
	CHECK(fdcache_get(fc, dirfd_, dir, "/k", 300, &e) == 0, "k");
	fdcache_put(fc, e);
	put("k", "newer");
	fdcache_forget(fc, dir, "/k");
	fdcache_forget(fc, dir, "/not-cached");
	CHECK(fdcache_get(fc, dirfd_, dir, "/k", 300, &e) == 0 &&
	      e->st.st_size == 5, "fdcache_forget: reopened within valid_secs");
	fdcache_put(fc, e);
	fdcache_free(fc);

	/* valid_secs 0: every hit looks */
	fc = fdcache_new(16, 64, 0, open_rel);
	put("h", "one");
	CHECK(fdcache_get(fc, dirfd_, dir, "/h", 200, &e) == 0, "h");
	fdcache_put(fc, e);
	put("h", "three");
	CHECK(fdcache_get(fc, dirfd_, dir, "/h", 200, &e) == 0 &&
	      e->st.st_size == 5 && !memcmp(e->data, "three", 5),
	      "valid_secs 0 notices a change at once");
	fdcache_put(fc, e);
	fdcache_free(fc);
}

/* Small files are held in memory; larger ones only by their fd. */
static void test_inline_data(void)
{
	struct fdcache *fc = fdcache_new(16, 64, 1, open_rel);
	static char big[FDCACHE_INLINE_MAX + 2];
	struct fdcache_entry *e;

	put("small", "0123456789");
	CHECK(fdcache_get(fc, dirfd_, dir, "/small", 100, &e) == 0 &&
	      e->data && !memcmp(e->data, "0123456789", 10), "small file inline");
	fdcache_put(fc, e);
	memset(big, 'x', sizeof(big) - 1);
	put("big", big);
	CHECK(fdcache_get(fc, dirfd_, dir, "/big", 100, &e) == 0 &&
	      !e->data && e->st.st_size == FDCACHE_INLINE_MAX + 1,
	      "file above FDCACHE_INLINE_MAX by fd only");
	fdcache_put(fc, e);
	put("empty", "");
	CHECK(fdcache_get(fc, dirfd_, dir, "/empty", 100, &e) == 0 && !e->data,
	      "empty file: nothing to hold");
	fdcache_put(fc, e);
	fdcache_free(fc);
}

int main(void)
{
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	dirfd_ = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	test_sharing_and_refs();
	test_full_key_compare();
	test_notices_changes();
	test_inline_data();
	close(dirfd_);
	if (system("rm -rf /tmp/khttpd-test-fc.*") != 0)
		fprintf(stderr, "cleanup failed\n");
	return check_done("test_fdcache");
}
