// SPDX-License-Identifier: GPL-2.0 OR MIT
/* Field presence in a parsed head (see reqfield.h). */
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
