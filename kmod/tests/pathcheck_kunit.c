// SPDX-License-Identifier: GPL-2.0
/* KUnit: the path and mode decisions of kmod/pathcheck.c. */
#include <kunit/test.h>
#include <linux/stat.h>
#include <linux/string.h>
#include "../rules.h"

#define REQUIRED_DEFAULT	0004
#define FORBID_DEFAULT		01111

static bool servable(umode_t mode)
{
	return khttpd_mode_servable(mode, REQUIRED_DEFAULT, FORBID_DEFAULT);
}

static void mode_default_rules_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, servable(S_IFREG | 0644));
	KUNIT_EXPECT_TRUE(test, servable(S_IFREG | 0444));
	KUNIT_EXPECT_TRUE(test, servable(S_IFREG | 0604));
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 0640));	/* no S_IROTH */
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 0755));	/* executable */
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 0645));	/* o+x */
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 0654));	/* g+x */
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 0744));	/* u+x */
	KUNIT_EXPECT_FALSE(test, servable(S_IFREG | 01644));	/* sticky */
	KUNIT_EXPECT_TRUE(test, servable(S_IFREG | 04644));	/* setuid: not forbidden */
}

static void mode_file_types_test(struct kunit *test)
{
	KUNIT_EXPECT_FALSE(test, servable(S_IFDIR | 0644));
	KUNIT_EXPECT_FALSE(test, servable(S_IFIFO | 0644));
	KUNIT_EXPECT_FALSE(test, servable(S_IFCHR | 0644));
	KUNIT_EXPECT_FALSE(test, servable(S_IFBLK | 0644));
	KUNIT_EXPECT_FALSE(test, servable(S_IFSOCK | 0644));
	KUNIT_EXPECT_FALSE(test, servable(S_IFLNK | 0644));
}

static void mode_custom_rules_test(struct kunit *test)
{
	/* nothing required, nothing forbidden: any regular file */
	KUNIT_EXPECT_TRUE(test, khttpd_mode_servable(S_IFREG | 0, 0, 0));
	KUNIT_EXPECT_TRUE(test, khttpd_mode_servable(S_IFREG | 0777, 0, 0));
	/* group-readable required */
	KUNIT_EXPECT_TRUE(test, khttpd_mode_servable(S_IFREG | 0640, 0040, 0));
	KUNIT_EXPECT_FALSE(test, khttpd_mode_servable(S_IFREG | 0604, 0040, 0));
	/* every required bit, not just one */
	KUNIT_EXPECT_FALSE(test, khttpd_mode_servable(S_IFREG | 0604, 0044, 0));
	KUNIT_EXPECT_FALSE(test, khttpd_mode_servable(S_IFREG | 0666, 0, 0002));
}

static void lookup_name_test(struct kunit *test)
{
	KUNIT_EXPECT_STREQ(test, ".", khttpd_path_lookup_name("/", 1));
	KUNIT_EXPECT_STREQ(test, ".", khttpd_path_lookup_name("", 0));
	KUNIT_EXPECT_STREQ(test, "a.txt", khttpd_path_lookup_name("/a.txt", 6));
	KUNIT_EXPECT_STREQ(test, "a/b/",
			   khttpd_path_lookup_name("/a/b/", 5));
}

static void dir_form_test(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, khttpd_path_is_dir_form("/", 1));
	KUNIT_EXPECT_TRUE(test, khttpd_path_is_dir_form("/a/", 3));
	KUNIT_EXPECT_FALSE(test, khttpd_path_is_dir_form("/a", 2));
	KUNIT_EXPECT_FALSE(test, khttpd_path_is_dir_form("", 0));
	/* only the given length counts */
	KUNIT_EXPECT_FALSE(test, khttpd_path_is_dir_form("/a/", 2));
}

static struct kunit_case khttpd_pathcheck_cases[] = {
	KUNIT_CASE(mode_default_rules_test),
	KUNIT_CASE(mode_file_types_test),
	KUNIT_CASE(mode_custom_rules_test),
	KUNIT_CASE(lookup_name_test),
	KUNIT_CASE(dir_form_test),
	{}
};

static struct kunit_suite khttpd_pathcheck_suite = {
	.name = "khttpd_pathcheck",
	.test_cases = khttpd_pathcheck_cases,
};

kunit_test_suite(khttpd_pathcheck_suite);
