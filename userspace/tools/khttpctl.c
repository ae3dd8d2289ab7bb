// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * khttpctl: query a running khttpdd over its control socket (in the spirit
 * of Monkey's cheetah).
 *   khttpctl [-s socket] [--json] status|workers|vhosts|plugins|config|uptime|stats|bridge
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/run/khttpd/khttpd.sock"

static const char *const commands[] = {
	"status", "workers", "vhosts", "plugins", "config", "uptime", "stats",
	"cache-stats", "cache-clear", "proxy", "bridge",
};

static void usage(FILE *out)
{
	fprintf(out, "usage: khttpctl [-s socket] [--json] command\n"
		"commands: status workers vhosts plugins config uptime stats\n"
		"          cache stats|clear  proxy  bridge\n"
		"socket: $KHTTPD_SOCKET or " DEFAULT_SOCKET "\n");
}

int main(int argc, char **argv)
{
	const char *sock = getenv("KHTTPD_SOCKET"), *cmd = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char line[64], buf[4096], cache_cmd[32];
	bool json = false, known = false;
	ssize_t n;
	int fd, len;

	if (!sock)
		sock = DEFAULT_SOCKET;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j")) {
			json = true;
		} else if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			sock = argv[++i];
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return 0;
		} else if (cmd && !strcmp(cmd, "cache") && argv[i][0] != '-') {
			snprintf(cache_cmd, sizeof(cache_cmd), "cache-%.20s", argv[i]);
			cmd = cache_cmd;
		} else if (!cmd && argv[i][0] != '-') {
			cmd = argv[i];
		} else {
			usage(stderr);
			return 2;
		}
	}
	for (size_t i = 0; cmd && i < sizeof(commands) / sizeof(*commands); i++)
		known |= !strcmp(cmd, commands[i]);
	if (!known) {
		usage(stderr);
		return 2;
	}
	if (strlen(sock) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "khttpctl: %s: path too long\n", sock);
		return 1;
	}
	strcpy(sun.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		fprintf(stderr, "khttpctl: %s: %s (is khttpdd running?)\n", sock,
			strerror(errno));
		return 1;
	}
	len = snprintf(line, sizeof(line), "%s%s\n", cmd, json ? " json" : "");
	if (write(fd, line, (size_t)len) != len) {
		fprintf(stderr, "khttpctl: write: %s\n", strerror(errno));
		return 1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	if (n < 0) {
		fprintf(stderr, "khttpctl: read: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
