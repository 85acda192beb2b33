/* SPDX-License-Identifier: BSD-3-Clause */
/* The RSS Toeplitz hash by tables (toeplitz.h). */
#include <string.h>

#include "dsrlb/toeplitz.h"

/* The 32 key bits from bit @p i on (bit 0: the top bit of key[0]). */
static uint32_t
key_window(const uint8_t *key, unsigned int i)
{
	const uint8_t *p = key + i / 8;
	uint64_t w = (uint64_t)p[0] << 32 | (uint64_t)p[1] << 24 |
		     (uint64_t)p[2] << 16 | (uint64_t)p[3] << 8 | p[4];

	return (uint32_t)(w >> (8 - i % 8));
}

uint32_t
toeplitz_ref(const uint8_t *key, const uint8_t *in, size_t n)
{
	uint32_t h = 0;

	for (size_t i = 0; i < 8 * n; i++)
		if (in[i / 8] & (0x80u >> (i % 8)))
			h ^= key_window(key, (unsigned int)i);
	return h;
}

void
toeplitz_init(struct toeplitz *t, const uint8_t *key)
{
	memset(t, 0, sizeof(*t));
	/* Linear over GF(2): the hash of a byte value at position p is
	 * the XOR of the windows of its set bits. */
	for (unsigned int p = 0; p < TOEPLITZ_MAX_INPUT; p++)
		for (unsigned int b = 0; b < 8; b++) {
			uint32_t w = key_window(key, 8 * p + b);

			for (unsigned int v = 0; v < 256; v++)
				if (v & (0x80u >> b))
					t->tb[p][v] ^= w;
		}
	/* A key repeating every 16 bits over the bytes the windows read:
	 * bit i and bit i + 16 of the input meet the same window. */
	t->periodic16 = true;
	for (unsigned int i = 0; i + 2 < TOEPLITZ_KEY_LEN; i++)
		if (key[i] != key[i + 2])
			t->periodic16 = false;
	for (unsigned int v = 0; v < 256; v++) {
		t->t16[0][v] = t->tb[0][v];
		t->t16[1][v] = t->tb[1][v];
	}
}
