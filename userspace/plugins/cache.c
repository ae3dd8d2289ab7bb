// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * cache: static files served from memory (Documentation/cache.md).
 *
 *   [CACHE]
 *       Policy       LRU | LFU
 *       MaxMemory    64M
 *       MaxFileSize  1M
 *       Extensions   html css js png      (default: any)
 *       MimeTypes    text/ image/          (prefixes; default: any)
 *       Path         ^/static/             (regex, repeatable; default: any)
 *       TTL          300                   (seconds; 0: no expiry)
 *       Revalidate   1                     (seconds between file checks)
 *       AdminPath    Off                   (/khttpd/cache: JSON, clear, UI)
 *       AdminAllow   127.0.0.0/8 ::1       (who may use them)
 *       ProxyResponses Off                 (On: proxy_reverse stores
 *                                           responses Cache-Control allows)
 *       Credentials  Off                   (fields that, like Authorization,
 *                                           make a request credentialed)
 *
 * A miss is served by the core (sendfile), and on_response copies the file
 * it just sent into the store; a hit is answered in on_request, with the
 * same validators, conditionals and ranges as the static path. Every
 * Revalidate seconds a hit re-stats the file beneath the docroot: a change
 * of inode, size, mtime or mode drops the entry. Load it after auth and
 * mandril so that their checks run first.
 *
 * The admin pages tell what is cached and can empty the cache: they exist
 * only when AdminPath names them, answer only AdminAllow's addresses
 * (loopback by default) and never a request relayed by a proxy (whose
 * real client is unknown), and clear wants X-Khttpd-Admin: 1, a field a
 * cross-site form cannot send and a cross-site script cannot send without
 * a CORS preflight this server never approves.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cache.h"
#include "cache/cache_store.h"
#include "core/cidr.h"
#include "core/fdcache.h"
#include "core/khttpdd.h"
#include "core/metrics.h"
#include "core/monotonic.h"
#include "core/reqfield.h"
#include "core/strbuf.h"

extern const struct khttpd_plugin plugin_cache;

/* The web UI, embedded at build time (cache_ui.c, cache_ui/). */
extern const char cache_ui_html[], cache_ui_js[], cache_ui_css[];
extern const unsigned int cache_ui_html_len, cache_ui_js_len, cache_ui_css_len;

#define CACHE_SHARDS 16
#define TOP_ENTRIES 10
#define KEY_MAX (WORKER_PATH_MAX + 512)

struct cache_conf {
	enum cache_policy policy;
	size_t max_memory, max_file;
	char **exts;
	size_t nexts;
	char **mimes;
	size_t nmimes;
	regex_t *paths;
	size_t npaths;
	char **creds;			/* Credentials, besides Authorization */
	size_t ncreds;
	unsigned ttl, revalidate;
	bool proxied;			/* ProxyResponses On */
	char *admin;			/* NULL: no admin pages */
	size_t admin_len;
	struct cidr_list admin_allow;	/* empty: loopback */
	struct cache_store *store;
};

/* What a hit needs besides the bytes: the file's identity, validators. */
struct file_meta {
	uint64_t ino, dev, size;
	int64_t mtime, mtime_ns;
	uint32_t mode;
	uint8_t etag_len;
	char etag[KHTTP_ETAG_MAX];
};

/* ---- config ---- */

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v)
		return -1;
	switch (*end) {
	case 'k': case 'K': n <<= 10; end++; break;
	case 'm': case 'M': n <<= 20; end++; break;
	case 'g': case 'G': n <<= 30; end++; break;
	}
	if (*end)
		return -1;
	*out = (size_t)n;
	return 0;
}

static int parse_secs(const char *v, unsigned *out)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno || end == v || *end || n > 31536000)
		return -1;
	*out = (unsigned)n;
	return 0;
}

static int add_words(const char *v, char ***list, size_t *n)
{
	char *copy = strdup(v), *save = NULL;

	if (!copy)
		return -1;
	for (char *w = strtok_r(copy, " \t", &save); w;
	     w = strtok_r(NULL, " \t", &save)) {
		char **nl = realloc(*list, (*n + 1) * sizeof(**list));

		if (!nl) {
			free(copy);
			return -1;
		}
		*list = nl;
		if (*w == '.')
			w++;
		if (!(nl[*n] = strdup(w))) {
			free(copy);
			return -1;
		}
		(*n)++;
	}
	free(copy);
	return 0;
}

/*
 * Credentials: field names ("Cookie X-Api-Key"), or Off (the default) for
 * none besides Authorization. Repeatable. A Cookie alone ties no response
 * to a client (as in nginx): a static file is the same for every cookie,
 * and a proxied response is stored only when it says nothing that does
 * (Set-Cookie, private, no-store, Vary: * ; Vary: Cookie keys by it).
 * Credentials Cookie is for a backend that personalises without saying so.
 */
static int creds_key(struct cache_conf *cc, const char *v, char *err,
		     size_t errsz)
{
	if (!strcasecmp(v, "Off"))
		return 0;
	for (const char *p = v; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '-' || *p == '_' ||
		    (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= 'A' && *p <= 'Z'))
			continue;
		snprintf(err, errsz, "Credentials: want field names like Cookie, or Off, got '%s'",
			 v);
		return -1;
	}
	if (add_words(v, &cc->creds, &cc->ncreds)) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	return 0;
}

static int cache_section_start(void **data, char *err, size_t errsz)
{
	struct cache_conf *cc;

	if (*data)
		return 0;
	cc = calloc(1, sizeof(*cc));
	if (!cc) {
		snprintf(err, errsz, "out of memory");
		return -1;
	}
	cc->policy = CACHE_LRU;
	cc->max_memory = 64u << 20;
	cc->max_file = 1u << 20;
	cc->ttl = 0;
	cc->revalidate = 1;
	*data = cc;
	return 0;
}

static int cache_conf_key(void **data, const struct vhost *vh, const char *k,
			  const char *v, char *err, size_t errsz)
{
	struct cache_conf *cc = *data;

	if (vh) {
		snprintf(err, errsz, "[CACHE] belongs in the main file: one cache serves every site");
		return -1;
	}
	if (!strcasecmp(k, "Policy")) {
		if (!strcasecmp(v, "LRU"))
			cc->policy = CACHE_LRU;
		else if (!strcasecmp(v, "LFU"))
			cc->policy = CACHE_LFU;
		else
			goto bad;
	} else if (!strcasecmp(k, "MaxMemory")) {
		if (parse_size(v, &cc->max_memory) || cc->max_memory < 4096)
			goto bad;
	} else if (!strcasecmp(k, "MaxFileSize")) {
		if (parse_size(v, &cc->max_file) || !cc->max_file)
			goto bad;
	} else if (!strcasecmp(k, "Extensions")) {
		if (add_words(v, &cc->exts, &cc->nexts))
			goto oom;
	} else if (!strcasecmp(k, "MimeTypes")) {
		if (add_words(v, &cc->mimes, &cc->nmimes))
			goto oom;
	} else if (!strcasecmp(k, "Path")) {
		regex_t *re = realloc(cc->paths, (cc->npaths + 1) * sizeof(*re));
		int rc;

		if (!re)
			goto oom;
		cc->paths = re;
		rc = regcomp(&re[cc->npaths], v, REG_EXTENDED | REG_NOSUB);
		if (rc) {
			char msg[128];

			regerror(rc, &re[cc->npaths], msg, sizeof(msg));
			snprintf(err, errsz, "Path: bad regex '%s': %s", v, msg);
			return -1;
		}
		cc->npaths++;
	} else if (!strcasecmp(k, "TTL")) {
		if (parse_secs(v, &cc->ttl))
			goto bad;
	} else if (!strcasecmp(k, "Revalidate")) {
		if (parse_secs(v, &cc->revalidate))
			goto bad;
	} else if (!strcasecmp(k, "ProxyResponses")) {
		if (!strcasecmp(v, "On"))
			cc->proxied = true;
		else if (!strcasecmp(v, "Off"))
			cc->proxied = false;
		else
			goto bad;
	} else if (!strcasecmp(k, "AdminPath")) {
		free(cc->admin);
		cc->admin = NULL;
		cc->admin_len = 0;
		if (strcasecmp(v, "Off")) {
			if (v[0] != '/' || v[1] == '\0' || v[strlen(v) - 1] == '/') {
				snprintf(err, errsz, "AdminPath: want Off or a path like /khttpd/cache (no trailing slash), got '%s'",
					 v);
				return -1;
			}
			if (!(cc->admin = strdup(v)))
				goto oom;
			cc->admin_len = strlen(v);
		}
	} else if (!strcasecmp(k, "Credentials")) {
		if (creds_key(cc, v, err, errsz))
			return -1;
	} else if (!strcasecmp(k, "AdminAllow")) {
		if (cidr_list_add(&cc->admin_allow, k, v, err, errsz))
			return -1;
	} else {
		snprintf(err, errsz, "unknown key '%s' in [CACHE] (Policy, MaxMemory, MaxFileSize, Extensions, MimeTypes, Path, TTL, Revalidate, AdminPath, AdminAllow, ProxyResponses, Credentials)",
			 k);
		return -1;
	}
	return 0;
bad:
	snprintf(err, errsz, "%s: bad value '%s'", k, v);
	return -1;
oom:
	snprintf(err, errsz, "out of memory");
	return -1;
}

static int cache_conf_done(void *data, const struct config *cfg,
			   const struct vhost *vh, char *err, size_t errsz)
{
	struct cache_conf *cc = data;
	unsigned shards = CACHE_SHARDS;

	(void)cfg;
	if (!cc || vh)
		return 0;
	if (!cc->admin_allow.n &&
	    cidr_list_add(&cc->admin_allow, "AdminAllow", "127.0.0.0/8 ::1", err,
			  errsz))
		return -1;
	/* a shard must hold the largest file */
	while (shards > 1 && cc->max_memory / shards < cc->max_file + 4096)
		shards /= 2;
	if (cc->max_memory < cc->max_file + 4096) {
		snprintf(err, errsz, "MaxFileSize %zu does not fit in MaxMemory %zu",
			 cc->max_file, cc->max_memory);
		return -1;
	}
	cc->store = cache_store_new(cc->policy, cc->max_memory, shards);
	if (!cc->store) {
		snprintf(err, errsz, "out of memory for the cache");
		return -1;
	}
	return 0;
}

static void cache_conf_free(void *data)
{
	struct cache_conf *cc = data;

	if (!cc)
		return;
	for (size_t i = 0; i < cc->nexts; i++)
		free(cc->exts[i]);
	for (size_t i = 0; i < cc->nmimes; i++)
		free(cc->mimes[i]);
	for (size_t i = 0; i < cc->npaths; i++)
		regfree(&cc->paths[i]);
	for (size_t i = 0; i < cc->ncreds; i++)
		free(cc->creds[i]);
	free(cc->creds);
	free(cc->exts);
	free(cc->mimes);
	free(cc->paths);
	free(cc->admin);
	cidr_list_free(&cc->admin_allow);
	cache_store_free(cc->store);
	free(cc);
}

/* ---- rules and keys ---- */

static bool cacheable_path(const struct cache_conf *cc, const struct config *cfg,
			   const char *path)
{
	size_t len = strlen(path);
	const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
	bool ok;

	if (!len || path[len - 1] == '/')
		return false;	/* a directory's index: which file is unknown */
	if (cc->nexts) {
		ok = false;
		for (size_t i = 0; dot && dot > slash && i < cc->nexts; i++)
			ok |= !strcasecmp(dot + 1, cc->exts[i]);
		if (!ok)
			return false;
	}
	if (cc->nmimes) {
		const char *mime = config_mime(cfg, path, len);

		ok = false;
		for (size_t i = 0; i < cc->nmimes; i++)
			ok |= !strncasecmp(mime, cc->mimes[i], strlen(cc->mimes[i]));
		if (!ok)
			return false;
	}
	if (cc->npaths) {
		ok = false;
		for (size_t i = 0; i < cc->npaths; i++)
			ok |= !regexec(&cc->paths[i], path, 0, NULL, 0);
		if (!ok)
			return false;
	}
	return true;
}

/* "<path>\0<docroot>": the path first, so the key prints as the path. */
static size_t make_key(char *key, const char *path, const struct vhost *vh)
{
	size_t pl = strlen(path), dl = strlen(vh->docroot);

	if (pl + dl + 2 > KEY_MAX)
		return 0;
	memcpy(key, path, pl + 1);
	memcpy(key + pl + 1, vh->docroot, dl);
	return pl + 1 + dl;
}

static void meta_from_stat(struct file_meta *m, const struct stat *st)
{
	memset(m, 0, sizeof(*m));
	m->ino = st->st_ino;
	m->dev = st->st_dev;
	m->size = (uint64_t)st->st_size;
	m->mtime = st->st_mtim.tv_sec;
	m->mtime_ns = st->st_mtim.tv_nsec;
	m->mode = st->st_mode;
	m->etag_len = (uint8_t)khttp_etag_format(m->etag, st->st_ino,
						 st->st_mtim.tv_sec,
						 (uint64_t)st->st_size);
}

/* Is the file still the one cached? One open+fstat per Revalidate. */
static bool still_valid(struct cache_conf *cc, struct conn *c,
			struct cache_entry *e, const char *path)
{
	const struct file_meta *m = e->meta;
	int64_t checked = atomic_load_explicit(&e->checked, memory_order_relaxed);
	struct file_meta now;
	struct stat st;
	int fd;

	if (c->w->now - checked < (int64_t)cc->revalidate)
		return true;
	fd = static_open(c->vhost->docroot_fd, path + 1);
	if (fd < 0)
		return false;
	if (fstat(fd, &st)) {
		close(fd);
		return false;
	}
	close(fd);
	meta_from_stat(&now, &st);
	if (now.ino != m->ino || now.dev != m->dev || now.size != m->size ||
	    now.mtime != m->mtime || now.mtime_ns != m->mtime_ns ||
	    now.mode != m->mode)
		return false;
	atomic_store_explicit(&e->checked, c->w->now, memory_order_relaxed);
	return true;
}

/*
 * Credentials in the request: an Authorization field (any, even empty) or
 * one named by Credentials. What is sent to such a request is meant for
 * that client alone.
 */
static bool credentialed(const struct cache_conf *cc, const struct conn *c)
{
	if (reqfield_has(c->buf, &c->req, "authorization", NULL))
		return true;
	for (size_t i = 0; i < cc->ncreds; i++)
		if (reqfield_has(c->buf, &c->req, cc->creds[i], NULL))
			return true;
	return false;
}

/* ---- admin pages ---- */

static uint64_t server_requests(void)
{
	uint64_t n = 0;

	for (unsigned i = 0; i < server.nworkers; i++)
		n += atomic_load_explicit(&server.workers[i].stats.requests,
					  memory_order_relaxed);
	return n;
}

static void stats_json(struct cache_conf *cc, struct strbuf *b)
{
	struct cache_stats st;
	struct cache_top top[TOP_ENTRIES];
	int64_t now = monotonic_s();
	size_t ntop;

	cache_store_stats(cc->store, &st);
	ntop = cache_store_top(cc->store, top, TOP_ENTRIES);
	strbuf_printf(b,
		"{\"policy\":\"%s\",\"hits\":%llu,\"misses\":%llu,"
		"\"hit_ratio\":%.4f,\"inserts\":%llu,\"evictions\":%llu,"
		"\"expirations\":%llu,\"invalidations\":%llu,\"entries\":%llu,"
		"\"bytes\":%llu,\"cap\":%llu,\"shards\":%u,"
		"\"requests_per_sec\":%llu,\"server_requests\":%llu,\"history\":[",
		cc->policy == CACHE_LFU ? "LFU" : "LRU",
		(unsigned long long)st.hits, (unsigned long long)st.misses,
		st.hits + st.misses ? (double)st.hits / (double)(st.hits + st.misses) : 0.0,
		(unsigned long long)st.inserts, (unsigned long long)st.evictions,
		(unsigned long long)st.expirations,
		(unsigned long long)st.invalidations,
		(unsigned long long)st.entries, (unsigned long long)st.bytes,
		(unsigned long long)st.cap, st.shards,
		(unsigned long long)cache_store_rate(cc->store, now - 1),
		(unsigned long long)server_requests());
	/* the last 60 complete seconds, oldest first */
	for (int64_t t = now - 60; t < now; t++)
		strbuf_printf(b, "%s%llu", t == now - 60 ? "" : ",",
			      (unsigned long long)
			      cache_store_rate(cc->store, t));
	strbuf_str(b, "],\"top\":[");
	for (size_t i = 0; i < ntop; i++) {
		/*
		 * A proxied entry's query may carry a session token: never
		 * shown. A static entry's key is a decoded path, where '?'
		 * is part of a file name.
		 */
		if (!strncmp(top[i].key, "http://", 7))
			top[i].key[strcspn(top[i].key, "?")] = '\0';
		strbuf_printf(b, "%s{\"path\":", i ? "," : "");
		strbuf_json(b, top[i].key);
		strbuf_printf(b, ",\"hits\":%llu,\"size\":%zu}",
			      (unsigned long long)top[i].hits, top[i].len);
	}
	strbuf_str(b, "]}\n");
}

/*
 * With every admin page: not stored by caches, not framed by another site
 * (which could have the Clear button clicked through it), not sniffed.
 */
static const char ADMIN_FIELDS[] =
	"Cache-Control: no-store\r\n"
	"X-Frame-Options: DENY\r\n"
	"Content-Security-Policy: frame-ancestors 'none'\r\n"
	"X-Content-Type-Options: nosniff\r\n";

static int send_copy(struct conn *c, const char *type, const char *data,
		     size_t len)
{
	char *body = malloc(len + 1);

	if (!body)
		return http_send_error(c, 500, NULL);
	memcpy(body, data, len);
	return http_send_body(c, 200, type, body, len,
			      ADMIN_FIELDS);
}

/* Why c may not use the admin pages, or NULL. */
static const char *admin_refused(const struct cache_conf *cc,
				 const struct conn *c)
{
	if (!cidr_list_match(&cc->admin_allow, &c->peer.sa))
		return "cache admin: client not in AdminAllow";
	if (reqfield_relayed(c->buf, &c->req))
		return "cache admin: relayed by a proxy, real client unknown";
	return NULL;
}

static int admin_request(struct cache_conf *cc, struct conn *c,
			 const char *sub)
{
	int method = c->req.method;
	size_t len;
	char *body;

	if (c->req.flags & KHTTP_F_HAS_BODY)
		c->keep_alive = false;	/* the body stays unread */
	c->error_note = admin_refused(cc, c);
	if (c->error_note)
		return http_send_error(c, 403, NULL);
	if (!strcmp(sub, "/clear")) {
		if (method != KHTTP_METHOD_POST)
			return http_send_error(c, 405, "Allow: POST\r\n");
		if (!reqfield_has(c->buf, &c->req, "x-khttpd-admin", "1")) {
			c->error_note = "cache admin: clear without X-Khttpd-Admin: 1";
			return http_send_error(c, 403, NULL);
		}
		len = (size_t)asprintf(&body, "{\"cleared\":%llu}\n",
				       (unsigned long long)cache_store_clear(cc->store));
		if ((int)len < 0)
			return http_send_error(c, 500, NULL);
		return http_send_body(c, 200, "application/json", body, len,
				      ADMIN_FIELDS);
	}
	if (method != KHTTP_METHOD_GET && method != KHTTP_METHOD_HEAD)
		return http_send_error(c, 405, "Allow: GET, HEAD\r\n");
	if (!strcmp(sub, "/stats.json")) {
		struct strbuf b = { 0 };

		stats_json(cc, &b);
		body = strbuf_take(&b, &len);
		if (!body)
			return http_send_error(c, 500, NULL);
		return http_send_body(c, 200, "application/json", body, len,
				      ADMIN_FIELDS);
	}
	if (!strcmp(sub, "")) {	/* relative URLs need the slash */
		char loc[300];

		snprintf(loc, sizeof(loc), "Location: %s/\r\n", cc->admin);
		return http_send_error(c, 301, loc);
	}
	if (!strcmp(sub, "/"))
		return send_copy(c, "text/html; charset=utf-8", cache_ui_html,
				 cache_ui_html_len);
	if (!strcmp(sub, "/app.js"))
		return send_copy(c, "text/javascript; charset=utf-8", cache_ui_js,
				 cache_ui_js_len);
	if (!strcmp(sub, "/style.css"))
		return send_copy(c, "text/css; charset=utf-8", cache_ui_css,
				 cache_ui_css_len);
	return http_send_error(c, 404, NULL);
}

/* ---- hits ---- */

static int serve_hit(struct conn *c, struct cache_entry *e, const char *path)
{
	const struct file_meta *m = e->meta;
	struct khttp_head h;
	uint64_t start, len;
	char *body = NULL;
	size_t n;

	switch (static_file_head(c, &h, m->etag, m->etag_len, m->mtime, m->size,
				 path, &start, &len)) {
	case 412:
		return http_send_error(c, 412, NULL);
	case 416:
		return KP_CONTINUE;	/* the static path words 416 */
	}
	h.extra = "X-Cache: HIT\r\n";
	if (!c->head_only && len) {
		/* the entry may go at any time: the response owns a copy */
		body = malloc(len);
		if (!body)
			return KP_CONTINUE;
		memcpy(body, e->data + start, len);
	}
	n = http_head(c, &h);
	if (!n) {
		free(body);
		return http_send_error(c, 500, NULL);
	}
	conn_queue(c, c->w->scratch, n, body, body ? len : 0, NULL, 0, 0);
	return KP_DONE;
}

static int cache_on_request(struct conn *c)
{
	struct cache_conf *cc = conn_global_data(c, &plugin_cache);
	const char *path = conn_path(c);
	struct cache_entry *e;
	char key[KEY_MAX];
	size_t klen;
	int rc;

	if (!cc || !cc->store)
		return KP_CONTINUE;
	if (cc->admin && !strncmp(path, cc->admin, cc->admin_len) &&
	    (path[cc->admin_len] == '\0' || path[cc->admin_len] == '/'))
		return admin_request(cc, c, path + cc->admin_len);
	if ((c->req.method != KHTTP_METHOD_GET &&
	     c->req.method != KHTTP_METHOD_HEAD) ||
	    (c->req.flags & KHTTP_F_HAS_BODY) || !c->vhost ||
	    !cacheable_path(cc, c->cfg, path))
		return KP_CONTINUE;
	klen = make_key(key, path, c->vhost);
	if (!klen)
		return KP_CONTINUE;
	e = cache_store_get(cc->store, key, klen, c->w->now);
	if (!e)
		return KP_CONTINUE;
	if (!still_valid(cc, c, e, path)) {
		/* the core's open-file cache must not serve the old file either */
		fdcache_forget(c->w->fc, c->vhost->docroot, path);
		cache_store_invalidate(cc->store, e);
		cache_entry_put(e);
		return KP_CONTINUE;
	}
	rc = serve_hit(c, e, path);
	cache_entry_put(e);
	return rc;
}

/* ---- fills ---- */

/* After a static 200 of a whole file: keep a copy for the next request. */
static void cache_on_response(struct conn *c)
{
	struct cache_conf *cc = conn_global_data(c, &plugin_cache);
	char path[WORKER_PATH_MAX], key[KEY_MAX];
	struct file_meta m;
	const struct stat *st;
	size_t klen;
	char *data;
	ssize_t got;
	int n;

	/*
	 * Not what was sent to credentials: if auth is loaded after us, a
	 * hit would hand it to the next client without asking it for any.
	 */
	if (!cc || !cc->store || !c->file || c->status != 200 || !c->vhost ||
	    c->req.method != KHTTP_METHOD_GET || credentialed(cc, c))
		return;
	st = &c->file->st;
	if (!S_ISREG(st->st_mode) || (uint64_t)st->st_size > cc->max_file ||
	    (size_t)st->st_size + KEY_MAX + 512 > cache_store_max_object(cc->store))
		return;
	/* w->path may belong to another request by now: normalize again */
	n = khttp_path_normalize(c->buf + c->req.path.off, c->req.path.len,
				 path, sizeof(path) - 1);
	if (n < 0)
		return;
	path[n] = '\0';
	if (!cacheable_path(cc, c->cfg, path))
		return;
	klen = make_key(key, path, c->vhost);
	if (!klen)
		return;
	data = malloc((size_t)st->st_size + 1);
	if (!data)
		return;
	got = pread(c->file->fd, data, (size_t)st->st_size, 0);
	meta_from_stat(&m, st);
	if (got == st->st_size)
		cache_store_put(cc->store, key, klen, &m, sizeof(m), data,
				(size_t)got, c->w->now, cc->ttl);
	free(data);
}

/* ---- proxy_reverse ---- */

struct cache_store *cache_proxy_store(const struct config *cfg,
				      size_t *max_body)
{
	int id = plugin_id(&plugin_cache);
	struct cache_conf *cc = id >= 0 ? cfg->plugin_data[id] : NULL;

	if (!cc || !cc->store || !cc->proxied)
		return NULL;
	*max_body = cc->max_file;
	return cc->store;
}

bool cache_credentials(const struct config *cfg, const struct conn *c)
{
	int id = plugin_id(&plugin_cache);
	struct cache_conf *cc = id >= 0 ? cfg->plugin_data[id] : NULL;

	return cc && credentialed(cc, c);
}

/* ---- control socket ---- */

/* khttpctl cache-stats and cache-clear. */
static bool cache_ctl(const struct config *cfg, const char *cmd, bool json,
		      struct strbuf *o)
{
	struct cache_conf *cc = cfg->plugin_data[plugin_id(&plugin_cache)];
	struct cache_stats st;

	if (strcmp(cmd, "cache-stats") && strcmp(cmd, "cache-clear"))
		return false;
	if (!cc || !cc->store) {
		strbuf_str(o, json ? "{\"error\":\"cache plugin not loaded\"}\n" :
			   "error: cache plugin not loaded\n");
		return true;
	}
	if (!strcmp(cmd, "cache-clear")) {
		strbuf_printf(o, json ? "{\"cleared\":%llu}\n" : "cleared %llu\n",
			      (unsigned long long)cache_store_clear(cc->store));
		return true;
	}
	if (json) {
		stats_json(cc, o);
		return true;
	}
	cache_store_stats(cc->store, &st);
	strbuf_printf(o, "policy %s\nhits %llu\nmisses %llu\nentries %llu\n"
		      "bytes %llu\ncap %llu\nevictions %llu\n"
		      "invalidations %llu\nexpirations %llu\n"
		      "requests_per_sec %llu\n",
		      cc->policy == CACHE_LFU ? "LFU" : "LRU",
		      (unsigned long long)st.hits,
		      (unsigned long long)st.misses,
		      (unsigned long long)st.entries,
		      (unsigned long long)st.bytes,
		      (unsigned long long)st.cap,
		      (unsigned long long)st.evictions,
		      (unsigned long long)st.invalidations,
		      (unsigned long long)st.expirations,
		      (unsigned long long)cache_store_rate(cc->store,
							   monotonic_s() - 1));
	return true;
}

/* ---- metrics ---- */

#define CS(f) offsetof(struct cache_stats, f)

static const struct metric_field cache_fields[] = {
	{ "cache_hits_total", "Responses served from the cache.",
	  METRIC_COUNTER, CS(hits) },
	{ "cache_misses_total", "Cacheable requests the cache did not hold.",
	  METRIC_COUNTER, CS(misses) },
	{ "cache_inserts_total", "Responses stored.", METRIC_COUNTER, CS(inserts) },
	{ "cache_evictions_total", "Entries evicted for room.",
	  METRIC_COUNTER, CS(evictions) },
	{ "cache_expirations_total", "Entries dropped past their TTL.",
	  METRIC_COUNTER, CS(expirations) },
	{ "cache_invalidations_total", "Entries dropped because their file changed.",
	  METRIC_COUNTER, CS(invalidations) },
	{ "cache_entries", "Entries held now.", METRIC_GAUGE, CS(entries) },
	{ "cache_bytes", "Bytes held now.", METRIC_GAUGE, CS(bytes) },
	{ "cache_capacity_bytes", "MaxMemory.", METRIC_GAUGE, CS(cap) },
};

#undef CS

static void cache_metrics(const struct config *cfg, struct metrics *m)
{
	struct cache_conf *cc = cfg->plugin_data[plugin_id(&plugin_cache)];
	struct cache_stats st;

	if (!cc || !cc->store)
		return;
	cache_store_stats(cc->store, &st);	/* under each shard's lock */
	metrics_fields(m, cache_fields, sizeof(cache_fields) /
		       sizeof(*cache_fields), &st);
}

const struct khttpd_plugin plugin_cache = {
	.name = "cache",
	.section_start = cache_section_start,
	.conf_key = cache_conf_key,
	.conf_done = cache_conf_done,
	.conf_free = cache_conf_free,
	.on_request = cache_on_request,
	.on_response = cache_on_response,
	.ctl = cache_ctl,
	.metrics = cache_metrics,
};
