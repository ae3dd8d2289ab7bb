// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The configuration's life: loading (config_file.c reads it, then every
 * loaded plugin checks its sections), reference counting across reloads,
 * and the lookups requests make: virtual host, MIME type, handler.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config_file.h"
#include "khttpdd.h"

/* Let every loaded plugin check its sections (file:line of the scope). */
static int plugins_conf_done(struct config *c, char *err, size_t errsz)
{
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct khttpd_plugin *pl = c->plugins[i];
		int id = plugin_id(pl);
		char why[256] = "";

		/* About a whole scope, not a line: "file: [plugin]: what". */
		if (!pl->conf_done)
			continue;
		if (pl->conf_done(c->plugin_data[id], c, NULL, why, sizeof(why))) {
			snprintf(err, errsz, "%s: [%s]: %s",
				 c->source ? c->source : "defaults", pl->name, why);
			return -1;
		}
		for (size_t v = 0; v < c->nvhosts; v++) {
			struct vhost *vh = &c->vhosts[v];

			if (pl->conf_done(vh->plugin_data[id], c, vh, why, sizeof(why))) {
				snprintf(err, errsz, "%s: [%s]: %s", vh->file,
					 pl->name, why);
				return -1;
			}
		}
	}
	return 0;
}

struct config *config_load(const char *path, const struct config_overrides *ov,
			   char *err, size_t errsz)
{
	struct config *c = config_read(path, ov, err, errsz);

	for (size_t i = 0; c && i < c->nlisten; i++)
		c->has_tls |= c->listen[i].tls;
	if (c && c->has_tls && tls_load(c, err, errsz)) {
		config_put(c);
		return NULL;
	}
	if (c && plugins_conf_done(c, err, errsz)) {
		config_put(c);
		return NULL;
	}
	return c;
}

struct config *config_get(struct config *cfg)
{
	atomic_fetch_add_explicit(&cfg->refs, 1, memory_order_relaxed);
	return cfg;
}

static void vhost_free(struct config *c, struct vhost *vh)
{
	for (size_t i = 0; i < vh->nnames; i++)
		free(vh->names[i]);
	free(vh->names);
	for (size_t i = 0; i < vh->nerrpages; i++)
		free(vh->errpages[i].path);
	free(vh->errpages);
	for (size_t i = 0; i < vh->nrules; i++) {
		regfree(&vh->rules[i].re);
		free(vh->rules[i].pattern);
	}
	free(vh->rules);
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct khttpd_plugin *pl = c->plugins[i];

		if (pl->conf_free && vh->plugin_data[plugin_id(pl)])
			pl->conf_free(vh->plugin_data[plugin_id(pl)]);
	}
	free(vh->plugin_data);
	tls_cert_free(&vh->tls);
	if (vh->docroot_fd >= 0)
		close(vh->docroot_fd);
	free(vh->docroot);
	free(vh->file);
}

void config_put(struct config *c)
{
	if (!c || atomic_fetch_sub_explicit(&c->refs, 1,
					    memory_order_acq_rel) != 1)
		return;
	for (size_t i = 0; i < c->nvhosts; i++)
		vhost_free(c, &c->vhosts[i]);
	free(c->vhosts);
	for (size_t i = 0; i < c->nplugins; i++) {
		const struct khttpd_plugin *pl = c->plugins[i];

		if (pl->conf_free && c->plugin_data[plugin_id(pl)])
			pl->conf_free(c->plugin_data[plugin_id(pl)]);
	}
	free(c->plugins);
	free(c->plugin_data);
	for (size_t i = 0; i < c->nindexes; i++)
		free(c->indexes[i]);
	free(c->indexes);
	for (size_t i = 0; i < c->nmimes; i++) {
		free(c->mimes[i].ext);
		free(c->mimes[i].type);
	}
	free(c->mimes);
	free(c->listen);
	tls_cert_free(&c->tls.cert);
	free(c->tls.file);
	free(c->tls.listen_at);
	free(c->control_socket);
	free(c->user);
	free(c->source);
	free(c);
}

const struct vhost *config_vhost(const struct config *cfg, const char *name,
				 size_t len)
{
	for (size_t i = 0; i < cfg->nvhosts; i++) {
		const struct vhost *vh = &cfg->vhosts[i];

		for (size_t n = 0; n < vh->nnames; n++)
			if (strlen(vh->names[n]) == len &&
			    !strncasecmp(vh->names[n], name, len))
				return vh;
	}
	return &cfg->vhosts[0];
}

const char *config_mime(const struct config *cfg, const char *path,
			size_t len)
{
	const char *dot = memrchr(path, '.', len);

	if (dot && !memchr(dot, '/', len - (dot - path))) {
		size_t elen = len - (dot + 1 - path);

		for (size_t i = 0; i < cfg->nmimes; i++)
			if (strlen(cfg->mimes[i].ext) == elen &&
			    !strncasecmp(cfg->mimes[i].ext, dot + 1, elen))
				return cfg->mimes[i].type;
	}
	return khttp_mime_type(path, len);
}

bool config_loads(const struct config *cfg, const struct khttpd_plugin *p)
{
	for (size_t i = 0; i < cfg->nplugins; i++)
		if (cfg->plugins[i] == p)
			return true;
	return false;
}

const struct khttpd_plugin *vhost_handler(const struct vhost *vh,
					  const char *path)
{
	for (size_t i = 0; i < vh->nrules; i++)
		if (!regexec(&vh->rules[i].re, path, 0, NULL, 0))
			return vh->rules[i].plugin;
	return NULL;
}
