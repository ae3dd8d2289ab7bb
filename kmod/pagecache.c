// SPDX-License-Identifier: GPL-2.0
/*
 * Page-cache misses. The per-CPU thread never waits for a disk: a
 * connection whose next page is not cached goes to an unbound workqueue,
 * which reads the next window of the file in (kernel_read() fills the page
 * cache through each filesystem's own read path, readahead included), then
 * hands the connection back to its thread.
 */
#include <linux/fs.h>
#include <linux/pagemap.h>
#include "khttpd.h"

/* How much one miss reads in. */
#define KHTTPD_READIN_BYTES	(256 * 1024)

struct workqueue_struct *khttpd_wq;

static void khttpd_readin_work(struct work_struct *work)
{
	struct khttpd_conn *c = container_of(work, struct khttpd_conn,
					     io_work);
	loff_t end = min_t(loff_t, c->end, c->pos + KHTTPD_READIN_BYTES);
	loff_t pos, at;
	char byte;

	/* One byte of each page is enough to bring the whole page in. */
	for (pos = c->pos; pos < end; pos = (pos | ~PAGE_MASK) + 1) {
		at = pos;
		if (kernel_read(c->file, &byte, 1, &at) != 1) {
			set_bit(KHTTPD_CONN_IO_ERROR, &c->flags);
			break;
		}
	}
	/* Pages before here that are still not cached are sent by copy. */
	c->readin_end = min(pos, end);
	/* The last use of c here: the thread may free it from now on. */
	khttpd_conn_io_complete(c);
}

/**
 * khttpd_pagecache_readin() - Have the next pages of a response read in.
 * @c: the connection, whose next page at @c->pos is not cached
 *
 * Queues the read-in on the workqueue, which owns @c until
 * khttpd_conn_io_complete() gives it back; no timeout runs meanwhile.
 *
 * Return: KHTTPD_WAIT_IO.
 */
enum khttpd_state khttpd_pagecache_readin(struct khttpd_conn *c)
{
	c->thr->stats.cache_misses++;
	khttpd_timeout_disarm(c);
	INIT_WORK(&c->io_work, khttpd_readin_work);
	queue_work(khttpd_wq, &c->io_work);
	return KHTTPD_WAIT_IO;
}
