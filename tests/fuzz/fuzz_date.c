// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * libFuzzer target for HTTP dates: whatever khttp_date_parse() accepts
 * formats back to an IMF-fixdate that parses to the same instant, and an
 * accepted IMF-fixdate with the right day name is reproduced exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <khttpd/http_response.h>

#define ENSURE(cond) do { if (!(cond)) { fprintf(stderr, "invariant broken: %s\n", \
					#cond); abort(); } } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[KHTTP_DATE_LEN + 1];
	char *in = malloc(size ? size : 1);
	s64 t, back;

	memcpy(in, data, size);
	if (khttp_date_parse(in, size, &t)) {
		khttp_date_format(t, out);
		ENSURE(strlen(out) == KHTTP_DATE_LEN);
		ENSURE(khttp_date_parse(out, KHTTP_DATE_LEN, &back) && back == t);
		/* 29 bytes is the IMF form; a leap second rolls over */
		if (size == KHTTP_DATE_LEN && !memcmp(in, out, 3) && memcmp(in + 23, "60", 2))
			ENSURE(!memcmp(in, out, KHTTP_DATE_LEN));
	}
	free(in);
	return 0;
}
