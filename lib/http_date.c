// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * HTTP-dates (RFC 9110 5.6.7): parsing the three forms a request may carry
 * and formatting the one a response sends, together because both rest on the
 * same calendar arithmetic and name tables. No libc time functions: the
 * kernel has none.
 */
#include <khttpd/http_response.h>
#include "http_common.h"

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil): no libc time functions in the kernel.
 */
static s64 days_from_civil(s64 y, unsigned int m, unsigned int d)
{
	s64 era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static bool is_leap(s64 y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Inverse of days_from_civil() (H. Hinnant's algorithm). */
static void civil_from_days(s64 z, s64 *y, unsigned int *m, unsigned int *d)
{
	s64 era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

const char * const khttp_month_names[12] = {
	"Jan", "Feb", "Mar", "Apr", "May", "Jun",
	"Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
};

const char * const khttp_day_names[7] = {
	"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
	"Sunday",
};

/* Two digits at p, or -1 */
static int two_digits(const char *p)
{
	if (!is_digit(p[0]) || !is_digit(p[1]))
		return -1;
	return (p[0] - '0') * 10 + (p[1] - '0');
}

/* Month number 1..12 of a three-letter name (case-sensitive), or 0. */
static unsigned int month_of(const char *p)
{
	unsigned int m;

	for (m = 0; m < 12; m++) {
		if (!memcmp(p, khttp_month_names[m], 3))
			return m + 1;
	}
	return 0;
}

/* The day name at p[0..n): 3 letters (short) or the full name (!short). */
static bool day_name_valid(const char *p, size_t n, bool short_form)
{
	unsigned int d;

	for (d = 0; d < 7; d++) {
		size_t full = strlen(khttp_day_names[d]);

		if (short_form ? n == 3 && !memcmp(p, khttp_day_names[d], 3) :
				 n == full && !memcmp(p, khttp_day_names[d], full))
			return true;
	}
	return false;
}

/* "HH:MM:SS" at p into seconds of the day, or -1 */
static int time_of_day(const char *p)
{
	int h = two_digits(p), m = two_digits(p + 3), s = two_digits(p + 6);

	if (p[2] != ':' || p[5] != ':' || h < 0 || h > 23 || m < 0 || m > 59 ||
	    s < 0 || s > 60)
		return -1;
	return h * 3600 + m * 60 + s;
}

static bool date_compose(s64 y, unsigned int mon, int day, int secs, s64 *out)
{
	static const u8 mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int max;

	if (!mon || day < 1 || secs < 0)
		return false;
	max = mdays[mon - 1] + (mon == 2 && is_leap(y));
	if (day > max)
		return false;
	*out = days_from_civil(y, mon, day) * 86400 + secs;
	return *out <= KHTTP_DATE_MAX;
}

bool khttp_date_parse(const char *s, size_t len, s64 *out)
{
	int y4, day, secs;
	size_t comma;

	if (len == 29 && s[3] == ',') {
		/* IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT" */
		if (!day_name_valid(s, 3, true) || s[4] != ' ' || s[7] != ' ' ||
		    s[11] != ' ' || s[16] != ' ' || s[25] != ' ' ||
		    memcmp(s + 26, "GMT", 3))
			return false;
		day = two_digits(s + 5);
		y4 = two_digits(s + 12) < 0 || two_digits(s + 14) < 0 ? -1 :
		     two_digits(s + 12) * 100 + two_digits(s + 14);
		secs = time_of_day(s + 17);
		return y4 >= 0 && date_compose(y4, month_of(s + 8), day, secs, out);
	}
	if (len == 24 && s[3] == ' ') {
		/* asctime: "Sun Nov  6 08:49:37 1994" */
		if (!day_name_valid(s, 3, true) || s[7] != ' ' || s[10] != ' ' ||
		    s[19] != ' ')
			return false;
		day = s[8] == ' ' ? (is_digit(s[9]) ? s[9] - '0' : -1) :
				    two_digits(s + 8);
		y4 = two_digits(s + 20) < 0 || two_digits(s + 22) < 0 ? -1 :
		     two_digits(s + 20) * 100 + two_digits(s + 22);
		secs = time_of_day(s + 11);
		return y4 >= 0 && date_compose(y4, month_of(s + 4), day, secs, out);
	}
	/* RFC 850: "Sunday, 06-Nov-94 08:49:37 GMT" */
	for (comma = 0; comma < len && comma < 10 && s[comma] != ','; comma++)
		;
	if (comma == len || s[comma] != ',' || len != comma + 24 ||
	    !day_name_valid(s, comma, false))
		return false;
	s += comma + 2;
	if (s[-1] != ' ' || s[2] != '-' || s[6] != '-' || s[9] != ' ' ||
	    s[18] != ' ' || memcmp(s + 19, "GMT", 3))
		return false;
	day = two_digits(s);
	y4 = two_digits(s + 7);
	secs = time_of_day(s + 10);
	if (y4 < 0)
		return false;
	/* two-digit years: 70..99 are 19xx, the rest 20xx (RFC 9110 5.6.7) */
	y4 += y4 >= 70 ? 1900 : 2000;
	return date_compose(y4, month_of(s + 3), day, secs, out);
}

/* Two digits, zero-padded */
static void put_2d(char *p, unsigned int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
}

void khttp_date_format(s64 t, char *out)
{
	s64 days, secs, y;
	unsigned int m, d, wday;

	if (t < KHTTP_DATE_MIN)
		t = KHTTP_DATE_MIN;
	if (t > KHTTP_DATE_MAX)
		t = KHTTP_DATE_MAX;
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	/* 1970-01-01 was a Thursday; khttp_day_names starts on Monday */
	wday = (unsigned int)(((days % 7) + 7 + 3) % 7);
	memcpy(out, khttp_day_names[wday], 3);
	memcpy(out + 3, ", ", 2);
	put_2d(out + 5, d);
	out[7] = ' ';
	memcpy(out + 8, khttp_month_names[m - 1], 3);
	out[11] = ' ';
	put_2d(out + 12, (unsigned int)(y / 100));
	put_2d(out + 14, (unsigned int)(y % 100));
	out[16] = ' ';
	put_2d(out + 17, (unsigned int)(secs / 3600));
	out[19] = ':';
	put_2d(out + 20, (unsigned int)(secs / 60 % 60));
	out[22] = ':';
	put_2d(out + 23, (unsigned int)(secs % 60));
	memcpy(out + 25, " GMT", 5);	/* with the NUL */
}
