/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One-pass classification of a frame: Ethernet (with at most one VLAN tag),
 * IPv4 with its options or IPv6 with its extension-header chain, the
 * transport ports and flags, and every dsrlb message it carries (client
 * tuple, metric request/answer, SRH).
 *
 * This is the "parse" stage shared by the demo, the appliance, the agent,
 * the replay tool and the fuzzers: all header reads are bounds-checked by
 * the codecs it calls, and a malformed frame yields a named wire_result.
 */
#ifndef DSRLB_PKT_PARSE_H_
#define DSRLB_PKT_PARSE_H_

#include <stddef.h>
#include <stdint.h>

#include "dsrlb/wire_result.h"

/** dsrlb messages a frame may carry (bit numbers of pkt_meta.msgs). */
#define PKT_MSG_LIST(X)                                               \
	X(CLIENT_TUPLE, "client-tuple")  /**< IPv4 155 / IPv6 27 */   \
	X(METRIC_REQ,   "metric-request") /**< IPv4 124 / IPv6 28 */  \
	X(METRIC_ANS,   "metric-answer") /**< IPv4 125 / IPv6 29 */   \
	X(NONCE,        "nonce")         /**< request/answer authenticated */ \
	X(DSTOPT_ENC,   "dstopt-encoding") /**< IPv6 messages in Dest. Options */ \
	X(SRH,          "srh")           /**< SRv6 routing header */  \
	X(FRAGMENT,     "fragment")      /**< first fragment of a datagram
					  *   (not an IPv6 atomic fragment,
					  *   RFC 6946: a whole packet) */ \
	X(RECOVER,      "recover")       /**< 158, IPv6 253 / 0x1E-4 */

enum pkt_msg {
#define PKT_MSG_ENUM(name, str) PKT_MSG_##name,
	PKT_MSG_LIST(PKT_MSG_ENUM)
#undef PKT_MSG_ENUM
	PKT_MSG_MAX
};

struct pkt_meta {
	uint16_t ethertype;     /**< after any VLAN tag, host order */
	uint16_t l3_off;        /**< offset of the IP header in the frame */
	uint16_t l4_off;        /**< offset of the transport header */
	uint8_t family;         /**< 4, 6, or 0 when not IP */
	uint8_t l4_proto;       /**< upper-layer protocol number */
	uint8_t tcp_flags;      /**< TCP flags, 0 otherwise */
	uint8_t ttl;            /**< TTL or hop limit */
	uint32_t msgs;          /**< bit set of enum pkt_msg */
	uint8_t src[16];        /**< IPv4 in the first 4 bytes */
	uint8_t dst[16];        /**< as on the wire (an SRH may follow) */
	uint16_t sport;         /**< host order; 0 when no ports */
	uint16_t dport;
	uint16_t srh_off;       /**< offset of the SRH in the frame */
	uint8_t srh_segments_left;
	uint8_t srh_last_entry;
	uint32_t opt4;          /**< IPv4: where the message options are, for
				 *   pkt_strip_msgs() (issue 19): header
				 *   offsets of client tuple, request, answer
				 *   and recover in bits 0-5, 6-11, 12-17 and
				 *   18-23 (0: absent); bits 24 and 25: the
				 *   request / answer has 8 bytes; bit 26:
				 *   the recover marker has 12 (an address) */
	uint16_t ext6;          /**< IPv6: the chain is only dsrlb headers of
				 *   the paper encoding, side by side after
				 *   the fixed header, the upper layer right
				 *   after them: their bytes, for
				 *   pkt_strip_msgs() (issue 19); 0: not so */
	/* Decoded messages: each field is valid only while its message's
	 * bit is set in msgs. pkt_parse() clears them for a frame that may
	 * carry messages; its fast paths for a plain TCP or UDP packet
	 * leave them as they were (issue 19: clearing the whole struct was
	 * 23 instructions of every packet). 48 bytes from an 8-byte
	 * boundary: three 16-byte stores clear them. */
	_Alignas(8) uint8_t client_addr[16]; /**< IPv4 in the first 4
					      *   bytes */
	uint16_t client_port;
	uint16_t score;         /**< busyness score of a metric answer */
	uint32_t nonce;         /**< of an authenticated request/answer */
	uint32_t rec_cookie;    /**< recover: the appliance's cookie */
	uint8_t rec_index;      /**< recover: candidate index */
	uint8_t rec_count;      /**< recover: candidates of the flow */
	uint8_t rec_has_addr;   /**< recover: rec_addr is present */
	uint8_t rec_addr[16];   /**< recover: return address (offer) or VIP
				 *   (pass-back, pin); IPv4 in 4 bytes */
};

/**
 * Classify @p len bytes of a frame starting with its Ethernet header.
 * @p m is always filled as far as parsing went (the decoded messages'
 * fields: only those whose bit is set in msgs).
 * @return WIRE_OK for a well-formed frame (IP or not), else the first
 *   reason the frame is malformed.
 */
enum wire_result pkt_parse(const uint8_t *frame, uint32_t len,
			   struct pkt_meta *m);

/** Short name of a message bit ("client-tuple", ...). */
const char *pkt_msg_name(unsigned int msg);

/**
 * One-line human description of a parsed frame, e.g.
 * "IPv4 TCP 10.0.0.1:1234 > 10.0.0.100:80 [S] client-tuple=192.0.2.7:5555".
 * @return the number of characters written (as snprintf).
 */
int pkt_meta_format(const struct pkt_meta *m, enum wire_result r, char *buf,
		    size_t size);

#endif /* DSRLB_PKT_PARSE_H_ */
