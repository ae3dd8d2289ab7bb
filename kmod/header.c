// SPDX-License-Identifier: GPL-2.0
/*
 * Header state: peek at the socket (MSG_PEEK into the thread's buffer, so a
 * request handed to userspace keeps its bytes), parse with the shared
 * parser, route the request, and for a static file build the response head
 * into the connection. Only a request the module serves is consumed from
 * the socket, exactly its head; a pipelined request behind it stays queued.
 * A socket the daemon gave back may come with bytes it read already
 * (c->pre): they are the start of the input, before the socket's.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include "compat.h"
#include "content.h"
#include "rules.h"

#define KHTTPD_ALLOW	"Allow: GET, HEAD\r\n"

static void khttpd_limits(struct khttp_limits *lim)
{
	khttp_limits_default(lim);
	lim->line_max = READ_ONCE(khttpd_cfg.line_max);
	lim->head_max = READ_ONCE(khttpd_cfg.head_max);
}

static int khttpd_recv(struct socket *sock, char *buf, size_t len, int flags)
{
	struct kvec v = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_flags = flags | MSG_DONTWAIT };

	return kernel_recvmsg(sock, &msg, &v, 1, len, msg.msg_flags);
}

/*
 * Up to len bytes of the input into thr->buf, leaving them there: c->pre,
 * then a peek at the socket. Returns how many, -EAGAIN for none yet, 0 at
 * the client's end, or another error (on kTLS, -EIO for a record that is
 * not application data: an alert, a KeyUpdate).
 */
static int khttpd_input_peek(struct khttpd_conn *c, size_t len)
{
	size_t pre = min_t(size_t, c->pre_len, len);
	int n;

	if (pre)
		memcpy(c->thr->buf, c->pre, pre);
	if (pre == len)
		return pre;
	n = khttpd_recv(c->sock, c->thr->buf + pre, len - pre, MSG_PEEK);
	if (n == -EAGAIN || !n)
		return pre ? pre : n;
	return n < 0 ? n : pre + n;
}

/*
 * Take the first len bytes of the input, peeked into thr->buf, for good:
 * from c->pre first, the rest from the socket, read over the very bytes
 * peeked (so spans into thr->buf stay valid). Returns whether all came.
 */
static bool khttpd_input_consume(struct khttpd_conn *c, size_t len)
{
	size_t pre = min_t(size_t, c->pre_len, len);

	if (pre) {
		c->pre_len -= pre;
		memmove(c->pre, c->pre + pre, c->pre_len);
		if (!c->pre_len) {
			kfree(c->pre);
			c->pre = NULL;
		}
	}
	if (pre == len)
		return true;
	return khttpd_recv(c->sock, c->thr->buf + pre, len - pre, 0) ==
	       len - pre;
}

/**
 * khttpd_header_timeout() - Answer a head that did not arrive in time.
 * @c: the connection, in KHTTPD_HEADER
 *
 * Return: what khttpd_send_error() returns for the 408, which closes.
 */
enum khttpd_state khttpd_header_timeout(struct khttpd_conn *c)
{
	c->keep_alive = false;
	c->head_only = false;
	return khttpd_send_error(c, 408, NULL);
}

/* What the `dynamic` and `hosts` sysctls leave to userspace. */
static bool khttpd_is_dynamic(const struct khttpd_thread *thr,
			      const struct khttp_request *req, size_t plen)
{
	const char *host = thr->buf + req->host_name.off;
	bool dynamic;

	read_lock(&khttpd_cfg_lock);
	dynamic = !khttpd_host_allowed(khttpd_cfg.hosts, host,
				       req->host_name.len) ||
		  khttpd_rules_match(khttpd_cfg.dynamic, thr->path, plen,
				     req->query.len > 0);
	read_unlock(&khttpd_cfg_lock);
	return dynamic;
}

/*
 * 301 for a directory named without its slash. The Location comes from the
 * normalised thr->path[0..plen), never the raw target ("//host/../dir"
 * must not send the client off-site); it is built in thr->path past the
 * path's NUL: a Location that fits in c->head always fits there.
 */
static enum khttpd_state khttpd_redirect(struct khttpd_conn *c,
					 const struct khttp_request *req,
					 size_t plen)
{
	struct khttpd_thread *thr = c->thr;
	char *loc = thr->path + plen + 1;
	struct khttp_head h = {
		.status = 301,
		.version = c->version,
		.keep_alive = c->keep_alive,
		.has_body_length = true,
		.date = khttpd_date_now(&thr->date),
	};
	size_t n;

	h.location_len = khttp_location_build(loc, KHTTP_HEAD_CEILING - plen,
					      thr->path, plen,
					      thr->buf + req->query.off,
					      req->query.len);
	h.location = loc;
	n = h.location_len ? khttp_head_build(c->head, sizeof(c->head), &h) : 0;
	if (!n)
		return khttpd_send_error(c, 414, NULL);
	c->head_len = n;
	c->head_sent = 0;
	khttpd_stats_response(thr, 301);
	khttpd_timeout_arm(c, KHTTPD_TO_SEND);
	return KHTTPD_SEND;
}

/* The response for an open regular file: 200, 206, 304, 412 or 416. */
static enum khttpd_state khttpd_respond_file(struct khttpd_conn *c,
					     const struct khttp_request *req,
					     struct file *file,
					     const char *name, size_t name_len)
{
	struct khttpd_thread *thr = c->thr;
	struct inode *inode = file_inode(file);
	char etag[KHTTP_ETAG_MAX];
	struct khttp_head h = {
		.version = c->version,
		.keep_alive = c->keep_alive,
		.date = khttpd_date_now(&thr->date),
		.etag = etag,
	};
	u64 size = i_size_read(inode), start = 0, len = size;
	s64 mtime = khttpd_inode_mtime(inode);
	int etag_len, status;
	size_t n;

	etag_len = khttp_etag_format(etag, inode->i_ino, mtime, size);
	status = khttp_conditional(thr->buf, req, etag, etag_len, mtime);
	if (status == 412) {
		fput(file);
		return khttpd_send_error(c, 412, NULL);
	}
	if (!status)
		status = khttp_range_resolve(thr->buf, req, etag, etag_len,
					     mtime, size, &start, &len);
	h.status = status;
	h.range_total = size;
	if (status == 416) {
		/* only Content-Range: bytes *\/size */
		h.etag = NULL;
		h.has_body_length = true;
		len = 0;
	} else {
		h.last_modified = mtime;
	}
	if (status == 200 || status == 206) {
		h.has_body_length = true;
		h.accept_ranges = true;
		h.content_type = khttp_mime_type(name, name_len);
		h.content_length = len;
		h.range_start = start;
	}
	n = khttp_head_build(c->head, sizeof(c->head), &h);
	if (!n) {
		fput(file);
		return khttpd_send_error(c, 500, NULL);
	}
	c->head_len = n;
	c->head_sent = 0;
	if (khttp_status_bodyless(status) || c->head_only || !len) {
		fput(file);
		khttpd_content_set(c, NULL, 0, 0);
	} else {
		khttpd_content_set(c, file, start, start + len);
	}
	khttpd_stats_response(thr, status);
	khttpd_timeout_arm(c, KHTTPD_TO_SEND);
	return KHTTPD_SEND;
}

/* A parsed GET or HEAD for the normalised thr->path[0..plen). */
static enum khttpd_state khttpd_serve(struct khttpd_conn *c,
				      const struct khttp_request *req,
				      size_t plen)
{
	struct khttpd_thread *thr = c->thr;
	struct khttpd_found f;
	int status;

	/* Back from the workqueue, or a first try that must not sleep. */
	status = khttpd_slowopen_take(c, thr->path, plen, &f);
	if (status < 0)
		status = khttpd_file_open(thr->path, plen, true, &f);
	if (f.refused)
		thr->stats.refused_paths++;
	if (status == KHTTPD_FILE_BLOCKS)
		return khttpd_slowopen_start(c, thr->path, plen);
	if (status == KHTTPD_FILE_HANDOFF) {
		c->keep_alive = false;
		c->request_len = req->head_len;
		return KHTTPD_HANDOFF;
	}
	/* Consume the head: what follows is the next request. */
	if (!khttpd_input_consume(c, req->head_len)) {
		if (!status)
			fput(f.file);
		return KHTTPD_CLOSE;
	}
	if (status == 301)
		return khttpd_redirect(c, req, plen);
	if (status)
		return khttpd_send_error(c, status, NULL);
	if (f.index)
		return khttpd_respond_file(c, req, f.file, "index.html", 10);
	return khttpd_respond_file(c, req, f.file, thr->path, plen);
}

static enum khttpd_state khttpd_header_route(struct khttpd_conn *c)
{
	struct khttpd_thread *thr = c->thr;
	struct khttp_request req;
	struct khttp_limits lim;
	int n, r;

	khttpd_limits(&lim);
	n = khttpd_input_peek(c, lim.head_max + 1);
	if (n == -EAGAIN)
		return c->state;
	if (n <= 0)
		return KHTTPD_CLOSE;	/* closed between requests or in one */
	if (c->state == KHTTPD_IDLE) {
		/* The header timeout runs from the first byte of a head. */
		c->state = KHTTPD_HEADER;
		khttpd_timeout_arm(c, KHTTPD_TO_HEADER);
	}
	khttp_request_init(&req);
	r = khttp_parse(&req, &lim, thr->buf, n);
	if (r == KHTTP_AGAIN)
		return KHTTPD_HEADER;

	/* A request back from a slow open was counted the first time. */
	if (!c->slowopen) {
		thr->stats.requests++;
		c->requests++;
	}
	c->version = r == KHTTP_DONE ? req.version : 11;
	c->head_only = r == KHTTP_DONE && req.method == KHTTP_METHOD_HEAD;
	c->keep_alive = false;
	if (r != KHTTP_DONE) {
		r = khttp_error_status(r);
		return khttpd_send_error(c, r, r == 405 ? KHTTPD_ALLOW : NULL);
	}
	if ((req.method != KHTTP_METHOD_GET &&
	     req.method != KHTTP_METHOD_HEAD) ||
	    (req.flags & KHTTP_F_HAS_BODY))
		goto handoff;

	r = khttp_path_normalize(thr->buf + req.path.off, req.path.len,
				 thr->path, KHTTP_HEAD_CEILING);
	if (r < 0)
		return khttpd_send_error(c, khttp_error_status(r), NULL);
	thr->path[r] = '\0';
	if (khttpd_is_dynamic(thr, &req, r))
		goto handoff;

	c->keep_alive = (req.flags & KHTTP_F_KEEP_ALIVE) &&
			c->requests < READ_ONCE(khttpd_cfg.keepalive_max) &&
			READ_ONCE(khttpd_cfg.listening);
	return khttpd_serve(c, &req, r);

handoff:
	c->request_len = req.head_len;
	return KHTTPD_HANDOFF;
}

/**
 * khttpd_header_process() - Read, parse and route the next request.
 * @c: the connection, in KHTTPD_IDLE or KHTTPD_HEADER
 *
 * Return: the same state while the head is incomplete, KHTTPD_HANDOFF for
 * a request that is not the module's, KHTTPD_WAIT_OPEN while its file is
 * looked up and opened on the workqueue, KHTTPD_SEND with the response (or
 * error) head built, or KHTTPD_CLOSE when the client went away.
 */
enum khttpd_state khttpd_header_process(struct khttpd_conn *c)
{
	enum khttpd_state next = khttpd_header_route(c);

	/*
	 * A slow open's result that the request parsed again did not take.
	 * Kept while the head is read again (KHTTPD_HEADER): it marks the
	 * request as counted and opened already.
	 */
	if (next != KHTTPD_WAIT_OPEN && next != KHTTPD_HEADER)
		khttpd_slowopen_drop(c);
	return next;
}
