/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/flow_hash.h"
#include "dsrlb/rng.h"

/* Vectors computed by an independent Python model of the definition in
 * flow_hash.h (big integers, no C): they pin the function on every host,
 * with and without FLOW_HASH_NO_INT128. Data = bytes 0, 1, 2, ... */
struct fh_vector {
	uint64_t seed;
	size_t len;
	uint64_t hash;
};

static const struct fh_vector vectors[] = {
	{ 0, 0, UINT64_C(0xbb193fb3b30826cd) },
	{ 0x2a, 16, UINT64_C(0xa4723fb88af4fa32) },
	{ 0x2a, 17, UINT64_C(0xf55ab219c81f4c8a) },
	{ 1, 13, UINT64_C(0x5a237125963e1c60) },
	{ UINT64_C(0x0123456789abcdef), 37, UINT64_C(0x44bce68874a715ae) },
	{ 7, 100, UINT64_C(0x9968a49d2b7b1671) },
};

static const uint8_t v4_src[4] = { 192, 0, 2, 1 };
static const uint8_t v4_dst[4] = { 198, 51, 100, 10 };
static const uint8_t v6_src[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t v6_dst[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };

static void
test_known_vectors(void **state)
{
	uint8_t data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++)
		assert_int_equal(flow_hash_bytes(vectors[i].seed, data,
						 vectors[i].len),
				 vectors[i].hash);
	/* "a", seed 0; and an empty input may be NULL. */
	assert_int_equal(flow_hash_bytes(0, "a", 1),
			 UINT64_C(0xad889823985017f4));
	assert_int_equal(flow_hash_bytes(0, NULL, 0),
			 UINT64_C(0xbb193fb3b30826cd));
}

static void
test_tuple_vectors(void **state)
{
	(void)state;
	/* 192.0.2.1:1234 -> 198.51.100.10:80 TCP, seed 0x5eed */
	assert_int_equal(flow_hash_ipv4(0x5eed, v4_src, v4_dst, 1234, 80, 6),
			 UINT64_C(0x0e41f3e624103f1e));
	/* [2001:db8::1]:443 -> [2001:db8::64]:51000 UDP, seed 0x5eed */
	assert_int_equal(flow_hash_ipv6(0x5eed, v6_src, v6_dst, 443, 51000,
					17),
			 UINT64_C(0x3c801f7a02f5a162));
}

static void
test_serialize(void **state)
{
	static const uint8_t want4[13] = {
		192, 0, 2, 1, 198, 51, 100, 10, 0x04, 0xd2, 0x00, 0x50, 6,
	};
	uint8_t out[40];

	(void)state;
	memset(out, 0xee, sizeof(out));
	assert_int_equal(flow_hash_serialize(out, v4_src, v4_dst, 4, 1234, 80,
					     6), FLOW_HASH_IPV4_LEN);
	assert_memory_equal(out, want4, sizeof(want4));
	assert_int_equal(out[13], 0xee);

	assert_int_equal(flow_hash_serialize(out, v6_src, v6_dst, 16, 443,
					     51000, 17), FLOW_HASH_IPV6_LEN);
	assert_memory_equal(out, v6_src, 16);
	assert_memory_equal(out + 16, v6_dst, 16);
	assert_int_equal(out[32], 0x01);
	assert_int_equal(out[33], 0xbb);
	assert_int_equal(out[34], 0xc7);
	assert_int_equal(out[35], 0x38);
	assert_int_equal(out[36], 17);
	assert_int_equal(out[37], 0xee);

	/* Bad address length: nothing written. */
	memset(out, 0xee, sizeof(out));
	assert_int_equal(flow_hash_serialize(out, v6_src, v6_dst, 8, 1, 2, 3),
			 0);
	assert_int_equal(out[0], 0xee);
}

static void
test_tuple_equals_bytes(void **state)
{
	uint8_t s[16], d[16], buf[40];
	struct rng r;
	int i, j;

	(void)state;
	rng_seed(&r, 1);
	for (i = 0; i < 20000; i++) {
		uint64_t seed = rng_next(&r);
		uint16_t sp = (uint16_t)rng_next(&r);
		uint16_t dp = (uint16_t)rng_next(&r);
		uint8_t pr = (uint8_t)rng_next(&r);
		size_t len;

		for (j = 0; j < 16; j++) {
			s[j] = (uint8_t)rng_next(&r);
			d[j] = (uint8_t)rng_next(&r);
		}
		len = flow_hash_serialize(buf, s, d, 4, sp, dp, pr);
		assert_int_equal(flow_hash_ipv4(seed, s, d, sp, dp, pr),
				 flow_hash_bytes(seed, buf, len));
		len = flow_hash_serialize(buf, s, d, 16, sp, dp, pr);
		assert_int_equal(flow_hash_ipv6(seed, s, d, sp, dp, pr),
				 flow_hash_bytes(seed, buf, len));
	}
}

static void
test_exact_reads_and_length(void **state)
{
	uint64_t prev = 0;
	size_t len;

	(void)state;
	/* Heap buffers of the exact size: ASan flags any over-read. A zero
	 * byte appended must change the hash (the length is mixed in). */
	for (len = 0; len <= 70; len++) {
		uint8_t *p = malloc(len + 1);
		uint64_t h;

		assert_non_null(p);
		memset(p, 0, len + 1);
		h = flow_hash_bytes(99, p, len);
		if (len > 0)
			assert_true(h != prev);
		prev = h;
		free(p);
	}
}

static void
test_seed_changes_everything(void **state)
{
	uint8_t buf[37];
	struct rng r;
	int i, same = 0;

	(void)state;
	rng_seed(&r, 2);
	for (i = 0; i < 10000; i++) {
		size_t j;

		for (j = 0; j < sizeof(buf); j++)
			buf[j] = (uint8_t)rng_next(&r);
		if (flow_hash_bytes(1, buf, sizeof(buf)) ==
		    flow_hash_bytes(2, buf, sizeof(buf)))
			same++;
	}
	assert_int_equal(same, 0);
}

static int
popcount64(uint64_t v)
{
	int n = 0;

	while (v != 0) {
		v &= v - 1;
		n++;
	}
	return n;
}

static void
test_avalanche(void **state)
{
	uint8_t s[16], d[16];
	struct rng r;
	uint64_t flips = 0, trials = 0;
	int i, bit, worst = 64, best = 0;

	(void)state;
	rng_seed(&r, 3);
	/* Flip each of the 104 bits of an IPv4 5-tuple: about half of the
	 * 64 output bits must change, for every input bit. */
	for (bit = 0; bit < 104; bit++) {
		uint64_t f = 0;

		for (i = 0; i < 200; i++) {
			uint16_t sp = (uint16_t)rng_next(&r);
			uint16_t dp = (uint16_t)rng_next(&r);
			uint8_t pr = (uint8_t)rng_next(&r);
			uint64_t h0, h1;
			int j;

			for (j = 0; j < 4; j++) {
				s[j] = (uint8_t)rng_next(&r);
				d[j] = (uint8_t)rng_next(&r);
			}
			h0 = flow_hash_ipv4(7, s, d, sp, dp, pr);
			if (bit < 32)
				s[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			else if (bit < 64)
				d[(bit - 32) / 8] ^=
					(uint8_t)(1u << (bit % 8));
			else if (bit < 80)
				sp ^= (uint16_t)(1u << (bit - 64));
			else if (bit < 96)
				dp ^= (uint16_t)(1u << (bit - 80));
			else
				pr ^= (uint8_t)(1u << (bit - 96));
			h1 = flow_hash_ipv4(7, s, d, sp, dp, pr);
			f += (uint64_t)popcount64(h0 ^ h1);
		}
		flips += f;
		trials += 200;
		/* mean over 200 trials, in bits: expect 32 +- ~0.3 */
		if ((int)(f / 200) < worst)
			worst = (int)(f / 200);
		if ((int)(f / 200) > best)
			best = (int)(f / 200);
	}
	print_message("# avalanche: mean %.2f bits, per-bit means %d..%d\n",
		      (double)flips / (double)trials, worst, best);
	assert_true(worst >= 30);
	assert_true(best <= 33);
	assert_true(flips * 100 / trials >= 3150 &&
		    flips * 100 / trials <= 3250);
}

static void
test_bucket_spread(void **state)
{
	enum { NB = 1021, FLOWS = 65536 * 2 };
	static uint32_t cnt[NB];
	double chi2 = 0, expect = (double)FLOWS / NB;
	uint32_t i;

	(void)state;
	memset(cnt, 0, sizeof(cnt));
	/* Sequential source ports from two clients: the low 32 bits (what
	 * chash uses) must spread evenly. */
	for (i = 0; i < FLOWS; i++) {
		uint8_t s[4] = { 10, 0, 0, (uint8_t)(1 + i / 65536) };
		uint64_t h = flow_hash_ipv4(0, s, v4_dst, (uint16_t)i, 443, 6);

		cnt[(uint32_t)h % NB]++;
	}
	for (i = 0; i < NB; i++)
		chi2 += (cnt[i] - expect) * (cnt[i] - expect) / expect;
	/* 1020 degrees of freedom: mean 1020, sd 45; 1250 is > 5 sd. */
	print_message("# chi2 over %d buckets: %.1f\n", NB, chi2);
	assert_true(chi2 < 1250.0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_vectors),
		cmocka_unit_test(test_tuple_vectors),
		cmocka_unit_test(test_serialize),
		cmocka_unit_test(test_tuple_equals_bytes),
		cmocka_unit_test(test_exact_reads_and_length),
		cmocka_unit_test(test_seed_changes_everything),
		cmocka_unit_test(test_avalanche),
		cmocka_unit_test(test_bucket_spread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
