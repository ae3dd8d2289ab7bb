// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * sd_notify(3)'s wire protocol: a datagram "STATE=value\n..." to
 * $NOTIFY_SOCKET. The daemon's only tie to systemd; without the variable
 * every call is a no-op.
 */
#include "sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "khttpdd.h"

bool sdnotify_addr(const char *env, struct sockaddr_un *sun, socklen_t *len)
{
	size_t n = env ? strlen(env) : 0;

	if (n < 2 || (env[0] != '/' && env[0] != '@') ||
	    n >= sizeof(sun->sun_path))
		return false;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, env, n);
	if (env[0] == '@')
		sun->sun_path[0] = '\0';	/* abstract: no terminator counted */
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n +
			   (env[0] == '/'));
	return true;
}

void sdnotify(const char *state)
{
	struct sockaddr_un sun;
	socklen_t len;
	int fd;

	if (!sdnotify_addr(getenv("NOTIFY_SOCKET"), &sun, &len))
		return;
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, state, strlen(state), MSG_NOSIGNAL,
			     (struct sockaddr *)&sun, len) < 0)
		log_msg("sd_notify %s: %s", state, strerror(errno));
	if (fd >= 0)
		close(fd);
}
