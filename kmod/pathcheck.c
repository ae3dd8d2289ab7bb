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

size_t khttpd_location_build(char *out, size_t outsz, const char *raw,
			     size_t raw_len, const char *query,
			     size_t query_len)
{
	size_t need = raw_len + 1 + (query_len ? 1 + query_len : 0);

	if (need + 1 > outsz)
		return 0;
	memcpy(out, raw, raw_len);
	out[raw_len] = '/';
	if (query_len) {
		out[raw_len + 1] = '?';
		memcpy(out + raw_len + 2, query, query_len);
	}
	out[need] = '\0';
	return need;
}
