/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * On-the-wire layouts and constants shared by every codec of lib/wire.
 *
 * All multi-byte fields are big-endian on the wire; structs are packed and
 * must only be read through a pointer whose bounds were checked first
 * (see pkt_buf.h). No rte_* dependency: lib/ builds and tests without EAL.
 */
#ifndef DSRLB_WIRE_H_
#define DSRLB_WIRE_H_

#include <stdint.h>

#define DSRLB_PACKED __attribute__((__packed__))

/* ---- Ethernet ---------------------------------------------------------- */
#define ETH_HDR_LEN        14
#define ETH_TYPE_IPV4      0x0800
#define ETH_TYPE_IPV6      0x86DD
#define ETH_TYPE_ARP       0x0806
#define ETH_TYPE_VLAN      0x8100

struct eth_hdr {
	uint8_t dst[6];
	uint8_t src[6];
	uint16_t type;          /**< big-endian EtherType */
} DSRLB_PACKED;

/* ---- IPv4 (RFC 791) ---------------------------------------------------- */
#define IPV4_HDR_MIN_LEN   20
#define IPV4_HDR_MAX_LEN   60
#define IPV4_OPT_MAX_LEN   40   /**< IHL is 4 bits of 32-bit words: 60 - 20 */
#define IPV4_FLAG_DF       0x4000
#define IPV4_FLAG_MF       0x2000
#define IPV4_FRAG_OFF_MASK 0x1FFF

struct ipv4_hdr {
	uint8_t ver_ihl;        /**< version (4) << 4 | IHL in 32-bit words */
	uint8_t tos;
	uint16_t total_len;
	uint16_t id;
	uint16_t frag_off;      /**< flags (3 bits) | fragment offset (13 bits) */
	uint8_t ttl;
	uint8_t proto;
	uint16_t csum;
	uint32_t src;
	uint32_t dst;
} DSRLB_PACKED;

/* ---- IPv6 (RFC 8200) --------------------------------------------------- */
#define IPV6_HDR_LEN       40
#define IPV6_ADDR_LEN      16

struct ipv6_hdr {
	uint32_t vtc_flow;      /**< version (6) | traffic class | flow label */
	uint16_t payload_len;
	uint8_t next_hdr;
	uint8_t hop_limit;
	uint8_t src[IPV6_ADDR_LEN];
	uint8_t dst[IPV6_ADDR_LEN];
} DSRLB_PACKED;

/* IANA protocol numbers used by the walkers. */
#define IPPROTO_NUM_HOPOPTS   0
#define IPPROTO_NUM_ICMP      1
#define IPPROTO_NUM_TCP       6
#define IPPROTO_NUM_UDP       17
#define IPPROTO_NUM_IPV6      41
#define IPPROTO_NUM_ROUTING   43
#define IPPROTO_NUM_FRAGMENT  44
#define IPPROTO_NUM_ESP       50
#define IPPROTO_NUM_AH        51
#define IPPROTO_NUM_ICMPV6    58
#define IPPROTO_NUM_NONE      59
#define IPPROTO_NUM_DSTOPTS   60

/* ---- Transport --------------------------------------------------------- */
#define TCP_HDR_MIN_LEN    20
#define UDP_HDR_LEN        8
#define TCP_FLAG_FIN       0x01
#define TCP_FLAG_SYN       0x02
#define TCP_FLAG_RST       0x04
#define TCP_FLAG_PSH       0x08
#define TCP_FLAG_ACK       0x10

struct tcp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;
	uint8_t data_off;       /**< header length in 32-bit words << 4 */
	uint8_t flags;
	uint16_t window;
	uint16_t csum;
	uint16_t urg;
} DSRLB_PACKED;

struct udp_hdr {
	uint16_t sport;
	uint16_t dport;
	uint16_t len;
	uint16_t csum;
} DSRLB_PACKED;

/* ---- dynamic-DSR custom IPv4 options (paper Table 1) ------------------- */
/* Kind byte = copied(1) | class(2) | number(5). 155 = 1|00|11011: copied
 * into fragments, control class. 124 = 0|11|11100 and 125 = 0|11|11101: the
 * paper labels their class "10" (debug/measurement) but the bits of 124/125
 * are class 3, which RFC 791 reserves; we keep the paper's values for
 * interoperability (docs/wire-format.md). */
#define IPV4OPT_EOL            0
#define IPV4OPT_NOP            1
#define IPV4OPT_CLIENT_TUPLE   155  /**< client IPv4 address + port */
#define IPV4OPT_CLIENT_TUPLE_LEN 8
#define IPV4OPT_METRIC_REQ     124  /**< "send me your busyness score" */
#define IPV4OPT_METRIC_REQ_LEN 4
#define IPV4OPT_METRIC_ANS     125  /**< 16-bit busyness score */
#define IPV4OPT_METRIC_ANS_LEN 4
/* dsrlb extension (issue 17): 158 = 1|00|11110 is RFC 4727's experimental
 * option value with the copied bit, control class. */
#define IPV4OPT_RECOVER        158  /**< candidate index, count, cookie */
#define IPV4OPT_RECOVER_LEN    8
#define IPV4OPT_RECOVER_ADDR_LEN 12 /**< with the return address */

/* ---- dynamic-DSR custom IPv6 extension headers (paper Table 2) --------- */
#define IP6EXT_CLIENT_TUPLE    27   /**< 24 bytes: client IPv6 address + port */
#define IP6EXT_CLIENT_TUPLE_LEN 24
#define IP6EXT_METRIC_REQ      28   /**< 8 bytes */
#define IP6EXT_METRIC_REQ_LEN  8
#define IP6EXT_METRIC_ANS      29   /**< 8 bytes, 16-bit score */
#define IP6EXT_METRIC_ANS_LEN  8
/* dsrlb extension (issue 17): the recover marker as its own header. 253 is
 * RFC 3692 / RFC 4727's experimental value, listed in IANA's IPv6
 * Extension Header Types registry, so that an RFC 7045 node parses it in
 * the RFC 6564 uniform format (docs/wire-format.md). */
#define IP6EXT_RECOVER         253  /**< 8 bytes: index, count, cookie */
#define IP6EXT_RECOVER_LEN     8

/* ---- SRv6 Segment Routing Header (RFC 8754) ---------------------------- */
#define SRH_ROUTING_TYPE       4
#define SRH_FIXED_LEN          8
#define SRH_MAX_SEGMENTS       16   /**< bound on what we build or accept */

struct srh_hdr {
	uint8_t next_hdr;
	uint8_t hdr_ext_len;    /**< length in 8-octet units, not counting the first 8 */
	uint8_t routing_type;   /**< 4 */
	uint8_t segments_left;
	uint8_t last_entry;     /**< index of the last element of the segment list */
	uint8_t flags;
	uint16_t tag;
	/* followed by (last_entry + 1) 16-byte segments, then optional TLVs */
} DSRLB_PACKED;

#endif /* DSRLB_WIRE_H_ */
