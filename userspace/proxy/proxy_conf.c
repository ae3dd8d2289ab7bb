// SPDX-License-Identifier: GPL-2.0 OR MIT
/* proxy_reverse configuration (see proxy_conf.h). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "proxy_conf.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define UNSET (-1)

static const struct proxy_settings builtin = {
	.method = BALANCER_FIRST_ALIVE,
	.attempts_count = 1,
	.offline_timeout = 10,
	.connect_timeout_ms = 2000,
	.response_timeout = 60,
	.io_timeout = 60,
	.pool_size = 16,
	.host_mode = PROXY_HOST_PRESERVE,
};

static void settings_unset(struct proxy_settings *s)
{
	s->method = s->attempts_count = s->offline_timeout = UNSET;
	s->connect_timeout_ms = s->response_timeout = s->io_timeout = UNSET;
	s->pool_size = s->host_mode = s->trust_set = UNSET;
	s->host_value = NULL;
	s->trust = (struct cidr_list){ 0 };
}

struct proxy_conf *proxy_conf_new(void)
{
	struct proxy_conf *pc = calloc(1, sizeof(*pc));

	if (pc)
		settings_unset(&pc->defaults);
	return pc;
}

static int parse_uint(const char *v, long max, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end || n < 0 || n > max)
		return -1;
	*out = (int)n;
	return 0;
}

/* "2", "0.5" or "250ms" -> milliseconds. */
static int parse_ms(const char *v, int *out)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(v, &end);
	if (errno || end == v || d < 0)
		return -1;
	if (!strcmp(end, "ms"))
		d /= 1000;
	else if (*end && strcmp(end, "s"))
		return -1;
	if (d * 1000 > INT_MAX || d * 1000 < 1)
		return -1;
	*out = (int)(d * 1000);
	return 0;
}

/* Split a value into malloc'd words. */
static int split_words(const char *v, char ***out, unsigned *n)
{
	char *copy = strdup(v), *save = NULL;

	*out = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char **nw = realloc(*out, (*n + 1) * sizeof(**out));

		if (!nw || !(nw[*n] = strdup(w))) {
			free(nw ? nw : *out);
			free(copy);
			return -1;
		}
		*out = nw;
		(*n)++;
	}
	free(copy);
	return 0;
}

static void free_words(char **w, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(w[i]);
	free(w);
}

#define SET_ONCE(field, val)						\
	do {								\
		if (s->field != UNSET) {				\
			snprintf(err, errsz, "%s given twice for %s", key,	\
				 scope);				\
			return -1;					\
		}							\
		s->field = (val);					\
	} while (0)

static int setting_key(struct proxy_settings *s, const char *scope,
		       const char *key, const char *v, char *err, size_t errsz)
{
	int n;

	if (!strcasecmp(key, "LoadBalance")) {
		n = balancer_method_parse(v);
		if (n < 0) {
			snprintf(err, errsz, "LoadBalance: unknown method '%s' (Naive, First-Alive, Round-Robin, Lockless-Round-Robin, Locking-Round-Robin, Least-Connections, Weighted-Round-Robin)",
				 v);
			return -1;
		}
		SET_ONCE(method, n);
	} else if (!strcasecmp(key, "AttemptsCount")) {
		if (parse_uint(v, 1000, &n) || n == 0) {
			snprintf(err, errsz, "AttemptsCount: want 1..1000, got '%s'", v);
			return -1;
		}
		SET_ONCE(attempts_count, n);
	} else if (!strcasecmp(key, "OfflineTimeOut")) {
		if (parse_uint(v, 86400, &n) || n == 0) {
			snprintf(err, errsz, "OfflineTimeOut: want 1..86400 seconds, got '%s'", v);
			return -1;
		}
		SET_ONCE(offline_timeout, n);
	} else if (!strcasecmp(key, "ConnectTimeOut")) {
		if (parse_ms(v, &n)) {
			snprintf(err, errsz, "ConnectTimeOut: want seconds ('2', '0.5') or '250ms', got '%s'", v);
			return -1;
		}
		SET_ONCE(connect_timeout_ms, n);
	} else if (!strcasecmp(key, "ResponseTimeOut")) {
		if (parse_uint(v, 86400, &n) || n == 0) {
			snprintf(err, errsz, "ResponseTimeOut: want 1..86400 seconds, got '%s'", v);
			return -1;
		}
		SET_ONCE(response_timeout, n);
	} else if (!strcasecmp(key, "IOTimeOut")) {
		if (parse_uint(v, 86400, &n) || n == 0) {
			snprintf(err, errsz, "IOTimeOut: want 1..86400 seconds, got '%s'", v);
			return -1;
		}
		SET_ONCE(io_timeout, n);
	} else if (!strcasecmp(key, "KeepAlivePool")) {
		if (parse_uint(v, 4096, &n)) {
			snprintf(err, errsz, "KeepAlivePool: want 0..4096 idle connections, got '%s'", v);
			return -1;
		}
		SET_ONCE(pool_size, n);
	} else if (!strcasecmp(key, "HostHeader")) {
		if (!strcasecmp(v, "Preserve")) {
			SET_ONCE(host_mode, PROXY_HOST_PRESERVE);
		} else if (!strcasecmp(v, "Backend")) {
			SET_ONCE(host_mode, PROXY_HOST_BACKEND);
		} else {
			for (const char *p = v; *p; p++)
				if (!isalnum((unsigned char)*p) &&
				    !strchr(".-:[]_", *p)) {
					snprintf(err, errsz, "HostHeader: want Preserve, Backend or a host name, got '%s'", v);
					return -1;
				}
			SET_ONCE(host_mode, PROXY_HOST_FIXED);
			s->host_value = strdup(v);
			if (!s->host_value) {
				snprintf(err, errsz, "out of memory");
				return -1;
			}
		}
	} else if (!strcasecmp(key, "TrustForwarded")) {
		SET_ONCE(trust_set, 1);
		if (cidr_list_add(&s->trust, key, v, err, errsz))
			return -1;
	} else {
		snprintf(err, errsz, "unknown key '%s' (ServerList, Match, LoadBalance, AttemptsCount, OfflineTimeOut, ConnectTimeOut, ResponseTimeOut, IOTimeOut, KeepAlivePool, HostHeader, TrustForwarded)",
			 key);
		return -1;
	}
	return 0;
}

int proxy_conf_key(struct proxy_conf *pc, const char *key, const char *value,
		   char *err, size_t errsz)
{
	struct proxy_entry *e = pc->nentries ? &pc->entries[pc->nentries - 1] :
					       NULL;

	if (!strcasecmp(key, "ServerList")) {
		struct proxy_entry *ne = realloc(pc->entries,
				(pc->nentries + 1) * sizeof(*pc->entries));

		if (!ne) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		pc->entries = ne;
		e = &ne[pc->nentries++];
		memset(e, 0, sizeof(*e));
		settings_unset(&e->set);
		if (split_words(value, &e->servers, &e->nservers)) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		if (e->nservers == 0 || e->nservers > BALANCER_MAX_SLOTS) {
			snprintf(err, errsz, "ServerList: want 1 to %d host:port words",
				 BALANCER_MAX_SLOTS);
			return -1;
		}
		return 0;
	}
	if (!strcasecmp(key, "Match")) {
		regex_t *re;
		char **pat;
		int rc;

		if (!e) {
			snprintf(err, errsz, "Match before any ServerList: a Match belongs to the entry its ServerList opened");
			return -1;
		}
		re = realloc(e->re, (e->nmatch + 1) * sizeof(*re));
		if (re)
			e->re = re;
		pat = realloc(e->patterns, (e->nmatch + 1) * sizeof(*pat));
		if (pat)
			e->patterns = pat;
		if (!re || !pat || !(pat[e->nmatch] = strdup(value))) {
			snprintf(err, errsz, "out of memory");
			return -1;
		}
		rc = regcomp(&re[e->nmatch], value, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];

			regerror(rc, &re[e->nmatch], msg, sizeof(msg));
			free(pat[e->nmatch]);
			snprintf(err, errsz, "Match: bad regex '%s': %s", value, msg);
			return -1;
		}
		e->nmatch++;
		return 0;
	}
	return setting_key(e ? &e->set : &pc->defaults,
			   e ? "this entry" : "the defaults", key, value, err,
			   errsz);
}

static void apply_defaults(struct proxy_settings *s,
			   const struct proxy_settings *d)
{
#define DEF(f) do { if (s->f == UNSET) s->f = d->f; } while (0)
	DEF(method);
	DEF(attempts_count);
	DEF(offline_timeout);
	DEF(connect_timeout_ms);
	DEF(response_timeout);
	DEF(io_timeout);
	DEF(pool_size);
	if (s->host_mode == UNSET) {
		s->host_mode = d->host_mode;
		s->host_value = d->host_value ? strdup(d->host_value) : NULL;
	}
	if (s->trust_set == UNSET && d->trust.n) {
		s->trust.v = malloc(d->trust.n * sizeof(*d->trust.v));
		if (s->trust.v) {	/* else trust nobody: the safe side */
			memcpy(s->trust.v, d->trust.v,
			       d->trust.n * sizeof(*d->trust.v));
			s->trust.n = d->trust.n;
		}
	}
#undef DEF
}

int proxy_conf_finish(struct proxy_conf *pc, char *err, size_t errsz)
{
	char lberr[160];

	apply_defaults(&pc->defaults, &builtin);
	if (!pc->nentries) {
		snprintf(err, errsz, "no ServerList: a proxy entry needs 'ServerList host:port ...' and 'Match <regex>'");
		return -1;
	}
	for (size_t i = 0; i < pc->nentries; i++) {
		struct proxy_entry *e = &pc->entries[i];

		if (e->balancer_ready)
			continue;
		if (!e->nmatch) {
			snprintf(err, errsz, "entry %zu (ServerList %s ...) has no Match line",
				 i + 1, e->servers[0]);
			return -1;
		}
		apply_defaults(&e->set, &pc->defaults);
		if (balancer_init(&e->balancer,
				  (enum balancer_method)e->set.method,
				  e->servers, e->nservers,
				  (unsigned)e->set.attempts_count,
				  (unsigned)e->set.offline_timeout, lberr,
				  sizeof(lberr))) {
			snprintf(err, errsz, "entry %zu: %s", i + 1, lberr);
			return -1;
		}
		e->balancer_ready = true;
	}
	return 0;
}

void proxy_conf_free(struct proxy_conf *pc)
{
	if (!pc)
		return;
	for (size_t i = 0; i < pc->nentries; i++) {
		struct proxy_entry *e = &pc->entries[i];

		free_words(e->servers, e->nservers);
		for (size_t j = 0; j < e->nmatch; j++) {
			regfree(&e->re[j]);
			free(e->patterns[j]);
		}
		free(e->re);
		free(e->patterns);
		free(e->set.host_value);
		cidr_list_free(&e->set.trust);
		if (e->balancer_ready)
			balancer_destroy(&e->balancer);
	}
	free(pc->entries);
	free(pc->defaults.host_value);
	cidr_list_free(&pc->defaults.trust);
	free(pc);
}

struct proxy_entry *proxy_conf_match(struct proxy_conf *pc, const char *path)
{
	for (size_t i = 0; i < pc->nentries; i++)
		for (size_t j = 0; j < pc->entries[i].nmatch; j++)
			if (!regexec(&pc->entries[i].re[j], path, 0, NULL, 0))
				return &pc->entries[i];
	return NULL;
}
