// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Field presence in a parsed head, and copies of its fields (see reqfield.h). */
#include "reqfield.h"

bool reqfield_has(const char *buf, const struct khttp_request *req,
		  const char *name, const char *value)
{
	struct khttp_span n, v;
	u16 pos = 0;

	while (khttp_field_next(buf, req, &pos, &n, &v))
		if (khttp_span_ieq(buf, n, name) &&
		    (!value || khttp_span_ieq(buf, v, value)))
			return true;
	return false;
}

bool reqfield_relayed(const char *buf, const struct khttp_request *req)
{
	return reqfield_has(buf, req, "x-forwarded-for", NULL) ||
	       reqfield_has(buf, req, "forwarded", NULL) ||
	       reqfield_has(buf, req, "x-real-ip", NULL);
}

void reqfield_copy(struct strbuf *s, const char *buf,
		   const struct khttp_request *req, reqfield_keep_fn *keep,
		   void *arg)
{
	struct khttp_span n, v;
	u16 pos = 0;

	while (khttp_field_next(buf, req, &pos, &n, &v)) {
		if (!keep(buf, n, v, arg))
			continue;
		strbuf_add(s, buf + n.off, n.len);
		strbuf_str(s, ": ");
		strbuf_add(s, buf + v.off, v.len);
		strbuf_str(s, "\r\n");
	}
}
