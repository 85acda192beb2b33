/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMPv4 / ICMPv6 for the appliance (see icmp.h). Every read is bounded by
 * the IP packet's own end (total length / payload length, never the
 * Ethernet padding after it).
 */
#include <stdbool.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/icmp.h"
#include "dsrlb/wire.h"

/* Offset past the IP packet of @p m, within @p len. */
static uint32_t
ip_end(const uint8_t *frame, uint32_t len, const struct pkt_meta *m)
{
	const uint8_t *ip = frame + m->l3_off;
	uint32_t end;

	if (m->family == 4) {
		if ((uint32_t)m->l3_off + 20u > len)
			return 0;
		end = m->l3_off + (uint32_t)load_be16(ip + 2);
	} else {
		if ((uint32_t)m->l3_off + IPV6_HDR_LEN > len)
			return 0;
		end = m->l3_off + IPV6_HDR_LEN + (uint32_t)load_be16(ip + 4);
	}
	return end < len ? end : len;
}

static enum wire_result
quote4(const uint8_t *frame, uint32_t q, uint32_t end, struct icmp_info *info)
{
	const uint8_t *p = frame + q;
	uint32_t ihl;

	if (q + 20u > end)
		return WIRE_ERR_ICMP_SHORT;
	ihl = (uint32_t)(p[0] & 0x0f) * 4u;
	if ((p[0] >> 4) != 4 || ihl < 20)
		return WIRE_ERR_ICMP_QUOTE;
	info->inner_proto = p[9];
	memcpy(info->inner_src, p + 12, 4);
	memcpy(info->inner_dst, p + 16, 4);
	/* A later fragment carries no ports (RFC 791). */
	if ((load_be16(p + 6) & IPV4_FRAG_OFF_MASK) != 0)
		return WIRE_OK;
	if ((p[9] == IPPROTO_NUM_TCP || p[9] == IPPROTO_NUM_UDP) &&
	    q + ihl + 4u <= end) {
		info->inner_sport = load_be16(p + ihl);
		info->inner_dport = load_be16(p + ihl + 2);
		info->inner_has_ports = 1;
	}
	return WIRE_OK;
}

static enum wire_result
quote6(const uint8_t *frame, uint32_t q, uint32_t end, struct icmp_info *info)
{
	const uint8_t *p = frame + q;
	uint32_t at = q + IPV6_HDR_LEN;
	uint8_t nh;

	if (q + IPV6_HDR_LEN > end)
		return WIRE_ERR_ICMP_SHORT;
	if ((p[0] >> 4) != 6)
		return WIRE_ERR_ICMP_QUOTE;
	nh = p[6];
	memcpy(info->inner_src, p + 8, 16);
	memcpy(info->inner_dst, p + 24, 16);
	/* Cross the extension headers the quote holds (bounded: RFC 8200
	 * §4; a truncated chain leaves the ports unknown). */
	for (unsigned int i = 0; i < ICMP6_QUOTE_MAX_EXT; i++) {
		if (nh == IPPROTO_NUM_HOPOPTS || nh == IPPROTO_NUM_ROUTING ||
		    nh == IPPROTO_NUM_DSTOPTS) {
			if (at + 2u > end) {
				info->inner_proto = nh;
				return WIRE_OK;
			}
			nh = frame[at];
			at += ((uint32_t)frame[at + 1] + 1u) * 8u;
		} else if (nh == IPPROTO_NUM_FRAGMENT) {
			if (at + 8u > end) {
				info->inner_proto = nh;
				return WIRE_OK;
			}
			nh = frame[at];
			if ((load_be16(frame + at + 2) & 0xfff8u) != 0) {
				info->inner_proto = nh;
				return WIRE_OK;
			}
			at += 8u;
		} else {
			break;
		}
	}
	info->inner_proto = nh;
	if ((nh == IPPROTO_NUM_TCP || nh == IPPROTO_NUM_UDP) &&
	    at + 4u <= end) {
		info->inner_sport = load_be16(frame + at);
		info->inner_dport = load_be16(frame + at + 2);
		info->inner_has_ports = 1;
	}
	return WIRE_OK;
}

enum wire_result
icmp_parse(const uint8_t *frame, uint32_t len, const struct pkt_meta *m,
	   struct icmp_info *info)
{
	uint32_t off, end;
	const uint8_t *h;
	bool err = false;

	if (frame == NULL || m == NULL || info == NULL)
		return WIRE_ERR_INVAL;
	memset(info, 0, sizeof(*info));
	if (!(m->family == 4 && m->l4_proto == IPPROTO_NUM_ICMP) &&
	    !(m->family == 6 && m->l4_proto == IPPROTO_NUM_ICMPV6))
		return WIRE_ERR_INVAL;
	off = m->l4_off;
	end = ip_end(frame, len, m);
	if (off + ICMP_HDR_LEN > end)
		return WIRE_ERR_ICMP_SHORT;
	h = frame + off;
	info->type = h[0];
	info->code = h[1];
	info->icmp_off = (uint16_t)off;
	info->end = (uint16_t)end;
	if (m->family == 4) {
		switch (h[0]) {
		case ICMP4_ECHO_REQUEST:
			info->cls = ICMP_CLASS_ECHO_REQUEST;
			break;
		case ICMP4_DEST_UNREACH:
			if (h[1] == ICMP4_FRAG_NEEDED)
				info->mtu = load_be16(h + 6);
			err = true;
			break;
		case ICMP4_TIME_EXCEEDED:
		case ICMP4_PARAM_PROBLEM:
			err = true;
			break;
		default:
			break;
		}
	} else {
		switch (h[0]) {
		case ICMP6_ECHO_REQUEST:
			info->cls = ICMP_CLASS_ECHO_REQUEST;
			break;
		case ICMP6_PACKET_TOO_BIG:
			info->mtu = load_be32(h + 4);
			err = true;
			break;
		case ICMP6_DEST_UNREACH:
		case ICMP6_TIME_EXCEEDED:
		case ICMP6_PARAM_PROBLEM:
			err = true;
			break;
		default:
			break;
		}
	}
	if (!err)
		return WIRE_OK;
	info->cls = ICMP_CLASS_ERROR;
	info->inner_off = (uint16_t)(off + ICMP_HDR_LEN);
	return m->family == 4 ? quote4(frame, off + ICMP_HDR_LEN, end, info) :
				quote6(frame, off + ICMP_HDR_LEN, end, info);
}

enum wire_result
icmp_echo_reply(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		const struct icmp_info *info)
{
	uint8_t *ip, *h, tmp[16];
	uint16_t old, nw;

	if (frame == NULL || m == NULL || info == NULL ||
	    info->cls != ICMP_CLASS_ECHO_REQUEST ||
	    (uint32_t)info->icmp_off + ICMP_HDR_LEN > len)
		return WIRE_ERR_INVAL;
	ip = frame + m->l3_off;
	h = frame + info->icmp_off;
	if (m->family == 4) {
		/* Swapping the addresses leaves both sums as they are. */
		memcpy(tmp, ip + 12, 4);
		memcpy(ip + 12, ip + 16, 4);
		memcpy(ip + 16, tmp, 4);
		old = load_be16(ip + 8);
		nw = (uint16_t)(64u << 8 | ip[9]);
		store_be16(ip + 10, csum_update16(load_be16(ip + 10), old,
						  nw));
		store_be16(ip + 8, nw);
		old = load_be16(h);
		nw = (uint16_t)(ICMP4_ECHO_REPLY << 8 | h[1]);
	} else {
		/* The pseudo-header's final destination must be the IPv6
		 * destination: no Routing header on an echo we answer. */
		if ((uint32_t)info->icmp_off != (uint32_t)m->l3_off + IPV6_HDR_LEN)
			return WIRE_ERR_INVAL;
		memcpy(tmp, ip + 8, 16);
		memcpy(ip + 8, ip + 24, 16);
		memcpy(ip + 24, tmp, 16);
		ip[7] = 64;
		old = load_be16(h);
		nw = (uint16_t)(ICMP6_ECHO_REPLY << 8 | h[1]);
	}
	store_be16(h + 2, csum_update16(load_be16(h + 2), old, nw));
	store_be16(h, nw);
	return WIRE_OK;
}

enum wire_result
icmp_build_too_big(struct pkt_buf *pb, const struct pkt_meta *m,
		   const uint8_t *src, uint32_t mtu)
{
	uint8_t dst[16], from[16];
	uint32_t l3, end, ip_len, hdr, quote, max;
	uint8_t *ip, *h;
	enum wire_result r;

	if (pb == NULL || m == NULL || src == NULL ||
	    (m->family != 4 && m->family != 6) || mtu > 65535u ||
	    mtu < (m->family == 4 ? ICMP4_MTU_MIN : ICMP6_MTU_MIN))
		return WIRE_ERR_INVAL;
	l3 = m->l3_off;
	end = ip_end(pkt_buf_data(pb), pb->len, m);
	if (end <= l3)
		return WIRE_ERR_INVAL;
	ip_len = end - l3;
	hdr = (m->family == 4 ? 20u : IPV6_HDR_LEN) + ICMP_HDR_LEN;
	max = m->family == 4 ? ICMP4_ERR_MAX : ICMP6_ERR_MAX;
	quote = ip_len < max - hdr ? ip_len : max - hdr;
	memcpy(dst, m->src, 16);
	memcpy(from, src, m->family == 4 ? 4 : 16);
	src = from;
	r = pkt_buf_open_gap(pb, l3, hdr);
	if (r != WIRE_OK)
		return r;
	pb->len = l3 + hdr + quote;
	ip = pkt_buf_data(pb) + l3;
	if (m->family == 4) {
		memset(ip, 0, hdr);
		ip[0] = 0x45;
		/* RFC 1812 §4.3.2.5: ICMP errors use precedence 6. */
		ip[1] = 0xc0;
		store_be16(ip + 2, (uint16_t)(hdr + quote));
		ip[8] = 64;
		ip[9] = IPPROTO_NUM_ICMP;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
		h = ip + 20;
		h[0] = ICMP4_DEST_UNREACH;
		h[1] = ICMP4_FRAG_NEEDED;
		store_be16(h + 6, (uint16_t)mtu);
		store_be16(h + 2, csum_fold(csum_partial(h, ICMP_HDR_LEN +
							 quote, 0)));
	} else {
		memset(ip, 0, hdr);
		ip[0] = 0x60;
		store_be16(ip + 4, (uint16_t)(ICMP_HDR_LEN + quote));
		ip[6] = IPPROTO_NUM_ICMPV6;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		h = ip + IPV6_HDR_LEN;
		h[0] = ICMP6_PACKET_TOO_BIG;
		store_be32(h + 4, mtu);
		store_be16(h + 2, csum_l4(csum_pseudo_ipv6(ip + 8, ip + 24,
							   IPPROTO_NUM_ICMPV6,
							   ICMP_HDR_LEN +
							   quote),
					  h, ICMP_HDR_LEN + quote));
	}
	return WIRE_OK;
}

void
icmp_set_dst(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
	     const struct icmp_info *info, const uint8_t *dst)
{
	uint8_t *ip = frame + m->l3_off;
	uint8_t *h = frame + info->icmp_off;

	if ((uint32_t)info->icmp_off + ICMP_HDR_LEN > len)
		return;
	if (m->family == 4) {
		store_be16(ip + 10, csum_update_bytes(load_be16(ip + 10),
						      ip + 16, dst, 4));
		memcpy(ip + 16, dst, 4);
		return;
	}
	/* RFC 4443 §2.3: the ICMPv6 checksum covers the pseudo-header. */
	store_be16(h + 2, csum_update_bytes(load_be16(h + 2), ip + 24, dst,
					    16));
	memcpy(ip + 24, dst, 16);
}

bool
icmp_ratelimit_take(struct icmp_ratelimit *rl, uint64_t now_ns, uint32_t rate)
{
	uint32_t burst = rate / 10u > 0 ? rate / 10u : 1u;
	uint64_t add;

	if (rl == NULL || rate == 0)
		return false;
	if (!rl->primed) {
		rl->primed = 1;
		rl->tokens = burst;
		rl->last_ns = now_ns;
	} else if (now_ns - rl->last_ns >= 1000000000ull &&
		   now_ns > rl->last_ns) {
		/* a second or more: full (and no overflow below) */
		rl->tokens = burst;
		rl->last_ns = now_ns;
	} else if (now_ns > rl->last_ns) {
		add = (now_ns - rl->last_ns) * rate / 1000000000ull;
		if (add > 0) {
			rl->tokens = add >= burst - rl->tokens ? burst :
				rl->tokens + (uint32_t)add;
			/* keep the remainder: only whole tokens advance
			 * the clock */
			rl->last_ns += add * 1000000000ull / rate;
		}
	} else {
		rl->last_ns = now_ns;
	}
	if (rl->tokens == 0)
		return false;
	rl->tokens--;
	return true;
}
