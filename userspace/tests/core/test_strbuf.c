// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Unit tests: strbuf_json() gives a valid JSON string for any bytes (file
 * names, cache keys and config values are whatever a client or an
 * operator made them).
 */
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "khttpd_check.h"

/* The JSON of s, compared with want. */
static void json_is(const char *s, const char *want)
{
	struct strbuf b = { 0 };
	char *got;

	strbuf_json(&b, s);
	got = strbuf_take(&b, NULL);
	CHECK(got && !strcmp(got, want), "%s: got %s, want %s", s, got, want);
	free(got);
}

static void test_ascii(void)
{
	json_is("plain", "\"plain\"");
	json_is("q\"b\\", "\"q\\\"b\\\\\"");
	json_is("\n\x01\x7f", "\"\\u000a\\u0001\\u007f\"");
}

static void test_utf8(void)
{
	/* valid UTF-8 is valid JSON as it is */
	json_is("caf\xc3\xa9", "\"caf\xc3\xa9\"");
	json_is("\xe2\x82\xac \xf0\x9f\x98\x80", "\"\xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* JSON allows them raw, JavaScript string literals did not */
	json_is("a\xe2\x80\xa8" "b\xe2\x80\xa9", "\"a\\u2028b\\u2029\"");
}

static void test_invalid_utf8(void)
{
	/* every byte of what is no UTF-8 becomes the code point of its value */
	json_is("\xff", "\"\\u00ff\"");
	json_is("a\x80z", "\"a\\u0080z\"");
	json_is("\xc3", "\"\\u00c3\"");			/* truncated at the end */
	json_is("\xc3x", "\"\\u00c3x\"");		/* truncated mid-string */
	json_is("\xc0\xaf", "\"\\u00c0\\u00af\"");	/* overlong '/' */
	json_is("\xe0\x80\xaf", "\"\\u00e0\\u0080\\u00af\"");	/* overlong */
	json_is("\xed\xa0\x80", "\"\\u00ed\\u00a0\\u0080\"");	/* a surrogate */
	json_is("\xf4\x90\x80\x80", "\"\\u00f4\\u0090\\u0080\\u0080\"");	/* > U+10FFFF */
	json_is("\xf8\x88\x80\x80\x80", "\"\\u00f8\\u0088\\u0080\\u0080\\u0080\"");
}

int main(void)
{
	test_ascii();
	test_utf8();
	test_invalid_utf8();
	return check_done("strbuf");
}
