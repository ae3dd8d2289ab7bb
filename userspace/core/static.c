// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Static files beneath the vhost docroot: openat2(RESOLVE_BENEATH), mode
 * rules, index files, directory redirects, conditional and range requests,
 * sent with sendfile from the worker's open-file cache.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "fdcache.h"
#include "khttpdd.h"

/* Without openat2: walk the path refusing every symlink (stricter). */
static int open_nofollow_walk(int dirfd, const char *rel, int flags)
{
	char part[NAME_MAX + 1];
	int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC);

	while (fd >= 0) {
		const char *slash = strchr(rel, '/');
		size_t len = slash ? (size_t)(slash - rel) : strlen(rel);
		int next;

		if (slash && !slash[1]) {	/* "dir/": the last component */
			flags |= O_DIRECTORY;
			slash = NULL;
		}

		if (len > NAME_MAX) {
			close(fd);
			return -ENAMETOOLONG;
		}
		memcpy(part, rel, len);
		part[len] = '\0';
		next = openat(fd, part, (slash ? O_PATH | O_DIRECTORY : flags) |
			      O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next < 0)
			return errno == ELOOP ? -EXDEV : -errno;
		if (!slash)
			return next;
		fd = next;
		rel = slash + 1;
	}
	return -errno;
}

static int static_open_beneath(int dirfd, const char *rel, int flags)
{
	static _Atomic bool no_openat2;
	struct open_how how = {
		.flags = (uint64_t)flags | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
	};
	long fd;

	if (!no_openat2) {
		fd = syscall(SYS_openat2, dirfd, rel, &how, sizeof(how));
		if (fd >= 0)
			return (int)fd;
		if (errno != ENOSYS)
			return -errno;
		no_openat2 = true;
	}
	if (!strcmp(rel, ".")) {
		fd = openat(dirfd, ".", flags | O_CLOEXEC);
		return fd < 0 ? -errno : (int)fd;
	}
	return open_nofollow_walk(dirfd, rel, flags);
}

int static_open(int dirfd, const char *rel)
{
	/* O_NONBLOCK: a FIFO must not stall the worker (it gets a 403). */
	return static_open_beneath(dirfd, rel, O_RDONLY | O_NONBLOCK | O_NOCTTY);
}

static int open_status(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENOTDIR:
	case -ENAMETOOLONG:	/* still just "no such file" */
		return 404;
	case -EXDEV:	/* RESOLVE_BENEATH: it leads out of the docroot */
	case -ELOOP:
	case -EACCES:
	case -EPERM:
		return 403;
	default:
		return 500;
	}
}

/* 416 names the complete length, which the generic error builder cannot. */
static int send_416(struct conn *c, uint64_t size)
{
	struct khttp_head h = { .status = 416, .has_body_length = true,
				.content_type = "text/html; charset=utf-8",
				.range_total = size };
	char *body, *end, *page = c->w->path;	/* path is not needed now */
	size_t n = khttp_error_build(page, sizeof(c->w->path), 416,
				     c->req.version, c->keep_alive, c->w->date,
				     NULL);

	end = n ? memmem(page, n, "\r\n\r\n", 4) : NULL;
	if (!end)
		return http_send_error(c, 500, NULL);
	h.content_length = n - (size_t)(end + 4 - page);
	body = malloc(h.content_length + 1);
	if (!body)
		return http_send_error(c, 500, NULL);
	memcpy(body, end + 4, h.content_length);
	c->error_note = "range not satisfiable";
	n = http_head(c, &h);
	if (!n) {
		free(body);
		return http_send_error(c, 500, NULL);
	}
	if (c->head_only) {
		free(body);
		body = NULL;
		h.content_length = 0;
	}
	conn_queue(c, c->w->scratch, n, body, h.content_length, NULL, 0, 0);
	return KP_DONE;
}

int static_file_head(const struct conn *c, struct khttp_head *h,
		     const char *etag, size_t etag_len, s64 mtime,
		     uint64_t size, const char *path, uint64_t *start,
		     uint64_t *len)
{
	*h = (struct khttp_head){ .has_body_length = true,
				  .accept_ranges = true, .etag = etag,
				  .last_modified = mtime };
	*start = 0;
	*len = size;
	h->status = khttp_conditional(c->buf, &c->req, etag, etag_len, mtime);
	if (h->status == 412)
		return 412;
	if (h->status == 304) {
		h->has_body_length = false;
		h->accept_ranges = false;
		*len = 0;
	} else {
		h->status = khttp_range_resolve(c->buf, &c->req, etag, etag_len,
						mtime, size, start, len);
		if (h->status == 416)
			return 416;
		h->range_start = *start;
		h->range_total = size;
		h->content_type = config_mime(c->cfg, path, strlen(path));
	}
	h->content_length = *len;
	return h->status;
}

static int serve_file(struct conn *c, struct fdcache_entry *f, const char *path)
{
	const struct config *cfg = c->cfg;
	const struct stat *st = &f->st;
	struct khttp_head h;
	uint64_t start, len;
	size_t n;

	if (!S_ISREG(st->st_mode) ||
	    (st->st_mode & cfg->perm_required) != cfg->perm_required ||
	    (st->st_mode & cfg->perm_forbid)) {
		fdcache_put(c->w->fc, f);
		c->error_note = "file type or mode forbidden";
		return http_send_error(c, 403, NULL);
	}
	switch (static_file_head(c, &h, f->etag, f->etag_len, st->st_mtim.tv_sec,
				 (uint64_t)st->st_size, path, &start, &len)) {
	case 412:
		fdcache_put(c->w->fc, f);
		return http_send_error(c, 412, NULL);
	case 416:
		fdcache_put(c->w->fc, f);
		return send_416(c, (uint64_t)st->st_size);
	}
	h.content_length = len;
	n = http_head(c, &h);
	if (!n) {
		fdcache_put(c->w->fc, f);
		return http_send_error(c, 500, NULL);
	}
	if (c->head_only || !len) {
		fdcache_put(c->w->fc, f);
		f = NULL;
		len = 0;
	}
	conn_queue(c, c->w->scratch, n, NULL, 0, f, start, len);
	return KP_DONE;
}

/*
 * 301 to the directory's name with its slash, built from the normalized
 * path (not the target as sent: "//host/../dir" must not leave the site).
 * The whole head must fit in the scratch buffer, so the Location does too.
 */
static int redirect_to_dir(struct conn *c, const char *path, size_t plen)
{
	const struct khttp_request *r = &c->req;
	struct khttp_head h = { .status = 301, .has_body_length = true };
	char loc[WORKER_SCRATCH];
	size_t n;

	h.location_len = khttp_location_build(loc, sizeof(loc), path, plen,
					      c->buf + r->query.off,
					      r->query.len);
	h.location = loc;
	n = h.location_len ? http_head(c, &h) : 0;
	if (!n)
		return http_send_error(c, 414, NULL);
	conn_queue(c, c->w->scratch, n, NULL, 0, NULL, 0, 0);
	return KP_DONE;
}

int static_serve(struct conn *c)
{
	struct worker *w = c->w;
	const struct vhost *vh = c->vhost;
	const char *path = w->path;
	size_t plen = strlen(path);
	struct fdcache_entry *f, *idx;
	int rc;

	rc = fdcache_get(w->fc, vh->docroot_fd, vh->docroot, path, w->now, &f);
	if (rc) {
		c->error_note = strerror(-rc);
		return http_send_error(c, open_status(rc), NULL);
	}
	if (!S_ISDIR(f->st.st_mode))
		return serve_file(c, f, path);
	if (path[plen - 1] != '/') {
		fdcache_put(w->fc, f);
		return redirect_to_dir(c, path, plen);
	}
	for (size_t i = 0; i < c->cfg->nindexes; i++) {
		size_t ilen = strlen(c->cfg->indexes[i]);

		if (plen + ilen >= sizeof(w->path))
			break;
		memcpy(w->path + plen, c->cfg->indexes[i], ilen + 1);
		rc = fdcache_get(w->fc, vh->docroot_fd, vh->docroot, w->path,
				 w->now, &idx);
		if (rc == 0) {
			fdcache_put(w->fc, f);
			return serve_file(c, idx, w->path);
		}
		w->path[plen] = '\0';
		if (rc != -ENOENT) {
			fdcache_put(w->fc, f);
			c->error_note = strerror(-rc);
			return http_send_error(c, open_status(rc), NULL);
		}
	}
	rc = plugins_on_directory(c, f->fd);
	fdcache_put(w->fc, f);
	if (rc == KP_CLOSE)
		c->closing = true;
	if (rc != KP_CONTINUE)
		return rc;
	c->error_note = "directory without index file";
	return http_send_error(c, 403, NULL);
}
