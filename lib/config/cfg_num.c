/* SPDX-License-Identifier: BSD-3-Clause */
/* The configuration front ends' number parser (see cfg_num.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dsrlb/cfg_num.h"

enum cfg_num_err
cfg_num_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	const char *p;

	if (s == NULL || *s == '\0')
		return CFG_NUM_EMPTY;
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return CFG_NUM_NOT_DECIMAL;
	if (s[0] == '0' && s[1] != '\0')
		return CFG_NUM_LEADING_ZERO;
	for (p = s; *p != '\0'; p++) {
		uint64_t d = (uint64_t)(*p - '0');

		if (v > (UINT64_MAX - d) / 10)
			return CFG_NUM_RANGE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return CFG_NUM_RANGE;
	*out = v;
	return CFG_NUM_OK;
}

int
cfg_bool_parse(const char *s, bool *out)
{
	if (s == NULL)
		return -1;
	if (strcmp(s, "on") == 0 || strcmp(s, "yes") == 0) {
		*out = true;
		return 0;
	}
	if (strcmp(s, "off") == 0 || strcmp(s, "no") == 0) {
		*out = false;
		return 0;
	}
	return -1;
}

const char *
cfg_num_strerror(enum cfg_num_err e, const char *key, const char *value,
		 uint64_t min, uint64_t max, char *buf, size_t len)
{
	const char *why;

	switch (e) {
	case CFG_NUM_OK:
		snprintf(buf, len, "%s: '%s' is fine", key, value);
		return buf;
	case CFG_NUM_RANGE:
		why = "is not in";
		break;
	case CFG_NUM_LEADING_ZERO:
		why = "is not a decimal number without a leading zero in";
		break;
	default:
		why = "is not a number (decimal digits only) in";
		break;
	}
	snprintf(buf, len, "%s: '%s' %s %" PRIu64 "..%" PRIu64, key,
		 value != NULL ? value : "", why, min, max);
	return buf;
}
