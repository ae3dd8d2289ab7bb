/* SPDX-License-Identifier: GPL-2.0 */
/*
 * khttpd: the connection, the per-CPU thread, the configuration and the one
 * interface each lifecycle state offers the thread's main loop.
 */
#ifndef KHTTPD_H
#define KHTTPD_H

#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <net/sock.h>
#include <khttpd/http_parser.h>
#include <khttpd/http_response.h>

#define KHTTPD_STR_MAX		256	/* docroot, dynamic and hosts strings */
/* Response head (or a whole error response) of one connection. */
#define KHTTPD_HEAD_SIZE	720
/* A closing connection drains what the client still sends this long. */
#define KHTTPD_LINGER_SECS	2

/*
 * States. Each has one function in one file that does its work for a
 * connection and returns the next state; returning the same state means
 * "wait for the socket".
 */
enum khttpd_state {
	KHTTPD_IDLE,		/* waiting for a request (header.c) */
	KHTTPD_HEADER,		/* part of a head is in the socket (header.c) */
	KHTTPD_HANDOFF,		/* not ours to serve (handoff.c) */
	KHTTPD_SEND,		/* head and content going out (send.c) */
	KHTTPD_WAIT_IO,		/* pages being read in (pagecache.c) */
	KHTTPD_WAIT_OPEN,	/* a slow lookup and open (slowopen.c) */
	KHTTPD_LINGER,		/* response sent, write side shut (close.c) */
	KHTTPD_CLOSE,		/* to be released (close.c) */
};

enum khttpd_timeout {
	KHTTPD_TO_IDLE,		/* keepalive_timeout: silent close */
	KHTTPD_TO_HEADER,	/* header_timeout: 408 */
	KHTTPD_TO_SEND,		/* send_timeout: close */
	KHTTPD_TO_LINGER,	/* KHTTPD_LINGER_SECS: close */
	KHTTPD_TO_CLASSES,
};

/* Bits of khttpd_conn.flags, set from socket callbacks and the workqueue. */
enum {
	KHTTPD_CONN_QUEUED,	/* on thr->ready */
	KHTTPD_CONN_IO_DONE,	/* the read-in or open work finished */
	KHTTPD_CONN_IO_ERROR,	/* ... and could not read the pages */
};

struct khttpd_thread;

struct khttpd_conn {
	struct list_head ready_node;	/* thr->ready, under thr->lock */
	struct list_head work_node;	/* the list of one pass of the loop */
	struct list_head timeout_node;	/* thr->timeouts[timeout_class] */
	struct list_head conn_node;	/* thr->conns (thr->given first) */
	struct khttpd_thread *thr;
	struct socket *sock;
	void (*saved_data_ready)(struct sock *sk);
	void (*saved_write_space)(struct sock *sk);
	void (*saved_state_change)(struct sock *sk);
	unsigned long flags;
	unsigned long armed;		/* jiffies: when the timeout started */
	struct work_struct io_work;	/* page-cache read-in, slow open */
	struct khttpd_slowopen *slowopen;	/* its request, its result */
	struct file *file;		/* content being sent, or NULL */
	loff_t pos;			/* next content byte to send */
	loff_t end;			/* end of the content to send */
	loff_t readin_end;		/* the last read-in reached here */
	char *pre;			/* input the daemon gave: before the socket's */
	loff_t evicted_at;		/* a page read in and lost again */
	u32 requests;			/* served on this connection */
	u16 head_len;
	u16 head_sent;
	u16 request_len;		/* HANDOFF: the peeked request head */
	u16 pre_len;			/* bytes at pre */
	u8 state;			/* enum khttpd_state */
	u8 timeout_class;		/* enum khttpd_timeout */
	u8 version;			/* of the request at hand: 10 or 11 */
	u8 evicted_laps;		/* read-ins of evicted_at so far */
	bool keep_alive;		/* after the response at hand */
	bool head_only;			/* HEAD: no content */
	bool tls;			/* a kTLS socket (given by the daemon) */
	char head[KHTTPD_HEAD_SIZE];
};

enum khttpd_status_class { KHTTPD_NR_STATUS_CLASSES = 5 };

/* Written by the owning thread only; read racily by /proc/net/khttpd. */
struct khttpd_stats {
	u64 accepted;
	u64 active;
	u64 requests;
	u64 responses[KHTTPD_NR_STATUS_CLASSES];	/* 1xx .. 5xx */
	u64 sent_zerocopy;	/* content bytes spliced from the page cache */
	u64 sent_copied;	/* content bytes copied (page not spliceable) */
	u64 cache_misses;
	u64 handoffs;
	u64 timeouts;
	u64 rejects;		/* connections over max_connections */
	u64 refused_paths;	/* escapes and mode-rule refusals */
	u64 slow_opens;		/* lookups and opens done on the workqueue */
	u64 slow_opens_refused;	/* 503: too many of them in flight */
	u64 given;		/* connections the daemon gave back */
	u64 tls_conns;		/* ... of them kTLS */
	u64 tls_sent;		/* bytes (head and content) sent through kTLS */
};

struct khttpd_date {
	time64_t sec;
	char text[KHTTP_DATE_LEN + 1];
};

/* Bits of khttpd_thread.events. */
enum {
	KHTTPD_EV_ACCEPT,	/* the listener has children queued */
	KHTTPD_EV_TIMER,	/* the nearest deadline passed */
	KHTTPD_EV_LISTEN,	/* start/stop: converge on khttpd_cfg.listening */
	KHTTPD_EV_GIVEN,	/* the daemon gave sockets: on thr->given */
};

struct khttpd_thread {
	struct task_struct *task;
	unsigned int cpu;
	struct socket *listener;
	void (*listener_data_ready)(struct sock *sk);
	unsigned long events;
	spinlock_t lock;		/* ready, given */
	struct list_head ready;		/* connections with something to do */
	struct list_head given;		/* given back, not adopted yet */
	struct list_head conns;
	struct list_head timeouts[KHTTPD_TO_CLASSES];	/* by deadline */
	struct timer_list timer;	/* the nearest deadline */
	struct khttpd_date date;
	char *buf;	/* KHTTP_HEAD_CEILING + 1: peeked heads, drained bytes */
	char *path;	/* KHTTP_HEAD_CEILING + 1: the normalised path */
	struct khttpd_stats stats;
};

/* Live configuration: module parameters at load, sysctls after. */
struct khttpd_config {
	int port;
	int threads;
	int max_connections;
	int keepalive_timeout;
	int header_timeout;
	int send_timeout;
	int keepalive_max;
	int perm_required;
	int perm_forbid;
	int line_max;
	int head_max;
	int listening;			/* desired: the last of start/stop */
	char docroot[KHTTPD_STR_MAX];
	char dynamic[KHTTPD_STR_MAX];
	char hosts[KHTTPD_STR_MAX];
};

extern struct khttpd_config khttpd_cfg;
extern rwlock_t khttpd_cfg_lock;	/* the strings in khttpd_cfg */
extern atomic_t khttpd_nr_conns;
extern struct khttpd_thread **khttpd_threads;
extern unsigned int khttpd_nr_threads;
extern struct workqueue_struct *khttpd_wq;
extern struct kmem_cache *khttpd_conn_cache;

/* server.c: threads, listeners, socket callbacks, timeouts */
int khttpd_server_start(void);
void khttpd_server_stop(void);
void khttpd_server_listen(bool on);
void khttpd_server_timeouts_changed(void);
void khttpd_conn_attach(struct khttpd_conn *c);
void khttpd_child_release(struct khttpd_thread *thr, struct socket *sock);
void khttpd_conn_detach(struct khttpd_conn *c);
void khttpd_conn_kick(struct khttpd_conn *c);
void khttpd_conn_io_complete(struct khttpd_conn *c);
void khttpd_timeout_arm(struct khttpd_conn *c, enum khttpd_timeout cls);
void khttpd_timeout_disarm(struct khttpd_conn *c);

/* accept.c: a connection of thr for sock, on no list yet. */
struct khttpd_conn *khttpd_conn_new(struct khttpd_thread *thr,
				    struct socket *sock);
/* give.c: sockets the daemon gives back (the GIVE command). */
struct netlink_ext_ack;
int khttpd_give(int fd, const void *data, size_t len,
		struct netlink_ext_ack *extack);
void khttpd_give_adopt(struct khttpd_thread *thr);

/* The states, in the order one pass of the loop runs them. */
void khttpd_accept_process(struct khttpd_thread *thr);
enum khttpd_state khttpd_header_process(struct khttpd_conn *c);
enum khttpd_state khttpd_handoff_process(struct khttpd_conn *c);
enum khttpd_state khttpd_send_process(struct khttpd_conn *c);
enum khttpd_state khttpd_linger_process(struct khttpd_conn *c);
void khttpd_close(struct khttpd_conn *c);

/* send.c: a complete error response, then close unless c->keep_alive. */
enum khttpd_state khttpd_send_error(struct khttpd_conn *c, int status,
				    const char *extra);
/* header.c: the 408 for a head that did not arrive in time. */
enum khttpd_state khttpd_header_timeout(struct khttpd_conn *c);

/* pagecache.c: read the next pages of c->file in on the workqueue. */
enum khttpd_state khttpd_pagecache_readin(struct khttpd_conn *c);

/* file.c: the docroot, the lookup beneath it and its credential. */
int khttpd_docroot_set(const char *dir);
void khttpd_docroot_release(void);
int khttpd_fs_cred_init(unsigned int uid, unsigned int gid);
void khttpd_fs_cred_release(void);
/* What khttpd_file_open() found, beside the status it returns. */
struct khttpd_found {
	struct file *file;	/* open, when the status is 0 */
	bool index;		/* a directory's index.html */
	bool refused;		/* an escape or a mode rule (refused_paths) */
};

/* khttpd_file_open(): the file goes to userspace (the `dynamic` rule +x). */
#define KHTTPD_FILE_HANDOFF	1
/* ... only a sleep could tell: for the workqueue (slowopen.c). */
#define KHTTPD_FILE_BLOCKS	2
int khttpd_file_open(char *path, size_t len, bool nowait,
		     struct khttpd_found *f);

/* slowopen.c: a lookup and open that would block, on the workqueue. */
enum khttpd_state khttpd_slowopen_start(struct khttpd_conn *c,
					const char *path, size_t len);
int khttpd_slowopen_take(struct khttpd_conn *c, const char *path,
			 size_t len, struct khttpd_found *f);
void khttpd_slowopen_drop(struct khttpd_conn *c);

/* date.c */
const char *khttpd_date_now(struct khttpd_date *d);

/* stats.c */
int khttpd_stats_init(void);
void khttpd_stats_exit(void);
void khttpd_stats_response(struct khttpd_thread *thr, int status);
int khttpd_stats_sum(struct khttpd_stats *sum);

/* sysctl.c */
int khttpd_sysctl_init(void);
int khttpd_sysctl_check_params(void);
void khttpd_sysctl_exit(void);

#endif /* KHTTPD_H */
