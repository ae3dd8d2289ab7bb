// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * KUnit suite for the shared request parser: every vector of
 * tests/vectors/parser_vectors.h in every feeding mode (the same runner as
 * the userspace unit tests), then the path normalizer, the hidden-name rule,
 * the chunked decoder and HTTP dates from tests/vectors/decoder_vectors.h.
 */
#include <kunit/test.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

/* every byte of the first and last KiB of the 16 KiB vectors: KASAN is slow */
#define KV_SPLIT_EDGE 1024
#include "vector_check.h"
#include "decoder_vectors.h"

static void kv_vector_desc(const struct khttp_vector *v, char *desc)
{
	strscpy(desc, v->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(khttp_vectors, khttp_vectors, kv_vector_desc);

static void parser_vector_test(struct kunit *test)
{
	const struct khttp_vector *v = test->param_value;
	size_t len = kv_len(v);
	char *buf = kunit_kmalloc(test, len + 1, GFP_KERNEL);
	char *pipe = kunit_kmalloc(test, 3 * len + 1, GFP_KERNEL);
	char *scratch = kunit_kmalloc(test, len + 2, GFP_KERNEL);
	int mode;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, pipe);
	KUNIT_ASSERT_NOT_NULL(test, scratch);
	kv_build(v, buf);
	for (mode = 0; mode < KV_MODES; mode++) {
		size_t at;
		const char *err = kv_run(v, mode, buf, len, pipe, scratch, &at);

		KUNIT_EXPECT_TRUE_MSG(test, !err, "%s, at %zu: %s", kv_mode_names[mode],
				      at, err ? err : "");
	}
}

static void parser_normalize_test(struct kunit *test)
{
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_norm_cases); i++) {
		const struct kv_norm *t = &kv_norm_cases[i];
		int n = khttp_path_normalize(t->raw, strlen(t->raw), out, sizeof(out));

		if (t->want) {
			KUNIT_EXPECT_EQ_MSG(test, n, (int)strlen(t->want), "%s", t->raw);
			KUNIT_EXPECT_STREQ_MSG(test, n >= 0 ? out : "", t->want, "%s", t->raw);
		} else {
			KUNIT_EXPECT_EQ_MSG(test, n, t->err, "%s", t->raw);
		}
	}
	KUNIT_EXPECT_EQ(test, khttp_path_normalize("/abc", 4, out, 4),
			KHTTP_E_URI_TOO_LONG);
	KUNIT_EXPECT_EQ(test, khttp_path_normalize("/abc", 4, out, 5), 4);
}

/* What neither server may serve: the normaliser's output, then the rule. */
static void parser_hidden_test(struct kunit *test)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_norm_cases); i++) {
		const struct kv_norm *t = &kv_norm_cases[i];

		if (t->want)
			KUNIT_EXPECT_EQ_MSG(test, khttp_path_hidden(t->want, strlen(t->want)),
					    t->hidden, "%s", t->want);
	}
	/* only the given length counts */
	KUNIT_EXPECT_FALSE(test, khttp_path_hidden("/a/.b", 3));
	KUNIT_EXPECT_TRUE(test, khttp_path_hidden("/.well-known.x", 13));
	KUNIT_EXPECT_FALSE(test, khttp_path_hidden("/.well-known.x", 12));
}

static void parser_chunked_test(struct kunit *test)
{
	char out[64];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kv_chunk_cases); i++) {
		const struct kv_chunk *t = &kv_chunk_cases[i];
		char *in = kunit_kmalloc(test, t->len + 1, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, in);
		memcpy(in, t->in, t->len);
		KUNIT_EXPECT_EQ_MSG(test, kv_chunk_case_bad_split(t, in, out), -1L,
				    "%s", t->name);
	}
}

static void parser_dates_test(struct kunit *test)
{
	char buf[KHTTP_DATE_LEN + 1];
	size_t i;
	s64 t, back;

	for (i = 0; i < ARRAY_SIZE(kv_known_dates); i++) {
		khttp_date_format(kv_known_dates[i].t, buf);
		KUNIT_EXPECT_STREQ(test, buf, kv_known_dates[i].imf);
		KUNIT_EXPECT_TRUE(test, khttp_date_parse(kv_known_dates[i].imf,
							 KHTTP_DATE_LEN, &back));
		KUNIT_EXPECT_EQ(test, back, kv_known_dates[i].t);
	}
	for (t = -62167219200LL; t <= 253402300799LL; t += 7919LL * 36073)
		KUNIT_EXPECT_TRUE_MSG(test, kv_date_round_trip(t), "%lld", t);
	for (t = -400LL * 86400; t < 400LL * 86400; t += 86400)
		KUNIT_EXPECT_TRUE_MSG(test, kv_date_next_day_ok(t), "%lld", t);
}

static struct kunit_case parser_test_cases[] = {
	KUNIT_CASE_PARAM(parser_vector_test, khttp_vectors_gen_params),
	KUNIT_CASE(parser_normalize_test),
	KUNIT_CASE(parser_hidden_test),
	KUNIT_CASE(parser_chunked_test),
	KUNIT_CASE(parser_dates_test),
	{}
};

static struct kunit_suite parser_test_suite = {
	.name = "khttpd_parser",
	.test_cases = parser_test_cases,
};

kunit_test_suite(parser_test_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit tests of khttpd's shared HTTP code");
