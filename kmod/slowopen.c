// SPDX-License-Identifier: GPL-2.0
/*
 * Lookups and opens that would put the per-CPU thread to sleep: a path
 * not all in the dcache (a disk read), or a file under a lease that must
 * be broken first (break_lease() waits up to fs.lease-break-time). The
 * thread tries with LOOKUP_CACHED and O_NONBLOCK; what that cannot settle
 * goes to the workqueue, which looks up and opens the blocking way and
 * gives the connection back. The request head was only peeked, so the
 * thread then parses it again and takes the result waiting for it.
 *
 * A blocking open can hold a worker of the read-in workqueue for the whole
 * lease-break time, so only KHTTPD_SLOWOPEN_MAX are in flight; past that a
 * request is answered 503 and closed (slow_opens_refused). The head's
 * deadline runs on meanwhile: a connection whose header_timeout passed
 * while its file was opened gets the 408 it would have had.
 */
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "khttpd.h"

/* Opens on the workqueue at once, of all threads: 1/4 of its workers. */
#define KHTTPD_SLOWOPEN_MAX	64

static atomic_t khttpd_slowopens = ATOMIC_INIT(0);

struct khttpd_slowopen {
	struct khttpd_found found;
	int status;
	size_t len;
	char path[];	/* the normalised path, NUL-terminated */
};

static void khttpd_slowopen_work(struct work_struct *work)
{
	struct khttpd_conn *c = container_of(work, struct khttpd_conn,
					     io_work);
	struct khttpd_slowopen *so = c->slowopen;

	so->status = khttpd_file_open(so->path, so->len, false, &so->found);
	atomic_dec(&khttpd_slowopens);
	/* The last use of c here: the thread may free it from now on. */
	khttpd_conn_io_complete(c);
}

/**
 * khttpd_slowopen_start() - Look up and open on the workqueue.
 * @c: the connection, its request head peeked but not consumed
 * @path: the normalised path, NUL-terminated
 * @len: its length
 *
 * The workqueue owns @c until khttpd_conn_io_complete() gives it back in
 * KHTTPD_HEADER, with the header deadline it had (khttpd_schedule()).
 *
 * Return: KHTTPD_WAIT_OPEN, or a closing 503 when KHTTPD_SLOWOPEN_MAX are
 * in flight or there is no memory for it.
 */
enum khttpd_state khttpd_slowopen_start(struct khttpd_conn *c,
					const char *path, size_t len)
{
	struct khttpd_slowopen *so = NULL;

	if (atomic_inc_return(&khttpd_slowopens) > KHTTPD_SLOWOPEN_MAX)
		c->thr->stats.slow_opens_refused++;
	else	/* No reclaim on the thread: without memory, come again later. */
		so = kmalloc(struct_size(so, path, len + 1),
			     GFP_NOWAIT | __GFP_NOWARN);
	if (!so) {
		atomic_dec(&khttpd_slowopens);
		c->keep_alive = false;
		return khttpd_send_error(c, 503, "Retry-After: 1\r\n");
	}
	memcpy(so->path, path, len + 1);
	so->len = len;
	c->slowopen = so;
	c->thr->stats.slow_opens++;
	khttpd_timeout_disarm(c);
	INIT_WORK(&c->io_work, khttpd_slowopen_work);
	queue_work(khttpd_wq, &c->io_work);
	return KHTTPD_WAIT_OPEN;
}

/**
 * khttpd_slowopen_take() - The result of the workqueue's open, if it fits.
 * @c: the connection, back from KHTTPD_WAIT_OPEN or not
 * @path: the normalised path of the request parsed again
 * @len: its length
 * @f: what was found, when the result is taken
 *
 * Return: the status khttpd_file_open() returned on the workqueue, or -1
 * when there is none for @path (then open on the thread).
 */
int khttpd_slowopen_take(struct khttpd_conn *c, const char *path,
			 size_t len, struct khttpd_found *f)
{
	struct khttpd_slowopen *so = c->slowopen;
	int status;

	if (!so || so->len != len || memcmp(so->path, path, len)) {
		khttpd_slowopen_drop(c);
		return -1;
	}
	*f = so->found;
	status = so->status;
	kfree(so);
	c->slowopen = NULL;
	return status;
}

/**
 * khttpd_slowopen_drop() - Drop a result no request took.
 * @c: the connection, not in KHTTPD_WAIT_OPEN
 */
void khttpd_slowopen_drop(struct khttpd_conn *c)
{
	struct khttpd_slowopen *so = c->slowopen;

	if (!so)
		return;
	if (so->found.file)
		fput(so->found.file);
	kfree(so);
	c->slowopen = NULL;
}
