// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Every vector of tests/vectors/parser_vectors.h in every feeding mode:
 * one assertion per vector (a vector is one test however many ways it is
 * fed), each mode that fails it named.
 */
#include <stdlib.h>
#include "unit.h"
#include "vector_check.h"

void test_vectors(void)
{
	size_t nvec = sizeof(khttp_vectors) / sizeof(khttp_vectors[0]);
	size_t i, ndone = 0;

	for (i = 0; i < nvec; i++) {
		const struct khttp_vector *v = &khttp_vectors[i];
		size_t len = kv_len(v);
		/* exact-size buffers: ASan catches any read past the input */
		char *buf = malloc(len ? len : 1);
		char *pipe = malloc(3 * len + 1);
		char *scratch = malloc(len + 2);
		int mode, bad = 0;

		if (!buf || !pipe || !scratch) {
			CHECK(0, "out of memory");
			exit(2);
		}
		kv_build(v, buf);
		ndone += v->result == KHTTP_DONE;
		for (mode = 0; mode < KV_MODES; mode++) {
			size_t at;
			const char *err = kv_run(v, mode, buf, len, pipe, scratch, &at);

			if (err) {
				fprintf(stderr, "vector \"%s\" (%s, at %zu): %s\n",
					v->name, kv_mode_names[mode], at, err);
				bad++;
			}
		}
		CHECK(!bad, "vector \"%s\": %d of %d feeding modes failed", v->name,
		      bad, KV_MODES);
		free(buf);
		free(pipe);
		free(scratch);
	}
	printf("parser vectors: %zu (%zu complete heads, %zu errors or incomplete), "
	       "each fed %d ways, one assertion each\n", nvec, ndone, nvec - ndone, KV_MODES);
}
