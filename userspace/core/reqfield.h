/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What several plugins do with the fields of a parsed head, beyond those
 * the shared parser keeps (khttp_request): is some field there at all,
 * even empty or repeated? Security decisions want presence, not the
 * parser's span (an empty Authorization has an empty span, as if it were
 * absent). And a new head built from the fields a rule keeps (an internal
 * redirect's request, a proxied request or response): one copy loop, so
 * each builder holds only its rule.
 */
#ifndef KHTTPDD_REQFIELD_H
#define KHTTPDD_REQFIELD_H

#include <stdbool.h>

#include <khttpd/http_parser.h>

#include "strbuf.h"

/* A field called name (case-insensitive) with value, or any value if NULL. */
bool reqfield_has(const char *buf, const struct khttp_request *req,
		  const char *name, const char *value);

/*
 * A proxy relayed the request (X-Forwarded-For, Forwarded, X-Real-IP): its
 * peer address is the proxy's, so an address rule that admits loopback
 * would admit whoever the proxy serves.
 */
bool reqfield_relayed(const char *buf, const struct khttp_request *req);

/* Whether the field name: value of buf goes into the new head. */
typedef bool reqfield_keep_fn(const char *buf, struct khttp_span name,
			      struct khttp_span value, void *arg);

/* The fields of req that keep() keeps, as "Name: value\r\n" lines, in order. */
void reqfield_copy(struct strbuf *s, const char *buf,
		   const struct khttp_request *req, reqfield_keep_fn *keep,
		   void *arg);

#endif /* KHTTPDD_REQFIELD_H */
