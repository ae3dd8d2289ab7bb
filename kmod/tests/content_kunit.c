// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the content window of a response and its page-cache misses
 * (kmod/content.h), played through the read-ins of keep-alive responses.
 */
#include <kunit/test.h>
#include "../content.h"

#define P(n)	((loff_t)(n) * PAGE_SIZE)

/* Never dereferenced: the window only carries it. */
static struct file *const some_file = (struct file *)0x1000;

/* What the read-in work leaves: pages read in up to @to, or failed there. */
static void readin_done(struct khttpd_conn *c, loff_t to, bool failed)
{
	c->readin_end = to;
	if (failed)
		set_bit(KHTTPD_CONN_IO_ERROR, &c->flags);
	set_bit(KHTTPD_CONN_IO_DONE, &c->flags);
	/* the thread takes the connection back (khttpd_schedule()) */
	clear_bit(KHTTPD_CONN_IO_DONE, &c->flags);
}

static void failed_readin_ends_the_response_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	khttpd_content_set(&c, some_file, 0, P(10));
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_READIN);
	readin_done(&c, P(3), true);
	/* what was read in before the error is still sent, by copy */
	c.pos = P(1);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_COPY);
	c.pos = P(3);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_FAIL);
}

static void error_is_not_the_next_responses_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	/* response 1: its read-in fails at page 3, which was cached anyway */
	khttpd_content_set(&c, some_file, 0, P(10));
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_READIN);
	readin_done(&c, P(3), true);
	c.pos = P(10);		/* all of it sent from the page cache */

	/* response 2 on the same keep-alive connection */
	khttpd_content_set(&c, some_file, 0, P(5));
	/* no read-in outcome left from response 1 */
	KUNIT_EXPECT_EQ(test, c.flags, 0UL);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_READIN);
	readin_done(&c, P(5), false);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_COPY);
}

static void error_passed_by_is_stale_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	khttpd_content_set(&c, some_file, 0, P(10));
	readin_done(&c, P(3), true);
	/* page 3 came into the cache after all: the send went past it */
	c.pos = P(6);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_READIN);
	readin_done(&c, P(10), false);
	KUNIT_EXPECT_EQ(test, khttpd_content_miss(&c), KHTTPD_MISS_COPY);
}

static void window_without_content_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	c.pos = P(7);
	c.end = P(9);
	set_bit(KHTTPD_CONN_QUEUED, &c.flags);
	khttpd_content_set(&c, NULL, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, c.file, (struct file *)NULL);
	KUNIT_EXPECT_EQ(test, c.pos, 0);
	KUNIT_EXPECT_EQ(test, c.end, 0);
	/* the ready-list bit is not the content's */
	KUNIT_EXPECT_TRUE(test, test_bit(KHTTPD_CONN_QUEUED, &c.flags));
}

/* A page at @c->pos read in and evicted again before its copy, @laps times. */
static void evicted_laps(struct kunit *test, struct khttpd_conn *c, int laps)
{
	loff_t pos = c->pos;

	while (laps--) {
		readin_done(c, pos + P(4), false);
		KUNIT_EXPECT_EQ(test, khttpd_content_miss(c), KHTTPD_MISS_COPY);
		KUNIT_EXPECT_EQ(test, khttpd_content_evicted(c),
				KHTTPD_MISS_READIN);
		/* the next miss reads it in, not copies what is gone */
		KUNIT_EXPECT_EQ(test, c->readin_end, pos);
		KUNIT_EXPECT_EQ(test, khttpd_content_miss(c),
				KHTTPD_MISS_READIN);
	}
}

static void evicted_again_and_again_ends_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	khttpd_content_set(&c, some_file, 0, P(10));
	c.pos = P(2);
	evicted_laps(test, &c, KHTTPD_EVICTED_LAPS);
	readin_done(&c, P(6), false);
	KUNIT_EXPECT_EQ(test, khttpd_content_evicted(&c), KHTTPD_MISS_FAIL);
}

static void evicted_laps_count_at_one_page_test(struct kunit *test)
{
	struct khttpd_conn c = {};

	khttpd_content_set(&c, some_file, 0, P(10));
	c.pos = P(2);
	evicted_laps(test, &c, KHTTPD_EVICTED_LAPS);
	/* page 2 went out at last: page 3 has laps of its own */
	c.pos = P(3);
	evicted_laps(test, &c, KHTTPD_EVICTED_LAPS);
	/* and the next response on the connection too, at its first page */
	khttpd_content_set(&c, some_file, P(3), P(10));
	evicted_laps(test, &c, KHTTPD_EVICTED_LAPS);
}

static struct kunit_case khttpd_content_cases[] = {
	KUNIT_CASE(failed_readin_ends_the_response_test),
	KUNIT_CASE(error_is_not_the_next_responses_test),
	KUNIT_CASE(error_passed_by_is_stale_test),
	KUNIT_CASE(window_without_content_test),
	KUNIT_CASE(evicted_again_and_again_ends_test),
	KUNIT_CASE(evicted_laps_count_at_one_page_test),
	{}
};

static struct kunit_suite khttpd_content_suite = {
	.name = "khttpd_content",
	.test_cases = khttpd_content_cases,
};

kunit_test_suite(khttpd_content_suite);
