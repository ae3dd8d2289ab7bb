// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The request body of a gateway job, to the backend as it arrives: from
 * the connection's buffer first, then the socket, dechunked; a chunked
 * body is spooled whole first (memory, then a temp file) so that the
 * backend gets a CONTENT_LENGTH.
 */
#define _GNU_SOURCE
#include "job.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Decode chunked bytes at p[0..n) into j->in; false on a malformed body. */
static bool gw_dechunk(struct gw_job *j, const char *p, size_t n,
		       size_t *used_total)
{
	size_t pos = 0;

	while (pos < n && !j->body_done) {
		size_t used, off, len;
		int rc = khttp_chunked_feed(&j->chunked, p + pos, n - pos,
					    &used, &off, &len);

		if (rc == KHTTP_CHUNK_ERROR)
			return false;
		if (rc == KHTTP_CHUNK_DATA) {
			memmove(j->in + j->in_len, p + pos + off, len);
			j->in_len += len;
		}
		pos += used;
		if (rc == KHTTP_CHUNK_END)
			j->body_done = true;
		if (rc == KHTTP_CHUNK_MORE && !used)
			break;
	}
	*used_total = pos;
	return true;
}

static bool gw_write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

/* Keep n decoded body bytes: false when they cannot be kept. */
static bool gw_spool_add(struct gw_job *j, const char *p, size_t n)
{
	if (j->spool_fd < 0 && j->spool_len + n > GW_SPOOL_MEM) {
		j->spool_fd = open(P_tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC,
				   0600);
		if (j->spool_fd < 0 ||
		    !gw_write_all(j->spool_fd, j->spool, j->spool_len))
			return false;
		free(j->spool);
		j->spool = NULL;
	}
	if (j->spool_fd >= 0) {
		if (!gw_write_all(j->spool_fd, p, n))
			return false;
	} else {
		if (!j->spool && !(j->spool = malloc(GW_SPOOL_MEM)))
			return false;
		memcpy(j->spool + j->spool_len, p, n);
	}
	j->spool_len += n;
	return true;
}

/* The next spooled bytes into j->in: false when there are none. */
static bool gw_spool_read(struct gw_job *j)
{
	uint64_t off = j->spool_len - j->body_left;
	size_t n = j->body_left < GW_BUF ? (size_t)j->body_left : GW_BUF;

	if (!n)
		return false;
	if (j->spool_fd < 0) {
		memcpy(j->in, j->spool + off, n);
	} else if (pread(j->spool_fd, j->in, n, (off_t)off) != (ssize_t)n) {
		gw_fail(j, 500, "cannot read the spooled request body");
		return false;
	}
	j->body_left -= n;
	j->in_len = n;
	return true;
}

/* Get more body bytes into j->in (or c->buf): false when none now. */
static bool gw_body_fill(struct gw_job *j)
{
	struct conn *c = j->c;
	size_t used;
	ssize_t n;

	j->in_off = j->in_len = 0;
	if (j->spooled)
		return gw_spool_read(j);
	if (j->buf_off < j->buf_end) {
		if (!j->body_chunked)
			return true;	/* given straight from c->buf */
		n = j->buf_end - j->buf_off;
		if (n > GW_BUF)
			n = GW_BUF;
		if (!gw_dechunk(j, c->buf + j->buf_off, (size_t)n, &used)) {
			gw_fail(j, 400, "malformed chunked body");
			return false;
		}
		j->buf_off += (uint32_t)used;
		gw_body_received(j, 0);	/* counted at the start: maybe the end */
		return true;
	}
	if (j->body_done || (!j->body_chunked && !j->body_left))
		return false;
	n = conn_recv(c, j->in, j->body_chunked ? GW_BUF :
		      (j->body_left < GW_BUF ? j->body_left : GW_BUF));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return false;
	if (n <= 0) {
		gw_client_gone(j);
		return false;
	}
	if (!j->body_chunked) {
		j->in_len = (size_t)n;
		j->body_left -= (uint64_t)n;
		gw_body_received(j, (size_t)n);
		return true;
	}
	/* decoded data only moves left: decode j->in in place */
	{
		size_t raw = (size_t)n;

		if (!gw_dechunk(j, j->in, raw, &used)) {
			gw_fail(j, 400, "malformed chunked body");
			return false;
		}
		if (used < raw)
			j->over_read = true;	/* the next request, partly */
		gw_body_received(j, used);
	}
	return true;
}

/* Give the backend all the body it takes now. */
static void gw_pump_body(struct gw_job *j)
{
	while (!j->dead && !j->released) {
		const char *p;
		size_t avail;
		ssize_t n;

		if (j->in_off < j->in_len) {
			p = j->in + j->in_off;
			avail = j->in_len - j->in_off;
		} else if (!j->body_chunked && j->buf_off < j->buf_end) {
			p = j->c->buf + j->buf_off;
			avail = j->buf_end - j->buf_off;
		} else {
			if (j->body_done ||
			    (!j->body_chunked && !j->body_left &&
			     j->buf_off == j->buf_end)) {
				j->body_done = true;
				if (!j->body_ended) {
					j->body_ended = true;
					j->ops->body_end(j);
				}
				return;
			}
			if (!gw_body_fill(j))
				return;
			continue;
		}
		n = j->ops->body(j, p, avail);
		if (n <= 0)
			return;	/* backend full (gw_body_ready) or failed */
		gw_touch(j);
		if (j->in_off < j->in_len)
			j->in_off += (size_t)n;
		else
			j->buf_off += (uint32_t)n;
	}
}

/* The whole chunked body is spooled: start the backend, give it the body. */
static void gw_spool_done(struct gw_job *j)
{
	struct gw_script *s = j->script;
	int rc;

	j->script = NULL;
	j->spooling = false;
	gw_touch(j);	/* from now on the backend's Timeout */
	j->spooled = true;
	j->body_chunked = j->body_done = false;
	j->body_left = j->spool_len;
	j->buf_end = j->buf_off;	/* what follows is the next request */
	rc = j->ops->begin(j, j->cf, s);
	free(s);
	if (rc)
		gw_fail(j, rc, "cannot start the backend");
	else
		gw_pump_body(j);
}

/*
 * Spool what the client sent so far; at the body's end, go on. The decoded
 * body is bounded by RequestMax like one the core reads (413, and the
 * connection closes: the rest stays unread).
 */
static void gw_spool_more(struct gw_job *j)
{
	uint64_t max = j->c->cfg->request_max;

	while (!j->dead && !j->finishing && gw_body_fill(j)) {
		if (j->in_len > max - j->spool_len) {
			gw_fail(j, 413, "chunked request body beyond RequestMax");
			return;
		}
		if (!gw_spool_add(j, j->in, j->in_len)) {
			gw_fail(j, 500, "cannot spool the request body");
			return;
		}
		j->in_len = 0;
		if (j->body_done) {
			gw_spool_done(j);
			return;
		}
	}
}

void gw_body_ready(struct gw_job *j)
{
	if (gw_dead(j))
		return;
	if (j->spooling)
		gw_spool_more(j);
	else
		gw_pump_body(j);
	gw_arm(j);
}
