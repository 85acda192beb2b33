/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "dsrlb/wire_result.h"

static const char *const wire_result_strs[] = {
#define WIRE_RESULT_STR(name, str) str,
	WIRE_RESULT_LIST(WIRE_RESULT_STR)
#undef WIRE_RESULT_STR
};

static const char *const wire_result_names[] = {
#define WIRE_RESULT_NAME(name, str) #name,
	WIRE_RESULT_LIST(WIRE_RESULT_NAME)
#undef WIRE_RESULT_NAME
};

const char *
wire_result_str(enum wire_result r)
{
	if ((unsigned int)r >= WIRE_RESULT_MAX)
		return "?";
	return wire_result_strs[r];
}

const char *
wire_result_name(enum wire_result r)
{
	if ((unsigned int)r >= WIRE_RESULT_MAX)
		return "?";
	return wire_result_names[r];
}
