// SPDX-License-Identifier: GPL-2.0
/* The Date field, formatted once a second per thread. */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include "khttpd.h"

const char *khttpd_date_now(struct khttpd_date *d)
{
	time64_t now = ktime_get_real_seconds();

	if (now != d->sec || !d->text[0]) {
		khttp_date_format(now, d->text);
		d->sec = now;
	}
	return d->text;
}
