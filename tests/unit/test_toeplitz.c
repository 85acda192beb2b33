/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/flow/toeplitz.c: the RSS hash by tables against the bit-by-bit
 * definition, and the definition against Microsoft's published
 * verification values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/rng.h"
#include "dsrlb/toeplitz.h"

/* Microsoft's RSS specification, "Verifying the RSS Hash Calculation":
 * its key and the IPv4 values with TCP ports. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67,
	0x25, 0x3d, 0x43, 0xa3, 0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb,
	0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3, 0x80, 0x30,
	0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

/* dsrlb's symmetric key (src/dsrlb/main.c) */
static uint8_t sym_key[40];

static void
test_ms_vectors(void **state)
{
	static const struct {
		uint8_t src[4], dst[4];
		uint16_t sport, dport;
		uint32_t ip_only, with_ports;
	} v[] = {
		{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766,
		  0x323e8fc2, 0x51ccc178 },
		{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739,
		  0xd718262a, 0xc626b0ea },
		{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024,
		  0xd2d0a5de, 0x5c2b394a },
	};
	struct toeplitz t;

	(void)state;
	toeplitz_init(&t, ms_key);
	assert_false(t.periodic16);
	for (unsigned int i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		uint8_t in[12];
		struct flow_key k;

		memcpy(in, v[i].src, 4);
		memcpy(in + 4, v[i].dst, 4);
		in[8] = (uint8_t)(v[i].sport >> 8);
		in[9] = (uint8_t)v[i].sport;
		in[10] = (uint8_t)(v[i].dport >> 8);
		in[11] = (uint8_t)v[i].dport;
		assert_int_equal(toeplitz_ref(ms_key, in, 8), v[i].ip_only);
		assert_int_equal(toeplitz_ref(ms_key, in, 12),
				 v[i].with_ports);
		assert_int_equal(toeplitz_hash(&t, in, 12), v[i].with_ports);
		flow_key_ipv4(&k, v[i].src, v[i].dst, v[i].sport, v[i].dport,
			      6);
		assert_int_equal(toeplitz_flow_key(&t, &k), v[i].with_ports);
	}
}

/* Tables (per byte, and the 16-bit fold of a periodic key) equal the
 * definition for random inputs of 12 and 36 bytes, random keys and
 * dsrlb's; the flow-key form equals the hash of its bytes. */
static void
test_tables_are_the_definition(void **state)
{
	static struct toeplitz t;
	uint8_t key[40];
	struct rng r;

	(void)state;
	for (unsigned int i = 0; i < 40; i += 2) {
		sym_key[i] = 0x6d;
		sym_key[i + 1] = 0x5a;
	}
	rng_seed(&r, 19);
	for (unsigned int kk = 0; kk < 6; kk++) {
		bool sym = kk % 2 == 0;

		if (sym) {
			/* 16-bit periodic keys: dsrlb's, then random ones */
			for (unsigned int i = 0; i < 40; i++)
				key[i] = kk == 0 ? sym_key[i] :
					 i < 2 ? (uint8_t)rng_next(&r) :
					 key[i - 2];
		} else {
			for (unsigned int i = 0; i < 40; i++)
				key[i] = (uint8_t)rng_next(&r);
		}
		toeplitz_init(&t, key);
		assert_int_equal(t.periodic16, sym);
		for (unsigned int it = 0; it < 4000; it++) {
			const bool six = it & 1;
			const size_t n = six ? 36 : 12, al = six ? 16 : 4;
			uint8_t in[36];
			struct flow_key k;
			uint16_t sp, dp;

			for (unsigned int i = 0; i < n; i++)
				in[i] = (uint8_t)rng_next(&r);
			assert_int_equal(toeplitz_hash(&t, in, n),
					 toeplitz_ref(key, in, n));
			sp = (uint16_t)(in[2 * al] << 8 | in[2 * al + 1]);
			dp = (uint16_t)(in[2 * al + 2] << 8 |
					in[2 * al + 3]);
			if (six)
				flow_key_ipv6(&k, in, in + 16, sp, dp, 17);
			else
				flow_key_ipv4(&k, in, in + 4, sp, dp, 17);
			assert_int_equal(toeplitz_flow_key(&t, &k),
					 toeplitz_ref(key, in, n));
		}
	}
}

/* The symmetric key hashes a flow and its reverse alike (why dsrlb
 * uses it: a server's message may reach the client direction's lcore). */
static void
test_symmetric(void **state)
{
	struct toeplitz t;
	struct rng r;

	(void)state;
	toeplitz_init(&t, sym_key);
	assert_true(t.periodic16);
	rng_seed(&r, 7);
	for (unsigned int it = 0; it < 1000; it++) {
		uint8_t a[16], b[16];
		struct flow_key k, rk;
		uint16_t sp = (uint16_t)rng_next(&r), dp = (uint16_t)rng_next(&r);

		for (unsigned int i = 0; i < 16; i++) {
			a[i] = (uint8_t)rng_next(&r);
			b[i] = (uint8_t)rng_next(&r);
		}
		flow_key_ipv6(&k, a, b, sp, dp, 6);
		flow_key_ipv6(&rk, b, a, dp, sp, 6);
		assert_int_equal(toeplitz_flow_key(&t, &k),
				 toeplitz_flow_key(&t, &rk));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ms_vectors),
		cmocka_unit_test(test_tables_are_the_definition),
		cmocka_unit_test(test_symmetric),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
