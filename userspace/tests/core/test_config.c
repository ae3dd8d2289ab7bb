// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Config parser unit tests: a complete good config (main file + sites, with
 * every [SERVER] key, plugin sections, MIME overrides), command-line
 * overrides, the vhost choice by Host, the MIME lookup, the identity the
 * daemon drops to (User, Group, service switches), and a table of bad
 * files that must fail with the exact "file:line: what" message.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/khttpdd.h"
#include "core/service.h"
#include "khttpd_check.h"

static char dir[] = "/tmp/khttpd-test-config.XXXXXX";

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	f = fopen(path, "w");
	if (!f) {
		perror(path);
		exit(2);
	}
	fputs(text, f);
	fclose(f);
}

/* The vhost a request with "Host: host" selects; NULL if it is a 400. */
static const struct vhost *vhost_of(const struct config *c, const char *host)
{
	char req[256];
	struct khttp_request r;
	int n = snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nHost: %s\r\n\r\n",
			 host);

	khttp_request_init(&r);
	if (khttp_parse(&r, NULL, req, (size_t)n) != KHTTP_DONE)
		return NULL;
	return config_vhost(c, req + r.host_name.off, r.host_name.len);
}

static const char *pathof(const char *rel)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, rel);
	return path;
}

static void test_good(void)
{
	struct config_overrides none = { .workers = -1 };
	char err[512] = "", main_conf[2048], site_a[512];
	struct config *c;
	const struct vhost *vh;

	snprintf(main_conf, sizeof(main_conf),
		 "# main file\n"
		 "[SERVER]\n"
		 "    Listen 127.0.0.1:8081\n"
		 "    Listen [::1]:8082\n"
		 "\tListen 8083\n"
		 "    Workers 3\n"
		 "    Balance reuseport\n"
		 "    KeepAliveTimeout 7\n"
		 "    KeepAliveMax 50\n"
		 "    HeaderTimeout 4\n"
		 "    BodyTimeout 6\n"
		 "    SendTimeout 9\n"
		 "    DrainTimeout 2\n"
		 "    RequestMax 131072\n"
		 "    RequestLineMax 4096\n"
		 "    HeadMax 8192\n"
		 "    FieldsMax 50\n"
		 "    FileCacheEntries 16\n"
		 "    PermRequired 0444\n"
		 "    PermForbid 0111\n"
		 "    Index index.htm index.html\n"
		 "    ControlSocket %s/ctl.sock\n"
		 "    ControlMode 0660\n"
		 "\n"
		 "[PLUGINS]\n"
		 "    Load mandril\n"
		 "    Load dirlisting\n"
		 "[MIME]\n"
		 "    AddType .md text/markdown\n"
		 "    AddType HTML application/x-override\n"
		 "[MANDRIL]\n"
		 "    Deny 10.0.0.0/8\n", dir);
	put("khttpd.conf", main_conf);
	snprintf(site_a, sizeof(site_a),
		 "[HOST]\n    ServerName A.example www.a.example. \n"
		 "    DocumentRoot %s/root\n"
		 "[ERROR_PAGES]\n    404 /e/404.html\n    403 /e/403.html\n"
		 "[DIRLISTING]\n    Json on\n", dir);
	put("sites/a", site_a);
	snprintf(site_a, sizeof(site_a),
		 "[HOST]\n    ServerName default.example\n    DocumentRoot %s/root\n",
		 dir);
	put("sites/default", site_a);
	put("sites/ignored~", "not a site: editor backup\n");

	c = config_load(dir, &none, err, sizeof(err));
	CHECK(c != NULL, "good config refused: %s", err);
	if (!c)
		return;
	CHECK(c->nlisten == 3, "nlisten %zu", c->nlisten);
	CHECK(!strcmp(c->listen[0].host, "127.0.0.1") &&
	      !strcmp(c->listen[0].port, "8081"), "listen 0");
	CHECK(!strcmp(c->listen[1].host, "::1") &&
	      !strcmp(c->listen[1].port, "8082"), "listen 1");
	CHECK(!c->listen[2].host[0] && !strcmp(c->listen[2].port, "8083"),
	      "listen 2");
	CHECK(c->workers == 3 && c->reuseport, "workers/balance");
	CHECK(c->keepalive_timeout == 7 && c->keepalive_max == 50 &&
	      c->header_timeout == 4 && c->body_timeout == 6 &&
	      c->send_timeout == 9 && c->drain_timeout == 2, "timeouts");
	CHECK(c->request_max == 131072 && c->limits.line_max == 4096 &&
	      c->limits.head_max == 8192 && c->limits.fields_max == 50,
	      "limits");
	CHECK(c->fdcache_entries == 16, "cache");
	CHECK(c->perm_required == 0444 && c->perm_forbid == 0111, "perms %o %o",
	      c->perm_required, c->perm_forbid);
	CHECK(c->nindexes == 2 && !strcmp(c->indexes[0], "index.htm") &&
	      !strcmp(c->indexes[1], "index.html"), "indexes");
	CHECK(c->control_mode == 0660, "control mode");
	CHECK(c->nplugins == 2 && !strcmp(c->plugins[0]->name, "mandril") &&
	      !strcmp(c->plugins[1]->name, "dirlisting"), "Load order");
	CHECK(c->plugin_data[plugin_id(plugin_find("mandril"))] != NULL,
	      "main-file plugin section");
	CHECK(c->nvhosts == 2, "nvhosts %zu (backup file skipped)", c->nvhosts);
	CHECK(!strcmp(c->vhosts[0].names[0], "default.example"),
	      "sites/default comes first: %s", c->vhosts[0].names[0]);
	vh = &c->vhosts[1];
	CHECK(vh->nnames == 2 && !strcmp(vh->names[0], "a.example") &&
	      !strcmp(vh->names[1], "www.a.example"),
	      "names lower-cased, trailing dot dropped");
	CHECK(vh->nerrpages == 2 && vh->errpages[1].status == 403 &&
	      !strcmp(vh->errpages[1].path, "/e/403.html"), "error pages");
	CHECK(vh->plugin_data[plugin_id(plugin_find("dirlisting"))] != NULL,
	      "site plugin section");

	/* Host routing: case, port, trailing dot, unknown -> default. */
	CHECK(vhost_of(c, "WWW.A.example:8080") == vh, "host:port");
	CHECK(vhost_of(c, "a.example.") == vh, "host with a trailing dot");
	CHECK(vhost_of(c, "A.Example.:80") == vh, "trailing dot and port");
	CHECK(vhost_of(c, "a.example..") == NULL, "two dots: 400 first");
	CHECK(config_vhost(c, "a.example", 9) == vh, "host");
	CHECK(config_vhost(c, "a.example.evil", 14) == &c->vhosts[0],
	      "no suffix match");
	CHECK(config_vhost(c, "", 0) == &c->vhosts[0], "no Host");

	/* MIME: overrides first, then the shared table. */
	CHECK(!strcmp(config_mime(c, "/r/README.md", 12), "text/markdown"),
	      "AddType .md");
	CHECK(!strcmp(config_mime(c, "/x.html", 7), "application/x-override"),
	      "AddType overrides the table, case-insensitively");
	CHECK(!strcmp(config_mime(c, "/x.CSS", 6), "text/css; charset=utf-8"),
	      "table: %s", config_mime(c, "/x.CSS", 6));
	CHECK(!strcmp(config_mime(c, "/a.md/file", 10),
		       "application/octet-stream"), "a dot in a directory name");
	CHECK(!strcmp(config_mime(c, "/noext", 6), "application/octet-stream"),
	      "unknown");
	config_put(c);

	/* Overrides (what "khttpdd -p 9000 -r DIR -w 1" does). */
	{
		struct config_overrides ov = { .port = "9000", .docroot = dir,
					       .workers = 1 };

		c = config_load(dir, &ov, err, sizeof(err));
		CHECK(c && c->nlisten == 1 && !strcmp(c->listen[0].port, "9000") &&
		      c->workers == 1 && !strcmp(c->vhosts[0].docroot, dir),
		      "overrides: %s", c ? "" : err);
		config_put(c);
		c = config_load(NULL, &ov, err, sizeof(err));
		CHECK(c && c->nvhosts == 1 && c->nplugins == 0 &&
		      c->keepalive_timeout == 15, "no config file, -r only: %s",
		      c ? "" : err);
		config_put(c);
		c = config_load(NULL, &none, err, sizeof(err));
		CHECK(!c && strstr(err, "no virtual host"), "nothing to serve: %s",
		      err);
	}
}

static void test_identity(void)
{
	struct config_overrides ov = { .workers = -1, .docroot = dir };
	const struct passwd *pw = getpwnam("daemon");
	const struct group *gr = getgrnam("adm");
	uid_t uid = pw ? pw->pw_uid : 0;
	gid_t gid = gr ? gr->gr_gid : 0;
	char err[512] = "";
	struct config *c;
	size_t bridge = 0;

	CHECK(pw && gr, "this test needs the user daemon and the group adm");
	while (bridge < khttpd_nservices &&
	       strcmp(khttpd_services[bridge]->conf_key, "Bridge"))
		bridge++;
	CHECK(bridge < khttpd_nservices, "the bridge has the key Bridge");
	unlink(pathof("sites/a"));	/* test_good's sites: -r is the vhost */
	unlink(pathof("sites/default"));
	unlink(pathof("sites/ignored~"));

	/* Named: as written, and [CGI] User may repeat it. */
	put("khttpd.conf", "[SERVER]\n    User daemon\n    Group adm\n"
	    "    Bridge off\n[PLUGINS]\n    Load cgi\n[CGI]\n    User daemon\n");
	c = config_load(dir, &ov, err, sizeof(err));
	CHECK(c, "User/Group/Bridge refused: %s", err);
	if (c) {
		CHECK(c->user_set && c->group_set && !strcmp(c->user, "daemon") &&
		      c->uid == uid && c->gid == gid, "User daemon %u:%u, got %s %u:%u",
		      (unsigned)uid, (unsigned)gid, c->user, (unsigned)c->uid,
		      (unsigned)c->gid);
		CHECK(c->services_off == 1u << bridge, "Bridge off: %#x",
		      c->services_off);
	}
	config_put(c);

	/* User alone: its primary group; Bridge on is the default. */
	put("khttpd.conf", "[SERVER]\n    User daemon\n    Bridge off\n    Bridge on\n");
	c = config_load(dir, &ov, err, sizeof(err));
	CHECK(c && c->gid == pw->pw_gid && !c->group_set && !c->services_off,
	      "User alone: %s", c ? "wrong gid or services" : err);
	config_put(c);

	/* Nothing: nobody and its group as root, else who we are. */
	put("khttpd.conf", "[SERVER]\n    Workers 1\n");
	c = config_load(dir, &ov, err, sizeof(err));
	CHECK(c && !c->user_set && !c->group_set, "defaults: %s", c ? "" : err);
	if (c && geteuid() == 0) {
		const struct passwd *nb = getpwnam("nobody");

		CHECK(nb && !strcmp(c->user, "nobody") && c->uid == nb->pw_uid &&
		      c->gid == nb->pw_gid, "default User nobody: %s %u:%u",
		      c->user, (unsigned)c->uid, (unsigned)c->gid);
	} else if (c) {
		CHECK(c->uid == geteuid() && c->gid == getegid(),
		      "not root: the current ids");
	}
	config_put(c);
}

struct bad_case {
	const char *main, *site, *want;	/* want: after "<file>:" */
};

static const struct bad_case bad_cases[] = {
	{ "[SERVER]\nListen 80\n", NULL,
	  "khttpd.conf:2: expected a [SECTION] header or an indented 'Key value' line, got 'Listen 80'" },
	{ "    Listen 80\n", NULL, "khttpd.conf:1: 'Listen' is outside any [SECTION]" },
	{ "[SERVER]\n    Bogus 1\n", NULL, "khttpd.conf:2: unknown key 'Bogus' in [SERVER]" },
	{ "[SERVER]\n    Workers lots\n", NULL,
	  "khttpd.conf:2: Workers: 'lots' is not a number in 0..256" },
	{ "[SERVER]\n    Workers -1\n", NULL, "khttpd.conf:2: Workers: '-1' is not a number" },
	{ "[SERVER]\n\n    KeepAliveTimeout\n", NULL,
	  "khttpd.conf:3: key 'KeepAliveTimeout' has no value" },
	{ "[SERVER]\n    Listen 70000\n", NULL,
	  "khttpd.conf:2: Listen port: '70000' is not a number in 0..65535" },
	{ "[SERVER]\n    Listen [::1:80\n", NULL,
	  "khttpd.conf:2: Listen: expected [v6addr]:port, got '[::1:80'" },
	{ "[SERVER]\n    Listen ::1:80\n", NULL,
	  "khttpd.conf:2: Listen: bad address '::1:80' (IPv6 needs [brackets])" },
	{ "[SERVER]\n    Balance random\n", NULL,
	  "khttpd.conf:2: Balance: expected leastconn or reuseport, got 'random'" },
	{ "[SERVER]\n    PermForbid 0999\n", NULL,
	  "khttpd.conf:2: PermForbid: '0999' is not a number" },
	{ "[SERVER]\n    Index a/b.html\n", NULL,
	  "khttpd.conf:2: Index: 'a/b.html' must be a file name" },
	{ "[SERVER]\n    HeadMax 2000\n    RequestLineMax 4000\n", NULL,
	  "RequestLineMax (4000) must not exceed HeadMax (2000)" },
	{ "[SERVER]\n    User no-such-user-khttpd\n", NULL,
	  "khttpd.conf:2: User: no user named 'no-such-user-khttpd'" },
	{ "[SERVER]\n    Group no-such-group-khttpd\n", NULL,
	  "khttpd.conf:2: Group: no group named 'no-such-group-khttpd'" },
	{ "[SERVER]\n    User root\n", NULL,
	  "khttpd.conf:2: User root: khttpdd does not serve as uid 0" },
	{ "[SERVER]\n\n    Group root\n", NULL,
	  "khttpd.conf:3: Group root: khttpdd does not serve as gid 0" },
	{ "[SERVER]\n    Bridge maybe\n", NULL,
	  "khttpd.conf:2: Bridge: expected on or off, got 'maybe'" },
	{ "[SERVER]\n    Users x\n", NULL,
	  "khttpd.conf:2: unknown key 'Users' in [SERVER] (known: Listen, " },
	{ "[PLUGINS]\n    Load cgi\n[CGI]\n    User nobody-such\n", NULL,
	  "khttpd.conf:4: User: no user named 'nobody-such'" },
	{ "[SERVER]\n    User nobody\n[PLUGINS]\n    Load cgi\n[CGI]\n    User daemon\n",
	  NULL, "[cgi]: User (uid " },
	{ "[PLUGINS]\n    Load cgi\n[CGI]\n    MaxProcesses 0\n", NULL,
	  "khttpd.conf:4: MaxProcesses: 1..65536 scripts, not '0'" },
	{ "[PLUGINS]\n    Load cgi\n[CGI]\n\n    MaxProcesses -3\n", NULL,
	  "khttpd.conf:5: MaxProcesses: 1..65536 scripts, not '-3'" },
	{ "[PLUGINS]\n    Load cgi\n[CGI]\n    MaxProcesses 8x\n", NULL,
	  "khttpd.conf:4: MaxProcesses: 1..65536 scripts, not '8x'" },
	{ "[PLUGINS]\n    Load cgi\n[CGI]\n    MaxProcesses 99999999999999999999\n", NULL,
	  "khttpd.conf:4: MaxProcesses: 1..65536 scripts, not '99999999999999999999'" },
	{ "[PLUGINS]\n    Load cgi\n", "[HOST]\n    DocumentRoot /\n[CGI]\n    MaxProcesses 8\n",
	  "sites/s:4: MaxProcesses bounds the whole daemon: set it in the main file's [CGI]" },
	{ "[NOPE]\n", NULL, "khttpd.conf:1: unknown section [NOPE] in the main file" },
	{ "[SERVER\n", NULL, "khttpd.conf:1: expected a [SECTION] header" },
	{ "[HOST]\n", NULL, "khttpd.conf:1: unknown section [HOST] in the main file" },
	{ "[LOGGER]\n    AccessLog /tmp/x\n", NULL,
	  "khttpd.conf:1: section [LOGGER]: plugin 'logger' is not loaded" },
	{ "[PLUGINS]\n    Load nosuch\n", NULL,
	  "khttpd.conf:2: Load: no plugin named 'nosuch' is compiled in" },
	{ "[PLUGINS]\n    Load auth\n    Load auth\n", NULL,
	  "khttpd.conf:3: Load: plugin 'auth' is already loaded" },
	{ "[MIME]\n    AddType md\n", NULL,
	  "khttpd.conf:2: AddType: expected '<ext> <type/subtype>', got 'md'" },
	{ "[PLUGINS]\n    Load mandril\n[MANDRIL]\n    Deny 10.0.0.0/33\n", NULL,
	  "khttpd.conf:4: Deny: '10.0.0.0/33' is not an address, CIDR or 'all'" },
	{ "[PLUGINS]\n    Load mandril\n[MANDRIL]\n    DenyURI (\n", NULL,
	  "khttpd.conf:4: DenyURI: bad regex '('" },
	{ "[PLUGINS]\n    Load logger\n[LOGGER]\n    AccessLog relative.log\n", NULL,
	  "khttpd.conf:4: AccessLog: 'relative.log' must be an absolute path" },
	{ "[PLUGINS]\n    Load dirlisting\n[DIRLISTING]\n    Json maybe\n", NULL,
	  "khttpd.conf:4: Json: expected on or off, got 'maybe'" },
	{ "", "[HOST]\n    ServerName x\n    DocumentRoot /nonexistent/dir\n",
	  "sites/s:3: DocumentRoot /nonexistent/dir: No such file or directory" },
	{ "", "[HOST]\n    ServerName x\n", "sites/s:2: end of file: [HOST] needs a DocumentRoot" },
	{ "", "[SERVER]\n", "sites/s:1: unknown section [SERVER] in a site file" },
	{ "", "[HOST]\n    Listen 80\n",
	  "sites/s:2: unknown key 'Listen' in [HOST] (known: ServerName, DocumentRoot)" },
	{ "", "[ERROR_PAGES]\n    99 /x.html\n",
	  "sites/s:2: error page status: '99' is not a number in 400..599" },
	{ "", "[ERROR_PAGES]\n    404 x.html\n",
	  "sites/s:2: error page for 404: 'x.html' must be a path starting with /" },
	{ "", "[HANDLERS]\n    Match ^/x logger\n",
	  "sites/s:2: Match: plugin 'logger' is not loaded" },
	{ "[PLUGINS]\n    Load dirlisting\n", "[HANDLERS]\n    Match ^/x dirlisting\n",
	  "sites/s:2: Match: plugin 'dirlisting' is not a content handler" },
	{ "", "[HANDLERS]\n    Match\n", "sites/s:2: key 'Match' has no value" },
	{ "[PLUGINS]\n    Load auth\n", "[HOST]\n    DocumentRoot /\n[AUTH]\n    Realm x\n",
	  "sites/s: [auth]: a section needs Location and Users" },
	{ "[PLUGINS]\n    Load auth\n",
	  "[HOST]\n    DocumentRoot /\n[AUTH]\n    Location /\n    Users /nonexistent\n",
	  "sites/s: [auth]: Users /nonexistent: No such file or directory" },
};

static void test_bad(void)
{
	struct config_overrides ov = { .workers = -1 };
	char err[512], want[1024], root[512];

	snprintf(root, sizeof(root), "%s/root", dir);
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct config *c;

		unlink(pathof("sites/a"));
		unlink(pathof("sites/default"));
		unlink(pathof("sites/ignored~"));
		unlink(pathof("sites/s"));
		put("khttpd.conf", b->main);
		if (b->site)
			put("sites/s", b->site);
		/* -r gives a vhost when the case has no site file. */
		ov.docroot = b->site ? NULL : root;
		err[0] = '\0';
		c = config_load(dir, &ov, err, sizeof(err));
		snprintf(want, sizeof(want), "%s/%s", dir, b->want);
		/* about the whole config or a main-file scope */
		if (!strncmp(b->want, "RequestLineMax", 14) || b->want[0] == '[')
			snprintf(want, sizeof(want), "%s: %s", dir, b->want);
		CHECK(!c && !strncmp(err, want, strlen(want)),
		      "case %zu:\n  got  '%s'\n  want '%s...'", i, err, want);
		config_put(c);
	}
}

int main(void)
{
	char root[512];

	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(root, sizeof(root), "%s/sites", dir);
	mkdir(root, 0755);
	snprintf(root, sizeof(root), "%s/root", dir);
	mkdir(root, 0755);
	test_good();
	test_identity();
	test_bad();
	if (system("rm -rf /tmp/khttpd-test-config.*") != 0)
		fprintf(stderr, "cleanup failed\n");
	return check_done("test_config");
}
