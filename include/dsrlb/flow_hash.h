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

/**
 * Hash an IPv4 5-tuple.
 * @param saddr, daddr  4 bytes each, network order.
 * @param sport, dport  ports in host order.
 * @param proto         IP protocol number.
 */
uint64_t flow_hash_ipv4(uint64_t seed, const uint8_t *saddr,
			const uint8_t *daddr, uint16_t sport, uint16_t dport,
			uint8_t proto);

/**
 * Hash an IPv6 5-tuple (@p saddr, @p daddr: 16 bytes each, network
 * order; ports in host order).
 */
uint64_t flow_hash_ipv6(uint64_t seed, const uint8_t *saddr,
			const uint8_t *daddr, uint16_t sport, uint16_t dport,
			uint8_t proto);

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
