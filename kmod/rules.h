/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The pure decisions of khttpd: which requests go to userspace (the
 * `dynamic` and `hosts` sysctls) and which files may be served. No
 * networking or VFS here, so KUnit tests them on a minimal kernel.
 */
#ifndef KHTTPD_RULES_H
#define KHTTPD_RULES_H

#include <linux/types.h>

/*
 * `dynamic`: rules separated by spaces, each one of
 *   /prefix   the normalised path starts with /prefix
 *   *.ext     the path ends with .ext (case-insensitive)
 *   ?         the request has a query string
 *   +x        the file is executable (a CGI program): checked after the
 *             lookup with khttpd_rules_exec(), never by khttpd_rules_match()
 * Returns 0, or -EINVAL for an empty or malformed rule.
 */
int khttpd_rules_validate(const char *rules);
bool khttpd_rules_match(const char *rules, const char *path, size_t len,
			bool has_query);
/* True when the rules hand a file with mode to userspace (+x). */
bool khttpd_rules_exec(const char *rules, umode_t mode);

/*
 * `hosts`: host names separated by spaces; empty means every host is ours.
 * host[0..len) is the request's host_name (the parser dropped ":port" and
 * a trailing dot); names compare case-insensitively.
 */
int khttpd_hosts_validate(const char *hosts);
bool khttpd_host_allowed(const char *hosts, const char *host, size_t len);

/* pathcheck.c */

/*
 * kHTTPd's mode rules: a regular file with every bit of required set and
 * none of forbid.
 */
bool khttpd_mode_servable(umode_t mode, unsigned int required,
			  unsigned int forbid);
/*
 * The name to look up beneath the docroot for the normalised path
 * path[0..len) (which starts with '/' and is NUL-terminated): the path
 * without its leading slash, or "." for the docroot itself.
 */
const char *khttpd_path_lookup_name(const char *path, size_t len);
/* True when path[0..len) names a directory ("/" or a trailing slash). */
bool khttpd_path_is_dir_form(const char *path, size_t len);

#endif /* KHTTPD_RULES_H */
