/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Encrypted QUIC-LB connection IDs (lib/wire/quic_lb_crypt.c) against
 * the test vectors of draft-ietf-quic-load-balancers ("Load Balancer
 * Test Vectors", "Encrypted CIDs": the 16-octet single-pass case, the
 * four-pass case with odd and even lengths, a server ID longer than the
 * nonce, which needs the fourth decryption pass) and the step-by-step
 * "Encryption Example"; then round trips over every length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/quic_lb.h"
#include "dsrlb/quic_lb_crypt.h"

static unsigned int
unhex(const char *s, uint8_t *out)
{
	unsigned int n = 0;

	for (; s[0] != '\0' && s[1] != '\0'; s += 2) {
		unsigned int v;

		assert_int_equal(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
	}
	return n;
}

struct vec {
	uint8_t cr;
	const char *key, *sid, *nonce, *cid;
};

static const struct vec vecs[] = {
	/* the "Encryption Example" (7 octets: odd, four passes) */
	{ 0, "fdf726a9893ec05c0632d3956680baf0", "31441a", "9c69c275",
	  "0767947d29be054a" },
	/* "Encrypted CIDs"; the last row's table says cr_bits 3, but its
	 * first octet (0x12) carries config rotation 0 */
	{ 0, "8f95f09245765f80256934e50c66207f", "ed793a", "ee080dbf",
	  "0720b1d07b359d3c" },
	{ 1, "8f95f09245765f80256934e50c66207f", "ed793a51d49b8f5fab65",
	  "ee080dbf48", "2fcc381bc74cb4fbad2823a3d1f8fed2" },
	{ 2, "8f95f09245765f80256934e50c66207f", "ed793a51d49b8f5f",
	  "ee080dbf48c0d1e5", "504dd2d05a7b0de9b2b9907afb5ecf8cc3" },
	{ 0, "8f95f09245765f80256934e50c66207f", "ed793a51d49b8f5fab",
	  "ee080dbf48c0d1e55d", "125779c9cc86beb3a3a4a3ca96fce4bfe0cdbc" },
};

static void
test_vectors(void **state)
{
	(void)state;
	for (unsigned int i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		uint8_t key[16], sid[16], nonce[18], want[20], cid[20];
		uint8_t got[20], pt[20];
		struct quic_lb_crypt k;
		struct quic_lb_conf c = { .config_id = vecs[i].cr,
					  .encode_len = 1 };
		unsigned int n;

		assert_int_equal(unhex(vecs[i].key, key), 16);
		c.server_id_len = (uint8_t)unhex(vecs[i].sid, sid);
		c.nonce_len = (uint8_t)unhex(vecs[i].nonce, nonce);
		n = unhex(vecs[i].cid, want);
		quic_lb_crypt_init(&k, key);
		assert_int_equal(quic_lb_encode_crypt(&k, &c, sid, nonce, 0,
						      cid), n);
		assert_memory_equal(cid, want, n);
		/* the load balancer reads the server ID back */
		memset(got, 0, sizeof(got));
		assert_int_equal(quic_lb_decode_crypt(&k, &c, want, n, got), 1);
		assert_memory_equal(got, sid, c.server_id_len);
		/* the server decrypts the whole block */
		quic_lb_crypt_decrypt(&k, &c, want + 1, pt);
		assert_memory_equal(pt, sid, c.server_id_len);
		assert_memory_equal(pt + c.server_id_len, nonce, c.nonce_len);
		/* the plaintext decoder reads something else: encrypted */
		assert_int_equal(quic_lb_decode(&c, want, n, got), 1);
		assert_memory_not_equal(got, sid, c.server_id_len);
		/* a flipped ciphertext bit changes the server ID read */
		want[1] ^= 0x01;
		assert_int_equal(quic_lb_decode_crypt(&k, &c, want, n, got), 1);
		assert_memory_not_equal(got, sid, c.server_id_len);
	}
}

/* Every server ID / nonce split: encrypt, decrypt, the load balancer's
 * 3- or 4-pass read of the server ID. */
static void
test_round_trip(void **state)
{
	static const uint8_t key[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
					 12, 13, 14, 15, 16 };
	struct quic_lb_crypt k;
	unsigned int cases = 0;

	(void)state;
	quic_lb_crypt_init(&k, key);
	for (uint8_t sl = 1; sl <= QUIC_LB_SID_MAX; sl++) {
		for (uint8_t nl = QUIC_LB_NONCE_MIN; sl + nl <= 19; nl++) {
			struct quic_lb_conf c = { .config_id = 3,
						  .server_id_len = sl,
						  .nonce_len = nl,
						  .encode_len = 1 };
			uint8_t sid[16], nonce[18], cid[20], got[16], pt[20];

			for (unsigned int r = 0; r < 8; r++) {
				for (unsigned int j = 0; j < sl; j++)
					sid[j] = (uint8_t)(r * 37 + j * 11 +
							   sl);
				for (unsigned int j = 0; j < nl; j++)
					nonce[j] = (uint8_t)(r * 91 + j * 7);
				assert_int_equal(quic_lb_encode_crypt(
					&k, &c, sid, nonce, 0, cid),
					1u + sl + nl);
				assert_int_equal(cid[0], 3 << 5 | (sl + nl));
				assert_int_equal(quic_lb_decode_crypt(
					&k, &c, cid, 1u + sl + nl, got), 1);
				assert_memory_equal(got, sid, sl);
				quic_lb_crypt_decrypt(&k, &c, cid + 1, pt);
				assert_memory_equal(pt, sid, sl);
				assert_memory_equal(pt + sl, nonce, nl);
				/* another config rotation: not routable */
				cid[0] ^= 0x20;
				assert_int_equal(quic_lb_decode_crypt(
					&k, &c, cid, 1u + sl + nl, got), 0);
				cases++;
			}
		}
	}
	assert_true(cases > 500);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
