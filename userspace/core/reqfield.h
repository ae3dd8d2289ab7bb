/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A question several plugins ask of a parsed head, beyond the fields the
 * shared parser keeps (khttp_request): is some field there at all, even
 * empty or repeated? Security decisions want presence, not the parser's
 * last value (an empty second Authorization must not hide the first).
 */
#ifndef KHTTPDD_REQFIELD_H
#define KHTTPDD_REQFIELD_H

#include <stdbool.h>

#include <khttpd/http_parser.h>

/* A field called name (case-insensitive) with value, or any value if NULL. */
bool reqfield_has(const char *buf, const struct khttp_request *req,
		  const char *name, const char *value);

#endif /* KHTTPDD_REQFIELD_H */
