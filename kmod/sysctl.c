// SPDX-License-Identifier: GPL-2.0
/*
 * Live tuning under /proc/sys/net/khttpd/. The integer limits of this table
 * also validate the module parameters of the same names at insmod.
 */
#include <linux/init.h>
#include <linux/kernel.h>
#include <linux/sysctl.h>
#include "compat.h"
#include "khttpd.h"
#include "rules.h"

static int khttpd_one = 1;
static int khttpd_secs_max = 3600;
static int khttpd_conns_max = 1 << 20;
static int khttpd_int_max = INT_MAX;
static int khttpd_mode_max = 07777;
static int khttpd_limit_min = 64;
static int khttpd_limit_max = KHTTP_HEAD_CEILING;

/*
 * A string sysctl: read a copy, validate and apply a write. proc_dostring()
 * cuts what does not fit and still succeeds; a `dynamic` list losing its
 * last rule would serve scripts as static files. So the copy has one byte
 * more than a value may hold: a value that fills it was too long, and the
 * write fails instead (module parameters fail insmod the same way).
 */
static int khttpd_string_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
				int write, void *buffer, size_t *lenp,
				loff_t *ppos, int (*apply)(const char *val))
{
	char val[KHTTPD_STR_MAX + 1];
	struct ctl_table tmp = *table;
	int err;

	read_lock(&khttpd_cfg_lock);
	strscpy(val, table->data, sizeof(val));
	read_unlock(&khttpd_cfg_lock);
	tmp.data = val;
	tmp.maxlen = sizeof(val);
	err = proc_dostring(&tmp, write, buffer, lenp, ppos);
	if (err || !write)
		return err;
	if (strlen(val) >= KHTTPD_STR_MAX) {
		pr_warn("%s refused: longer than %d bytes\n", table->procname,
			KHTTPD_STR_MAX - 1);
		return -EINVAL;
	}
	err = apply(val);
	if (err)
		pr_warn("%s \"%s\" refused: error %d\n",
			table->procname, val, err);
	return err;
}

static int khttpd_apply_docroot(const char *val)
{
	if (val[0] != '/')
		return -EINVAL;
	return khttpd_docroot_set(val);
}

static int khttpd_apply_dynamic(const char *val)
{
	int err = khttpd_rules_validate(val);

	if (err)
		return err;
	write_lock(&khttpd_cfg_lock);
	strscpy(khttpd_cfg.dynamic, val, sizeof(khttpd_cfg.dynamic));
	write_unlock(&khttpd_cfg_lock);
	return 0;
}

static int khttpd_apply_hosts(const char *val)
{
	int err = khttpd_hosts_validate(val);

	if (err)
		return err;
	write_lock(&khttpd_cfg_lock);
	strscpy(khttpd_cfg.hosts, val, sizeof(khttpd_cfg.hosts));
	write_unlock(&khttpd_cfg_lock);
	return 0;
}

static int khttpd_docroot_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	return khttpd_string_sysctl(table, write, buffer, lenp, ppos,
				    khttpd_apply_docroot);
}

static int khttpd_dynamic_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	return khttpd_string_sysctl(table, write, buffer, lenp, ppos,
				    khttpd_apply_dynamic);
}

static int khttpd_hosts_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
			       int write, void *buffer, size_t *lenp,
			       loff_t *ppos)
{
	return khttpd_string_sysctl(table, write, buffer, lenp, ppos,
				    khttpd_apply_hosts);
}

/* A timeout's new length applies to the connections waiting already. */
static int khttpd_timeout_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	int err = proc_dointvec_minmax(table, write, buffer, lenp, ppos);

	if (!err && write)
		khttpd_server_timeouts_changed();
	return err;
}

/* start and stop: writing 1 opens or closes the listeners; reads say 0. */
static int khttpd_trigger_sysctl(KHTTPD_CTL_CONST struct ctl_table *table,
				 int write, void *buffer, size_t *lenp,
				 loff_t *ppos)
{
	int val = 0, err;
	struct ctl_table tmp = *table;

	tmp.data = &val;
	err = proc_dointvec_minmax(&tmp, write, buffer, lenp, ppos);
	if (err || !write || !val)
		return err;
	khttpd_server_listen(table->extra1 == &khttpd_one);
	return 0;
}

/* An integer in lo..hi; the module parameter of the same name too. */
#define KHTTPD_INT_HANDLER(name, lo, hi, handler) {			\
	.procname = #name,						\
	.data = &khttpd_cfg.name,					\
	.maxlen = sizeof(int),						\
	.mode = 0644,							\
	.proc_handler = handler,					\
	.extra1 = lo,							\
	.extra2 = hi,							\
}

#define KHTTPD_INT(name, lo, hi)					\
	KHTTPD_INT_HANDLER(name, lo, hi, proc_dointvec_minmax)

#define KHTTPD_TIMEOUT(name)						\
	KHTTPD_INT_HANDLER(name, &khttpd_one, &khttpd_secs_max,		\
			   khttpd_timeout_sysctl)

#define KHTTPD_STRING(name, handler) {					\
	.procname = #name,						\
	.data = khttpd_cfg.name,					\
	.maxlen = KHTTPD_STR_MAX,					\
	.mode = 0644,							\
	.proc_handler = handler,					\
}

static struct ctl_table khttpd_table[] = {
	KHTTPD_STRING(docroot, khttpd_docroot_sysctl),
	KHTTPD_STRING(dynamic, khttpd_dynamic_sysctl),
	KHTTPD_STRING(hosts, khttpd_hosts_sysctl),
	KHTTPD_INT(max_connections, &khttpd_one, &khttpd_conns_max),
	KHTTPD_TIMEOUT(keepalive_timeout),
	KHTTPD_TIMEOUT(header_timeout),
	KHTTPD_TIMEOUT(send_timeout),
	KHTTPD_INT(keepalive_max, &khttpd_one, &khttpd_int_max),
	KHTTPD_INT(perm_required, SYSCTL_ZERO, &khttpd_mode_max),
	KHTTPD_INT(perm_forbid, SYSCTL_ZERO, &khttpd_mode_max),
	KHTTPD_INT(line_max, &khttpd_limit_min, &khttpd_limit_max),
	KHTTPD_INT(head_max, &khttpd_limit_min, &khttpd_limit_max),
	{
		.procname = "listening",
		.data = &khttpd_cfg.listening,
		.maxlen = sizeof(int),
		.mode = 0444,
		.proc_handler = proc_dointvec,
	},
	{
		.procname = "start",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = khttpd_trigger_sysctl,
		.extra1 = &khttpd_one,
	},
	{
		.procname = "stop",
		.maxlen = sizeof(int),
		.mode = 0644,
		.proc_handler = khttpd_trigger_sysctl,
	},
	{ }	/* the sentinel 6.1 needs; see compat.h */
};

static struct ctl_table_header *khttpd_sysctl_header;

/**
 * khttpd_sysctl_check_params() - Check the parameters that are also sysctls.
 *
 * Integers must be in their sysctl's range; strings are checked the same
 * way as writes to their sysctls. Each bad value gets a line in the log.
 *
 * Return: 0 or -EINVAL.
 */
int __init khttpd_sysctl_check_params(void)
{
	const struct ctl_table *t;
	int err = 0;

	for (t = khttpd_table; t->procname; t++) {
		const int *lo = t->extra1, *hi = t->extra2;
		int val;

		if (!lo || !hi)
			continue;	/* not a KHTTPD_INT_HANDLER() */
		val = *(int *)t->data;
		if (val < *lo || val > *hi) {
			pr_err("%s=%d is out of range %d..%d\n",
			       t->procname, val, *lo, *hi);
			err = -EINVAL;
		}
	}
	if (khttpd_rules_validate(khttpd_cfg.dynamic)) {
		pr_err("dynamic=\"%s\": each rule is /prefix, *.ext, ? or +x\n",
		       khttpd_cfg.dynamic);
		err = -EINVAL;
	}
	if (khttpd_hosts_validate(khttpd_cfg.hosts)) {
		pr_err("hosts=\"%s\" is not a list of host names\n",
		       khttpd_cfg.hosts);
		err = -EINVAL;
	}
	return err;
}

/**
 * khttpd_sysctl_init() - Register /proc/sys/net/khttpd/.
 *
 * Return: 0 or -ENOMEM.
 */
int __init khttpd_sysctl_init(void)
{
	khttpd_sysctl_header = khttpd_register_sysctl("net/khttpd",
						      khttpd_table,
						      ARRAY_SIZE(khttpd_table) - 1);
	return khttpd_sysctl_header ? 0 : -ENOMEM;
}

/**
 * khttpd_sysctl_exit() - Unregister /proc/sys/net/khttpd/.
 */
void __exit khttpd_sysctl_exit(void)
{
	unregister_sysctl_table(khttpd_sysctl_header);
}
