// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * dirlisting: an index of a directory without index file, sorted by name,
 * with sizes and dates; names are URL-encoded in links and HTML-escaped in
 * text. "?format=json" gives JSON when the scope says "Json on". What the
 * core would refuse as hidden (khttp_path_hidden(): dotfiles) is not listed.
 *   [DIRLISTING]
 *       Listing on|off      (default on)
 *       Json on|off         (default off)
 * A site's section overrides the main file's.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/khttpdd.h"
#include "core/strbuf.h"

struct dirlisting_conf {
	bool off, json;
};

struct dl_entry {
	char *name;
	bool dir;
	long long size;
	time_t mtime;
};

extern const struct khttpd_plugin plugin_dirlisting;

static void put_html(struct strbuf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': strbuf_str(b, "&amp;"); break;
		case '<': strbuf_str(b, "&lt;"); break;
		case '>': strbuf_str(b, "&gt;"); break;
		case '"': strbuf_str(b, "&quot;"); break;
		case '\'': strbuf_str(b, "&#39;"); break;
		default:
			if ((unsigned char)*s < 0x20)	/* a visible picture */
				strbuf_printf(b, "&#%u;",
					      0x2400 + (unsigned char)*s);
			else
				strbuf_add(b, s, 1);
		}
	}
}

static void put_url(struct strbuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-._~", ch)) {
			strbuf_add(b, s, 1);
		} else {
			char e[3] = { '%', hex[ch >> 4], hex[ch & 15] };

			strbuf_add(b, e, 3);
		}
	}
}

static int entry_cmp(const void *a, const void *b)
{
	return strcmp(((const struct dl_entry *)a)->name,
		      ((const struct dl_entry *)b)->name);
}

/* Whether the entry name of the directory path dir is served at all. */
static bool entry_listed(const char *dir, const char *name)
{
	char path[WORKER_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s%s", dir, name);

	/* a name too long to request is not listed either */
	return n > 0 && (size_t)n < sizeof(path) &&
	       !khttp_path_hidden(path, (size_t)n);
}

static int read_dir(int dirfd, const char *dir, struct dl_entry **out,
		    size_t *n)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dl_entry *v = NULL;
	struct dirent *de;
	size_t cnt = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	while ((de = readdir(d))) {
		struct stat st;
		struct dl_entry *nv;

		if (!entry_listed(dir, de->d_name))	/* ".", ".." too */
			continue;
		if (fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		nv = realloc(v, (cnt + 1) * sizeof(*v));
		if (!nv)
			break;
		v = nv;
		v[cnt].name = strdup(de->d_name);
		if (!v[cnt].name)
			break;
		v[cnt].dir = S_ISDIR(st.st_mode);
		v[cnt].size = (long long)st.st_size;
		v[cnt].mtime = st.st_mtim.tv_sec;
		cnt++;
	}
	closedir(d);
	qsort(v, cnt, sizeof(*v), entry_cmp);
	*out = v;
	*n = cnt;
	return 0;
}

static void render_html(struct strbuf *b, const char *path,
			const struct dl_entry *v, size_t n)
{
	strbuf_str(b, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of ");
	put_html(b, path);
	strbuf_str(b, "</title></head>\n<body><h1>Index of ");
	put_html(b, path);
	strbuf_str(b, "</h1>\n<table>\n<tr><th>Name</th><th>Size</th><th>Last modified</th></tr>\n");
	if (strcmp(path, "/"))
		strbuf_str(b, "<tr><td><a href=\"../\">../</a></td><td>-</td><td></td></tr>\n");
	for (size_t i = 0; i < n; i++) {
		char size[32], date[32];
		struct tm tm;

		strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC",
			 gmtime_r(&v[i].mtime, &tm));
		if (v[i].dir)
			strcpy(size, "-");
		else
			snprintf(size, sizeof(size), "%lld", v[i].size);
		strbuf_str(b, "<tr><td><a href=\"");
		put_url(b, v[i].name);
		strbuf_str(b, v[i].dir ? "/\">" : "\">");
		put_html(b, v[i].name);
		strbuf_str(b, v[i].dir ? "/" : "");
		strbuf_str(b, "</a></td><td>");
		strbuf_str(b, size);
		strbuf_str(b, "</td><td>");
		strbuf_str(b, date);
		strbuf_str(b, "</td></tr>\n");
	}
	strbuf_str(b, "</table>\n</body></html>\n");
}

static void render_json(struct strbuf *b, const char *path,
			const struct dl_entry *v, size_t n)
{
	strbuf_str(b, "{\"path\":");
	strbuf_json(b, path);
	strbuf_str(b, ",\"entries\":[");
	for (size_t i = 0; i < n; i++) {
		strbuf_str(b, i ? ",{\"name\":" : "{\"name\":");
		strbuf_json(b, v[i].name);
		strbuf_printf(b, ",\"type\":\"%s\",\"size\":%lld,\"mtime\":%lld}",
			      v[i].dir ? "dir" : "file", v[i].size,
			      (long long)v[i].mtime);
	}
	strbuf_str(b, "]}\n");
}

static bool wants_json(const struct conn *c)
{
	const char *q = c->buf + c->req.query.off;
	size_t len = c->req.query.len;

	for (size_t i = 0; i + 11 <= len; i++)
		if ((i == 0 || q[i - 1] == '&') && !memcmp(q + i, "format=json", 11) &&
		    (i + 11 == len || q[i + 11] == '&'))
			return true;
	return false;
}

static int dirlisting_directory(struct conn *c, int dirfd)
{
	const struct dirlisting_conf *site = conn_vhost_data(c, &plugin_dirlisting);
	const struct dirlisting_conf *main = conn_global_data(c, &plugin_dirlisting);
	const struct dirlisting_conf def = { 0 };
	const struct dirlisting_conf *dc = site ? site : main ? main : &def;
	struct dl_entry *v = NULL;
	struct strbuf b = { 0 };
	bool json = dc->json && wants_json(c);
	size_t n = 0, len;
	char *body;

	if (dc->off)
		return KP_CONTINUE;
	if (read_dir(dirfd, conn_path(c), &v, &n)) {
		c->error_note = "cannot read directory";
		return http_send_error(c, 403, NULL);
	}
	if (json)
		render_json(&b, conn_path(c), v, n);
	else
		render_html(&b, conn_path(c), v, n);
	for (size_t i = 0; i < n; i++)
		free(v[i].name);
	free(v);
	body = strbuf_take(&b, &len);
	if (!body)
		return http_send_error(c, 500, NULL);
	return http_send_body(c, 200, json ? "application/json" :
			      "text/html; charset=utf-8", body, len, NULL);
}

static int onoff(const char *key, const char *v, bool *out, char *err,
		 size_t errsz)
{
	if (!strcasecmp(v, "on")) {
		*out = true;
	} else if (!strcasecmp(v, "off")) {
		*out = false;
	} else {
		snprintf(err, errsz, "%s: expected on or off, got '%s'", key, v);
		return -1;
	}
	return 0;
}

static int dirlisting_key(void **data, const struct vhost *vh, const char *key,
			  const char *value, char *err, size_t errsz)
{
	struct dirlisting_conf *dc = *data;
	bool on;

	(void)vh;
	if (!dc)
		*data = dc = calloc(1, sizeof(*dc));
	if (!dc)
		return -1;
	if (!strcasecmp(key, "Listing")) {
		if (onoff(key, value, &on, err, errsz))
			return -1;
		dc->off = !on;
		return 0;
	}
	if (!strcasecmp(key, "Json"))
		return onoff(key, value, &dc->json, err, errsz);
	snprintf(err, errsz, "unknown key '%s' (known: Listing, Json)", key);
	return -1;
}

const struct khttpd_plugin plugin_dirlisting = {
	.name = "dirlisting",
	.conf_key = dirlisting_key,
	.conf_free = free,
	.on_directory = dirlisting_directory,
};
