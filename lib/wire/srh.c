/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/srh.h"

/*
 * Inserting or removing an SRH whose final segment is the packet's real
 * destination never touches the TCP/UDP checksum: the pseudo-header uses
 * the final destination (RFC 8200 §8.1), which is the same before and
 * after. srh_insert() insists on it; test_srh checks it.
 */

/* Offsets inside the IPv6 header and the SRH. */
#define IP6_OFF_PLEN   4
#define IP6_OFF_NH     6
#define IP6_OFF_SRC    8
#define IP6_OFF_DST    24
#define SRH_OFF_NH     0
#define SRH_OFF_LEN    1
#define SRH_OFF_TYPE   2
#define SRH_OFF_SL     3
#define SRH_OFF_LE     4
#define SRH_OFF_FLAGS  5
#define SRH_OFF_TAG    6

/* IPv4-in-IPv6 (RFC 2473): wire.h has no name for protocol 4. */
#define NH_IPV4        4
/* Largest IPv6 packet without a jumbo payload option (RFC 8200 §3). */
#define IP6_MAX_PKT    (IPV6_HDR_LEN + 65535u)

enum wire_result
srh_parse(const uint8_t *buf, uint32_t len, uint32_t off, struct srh_view *v)
{
	const uint8_t *h;
	uint32_t hlen, seg_bytes, pos;

	if (buf == NULL || v == NULL)
		return WIRE_ERR_INVAL;
	if (off > len || len - off < SRH_FIXED_LEN)
		return WIRE_ERR_TRUNCATED;
	h = buf + off;
	if (h[SRH_OFF_TYPE] != SRH_ROUTING_TYPE)
		return WIRE_ERR_SRH_TYPE;
	/* RFC 8754 §2: Hdr Ext Len in 8-octet units after the first 8. */
	hlen = SRH_FIXED_LEN + (uint32_t)h[SRH_OFF_LEN] * 8;
	if (h[SRH_OFF_LEN] == 0 || hlen > len - off)
		return WIRE_ERR_SRH_LEN;
	/* RFC 8754 §2: the Last Entry + 1 segments lie within the header. */
	seg_bytes = 16u * ((uint32_t)h[SRH_OFF_LE] + 1);
	if (seg_bytes > hlen - SRH_FIXED_LEN)
		return WIRE_ERR_SRH_LAST_ENTRY;
	if ((uint32_t)h[SRH_OFF_LE] + 1 > SRH_MAX_SEGMENTS)
		return WIRE_ERR_SRH_TOO_MANY;
	/* RFC 8754 §4.3.1.1: Segments Left > Last Entry + 1 is an error. */
	if ((uint32_t)h[SRH_OFF_SL] > (uint32_t)h[SRH_OFF_LE] + 1)
		return WIRE_ERR_SRH_SEGLEFT;
	/* RFC 8754 §2.1: TLVs fill the rest exactly. Pad1 is one byte; PadN
	 * only aligns, so at most 5 value bytes (§2.1.1.2); other types are
	 * skipped by length. Each step advances, hlen <= 2048 bounds it. */
	for (pos = SRH_FIXED_LEN + seg_bytes; pos < hlen;) {
		uint32_t tl;

		if (h[pos] == SRH_TLV_PAD1) {
			pos++;
			continue;
		}
		if (hlen - pos < 2)
			return WIRE_ERR_SRH_TLV;
		tl = h[pos + 1];
		if ((h[pos] == SRH_TLV_PADN && tl > SRH_TLV_PADN_MAX) ||
		    tl > hlen - pos - 2)
			return WIRE_ERR_SRH_TLV;
		pos += 2 + tl;
	}
	v->off = off;
	v->len = hlen;
	v->seg_off = off + SRH_FIXED_LEN;
	v->tlv_off = off + SRH_FIXED_LEN + seg_bytes;
	v->tlv_len = hlen - SRH_FIXED_LEN - seg_bytes;
	v->next_hdr = h[SRH_OFF_NH];
	v->segments_left = h[SRH_OFF_SL];
	v->last_entry = h[SRH_OFF_LE];
	v->flags = h[SRH_OFF_FLAGS];
	v->tag = load_be16(h + SRH_OFF_TAG);
	return WIRE_OK;
}

const uint8_t *
srh_segment(const uint8_t *buf, const struct srh_view *v, unsigned int i)
{
	if (buf == NULL || v == NULL || i > v->last_entry)
		return NULL;
	return buf + v->seg_off + 16u * i;
}

const uint8_t *
srh_active(const uint8_t *buf, const struct srh_view *v)
{
	if (v == NULL)
		return NULL;
	return srh_segment(buf, v, v->segments_left);
}

const uint8_t *
srh_func_arg(const uint8_t *buf, const struct srh_view *v)
{
	if (v == NULL)
		return NULL;
	/* 6LB §IV-A: s::f(x) takes x, the first segment of the list. */
	return srh_segment(buf, v, v->last_entry);
}

/* The SRH's first 8 bytes (RFC 8754 §2): one 64-bit store where the
 * byte order allows, not six byte and half-word stores (issue 19,
 * round 6); the same bytes. */
static inline void
srh_fixed(uint8_t *out, unsigned int n, unsigned int first, uint8_t next_hdr)
{
	/* Hdr Ext Len: 16 n bytes, 8-octet units. RFC 8754 §4.1: SL
	 * indexes the segment copied to the DA. Flags and Tag 0. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t h = (uint64_t)next_hdr |
		     (uint64_t)(uint8_t)(2 * n) << (8 * SRH_OFF_LEN) |
		     (uint64_t)SRH_ROUTING_TYPE << (8 * SRH_OFF_TYPE) |
		     (uint64_t)(uint8_t)(n - 1 - first) << (8 * SRH_OFF_SL) |
		     (uint64_t)(uint8_t)(n - 1) << (8 * SRH_OFF_LE);

	memcpy(out, &h, 8);
#else
	out[SRH_OFF_NH] = next_hdr;
	out[SRH_OFF_LEN] = (uint8_t)(2 * n);
	out[SRH_OFF_TYPE] = SRH_ROUTING_TYPE;
	out[SRH_OFF_SL] = (uint8_t)(n - 1 - first);
	out[SRH_OFF_LE] = (uint8_t)(n - 1);
	out[SRH_OFF_FLAGS] = 0;
	store_be16(out + SRH_OFF_TAG, 0);
#endif
}

/* The SRH of @p n segments at @p out, whose SRH_SIZE(n) bytes the caller
 * has checked (srh_build(), and srh_insert() / srh_encap() after their
 * own checks: no second pass of them per packet, issue 19 round 4). */
static inline void
srh_fill(uint8_t *out, const uint8_t (*segs)[16], unsigned int n,
	 unsigned int first, uint8_t next_hdr)
{
	srh_fixed(out, n, first, next_hdr);
	/* RFC 8754 §2: Segment List[0] is the last segment of the path. */
	for (unsigned int i = 0; i < n; i++)
		memcpy(out + SRH_FIXED_LEN + 16u * i, segs[n - 1 - i], 16);
}

enum wire_result
srh_build(uint8_t *out, uint32_t cap, const uint8_t (*segs)[16],
	  unsigned int n, unsigned int first, uint8_t next_hdr)
{
	if (out == NULL || segs == NULL || n == 0 || n > SRH_MAX_SEGMENTS ||
	    first >= n)
		return WIRE_ERR_INVAL;
	if (cap < SRH_SIZE(n))
		return WIRE_ERR_NO_ROOM;
	srh_fill(out, segs, n, first, next_hdr);
	return WIRE_OK;
}

enum wire_result
srh_set_active(uint8_t *buf, uint32_t len, uint32_t l3_off,
	       struct srh_view *v, unsigned int sl)
{
	/* The view must still describe these bytes, and the IPv6 header
	 * must lie before the SRH: never trust a stale or forged view. */
	if (buf == NULL || v == NULL || v->off > len ||
	    v->len > len - v->off || v->seg_off != v->off + SRH_FIXED_LEN ||
	    SRH_SIZE((uint32_t)v->last_entry + 1) > v->len ||
	    l3_off > v->off || v->off - l3_off < IPV6_HDR_LEN ||
	    buf[v->off + SRH_OFF_SL] != v->segments_left ||
	    buf[v->off + SRH_OFF_LE] != v->last_entry)
		return WIRE_ERR_INVAL;
	/* RFC 8754 §4.3.1.1: Segments Left only decreases. */
	if (sl > v->segments_left || sl > v->last_entry)
		return WIRE_ERR_INVAL;
	v->segments_left = (uint8_t)sl;
	buf[v->off + SRH_OFF_SL] = (uint8_t)sl;
	memcpy(buf + l3_off + IP6_OFF_DST, buf + v->seg_off + 16u * sl, 16);
	return WIRE_OK;
}

enum wire_result
srh_advance(uint8_t *buf, uint32_t len, uint32_t l3_off, struct srh_view *v)
{
	if (buf == NULL || v == NULL)
		return WIRE_ERR_INVAL;
	/* RFC 8754 §4.3.1.1: with Segments Left 0 the node is the final
	 * destination; there is no next segment to go to. */
	if (v->segments_left == 0)
		return WIRE_ERR_SRH_EXHAUSTED;
	return srh_set_active(buf, len, l3_off, v, v->segments_left - 1u);
}

/* Validate the IPv6 header at @l3_off and find where an SRH sits: right
 * after it, or after a Hop-by-Hop header, which must stay first
 * (RFC 8200 §4.1). *@nh_at is the offset of the Next Header byte naming
 * what follows, *@at the offset of what follows, *@end the end of the
 * IPv6 payload (link padding after it is not part of the packet).
 * Inline in its three callers (issue 19, round 8: 20 instructions of
 * every SRv6 packet the appliance sends). */
static inline __attribute__((always_inline)) enum wire_result
ip6_srh_position(const uint8_t *d, uint32_t len, uint32_t l3_off,
		 uint32_t *nh_at, uint32_t *at, uint32_t *end)
{
	const uint8_t *ip;
	enum wire_result r;
	uint32_t e, a;

	/* The same IPv6 header rules as the chain walker. */
	r = ip6_hdr_check(d, len, l3_off, &e);
	if (r != WIRE_OK)
		return r;
	ip = d + l3_off;
	*nh_at = l3_off + IP6_OFF_NH;
	a = l3_off + IPV6_HDR_LEN;
	if (ip[IP6_OFF_NH] == IPPROTO_NUM_HOPOPTS) {
		uint32_t hbh;

		/* RFC 8200 §4.3: 8 + Hdr Ext Len * 8 bytes. */
		if (e - a < 8)
			return WIRE_ERR_IP6EXT_FORMAT;
		hbh = ((uint32_t)d[a + 1] + 1) * 8;
		if (hbh > e - a)
			return WIRE_ERR_IP6EXT_FORMAT;
		*nh_at = a;
		a += hbh;
	}
	*at = a;
	*end = e;
	return WIRE_OK;
}

static uint32_t
mtu_limit(uint32_t mtu)
{
	return mtu == 0 || mtu > IP6_MAX_PKT ? IP6_MAX_PKT : mtu;
}

enum wire_result
srh_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	   const uint8_t (*segs)[16], unsigned int n, unsigned int first)
{
	const uint8_t *p[SRH_MAX_SEGMENTS];

	if (segs == NULL || n == 0 || n > SRH_MAX_SEGMENTS)
		return WIRE_ERR_INVAL;
	for (unsigned int i = 0; i < n; i++)
		p[i] = segs[i];
	return srh_insert_ptrs(pb, l3_off, mtu, p, n, first);
}

enum wire_result
srh_insert_ptrs(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
		const uint8_t *const *segs, unsigned int n, unsigned int first)
{
	uint32_t nh_at, at, end, size, plen;
	enum wire_result r;
	uint8_t *d, *out;
	uint8_t nh;

	if (pb == NULL || pb->base == NULL || segs == NULL || n == 0 ||
	    n > SRH_MAX_SEGMENTS || first >= n)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at, &end);
	if (r != WIRE_OK)
		return r;
	/* RFC 8200 §8.1: the L4 checksum covers the final destination; it
	 * stays valid only if that is the address the packet had. */
	if (memcmp(d + l3_off + IP6_OFF_DST, segs[n - 1], 16) != 0)
		return WIRE_ERR_INVAL;
	/* RFC 8200 §4.1: one Routing header per packet. */
	if (d[nh_at] == IPPROTO_NUM_ROUTING)
		return WIRE_ERR_IP6EXT_DUP;
	size = SRH_SIZE(n);
	plen = load_be16(d + l3_off + IP6_OFF_PLEN) + size;
	if (plen > 65535 || IPV6_HDR_LEN + plen > mtu_limit(mtu))
		return WIRE_ERR_MTU;
	nh = d[nh_at];
	r = pkt_buf_open_gap(pb, at, size);
	if (r != WIRE_OK)
		return r;
	/* Offsets below @at are unchanged relative to the new start. The
	 * segments straight from where the caller keeps them, no copy in
	 * between (issue 19, round 6); each is read before the packet is
	 * written, so none may lie in the packet. */
	d = pkt_buf_data(pb);
	out = d + at;
	srh_fixed(out, n, first, nh);
	/* RFC 8754 §2: Segment List[0] is the last segment of the path. */
	for (unsigned int i = 0; i < n; i++)
		memcpy(out + SRH_FIXED_LEN + 16u * i, segs[n - 1 - i], 16);
	d[nh_at] = IPPROTO_NUM_ROUTING;
	store_be16(d + l3_off + IP6_OFF_PLEN, (uint16_t)plen);
	memcpy(d + l3_off + IP6_OFF_DST, segs[first], 16);
	return WIRE_OK;
}

/* Remove the valid SRH of @p n bytes at @p at, named by the Next Header
 * byte at @p nh_at, from the IPv6 packet at @p l3_off: destination :=
 * Segment List[0], the final segment; Next Header and Payload Length
 * fixed; the SRH's bytes closed. Inline in both callers (a call cost
 * each stickiness message 6 instructions, issue 19). */
static inline __attribute__((always_inline)) enum wire_result
srh_cut(struct pkt_buf *pb, uint32_t l3_off, uint32_t nh_at, uint32_t at,
	uint32_t n)
{
	uint8_t *d = pkt_buf_data(pb);

	memcpy(d + l3_off + IP6_OFF_DST, d + at + SRH_FIXED_LEN, 16);
	d[nh_at] = d[at]; /* the SRH's Next Header */
	store_be16(d + l3_off + IP6_OFF_PLEN,
		   (uint16_t)(load_be16(d + l3_off + IP6_OFF_PLEN) - n));
	return pkt_buf_close_gap(pb, at, n);
}

enum wire_result
srh_remove(struct pkt_buf *pb, uint32_t l3_off)
{
	struct srh_view v;
	uint32_t nh_at, at, end;
	enum wire_result r;
	uint8_t *d;

	if (pb == NULL || pb->base == NULL)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at, &end);
	if (r != WIRE_OK)
		return r;
	if (d[nh_at] != IPPROTO_NUM_ROUTING)
		return WIRE_ERR_NOT_FOUND;
	/* Only bytes inside the Payload Length belong to the packet. */
	r = srh_parse(d, end, at, &v);
	if (r != WIRE_OK)
		return r;
	/* All checks done: at + v.len <= end <= len, the close cannot fail. */
	return srh_cut(pb, l3_off, nh_at, at, v.len);
}

enum wire_result
srh_remove_parsed(struct pkt_buf *pb, uint32_t l3_off, uint32_t srh_off)
{
	uint32_t n;
	uint8_t *d;

	if (pb == NULL || pb->base == NULL)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	/* Anywhere but right after the fixed header (after a Hop-by-Hop
	 * header, say), or a frame that no longer looks as parsed: the
	 * checked way. */
	if (srh_off != l3_off + IPV6_HDR_LEN ||
	    srh_off + SRH_FIXED_LEN > pb->len ||
	    d[l3_off + IP6_OFF_NH] != IPPROTO_NUM_ROUTING)
		return srh_remove(pb, l3_off);
	n = ((uint32_t)d[srh_off + 1] + 1) * 8; /* RFC 8754 §2 */
	if (n > pb->len - srh_off)
		return srh_remove(pb, l3_off);
	/* srh_parse() checked the list holds Last Entry + 1 segments. */
	return srh_cut(pb, l3_off, l3_off + IP6_OFF_NH, srh_off, n);
}

/* Length, next header and traffic class / flow label of the inner IP
 * packet of an encapsulation, from its own header. */
static enum wire_result
inner_ip(const uint8_t *ip, uint32_t avail, uint32_t *inner_len,
	 uint8_t *proto, uint32_t *tc_flow)
{
	uint32_t ihl, tot;

	if (avail < 1)
		return WIRE_ERR_TRUNCATED;
	switch (ip[0] >> 4) {
	case 4:
		if (avail < IPV4_HDR_MIN_LEN)
			return WIRE_ERR_TRUNCATED;
		ihl = (uint32_t)(ip[0] & 0x0F) * 4;
		if (ihl < IPV4_HDR_MIN_LEN)
			return WIRE_ERR_IPV4_IHL;
		tot = load_be16(ip + 2);
		if (tot < ihl || tot > avail)
			return WIRE_ERR_IPV4_TOTAL_LEN;
		*inner_len = tot;
		*proto = NH_IPV4;
		/* RFC 2473 §5.1, RFC 6040: TOS (with ECN) to traffic class. */
		*tc_flow = (uint32_t)ip[1] << 20;
		return WIRE_OK;
	case 6:
		if (avail < IPV6_HDR_LEN)
			return WIRE_ERR_TRUNCATED;
		tot = IPV6_HDR_LEN + load_be16(ip + IP6_OFF_PLEN);
		/* A jumbogram's length is in its HBH option: never cut it. */
		if (tot > avail || (tot == IPV6_HDR_LEN &&
				    ip[IP6_OFF_NH] == IPPROTO_NUM_HOPOPTS))
			return WIRE_ERR_IPV6_PAYLOAD_LEN;
		*inner_len = tot;
		*proto = IPPROTO_NUM_IPV6;
		/* RFC 6437 §3: keep the flow label for ECMP in the fabric. */
		*tc_flow = load_be32(ip) & 0x0FFFFFFFu;
		return WIRE_OK;
	default:
		return WIRE_ERR_INVAL;
	}
}

enum wire_result
srh_encap(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	  const uint8_t src[16], const uint8_t (*segs)[16], unsigned int n,
	  unsigned int first)
{
	uint32_t inner_len, size, tc_flow, old_len;
	enum wire_result r;
	uint8_t proto;
	uint8_t *o;

	if (pb == NULL || pb->base == NULL || src == NULL || segs == NULL ||
	    n == 0 || n > SRH_MAX_SEGMENTS || first >= n || l3_off > pb->len)
		return WIRE_ERR_INVAL;
	r = inner_ip(pkt_buf_data(pb) + l3_off, pb->len - l3_off, &inner_len,
		     &proto, &tc_flow);
	if (r != WIRE_OK)
		return r;
	/* RFC 8986 §5.1: the SRH may be omitted for a single segment. */
	size = IPV6_HDR_LEN + (n > 1 ? SRH_SIZE(n) : 0);
	if (inner_len + size - IPV6_HDR_LEN > 65535 ||
	    inner_len + size > mtu_limit(mtu))
		return WIRE_ERR_MTU;
	/* Drop link padding after the inner packet, back on failure. */
	old_len = pb->len;
	pb->len = l3_off + inner_len;
	r = pkt_buf_open_gap(pb, l3_off, size);
	if (r != WIRE_OK) {
		pb->len = old_len;
		return r;
	}
	o = pkt_buf_data(pb) + l3_off;
	store_be32(o, 0x60000000u | tc_flow);
	store_be16(o + IP6_OFF_PLEN,
		   (uint16_t)(inner_len + size - IPV6_HDR_LEN));
	o[7] = SRH_ENCAP_HOP_LIMIT;
	memcpy(o + IP6_OFF_SRC, src, 16);
	memcpy(o + IP6_OFF_DST, segs[first], 16);
	if (n > 1) {
		o[IP6_OFF_NH] = IPPROTO_NUM_ROUTING;
		srh_fill(o + IPV6_HDR_LEN, segs, n, first, proto);
	} else {
		o[IP6_OFF_NH] = proto;
	}
	return WIRE_OK;
}

enum wire_result
srh_decap(struct pkt_buf *pb, uint32_t l3_off)
{
	struct srh_view v;
	uint32_t nh_at, at, end;
	enum wire_result r;
	uint8_t *d, nh;

	if (pb == NULL || pb->base == NULL)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at, &end);
	if (r != WIRE_OK)
		return r;
	nh = d[nh_at];
	if (nh == IPPROTO_NUM_ROUTING) {
		r = srh_parse(d, end, at, &v);
		if (r != WIRE_OK)
			return r;
		nh = v.next_hdr;
		at += v.len;
	}
	/* RFC 8986 §4.4/§4.5 (End.DX4/DX6): the payload must be the IP
	 * packet the next header announces. */
	if ((nh != NH_IPV4 && nh != IPPROTO_NUM_IPV6) || at >= end ||
	    (d[at] >> 4) != (nh == NH_IPV4 ? 4 : 6))
		return WIRE_ERR_NOT_FOUND;
	/* Link padding after the outer payload goes with the outer header;
	 * close_gap cannot fail as l3_off <= at < end. */
	pb->len = end;
	return pkt_buf_close_gap(pb, l3_off, at - l3_off);
}
