// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Plugin stage ordering: hooks run in the config's Load order, the first
 * answer (DONE/CLOSE) ends a stage, observers (on_response, on_close) all
 * run; "Load" lines in the config decide that order, and an access control
 * plugin Loaded after one that may answer is refused at file:line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/khttpdd.h"
#include "khttpd_check.h"

static char trace[64];
static int answer_a = KP_CONTINUE, answer_b = KP_CONTINUE;

static void mark(char ch)
{
	size_t n = strlen(trace);

	trace[n] = ch;
	trace[n + 1] = '\0';
}

static int a_request(struct conn *c) { (void)c; mark('a'); return answer_a; }
static int b_request(struct conn *c) { (void)c; mark('b'); return answer_b; }
static int c_request(struct conn *c) { (void)c; mark('c'); return KP_CONTINUE; }
static int a_accept(struct conn *c) { (void)c; mark('A'); return answer_a; }
static int c_accept(struct conn *c) { (void)c; mark('C'); return KP_CONTINUE; }
static void a_response(struct conn *c) { (void)c; mark('1'); }
static void c_response(struct conn *c) { (void)c; mark('3'); }
static void b_close(struct conn *c) { (void)c; mark('x'); }
static int b_dir(struct conn *c, int fd) { (void)c; (void)fd; mark('d'); return KP_DONE; }

static const struct khttpd_plugin pa = {
	.name = "a", .on_accept = a_accept, .on_request = a_request,
	.on_response = a_response,
};
static const struct khttpd_plugin pb = {
	.name = "b", .on_request = b_request, .on_close = b_close,
	.on_directory = b_dir,
};
static const struct khttpd_plugin pc = {
	.name = "c", .on_accept = c_accept, .on_request = c_request,
	.on_response = c_response,
};

static const struct khttpd_plugin guard = {
	.name = "guard", .access_control = true, .on_request = c_request,
};
static const struct khttpd_plugin guard2 = {
	.name = "guard2", .access_control = true, .on_accept = c_accept,
};

/* The rule alone: who an access control plugin may not follow. */
static void check_must_follow(void)
{
	const struct khttpd_plugin *const answering[] = { &pc, &pa };
	const struct khttpd_plugin *const observers[] = { &guard2, &guard };
	const struct khttpd_plugin *const none[] = { &pb };

	CHECK(plugin_must_follow(answering, 2, &guard) == &pc,
	      "guard after an answering on_request: the first one");
	CHECK(plugin_must_follow(answering, 2, &guard2) == &pc,
	      "an access control plugin without on_request too");
	CHECK(!plugin_must_follow(observers, 2, &guard) &&
	      !plugin_must_follow(observers, 2, &pa),
	      "access control after access control, anyone after them");
	CHECK(plugin_must_follow(none, 1, &guard) == &pb,
	      "any other on_request may answer");
	CHECK(!plugin_must_follow(answering, 0, &guard), "first Load");
	CHECK(!plugin_must_follow(answering, 2, &pb), "not access control");
}

/* A config of the given [PLUGINS] lines: loads, or fails with want_err. */
static void check_load(const char *lines, const char *want_err)
{
	struct config_overrides ov = { .docroot = "/", .workers = -1 };
	char path[] = "/tmp/khttpd-test-order.XXXXXX", err[256] = "", want[300];
	struct config *loaded;
	int fd = mkstemp(path);

	if (fd < 0 || dprintf(fd, "[PLUGINS]\n%s", lines) < 0)
		exit(2);
	close(fd);
	loaded = config_load(path, &ov, err, sizeof(err));
	if (want_err) {
		snprintf(want, sizeof(want), "%s:%s", path, want_err);
		CHECK(!loaded && !strcmp(err, want), "'%s': got '%s', want '%s'",
		      lines, loaded ? "loaded" : err, want);
	} else {
		CHECK(loaded, "'%s': %s", lines, err);
	}
	if (loaded)
		config_put(loaded);
	unlink(path);
}

static void run(struct conn *c, int (*stage)(struct conn *), int want_rc,
		const char *want, const char *what)
{
	int rc;

	trace[0] = '\0';
	rc = stage(c);
	CHECK(rc == want_rc && !strcmp(trace, want), "%s: rc %d trace '%s', want %d '%s'",
	      what, rc, trace, want_rc, want);
}

int main(void)
{
	const struct khttpd_plugin *order[] = { &pb, &pa, &pc };
	struct config cfg = { .plugins = order, .nplugins = 3 };
	struct conn c = { .cfg = &cfg };
	struct config_overrides ov = { .docroot = "/", .workers = -1 };
	char path[] = "/tmp/khttpd-test-order.XXXXXX", err[256];
	struct config *loaded;
	int fd;

	run(&c, plugins_on_request, KP_CONTINUE, "bac", "all continue, Load order");
	answer_a = KP_DONE;
	run(&c, plugins_on_request, KP_DONE, "ba", "a answers: c never runs");
	answer_b = KP_CLOSE;
	run(&c, plugins_on_request, KP_CLOSE, "b", "b closes first");
	answer_a = KP_CLOSE;
	run(&c, plugins_on_accept, KP_CLOSE, "A", "accept stage stops at a");
	answer_a = KP_CONTINUE;
	run(&c, plugins_on_accept, KP_CONTINUE, "AC", "accept stage, hooks only");
	trace[0] = '\0';
	plugins_on_response(&c);
	CHECK(!strcmp(trace, "13"), "every on_response runs: '%s'", trace);
	trace[0] = '\0';
	plugins_on_close(&c);
	CHECK(!strcmp(trace, "x"), "on_close: '%s'", trace);
	CHECK(plugins_on_directory(&c, -1) == KP_DONE && !strcmp(trace, "xd"),
	      "directory stage: '%s'", trace);

	/* The config's Load lines set the order, not the registry's. */
	fd = mkstemp(path);
	if (fd < 0 || dprintf(fd, "[PLUGINS]\n    Load mandril\n    Load auth\n"
			      "    Load logger\n") < 0)
		return 2;
	close(fd);
	loaded = config_load(path, &ov, err, sizeof(err));
	CHECK(loaded && loaded->nplugins == 3 &&
	      !strcmp(loaded->plugins[0]->name, "mandril") &&
	      !strcmp(loaded->plugins[1]->name, "auth") &&
	      !strcmp(loaded->plugins[2]->name, "logger"), "Load order: %s",
	      loaded ? "" : err);
	CHECK(loaded && config_loads(loaded, plugin_find("auth")) &&
	      !config_loads(loaded, plugin_find("dirlisting")), "config_loads");
	CHECK(plugin_find("MANDRIL") == plugin_find("mandril") &&
	      plugin_find("nosuch") == NULL, "plugin_find");
	config_put(loaded);
	unlink(path);

	check_must_follow();
	check_load("    Load cache\n    Load auth\n",
		   "3: plugin auth must be loaded before cache");
	check_load("    Load logger\n    Load proxy_reverse\n    Load mandril\n",
		   "4: plugin mandril must be loaded before proxy_reverse");
	check_load("    Load fastcgi\n    Load cgi\n    Load auth\n",
		   "4: plugin auth must be loaded before fastcgi");
	check_load("    Load mandril\n    Load auth\n    Load cache\n"
		   "    Load proxy_reverse\n    Load cgi\n", NULL);
	check_load("    Load dirlisting\n    Load logger\n    Load auth\n", NULL);
	return check_done("test_plugin_order");
}
