/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* Reading config files (config_file.c), for config_load() in config.c. */
#ifndef KHTTPDD_CONFIG_FILE_H
#define KHTTPDD_CONFIG_FILE_H

#include <stddef.h>

struct config;
struct config_overrides;

/*
 * The defaults, then path (a directory or one file; NULL: none), then the
 * overrides: a new config with one reference, or NULL with "file:line:
 * what is wrong" in err. The plugins have not checked their sections yet.
 */
struct config *config_read(const char *path, const struct config_overrides *ov,
			   char *err, size_t errsz);

#endif /* KHTTPDD_CONFIG_FILE_H */
