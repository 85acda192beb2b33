/* SPDX-License-Identifier: BSD-3-Clause */
/* Martian source addresses (see martian.h). */
#include <string.h>

#include "dsrlb/martian.h"

bool
martian_src(uint8_t family, const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff,
						      [11] = 0xff };

	if (a == NULL)
		return true;
	if (family == 4)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224;
	if (family != 6)
		return true;
	if (a[0] == 0xff)
		return true;
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return true;
	return memcmp(a, mapped, 12) == 0;
}
