// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Writes the fuzzing seed corpora from the shared test tables, so no binary
 * seeds live in git: gen_corpus PARSE_DIR CHUNKED_DIR DATE_DIR
 */
#include <stdio.h>
#include <stdlib.h>
#include "vector_check.h"
#include "decoder_vectors.h"

static int n_written;

static void put(const char *dir, const char *data, size_t len, const char *prefix)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/seed-%04d", dir, n_written++);
	f = fopen(path, "wb");
	if (!f || (prefix && fputs(prefix, f) == EOF) ||
	    (len && fwrite(data, 1, len, f) != len) || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 4) {
		fprintf(stderr, "usage: %s PARSE_DIR CHUNKED_DIR DATE_DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ARRAY_SIZE(khttp_vectors); i++) {
		size_t len = kv_len(&khttp_vectors[i]);
		char *buf = malloc(len + 1);

		kv_build(&khttp_vectors[i], buf);
		put(argv[1], buf, len, NULL);
		free(buf);
	}
	for (i = 0; i < ARRAY_SIZE(kv_chunk_cases); i++)
		put(argv[2], kv_chunk_cases[i].in, kv_chunk_cases[i].len, "\x03");
	for (i = 0; i < ARRAY_SIZE(kv_known_dates); i++) {
		char asctime[25], rfc850[34];

		put(argv[3], kv_known_dates[i].imf, KHTTP_DATE_LEN, NULL);
		kv_date_forms(kv_known_dates[i].imf, asctime, rfc850);
		put(argv[3], asctime, strlen(asctime), NULL);
		if (rfc850[0])
			put(argv[3], rfc850, strlen(rfc850), NULL);
	}
	printf("gen_corpus: %d seeds\n", n_written);
	return 0;
}
