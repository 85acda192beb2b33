/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/neigh.h"
#include "dsrlb/wire.h"

/* Offsets inside the 28-byte ARP body (RFC 826). */
#define ARP_OFF_HTYPE  0
#define ARP_OFF_PTYPE  2
#define ARP_OFF_HLEN   4
#define ARP_OFF_PLEN   5
#define ARP_OFF_OP     6
#define ARP_OFF_SHA    8
#define ARP_OFF_SPA    14
#define ARP_OFF_THA    18
#define ARP_OFF_TPA    24

/* Offsets inside the IPv6 header and the ND message. */
#define IP6_OFF_PLEN   4
#define IP6_OFF_NH     6
#define IP6_OFF_HLIM   7
#define IP6_OFF_SRC    8
#define IP6_OFF_DST    24
#define ND_OFF_TYPE    0
#define ND_OFF_CODE    1
#define ND_OFF_CSUM    2
#define ND_OFF_FLAGS   4
#define ND_OFF_TARGET  8

static const uint8_t all_nodes[16] = {
	0xff, 0x02, [15] = 0x01,
};
static const uint8_t all_nodes_mac[6] = { 0x33, 0x33, 0, 0, 0, 0x01 };
/* ff02::1:ff00:0/104 */
static const uint8_t sol_node_prefix[13] = {
	0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff,
};

static bool
ip6_is_multicast(const uint8_t *a)
{
	return a[0] == 0xff;
}

static bool
ip6_is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

void
neigh_solicited_node(const uint8_t addr[16], uint8_t out[16])
{
	uint8_t low[3];

	/* Copy the low bits first: out may alias addr. */
	memcpy(low, addr + 13, 3);
	memcpy(out, sol_node_prefix, sizeof(sol_node_prefix));
	memcpy(out + 13, low, 3);
}

static enum wire_result
parse_arp(const uint8_t *frame, uint32_t len, struct neigh_msg *m)
{
	const uint8_t *a;
	uint16_t op;

	if (len - m->l3_off < ARP_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	a = frame + m->l3_off;
	if (load_be16(a + ARP_OFF_HTYPE) != ARP_HTYPE_ETHER ||
	    load_be16(a + ARP_OFF_PTYPE) != ETH_TYPE_IPV4 ||
	    a[ARP_OFF_HLEN] != 6 || a[ARP_OFF_PLEN] != 4)
		return WIRE_ERR_ARP_FORMAT;
	op = load_be16(a + ARP_OFF_OP);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY)
		return WIRE_ERR_ARP_FORMAT;
	m->family = 4;
	memcpy(m->sender_mac, a + ARP_OFF_SHA, 6);
	m->has_sender_mac = 1;
	memcpy(m->sender_ip, a + ARP_OFF_SPA, 4);
	memcpy(m->target_ip, a + ARP_OFF_TPA, 4);
	m->kind = op == ARP_OP_REQUEST ? NEIGH_ARP_REQUEST : NEIGH_ARP_REPLY;
	return WIRE_OK;
}

/* Walk the options of the ND message @nd of @nd_len bytes (>= 24); remember
 * the first Ethernet-sized link-layer address option of type @want. */
static enum wire_result
parse_nd_opts(const uint8_t *nd, uint32_t nd_len, uint8_t want,
	      struct neigh_msg *m, bool *has_slla)
{
	uint32_t off = ND_MSG_LEN;
	uint32_t olen;

	*has_slla = false;
	while (off < nd_len) {
		if (nd_len - off < 2)
			return WIRE_ERR_ND_OPT;
		olen = (uint32_t)nd[off + 1] * 8;
		if (olen == 0 || olen > nd_len - off)
			return WIRE_ERR_ND_OPT;
		if (nd[off] == ND_OPT_SLLA)
			*has_slla = true;
		if (nd[off] == want && olen == ND_OPT_LLA_LEN &&
		    !m->has_sender_mac) {
			memcpy(m->sender_mac, nd + off + 2, 6);
			m->has_sender_mac = 1;
		}
		off += olen;
	}
	return WIRE_OK;
}

static enum wire_result
parse_ipv6(const uint8_t *frame, uint32_t len, struct neigh_msg *m)
{
	const uint8_t *ip, *nd, *src, *dst;
	enum wire_result r;
	uint32_t plen;
	bool has_slla;
	uint8_t type;

	if (len - m->l3_off < IPV6_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	ip = frame + m->l3_off;
	if ((ip[0] >> 4) != 6)
		return WIRE_ERR_IPV6_VERSION;
	/* Extension headers before ICMPv6 (even AH) are not accepted for ND
	 * here: RFC 4861 messages are sent without them. */
	if (ip[IP6_OFF_NH] != IPPROTO_NUM_ICMPV6)
		return WIRE_OK;
	plen = load_be16(ip + IP6_OFF_PLEN);
	if (plen > len - m->l3_off - IPV6_HDR_LEN)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	if (plen < 1)
		return WIRE_OK;
	nd = ip + IPV6_HDR_LEN;
	type = nd[ND_OFF_TYPE];
	if (type != ICMP6_ND_NS && type != ICMP6_ND_NA)
		return WIRE_OK;

	src = ip + IP6_OFF_SRC;
	dst = ip + IP6_OFF_DST;
	m->family = 6;
	memcpy(m->sender_ip, src, 16);
	if (ip[IP6_OFF_HLIM] != ND_HOP_LIMIT)
		return WIRE_ERR_ND_HOP_LIMIT;
	if (plen < ND_MSG_LEN || nd[ND_OFF_CODE] != 0)
		return WIRE_ERR_ND_FORMAT;
	memcpy(m->target_ip, nd + ND_OFF_TARGET, 16);
	if (csum_l4(csum_pseudo_ipv6(src, dst, IPPROTO_NUM_ICMPV6, plen), nd,
		    plen) != 0)
		return WIRE_ERR_CHECKSUM;
	r = parse_nd_opts(nd, plen,
			  type == ICMP6_ND_NS ? ND_OPT_SLLA : ND_OPT_TLLA, m,
			  &has_slla);
	if (r != WIRE_OK)
		return r;
	/* The target can be neither a group nor :: (there is nothing to
	 * resolve), and no packet comes from a group (RFC 4291 §2.7). */
	if (ip6_is_multicast(nd + ND_OFF_TARGET) ||
	    ip6_is_unspecified(nd + ND_OFF_TARGET) || ip6_is_multicast(src))
		return WIRE_ERR_ND_FORMAT;
	if (type == ICMP6_ND_NS) {
		/* §7.1.1: DAD probes go to a solicited-node group and must
		 * not advertise a link-layer address. */
		if (ip6_is_unspecified(src) &&
		    (memcmp(dst, sol_node_prefix, sizeof(sol_node_prefix)) !=
			     0 ||
		     has_slla))
			return WIRE_ERR_ND_FORMAT;
		m->kind = NEIGH_ND_NS;
	} else {
		m->na_flags = nd[ND_OFF_FLAGS] &
			      (ND_NA_FLAG_ROUTER | ND_NA_FLAG_SOLICITED |
			       ND_NA_FLAG_OVERRIDE);
		/* §7.1.2: a solicited answer is unicast. */
		if (ip6_is_multicast(dst) &&
		    (m->na_flags & ND_NA_FLAG_SOLICITED))
			return WIRE_ERR_ND_FORMAT;
		m->kind = NEIGH_ND_NA;
	}
	return WIRE_OK;
}

enum wire_result
neigh_parse(const uint8_t *frame, uint32_t len, struct neigh_msg *m)
{
	uint32_t off = ETH_HDR_LEN;
	uint16_t type;

	if (m == NULL)
		return WIRE_ERR_INVAL;
	memset(m, 0, sizeof(*m));
	if (frame == NULL)
		return WIRE_ERR_INVAL;
	if (len < ETH_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	type = load_be16(frame + 12);
	if (type == ETH_TYPE_VLAN) {
		if (len < ETH_HDR_LEN + 4)
			return WIRE_ERR_TRUNCATED;
		type = load_be16(frame + 16);
		off += 4;
	}
	m->l3_off = (uint16_t)off;
	switch (type) {
	case ETH_TYPE_ARP:
		return parse_arp(frame, len, m);
	case ETH_TYPE_IPV6:
		return parse_ipv6(frame, len, m);
	default:
		return WIRE_OK;
	}
}

/* The EtherType just before @l3_off, if the frame is long enough. */
static bool
l3_type_is(const uint8_t *frame, uint32_t len, uint32_t l3_off, uint16_t type)
{
	return l3_off >= ETH_HDR_LEN && l3_off <= len &&
	       load_be16(frame + l3_off - 2) == type;
}

enum wire_result
neigh_arp_reply(uint8_t *frame, uint32_t len, const struct neigh_msg *m,
		const uint8_t my_mac[6])
{
	uint8_t *a;

	if (frame == NULL || m == NULL || my_mac == NULL ||
	    m->kind != NEIGH_ARP_REQUEST ||
	    !l3_type_is(frame, len, m->l3_off, ETH_TYPE_ARP) ||
	    len - m->l3_off < ARP_HDR_LEN)
		return WIRE_ERR_INVAL;
	a = frame + m->l3_off;
	if (load_be16(a + ARP_OFF_OP) != ARP_OP_REQUEST ||
	    memcmp(a + ARP_OFF_SPA, m->sender_ip, 4) != 0 ||
	    memcmp(a + ARP_OFF_TPA, m->target_ip, 4) != 0)
		return WIRE_ERR_INVAL;

	/* Everything written comes from m and my_mac, so the order of the
	 * stores does not matter. */
	memcpy(frame, m->sender_mac, 6);
	memcpy(frame + 6, my_mac, 6);
	store_be16(a + ARP_OFF_OP, ARP_OP_REPLY);
	memcpy(a + ARP_OFF_SHA, my_mac, 6);
	memcpy(a + ARP_OFF_SPA, m->target_ip, 4);
	memcpy(a + ARP_OFF_THA, m->sender_mac, 6);
	memcpy(a + ARP_OFF_TPA, m->sender_ip, 4);
	return WIRE_OK;
}

static bool
pkt_buf_sane(const struct pkt_buf *pb)
{
	return pb != NULL && pb->base != NULL && pb->off <= pb->cap &&
	       pb->len <= pb->cap - pb->off;
}

/* Write the IPv6 header and the ND message (type, flags byte, target and an
 * optional link-layer address option) at @ip, with its checksum. */
static uint32_t
write_nd(uint8_t *ip, const uint8_t src[16], const uint8_t dst[16],
	 uint8_t type, uint8_t flags, const uint8_t target[16],
	 uint8_t opt_type, const uint8_t *mac)
{
	uint8_t *nd = ip + IPV6_HDR_LEN;
	uint32_t plen = ND_MSG_LEN + (mac != NULL ? ND_OPT_LLA_LEN : 0);

	store_be32(ip, 0x60000000u);
	store_be16(ip + IP6_OFF_PLEN, (uint16_t)plen);
	ip[IP6_OFF_NH] = IPPROTO_NUM_ICMPV6;
	ip[IP6_OFF_HLIM] = ND_HOP_LIMIT;
	memmove(ip + IP6_OFF_SRC, src, 16);
	memmove(ip + IP6_OFF_DST, dst, 16);
	memset(nd, 0, ND_MSG_LEN);
	nd[ND_OFF_TYPE] = type;
	nd[ND_OFF_FLAGS] = flags;
	memmove(nd + ND_OFF_TARGET, target, 16);
	if (mac != NULL) {
		nd[ND_MSG_LEN] = opt_type;
		nd[ND_MSG_LEN + 1] = 1;
		memmove(nd + ND_MSG_LEN + 2, mac, 6);
	}
	store_be16(nd + ND_OFF_CSUM,
		   csum_l4(csum_pseudo_ipv6(ip + IP6_OFF_SRC, ip + IP6_OFF_DST,
					    IPPROTO_NUM_ICMPV6, plen),
			   nd, plen));
	return plen;
}

enum wire_result
neigh_nd_advert(struct pkt_buf *pb, const struct neigh_msg *m,
		const uint8_t my_mac[6], bool router)
{
	uint8_t eth_dst[6], src[16], dst[16], target[16], mac[6];
	uint32_t new_len;
	uint8_t *frame, *ip, flags;
	bool dad;

	if (!pkt_buf_sane(pb) || m == NULL || my_mac == NULL ||
	    m->kind != NEIGH_ND_NS)
		return WIRE_ERR_INVAL;
	frame = pkt_buf_data(pb);
	if (!l3_type_is(frame, pb->len, m->l3_off, ETH_TYPE_IPV6) ||
	    pb->len - m->l3_off < IPV6_HDR_LEN + ND_MSG_LEN)
		return WIRE_ERR_INVAL;
	ip = frame + m->l3_off;
	if (ip[IP6_OFF_NH] != IPPROTO_NUM_ICMPV6 ||
	    ip[IPV6_HDR_LEN + ND_OFF_TYPE] != ICMP6_ND_NS ||
	    memcmp(ip + IP6_OFF_SRC, m->sender_ip, 16) != 0 ||
	    memcmp(ip + IPV6_HDR_LEN + ND_OFF_TARGET, m->target_ip, 16) != 0)
		return WIRE_ERR_INVAL;
	new_len = (uint32_t)m->l3_off + IPV6_HDR_LEN + ND_MSG_LEN +
		  ND_OPT_LLA_LEN;
	if (new_len > pb->cap - pb->off)
		return WIRE_ERR_NO_ROOM;

	/* Copy every input out of the frame before writing over it (my_mac
	 * could even point into it). */
	dad = ip6_is_unspecified(m->sender_ip);
	memcpy(mac, my_mac, 6);
	memcpy(target, m->target_ip, 16);
	memcpy(src, target, 16);
	memcpy(dst, dad ? all_nodes : m->sender_ip, 16);
	memcpy(eth_dst, dad ? all_nodes_mac : frame + 6, 6);
	flags = ND_NA_FLAG_OVERRIDE;
	if (!dad)
		flags |= ND_NA_FLAG_SOLICITED;
	if (router)
		flags |= ND_NA_FLAG_ROUTER;

	memcpy(frame, eth_dst, 6);
	memcpy(frame + 6, mac, 6);
	write_nd(ip, src, dst, ICMP6_ND_NA, flags, target, ND_OPT_TLLA, mac);
	pb->len = new_len;
	return WIRE_OK;
}

enum wire_result
neigh_build_arp_request(struct pkt_buf *pb, const uint8_t src_mac[6],
			const uint8_t src_ip[4], const uint8_t target_ip[4])
{
	uint8_t f[ETH_MIN_FRAME_LEN];
	uint8_t *a = f + ETH_HDR_LEN;

	if (!pkt_buf_sane(pb) || src_mac == NULL || src_ip == NULL ||
	    target_ip == NULL)
		return WIRE_ERR_INVAL;
	if (pb->cap - pb->off < ETH_MIN_FRAME_LEN)
		return WIRE_ERR_NO_ROOM;
	/* Built aside, then copied: the inputs may live in the buffer. */
	memset(f, 0, sizeof(f));
	memset(f, 0xff, 6);
	memcpy(f + 6, src_mac, 6);
	store_be16(f + 12, ETH_TYPE_ARP);
	store_be16(a + ARP_OFF_HTYPE, ARP_HTYPE_ETHER);
	store_be16(a + ARP_OFF_PTYPE, ETH_TYPE_IPV4);
	a[ARP_OFF_HLEN] = 6;
	a[ARP_OFF_PLEN] = 4;
	store_be16(a + ARP_OFF_OP, ARP_OP_REQUEST);
	memcpy(a + ARP_OFF_SHA, src_mac, 6);
	memcpy(a + ARP_OFF_SPA, src_ip, 4);
	memcpy(a + ARP_OFF_TPA, target_ip, 4);
	memcpy(pkt_buf_data(pb), f, sizeof(f));
	pb->len = ETH_MIN_FRAME_LEN;
	return WIRE_OK;
}

enum wire_result
neigh_build_ns(struct pkt_buf *pb, const uint8_t src_mac[6],
	       const uint8_t src_ip[16], const uint8_t target[16])
{
	uint8_t f[ND_FRAME_LEN];
	uint8_t group[16];
	uint32_t plen;
	bool dad;

	if (!pkt_buf_sane(pb) || src_mac == NULL || src_ip == NULL ||
	    target == NULL || ip6_is_multicast(target) ||
	    ip6_is_unspecified(target) || ip6_is_multicast(src_ip))
		return WIRE_ERR_INVAL;
	dad = ip6_is_unspecified(src_ip);
	neigh_solicited_node(target, group);
	f[0] = 0x33;
	f[1] = 0x33;
	memcpy(f + 2, group + 12, 4);
	memcpy(f + 6, src_mac, 6);
	store_be16(f + 12, ETH_TYPE_IPV6);
	plen = write_nd(f + ETH_HDR_LEN, src_ip, group, ICMP6_ND_NS, 0,
			target, ND_OPT_SLLA, dad ? NULL : src_mac);
	if (pb->cap - pb->off < ETH_HDR_LEN + IPV6_HDR_LEN + plen)
		return WIRE_ERR_NO_ROOM;
	memcpy(pkt_buf_data(pb), f, ETH_HDR_LEN + IPV6_HDR_LEN + plen);
	pb->len = ETH_HDR_LEN + IPV6_HDR_LEN + plen;
	return WIRE_OK;
}
