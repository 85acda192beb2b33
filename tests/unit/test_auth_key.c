/* SPDX-License-Identifier: BSD-3-Clause */
/* auth_key: SipHash-2-4 against the reference vectors, nonces, keys. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/auth_key.h"

/* Key 00..0f, message 00..(n-1): Aumasson & Bernstein, SipHash paper,
 * Appendix A (n = 15) and the reference implementation's vectors. */
static void
test_vectors(void **state)
{
	uint8_t key[16], msg[64];

	(void)state;
	for (int i = 0; i < 16; i++)
		key[i] = (uint8_t)i;
	for (int i = 0; i < 64; i++)
		msg[i] = (uint8_t)i;
	assert_true(auth_siphash24(key, msg, 15) == 0xa129ca6149be45e5ull);
	assert_true(auth_siphash24(key, msg, 0) == 0x726fdb47dd0e0e31ull);
	assert_true(auth_siphash24(key, msg, 8) == 0x93f5f5799a932462ull);
}

static void
test_nonce(void **state)
{
	uint8_t k1[16], k2[16];
	struct flow_key f, g;
	const uint8_t c[4] = { 10, 0, 0, 2 }, v[4] = { 10, 0, 0, 100 };
	uint32_t n;

	(void)state;
	assert_int_equal(auth_key_parse("000102030405060708090a0b0c0d0e0f",
					k1), 0);
	assert_int_equal(auth_key_parse("F0E1D2C3B4A5968778695A4B3C2D1E0F",
					k2), 0);
	flow_key_ipv4(&f, c, v, 40000, 80, 6);
	n = auth_nonce(k1, &f, 0);
	assert_true(n & 1u);                         /* never 0 */
	assert_int_equal(auth_nonce(k1, &f, 0), n);  /* a function */
	assert_int_not_equal(auth_nonce(k2, &f, 0), n);
	assert_int_not_equal(auth_nonce(k1, &f, 1), n);
	g = f;
	g.sport = 40001;
	assert_int_not_equal(auth_nonce(k1, &g, 0), n);
}

static void
test_parse(void **state)
{
	uint8_t k[16];

	(void)state;
	memset(k, 0x5a, sizeof(k));
	assert_int_equal(auth_key_parse("0123", k), -1);
	assert_int_equal(auth_key_parse(NULL, k), -1);
	assert_int_equal(auth_key_parse("000102030405060708090a0b0c0d0e0g",
					k), -1);
	assert_int_equal(auth_key_parse("000102030405060708090a0b0c0d0e0f0",
					k), -1);
	assert_int_equal(auth_key_parse("00000000000000000000000000000000",
					k), -1);
	assert_int_equal(k[0], 0x5a);                /* untouched */
	assert_int_equal(auth_key_parse("ff0102030405060708090a0b0c0d0e0f",
					k), 0);
	assert_int_equal(k[0], 0xff);
	assert_int_equal(k[15], 0x0f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_nonce),
		cmocka_unit_test(test_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
