/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The privilege drop (privs.c): khttpdd starts as root to bind ports, open
 * logs and the control socket, then becomes [SERVER] User/Group for good,
 * keeping only the capabilities its services need (CAP_NET_ADMIN for the
 * khttpd.ko bridge) and none when they are off. See Documentation/security.md.
 */
#ifndef KHTTPDD_PRIVS_H
#define KHTTPDD_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct config;

/* Capability numbers as a mask: bit n is capability n (CAP_NET_ADMIN: 12). */
typedef uint64_t privs_caps;
#define PRIVS_CAP(n) ((privs_caps)1 << (n))

/*
 * Become cfg's User and Group with exactly keep in the effective and
 * permitted sets (and no more in the bounding set), no ambient or
 * inheritable capabilities, no_new_privs and not dumpable. Started as a
 * user other than root, the identity stays and only capabilities are
 * shed; then a User or Group the config names explicitly must be the
 * current one. Must run while the process has one thread: capabilities
 * are per thread. All or nothing: 0, or -1 with the reason in err (the
 * caller exits).
 */
int privs_drop(const struct config *cfg, privs_caps keep, char *err,
	       size_t errsz);

/*
 * In a forked child before execve (async-signal-safe): no capability in
 * any set the child can still change. 0 or -1.
 */
int privs_child_clear(void);

/* A reload cannot change the identity: say what waits for a restart. */
const char *privs_reload_note(const struct config *running,
			      const struct config *loaded);

#endif /* KHTTPDD_PRIVS_H */
