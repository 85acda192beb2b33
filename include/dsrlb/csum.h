/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Internet checksum (RFC 1071), incremental update (RFC 1624) and the
 * IPv4/IPv6 pseudo-header sums (RFC 768, RFC 9293, RFC 8200 §8.1).
 *
 * Checksum values are host-order integers of the big-endian 16-bit field,
 * i.e. what load_be16() returns for the field, and what store_be16() writes.
 */
#ifndef DSRLB_CSUM_H_
#define DSRLB_CSUM_H_

#include <stddef.h>
#include <stdint.h>

/** Add @p len bytes to a 32-bit one's-complement accumulator. */
uint32_t csum_partial(const uint8_t *data, size_t len, uint32_t sum);

/** Fold an accumulator to 16 bits and complement it: the field value. */
uint16_t csum_fold(uint32_t sum);

/** Header checksum of an IPv4 header of @p hdr_len bytes (field read as 0). */
uint16_t csum_ipv4_hdr(const uint8_t *hdr, size_t hdr_len);

/**
 * RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), one 16-bit word changed.
 * Never yields 0xFFFF-as-"-0" ambiguity issues for the IPv4 header.
 */
uint16_t csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);

/** As csum_update16 for a 32-bit field (e.g. an IPv4 address). */
uint16_t csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/**
 * As csum_update16 for an even-length byte field that changed from
 * @p old_bytes to @p new_bytes (e.g. an IPv6 address); @p len must be even.
 */
uint16_t csum_update_bytes(uint16_t csum, const uint8_t *old_bytes,
			   const uint8_t *new_bytes, size_t len);

/**
 * The change of a one's complement sum when the even-length field
 * @p old_bytes becomes @p new_bytes, kept unfolded so that several
 * checksums covering the same field (IPv4 header and transport) share
 * one pass over it: csum_apply_delta(c, csum_delta_bytes(o, n, len)) ==
 * csum_update_bytes(c, o, n, len).
 */
uint64_t csum_delta_bytes(const uint8_t *old_bytes, const uint8_t *new_bytes,
			  size_t len);

/** Checksum @p csum updated by a delta of csum_delta_bytes() (inline:
 *  two folds and a complement). */
static inline uint16_t
csum_apply_delta(uint16_t csum, uint64_t delta)
{
	uint64_t sum = (uint16_t)~csum + delta;

	sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
	sum = (sum & 0xFFFFFFFFu) + (sum >> 32);
	sum = (sum & 0xFFFFu) + (sum >> 16);
	sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)~sum;
}

/**
 * A delta of csum_delta_bytes() folded to 16 bits (end-around carry):
 * congruent to it modulo 0xFFFF and zero only when it is zero, so that
 * csum_apply_delta16(c, csum_delta_fold16(d)) == csum_apply_delta(c, d)
 * for every @p c (both complement a fold of ~c + delta: folds keep the
 * value modulo 0xFFFF, a non-zero sum folds into 1..0xFFFF where
 * congruence is equality, and the sum is zero for both or for neither).
 * Fold once, apply to several checksums (issue 19, round 4).
 */
static inline uint16_t
csum_delta_fold16(uint64_t delta)
{
	delta = (delta & 0xFFFFFFFFu) + (delta >> 32);
	delta = (delta & 0xFFFFFFFFu) + (delta >> 32);
	delta = (delta & 0xFFFFu) + (delta >> 16);
	delta = (delta & 0xFFFFu) + (delta >> 16);
	return (uint16_t)delta;
}

/** Checksum @p csum updated by a delta of csum_delta_fold16(): one add
 *  and one fold (~csum + d16 <= 0x1FFFE folds into 16 bits at once). */
static inline uint16_t
csum_apply_delta16(uint16_t csum, uint16_t d16)
{
	uint32_t sum = (uint32_t)(uint16_t)~csum + d16;

	sum = (sum & 0xFFFFu) + (sum >> 16);
	return (uint16_t)~sum;
}

/** Pseudo-header accumulator for IPv4: src, dst, zero, proto, L4 length. */
uint32_t csum_pseudo_ipv4(uint32_t src, uint32_t dst, uint8_t proto,
			  uint16_t l4_len);

/**
 * Pseudo-header accumulator for IPv6. @p final_dst is the packet's final
 * destination: with a Routing header it is the last segment, not the
 * IPv6 destination field (RFC 8200 §8.1).
 */
uint32_t csum_pseudo_ipv6(const uint8_t src[16], const uint8_t final_dst[16],
			  uint8_t proto, uint32_t l4_len);

/**
 * Full TCP/UDP checksum over @p l4 (@p l4_len bytes, checksum field
 * included and read as-is, so zero it first) given a pseudo-header sum.
 * For UDP a computed 0 must be sent as 0xFFFF (RFC 768); the caller does it.
 */
uint16_t csum_l4(uint32_t pseudo_sum, const uint8_t *l4, size_t l4_len);

#endif /* DSRLB_CSUM_H_ */
