// SPDX-License-Identifier: GPL-2.0
/* The Date field, formatted once a second per thread. */
#include <linux/ktime.h>
#include <linux/timekeeping.h>
#include "khttpd.h"

/**
 * khttpd_date_now() - The Date field of a response sent now.
 * @d: the thread's cache
 *
 * Return: the IMF-fixdate of the current second, NUL-terminated, valid
 * until the next call with @d.
 */
const char *khttpd_date_now(struct khttpd_date *d)
{
	time64_t now = ktime_get_real_seconds();

	if (now != d->sec || !d->text[0]) {
		khttp_date_format(now, d->text);
		d->sec = now;
	}
	return d->text;
}
