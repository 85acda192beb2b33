/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Neighbour resolution codecs: ARP (RFC 826) for IPv4 over Ethernet and
 * IPv6 Neighbor Discovery Neighbor Solicitation / Advertisement
 * (RFC 4861 §4.3, §4.4, §7).
 *
 * neigh_parse() classifies a received frame and validates it against the
 * receiver rules of RFC 4861 §7.1.1 / §7.1.2; the responders turn a parsed
 * request into its answer in place (so a VLAN tag stays where it was), and
 * the builders write a fresh request for the resolver side. Every read is
 * bounds-checked against the frame length; nothing here trusts a length
 * field before comparing it with the bytes actually present.
 *
 * Pure C, no rte_* dependency, like the rest of lib/.
 */
#ifndef DSRLB_NEIGH_H_
#define DSRLB_NEIGH_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire.h"
#include "dsrlb/wire_result.h"

/* ---- ARP (RFC 826) ----------------------------------------------------- */
#define ARP_HDR_LEN          28   /**< Ethernet/IPv4 ARP body */
#define ARP_HTYPE_ETHER      1
#define ARP_OP_REQUEST       1
#define ARP_OP_REPLY         2
/** Minimum Ethernet frame without FCS; built ARP requests are padded to it. */
#define ETH_MIN_FRAME_LEN    60

/* ---- ICMPv6 Neighbor Discovery (RFC 4861) ------------------------------ */
#define ICMP6_ND_NS          135
#define ICMP6_ND_NA          136
#define ND_HOP_LIMIT         255
#define ND_MSG_LEN           24   /**< NS/NA fixed part: 8 + target */
#define ND_OPT_SLLA          1    /**< Source Link-Layer Address */
#define ND_OPT_TLLA          2    /**< Target Link-Layer Address */
#define ND_OPT_LLA_LEN       8    /**< link-layer address option, Ethernet */
#define ND_NA_FLAG_ROUTER    0x80
#define ND_NA_FLAG_SOLICITED 0x40
#define ND_NA_FLAG_OVERRIDE  0x20
/** Length of the NS/NA frames written here, without VLAN tag. */
#define ND_FRAME_LEN (ETH_HDR_LEN + IPV6_HDR_LEN + ND_MSG_LEN + ND_OPT_LLA_LEN)

enum neigh_kind {
	NEIGH_NONE = 0,
	NEIGH_ARP_REQUEST,
	NEIGH_ARP_REPLY,
	NEIGH_ND_NS,
	NEIGH_ND_NA,
};

/** What neigh_parse() found in a frame. */
struct neigh_msg {
	uint8_t kind;            /**< enum neigh_kind */
	uint8_t family;          /**< 4 or 6 (0 for NEIGH_NONE) */
	uint16_t l3_off;         /**< offset of ARP / IPv6 header in the frame */
	uint8_t sender_ip[16];   /**< ARP SPA (4 bytes, rest 0) / IPv6 source */
	uint8_t sender_mac[6];   /**< ARP SHA / SLLA (NS) or TLLA (NA) option */
	uint8_t has_sender_mac;  /**< the MAC above is present */
	uint8_t target_ip[16];   /**< ARP TPA (4 bytes, rest 0) / ND target */
	uint8_t na_flags;        /**< NA: R=0x80 S=0x40 O=0x20 */
};

/**
 * Classify the Ethernet frame @p frame of @p len bytes (at most one 802.1Q
 * tag) and validate it when it is ARP or an NS/NA.
 *
 * ARP (EtherType 0x0806): the 28-byte body must be present
 * (WIRE_ERR_TRUNCATED) and be htype 1, ptype 0x0800, hlen 6, plen 4 with
 * op 1 or 2 (WIRE_ERR_ARP_FORMAT otherwise). Bytes after it (Ethernet
 * padding) are ignored.
 *
 * IPv6 (EtherType 0x86DD): the 40-byte header must be present
 * (WIRE_ERR_TRUNCATED) with version 6 (WIRE_ERR_IPV6_VERSION). Only next
 * header 58 directly after the IPv6 header, ICMPv6 type 135 or 136, is
 * ND; anything else is NEIGH_NONE. For an NS/NA, in this order: the
 * payload length lies within the frame (WIRE_ERR_IPV6_PAYLOAD_LEN); hop
 * limit 255 (WIRE_ERR_ND_HOP_LIMIT); ICMPv6 code 0 and length >= 24
 * (WIRE_ERR_ND_FORMAT); checksum with the IPv6 pseudo-header
 * (WIRE_ERR_CHECKSUM); every option has nonzero length and ends inside
 * the payload (WIRE_ERR_ND_OPT); the target is neither multicast nor ::,
 * the source is not multicast, an NS from :: goes to a solicited-node multicast group
 * and carries no SLLA option, an NA to a multicast destination has S = 0
 * (WIRE_ERR_ND_FORMAT). The first SLLA (NS) or TLLA (NA) option of
 * Ethernet size fills sender_mac. Bytes after the payload are ignored.
 *
 * Reads nothing outside [@p frame, @p frame + @p len).
 * @return WIRE_OK with @p m->kind set (NEIGH_NONE for any other frame),
 *   one of the codes above, or WIRE_ERR_INVAL for NULL arguments. @p m is
 *   zeroed first and may be partly filled on error.
 */
enum wire_result neigh_parse(const uint8_t *frame, uint32_t len,
			     struct neigh_msg *m);

/**
 * Turn the ARP request @p m just parsed from @p frame into its reply, in
 * place: Ethernet dst := requester's SHA, src := @p my_mac (a VLAN tag is
 * kept), op 2, sender := (@p my_mac, requested TPA), target := (requester's
 * SHA, SPA). The frame length, padding included, is unchanged. Whether the
 * TPA is an address of ours is the caller's decision.
 * @return WIRE_OK, or WIRE_ERR_INVAL (NULL, @p m not an ARP request, or
 *   @p m not matching the bytes); nothing changed on error.
 */
enum wire_result neigh_arp_reply(uint8_t *frame, uint32_t len,
				 const struct neigh_msg *m,
				 const uint8_t my_mac[6]);

/**
 * Turn the NS @p m just parsed from the frame in @p pb into a solicited
 * Neighbor Advertisement, in place (RFC 4861 §7.2.4): IPv6 src := target,
 * dst := NS source, or all-nodes ff02::1 when the NS came from :: (DAD),
 * traffic class and flow label 0, hop limit 255; flags O, S unless the NS
 * came from ::, R when @p router; one Target Link-Layer Address option
 * with @p my_mac and no other option; Ethernet dst := the NS's Ethernet
 * source (33:33:00:00:00:01 for all-nodes), src := @p my_mac, a VLAN tag
 * kept; ICMPv6 checksum recomputed. pb->len becomes
 * l3_off + 40 + 32 (86 bytes untagged): the frame shrinks, or grows into
 * the tailroom.
 * @return WIRE_OK, WIRE_ERR_INVAL (NULL, @p m not an NS or not matching
 *   the bytes), or WIRE_ERR_NO_ROOM (not enough tailroom to grow);
 *   nothing changed on error.
 */
enum wire_result neigh_nd_advert(struct pkt_buf *pb, const struct neigh_msg *m,
				 const uint8_t my_mac[6], bool router);

/**
 * Overwrite the frame in @p pb (keeping pb->off) with a broadcast ARP
 * request "who has @p target_ip, tell @p src_ip" from @p src_mac, target
 * hardware address zero, zero-padded to 60 bytes; pb->len := 60.
 * @return WIRE_OK, WIRE_ERR_INVAL (NULL), or WIRE_ERR_NO_ROOM (fewer than
 *   60 bytes from pb->off to the end of the buffer).
 */
enum wire_result neigh_build_arp_request(struct pkt_buf *pb,
					 const uint8_t src_mac[6],
					 const uint8_t src_ip[4],
					 const uint8_t target_ip[4]);

/**
 * Overwrite the frame in @p pb (keeping pb->off) with a Neighbor
 * Solicitation for @p target from @p src_ip to the solicited-node
 * multicast group of @p target (Ethernet 33:33:ff:XX:XX:XX), hop limit 255,
 * with an SLLA option of @p src_mac; pb->len := 86. When @p src_ip is ::
 * (Duplicate Address Detection) the SLLA option is omitted as RFC 4861
 * §4.3 requires, and pb->len := 78.
 * @return WIRE_OK, WIRE_ERR_INVAL (NULL, multicast or unspecified
 *   @p target, multicast @p src_ip), or WIRE_ERR_NO_ROOM.
 */
enum wire_result neigh_build_ns(struct pkt_buf *pb, const uint8_t src_mac[6],
				const uint8_t src_ip[16],
				const uint8_t target[16]);

/**
 * Solicited-node multicast address of @p addr (RFC 4291 §2.7.1):
 * ff02::1:ff00:0/104 with the low 24 bits of @p addr. @p out may alias
 * @p addr.
 */
void neigh_solicited_node(const uint8_t addr[16], uint8_t out[16]);

#endif /* DSRLB_NEIGH_H_ */
