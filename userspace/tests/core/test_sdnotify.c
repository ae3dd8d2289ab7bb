// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * core/sdnotify.c: which $NOTIFY_SOCKET values name a socket (a path or
 * "@abstract", nothing else), and that a state arrives there as one
 * datagram, for both kinds of address.
 */
#define _GNU_SOURCE
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/sdnotify.h"
#include "khttpd_check.h"

/* What sdnotify(state) delivers to a socket bound at env, or "" on timeout. */
static void roundtrip(const char *env, const char *state, char *got, size_t n)
{
	struct sockaddr_un sun;
	socklen_t len;
	struct pollfd p = { .events = POLLIN };
	ssize_t r;

	got[0] = '\0';
	p.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(sdnotify_addr(env, &sun, &len), "%s", env);
	CHECK(bind(p.fd, (struct sockaddr *)&sun, len) == 0, "bind %s", env);
	setenv("NOTIFY_SOCKET", env, 1);
	sdnotify(state);
	if (poll(&p, 1, 5000) == 1 && (r = recv(p.fd, got, n - 1, 0)) >= 0)
		got[r] = '\0';
	close(p.fd);
}

int main(void)
{
	static const char *const refused[] = {
		"", "/", "@", "relative/path", "x", NULL,
	};
	char big[200], path[64], got[64];
	struct sockaddr_un sun;
	socklen_t len;

	for (size_t i = 0; i < sizeof(refused) / sizeof(*refused); i++)
		CHECK(!sdnotify_addr(refused[i], &sun, &len), "refused: '%s'",
		      refused[i] ? refused[i] : "(unset)");
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	CHECK(!sdnotify_addr(big, &sun, &len), "longer than sun_path");

	CHECK(sdnotify_addr("/run/systemd/notify", &sun, &len) &&
	      !strcmp(sun.sun_path, "/run/systemd/notify") &&
	      len == offsetof(struct sockaddr_un, sun_path) + 20,
	      "a path counts its terminator: %u", (unsigned)len);
	CHECK(sdnotify_addr("@sd", &sun, &len) && sun.sun_path[0] == '\0' &&
	      !memcmp(sun.sun_path + 1, "sd", 2) &&
	      len == offsetof(struct sockaddr_un, sun_path) + 3,
	      "abstract: a leading NUL and no terminator: %u", (unsigned)len);

	snprintf(path, sizeof(path), "/tmp/khttpd-sdnotify-%d", (int)getpid());
	roundtrip(path, "READY=1", got, sizeof(got));
	CHECK(!strcmp(got, "READY=1"), "path socket got '%s'", got);
	unlink(path);
	snprintf(path, sizeof(path), "@khttpd-sdnotify-%d", (int)getpid());
	roundtrip(path, "STOPPING=1", got, sizeof(got));
	CHECK(!strcmp(got, "STOPPING=1"), "abstract socket got '%s'", got);

	unsetenv("NOTIFY_SOCKET");
	sdnotify("READY=1");	/* no socket: a no-op (ASan builds watch it) */
	return check_done("test_sdnotify");
}
