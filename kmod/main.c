// SPDX-License-Identifier: GPL-2.0
/*
 * khttpd: an in-kernel static web server. Module parameters, their checks,
 * and the order things start and stop in.
 */
#include <linux/cpumask.h>
#include <linux/init.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include "khttpd.h"
#include "netlink.h"

struct khttpd_config khttpd_cfg = {
	.port = 8080,
	.threads = 0,		/* one per online CPU */
	.max_connections = 4096,
	.keepalive_timeout = 15,
	.header_timeout = 10,
	.send_timeout = 30,
	.keepalive_max = 1000,
	.perm_required = 0004,	/* S_IROTH */
	.perm_forbid = 01111,	/* S_IXUSR | S_IXGRP | S_IXOTH | S_ISVTX */
	.line_max = KHTTP_DEFAULT_LINE_MAX,
	.head_max = KHTTP_DEFAULT_HEAD_MAX,
	.docroot = "/srv/www",
};

/* Whom files are looked up and opened as: nobody / nogroup by default. */
static unsigned int khttpd_fsuid = 65534;
static unsigned int khttpd_fsgid = 65534;

DEFINE_RWLOCK(khttpd_cfg_lock);
atomic_t khttpd_nr_conns = ATOMIC_INIT(0);
struct kmem_cache *khttpd_conn_cache;

module_param_named(port, khttpd_cfg.port, int, 0444);
MODULE_PARM_DESC(port, "TCP port to listen on (1-65535, default 8080)");
module_param_string(docroot, khttpd_cfg.docroot, KHTTPD_STR_MAX, 0444);
MODULE_PARM_DESC(docroot, "Absolute path of the directory served (default /srv/www)");
module_param_named(threads, khttpd_cfg.threads, int, 0444);
MODULE_PARM_DESC(threads, "Server threads, one per CPU (0 = every online CPU)");
module_param_named(max_connections, khttpd_cfg.max_connections, int, 0444);
MODULE_PARM_DESC(max_connections, "Open connections at most (default 4096)");
module_param_named(keepalive_timeout, khttpd_cfg.keepalive_timeout, int, 0444);
MODULE_PARM_DESC(keepalive_timeout, "Seconds an idle connection stays open (default 15)");
module_param_named(header_timeout, khttpd_cfg.header_timeout, int, 0444);
MODULE_PARM_DESC(header_timeout, "Seconds to receive a request head before 408 (default 10)");
module_param_named(send_timeout, khttpd_cfg.send_timeout, int, 0444);
MODULE_PARM_DESC(send_timeout, "Seconds a response may make no progress (default 30)");
module_param_named(keepalive_max, khttpd_cfg.keepalive_max, int, 0444);
MODULE_PARM_DESC(keepalive_max, "Requests per connection (default 1000)");
module_param_named(perm_required, khttpd_cfg.perm_required, int, 0444);
MODULE_PARM_DESC(perm_required, "Mode bits a file needs to be served (default 4 = S_IROTH)");
module_param_named(perm_forbid, khttpd_cfg.perm_forbid, int, 0444);
MODULE_PARM_DESC(perm_forbid, "Mode bits that forbid serving a file (default 585 = 01111)");
module_param_named(line_max, khttpd_cfg.line_max, int, 0444);
MODULE_PARM_DESC(line_max, "Longest request line in bytes, else 414 (default 8192)");
module_param_named(head_max, khttpd_cfg.head_max, int, 0444);
MODULE_PARM_DESC(head_max, "Longest request head in bytes, else 431 (default 16384)");
module_param_string(dynamic, khttpd_cfg.dynamic, KHTTPD_STR_MAX, 0444);
MODULE_PARM_DESC(dynamic, "Requests for userspace: /prefix, *.ext, ? or +x rules");
module_param_string(hosts, khttpd_cfg.hosts, KHTTPD_STR_MAX, 0444);
MODULE_PARM_DESC(hosts, "Host names served here, others go to userspace (empty = all)");
module_param_named(fsuid, khttpd_fsuid, uint, 0444);
MODULE_PARM_DESC(fsuid, "User id files are opened as, not root (default 65534 = nobody)");
module_param_named(fsgid, khttpd_fsgid, uint, 0444);
MODULE_PARM_DESC(fsgid, "Group id files are opened as, not root (default 65534 = nogroup)");

static int __init khttpd_check_params(void)
{
	int err = khttpd_sysctl_check_params();
	int cpus = num_online_cpus();

	if (khttpd_cfg.port < 1 || khttpd_cfg.port > 65535) {
		pr_err("port=%d is out of range 1..65535\n", khttpd_cfg.port);
		err = -EINVAL;
	}
	if (khttpd_cfg.threads < 0 || khttpd_cfg.threads > cpus) {
		pr_err("threads=%d is out of range 0..%d (online CPUs)\n",
		       khttpd_cfg.threads, cpus);
		err = -EINVAL;
	}
	if (khttpd_cfg.docroot[0] != '/') {
		pr_err("docroot=\"%s\" is not an absolute path\n",
		       khttpd_cfg.docroot);
		err = -EINVAL;
	}
	/* Root's ids would let the module read what a web server must not. */
	if (!khttpd_fsuid || khttpd_fsuid == (unsigned int)-1) {
		pr_err("fsuid=%u is out of range 1..%u (not root)\n",
		       khttpd_fsuid, (unsigned int)-2);
		err = -EINVAL;
	}
	if (!khttpd_fsgid || khttpd_fsgid == (unsigned int)-1) {
		pr_err("fsgid=%u is out of range 1..%u (not root)\n",
		       khttpd_fsgid, (unsigned int)-2);
		err = -EINVAL;
	}
	if (!khttpd_cfg.threads)
		khttpd_cfg.threads = cpus;
	return err;
}

static int __init khttpd_init(void)
{
	int err;

	/* Module state per connection stays within 1 KiB. */
	BUILD_BUG_ON(sizeof(struct khttpd_conn) > 1024);

	err = khttpd_check_params();
	if (err)
		return err;
	err = khttpd_docroot_set(khttpd_cfg.docroot);
	if (err) {
		pr_err("docroot=\"%s\" is not a directory: error %d\n",
		       khttpd_cfg.docroot, err);
		return err;
	}
	err = khttpd_fs_cred_init(khttpd_fsuid, khttpd_fsgid);
	if (err) {
		pr_err("fsuid=%u fsgid=%u: no credential: error %d\n",
		       khttpd_fsuid, khttpd_fsgid, err);
		goto out_root;
	}
	err = -ENOMEM;
	khttpd_conn_cache = KMEM_CACHE(khttpd_conn, 0);
	if (!khttpd_conn_cache)
		goto out_cred;
	khttpd_wq = alloc_workqueue("khttpd_readin", WQ_UNBOUND, 0);
	if (!khttpd_wq)
		goto out_cache;
	/* Threads first: a GIVE must find them (give.c), until netlink is gone. */
	err = khttpd_server_start();
	if (err)
		goto out_wq;
	err = khttpd_netlink_init();
	if (err)
		goto out_server;
	err = khttpd_stats_init();
	if (err)
		goto out_netlink;
	err = khttpd_sysctl_init();
	if (err)
		goto out_stats;
	pr_info("serving %s on port %d with %u threads (%zu bytes per connection)\n",
		khttpd_cfg.docroot, khttpd_cfg.port, khttpd_nr_threads,
		sizeof(struct khttpd_conn));
	return 0;

out_stats:
	khttpd_stats_exit();
out_netlink:
	khttpd_netlink_exit();
out_server:
	khttpd_server_stop();
out_wq:
	destroy_workqueue(khttpd_wq);
out_cache:
	kmem_cache_destroy(khttpd_conn_cache);
out_cred:
	khttpd_fs_cred_release();
out_root:
	khttpd_docroot_release();
	return err;
}

static void __exit khttpd_exit(void)
{
	khttpd_sysctl_exit();
	khttpd_stats_exit();
	khttpd_netlink_exit();
	khttpd_server_stop();
	destroy_workqueue(khttpd_wq);
	kmem_cache_destroy(khttpd_conn_cache);
	khttpd_fs_cred_release();
	khttpd_docroot_release();
	pr_info("unloaded\n");
}

module_init(khttpd_init);
module_exit(khttpd_exit);

MODULE_DESCRIPTION("khttpd: in-kernel static HTTP/1.1 server");
MODULE_AUTHOR("The khttpd authors");
MODULE_LICENSE("GPL");
MODULE_VERSION(KHTTPD_VERSION);
