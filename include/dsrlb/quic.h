/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The QUIC header fields a load balancer may read: the version-independent
 * invariants of RFC 8999 (header form, version, connection IDs) and, for
 * the versions it knows (1, RFC 9000 §17; 2, RFC 9369 §3.2), the long
 * header packet type. Never the protected first-byte bits of a short header
 * nor anything encrypted.
 *
 * A short header does not carry the length of its Destination Connection
 * ID: the caller passes the length the servers behind the VIP use (the
 * QUIC-LB configuration, quic_lb.h), and the parser only checks that the
 * datagram holds it.
 */
#ifndef DSRLB_QUIC_H_
#define DSRLB_QUIC_H_

#include <stdint.h>

#include "dsrlb/wire_result.h"

#define QUIC_VERSION_NEGOTIATION 0x00000000u /**< RFC 8999 §6 */
#define QUIC_VERSION_1           0x00000001u /**< RFC 9000 */
#define QUIC_VERSION_2           0x6b3343cfu /**< RFC 9369 */

/** Largest connection ID of versions 1 and 2 (RFC 9000 §17.2). */
#define QUIC_CID_MAX_V1 20u
/** Largest connection ID the invariants allow (RFC 8999 §5.1). */
#define QUIC_CID_MAX    255u
/** Smallest UDP payload of a datagram carrying a client Initial
 *  (RFC 9000 §14.1); servers drop smaller ones. */
#define QUIC_INITIAL_MIN 1200u

/** What a packet is, as far as routing needs to know. */
enum quic_kind {
	QUIC_KIND_SHORT = 0,     /**< 1-RTT: short header */
	QUIC_KIND_INITIAL,       /**< long header, Initial (v1/v2) */
	QUIC_KIND_0RTT,          /**< long header, 0-RTT */
	QUIC_KIND_HANDSHAKE,     /**< long header, Handshake */
	QUIC_KIND_RETRY,         /**< long header, Retry (server to client) */
	QUIC_KIND_VERSION_NEG,   /**< Version Negotiation (version 0) */
	QUIC_KIND_LONG_OTHER,    /**< long header of a version we do not know */
};

struct quic_hdr {
	uint8_t kind;            /**< enum quic_kind */
	uint8_t first;           /**< first byte as sent */
	uint8_t dcid_len;
	uint8_t scid_len;        /**< long headers only */
	uint16_t dcid_off;       /**< offsets in the UDP payload */
	uint16_t scid_off;
	uint32_t version;        /**< long headers only */
};

/**
 * Parse the QUIC header at the start of a UDP payload of @p len bytes.
 * @p short_dcid_len is the DCID length of short headers (0..20).
 * A client Initial (@p from_client) in a payload under QUIC_INITIAL_MIN
 * bytes is refused (ERR_QUIC_INITIAL_SIZE): a server would drop it.
 * @return WIRE_OK, ERR_QUIC_SHORT, ERR_QUIC_CID_LEN, ERR_QUIC_INITIAL_SIZE
 *         or ERR_INVAL.
 */
enum wire_result quic_parse(const uint8_t *p, uint32_t len,
			    uint8_t short_dcid_len, int from_client,
			    struct quic_hdr *h);

/** Name of a kind ("initial", "short", ...). */
const char *quic_kind_name(unsigned int kind);

#endif /* DSRLB_QUIC_H_ */
