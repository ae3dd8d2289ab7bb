// SPDX-License-Identifier: GPL-2.0
/*
 * Path and mode decisions for files beneath the docroot. Pure, shared with
 * the KUnit suite; the lookup itself is in file.c.
 */
#include <linux/stat.h>
#include <linux/string.h>
#include "rules.h"

bool khttpd_mode_servable(umode_t mode, unsigned int required,
			  unsigned int forbid)
{
	if (!S_ISREG(mode))
		return false;
	if ((mode & required) != required)
		return false;
	return !(mode & forbid);
}

const char *khttpd_path_lookup_name(const char *path, size_t len)
{
	return len <= 1 ? "." : path + 1;
}

bool khttpd_path_is_dir_form(const char *path, size_t len)
{
	return len > 0 && path[len - 1] == '/';
}
