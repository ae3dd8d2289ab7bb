// SPDX-License-Identifier: GPL-2.0
/*
 * Send state: the response head from the connection's buffer, then the
 * content straight from the page cache (no copy), without blocking. The
 * progress is kept in the connection; a full socket waits for the
 * write-space callback, a page-cache miss goes to the read-in workqueue.
 */
#include <linux/file.h>
#include <linux/highmem.h>
#include <linux/pagemap.h>
#include "compat.h"
#include "content.h"

#define KHTTPD_SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL)
/* Sends to one connection per pass, so that others get their turn. */
#define KHTTPD_SEND_BUDGET	16
/* Pages per send */
#define KHTTPD_SEND_PAGES	16

/* A head ends at its blank line; for HEAD nothing after it is sent. */
static size_t khttpd_head_end(const char *buf, size_t len)
{
	size_t i;

	for (i = 0; i + 4 <= len; i++)
		if (!memcmp(buf + i, "\r\n\r\n", 4))
			return i + 4;
	return len;
}

/**
 * khttpd_send_error() - Answer with a complete error response.
 * @c: the connection; @c->version, @c->keep_alive and @c->head_only say how
 * @status: the status code
 * @extra: header fields to add ("Name: value\r\n" each), or NULL
 *
 * Drops the content being sent, if any, and builds the response in
 * @c->head. Closes after it unless @c->keep_alive.
 *
 * Return: KHTTPD_SEND, or KHTTPD_CLOSE when the response does not fit.
 */
enum khttpd_state khttpd_send_error(struct khttpd_conn *c, int status,
				    const char *extra)
{
	struct khttpd_thread *thr = c->thr;
	size_t n;

	if (c->file)
		fput(c->file);
	khttpd_content_set(c, NULL, 0, 0);
	n = khttp_error_build(c->head, sizeof(c->head), status, c->version,
			      c->keep_alive, khttpd_date_now(&thr->date),
			      extra);
	if (!n)
		return KHTTPD_CLOSE;
	if (c->head_only)
		n = khttpd_head_end(c->head, n);
	c->head_len = n;
	c->head_sent = 0;
	khttpd_stats_response(thr, status);
	khttpd_timeout_arm(c, KHTTPD_TO_SEND);
	return KHTTPD_SEND;
}

/* Part of a page that cannot be spliced (never a page-cache page today). */
static int khttpd_send_copy(struct socket *sock, struct page *page,
			    int off, size_t len, int flags)
{
	struct msghdr msg = { .msg_flags = flags };
	struct kvec v;
	char *addr;
	int n;

	addr = kmap_local_page(page);
	v.iov_base = addr + off;
	v.iov_len = len;
	n = kernel_sendmsg(sock, &msg, &v, 1, len);
	kunmap_local(addr);
	return n;
}

/*
 * Send the cached pages from c->pos on, up to KHTTPD_SEND_PAGES of them in
 * one call. Returns bytes sent, -EAGAIN, another error, or -ENODATA when
 * the first page is not cached.
 */
static int khttpd_send_pages(struct khttpd_conn *c)
{
	struct khttpd_stats *st = &c->thr->stats;
	struct address_space *mapping = c->file->f_mapping;
	struct folio *folios[KHTTPD_SEND_PAGES];
	struct bio_vec bv[KHTTPD_SEND_PAGES];
	int flags = KHTTPD_SEND_FLAGS;
	loff_t pos = c->pos;
	size_t total = 0;
	int i, n = 0, ret;

	while (n < KHTTPD_SEND_PAGES && pos < c->end) {
		pgoff_t index = pos >> PAGE_SHIFT;
		int off = offset_in_page(pos);
		size_t len = min_t(loff_t, PAGE_SIZE - off, c->end - pos);
		struct folio *folio = khttpd_folio_probe(mapping, index);
		struct page *page;

		if (folio && !folio_test_uptodate(folio)) {
			folio_put(folio);
			folio = NULL;
		}
		if (!folio)
			break;
		page = folio_file_page(folio, index);
		if (!sendpage_ok(page)) {
			/* never a page-cache page today; alone, by copy */
			if (!n) {
				ret = khttpd_send_copy(c->sock, page, off, len,
						       pos + len < c->end ?
						       flags | MSG_MORE : flags);
				folio_put(folio);
				if (ret > 0)
					st->sent_copied += ret;
				return ret;
			}
			folio_put(folio);
			break;
		}
		bvec_set_page(&bv[n], page, len, off);
		folios[n++] = folio;
		pos += len;
		total += len;
	}
	if (!n)
		return -ENODATA;
	if (pos < c->end)
		flags |= MSG_MORE;
	ret = khttpd_sendpages(c->sock, bv, n, total, flags);
	for (i = 0; i < n; i++)
		folio_put(folios[i]);
	if (ret > 0)
		st->sent_zerocopy += ret;
	return ret;
}

/*
 * A page still missing right after its read-in: a hole of a filesystem that
 * does not cache holes (tmpfs), or a page evicted again at once. Copy it,
 * without waiting for a disk: IOCB_NOWAIT where the filesystem honours it
 * (FMODE_NOWAIT), -ENODATA when that would need I/O (read in again).
 * tmpfs does not honour it, and reads its holes without I/O.
 */
static int khttpd_send_read(struct khttpd_conn *c)
{
	struct khttpd_thread *thr = c->thr;
	size_t len = min_t(loff_t, c->readin_end - c->pos, KHTTP_HEAD_CEILING);
	struct msghdr msg = { .msg_flags = KHTTPD_SEND_FLAGS };
	struct kvec v = { .iov_base = thr->buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t got;
	int n;

	init_sync_kiocb(&kiocb, c->file);
	kiocb.ki_pos = c->pos;
	if (c->file->f_mode & FMODE_NOWAIT)
		kiocb.ki_flags |= IOCB_NOWAIT;
	iov_iter_kvec(&iter, ITER_DEST, &v, 1, len);
	got = vfs_iocb_iter_read(c->file, &kiocb, &iter);
	if (got == -EAGAIN)
		return -ENODATA;
	if (got <= 0)
		return -EIO;
	v.iov_len = got;
	if (c->pos + got < c->end)
		msg.msg_flags |= MSG_MORE;
	n = kernel_sendmsg(c->sock, &msg, &v, 1, got);
	if (n > 0)
		thr->stats.sent_copied += n;
	return n;
}

static enum khttpd_state khttpd_send_done(struct khttpd_conn *c)
{
	if (c->file) {
		fput(c->file);
		c->file = NULL;
	}
	c->head_len = 0;
	c->head_sent = 0;
	if (!c->keep_alive) {
		kernel_sock_shutdown(c->sock, SHUT_WR);
		khttpd_timeout_arm(c, KHTTPD_TO_LINGER);
		return KHTTPD_LINGER;
	}
	khttpd_timeout_arm(c, KHTTPD_TO_IDLE);
	return KHTTPD_IDLE;
}

/**
 * khttpd_send_process() - Send the response head, then the content.
 * @c: the connection, in KHTTPD_SEND
 *
 * Return: KHTTPD_SEND while the socket is full or the pass's budget is
 * spent, KHTTPD_WAIT_IO on a page-cache miss, KHTTPD_IDLE or KHTTPD_LINGER
 * once all is sent, KHTTPD_CLOSE on an error.
 */
enum khttpd_state khttpd_send_process(struct khttpd_conn *c)
{
	int budget = KHTTPD_SEND_BUDGET;
	int n;

	while (c->head_sent < c->head_len) {
		struct kvec v = { .iov_base = c->head + c->head_sent,
				  .iov_len = c->head_len - c->head_sent };
		struct msghdr msg = { .msg_flags = KHTTPD_SEND_FLAGS };

		if (c->pos < c->end)
			msg.msg_flags |= MSG_MORE;
		n = kernel_sendmsg(c->sock, &msg, &v, 1, v.iov_len);
		if (n == -EAGAIN)
			return KHTTPD_SEND;
		if (n <= 0)
			return KHTTPD_CLOSE;
		c->head_sent += n;
		if (c->tls)
			c->thr->stats.tls_sent += n;
		khttpd_timeout_arm(c, KHTTPD_TO_SEND);
	}
	if (c->pos < c->end &&
	    c->end > i_size_read(file_inode(c->file)))
		return KHTTPD_CLOSE;	/* truncated: cannot keep our word */
	while (c->pos < c->end) {
		if (!budget--) {
			khttpd_conn_kick(c);
			return KHTTPD_SEND;
		}
		n = khttpd_send_pages(c);
		if (n == -ENODATA) {
			switch (khttpd_content_miss(c)) {
			case KHTTPD_MISS_FAIL:
				return KHTTPD_CLOSE;
			case KHTTPD_MISS_COPY:
				n = khttpd_send_read(c);
				if (n != -ENODATA)
					break;
				if (khttpd_content_evicted(c) == KHTTPD_MISS_FAIL)
					return KHTTPD_CLOSE;
				fallthrough;
			default:
				return khttpd_pagecache_readin(c);
			}
		}
		if (n == -EAGAIN)
			return KHTTPD_SEND;
		if (n <= 0)
			return KHTTPD_CLOSE;
		c->pos += n;
		if (c->tls)
			c->thr->stats.tls_sent += n;
		khttpd_timeout_arm(c, KHTTPD_TO_SEND);
	}
	return khttpd_send_done(c);
}
