// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Finding plugins in the registry (plugins/registry.c), the rule on their
 * Load order, and the stage runners (Load order, first answer wins).
 */
#include <strings.h>

#include "khttpdd.h"

const struct khttpd_plugin *plugin_find(const char *name)
{
	for (size_t i = 0; i < khttpd_nplugins; i++)
		if (!strcasecmp(khttpd_plugins[i]->name, name))
			return khttpd_plugins[i];
	return NULL;
}

int plugin_id(const struct khttpd_plugin *p)
{
	for (size_t i = 0; i < khttpd_nplugins; i++)
		if (khttpd_plugins[i] == p)
			return (int)i;
	return -1;
}

const struct khttpd_plugin *plugin_must_follow(const struct khttpd_plugin *const *loaded,
					       size_t n, const struct khttpd_plugin *p)
{
	if (!p->access_control)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (loaded[i]->on_request && !loaded[i]->access_control)
			return loaded[i];
	return NULL;
}

void *conn_vhost_data(const struct conn *c, const struct khttpd_plugin *p)
{
	return c->vhost ? c->vhost->plugin_data[plugin_id(p)] : NULL;
}

void *conn_global_data(const struct conn *c, const struct khttpd_plugin *p)
{
	return c->cfg->plugin_data[plugin_id(p)];
}

int plugins_on_accept(struct conn *c)
{
	for (size_t i = 0; i < c->cfg->nplugins; i++) {
		const struct khttpd_plugin *p = c->cfg->plugins[i];
		int rc;

		if (p->on_accept && (rc = p->on_accept(c)) != KP_CONTINUE)
			return rc;
	}
	return KP_CONTINUE;
}

int plugins_on_request(struct conn *c)
{
	for (size_t i = 0; i < c->cfg->nplugins; i++) {
		const struct khttpd_plugin *p = c->cfg->plugins[i];
		int rc;

		if (p->on_request && (rc = p->on_request(c)) != KP_CONTINUE)
			return rc;
	}
	return KP_CONTINUE;
}

int plugins_on_directory(struct conn *c, int dirfd)
{
	for (size_t i = 0; i < c->cfg->nplugins; i++) {
		const struct khttpd_plugin *p = c->cfg->plugins[i];
		int rc;

		if (p->on_directory &&
		    (rc = p->on_directory(c, dirfd)) != KP_CONTINUE)
			return rc;
	}
	return KP_CONTINUE;
}

void plugins_on_response(struct conn *c)
{
	for (size_t i = 0; i < c->cfg->nplugins; i++)
		if (c->cfg->plugins[i]->on_response)
			c->cfg->plugins[i]->on_response(c);
}

void plugins_on_close(struct conn *c)
{
	for (size_t i = 0; i < c->cfg->nplugins; i++)
		if (c->cfg->plugins[i]->on_close)
			c->cfg->plugins[i]->on_close(c);
}
