/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv6 extension-header chain walker (RFC 8200 §4, RFC 7112) and the
 * dynamic-DSR messages for IPv6 (paper §3, Table 2): client tuple, metric
 * request, metric answer; and dsrlb's recover marker (issue 17), the
 * IPv6 form of IPv4 option 158.
 *
 * Two encodings, chosen at run time by an enum ip6ext_encoding argument:
 *  - IP6EXT_ENC_PAPER (default, what the paper describes): each message is
 *    its own extension header in the RFC 6564 uniform format, with
 *    next-header value 27, 28 or 29. Those values are IANA protocol
 *    numbers (RDP, IRTP, ISO-TP4), so any box that does not know dsrlb
 *    sees an unknown upper layer; the recover marker is header 253
 *    (RFC 4727 experimental extension header);
 *  - IP6EXT_ENC_DSTOPT (standards-clean): the same messages as options of
 *    type 0x1E (RFC 4727 experimental; action 00 = skip if unknown, not
 *    changed en route) inside the final Destination Options header, one
 *    sub-type byte per message, the way Cilium carries its DSR option.
 * The walker recognises both. docs/wire-format.md has both layouts byte by
 * byte, with hex examples.
 *
 * No function here changes a TCP/UDP checksum: extension headers are not
 * in the pseudo-header and the final destination is never modified.
 */
#ifndef DSRLB_IP6EXT_H_
#define DSRLB_IP6EXT_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire.h"
#include "dsrlb/wire_result.h"

/** Most extension headers the walker crosses (RFC 8200 defines six kinds,
 *  each normally once, Destination Options twice; plus our four). A
 *  longer chain is an attack or a mistake (DPDK's rte_net_skip_ip6_ext
 *  stops at 5). */
#define IP6EXT_MAX_HEADERS      8
/** Most bytes of extension headers between the IPv6 header and the upper
 *  layer. RFC 7112: the whole chain must be in the first fragment; 512
 *  bytes holds the largest SRH lib/wire accepts (16 segments, 264 bytes)
 *  plus Hop-by-Hop, Fragment, AH and every dsrlb message, and bounds the
 *  work per packet. */
#define IP6EXT_MAX_CHAIN        512
/** Longest run of consecutive Pad1/PadN bytes in an options header:
 *  padding only aligns the next option to at most 8 (RFC 8200 §4.2; the
 *  Linux receiver drops longer runs, RFC 4942 §2.1.9.5). */
#define IP6EXT_MAX_PAD_RUN      7

/** Hop-by-Hop / Destination Options option types (RFC 8200 §4.2). */
#define IP6EXT_OPT_PAD1         0x00
#define IP6EXT_OPT_PADN         0x01
/** RFC 4727 experimental option type: act 00 (skip if unknown), chg 0. */
#define IP6EXT_DSTOPT_TYPE      0x1E

/** Sub-types of the Destination Options encoding (first data byte). */
#define IP6EXT_SUB_CLIENT_TUPLE 1
#define IP6EXT_SUB_METRIC_REQ   2
#define IP6EXT_SUB_METRIC_ANS   3
#define IP6EXT_SUB_RECOVER      4
/** Option Data Length of each sub-type (sub-type byte included). */
#define IP6EXT_DO_CLIENT_DATA_LEN 20
#define IP6EXT_DO_METRIC_DATA_LEN 8
#define IP6EXT_DO_RECOVER_DATA_LEN 8

/** How the messages are carried. */
enum ip6ext_encoding {
	IP6EXT_ENC_PAPER = 0,   /**< headers 27, 28, 29, 253 (default) */
	IP6EXT_ENC_DSTOPT = 1,  /**< options in a Destination Options header */
};

/** The three dynamic-DSR messages and the recover marker. */
enum ip6ext_msg {
	IP6EXT_MSG_CLIENT_TUPLE = 0,    /**< client address and port */
	IP6EXT_MSG_METRIC_REQ,          /**< "send me your busyness score" */
	IP6EXT_MSG_METRIC_ANS,          /**< the busyness score */
	IP6EXT_MSG_RECOVER,             /**< recovery offer (issue 17) */
	IP6EXT_MSG_MAX
};

/** What a walk found. Offsets are from the start of the buffer given to
 *  ip6ext_walk(); 0 means absent (nothing of interest is at offset 0). */
struct ip6ext_info {
	uint32_t end;           /**< offset just past the IPv6 payload */
	uint32_t upper_off;     /**< offset of the upper-layer header */
	uint32_t upper_nh_at;   /**< offset of the Next Header byte naming it */
	uint8_t upper_proto;    /**< upper-layer protocol: any next-header
				 *   value the walker does not cross (TCP,
				 *   UDP, ESP, 59 = no next header, ...) */
	uint8_t n_headers;      /**< extension headers crossed */
	uint8_t first_fragment; /**< a Fragment header with offset 0 was seen */
	uint8_t frag_more;      /**< ... and its M flag is set: a real first
				 *   fragment, whose length must not change */
	uint32_t hbh_off;       /**< Hop-by-Hop header */
	uint32_t srh_off;       /**< Routing header type 4 (validated SRH) */
	uint32_t rh_off;        /**< Routing header of another type */
	uint32_t frag_off;      /**< Fragment header */
	uint32_t ah_off;        /**< Authentication Header */
	uint32_t final_do_off;  /**< Destination Options header right before
				 *   the upper layer (where options go) */
	uint32_t msg_off[IP6EXT_MSG_MAX]; /**< header (paper) or option type
					   *   byte (dstopt) of each message */
	uint32_t msg_hdr_off[IP6EXT_MSG_MAX]; /**< the header holding it */
	uint32_t msg_nh_at[IP6EXT_MSG_MAX];   /**< the Next Header byte
					       *   naming that header */
	uint8_t msg_enc[IP6EXT_MSG_MAX];  /**< its enum ip6ext_encoding */
	uint8_t client_addr[16];  /**< client tuple: address */
	uint16_t client_port;     /**< client tuple: port, host order */
	uint16_t score;           /**< metric answer: busyness score */
	uint32_t req_nonce;       /**< metric request nonce, 0: none */
	uint32_t ans_nonce;       /**< metric answer nonce, 0: none */
	uint8_t rec_index;        /**< recover: candidate index */
	uint8_t rec_count;        /**< recover: candidates of the flow */
	uint32_t rec_cookie;      /**< recover: the appliance's cookie */
	uint8_t rec_has_addr;     /**< recover: the long form, rec_addr set */
	uint8_t rec_addr[16];     /**< recover: return address or VIP */
};

/**
 * Validate the IPv6 header at @p buf + @p off, @p len being the bytes of
 * @p buf that hold the frame: 40 bytes present, version 6, Payload Length
 * nonzero (0 announces a jumbogram, RFC 2675: refused) and within @p len
 * (bytes after the payload, e.g. Ethernet padding, are allowed).
 * @param end  set to the offset just past the payload (may be NULL).
 * @return WIRE_OK, WIRE_ERR_INVAL, WIRE_ERR_TRUNCATED,
 *   WIRE_ERR_IPV6_VERSION or WIRE_ERR_IPV6_PAYLOAD_LEN.
 */
static inline enum wire_result
ip6_hdr_check(const uint8_t *buf, uint32_t len, uint32_t off, uint32_t *end)
{
	/* Inline: the walk and the SRH insert of every IPv6 packet check
	 * the header (issue 19, round 4). */
	uint32_t plen;

	if (buf == NULL)
		return WIRE_ERR_INVAL;
	if (off > len || len - off < IPV6_HDR_LEN)
		return WIRE_ERR_TRUNCATED;
	if ((buf[off] >> 4) != 6)
		return WIRE_ERR_IPV6_VERSION;
	plen = (uint32_t)buf[off + 4] << 8 | buf[off + 5];
	/* Payload length 0 announces a jumbogram (RFC 2675): not ours. */
	if (plen == 0 || plen > len - off - IPV6_HDR_LEN)
		return WIRE_ERR_IPV6_PAYLOAD_LEN;
	if (end != NULL)
		*end = off + IPV6_HDR_LEN + plen;
	return WIRE_OK;
}

/**
 * Walk the extension-header chain of the IPv6 packet at @p off up to the
 * upper layer, crossing Hop-by-Hop (first only, else
 * WIRE_ERR_IP6EXT_ORDER), Routing (type 4 validated by srh_parse(), a
 * second SRH is WIRE_ERR_IP6EXT_DUP), Fragment (a non-first fragment is
 * WIRE_ERR_IP6EXT_FRAGMENT; a first one is reported and crossed),
 * Destination Options, AH (length in 4-octet units, a multiple of 8 bytes
 * for IPv6, RFC 4302 §2.2) and the dsrlb headers 27, 28, 29, 253. The options
 * of Hop-by-Hop and Destination Options headers are validated as TLVs
 * (PadN data zero, at most IP6EXT_MAX_PAD_RUN padding bytes in a row,
 * every option inside its header); dsrlb options (type 0x1E with a known
 * sub-type) are decoded in Destination Options headers. A dsrlb header or
 * option of the wrong length is WIRE_ERR_IP6EXT_FORMAT, a message found
 * twice (in either encoding) WIRE_ERR_IP6EXT_DUP. Any other next-header
 * value is the upper layer. Reads nothing outside [@p off, IPv6 end).
 * @param max_headers  caller limit, at most IP6EXT_MAX_HEADERS (0: that).
 * @return WIRE_OK with @p info filled, or the first reason the packet is
 *   malformed: the codes of ip6_hdr_check(), WIRE_ERR_TRUNCATED (a header
 *   past the payload), WIRE_ERR_IP6EXT_TOO_MANY, WIRE_ERR_IP6EXT_TOO_LONG
 *   (over IP6EXT_MAX_CHAIN), the codes above, or a WIRE_ERR_SRH_* code.
 */
enum wire_result ip6ext_walk(const uint8_t *buf, uint32_t len, uint32_t off,
			     unsigned int max_headers,
			     struct ip6ext_info *info);

/**
 * The destination address the transport checksum uses (RFC 8200 §8.1):
 * the final segment (Segment List[0]) of a type-4 Routing header when
 * there is one, else the IPv6 Destination Address. @p info must come from
 * a successful ip6ext_walk() of @p buf at @p off, so the SRH is valid.
 * @return a pointer to 16 bytes inside @p buf.
 */
const uint8_t *ip6ext_final_dst(const uint8_t *buf, uint32_t off,
				const struct ip6ext_info *info);

/**
 * Insert a client tuple (@p addr, @p port) into the IPv6 packet at
 * @p l3_off of @p pb (Ethernet or anything else may precede it), in
 * encoding @p enc. Placement (RFC 8200 §4.1, the final Destination Options
 * position): right before the upper layer, i.e. after every Hop-by-Hop,
 * Routing, Fragment, Destination Options, AH and dsrlb header already
 * there. With IP6EXT_ENC_DSTOPT the option is appended to the Destination
 * Options header right before the upper layer when it carries an option,
 * else a new header is made. The Next Header naming what follows and the
 * Payload Length are fixed up; transport checksums need no change.
 * @param mtu  largest allowed IPv6 packet, header included; 0: no limit
 *   other than the 16-bit Payload Length.
 * @return WIRE_OK; a walk error; WIRE_ERR_IP6EXT_DUP when the message is
 *   already present (either encoding); WIRE_ERR_IP6EXT_FRAGMENT for a
 *   first fragment with more to come (its length is fixed by the next
 *   fragment's offset); WIRE_ERR_IP6EXT_TOO_MANY / _TOO_LONG when the
 *   result would fail the walk; WIRE_ERR_MTU; WIRE_ERR_NO_ROOM (neither
 *   head nor tail room); WIRE_ERR_INVAL. On error nothing changed.
 */
enum wire_result ip6ext_insert_client(struct pkt_buf *pb, uint32_t l3_off,
				      uint32_t mtu, enum ip6ext_encoding enc,
				      const uint8_t addr[16], uint16_t port);

/** As ip6ext_insert_client() for a metric request carrying @p nonce
 *  (0: not authenticated). */
enum wire_result ip6ext_insert_request(struct pkt_buf *pb, uint32_t l3_off,
				       uint32_t mtu, enum ip6ext_encoding enc,
				       uint32_t nonce);

/** As ip6ext_insert_client() for a metric answer with @p score, echoing
 *  the request's @p nonce (0: none). */
enum wire_result ip6ext_insert_answer(struct pkt_buf *pb, uint32_t l3_off,
				      uint32_t mtu, enum ip6ext_encoding enc,
				      uint16_t score, uint32_t nonce);

/** As ip6ext_insert_client() for a recover marker: candidate @p index of
 *  @p count, and the appliance's @p cookie (docs/wire-format.md,
 *  "Recovery: IPv6"). */
enum wire_result ip6ext_insert_recover(struct pkt_buf *pb, uint32_t l3_off,
				       uint32_t mtu, enum ip6ext_encoding enc,
				       uint8_t index, uint8_t count,
				       uint32_t cookie);

/** As ip6ext_insert_recover() with a 16-byte address (the long form,
 *  docs/wire-format.md "Recovery through a router"): header 253 of 24
 *  bytes or option 0x1E sub-type 4 of data length 24. */
enum wire_result ip6ext_insert_recover_addr(struct pkt_buf *pb,
					    uint32_t l3_off, uint32_t mtu,
					    enum ip6ext_encoding enc,
					    uint8_t index, uint8_t count,
					    uint32_t cookie,
					    const uint8_t addr[16]);

/**
 * Remove message @p msg from the IPv6 packet at @p l3_off, in whichever
 * encoding it is. A paper header is unlinked. An option is cut out with
 * its padding so that the header stays a multiple of 8 and no padding run
 * exceeds IP6EXT_MAX_PAD_RUN; the header is kept while it carries another
 * option, and removed when only padding would be left. Removing the last
 * message inserted gives back the bytes from before that insert exactly.
 * Next Header and Payload Length are fixed up.
 * @return WIRE_OK, WIRE_ERR_NOT_FOUND, a walk error,
 *   WIRE_ERR_IP6EXT_FRAGMENT (first fragment with more to come),
 *   WIRE_ERR_IPV6_PAYLOAD_LEN (the header is the whole payload: Payload
 *   Length 0 would announce a jumbogram), WIRE_ERR_INVAL. On error
 *   nothing changed.
 */
enum wire_result ip6ext_remove(struct pkt_buf *pb, uint32_t l3_off,
			       enum ip6ext_msg msg);

/**
 * Remove every dsrlb message present, last in the packet first, so that
 * after any sequence of inserts the original bytes come back exactly.
 * @param removed  set to the number removed (may be NULL).
 * @return WIRE_OK (also when none) or the error of ip6ext_remove(); on
 *   error nothing changed.
 */
enum wire_result ip6ext_remove_all(struct pkt_buf *pb, uint32_t l3_off,
				   unsigned int *removed);

/**
 * ip6ext_remove_all() of a packet whose parse found only dsrlb headers of
 * the paper encoding, side by side after the fixed header, the upper
 * layer @p upper right after them, @p gap bytes in all (struct
 * pkt_meta's ext6: pkt_parse() of the packet as it is now), without
 * walking the chain again (issue 19). The chain is checked to be still
 * that (each header's Next Header and length); the result is
 * ip6ext_remove_all()'s: the headers unlinked as one gap, Payload
 * Length reduced.
 * @param removed  set to the number of messages removed (may be NULL).
 * @return WIRE_OK; WIRE_ERR_IPV6_PAYLOAD_LEN when the headers are the
 *   whole payload (as ip6ext_remove_all()); WIRE_ERR_INVAL when the
 *   packet is not as described. On error nothing changed.
 */
enum wire_result ip6ext_strip_packed(struct pkt_buf *pb, uint32_t l3_off,
				     uint32_t gap, uint8_t upper,
				     unsigned int *removed);

#endif /* DSRLB_IP6EXT_H_ */
