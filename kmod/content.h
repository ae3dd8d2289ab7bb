/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The content of a response: the window of the file that is sent, and
 * what a page missing from the page cache means inside it. Pure logic on
 * the connection, so that KUnit can play a response's read-ins through.
 */
#ifndef KHTTPD_CONTENT_H
#define KHTTPD_CONTENT_H

#include "khttpd.h"

/**
 * khttpd_content_set() - Set the content a response sends.
 * @c: the connection, not in KHTTPD_WAIT_IO
 * @file: the file, or NULL for a response without content
 * @start: the first byte to send
 * @end: the end of the bytes to send
 *
 * Nothing is read in for the new content yet: what the read-ins of an
 * earlier response on the connection found (KHTTPD_CONN_IO_*) is not this
 * one's, and a stale IO_ERROR would end it at its first miss.
 */
static inline void khttpd_content_set(struct khttpd_conn *c,
				      struct file *file, loff_t start,
				      loff_t end)
{
	c->file = file;
	c->pos = start;
	c->end = end;
	c->readin_end = start;
	c->evicted_at = start;
	c->evicted_laps = 0;
	clear_bit(KHTTPD_CONN_IO_DONE, &c->flags);
	clear_bit(KHTTPD_CONN_IO_ERROR, &c->flags);
}

/* What a send does when the page at c->pos is not in the page cache. */
enum khttpd_miss {
	KHTTPD_MISS_COPY,	/* read in already: send it by copy */
	KHTTPD_MISS_READIN,	/* have the next pages read in */
	KHTTPD_MISS_FAIL,	/* the read-in failed here: give up */
};

/*
 * A failed read-in stopped at c->readin_end. Only there does its error
 * count: a send that got past it (the page came into the cache after all)
 * has the next pages read in like any other miss.
 */
static inline enum khttpd_miss khttpd_content_miss(struct khttpd_conn *c)
{
	if (c->pos < c->readin_end)
		return KHTTPD_MISS_COPY;
	if (test_and_clear_bit(KHTTPD_CONN_IO_ERROR, &c->flags) &&
	    c->pos == c->readin_end)
		return KHTTPD_MISS_FAIL;
	return KHTTPD_MISS_READIN;
}

/* Read-ins of one page that reclaim took back before it could be sent. */
#define KHTTPD_EVICTED_LAPS	4

/*
 * The page at c->pos was read in, and evicted again before its copy
 * (khttpd_send_read() found it gone): read it in again, but not forever.
 * Every lap gives the connection back with a fresh send timeout, so a page
 * that reclaim always wins would keep a response (and its client) alive
 * for ever; past KHTTPD_EVICTED_LAPS laps at one position it ends.
 */
static inline enum khttpd_miss khttpd_content_evicted(struct khttpd_conn *c)
{
	c->readin_end = c->pos;
	if (c->pos != c->evicted_at) {
		c->evicted_at = c->pos;
		c->evicted_laps = 0;
	}
	if (++c->evicted_laps > KHTTPD_EVICTED_LAPS)
		return KHTTPD_MISS_FAIL;
	return KHTTPD_MISS_READIN;
}

#endif /* KHTTPD_CONTENT_H */
