/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Keyed nonces for authenticated metric requests (see auth_key.h).
 * SipHash-2-4 as specified by Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF" (INDOCRYPT 2012), written from the paper.
 */
#include <string.h>

#include "dsrlb/auth_key.h"

static inline uint64_t
rotl(uint64_t x, unsigned int b)
{
	return (x << b) | (x >> (64 - b));
}

static inline uint64_t
load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

#define SIPROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32); \
	v2 += v3; v3 = rotl(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = rotl(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32); \
} while (0)

uint64_t
auth_siphash24(const uint8_t key[AUTH_KEY_LEN], const uint8_t *data,
	       uint32_t len)
{
	const uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;
	uint64_t m, b = (uint64_t)len << 56;
	uint32_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = load_le64(data + i);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	for (uint32_t j = 0; i + j < len; j++)
		b |= (uint64_t)data[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	for (int r = 0; r < 4; r++)
		SIPROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}

uint32_t
auth_nonce(const uint8_t key[AUTH_KEY_LEN], const struct flow_key *k,
	   uint32_t be)
{
	/* An explicit byte layout (no struct padding): family, proto,
	 * client address, VIP address, client port, VIP port, backend. */
	uint8_t m[2 + 16 + 16 + 2 + 2 + 4];
	uint64_t h;

	m[0] = k->family;
	m[1] = k->proto;
	memcpy(m + 2, k->saddr, 16);
	memcpy(m + 18, k->daddr, 16);
	m[34] = (uint8_t)(k->sport >> 8);
	m[35] = (uint8_t)k->sport;
	m[36] = (uint8_t)(k->dport >> 8);
	m[37] = (uint8_t)k->dport;
	m[38] = (uint8_t)(be >> 24);
	m[39] = (uint8_t)(be >> 16);
	m[40] = (uint8_t)(be >> 8);
	m[41] = (uint8_t)be;
	h = auth_siphash24(key, m, sizeof(m));
	/* Never 0: 0 means "not authenticated" in the IPv6 encoding. */
	return (uint32_t)(h ^ (h >> 32)) | 1u;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
auth_key_parse(const char *s, uint8_t key[AUTH_KEY_LEN])
{
	uint8_t k[AUTH_KEY_LEN], any = 0;

	if (s == NULL || strlen(s) != AUTH_KEY_HEX_LEN)
		return -1;
	for (unsigned int i = 0; i < AUTH_KEY_LEN; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		k[i] = (uint8_t)(hi << 4 | lo);
		any |= k[i];
	}
	if (any == 0)
		return -1;
	memcpy(key, k, AUTH_KEY_LEN);
	return 0;
}
