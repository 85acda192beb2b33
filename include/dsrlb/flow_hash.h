/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Seeded flow hash: the value that picks a consistent-hashing bucket
 * (6LB, ToN'18 §III-A: "hashing its network 5-tuple into a bucket") and
 * that a flow table may use as its key hash.
 *
 * Every appliance that shares a seed must map a flow to the same bucket,
 * whatever its CPU: the function is defined on bytes, uses only 64-bit
 * integer arithmetic that C defines exactly (wrap-around multiply, shifts,
 * xor), reads multi-byte words little-endian through byte loads, and has
 * an exact portable fallback for the 64x64->128-bit multiply. No CRC32 or
 * AES instruction is involved, so x86, Arm and big-endian hosts agree.
 *
 * Definition (docs/algorithms.md has test vectors):
 *  - s1 = seed ^ K1, h = seed ^ K0;
 *  - the input is cut into 16-byte blocks (a, b) of two little-endian
 *    64-bit words; the last block holds the remaining 0..16 bytes,
 *    zero-padded (an empty input is one all-zero block);
 *  - each block: h = fold(a ^ s1, b ^ h), where fold(x, y) is the xor of
 *    the low and high halves of the 128-bit product x * y;
 *  - finish: h = fold(h ^ K2, len ^ K3); h ^= h >> 32; h *= K4;
 *    h ^= h >> 29.
 *
 * Both operands of every multiply depend on the seed, so an input cannot
 * zero an operand without knowing the seed. It is a fast mixer, not a
 * keyed PRF (use a random secret seed, shared by the appliances, to make
 * hash-flooding of one bucket harder; nothing here is cryptographic).
 *
 * 5-tuples are hashed as the bytes of their canonical serialization:
 * source address, destination address (4 or 16 bytes each, network
 * order), source port, destination port (big-endian), protocol: 13 bytes
 * for IPv4, 37 for IPv6. flow_hash_ipv4() and flow_hash_ipv6() return the
 * same value as flow_hash_bytes() over that serialization, without
 * building it. A QUIC connection ID is hashed with flow_hash_bytes().
 */
#ifndef DSRLB_FLOW_HASH_H_
#define DSRLB_FLOW_HASH_H_

#include <stddef.h>
#include <stdint.h>

/** Bytes of the canonical IPv4 5-tuple serialization. */
#define FLOW_HASH_IPV4_LEN 13u
/** Bytes of the canonical IPv6 5-tuple serialization. */
#define FLOW_HASH_IPV6_LEN 37u

/**
 * Hash @p len bytes at @p data with @p seed. Reads exactly @p len bytes
 * (none when @p len is 0; @p data may then be NULL).
 */
uint64_t flow_hash_bytes(uint64_t seed, const void *data, size_t len);

/* The helpers of the definition above, inline here so that the 5-tuple
 * hashes below inline into the data path (every packet hashes its
 * tuple: issue 19, round 4). Not an interface. */
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

/**
 * Hash an IPv4 5-tuple.
 * @param saddr, daddr  4 bytes each, network order.
 * @param sport, dport  ports in host order.
 * @param proto         IP protocol number.
 */
static inline uint64_t
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

/**
 * Hash an IPv6 5-tuple (@p saddr, @p daddr: 16 bytes each, network
 * order; ports in host order).
 */
static inline uint64_t
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

/**
 * Write the canonical serialization of a 5-tuple into @p out
 * (FLOW_HASH_IPV4_LEN or FLOW_HASH_IPV6_LEN bytes, by @p addr_len).
 * @return the number of bytes written, or 0 when @p addr_len is neither
 *   4 nor 16 (nothing written).
 */
size_t flow_hash_serialize(uint8_t *out, const uint8_t *saddr,
			   const uint8_t *daddr, unsigned int addr_len,
			   uint16_t sport, uint16_t dport, uint8_t proto);

#endif /* DSRLB_FLOW_HASH_H_ */
