// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for the shared response helpers, with the cases of
 * tests/vectors/response_vectors.h (the userspace unit tests run them too).
 */
#include <kunit/test.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "response_vectors.h"

static void response_reason_test(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_reason_cases); i++)
		KUNIT_EXPECT_STREQ(test, khttp_reason(kv_reason_cases[i].status),
				   kv_reason_cases[i].reason);
}

static void response_mime_test(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_mime_cases); i++) {
		const char *path = kv_mime_cases[i].path;

		KUNIT_EXPECT_STREQ_MSG(test, khttp_mime_type(path, strlen(path)),
				       kv_mime_cases[i].type, "%s", path);
	}
}

static void response_etag_test(struct kunit *test)
{
	char e[KHTTP_ETAG_MAX];
	size_t i;

	KUNIT_EXPECT_EQ(test, khttp_etag_format(e, 1, 2, 3), 7);
	KUNIT_EXPECT_STREQ(test, e, "\"1-2-3\"");
	KUNIT_EXPECT_EQ(test, khttp_etag_format(e, ~0ULL, -1, ~0ULL), 52);
	for (i = 0; i < ARRAY_SIZE(kv_etag_list_cases); i++) {
		const struct kv_etag_list *t = &kv_etag_list_cases[i];

		KUNIT_EXPECT_EQ_MSG(test, khttp_etag_list_match(t->list, strlen(t->list),
								t->etag,
								t->etag ? strlen(t->etag) : 0),
				    t->match, "'%s'", t->list);
	}
}

static void response_conditional_test(struct kunit *test)
{
	char buf[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_cond_cases); i++) {
		const struct kv_cond *t = &kv_cond_cases[i];
		struct khttp_request r;

		KUNIT_ASSERT_EQ(test, kv_make_request(&r, buf, sizeof(buf), t->method,
						      t->fields), KHTTP_DONE);
		KUNIT_EXPECT_EQ_MSG(test, khttp_conditional(buf, &r, KV_ETAG, strlen(KV_ETAG),
							    KV_MTIME),
				    t->want, "%s %s", t->method, t->fields);
	}
}

static void response_range_test(struct kunit *test)
{
	char buf[512];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_range_cases); i++) {
		const struct kv_range *t = &kv_range_cases[i];
		struct khttp_request r;
		u64 start, len;

		KUNIT_ASSERT_EQ(test, kv_make_request(&r, buf, sizeof(buf), t->method,
						      t->fields), KHTTP_DONE);
		KUNIT_EXPECT_EQ_MSG(test, khttp_range_resolve(buf, &r, KV_ETAG,
							      strlen(KV_ETAG), KV_MTIME,
							      t->size, &start, &len),
				    t->want, "%s %s", t->method, t->fields);
		KUNIT_EXPECT_EQ(test, start, t->start);
		KUNIT_EXPECT_EQ(test, len, t->len);
	}
}

static void response_head_test(struct kunit *test)
{
	char *out = kunit_kmalloc(test, 512, GFP_KERNEL);
	size_t i, sz;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < ARRAY_SIZE(kv_head_cases); i++) {
		const char *want = kv_head_cases[i].want;
		size_t n = khttp_head_build(out, strlen(want), &kv_head_cases[i].h);

		KUNIT_EXPECT_EQ(test, n, strlen(want));
		KUNIT_EXPECT_TRUE_MSG(test, n == strlen(want) && !memcmp(out, want, n),
				      "head %zu", i);
		for (sz = 0; sz < strlen(want); sz++)
			KUNIT_EXPECT_EQ(test, khttp_head_build(out, sz, &kv_head_cases[i].h),
					0);
	}
	for (i = 0; i < ARRAY_SIZE(kv_head_refused); i++)
		KUNIT_EXPECT_EQ(test, khttp_head_build(out, 512, &kv_head_refused[i]), 0);
}

/* The Content-Length of a built error response matches its body. */
static void response_error_test(struct kunit *test)
{
	static const int statuses[] = { 400, 404, 405, 414, 431, 501, 503, 505 };
	char *out = kunit_kzalloc(test, 1024, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < ARRAY_SIZE(statuses); i++) {
		size_t n = khttp_error_build(out, 1023, statuses[i], 11, false, KV_DATE,
					     NULL);
		const char *cl, *body;
		size_t len = 0;

		KUNIT_ASSERT_GT(test, n, 0);
		out[n] = '\0';
		cl = strstr(out, "\r\nContent-Length: ");
		body = strstr(out, "\r\n\r\n");
		KUNIT_ASSERT_NOT_NULL(test, cl);
		KUNIT_ASSERT_NOT_NULL(test, body);
		for (cl += 18; *cl >= '0' && *cl <= '9'; cl++)
			len = len * 10 + (*cl - '0');
		KUNIT_EXPECT_EQ(test, len, strlen(body + 4));
		KUNIT_EXPECT_NOT_NULL(test, strstr(out, "\r\nConnection: close\r\n"));
		KUNIT_EXPECT_EQ(test, khttp_error_build(out, n - 1, statuses[i], 11, false,
							KV_DATE, NULL), 0);
	}
}

/* The directory redirect's Location: built from the normalised path. */
static void response_location_test(struct kunit *test)
{
	char *path = kunit_kzalloc(test, 64, GFP_KERNEL);
	char *out = kunit_kzalloc(test, 64, GFP_KERNEL);
	size_t i;

	KUNIT_ASSERT_NOT_NULL(test, path);
	KUNIT_ASSERT_NOT_NULL(test, out);
	for (i = 0; i < ARRAY_SIZE(kv_location_cases); i++) {
		const struct kv_location *v = &kv_location_cases[i];
		const char *why = kv_location_check(v, path, 64, out, 64);

		KUNIT_EXPECT_TRUE_MSG(test, !why, "%s?%s: %s", v->path,
				      v->query, why ? why : "");
	}
	for (i = 0; i < ARRAY_SIZE(kv_location_refused); i++) {
		const char *p = kv_location_refused[i];
		size_t n = khttp_location_build(out, 64, p, strlen(p), "", 0);

		KUNIT_EXPECT_EQ_MSG(test, n, 0, "'%s'", p);
	}
	KUNIT_EXPECT_EQ(test, khttp_path_encode(NULL, 0, "/a b?", 5), 9);
}

static struct kunit_case response_test_cases[] = {
	KUNIT_CASE(response_reason_test),
	KUNIT_CASE(response_mime_test),
	KUNIT_CASE(response_etag_test),
	KUNIT_CASE(response_conditional_test),
	KUNIT_CASE(response_range_test),
	KUNIT_CASE(response_head_test),
	KUNIT_CASE(response_error_test),
	KUNIT_CASE(response_location_test),
	{}
};

static struct kunit_suite response_test_suite = {
	.name = "khttpd_response",
	.test_cases = response_test_cases,
};

kunit_test_suite(response_test_suite);
