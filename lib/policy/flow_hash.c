/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/flow_hash.h"

/* Constants: hex digits of the golden ratio, of pi and of e (nothing up
 * the sleeve). K4 must be odd (it is a multiplier of the finaliser). */
#define FH_K0 UINT64_C(0x9E3779B97F4A7C15)
#define FH_K1 UINT64_C(0x243F6A8885A308D3)
#define FH_K2 UINT64_C(0x13198A2E03707344)
#define FH_K3 UINT64_C(0xA4093822299F31D0)
#define FH_K4 UINT64_C(0xB7E151628AED2A6B)

/* Xor of the two halves of the 128-bit product. The fallback computes the
 * same product from 32-bit halves, so every host returns the same value
 * (define FLOW_HASH_NO_INT128 to test it). */
static inline uint64_t
fh_fold(uint64_t x, uint64_t y)
{
#if defined(__SIZEOF_INT128__) && !defined(FLOW_HASH_NO_INT128)
	__extension__ unsigned __int128 p = (unsigned __int128)x * y;

	return (uint64_t)p ^ (uint64_t)(p >> 64);
#else
	uint64_t xl = x & 0xffffffffu, xh = x >> 32;
	uint64_t yl = y & 0xffffffffu, yh = y >> 32;
	uint64_t ll = xl * yl, lh = xl * yh, hl = xh * yl, hh = xh * yh;
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
	uint64_t lo = (ll & 0xffffffffu) | (mid << 32);
	uint64_t hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);

	return lo ^ hi;
#endif
}

/* Little-endian by byte loads: alignment- and host-endianness-free;
 * compilers turn it into one load on little-endian hosts. */
static inline uint64_t
fh_le64(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 |
	       (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
	       (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 |
	       (uint64_t)p[6] << 48 | (uint64_t)p[7] << 56;
}

static inline uint64_t
fh_le32(const uint8_t *p)
{
	return (uint64_t)p[0] | (uint64_t)p[1] << 8 |
	       (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24;
}

/* n (0..8) bytes, zero-padded, without a byte loop: overlapping reads
 * put a byte read twice at the same place, so the or is exact. */
static inline uint64_t
fh_le_partial(const uint8_t *p, size_t n)
{
	if (n >= 8)
		return fh_le64(p);
	if (n >= 4)
		return fh_le32(p) | fh_le32(p + n - 4) << (8 * (n - 4));
	if (n > 0)
		return (uint64_t)p[0] | (uint64_t)p[n / 2] << (8 * (n / 2)) |
		       (uint64_t)p[n - 1] << (8 * (n - 1));
	return 0;
}

static inline uint64_t
fh_finish(uint64_t h, uint64_t len)
{
	h = fh_fold(h ^ FH_K2, len ^ FH_K3);
	h ^= h >> 32;
	h *= FH_K4;
	return h ^ (h >> 29);
}

/* Big-endian 16-bit value as it reads in a little-endian word. */
static inline uint64_t
fh_be16_le(uint16_t v)
{
	return (uint64_t)((uint16_t)(v >> 8 | v << 8));
}

uint64_t
flow_hash_bytes(uint64_t seed, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t s1 = seed ^ FH_K1;
	uint64_t h = seed ^ FH_K0;
	uint64_t a = 0, b = 0;
	size_t rem = len;

	while (rem > 16) {
		h = fh_fold(fh_le64(p) ^ s1, fh_le64(p + 8) ^ h);
		p += 16;
		rem -= 16;
	}
	/* Last block: 0..16 bytes, zero-padded; the length is mixed in by
	 * fh_finish, so padding cannot collide with real zero bytes. */
	if (rem > 8) {
		a = fh_le64(p);
		b = fh_le_partial(p + 8, rem - 8);
	} else if (rem > 0) {
		a = fh_le_partial(p, rem);
	}
	h = fh_fold(a ^ s1, b ^ h);
	return fh_finish(h, len);
}

uint64_t
flow_hash_ipv4(uint64_t seed, const uint8_t *saddr, const uint8_t *daddr,
	       uint16_t sport, uint16_t dport, uint8_t proto)
{
	/* One 13-byte block: saddr|daddr, then sport|dport|proto. */
	uint64_t a = fh_le32(saddr) | fh_le32(daddr) << 32;
	uint64_t b = fh_be16_le(sport) | fh_be16_le(dport) << 16 |
		     (uint64_t)proto << 32;
	uint64_t h = fh_fold(a ^ seed ^ FH_K1, b ^ seed ^ FH_K0);

	return fh_finish(h, FLOW_HASH_IPV4_LEN);
}

uint64_t
flow_hash_ipv6(uint64_t seed, const uint8_t *saddr, const uint8_t *daddr,
	       uint16_t sport, uint16_t dport, uint8_t proto)
{
	/* Blocks: saddr, daddr, then 5 bytes of sport|dport|proto. */
	uint64_t s1 = seed ^ FH_K1;
	uint64_t h = seed ^ FH_K0;
	uint64_t tail = fh_be16_le(sport) | fh_be16_le(dport) << 16 |
			(uint64_t)proto << 32;

	h = fh_fold(fh_le64(saddr) ^ s1, fh_le64(saddr + 8) ^ h);
	h = fh_fold(fh_le64(daddr) ^ s1, fh_le64(daddr + 8) ^ h);
	h = fh_fold(tail ^ s1, h);
	return fh_finish(h, FLOW_HASH_IPV6_LEN);
}

size_t
flow_hash_serialize(uint8_t *out, const uint8_t *saddr, const uint8_t *daddr,
		    unsigned int addr_len, uint16_t sport, uint16_t dport,
		    uint8_t proto)
{
	uint8_t *p = out;
	unsigned int i;

	if (addr_len != 4 && addr_len != 16)
		return 0;
	for (i = 0; i < addr_len; i++)
		*p++ = saddr[i];
	for (i = 0; i < addr_len; i++)
		*p++ = daddr[i];
	*p++ = (uint8_t)(sport >> 8);
	*p++ = (uint8_t)sport;
	*p++ = (uint8_t)(dport >> 8);
	*p++ = (uint8_t)dport;
	*p++ = proto;
	return (size_t)(p - out);
}
