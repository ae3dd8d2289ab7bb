/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Configuration of the proxy_reverse plugin (Documentation/proxy.md): the
 * keys of a [PROXY_REVERSE] section. Keys before the first ServerList are
 * the defaults; each ServerList opens an entry, and the keys after it up to
 * the next ServerList belong to that entry. A setting an entry leaves out
 * takes the default.
 *
 *     [PROXY_REVERSE]
 *         LoadBalance First-Alive
 *         ServerList Host4:80 Host5:8080
 *         Match \.php$
 *         ServerList Host1:80 Host2:80 Host3:80
 *         LoadBalance Round-Robin
 *         Match \.jpg$
 */
#ifndef KHTTPDD_PROXY_CONF_H
#define KHTTPDD_PROXY_CONF_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>

#include "balancer.h"
#include "core/cidr.h"

enum proxy_host_mode {
	PROXY_HOST_PRESERVE,	/* the client's Host (default) */
	PROXY_HOST_BACKEND,	/* host:port of the backend chosen */
	PROXY_HOST_FIXED,	/* a configured name */
};

/* Every setting; UNSET (-1 / NULL) until the default is applied. */
struct proxy_settings {
	int method;			/* enum balancer_method */
	int attempts_count;
	int offline_timeout;		/* s */
	int connect_timeout_ms;
	int response_timeout;		/* s, for the response head */
	int io_timeout;			/* s without progress while relaying */
	int pool_size;			/* idle backend conns per worker+backend */
	int host_mode;			/* enum proxy_host_mode */
	char *host_value;		/* PROXY_HOST_FIXED */
	/* clients whose forwarding fields are believed (front proxies) */
	struct cidr_list trust;
	int trust_set;			/* UNSET, or 1 once given */
};

struct proxy_entry {
	char **servers;			/* as written, freed after finish */
	unsigned nservers;
	char **patterns;
	regex_t *re;
	size_t nmatch;
	struct proxy_settings set;
	struct balancer balancer; /* built by proxy_conf_finish() */
	bool balancer_ready;
};

struct proxy_conf {
	struct proxy_settings defaults;
	struct proxy_entry *entries;
	size_t nentries;
};

struct proxy_conf *proxy_conf_new(void);
/* One "Key value" line; -1 with a message (no file:line) in err. */
int proxy_conf_key(struct proxy_conf *pc, const char *key, const char *value,
		   char *err, size_t errsz);
/* End of the section: defaults applied, balancers built, checks done. */
int proxy_conf_finish(struct proxy_conf *pc, char *err, size_t errsz);
void proxy_conf_free(struct proxy_conf *pc);

/* The first entry with a Match regex found in path, or NULL. */
struct proxy_entry *proxy_conf_match(struct proxy_conf *pc, const char *path);

#endif /* KHTTPDD_PROXY_CONF_H */
