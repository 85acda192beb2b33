/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/martian.h"

static void
test_ipv4(void **state)
{
	static const uint8_t bad[][4] = {
		{ 0, 0, 0, 0 }, { 0, 1, 2, 3 }, { 127, 0, 0, 1 },
		{ 127, 255, 255, 254 }, { 224, 0, 0, 1 },
		{ 239, 255, 255, 250 }, { 240, 0, 0, 1 },
		{ 255, 255, 255, 255 },
	};
	static const uint8_t good[][4] = {
		{ 1, 0, 0, 0 }, { 10, 0, 0, 2 }, { 126, 255, 255, 255 },
		{ 128, 0, 0, 0 }, { 192, 0, 2, 7 }, { 223, 255, 255, 255 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(martian_src(4, bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_false(martian_src(4, good[i]));
}

static void
test_ipv6(void **state)
{
	static const uint8_t bad[][16] = {
		{ 0 },                                  /* :: */
		{ [15] = 1 },                           /* ::1 */
		{ 0xff, 0x02, [15] = 1 },               /* ff02::1 */
		{ 0xff, [15] = 0 },                     /* ff00:: */
		{ [10] = 0xff, [11] = 0xff, 10, 0, 0, 2 }, /* ::ffff:10.0.0.2 */
	};
	static const uint8_t good[][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 2 },   /* 2001:db8::2 */
		{ 0xfe, 0x80, [15] = 1 },               /* fe80::1 */
		{ [15] = 2 },                           /* ::2 (compat) */
		{ [10] = 0xff, [11] = 0xfe, [15] = 1 },
		{ 0xfe, 0xff, [15] = 1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_true(martian_src(6, bad[i]));
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_false(martian_src(6, good[i]));
	assert_true(martian_src(5, good[0]));
	assert_true(martian_src(4, NULL));
}

/* The IPv6 check by 64-bit words (issue 19, round 4) against the rule as
 * it was written with memcmp(): addresses of mostly zero bytes (where
 * the prefixes lie), each byte 0, 1, 0xff or random. */
static bool
martian6_ref(const uint8_t *a)
{
	static const uint8_t zero[16], mapped[12] = { [10] = 0xff,
						      [11] = 0xff };

	if (a[0] == 0xff)
		return true;
	if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1))
		return true;
	return memcmp(a, mapped, 12) == 0;
}

static void
test_ipv6_words(void **state)
{
	uint64_t x = 0x2545F4914F6CDD1Dull;
	unsigned int hits = 0;

	(void)state;
	for (unsigned int it = 0; it < 200000; it++) {
		uint8_t a[16];

		for (unsigned int i = 0; i < 16; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			switch (x % 8) {
			case 0:
				a[i] = 1;
				break;
			case 1:
				a[i] = 0xff;
				break;
			case 2:
				a[i] = (uint8_t)(x >> 32);
				break;
			default:
				a[i] = 0;
				break;
			}
		}
		hits += martian6_ref(a) && a[0] != 0xff;
		assert_int_equal(martian_src(6, a), martian6_ref(a));
	}
	assert_true(hits > 100);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
