// SPDX-License-Identifier: GPL-2.0
/*
 * Statistics under /proc/net/khttpd/: one line per thread (= CPU); and
 * their sum for the netlink STATS command (khttpd_stats_sum()).
 */
#include <linux/init.h>
#include <linux/mutex.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <net/net_namespace.h>
#include "khttpd.h"

static struct proc_dir_entry *khttpd_proc_dir;
/*
 * Whether khttpd_threads[] may be read: from khttpd_stats_init(), after
 * the threads started, to khttpd_stats_exit(), before they stop. The
 * /proc files are gone by then too (proc_remove() waits for readers); a
 * netlink STATS may still run, so it checks this under the lock.
 */
static DEFINE_MUTEX(khttpd_stats_lock);
static bool khttpd_stats_live;

/**
 * khttpd_stats_response() - Count a response by its status class.
 * @thr: the thread that sends it
 * @status: its status code
 */
void khttpd_stats_response(struct khttpd_thread *thr, int status)
{
	int cls = status / 100 - 1;

	if (cls >= 0 && cls < KHTTPD_NR_STATUS_CLASSES)
		thr->stats.responses[cls]++;
}

static const char *const khttpd_stat_names[] = {
	"accepted", "active", "requests", "1xx", "2xx", "3xx", "4xx", "5xx",
	"sent_zerocopy", "sent_copied", "cache_misses", "handoffs",
	"timeouts", "rejects", "refused_paths", "slow_opens",
	"slow_opens_refused", "given", "tls_conns", "tls_sent",
};

static void khttpd_stats_values(const struct khttpd_stats *s, u64 *v)
{
	int i, n = 0;

	v[n++] = READ_ONCE(s->accepted);
	v[n++] = READ_ONCE(s->active);
	v[n++] = READ_ONCE(s->requests);
	for (i = 0; i < KHTTPD_NR_STATUS_CLASSES; i++)
		v[n++] = READ_ONCE(s->responses[i]);
	v[n++] = READ_ONCE(s->sent_zerocopy);
	v[n++] = READ_ONCE(s->sent_copied);
	v[n++] = READ_ONCE(s->cache_misses);
	v[n++] = READ_ONCE(s->handoffs);
	v[n++] = READ_ONCE(s->timeouts);
	v[n++] = READ_ONCE(s->rejects);
	v[n++] = READ_ONCE(s->refused_paths);
	v[n++] = READ_ONCE(s->slow_opens);
	v[n++] = READ_ONCE(s->slow_opens_refused);
	v[n++] = READ_ONCE(s->given);
	v[n++] = READ_ONCE(s->tls_conns);
	v[n++] = READ_ONCE(s->tls_sent);
}

/**
 * khttpd_stats_sum() - Every thread's counters, added up.
 * @sum: the totals (the "all" line of /proc/net/khttpd/stats)
 *
 * Each counter is written by its thread alone; READ_ONCE reads it whole.
 *
 * Return: 0, or -ENODEV while the threads are not up (insmod, rmmod).
 */
int khttpd_stats_sum(struct khttpd_stats *sum)
{
	u64 v[ARRAY_SIZE(khttpd_stat_names)];
	u64 *total = (u64 *)sum;	/* khttpd_stats_values()'s order */
	unsigned int t, i;

	BUILD_BUG_ON(sizeof(*sum) != sizeof(v));
	memset(sum, 0, sizeof(*sum));
	mutex_lock(&khttpd_stats_lock);
	if (!khttpd_stats_live) {
		mutex_unlock(&khttpd_stats_lock);
		return -ENODEV;
	}
	for (t = 0; t < khttpd_nr_threads; t++) {
		khttpd_stats_values(&khttpd_threads[t]->stats, v);
		for (i = 0; i < ARRAY_SIZE(v); i++)
			total[i] += v[i];
	}
	mutex_unlock(&khttpd_stats_lock);
	return 0;
}

static int khttpd_stats_show(struct seq_file *m, void *unused)
{
	const int n = ARRAY_SIZE(khttpd_stat_names);
	u64 v[ARRAY_SIZE(khttpd_stat_names)];
	u64 total[ARRAY_SIZE(khttpd_stat_names)] = { 0 };
	unsigned int t;
	int i;

	BUILD_BUG_ON(sizeof(struct khttpd_stats) != sizeof(v));
	seq_puts(m, "cpu");
	for (i = 0; i < n; i++)
		seq_printf(m, " %s", khttpd_stat_names[i]);
	seq_putc(m, '\n');
	for (t = 0; t < khttpd_nr_threads; t++) {
		struct khttpd_thread *thr = khttpd_threads[t];

		khttpd_stats_values(&thr->stats, v);
		seq_printf(m, "%u", thr->cpu);
		for (i = 0; i < n; i++) {
			seq_printf(m, " %llu", v[i]);
			total[i] += v[i];
		}
		seq_putc(m, '\n');
	}
	seq_puts(m, "all");
	for (i = 0; i < n; i++)
		seq_printf(m, " %llu", total[i]);
	seq_putc(m, '\n');
	return 0;
}

static int khttpd_status_show(struct seq_file *m, void *unused)
{
	seq_printf(m, "version %s\nlistening %d\nport %d\nthreads %u\nconnections %d\nmax_connections %d\nconn_size %zu\n",
		   KHTTPD_VERSION, READ_ONCE(khttpd_cfg.listening),
		   khttpd_cfg.port, khttpd_nr_threads,
		   atomic_read(&khttpd_nr_conns),
		   READ_ONCE(khttpd_cfg.max_connections),
		   sizeof(struct khttpd_conn));
	return 0;
}

/**
 * khttpd_stats_init() - Create /proc/net/khttpd/{stats,status}.
 *
 * Return: 0 or -ENOMEM.
 */
int __init khttpd_stats_init(void)
{
	khttpd_proc_dir = proc_mkdir("khttpd", init_net.proc_net);
	if (!khttpd_proc_dir)
		return -ENOMEM;
	if (!proc_create_single("stats", 0444, khttpd_proc_dir,
				khttpd_stats_show) ||
	    !proc_create_single("status", 0444, khttpd_proc_dir,
				khttpd_status_show)) {
		khttpd_stats_exit();
		return -ENOMEM;
	}
	mutex_lock(&khttpd_stats_lock);
	khttpd_stats_live = true;
	mutex_unlock(&khttpd_stats_lock);
	return 0;
}

/**
 * khttpd_stats_exit() - Remove /proc/net/khttpd/ and what is in it.
 */
void khttpd_stats_exit(void)
{
	mutex_lock(&khttpd_stats_lock);
	khttpd_stats_live = false;
	mutex_unlock(&khttpd_stats_lock);
	proc_remove(khttpd_proc_dir);
	khttpd_proc_dir = NULL;
}
