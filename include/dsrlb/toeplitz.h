/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The Toeplitz hash of receive-side scaling (Microsoft's RSS
 * specification, "Verifying the RSS Hash Calculation"; what a NIC
 * computes to pick a receive queue), in software, by tables (issue 19).
 *
 * The appliance's owner of a flow is the queue RSS gives its 5-tuple
 * (src/dsrlb/main.c owner_rss()); with several workers every client
 * packet and every server message computes it. DPDK's rte_softrss()
 * walks the input bit by bit (about 8 instructions per set bit: some 400
 * per IPv4 packet, 1 100 per IPv6 one). The hash is linear over GF(2) in
 * its input: here each input byte is one table lookup, and when the key
 * repeats every 16 bits (dsrlb's symmetric key 0x6d5a...), every bit i
 * of the input meets the same 32 key bits as bit i + 16, so the hash is
 * that of the XOR of the input's 16-bit words: two lookups.
 */
#ifndef DSRLB_TOEPLITZ_H_
#define DSRLB_TOEPLITZ_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dsrlb/flow_table.h"

/** Longest input: an IPv6 4-tuple (16 + 16 + 2 + 2 bytes). */
#define TOEPLITZ_MAX_INPUT 36u
/** Key bytes needed for TOEPLITZ_MAX_INPUT (RSS keys have 40). */
#define TOEPLITZ_KEY_LEN (TOEPLITZ_MAX_INPUT + 4u)

struct toeplitz {
	bool periodic16;        /**< key bytes repeat every 2 */
	uint32_t t16[2][256];   /**< periodic16: high and low byte of the
				 *   XOR of the input's 16-bit words */
	uint32_t tb[TOEPLITZ_MAX_INPUT][256]; /**< byte i of the input */
};

/**
 * The hash bit by bit, as the specification defines it: for every set
 * bit i of @p in (bit 0 the most significant of byte 0), the 32 bits of
 * @p key from bit i on, XORed. The reference of the tables.
 * @param key  at least @p n + 4 bytes.
 */
uint32_t toeplitz_ref(const uint8_t *key, const uint8_t *in, size_t n);

/** Fill @p t for @p key (TOEPLITZ_KEY_LEN bytes at least). */
void toeplitz_init(struct toeplitz *t, const uint8_t *key);

/** toeplitz_ref() of @p n bytes (n <= TOEPLITZ_MAX_INPUT, even). */
static inline uint32_t
toeplitz_hash(const struct toeplitz *t, const uint8_t *in, size_t n)
{
	uint32_t h = 0;

	if (t->periodic16) {
		unsigned int x = 0;

		for (size_t i = 0; i + 1 < n; i += 2)
			x ^= (unsigned int)in[i] << 8 | in[i + 1];
		return t->t16[0][x >> 8] ^ t->t16[1][x & 0xFF];
	}
	for (size_t i = 0; i < n; i++)
		h ^= t->tb[i][in[i]];
	return h;
}

/**
 * The RSS hash of a flow key's 4-tuple as a NIC hashes the packet's
 * (source address, destination address, source port, destination port,
 * network order: DPDK's RTE_THASH_V4_L4_LEN / RTE_THASH_V6_L4_LEN input).
 */
static inline uint32_t
toeplitz_flow_key(const struct toeplitz *t, const struct flow_key *k)
{
	const size_t al = k->family == FLOW_KEY_IPV4 ? 4u : 16u;
	uint8_t in[TOEPLITZ_MAX_INPUT];

	if (t->periodic16) {
		/* The XOR of the 16-bit words, without building the input:
		 * the addresses' words XORed in whole machine words, then
		 * folded to one 16-bit lane (in host order: the bytes of
		 * a big-endian word swapped on a little-endian host). */
		uint64_t v, a0, a1, b0, b1;
		unsigned int x;

		if (al == 4) {
			uint32_t a, b;

			memcpy(&a, k->saddr, 4);
			memcpy(&b, k->daddr, 4);
			v = a ^ b;
		} else {
			memcpy(&a0, k->saddr, 8);
			memcpy(&a1, k->saddr + 8, 8);
			memcpy(&b0, k->daddr, 8);
			memcpy(&b1, k->daddr + 8, 8);
			v = a0 ^ a1 ^ b0 ^ b1;
		}
		v ^= v >> 32;
		v ^= v >> 16;
		x = (unsigned int)v & 0xFFFFu;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
		x = (x >> 8 | x << 8) & 0xFFFFu;
#endif
		x ^= (unsigned int)k->sport ^ k->dport;
		return t->t16[0][x >> 8] ^ t->t16[1][x & 0xFF];
	}
	for (size_t i = 0; i < al; i++) {
		in[i] = k->saddr[i];
		in[al + i] = k->daddr[i];
	}
	in[2 * al] = (uint8_t)(k->sport >> 8);
	in[2 * al + 1] = (uint8_t)k->sport;
	in[2 * al + 2] = (uint8_t)(k->dport >> 8);
	in[2 * al + 3] = (uint8_t)k->dport;
	return toeplitz_hash(t, in, 2 * al + 4);
}

#endif /* DSRLB_TOEPLITZ_H_ */
