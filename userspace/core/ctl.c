// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Control socket (Monkey's cheetah): a unix stream socket, mode ControlMode
 * (0600). A client sends one line "<command>[ json]" and reads the reply
 * until EOF. Served by the master thread; replies are small. Commands
 * the core does not know go to the services' and plugins' ctl hooks.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "khttpdd.h"
#include "metrics.h"
#include "service.h"
#include "strbuf.h"

static char *ctl_path;

int ctl_open(const struct config *cfg)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	mode_t old;
	int fd;

	if (!cfg->control_socket)
		return -1;
	if (strlen(cfg->control_socket) >= sizeof(sun.sun_path)) {
		log_msg("ControlSocket %s: path too long", cfg->control_socket);
		return -1;
	}
	strcpy(sun.sun_path, cfg->control_socket);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(sun.sun_path);
	/* Created with the final mode: no window where others may connect. */
	old = umask(0777 & ~cfg->control_mode);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 8)) {
		umask(old);
		log_msg("ControlSocket %s: %s", sun.sun_path, strerror(errno));
		close(fd);
		return -1;
	}
	umask(old);
	chmod(sun.sun_path, cfg->control_mode);
	ctl_path = strdup(sun.sun_path);
	return fd;
}

void ctl_close(void)
{
	if (ctl_path)
		unlink(ctl_path);
	free(ctl_path);
	ctl_path = NULL;
}

static unsigned total_conns(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < server.nworkers; i++)
		n += atomic_load(&server.workers[i].nconns);
	return n;
}

static void cmd_status(struct strbuf *o, const struct config *cfg, bool json)
{
	long up = (long)(time(NULL) - server.started);
	const char *src = cfg->source ? cfg->source : "(defaults)";

	if (json) {
		strbuf_printf(o, "{\"pid\":%d,\"uptime\":%ld,\"workers\":%u,\"connections\":%u,\"draining\":%s,\"config\":",
			      (int)getpid(), up, server.nworkers, total_conns(),
			      server.draining ? "true" : "false");
		strbuf_json(o, src);
		strbuf_str(o, "}\n");
		return;
	}
	strbuf_printf(o, "pid %d\nuptime %ld\nworkers %u\nconnections %u\ndraining %s\nconfig %s\n",
		      (int)getpid(), up, server.nworkers, total_conns(),
		      server.draining ? "yes" : "no", src);
}

static void cmd_workers(struct strbuf *o, bool json)
{
	strbuf_str(o, json ? "[" : "");
	for (unsigned i = 0; i < server.nworkers; i++) {
		struct worker *w = &server.workers[i];
		unsigned c = atomic_load(&w->nconns);
		unsigned long long r = atomic_load(&w->stats.requests);

		if (json)
			strbuf_printf(o, "%s{\"id\":%u,\"connections\":%u,\"requests\":%llu}",
				      i ? "," : "", i, c, r);
		else
			strbuf_printf(o, "worker %u connections %u requests %llu\n",
				      i, c, r);
	}
	strbuf_str(o, json ? "]\n" : "");
}

static void cmd_vhosts(struct strbuf *o, const struct config *cfg, bool json)
{
	strbuf_str(o, json ? "[" : "");
	for (size_t i = 0; i < cfg->nvhosts; i++) {
		const struct vhost *vh = &cfg->vhosts[i];

		if (json) {
			strbuf_printf(o, "%s{\"default\":%s,\"names\":[",
				      i ? "," : "", i ? "false" : "true");
			for (size_t n = 0; n < vh->nnames; n++) {
				strbuf_str(o, n ? "," : "");
				strbuf_json(o, vh->names[n]);
			}
			strbuf_str(o, "],\"docroot\":");
			strbuf_json(o, vh->docroot);
			strbuf_str(o, ",\"file\":");
			strbuf_json(o, vh->file);
			strbuf_printf(o, ",\"rules\":%zu}", vh->nrules);
			continue;
		}
		strbuf_printf(o, "%s", i ? "vhost" : "vhost (default)");
		for (size_t n = 0; n < vh->nnames; n++)
			strbuf_printf(o, " %s", vh->names[n]);
		strbuf_printf(o, "\n  docroot %s\n  file %s\n", vh->docroot,
			      vh->file);
		for (size_t r = 0; r < vh->nrules; r++)
			strbuf_printf(o, "  match %s %s\n",
				      vh->rules[r].pattern,
				      vh->rules[r].plugin->name);
	}
	strbuf_str(o, json ? "]\n" : "");
}

static void cmd_plugins(struct strbuf *o, const struct config *cfg, bool json)
{
	strbuf_str(o, json ? "[" : "");
	for (size_t i = 0; i < khttpd_nplugins; i++) {
		const struct khttpd_plugin *p = khttpd_plugins[i];
		bool on = config_loads(cfg, p);

		if (json)
			strbuf_printf(o, "%s{\"name\":\"%s\",\"loaded\":%s}",
				      i ? "," : "", p->name,
				      on ? "true" : "false");
		else
			strbuf_printf(o, "%s %s\n", p->name,
				      on ? "loaded" : "available");
	}
	strbuf_str(o, json ? "]\n" : "");
}

static void cmd_config(struct strbuf *o, const struct config *cfg, bool json)
{
	const char *src = cfg->source ? cfg->source : "(defaults)";
	const char *balance = cfg->reuseport ? "reuseport" : "leastconn";

	if (json) {
		strbuf_str(o, "{\"source\":");
		strbuf_json(o, src);
		strbuf_printf(o, ",\"workers\":%u,\"balance\":\"%s\",\"keepalive_timeout\":%u,\"keepalive_max\":%u,\"header_timeout\":%u,\"body_timeout\":%u,\"send_timeout\":%u,\"request_max\":%u,\"file_cache_entries\":%u,\"listen\":[",
			      server.nworkers, balance, cfg->keepalive_timeout,
			      cfg->keepalive_max, cfg->header_timeout,
			      cfg->body_timeout, cfg->send_timeout,
			      cfg->request_max, cfg->fdcache_entries);
	} else {
		strbuf_printf(o, "source %s\nworkers %u\nbalance %s\nkeepalive_timeout %u\nkeepalive_max %u\nheader_timeout %u\nbody_timeout %u\nsend_timeout %u\nrequest_max %u\nfile_cache_entries %u\n",
			      src, server.nworkers, balance,
			      cfg->keepalive_timeout,
			      cfg->keepalive_max, cfg->header_timeout,
			      cfg->body_timeout, cfg->send_timeout,
			      cfg->request_max, cfg->fdcache_entries);
	}
	for (size_t i = 0; i < cfg->nlisten; i++)
		strbuf_printf(o, json ? "%s\"%s:%s\"" : "%slisten %s:%s%s\n",
			      json && i ? "," : "",
			      cfg->listen[i].host[0] ?
			      cfg->listen[i].host : "*",
			      cfg->listen[i].port,
			      cfg->listen[i].tls ? " tls" : "");
	if (json) {	/* which of them speak TLS, by index into "listen" */
		strbuf_str(o, "],\"tls\":[");
		for (size_t i = 0, n = 0; i < cfg->nlisten; i++)
			if (cfg->listen[i].tls)
				strbuf_printf(o, "%s%zu", n++ ? "," : "", i);
	}
	strbuf_str(o, json ? "]}\n" : "");
}

/* HTTPS: handshakes, and connections and bytes by the path they took. */
static void cmd_stats_tls(struct strbuf *o, bool json)
{
	static const struct {
		const char *name;
		size_t off;
	} f[] = {
		{ "handshakes", offsetof(struct tls_stats, handshakes) },
		{ "handshake_failed", offsetof(struct tls_stats, handshake_failed) },
		{ "handshake_refused", offsetof(struct tls_stats, handshake_refused) },
		{ "conns_ktls", offsetof(struct tls_stats, conns_ktls) },
		{ "conns_user", offsetof(struct tls_stats, conns_user) },
		{ "bytes_ktls_sendfile", offsetof(struct tls_stats, bytes_ktls_sendfile) },
		{ "bytes_ktls", offsetof(struct tls_stats, bytes_ktls) },
		{ "bytes_user", offsetof(struct tls_stats, bytes_user) },
	};

	strbuf_str(o, json ? "\"tls\":{" : "");
	for (size_t i = 0; i < sizeof(f) / sizeof(*f); i++)
		strbuf_printf(o, json ? "%s\"%s\":%llu" : "%stls %s %llu\n",
			      json && i ? "," : "", f[i].name,
			      (unsigned long long)atomic_load((_Atomic uint64_t *)
				((char *)&tls_stats + f[i].off)));
	strbuf_str(o, json ? "}" : "");
}

static void cmd_stats(struct strbuf *o, const struct config *cfg, bool json)
{
	struct metrics m;
	unsigned long long req = 0, bytes = 0, acc = 0;
	bool first = true;

	for (unsigned i = 0; i < server.nworkers; i++) {
		req += atomic_load(&server.workers[i].stats.requests);
		bytes += atomic_load(&server.workers[i].stats.bytes_zerocopy) +
			 atomic_load(&server.workers[i].stats.bytes_copied);
		acc += atomic_load(&server.workers[i].stats.accepted);
	}
	strbuf_printf(o, json ? "{\"requests\":%llu,\"bytes\":%llu,\"connections\":%llu,\"status\":{" :
		      "requests %llu\nbytes %llu\nconnections %llu\n",
		      req, bytes, acc);
	for (int s = 100; s < 600; s++) {
		unsigned long long n = 0;

		for (unsigned i = 0; i < server.nworkers; i++)
			n += atomic_load(&server.workers[i].stats.status[s]);
		if (!n)
			continue;
		strbuf_printf(o, json ? "%s\"%d\":%llu" : "%sstatus %d %llu\n",
			      json && !first ? "," : "", s, n);
		first = false;
	}
	strbuf_str(o, json ? "}," : "");
	cmd_stats_tls(o, json);
	if (json) {	/* what the metrics endpoint shows, by the same names */
		strbuf_str(o, ",\"metrics\":");
		metrics_begin(&m, o, true);
		stats_collect(cfg, &m);
		metrics_end(&m);
		strbuf_str(o, "}\n");
	}
}

/* A command of a service or a plugin (loaded or not), else false. */
static bool cmd_other(struct strbuf *o, const struct config *cfg,
		      const char *cmd, bool json)
{
	for (size_t i = 0; i < khttpd_nservices; i++)
		if (khttpd_services[i]->ctl &&
		    khttpd_services[i]->ctl(cfg, cmd, json, o))
			return true;
	for (size_t i = 0; i < khttpd_nplugins; i++)
		if (khttpd_plugins[i]->ctl &&
		    khttpd_plugins[i]->ctl(cfg, cmd, json, o))
			return true;
	return false;
}

char *ctl_reply(const char *cmd, bool json)
{
	struct strbuf o = { 0 };
	struct config *cfg;

	pthread_mutex_lock(&server.cfg_lock);
	cfg = config_get(server.cfg);
	pthread_mutex_unlock(&server.cfg_lock);
	if (!strcmp(cmd, "status"))
		cmd_status(&o, cfg, json);
	else if (!strcmp(cmd, "workers"))
		cmd_workers(&o, json);
	else if (!strcmp(cmd, "vhosts"))
		cmd_vhosts(&o, cfg, json);
	else if (!strcmp(cmd, "plugins"))
		cmd_plugins(&o, cfg, json);
	else if (!strcmp(cmd, "config"))
		cmd_config(&o, cfg, json);
	else if (!strcmp(cmd, "uptime"))
		strbuf_printf(&o, json ? "{\"uptime\":%ld}\n" : "%ld\n",
			      (long)(time(NULL) - server.started));
	else if (!strcmp(cmd, "stats"))
		cmd_stats(&o, cfg, json);
	else if (!cmd_other(&o, cfg, cmd, json))
		strbuf_printf(&o, "error: unknown command '%.32s'\n", cmd);
	config_put(cfg);
	return strbuf_take(&o, NULL);
}

void ctl_handle(int listen_fd)
{
	struct timeval tv = { .tv_sec = 1 };
	char line[128], *reply, *sp;
	size_t len = 0;
	ssize_t n;
	int fd = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	/* A stuck client must not hold the master for long. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(line) - 1 &&
	       (n = read(fd, line + len, sizeof(line) - 1 - len)) > 0) {
		len += (size_t)n;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	line[strcspn(line, "\r\n")] = '\0';
	sp = strchr(line, ' ');
	if (sp)
		*sp++ = '\0';
	reply = ctl_reply(line, sp && !strcmp(sp, "json"));
	for (size_t off = 0, total = reply ? strlen(reply) : 0; off < total;
	     off += (size_t)n) {
		n = write(fd, reply + off, total - off);
		if (n <= 0)
			break;
	}
	free(reply);
	close(fd);
}
