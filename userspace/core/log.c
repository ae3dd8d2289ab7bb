// SPDX-License-Identifier: GPL-2.0 OR MIT
/* The daemon's own messages (stderr: the terminal, or journald's pipe). */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "khttpdd.h"

void log_msg(const char *fmt, ...)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;
	va_list ap;

	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
	va_start(ap, fmt);
	flockfile(stderr);
	fprintf(stderr, "%s khttpdd: ", ts);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
	va_end(ap);
}
