/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * A question several plugins ask of a parsed head, beyond the fields the
 * shared parser keeps (khttp_request): is some field there at all, even
 * empty or repeated? Security decisions want presence, not the parser's
 * span (an empty Authorization has an empty span, as if it were absent).
 */
#ifndef KHTTPDD_REQFIELD_H
#define KHTTPDD_REQFIELD_H

#include <stdbool.h>

#include <khttpd/http_parser.h>

/* A field called name (case-insensitive) with value, or any value if NULL. */
bool reqfield_has(const char *buf, const struct khttp_request *req,
		  const char *name, const char *value);

#endif /* KHTTPDD_REQFIELD_H */
