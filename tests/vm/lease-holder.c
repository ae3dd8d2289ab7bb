// SPDX-License-Identifier: GPL-2.0
/*
 * Guest helper of tests/vm/thread.sh: a local user who holds a write lease
 * on a file and ignores its break, so that an open of the file waits up to
 * fs.lease-break-time. Prints "leased" once the lease is held and "break"
 * when the kernel starts breaking it (an open elsewhere), then holds on
 * until it is killed.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_break(int sig)
{
	static const char msg[] = "break\n";

	(void)sig;
	if (write(STDOUT_FILENO, msg, sizeof(msg) - 1) < 0)
		_exit(1);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: lease-holder FILE\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_break;
	sigaction(SIGUSR1, &sa, NULL);
	fd = open(argv[1], O_RDONLY);
	/* the break arrives as SIGUSR1, which only reports it */
	if (fd < 0 || fcntl(fd, F_SETSIG, SIGUSR1) < 0 ||
	    fcntl(fd, F_SETLEASE, F_WRLCK) < 0) {
		perror(argv[1]);
		return 1;
	}
	printf("leased\n");
	fflush(stdout);
	for (;;)
		pause();
}
