/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Strict parsing of command-line numbers for every dsrlb program: the
 * whole string must be a number in range ("12abc", "", "-1" and overflow
 * are refused), so that a mistyped option is an error, never a silent 0.
 * Integers accept decimal or 0x hexadecimal.
 */
#ifndef DSRLB_CLI_H_
#define DSRLB_CLI_H_

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

static inline int
cli_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

static inline int
cli_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (cli_u64(s, &v) != 0 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static inline int
cli_double(const char *s, double *out)
{
	char *end;
	double v;

	if (s == NULL || *s == '\0')
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0')
		return -1;
	*out = v;
	return 0;
}

#endif /* DSRLB_CLI_H_ */
