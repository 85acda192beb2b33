/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SRv6 Segment Routing Header (RFC 8754) codec, and the SR insert /
 * H.Encaps forms 6LB uses (ToN'18 §II, §IV, figure 5).
 *
 * Segment lists are given in 6LB's reading order: segs[0] is visited (or
 * was sent by) first, segs[n-1] is the final destination. On the wire
 * they are reversed (RFC 8754 §2: Segment List[0] is the last segment).
 * 6LB's lists start with the sender's own address, "the argument" of the
 * SR function (§IV-A): (lb, s1::ca, s2::cf, vip) leaves the load balancer
 * with DA = s1::ca, Segments Left = 2, Last Entry = 3; see
 * docs/wire-format.md.
 */
#ifndef DSRLB_SRH_H_
#define DSRLB_SRH_H_

#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire.h"
#include "dsrlb/wire_result.h"

/** Size of an SRH of @p n segments without TLVs: 8 + 16 n bytes. */
#define SRH_SIZE(n) (SRH_FIXED_LEN + 16u * (n))
/** RFC 8754 bound on the TLV walk: the whole header is at most 2048 bytes. */
#define SRH_MAX_LEN (SRH_FIXED_LEN + 255u * 8u)

/** A validated SRH inside a buffer. */
struct srh_view {
	uint32_t off;           /**< offset of the SRH in the buffer */
	uint32_t len;           /**< 8 + Hdr Ext Len * 8 */
	uint8_t next_hdr;
	uint8_t segments_left;
	uint8_t last_entry;
	uint8_t flags;
	uint16_t tag;
	uint32_t tlv_off;       /**< offset of the TLV area in the buffer */
	uint32_t tlv_len;       /**< 0 when none */
};

/**
 * Validate the SRH at @p buf + @p off (@p len bytes in @p buf): routing
 * type 4; header within the buffer; Hdr Ext Len even and nonzero is not
 * required, but the segment list (16 (Last Entry + 1) bytes) must fit in
 * it; at most SRH_MAX_SEGMENTS segments; Segments Left <= Last Entry + 1
 * (RFC 8754 §4.3.1.1); the TLV area made of well-formed Pad1/PadN or
 * other TLVs that end exactly at the header's end.
 * @return WIRE_OK with @p v filled, or WIRE_ERR_TRUNCATED,
 *   WIRE_ERR_SRH_TYPE, WIRE_ERR_SRH_LEN, WIRE_ERR_SRH_LAST_ENTRY,
 *   WIRE_ERR_SRH_TOO_MANY, WIRE_ERR_SRH_SEGLEFT, WIRE_ERR_SRH_TLV,
 *   WIRE_ERR_INVAL.
 */
enum wire_result srh_parse(const uint8_t *buf, uint32_t len, uint32_t off,
			   struct srh_view *v);

/** Segment List[@p i] (wire order, 0 = final segment) of a parsed SRH,
 *  NULL when i > Last Entry. */
const uint8_t *srh_segment(const uint8_t *buf, const struct srh_view *v,
			   unsigned int i);

/** The active segment, Segment List[Segments Left], NULL when Segments
 *  Left is Last Entry + 1 (no active segment in the list). */
const uint8_t *srh_active(const uint8_t *buf, const struct srh_view *v);

/**
 * Write an SRH of @p n segments (reading order, see above) to @p out.
 * Segments Left is set so that segs[@p first] is the active segment:
 * SL = n - 1 - first.
 * @return WIRE_OK, WIRE_ERR_INVAL (n == 0, n > SRH_MAX_SEGMENTS,
 *   first >= n) or WIRE_ERR_NO_ROOM (@p cap < SRH_SIZE(n)).
 */
enum wire_result srh_build(uint8_t *out, uint32_t cap,
			   const uint8_t (*segs)[16], unsigned int n,
			   unsigned int first, uint8_t next_hdr);

/**
 * End-of-segment processing (RFC 8754 §4.3.1.1) on the IPv6 packet at
 * @p l3_off whose SRH is @p v: Segments Left - 1, destination address :=
 * the new active segment. @return WIRE_OK, WIRE_ERR_SRH_EXHAUSTED when
 * Segments Left is 0, WIRE_ERR_INVAL.
 */
enum wire_result srh_advance(uint8_t *buf, uint32_t len, uint32_t l3_off,
			     struct srh_view *v);

/**
 * SR insert: put an SRH of @p n segments right after the IPv6 header of
 * the packet at @p l3_off of @p pb (after its Hop-by-Hop header when
 * there is one, RFC 8200 §4.1), fix the Next Header chain and the
 * Payload Length, and set the destination address to segs[@p first].
 * New 6LB flow (lb, s1, s2, vip): 72 bytes; pinned (lb, s, vip): 56.
 * @param mtu  largest IPv6 packet (header included) allowed; 0: 65535.
 * @return WIRE_OK; WIRE_ERR_TRUNCATED, WIRE_ERR_IPV6_VERSION,
 *   WIRE_ERR_IPV6_PAYLOAD_LEN, WIRE_ERR_IP6EXT_FORMAT for a bad packet;
 *   WIRE_ERR_MTU, WIRE_ERR_NO_ROOM, WIRE_ERR_INVAL. On error nothing changed.
 */
enum wire_result srh_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
			    const uint8_t (*segs)[16], unsigned int n,
			    unsigned int first);

/**
 * Remove the SRH that directly follows the IPv6 header (or its Hop-by-Hop
 * header) of the packet at @p l3_off: destination address := the final
 * segment, Next Header chain and Payload Length fixed. What an agent does
 * before handing the packet to its kernel.
 * @return WIRE_OK, WIRE_ERR_NOT_FOUND (no SRH there), or the parse error.
 */
enum wire_result srh_remove(struct pkt_buf *pb, uint32_t l3_off);

/**
 * H.Encaps (RFC 8986 §5.1): put an outer IPv6 header from @p src, plus an
 * SRH when @p n > 1, in front of the IPv4 or IPv6 packet at @p l3_off
 * (Ethernet before it stays in front). Outer destination segs[@p first],
 * next header 4 or 41, hop limit 64, traffic class and flow label 0.
 * @return as srh_insert(); WIRE_ERR_INVAL when the inner packet is not IP.
 */
enum wire_result srh_encap(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
			   const uint8_t src[16], const uint8_t (*segs)[16],
			   unsigned int n, unsigned int first);

/**
 * Remove an outer IPv6 header (and an SRH right after it) whose payload
 * is an IPv4 or IPv6 packet. @return WIRE_OK, WIRE_ERR_NOT_FOUND when the
 * packet is not an encapsulation, or the parse error.
 */
enum wire_result srh_decap(struct pkt_buf *pb, uint32_t l3_off);

#endif /* DSRLB_SRH_H_ */
