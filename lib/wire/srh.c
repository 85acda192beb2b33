/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/srh.h"

/*
 * Inserting or removing an SRH whose final segment is the packet's real
 * destination never touches the TCP/UDP checksum: the pseudo-header uses
 * the final destination (RFC 8200 §8.1), which is the same before and
 * after. test_srh checks it.
 */

enum wire_result
srh_parse(const uint8_t *buf, uint32_t len, uint32_t off, struct srh_view *v)
{
	const uint8_t *h;
	uint32_t hlen, seg_bytes, pos, end;
	uint8_t le;

	if (buf == NULL || v == NULL)
		return WIRE_ERR_INVAL;
	if (off > len || len - off < SRH_FIXED_LEN)
		return WIRE_ERR_TRUNCATED;
	h = buf + off;
	if (h[2] != SRH_ROUTING_TYPE)
		return WIRE_ERR_SRH_TYPE;
	hlen = SRH_FIXED_LEN + (uint32_t)h[1] * 8;
	if (hlen > len - off)
		return WIRE_ERR_TRUNCATED;
	le = h[4];
	seg_bytes = 16u * ((uint32_t)le + 1);
	/* RFC 8754 §2: the segment list lies within Hdr Ext Len. */
	if (h[1] == 0 || seg_bytes > (uint32_t)h[1] * 8)
		return h[1] == 0 ? WIRE_ERR_SRH_LEN : WIRE_ERR_SRH_LAST_ENTRY;
	if ((uint32_t)le + 1 > SRH_MAX_SEGMENTS)
		return WIRE_ERR_SRH_TOO_MANY;
	/* RFC 8754 §4.3.1.1: Segments Left > Last Entry + 1 is an error. */
	if ((uint32_t)h[3] > (uint32_t)le + 1)
		return WIRE_ERR_SRH_SEGLEFT;
	/* TLVs (RFC 8754 §2.1): each type, length, value, ending exactly at
	 * the header's end; Pad1 (type 0) is one byte. Bounded by hlen. */
	pos = SRH_FIXED_LEN + seg_bytes;
	end = hlen;
	while (pos < end) {
		if (h[pos] == 0) {
			pos++;
			continue;
		}
		if (end - pos < 2 || (uint32_t)h[pos + 1] + 2 > end - pos)
			return WIRE_ERR_SRH_TLV;
		pos += 2u + h[pos + 1];
	}
	v->off = off;
	v->len = hlen;
	v->next_hdr = h[0];
	v->segments_left = h[3];
	v->last_entry = le;
	v->flags = h[5];
	v->tag = load_be16(h + 6);
	v->tlv_off = off + SRH_FIXED_LEN + seg_bytes;
	v->tlv_len = hlen - SRH_FIXED_LEN - seg_bytes;
	return WIRE_OK;
}

const uint8_t *
srh_segment(const uint8_t *buf, const struct srh_view *v, unsigned int i)
{
	if (buf == NULL || v == NULL || i > v->last_entry)
		return NULL;
	return buf + v->off + SRH_FIXED_LEN + 16u * i;
}

const uint8_t *
srh_active(const uint8_t *buf, const struct srh_view *v)
{
	return srh_segment(buf, v, v == NULL ? 0 : v->segments_left);
}

enum wire_result
srh_build(uint8_t *out, uint32_t cap, const uint8_t (*segs)[16],
	  unsigned int n, unsigned int first, uint8_t next_hdr)
{
	unsigned int i;

	if (out == NULL || segs == NULL || n == 0 || n > SRH_MAX_SEGMENTS ||
	    first >= n)
		return WIRE_ERR_INVAL;
	if (cap < SRH_SIZE(n))
		return WIRE_ERR_NO_ROOM;
	out[0] = next_hdr;
	out[1] = (uint8_t)(2 * n);      /* 16 n bytes in 8-octet units */
	out[2] = SRH_ROUTING_TYPE;
	out[3] = (uint8_t)(n - 1 - first);
	out[4] = (uint8_t)(n - 1);
	out[5] = 0;
	store_be16(out + 6, 0);
	/* RFC 8754 §2: Segment List[0] is the last segment of the path. */
	for (i = 0; i < n; i++)
		memcpy(out + SRH_FIXED_LEN + 16u * i, segs[n - 1 - i], 16);
	return WIRE_OK;
}

enum wire_result
srh_advance(uint8_t *buf, uint32_t len, uint32_t l3_off, struct srh_view *v)
{
	if (buf == NULL || v == NULL || l3_off > len ||
	    len - l3_off < IPV6_HDR_LEN || v->off + v->len > len)
		return WIRE_ERR_INVAL;
	if (v->segments_left == 0)
		return WIRE_ERR_SRH_EXHAUSTED;
	v->segments_left--;
	buf[v->off + 3] = v->segments_left;
	memcpy(buf + l3_off + 24, srh_active(buf, v), 16);
	return WIRE_OK;
}

/* Validate the IPv6 header at @l3_off and find where an SRH goes: right
 * after it, or after a Hop-by-Hop header (which must stay first,
 * RFC 8200 §4.1). *@nh_at is the offset of the Next Header byte that
 * names what follows, *@at the offset of what follows. */
static enum wire_result
ip6_srh_position(const uint8_t *d, uint32_t len, uint32_t l3_off,
		 uint32_t *nh_at, uint32_t *at)
{
	const uint8_t *ip;
	uint32_t end;

	if (l3_off > len || len - l3_off < IPV6_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	ip = d + l3_off;
	if ((ip[0] >> 4) != 6)
		return WIRE_ERR_IPV6_VERSION;
	end = l3_off + IPV6_HDR_LEN + load_be16(ip + 4);
	if (end > len)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	*nh_at = l3_off + 6;
	*at = l3_off + IPV6_HDR_LEN;
	if (ip[6] == IPPROTO_NUM_HOPOPTS) {
		uint32_t hbh;

		if (end - *at < 8)
			return WIRE_ERR_IP6EXT_FORMAT;
		hbh = ((uint32_t)d[*at + 1] + 1) * 8;
		if (hbh > end - *at)
			return WIRE_ERR_IP6EXT_FORMAT;
		*nh_at = *at;
		*at += hbh;
	}
	return WIRE_OK;
}

enum wire_result
srh_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	   const uint8_t (*segs)[16], unsigned int n, unsigned int first)
{
	uint32_t nh_at, at, size, plen, limit;
	enum wire_result r;
	uint8_t *d;
	uint8_t nh;

	if (pb == NULL || segs == NULL || n == 0 || n > SRH_MAX_SEGMENTS ||
	    first >= n)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at);
	if (r != WIRE_OK)
		return r;
	size = SRH_SIZE(n);
	plen = load_be16(d + l3_off + 4) + size;
	limit = mtu == 0 || mtu > 65535 + IPV6_HDR_LEN ?
		65535 + IPV6_HDR_LEN : mtu;
	if (plen > 65535 || IPV6_HDR_LEN + plen > limit)
		return WIRE_ERR_MTU;
	nh = d[nh_at];
	r = pkt_buf_open_gap(pb, at, size);
	if (r != WIRE_OK)
		return r;
	d = pkt_buf_data(pb);
	srh_build(d + at, size, segs, n, first, nh);
	d[nh_at] = IPPROTO_NUM_ROUTING;
	store_be16(d + l3_off + 4, (uint16_t)plen);
	memcpy(d + l3_off + 24, segs[first], 16);
	return WIRE_OK;
}

enum wire_result
srh_remove(struct pkt_buf *pb, uint32_t l3_off)
{
	struct srh_view v;
	uint32_t nh_at, at;
	enum wire_result r;
	uint8_t *d;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at);
	if (r != WIRE_OK)
		return r;
	if (d[nh_at] != IPPROTO_NUM_ROUTING)
		return WIRE_ERR_NOT_FOUND;
	/* Only bytes inside the payload length belong to the packet. */
	r = srh_parse(d, l3_off + IPV6_HDR_LEN + load_be16(d + l3_off + 4),
		      at, &v);
	if (r != WIRE_OK)
		return r;
	memcpy(d + l3_off + 24, srh_segment(d, &v, 0), 16);
	d[nh_at] = v.next_hdr;
	store_be16(d + l3_off + 4,
		   (uint16_t)(load_be16(d + l3_off + 4) - v.len));
	return pkt_buf_close_gap(pb, at, v.len);
}

enum wire_result
srh_encap(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu,
	  const uint8_t src[16], const uint8_t (*segs)[16], unsigned int n,
	  unsigned int first)
{
	uint32_t inner_len, size, limit;
	enum wire_result r;
	uint8_t *d, *o;
	uint8_t inner_proto;

	if (pb == NULL || src == NULL || segs == NULL || n == 0 ||
	    n > SRH_MAX_SEGMENTS || first >= n || l3_off >= pb->len)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	switch (d[l3_off] >> 4) {
	case 4:
		inner_proto = 4;        /* IPv4-in-IPv6, RFC 2473 */
		break;
	case 6:
		inner_proto = IPPROTO_NUM_IPV6;
		break;
	default:
		return WIRE_ERR_INVAL;
	}
	inner_len = pb->len - l3_off;
	size = IPV6_HDR_LEN + (n > 1 ? SRH_SIZE(n) : 0);
	limit = mtu == 0 || mtu > 65535 + IPV6_HDR_LEN ?
		65535 + IPV6_HDR_LEN : mtu;
	if (inner_len + size - IPV6_HDR_LEN > 65535 ||
	    inner_len + size > limit)
		return WIRE_ERR_MTU;
	r = pkt_buf_open_gap(pb, l3_off, size);
	if (r != WIRE_OK)
		return r;
	o = pkt_buf_data(pb) + l3_off;
	memset(o, 0, IPV6_HDR_LEN);
	store_be32(o, 0x60000000u);
	store_be16(o + 4, (uint16_t)(inner_len + size - IPV6_HDR_LEN));
	o[7] = 64;
	memcpy(o + 8, src, 16);
	memcpy(o + 24, segs[first], 16);
	if (n > 1) {
		o[6] = IPPROTO_NUM_ROUTING;
		srh_build(o + IPV6_HDR_LEN, SRH_SIZE(n), segs, n, first,
			  inner_proto);
	} else {
		o[6] = inner_proto;
	}
	return WIRE_OK;
}

enum wire_result
srh_decap(struct pkt_buf *pb, uint32_t l3_off)
{
	struct srh_view v;
	uint32_t nh_at, at, plen_end;
	enum wire_result r;
	uint8_t *d, nh;

	if (pb == NULL)
		return WIRE_ERR_INVAL;
	d = pkt_buf_data(pb);
	r = ip6_srh_position(d, pb->len, l3_off, &nh_at, &at);
	if (r != WIRE_OK)
		return r;
	plen_end = l3_off + IPV6_HDR_LEN + load_be16(d + l3_off + 4);
	nh = d[nh_at];
	if (nh == IPPROTO_NUM_ROUTING) {
		r = srh_parse(d, plen_end, at, &v);
		if (r != WIRE_OK)
			return r;
		nh = v.next_hdr;
		at += v.len;
	}
	if ((nh != 4 && nh != IPPROTO_NUM_IPV6) || at >= plen_end ||
	    (d[at] >> 4) != (nh == 4 ? 4 : 6))
		return WIRE_ERR_NOT_FOUND;
	/* Drop trailing bytes past the outer payload (link padding) too. */
	pb->len = plen_end;
	return pkt_buf_close_gap(pb, l3_off, at - l3_off);
}
