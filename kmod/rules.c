// SPDX-License-Identifier: GPL-2.0
/*
 * The `dynamic` and `hosts` matchers: what the module leaves to userspace.
 * Pure string work, shared with the KUnit suite.
 */
#include <linux/ctype.h>
#include <linux/errno.h>
#include <linux/stat.h>
#include <linux/string.h>
#include "rules.h"

/* The next space-separated word of *s, or false at the end. */
static bool khttpd_next_word(const char **s, const char **word, size_t *len)
{
	const char *p = *s;

	while (*p == ' ')
		p++;
	if (!*p)
		return false;
	*word = p;
	while (*p && *p != ' ')
		p++;
	*len = p - *word;
	*s = p;
	return true;
}

static bool khttpd_ieq(const char *a, const char *b, size_t len)
{
	return strncasecmp(a, b, len) == 0;
}

int khttpd_rules_validate(const char *rules)
{
	const char *w;
	size_t n;

	while (khttpd_next_word(&rules, &w, &n)) {
		if (w[0] == '/')
			continue;
		if (n == 1 && w[0] == '?')
			continue;
		if (n == 2 && w[0] == '+' && w[1] == 'x')
			continue;
		/* "*." and at least one extension character, no more stars */
		if (n >= 3 && w[0] == '*' && w[1] == '.' &&
		    !memchr(w + 2, '*', n - 2) && !memchr(w + 2, '/', n - 2))
			continue;
		return -EINVAL;
	}
	return 0;
}

static bool khttpd_rule_match(const char *w, size_t n, const char *path,
			      size_t len, bool has_query)
{
	if (w[0] == '/')
		return len >= n && !memcmp(path, w, n);
	if (w[0] == '?')
		return has_query;
	if (w[0] == '+')
		return false;	/* +x: a mode rule, see khttpd_rules_exec() */
	/* "*.ext": compare ".ext" with the end of the path */
	n--;
	return len >= n && khttpd_ieq(path + len - n, w + 1, n);
}

bool khttpd_rules_match(const char *rules, const char *path, size_t len,
			bool has_query)
{
	const char *w;
	size_t n;

	while (khttpd_next_word(&rules, &w, &n))
		if (khttpd_rule_match(w, n, path, len, has_query))
			return true;
	return false;
}

bool khttpd_rules_exec(const char *rules, umode_t mode)
{
	const char *w;
	size_t n;

	if (!S_ISREG(mode) || !(mode & 0111))
		return false;
	while (khttpd_next_word(&rules, &w, &n))
		if (n == 2 && w[0] == '+' && w[1] == 'x')
			return true;
	return false;
}

int khttpd_hosts_validate(const char *hosts)
{
	const char *w;
	size_t i, n;

	while (khttpd_next_word(&hosts, &w, &n))
		for (i = 0; i < n; i++)
			if (!isalnum(w[i]) && w[i] != '-' && w[i] != '.' &&
			    w[i] != '[' && w[i] != ']' && w[i] != ':')
				return -EINVAL;
	return 0;
}

bool khttpd_host_allowed(const char *hosts, const char *host, size_t len)
{
	const char *w;
	size_t n;
	bool any = false;

	while (khttpd_next_word(&hosts, &w, &n)) {
		any = true;
		if (n == len && khttpd_ieq(w, host, n))
			return true;
	}
	return !any;
}
