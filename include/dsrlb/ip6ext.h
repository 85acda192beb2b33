/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv6 extension-header chain walker (RFC 8200 §4, RFC 7112) and the
 * dynamic-DSR messages for IPv6 (paper Table 2): client tuple, metric
 * request, metric answer.
 *
 * Two encodings, chosen by configuration:
 *  - IP6EXT_ENC_PAPER (default, interoperable with the paper): each message
 *    is its own extension header with next-header value 27, 28 or 29.
 *    Those values are IANA protocol numbers (RDP, IRTP, ISO-TP4), so any
 *    box that does not know dsrlb sees an unknown upper layer;
 *  - IP6EXT_ENC_DSTOPT (standards-clean): the same messages as options of
 *    type 0x1E (RFC 4727 experimental; action 00 = skip if unknown, not
 *    changed en route) inside the final Destination Options header, the
 *    way Cilium carries its DSR option.
 * docs/wire-format.md has both layouts byte by byte.
 */
#ifndef DSRLB_IP6EXT_H_
#define DSRLB_IP6EXT_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire_result.h"

/** Most extension headers the walker crosses (RFC 8200 defines 6 kinds
 *  plus our 3; a chain longer than this is an attack or a mistake). */
#define IP6EXT_MAX_HEADERS      8
/** Most bytes of extension headers before the upper layer: all of it must
 *  be in the first fragment (RFC 7112); 256 bytes covers two 72-byte SRHs
 *  and every dsrlb message with room to spare. */
#define IP6EXT_MAX_CHAIN        256
/** RFC 4727 experimental option type: act 00, chg 0. */
#define IP6EXT_DSTOPT_TYPE      0x1E

/** Sub-types of the Destination Options encoding (first data byte). */
#define IP6EXT_SUB_CLIENT_TUPLE 1
#define IP6EXT_SUB_METRIC_REQ   2
#define IP6EXT_SUB_METRIC_ANS   3

enum ip6ext_encoding {
	IP6EXT_ENC_PAPER = 0,   /**< headers 27, 28, 29 */
	IP6EXT_ENC_DSTOPT = 1,  /**< options in a Destination Options header */
};

enum ip6ext_msg {
	IP6EXT_MSG_CLIENT_TUPLE = 0,
	IP6EXT_MSG_METRIC_REQ,
	IP6EXT_MSG_METRIC_ANS,
	IP6EXT_MSG_MAX
};

/** What a walk found. Offsets are from the start of the buffer; 0 = absent. */
struct ip6ext_info {
	uint32_t end;           /**< offset just past the IPv6 payload */
	uint32_t upper_off;     /**< offset of the upper-layer header */
	uint32_t upper_nh_at;   /**< offset of the Next Header byte naming it */
	uint8_t upper_proto;    /**< upper-layer protocol (or 59, no next) */
	uint8_t n_headers;      /**< extension headers crossed */
	uint8_t first_fragment; /**< a Fragment header with offset 0 was seen */
	uint32_t hbh_off;       /**< Hop-by-Hop */
	uint32_t srh_off;       /**< Routing header type 4 */
	uint32_t rh_off;        /**< Routing header of another type */
	uint32_t frag_off;      /**< Fragment header */
	uint32_t final_do_off;  /**< Destination Options right before the
				 *   upper layer (where ours go) */
	uint32_t msg_off[IP6EXT_MSG_MAX]; /**< header (paper) or option
					   *   (dstopt) of each message */
	uint32_t msg_hdr_off[IP6EXT_MSG_MAX]; /**< the header holding it */
	uint32_t msg_nh_at[IP6EXT_MSG_MAX];   /**< the Next Header byte
					       *   naming that header */
	uint8_t msg_enc[IP6EXT_MSG_MAX];  /**< its enum ip6ext_encoding */
	uint8_t client_addr[16];
	uint16_t client_port;
	uint16_t score;
	uint32_t req_nonce;     /**< 0 when the request is not authenticated */
	uint32_t ans_nonce;
};

/**
 * Validate the IPv6 header at @p buf + @p off: 40 bytes present, version
 * 6, payload length nonzero (no jumbograms) and within @p len.
 * @param end  set to the offset just past the payload (may be NULL).
 */
enum wire_result ip6_hdr_check(const uint8_t *buf, uint32_t len, uint32_t off,
			       uint32_t *end);

/**
 * Walk the extension-header chain of the IPv6 packet at @p off up to the
 * upper layer: Hop-by-Hop (first only), Routing (type 4 validated as an
 * SRH), Fragment (a non-first fragment stops the walk with
 * WIRE_ERR_IP6EXT_FRAGMENT), Destination Options and Hop-by-Hop options
 * (TLVs validated, Pad1/PadN included), AH, and the dsrlb headers 27-29
 * and options. Any other next-header value is the upper layer.
 * @param max_headers  caller limit, at most IP6EXT_MAX_HEADERS (0: that).
 * @return WIRE_OK or the first reason the chain is malformed.
 */
enum wire_result ip6ext_walk(const uint8_t *buf, uint32_t len, uint32_t off,
			     unsigned int max_headers,
			     struct ip6ext_info *info);

/**
 * The destination the transport checksum uses (RFC 8200 §8.1): the final
 * segment (Segment List[0]) of an SRH when there is one, else the IPv6
 * destination address. @p info must come from a successful walk.
 */
const uint8_t *ip6ext_final_dst(const uint8_t *buf, uint32_t off,
				const struct ip6ext_info *info);

/**
 * Insert a client tuple (@p addr, @p port) into the IPv6 packet at
 * @p l3_off of @p pb, in encoding @p enc, right before the upper layer
 * (after any Hop-by-Hop, Routing, Fragment, Destination Options and AH
 * headers: it is for the final destination, RFC 8200 §4.1). With the
 * Destination Options encoding the option joins the final Destination
 * Options header when there is one, else a new one is made. Next Header
 * and Payload Length follow. Transport checksums do not change: extension
 * headers are outside the pseudo-header and the final destination stays.
 * @param mtu  largest allowed IPv6 packet, header included; 0: 65575.
 * @return WIRE_OK; a walk error; WIRE_ERR_IP6EXT_DUP when the message is
 *   already present; WIRE_ERR_MTU; WIRE_ERR_NO_ROOM; WIRE_ERR_INVAL.
 *   On error nothing changed.
 */
enum wire_result ip6ext_insert_client(struct pkt_buf *pb, uint32_t l3_off,
				      uint32_t mtu, enum ip6ext_encoding enc,
				      const uint8_t addr[16], uint16_t port);

/** Insert a metric request carrying @p nonce (0: not authenticated). */
enum wire_result ip6ext_insert_request(struct pkt_buf *pb, uint32_t l3_off,
				       uint32_t mtu, enum ip6ext_encoding enc,
				       uint32_t nonce);

/** Insert a metric answer with @p score, echoing @p nonce (0: none). */
enum wire_result ip6ext_insert_answer(struct pkt_buf *pb, uint32_t l3_off,
				      uint32_t mtu, enum ip6ext_encoding enc,
				      uint16_t score, uint32_t nonce);

/**
 * Remove message @p msg (either encoding). A Destination Options header
 * left with other options is kept (re-padded); one left empty goes.
 * @return WIRE_OK, WIRE_ERR_NOT_FOUND, a walk error, WIRE_ERR_INVAL.
 */
enum wire_result ip6ext_remove(struct pkt_buf *pb, uint32_t l3_off,
			       enum ip6ext_msg msg);

/** Remove every dsrlb message present; @p removed counts them (may be
 *  NULL). @return WIRE_OK (also when none) or a walk error. */
enum wire_result ip6ext_remove_all(struct pkt_buf *pb, uint32_t l3_off,
				   unsigned int *removed);

#endif /* DSRLB_IP6EXT_H_ */
