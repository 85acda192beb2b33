/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Rewriting header fields of a parsed frame in place with the checksums
 * kept right (RFC 1624): what the appliance does to send a client packet
 * to a backend, and the agent to give it back to its kernel.
 */
#ifndef DSRLB_PKT_REWRITE_H_
#define DSRLB_PKT_REWRITE_H_

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire.h"

/**
 * Offset of the transport checksum field of the frame @p m describes, or
 * 0 when there is none to keep (not TCP/UDP, truncated, or UDP over IPv4
 * with checksum 0, which means "none": RFC 768).
 */
static inline uint32_t
pkt_l4_csum_at(const uint8_t *frame, uint32_t len, const struct pkt_meta *m)
{
	uint32_t at;

	if (m->l4_proto == IPPROTO_NUM_TCP)
		at = m->l4_off + 16u;
	else if (m->l4_proto == IPPROTO_NUM_UDP)
		at = m->l4_off + 6u;
	else
		return 0;
	if (at + 2 > len)
		return 0;
	if (m->l4_proto == IPPROTO_NUM_UDP && m->family == 4 &&
	    load_be16(frame + at) == 0)
		return 0;
	return at;
}

/* Both checksums that cover the field, by one delta folded to 16 bits
 * (csum_delta_fold16()), then the field (inline: every pinned packet's
 * destination rewrite goes through it, and the addresses' 4 / 16 bytes
 * are then stores, not a memcpy() call: issue 19, round 4). Not an
 * interface: use the functions below. */
static inline void
pkt_rewrite_apply_(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		   uint32_t at, const uint8_t *nv, unsigned int n,
		   bool in_ip_hdr, uint16_t d16)
{
	uint32_t l4c = pkt_l4_csum_at(frame, len, m);

	if (l4c != 0) {
		uint16_t c = csum_apply_delta16(load_be16(frame + l4c), d16);

		if (m->l4_proto == IPPROTO_NUM_UDP && c == 0)
			c = 0xffff;
		store_be16(frame + l4c, c);
	}
	if (in_ip_hdr && m->family == 4) {
		uint32_t hc = m->l3_off + 10u;

		store_be16(frame + hc,
			   csum_apply_delta16(load_be16(frame + hc), d16));
	}
	if (n == 4)
		memcpy(frame + at, nv, 4);
	else if (n == 16)
		memcpy(frame + at, nv, 16);
	else
		memcpy(frame + at, nv, n);
}

/**
 * Replace the @p n bytes at @p at, a field the transport checksum covers
 * (an address, through the pseudo-header, or a port) and, when
 * @p in_ip_hdr, the IPv4 header checksum too, with @p nv; both checksums
 * are updated incrementally (a UDP result of 0 is sent as 0xffff).
 */
void pkt_rewrite_field(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		       uint32_t at, const uint8_t *nv, unsigned int n,
		       bool in_ip_hdr);

/**
 * As pkt_rewrite_field() when the caller knows the field differs from
 * @p nv and @p d16 = csum_delta_fold16(csum_delta_bytes(field, nv, n))
 * (e.g. computed once per VIP and backend): the same bytes, without
 * comparing and summing the field per packet.
 */
static inline void
pkt_rewrite_field_delta(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
			uint32_t at, const uint8_t *nv, unsigned int n,
			bool in_ip_hdr, uint16_t d16)
{
	pkt_rewrite_apply_(frame, len, m, at, nv, n, in_ip_hdr, d16);
}

/** Offset of the source address of the IP header @p m describes. */
static inline uint32_t
pkt_src_at(const struct pkt_meta *m)
{
	return m->l3_off + (m->family == 4 ? 12u : 8u);
}

/** Offset of the destination address. */
static inline uint32_t
pkt_dst_at(const struct pkt_meta *m)
{
	return m->l3_off + (m->family == 4 ? 16u : 24u);
}

/** Replace the source or destination address (@p at: pkt_src_at() or
 *  pkt_dst_at()) with @p addr (4 or 16 bytes by the family). */
static inline void
pkt_rewrite_addr(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		 uint32_t at, const uint8_t *addr)
{
	pkt_rewrite_field(frame, len, m, at, addr, m->family == 4 ? 4u : 16u,
			  true);
}

/**
 * pkt_rewrite_addr() of the source with @p src, then of the destination
 * with @p dst, in one update of each checksum: the deltas of the
 * addresses that change are added and applied once (issue 19: a server
 * message going back to its client). The same bytes as the two calls:
 * one's complement addition is associative, both results of a
 * non-zero sum lie in 1..0xffff where congruence is equality, and UDP's
 * 0 -> 0xffff maps a value to its congruent twin.
 */
void pkt_rewrite_src_dst(uint8_t *frame, uint32_t len,
			 const struct pkt_meta *m, const uint8_t *src,
			 const uint8_t *dst);

#endif /* DSRLB_PKT_REWRITE_H_ */
