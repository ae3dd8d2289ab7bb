// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for the configuration reader (core/config_file.c): a
 * config line is input like any other, and a bad one must get an error
 * naming file and line, never a crash or a leak. The target links no
 * plugin (its registry below is empty), so no input can make it open log
 * files or sockets: only the core's own sections are read.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "core/khttpdd.h"
#include "core/plugin.h"
#include "core/service.h"

const struct khttpd_plugin *const khttpd_plugins[] = { NULL };
const size_t khttpd_nplugins;
const struct khttpd_service *const khttpd_services[] = { NULL };
const size_t khttpd_nservices;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	struct config_overrides ov = { .workers = -1 };
	struct config *cfg;
	char err[512];

	if (fd < 0) {
		fd = memfd_create("khttpd.conf", 0);
		ENSURE(fd >= 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	ENSURE(!ftruncate(fd, 0) && pwrite(fd, data, size, 0) == (ssize_t)size);
	err[0] = '\0';
	cfg = config_load(path, &ov, err, sizeof(err));
	if (cfg)
		config_put(cfg);
	else
		ENSURE(err[0] && memchr(err, '\0', sizeof(err)) && strstr(err, path));
	return 0;
}
