/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * SRv6 Segment Routing Header (RFC 8754) codec, and the SR insert and
 * H.Encaps forms 6LB uses (ToN'18 §I-C, §II, §IV, figure 5).
 *
 * Segment lists are passed in 6LB's reading order: segs[0] is the first
 * segment of the path, segs[n-1] the final destination. On the wire they
 * are reversed (RFC 8754 §2: Segment List[0] is the last segment), so
 * reading-order index k is Segment List[n - 1 - k].
 *
 * The list always contains every segment, including the one copied to the
 * IPv6 destination address (RFC 8754 §4.1, RFC 8986 §5.1), and the packet
 * is sent to segs[first]: Segments Left = n - 1 - first, which is both the
 * index of the active segment in the Segment List and the number of
 * segments still to visit after it. 6LB's lists begin with the sender,
 * the argument x of the SR function s::f(x) (§IV-A), which is never
 * visited, so 6LB uses first = 1: (lb, s1::ca, s2::cf, vip) leaves the
 * load balancer with DA = s1::ca, Segments Left = 2, Last Entry = 3.
 * See docs/wire-format.md.
 */
#ifndef DSRLB_SRH_H_
#define DSRLB_SRH_H_

#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire.h"
#include "dsrlb/wire_result.h"

/** Size of an SRH of @p n segments without TLVs: 8 + 16 n bytes. */
#define SRH_SIZE(n) (SRH_FIXED_LEN + 16u * (n))
/** Largest SRH the format allows: Hdr Ext Len 255, 2048 bytes. */
#define SRH_MAX_LEN (SRH_FIXED_LEN + 255u * 8u)
/** SRH TLV types (RFC 8754 §2.1.1; IANA "Segment Routing Header TLVs"). */
#define SRH_TLV_PAD1           0
#define SRH_TLV_PADN           4
/** Longest PadN value (RFC 8754 §2.1.1.2): padding only aligns to 8. */
#define SRH_TLV_PADN_MAX       5
/** Hop limit of the outer header written by srh_encap(). */
#define SRH_ENCAP_HOP_LIMIT    64

/** A validated SRH inside a buffer. */
struct srh_view {
	uint32_t off;           /**< offset of the SRH in the buffer */
	uint32_t len;           /**< 8 + Hdr Ext Len * 8 */
	uint32_t seg_off;       /**< offset of Segment List[0] in the buffer */
	uint32_t tlv_off;       /**< offset of the TLV area in the buffer */
	uint32_t tlv_len;       /**< bytes of TLVs, 0 when none */
	uint8_t next_hdr;       /**< what follows the SRH */
	uint8_t segments_left;  /**< index of the active segment */
	uint8_t last_entry;     /**< index of the first segment of the path */
	uint8_t flags;
	uint16_t tag;           /**< host order */
};

/**
 * Validate the SRH at @p buf + @p off, @p len being the bytes of @p buf
 * that belong to the packet. Checks, in order, each with its own code:
 * the 8 fixed bytes are there (WIRE_ERR_TRUNCATED); Routing Type is 4
 * (WIRE_ERR_SRH_TYPE); Hdr Ext Len is nonzero and the 8 + Hdr Ext Len * 8
 * bytes it announces are within @p len (WIRE_ERR_SRH_LEN); the segment
 * list, 16 (Last Entry + 1) bytes, fits in Hdr Ext Len * 8
 * (WIRE_ERR_SRH_LAST_ENTRY); at most SRH_MAX_SEGMENTS segments
 * (WIRE_ERR_SRH_TOO_MANY); Segments Left <= Last Entry + 1 (RFC 8754
 * §4.3.1.1, WIRE_ERR_SRH_SEGLEFT); the TLV area after the segments is a
 * sequence of Pad1, PadN of at most 5 bytes, or other type-length-value
 * objects ending exactly at the header's end (WIRE_ERR_SRH_TLV). An even
 * Hdr Ext Len is not required: a TLV area of 8 bytes makes it odd.
 * Reads nothing outside [@p off, @p len).
 * @return WIRE_OK with @p v filled, one of the codes above, or
 *   WIRE_ERR_INVAL for NULL arguments. @p v is untouched on error.
 */
enum wire_result srh_parse(const uint8_t *buf, uint32_t len, uint32_t off,
			   struct srh_view *v);

/**
 * Segment List[@p i] (wire order, 0 = final segment) of a parsed SRH.
 * @return a pointer into @p buf, NULL when @p i > Last Entry.
 */
const uint8_t *srh_segment(const uint8_t *buf, const struct srh_view *v,
			   unsigned int i);

/**
 * The active segment, Segment List[Segments Left].
 * @return NULL when Segments Left is Last Entry + 1 (the active segment is
 *   the destination address and not in the list, RFC 8754 §4.1.1).
 */
const uint8_t *srh_active(const uint8_t *buf, const struct srh_view *v);

/**
 * The first segment of the path, Segment List[Last Entry]: in 6LB's lists
 * (lb, s1::ca, ...) the sender x, argument of the SR function s::f(x)
 * (ToN'18 §IV-A). Only meaningful for SR-insert lists (with H.Encaps the
 * sender is the outer source address instead).
 */
const uint8_t *srh_func_arg(const uint8_t *buf, const struct srh_view *v);

/**
 * Write an SRH of @p n segments (reading order) to @p out: Hdr Ext Len
 * 2 n, Routing Type 4, Segments Left n - 1 - @p first, Last Entry n - 1,
 * Flags and Tag 0, no TLVs.
 * @return WIRE_OK; WIRE_ERR_INVAL (NULL, n == 0, n > SRH_MAX_SEGMENTS,
 *   first >= n); WIRE_ERR_NO_ROOM (@p cap < SRH_SIZE(n)).
 */
enum wire_result srh_build(uint8_t *out, uint32_t cap,
			   const uint8_t (*segs)[16], unsigned int n,
			   unsigned int first, uint8_t next_hdr);

/**
 * Make Segment List[@p sl] the active segment of the IPv6 packet at
 * @p l3_off whose SRH @p v was parsed from @p buf: Segments Left := sl,
 * destination address := Segment List[sl]. Segments Left never grows:
 * @p sl must be <= Segments Left and <= Last Entry. sl = 0 is what an
 * accepting 6LB candidate does (Algorithm 1, "SegmentsLeft <- 0").
 * @return WIRE_OK, or WIRE_ERR_INVAL (bad @p sl, @p v not matching the
 *   bytes, IPv6 header not before the SRH); nothing changed on error.
 */
enum wire_result srh_set_active(uint8_t *buf, uint32_t len, uint32_t l3_off,
				struct srh_view *v, unsigned int sl);

/**
 * End-of-segment processing (RFC 8754 §4.3.1.1): Segments Left - 1 and
 * destination address := the new active segment. This is a 6LB candidate
 * passing a flow on (Algorithm 1, "SegmentsLeft <- SegmentsLeft - 1").
 * @return WIRE_OK, WIRE_ERR_SRH_EXHAUSTED when Segments Left is 0, or as
 *   srh_set_active(); nothing changed on error.
 */
enum wire_result srh_advance(uint8_t *buf, uint32_t len, uint32_t l3_off,
			     struct srh_view *v);

/**
 * SR insert (ToN'18 §II-A, figure 5 "IPv6 SR insert"): put an SRH of
 * @p n segments right after the IPv6 header of the packet at @p l3_off
 * of @p pb, or after its Hop-by-Hop header (which stays first, RFC 8200
 * §4.1); fix the Next Header chain and the Payload Length; destination
 * address := segs[@p first]. segs[n-1] must be the packet's destination
 * address, so that the TCP/UDP checksum, computed over the final
 * destination (RFC 8200 §8.1), stays valid untouched. Overhead 8 + 16 n:
 * 72 bytes for a new 6LB flow (lb, s1, s2, vip), 56 for a pinned one
 * (lb, s, vip). Bytes before @p l3_off (Ethernet) are kept.
 * @param mtu  largest IPv6 packet (header included) allowed, 0: 65575.
 * @return WIRE_OK; WIRE_ERR_TRUNCATED, WIRE_ERR_IPV6_VERSION,
 *   WIRE_ERR_IPV6_PAYLOAD_LEN, WIRE_ERR_IP6EXT_FORMAT (bad HBH) for a bad
 *   packet; WIRE_ERR_IP6EXT_DUP when a Routing header is already there;
 *   WIRE_ERR_MTU; WIRE_ERR_NO_ROOM (no head- or tailroom); WIRE_ERR_INVAL
 *   (bad arguments, segs[n-1] is not the destination). Nothing changed
 *   on error.
 */
enum wire_result srh_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
			    const uint8_t (*segs)[16], unsigned int n,
			    unsigned int first);

/**
 * srh_insert() of the segments at @p segs[0..n-1] wherever they are
 * (none inside the packet), without copying them into an array first:
 * the load balancer's path, whose segments are its own SID, a backend's
 * and the packet's destination (issue 19, round 6). Same checks, bytes
 * and results as srh_insert().
 */
enum wire_result srh_insert_ptrs(struct pkt_buf *pb, uint32_t l3_off,
				 uint32_t mtu, const uint8_t *const *segs,
				 unsigned int n, unsigned int first);

/**
 * Remove the SRH that directly follows the IPv6 header (or its Hop-by-Hop
 * header) of the packet at @p l3_off: destination address := Segment
 * List[0], the final segment, whatever Segments Left is; Next Header
 * chain and Payload Length fixed. What a 6LB server agent does before
 * handing the packet to its kernel. Exact inverse of srh_insert().
 * @return WIRE_OK, WIRE_ERR_NOT_FOUND (no Routing header there), or the
 *   IPv6 or srh_parse() error; nothing changed on error.
 */
enum wire_result srh_remove(struct pkt_buf *pb, uint32_t l3_off);

/**
 * srh_remove() of the SRH that pkt_parse() validated in this very frame,
 * unchanged since (pkt_meta.srh_off: srh_parse() within the Payload
 * Length), without parsing it again when it directly follows the IPv6
 * header (issue 19: the second walk and parse were a tenth of a 6LB
 * stickiness message's instructions). Elsewhere: srh_remove() itself.
 * @return as srh_remove().
 */
enum wire_result srh_remove_parsed(struct pkt_buf *pb, uint32_t l3_off,
				   uint32_t srh_off);

/**
 * H.Encaps (RFC 8986 §5.1; figure 5 "IPv6 SR encap"): put an outer IPv6
 * header from @p src to segs[@p first], plus an SRH of the @p n segments
 * when n > 1, in front of the IPv4 or IPv6 packet at @p l3_off (Ethernet
 * before it stays in front). Next header 4 (IPv4) or 41 (IPv6); hop limit
 * SRH_ENCAP_HOP_LIMIT; traffic class (and, for IPv6, flow label) copied
 * from the inner header. Bytes after the inner packet's own length
 * (link padding) are dropped. The sender is the outer source, so 6LB's
 * lists lose their first entry: (s1::ca, s2::cf, vip) costs 96 bytes,
 * (s::as, vip) 80, as in figure 5.
 * @return WIRE_OK; WIRE_ERR_INVAL (bad arguments or inner packet neither
 *   IPv4 nor IPv6); WIRE_ERR_TRUNCATED, WIRE_ERR_IPV4_IHL,
 *   WIRE_ERR_IPV4_TOTAL_LEN, WIRE_ERR_IPV6_PAYLOAD_LEN for a bad inner
 *   header; WIRE_ERR_MTU; WIRE_ERR_NO_ROOM. Nothing changed on error.
 */
enum wire_result srh_encap(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
			   const uint8_t src[16], const uint8_t (*segs)[16],
			   unsigned int n, unsigned int first);

/**
 * Remove an outer IPv6 header, its Hop-by-Hop header and an SRH right
 * after it when present, whose payload is an IPv4 (next header 4) or IPv6
 * (41) packet; bytes after the outer payload are dropped. Segments Left
 * is not checked: in 6LB the accepting candidate decides (§II-A).
 * @return WIRE_OK, WIRE_ERR_NOT_FOUND when the packet is not such an
 *   encapsulation, or the IPv6 or srh_parse() error; nothing changed on
 *   error.
 */
enum wire_result srh_decap(struct pkt_buf *pb, uint32_t l3_off);

#endif /* DSRLB_SRH_H_ */
