/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Result codes of every lib/wire codec, declared once as an X-macro list so
 * that the enum, the printable names and the per-reason drop counters of the
 * appliance and the agent all come from the same place (VPP foreach_*_error).
 *
 * Every code except WIRE_OK is a reason to drop or pass a packet by rule;
 * a codec that returns an error has not modified its input.
 */
#ifndef DSRLB_WIRE_RESULT_H_
#define DSRLB_WIRE_RESULT_H_

#define WIRE_RESULT_LIST(X)                                                  \
	X(OK,                  "ok")                                         \
	/* generic */                                                        \
	X(ERR_INVAL,           "invalid argument")                           \
	X(ERR_TRUNCATED,       "packet shorter than a header it announces")  \
	X(ERR_NOT_FOUND,       "requested option or header absent")          \
	X(ERR_NO_ROOM,         "buffer has no head or tail room for insert") \
	X(ERR_MTU,             "insert would exceed the MTU")                \
	X(ERR_CHECKSUM,        "checksum mismatch")                          \
	/* IPv4 header and options */                                       \
	X(ERR_IPV4_VERSION,    "IPv4: version is not 4")                     \
	X(ERR_IPV4_IHL,        "IPv4: IHL < 5 or beyond the packet")         \
	X(ERR_IPV4_TOTAL_LEN,  "IPv4: total length inconsistent")            \
	X(ERR_IPV4_OPT_LEN,    "IPv4: option length < 2")                    \
	X(ERR_IPV4_OPT_OVERRUN, "IPv4: option runs past IHL")                \
	X(ERR_IPV4_OPT_FORMAT, "IPv4: custom option with wrong length")      \
	X(ERR_IPV4_OPT_DUP,    "IPv4: custom option present twice")          \
	X(ERR_IPV4_OPT_FULL,   "IPv4: 40-byte options area would overflow") \
	X(ERR_IPV4_FRAGMENT,   "IPv4: non-first fragment, no upper layer")  \
	/* IPv6 header and extension-header chain */                         \
	X(ERR_IPV6_VERSION,    "IPv6: version is not 6")                     \
	X(ERR_IPV6_PAYLOAD_LEN, "IPv6: payload length inconsistent")         \
	X(ERR_IP6EXT_TOO_MANY, "IPv6: more extension headers than allowed")  \
	X(ERR_IP6EXT_TOO_LONG, "IPv6: extension-header chain too long")      \
	X(ERR_IP6EXT_FORMAT,   "IPv6: malformed extension header")           \
	X(ERR_IP6EXT_FRAGMENT, "IPv6: non-first fragment, no upper layer")   \
	X(ERR_IP6EXT_DUP,      "IPv6: custom header present twice")          \
	X(ERR_IP6EXT_ORDER,    "IPv6: extension headers out of order")       \
	/* SRv6 SRH */                                                       \
	X(ERR_SRH_TYPE,        "SRH: routing type is not 4")                 \
	X(ERR_SRH_LEN,         "SRH: Hdr Ext Len odd, zero or beyond packet") \
	X(ERR_SRH_LAST_ENTRY,  "SRH: Last Entry beyond Hdr Ext Len")         \
	X(ERR_SRH_SEGLEFT,     "SRH: Segments Left > Last Entry + 1")        \
	X(ERR_SRH_TOO_MANY,    "SRH: more segments than SRH_MAX_SEGMENTS")   \
	X(ERR_SRH_EXHAUSTED,   "SRH: Segments Left is 0, cannot advance")    \
	X(ERR_SRH_TLV,         "SRH: malformed TLV area")                   \
	/* ARP (RFC 826) and IPv6 Neighbor Discovery (RFC 4861) */          \
	X(ERR_ARP_FORMAT,      "ARP: not Ethernet/IPv4 or opcode not 1/2")  \
	X(ERR_ND_HOP_LIMIT,    "ND: hop limit is not 255")                  \
	X(ERR_ND_FORMAT,       "ND: bad code, length, target or addresses") \
	X(ERR_ND_OPT,          "ND: option of length 0 or past the end")   \
	/* QUIC invariants (RFC 8999) */                                     \
	X(ERR_QUIC_SHORT,      "QUIC: datagram shorter than its header")    \
	X(ERR_QUIC_CID_LEN,    "QUIC: connection ID longer than the version allows") \
	X(ERR_QUIC_INITIAL_SIZE, "QUIC: client Initial in a datagram under 1200 bytes")

enum wire_result {
#define WIRE_RESULT_ENUM(name, str) WIRE_##name,
	WIRE_RESULT_LIST(WIRE_RESULT_ENUM)
#undef WIRE_RESULT_ENUM
	WIRE_RESULT_MAX
};

/** Printable, stable description of a result code ("?" when out of range). */
const char *wire_result_str(enum wire_result r);

/** Short identifier of a result code, e.g. "ERR_SRH_SEGLEFT". */
const char *wire_result_name(enum wire_result r);

#endif /* DSRLB_WIRE_RESULT_H_ */
