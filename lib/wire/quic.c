/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include "dsrlb/bytes.h"
#include "dsrlb/quic.h"

#define QUIC_FORM_LONG 0x80u

/* Long-header packet type of a known version (the two type bits of the
 * first byte, RFC 9000 §17.2 and RFC 9369 §3.2, which renumbers them). */
static enum quic_kind
long_kind(uint32_t version, uint8_t first)
{
	static const uint8_t v1[4] = { QUIC_KIND_INITIAL, QUIC_KIND_0RTT,
				       QUIC_KIND_HANDSHAKE, QUIC_KIND_RETRY };
	static const uint8_t v2[4] = { QUIC_KIND_RETRY, QUIC_KIND_INITIAL,
				       QUIC_KIND_0RTT, QUIC_KIND_HANDSHAKE };
	unsigned int t = (first >> 4) & 3u;

	switch (version) {
	case QUIC_VERSION_NEGOTIATION:
		return QUIC_KIND_VERSION_NEG;
	case QUIC_VERSION_1:
		return (enum quic_kind)v1[t];
	case QUIC_VERSION_2:
		return (enum quic_kind)v2[t];
	default:
		return QUIC_KIND_LONG_OTHER;
	}
}

enum wire_result
quic_parse(const uint8_t *p, uint32_t len, uint8_t short_dcid_len,
	   int from_client, struct quic_hdr *h)
{
	uint32_t off, cid_max;

	if (p == NULL || h == NULL || short_dcid_len > QUIC_CID_MAX_V1)
		return WIRE_ERR_INVAL;
	if (len < 1)
		return WIRE_ERR_QUIC_SHORT;
	h->first = p[0];
	if (!(p[0] & QUIC_FORM_LONG)) {
		/* RFC 8999 §5.2: 1 byte, then the DCID. The fixed bit is
		 * not checked: RFC 9287 lets endpoints grease it. */
		if (len < 1u + short_dcid_len)
			return WIRE_ERR_QUIC_SHORT;
		h->kind = QUIC_KIND_SHORT;
		h->version = 0;
		h->dcid_off = 1;
		h->dcid_len = short_dcid_len;
		h->scid_off = 0;
		h->scid_len = 0;
		return WIRE_OK;
	}
	/* RFC 8999 §5.1: first byte, version (4), DCID length (1), DCID,
	 * SCID length (1), SCID. */
	if (len < 7)
		return WIRE_ERR_QUIC_SHORT;
	h->version = load_be32(p + 1);
	h->kind = (uint8_t)long_kind(h->version, p[0]);
	/* Versions 1 and 2 cap connection IDs at 20 bytes (RFC 9000
	 * §17.2: a longer one is dropped); the invariants allow 255 for
	 * versions we do not know, and for Version Negotiation, which
	 * echoes whatever the client sent. */
	cid_max = h->kind == QUIC_KIND_LONG_OTHER ||
		  h->kind == QUIC_KIND_VERSION_NEG ? QUIC_CID_MAX :
						     QUIC_CID_MAX_V1;
	h->dcid_len = p[5];
	if (h->dcid_len > cid_max)
		return WIRE_ERR_QUIC_CID_LEN;
	h->dcid_off = 6;
	off = 6u + h->dcid_len;
	if (len < off + 1)
		return WIRE_ERR_QUIC_SHORT;
	h->scid_len = p[off];
	if (h->scid_len > cid_max)
		return WIRE_ERR_QUIC_CID_LEN;
	h->scid_off = (uint16_t)(off + 1);
	if (len < off + 1u + h->scid_len)
		return WIRE_ERR_QUIC_SHORT;
	if (from_client && h->kind == QUIC_KIND_INITIAL &&
	    len < QUIC_INITIAL_MIN)
		return WIRE_ERR_QUIC_INITIAL_SIZE;
	return WIRE_OK;
}

const char *
quic_kind_name(unsigned int kind)
{
	static const char *const names[] = {
		[QUIC_KIND_SHORT] = "short",
		[QUIC_KIND_INITIAL] = "initial",
		[QUIC_KIND_0RTT] = "0rtt",
		[QUIC_KIND_HANDSHAKE] = "handshake",
		[QUIC_KIND_RETRY] = "retry",
		[QUIC_KIND_VERSION_NEG] = "version-negotiation",
		[QUIC_KIND_LONG_OTHER] = "long-other-version",
	};

	return kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}
