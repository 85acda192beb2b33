/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * ICMPv4 (RFC 792, RFC 1191, RFC 1812 §4.3) and ICMPv6 (RFC 4443) for the
 * appliance: reading an error and the packet it quotes, turning an echo
 * request into its reply, turning a packet that cannot be forwarded into a
 * "fragmentation needed" / "packet too big" that quotes it, and
 * readdressing an error to the server that owns the quoted flow.
 *
 * An error about a VIP flow quotes a packet the server sent to the client
 * (source VIP:port, destination client:port): the flow is that quote
 * reversed, as Katran's handle_icmp.h reads it. docs/wire-format.md,
 * "ICMP", has the details.
 *
 * Checksums of received messages are not verified here: an error is
 * forwarded to a host that verifies it, and an echo reply is derived from
 * its request by an incremental update (a wrong checksum stays wrong).
 */
#ifndef DSRLB_ICMP_H_
#define DSRLB_ICMP_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire_result.h"

/** ICMPv4 types and codes used here. */
#define ICMP4_ECHO_REPLY        0
#define ICMP4_DEST_UNREACH      3
#define ICMP4_FRAG_NEEDED       4   /**< code of DEST_UNREACH (RFC 1191) */
#define ICMP4_ECHO_REQUEST      8
#define ICMP4_TIME_EXCEEDED     11
#define ICMP4_PARAM_PROBLEM     12
/** ICMPv6 types used here. */
#define ICMP6_DEST_UNREACH      1
#define ICMP6_PACKET_TOO_BIG    2
#define ICMP6_TIME_EXCEEDED     3
#define ICMP6_PARAM_PROBLEM     4
#define ICMP6_ECHO_REQUEST      128
#define ICMP6_ECHO_REPLY        129

/** ICMP header length (type, code, checksum, 4 bytes of rest). */
#define ICMP_HDR_LEN            8
/** Most bytes of an ICMPv4 error: RFC 1812 §4.3.2.3, 576. */
#define ICMP4_ERR_MAX           576u
/** Most bytes of an ICMPv6 error: RFC 4443 §2.4 (c), the minimum MTU. */
#define ICMP6_ERR_MAX           1280u
/** Least MTU a frag-needed may announce (RFC 791: 68) and a PTB (RFC
 *  8200 §5: 1280). */
#define ICMP4_MTU_MIN           68u
#define ICMP6_MTU_MIN           1280u
/** Most extension headers crossed in a quoted IPv6 packet. */
#define ICMP6_QUOTE_MAX_EXT     8

/** What kind of ICMP message. */
enum icmp_class {
	ICMP_CLASS_OTHER = 0,       /**< informational, not handled */
	ICMP_CLASS_ECHO_REQUEST,    /**< may be answered */
	ICMP_CLASS_ERROR,           /**< quotes an IP packet */
};

/** What icmp_parse() found. Inner addresses: IPv4 in the first 4 bytes. */
struct icmp_info {
	uint8_t cls;                /**< enum icmp_class */
	uint8_t type;
	uint8_t code;
	uint8_t inner_proto;        /**< upper layer of the quoted packet */
	uint8_t inner_has_ports;    /**< the quote reaches the ports
				     *   (TCP, UDP, first fragment) */
	uint8_t pad;
	uint16_t icmp_off;          /**< frame offset of the ICMP header */
	uint16_t inner_off;         /**< frame offset of the quoted header */
	uint16_t end;               /**< frame offset past the IP packet */
	uint32_t mtu;               /**< announced MTU (frag-needed, PTB),
				     *   else 0 */
	uint8_t inner_src[16];
	uint8_t inner_dst[16];
	uint16_t inner_sport;       /**< host order */
	uint16_t inner_dport;
};

/**
 * Read the ICMP (@p m family 4, protocol 1) or ICMPv6 (family 6,
 * protocol 58) message of a frame pkt_parse() accepted. For an error
 * (v4 types 3, 11, 12; v6 types 1 to 4) the quoted header is read: its
 * family must match the outer one, its addresses must be there, and its
 * ports are read when the quote reaches them (TCP and UDP, not a later
 * fragment; an IPv6 quote's extension headers are crossed, at most
 * ICMP6_QUOTE_MAX_EXT).
 * @return WIRE_OK; WIRE_ERR_INVAL (not ICMP); WIRE_ERR_ICMP_SHORT
 *   (shorter than its header, or an error shorter than the quoted IP
 *   header); WIRE_ERR_ICMP_QUOTE (quoted header of the wrong version or
 *   malformed).
 */
enum wire_result icmp_parse(const uint8_t *frame, uint32_t len,
			    const struct pkt_meta *m, struct icmp_info *info);

/**
 * Turn an echo request (@p info from icmp_parse()) into its reply in
 * place: addresses swapped, type 0 / 129, TTL / hop limit 64, the IPv4
 * header checksum and the ICMP checksum updated (RFC 1624). The Ethernet
 * header is the caller's.
 * @return WIRE_OK or WIRE_ERR_INVAL (not an echo request).
 */
enum wire_result icmp_echo_reply(uint8_t *frame, uint32_t len,
				 const struct pkt_meta *m,
				 const struct icmp_info *info);

/**
 * Replace the IP packet of @p pb (@p m from pkt_parse()) with an ICMPv4
 * "fragmentation needed" (type 3 code 4, next-hop MTU @p mtu, RFC 1191)
 * or an ICMPv6 "packet too big" (type 2, RFC 4443 §3.2) from @p src to
 * the packet's source, quoting as much of the packet as fits in
 * ICMP4_ERR_MAX / ICMP6_ERR_MAX bytes. The bytes before the IP header
 * (Ethernet) are kept for the caller to readdress.
 * @return WIRE_OK; WIRE_ERR_INVAL (@p m not IP, @p mtu out of
 *   ICMP4_MTU_MIN / ICMP6_MTU_MIN..65535); WIRE_ERR_NO_ROOM. On error
 *   nothing changed.
 */
enum wire_result icmp_build_too_big(struct pkt_buf *pb,
				    const struct pkt_meta *m,
				    const uint8_t *src, uint32_t mtu);

/**
 * Set the outer destination of an ICMP message to @p dst (4 or 16 bytes
 * by the family), keeping the IPv4 header checksum and, for ICMPv6,
 * whose checksum covers the pseudo-header, the ICMPv6 checksum right.
 */
void icmp_set_dst(uint8_t *frame, uint32_t len, const struct pkt_meta *m,
		  const struct icmp_info *info, const uint8_t *dst);

/** Token bucket limiting the errors one lcore sends (RFC 1812 §4.3.2.8,
 *  RFC 4443 §2.4 (f)). Zero-initialised: full. */
struct icmp_ratelimit {
	uint64_t last_ns;           /**< last refill */
	uint32_t tokens;            /**< errors that may go now */
	uint8_t primed;             /**< tokens valid */
};

/**
 * Take a token from @p rl at @p now_ns: @p rate per second, at most
 * max(1, rate / 10) at once (a tenth of a second's worth).
 * @return true when an error may be sent; false when @p rate is 0 or the
 *   bucket is empty.
 */
bool icmp_ratelimit_take(struct icmp_ratelimit *rl, uint64_t now_ns,
			 uint32_t rate);

#endif /* DSRLB_ICMP_H_ */
