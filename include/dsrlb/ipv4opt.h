/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IPv4 header check and the codec of the dynamic-DSR in-band feedback
 * options (paper §3, Table 1):
 *
 * | kind | len | data                                             |
 * | ---- | --- | ------------------------------------------------ |
 * | 155  | 8   | client IPv4 address (4), client port (2)         |
 * | 124  | 4   | reserved (2, zero): metric request               |
 * | 124  | 8   | reserved (2, zero), nonce (4): authenticated     |
 * | 125  | 4   | busyness score (2): metric answer                |
 * | 125  | 8   | busyness score (2), nonce (4): authenticated     |
 * | 158  | 8   | candidate index (1), candidates (1), cookie (4)  |
 *
 * 158 (recover, a dsrlb extension, docs/wire-format.md) marks a client
 * packet of a flow the appliance does not know, offered to one of the
 * flow's consistent-hash candidates.
 *
 * All functions work on plain bytes (or a struct pkt_buf for rewrites) with
 * the IPv4 header at a caller-given offset, so an Ethernet header may
 * precede it. Every read is bounded by IHL and by the bytes available; a
 * function that returns an error has modified nothing.
 *
 * Inserting or removing options changes IHL, total length and the header
 * checksum only: IP options are not part of the TCP/UDP pseudo-header, so
 * transport checksums stay valid. The header checksum is updated
 * incrementally (RFC 1624), so a header that arrived with a bad checksum
 * still has a bad one afterwards; check it with ipv4_hdr_csum_verify().
 *
 * Round trip: stripping an option right after inserting it gives back the
 * original bytes exactly whenever the insert grew the header by the
 * option's length, i.e. when the options area had fewer trailing padding
 * bytes (NOPs and EOL after the last real option) than the option's
 * length and the result fit in 40 bytes -- always the case for a packet
 * without options. When the insert reused existing padding, stripping
 * leaves the same options with that padding shortened (see
 * docs/wire-format.md). One more byte-level exception: a checksum field
 * of 0xFFFF (one's-complement -0, as valid as 0x0000) comes back as 0x0000.
 */
#ifndef DSRLB_IPV4OPT_H_
#define DSRLB_IPV4OPT_H_

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dsrlb/pkt_buf.h"
#include "dsrlb/wire.h"
#include "dsrlb/wire_result.h"

/** Length of the metric request carrying a nonce (authenticated mode). */
#define IPV4OPT_METRIC_REQ_AUTH_LEN 8
/** Length of the metric answer echoing a nonce (authenticated mode). */
#define IPV4OPT_METRIC_ANS_AUTH_LEN 8
/** Longest custom option. */
#define IPV4OPT_CUSTOM_MAX_LEN      8

/**
 * What ipv4opt_parse() found. Offsets are from the first byte of the IPv4
 * header (options start at 20); an offset of 0 means the option is absent.
 */
struct ipv4opt_info {
	uint8_t hdr_len;        /**< IHL * 4: 20..60 */
	uint8_t opt_end;        /**< just past the last option that is neither
				 *   NOP nor EOL (20 when none): the insert
				 *   point; the bytes from here to hdr_len
				 *   are padding */
	uint8_t client_off;     /**< option 155, 0 when absent */
	uint8_t req_off;        /**< option 124, 0 when absent */
	uint8_t req_len;        /**< 4, 8 (with nonce), or 0 */
	uint8_t ans_off;        /**< option 125, 0 when absent */
	uint8_t ans_len;        /**< 4, 8 (with nonce), or 0 */
	uint16_t client_port;   /**< host order, valid with client_off */
	uint32_t client_addr;   /**< host order, valid with client_off */
	uint16_t score;         /**< busyness score, valid with ans_off */
	uint32_t req_nonce;     /**< valid when req_len == 8 */
	uint32_t ans_nonce;     /**< valid when ans_len == 8 */
	uint8_t rec_off;        /**< option 158, 0 when absent */
	uint8_t rec_index;      /**< candidate index, valid with rec_off */
	uint8_t rec_count;      /**< candidates of the flow */
	uint32_t rec_cookie;    /**< appliance's cookie */
	uint8_t rec_len;        /**< 8, or 12 with rec_addr */
	uint32_t rec_addr;      /**< host order, valid when rec_len == 12:
				 *   the return address (docs/wire-format.md) */
};

/** One option seen by the iterator (EOL and NOP included, length 1). */
struct ipv4opt_opt {
	uint8_t kind;           /**< option type byte */
	uint8_t off;            /**< offset of the kind byte from the header */
	uint8_t len;            /**< bytes of the option, kind byte included */
};

/** Walk state over one options area; see ipv4opt_iter_next(). */
struct ipv4opt_iter {
	const uint8_t *ip;      /**< IPv4 header */
	uint8_t end;            /**< header length; nothing past it is read */
	uint8_t pos;            /**< offset of the next option */
	uint8_t done;           /**< EOL, end of area or an error was reached */
};

/**
 * Validate the IPv4 header at @p buf + @p off (@p len bytes in @p buf):
 * at least 20 bytes, version 4, 5 <= IHL, IHL * 4 <= bytes available,
 * IHL * 4 <= total length <= bytes available (bytes past total length,
 * such as Ethernet padding, are allowed). Options are not looked at.
 *
 * @param hdr_len  set to IHL * 4 on success (may be NULL).
 * @return WIRE_OK, WIRE_ERR_INVAL (NULL @p buf), WIRE_ERR_TRUNCATED,
 *   WIRE_ERR_IPV4_VERSION, WIRE_ERR_IPV4_IHL or WIRE_ERR_IPV4_TOTAL_LEN.
 */
enum wire_result ipv4_hdr_check(const uint8_t *buf, uint32_t len, uint32_t off,
				uint32_t *hdr_len);

/**
 * Check the header checksum of the @p hdr_len byte header at @p ip
 * (RFC 791, RFC 1071: the one's-complement sum of the header is all ones).
 * @return WIRE_OK, WIRE_ERR_CHECKSUM, or WIRE_ERR_INVAL when @p hdr_len
 *   is not in 20..60.
 */
enum wire_result ipv4_hdr_csum_verify(const uint8_t *ip, uint32_t hdr_len);

/**
 * ipv4_hdr_csum_verify() of a 20-byte header (no options), inline: five
 * 32-bit words in host order, one fold. All ones is all ones in either
 * byte order (RFC 1071 §2(B)), so no swap is needed. Every client packet
 * checks (issue 19: the call was a fifth of the check).
 * @return true when the sum is all ones.
 */
static inline bool
ipv4_hdr20_csum_ok(const uint8_t *ip)
{
	uint32_t w0, w1, w2, w3, w4;
	uint64_t acc;

	/* Five loads straight from the header: one 20-byte memcpy() became
	 * a 16-byte store to the stack read back in 4-byte pieces, a
	 * store-forwarding stall that perf put at 4.5 % of the appliance's
	 * loop (issue 19, round 8). */
	memcpy(&w0, ip, 4);
	memcpy(&w1, ip + 4, 4);
	memcpy(&w2, ip + 8, 4);
	memcpy(&w3, ip + 12, 4);
	memcpy(&w4, ip + 16, 4);
	acc = (uint64_t)w0 + w1 + w2 + w3 + w4;
	acc = (acc & 0xFFFFFFFFu) + (acc >> 32);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	acc = (acc & 0xFFFFu) + (acc >> 16);
	return acc == 0xFFFFu;
}

/**
 * Start a walk over the options of the header at @p ip, whose @p hdr_len
 * bytes (as returned by ipv4_hdr_check()) must be readable.
 */
void ipv4opt_iter_init(struct ipv4opt_iter *it, const uint8_t *ip,
		       uint32_t hdr_len);

/**
 * Next option of the walk, in wire order, EOL and NOP included. The walk
 * stops after EOL or at the end of the area (at most 40 steps).
 *
 * Only the type-length structure is checked (RFC 791): an option length
 * below 2 gives WIRE_ERR_IPV4_OPT_LEN, an option (or its length byte)
 * running past IHL gives WIRE_ERR_IPV4_OPT_OVERRUN. Custom option formats
 * are checked by ipv4opt_parse().
 *
 * @return WIRE_OK with @p opt filled, WIRE_ERR_NOT_FOUND when there is no
 *   further option, an error code for a malformed area (then the walk is
 *   over), or WIRE_ERR_INVAL for a header length outside 20..60.
 */
enum wire_result ipv4opt_iter_next(struct ipv4opt_iter *it,
				   struct ipv4opt_opt *opt);

/**
 * Check the IPv4 header at @p buf + @p off (as ipv4_hdr_check()) and walk
 * its whole options area once: structure as ipv4opt_iter_next(), then each
 * custom option must have its length (155: 8; 124 and 125: 4 or 8) or the
 * result is WIRE_ERR_IPV4_OPT_FORMAT, and may appear only once
 * (WIRE_ERR_IPV4_OPT_DUP). Reserved bytes of 124 are not checked on
 * receipt. Other options are only skipped.
 *
 * @param info  filled on success; on error only hdr_len may be meaningful.
 * @return WIRE_OK or the first reason the header is malformed.
 */
enum wire_result ipv4opt_parse(const uint8_t *buf, uint32_t len, uint32_t off,
			       struct ipv4opt_info *info);

/**
 * Client tuple of option 155 (address and port in host order).
 * @return WIRE_OK or WIRE_ERR_NOT_FOUND.
 */
enum wire_result ipv4opt_get_client(const struct ipv4opt_info *info,
				    uint32_t *addr, uint16_t *port);

/**
 * Metric request (option 124): whether it carries a nonce, and the nonce
 * (0 when none). Either pointer may be NULL.
 * @return WIRE_OK or WIRE_ERR_NOT_FOUND.
 */
enum wire_result ipv4opt_get_request(const struct ipv4opt_info *info,
				     bool *has_nonce, uint32_t *nonce);

/**
 * Metric answer (option 125): busyness score, whether it echoes a nonce,
 * and the nonce (0 when none). @p has_nonce and @p nonce may be NULL.
 * @return WIRE_OK or WIRE_ERR_NOT_FOUND.
 */
enum wire_result ipv4opt_get_score(const struct ipv4opt_info *info,
				   uint16_t *score, bool *has_nonce,
				   uint32_t *nonce);

/**
 * Insert option 155 (client @p addr : @p port, host order) into the IPv4
 * packet at packet offset @p l3_off of @p pb.
 *
 * The option goes right after the last existing option. When the trailing
 * padding (NOPs, EOL and what follows it) has room, it is reused and the
 * rest of it becomes EOL (zero) bytes; otherwise the header grows by the
 * option's length and the old padding is kept after the new option, or,
 * when that would pass 40 bytes of options, by the fewest 4-byte words
 * that fit (rest zero). IHL, total length and the header checksum follow.
 *
 * @param mtu  largest allowed IPv4 total length after the insert; 0 means
 *   no limit other than 65535.
 * @return WIRE_OK; a parse error of ipv4opt_parse(); WIRE_ERR_IPV4_OPT_DUP
 *   when the option is already present; WIRE_ERR_IPV4_OPT_FULL,
 *   WIRE_ERR_MTU, WIRE_ERR_NO_ROOM (no head- or tailroom), WIRE_ERR_INVAL.
 *   On error the buffer and @p pb are unchanged.
 */
enum wire_result ipv4opt_insert_client(struct pkt_buf *pb, uint32_t l3_off,
				       uint32_t mtu, uint32_t addr,
				       uint16_t port);

/**
 * Insert a metric request (option 124): 4 bytes, or 8 with @p nonce when
 * @p with_nonce. Placement, parameters and results as
 * ipv4opt_insert_client().
 */
enum wire_result ipv4opt_insert_request(struct pkt_buf *pb, uint32_t l3_off,
					uint32_t mtu, bool with_nonce,
					uint32_t nonce);

/**
 * Insert a metric answer (option 125) with busyness @p score: 4 bytes, or
 * 8 echoing @p nonce when @p with_nonce. Placement, parameters and results
 * as ipv4opt_insert_client().
 */
enum wire_result ipv4opt_insert_answer(struct pkt_buf *pb, uint32_t l3_off,
				       uint32_t mtu, uint16_t score,
				       bool with_nonce, uint32_t nonce);

/**
 * Insert a recover marker (option 158, 8 bytes): candidate @p index of
 * @p count, and the appliance's @p cookie. Placement, parameters and
 * results as ipv4opt_insert_client().
 */
enum wire_result ipv4opt_insert_recover(struct pkt_buf *pb, uint32_t l3_off,
					uint32_t mtu, uint8_t index,
					uint8_t count, uint32_t cookie);

/**
 * As ipv4opt_insert_recover() with a return address (option 158 of 12
 * bytes, @p addr in host order): in an offer, the address of the
 * offering appliance; in a pass-back or a pin, the VIP
 * (docs/wire-format.md, "Recovery through a router").
 */
enum wire_result ipv4opt_insert_recover_addr(struct pkt_buf *pb,
					     uint32_t l3_off, uint32_t mtu,
					     uint8_t index, uint8_t count,
					     uint32_t cookie, uint32_t addr);

/**
 * Remove the custom option @p kind (155, 124, 125 or 158) from the IPv4 packet
 * at @p l3_off, shrinking the header by the option's length (a multiple of
 * 4, so the area stays one) and fixing IHL, total length and checksum.
 * @return WIRE_OK; a parse error; WIRE_ERR_NOT_FOUND when absent;
 *   WIRE_ERR_INVAL for another @p kind. On error nothing changed.
 */
enum wire_result ipv4opt_strip(struct pkt_buf *pb, uint32_t l3_off,
			       uint8_t kind);

/**
 * Remove every custom option (155, 124, 125, 158) present, as
 * ipv4opt_strip().
 * @param removed  set to how many were removed, 0..4 (may be NULL).
 * @return WIRE_OK (also when none was present) or a parse error, in which
 *   case nothing changed.
 */
enum wire_result ipv4opt_strip_all(struct pkt_buf *pb, uint32_t l3_off,
				   unsigned int *removed);

/**
 * ipv4opt_strip_all() of a header whose parse said where its custom
 * options are (struct pkt_meta's opt4: pkt_parse() of the packet as it
 * is now), without parsing the options again (issue 19). Each option is
 * checked to be still there (kind and length bytes, inside the header,
 * no overlap).
 * @return WIRE_OK, or WIRE_ERR_INVAL (nothing changed) when the header
 *   does not match @p where.
 */
enum wire_result ipv4opt_strip_packed(struct pkt_buf *pb, uint32_t l3_off,
				      uint32_t where, unsigned int *removed);

#endif /* DSRLB_IPV4OPT_H_ */
