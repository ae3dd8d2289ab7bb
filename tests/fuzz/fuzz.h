/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * What every fuzz target shares: an invariant that aborts (so libFuzzer
 * keeps the input as a crash), and the piece size a target feeds its input
 * in, taken from the input's first byte so the fuzzer explores splits too.
 */
#ifndef KHTTPD_FUZZ_H
#define KHTTPD_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define ENSURE(cond) do { if (!(cond)) { fprintf(stderr, "%s:%d: invariant broken: %s\n", \
	__FILE__, __LINE__, #cond); abort(); } } while (0)

/* 1..32 from the first byte; the byte itself is consumed. */
static inline size_t fuzz_piece(const uint8_t **data, size_t *size)
{
	size_t piece = *size ? (size_t)((*data)[0] % 32) + 1 : 1;

	if (*size) {
		(*data)++;
		(*size)--;
	}
	return piece;
}

#endif /* KHTTPD_FUZZ_H */
