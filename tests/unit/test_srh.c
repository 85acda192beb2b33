/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRH codec and 6LB SR functions. The packet vectors below were computed
 * by a separate Python model (struct + RFC 1071 sum), not by this code;
 * docs/wire-format.md shows the same bytes.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"

#define L3 14           /* Ethernet before the IPv6 header */
#define CAP 512
#define HEAD 128

/* 6LB addresses (reading order of the lists of ToN'18 §IV-B). */
static const uint8_t client[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };
static const uint8_t lb[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xff, 0,
				[15] = 0x01 };
/* s1's locator 2001:db8:1::/64 + connectAvail (1) */
static const uint8_t s1ca[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				  0, 1 };
/* s2's locator 2001:db8:2::/64 + connectForce (2), ackStickiness (4) */
static const uint8_t s2cf[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0,
				  0, 2 };
static const uint8_t s2as[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0,
				  0, 4 };
static const uint8_t eth[L3] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1,
				 0x86, 0xdd };

/* New flow: (lb, s1::ca, s2::cf, vip); pinned: (lb, s2::as, vip). */
static const uint8_t new_flow[4][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xff, 0, [15] = 0x01 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 },
};
static const uint8_t pinned[3][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xff, 0, [15] = 0x01 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 4 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 },
};

/* IPv6 TCP SYN 2001:db8::1.40000 -> 2001:db8::64.80, flow label 0x12345. */
static const uint8_t syn_v6[60] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x14, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0,
	0xb8, 0x84, 0x00, 0x00,
};

static const uint8_t syn_v6_srh72[132] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x5c, 0x2b, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x08, 0x04, 0x02, 0x03, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
	0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0xff, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x04,
	0x00, 0x00, 0x00, 0x00, 0x50, 0x02, 0xfa, 0xf0,
	0xb8, 0x84, 0x00, 0x00,
};

static const uint8_t ack_v6[65] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x19, 0x06, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x05,
	0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x18, 0xfa, 0xf0,
	0x5e, 0x7e, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c,
	0x6f,
};

static const uint8_t ack_v6_srh56[121] = {
	0x60, 0x01, 0x23, 0x45, 0x00, 0x51, 0x2b, 0x40,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x06, 0x06, 0x04, 0x01, 0x02, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
	0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0xff, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x9c, 0x40, 0x00, 0x50, 0x01, 0x02, 0x03, 0x05,
	0x0a, 0x0b, 0x0c, 0x0d, 0x50, 0x18, 0xfa, 0xf0,
	0x5e, 0x7e, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c,
	0x6f,
};

/* The packet @ip (@len bytes) after an Ethernet header, at HEAD in buf
 * (the rest of buf filled with 0xEE so stray writes show). */
static void
load_pkt(uint8_t *buf, struct pkt_buf *pb, const uint8_t *ip, uint32_t len)
{
	memset(buf, 0xEE, CAP);
	assert_int_equal(pkt_buf_init(pb, buf, CAP, HEAD, L3 + len), WIRE_OK);
	memcpy(pkt_buf_data(pb), eth, L3);
	memcpy(pkt_buf_data(pb) + L3, ip, len);
}

/* Whole buffer and descriptor, to prove a failed call changed nothing. */
struct snap {
	uint8_t bytes[CAP];
	struct pkt_buf pb;
};

static void
snap_take(struct snap *s, const uint8_t *buf, const struct pkt_buf *pb)
{
	memcpy(s->bytes, buf, CAP);
	s->pb = *pb;
}

static void
snap_check(const struct snap *s, const uint8_t *buf, const struct pkt_buf *pb)
{
	assert_memory_equal(s->bytes, buf, CAP);
	assert_ptr_equal(s->pb.base, pb->base);
	assert_int_equal(s->pb.cap, pb->cap);
	assert_int_equal(s->pb.off, pb->off);
	assert_int_equal(s->pb.len, pb->len);
}

static void
test_build_new_flow_exact_bytes(void **state)
{
	uint8_t out[80];
	struct srh_view v;

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(srh_build(out, sizeof(out), new_flow, 4, 1, 6),
			 WIRE_OK);
	/* The SRH inside the model's packet, bytes 40..111. */
	assert_memory_equal(out, syn_v6_srh72 + 40, 72);
	assert_int_equal(out[72], 0xAA);
	assert_int_equal(srh_parse(out, 72, 0, &v), WIRE_OK);
	assert_int_equal(v.off, 0);
	assert_int_equal(v.len, 72);
	assert_int_equal(v.seg_off, 8);
	assert_int_equal(v.tlv_off, 72);
	assert_int_equal(v.tlv_len, 0);
	assert_int_equal(v.next_hdr, 6);
	assert_int_equal(v.segments_left, 2);
	assert_int_equal(v.last_entry, 3);
	assert_int_equal(v.flags, 0);
	assert_int_equal(v.tag, 0);
	assert_memory_equal(srh_active(out, &v), s1ca, 16);
	assert_memory_equal(srh_segment(out, &v, 0), vip, 16);
	assert_memory_equal(srh_segment(out, &v, 1), s2cf, 16);
	assert_memory_equal(srh_segment(out, &v, 3), lb, 16);
	assert_memory_equal(srh_func_arg(out, &v), lb, 16);
	assert_null(srh_segment(out, &v, 4));
	assert_null(srh_segment(NULL, &v, 0));
	assert_null(srh_active(out, NULL));

	/* first = 0: SL = Last Entry, the DA is the first entry. */
	assert_int_equal(srh_build(out, 72, new_flow, 4, 0, 6), WIRE_OK);
	assert_int_equal(out[3], 3);
	/* first = n - 1: SL 0, sent straight to the final segment. */
	assert_int_equal(srh_build(out, 72, new_flow, 4, 3, 17), WIRE_OK);
	assert_int_equal(out[0], 17);
	assert_int_equal(out[3], 0);

	memset(out, 0xAA, sizeof(out));
	assert_int_equal(srh_build(out, 71, new_flow, 4, 1, 6),
			 WIRE_ERR_NO_ROOM);
	assert_int_equal(srh_build(out, 80, new_flow, 4, 4, 6),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_build(out, 80, new_flow, 0, 0, 6),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_build(out, 80, NULL, 1, 0, 6), WIRE_ERR_INVAL);
	assert_int_equal(srh_build(NULL, 80, new_flow, 1, 0, 6),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_build(out, 80, new_flow, SRH_MAX_SEGMENTS + 1,
				   0, 6), WIRE_ERR_INVAL);
	assert_int_equal(out[0], 0xAA);
}

static void
test_insert_new_flow_72_bytes_exact(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;

	(void)state;
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_insert(&pb, L3, 1500, new_flow, 4, 1), WIRE_OK);
	/* 6LB figure 5, IPv6 SR insert, new flow: 72 bytes. */
	assert_int_equal(pb.len, L3 + sizeof(syn_v6) + 72);
	assert_int_equal(pb.len, L3 + sizeof(syn_v6_srh72));
	assert_memory_equal(pkt_buf_data(&pb), eth, L3);
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6_srh72,
			    sizeof(syn_v6_srh72));
	assert_memory_equal(pkt_buf_data(&pb) + L3 + 8, client, 16);
	/* pkt_buf moves the shorter side: here the 20-byte TCP header
	 * (into the tailroom), not the 54 bytes of Ethernet + IPv6. */
	assert_int_equal(pb.off, HEAD);

	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_int_equal(pb.off, HEAD);
	assert_int_equal(pb.len, L3 + sizeof(syn_v6));
	assert_memory_equal(pkt_buf_data(&pb), eth, L3);
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6, sizeof(syn_v6));
}

static void
test_insert_pinned_flow_56_bytes_exact(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	struct srh_view v;

	(void)state;
	load_pkt(buf, &pb, ack_v6, sizeof(ack_v6));
	assert_int_equal(srh_insert(&pb, L3, 0, pinned, 3, 1), WIRE_OK);
	/* 6LB figure 5, IPv6 SR insert, pinned flow: 56 bytes. */
	assert_int_equal(pb.len, L3 + sizeof(ack_v6) + 56);
	assert_memory_equal(pkt_buf_data(&pb) + L3, ack_v6_srh56,
			    sizeof(ack_v6_srh56));
	assert_int_equal(srh_parse(pkt_buf_data(&pb), pb.len, L3 + 40, &v),
			 WIRE_OK);
	assert_int_equal(v.segments_left, 1);
	assert_int_equal(v.last_entry, 2);
	assert_memory_equal(srh_active(pkt_buf_data(&pb), &v), s2as, 16);
	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb) + L3, ack_v6, sizeof(ack_v6));
	assert_int_equal(pb.len, L3 + sizeof(ack_v6));
}

/* RFC 8200 §8.1: the TCP checksum covers the final destination. */
static void
test_l4_checksum_unchanged_by_insert_remove(void **state)
{
	uint8_t buf[CAP], tcp_before[32];
	struct pkt_buf pb;
	struct srh_view v;
	uint16_t field;
	uint8_t *d;
	uint32_t tl = sizeof(ack_v6) - 40;

	(void)state;
	load_pkt(buf, &pb, ack_v6, sizeof(ack_v6));
	d = pkt_buf_data(&pb);
	field = load_be16(d + L3 + 40 + 16);
	assert_int_equal(field, 0x5e7e);
	/* Before: over the DA, which is the final destination. */
	assert_int_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8, d + L3 + 24, 6,
						  tl), d + L3 + 40, tl), 0);
	memcpy(tcp_before, d + L3 + 40, tl);

	assert_int_equal(srh_insert(&pb, L3, 0, pinned, 3, 1), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	/* TCP bytes untouched; still valid over Segment List[0] = VIP,
	 * and not over the DA the packet now carries (s2::as). */
	assert_memory_equal(d + L3 + 40 + 56, tcp_before, tl);
	assert_int_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8,
						  srh_segment(d, &v, 0), 6,
						  tl), d + L3 + 96, tl), 0);
	assert_int_not_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8,
						      d + L3 + 24, 6, tl),
				     d + L3 + 96, tl), 0);

	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	d = pkt_buf_data(&pb);
	/* After: recomputing over the restored DA gives the same field. */
	memcpy(tcp_before, d + L3 + 40, tl);
	store_be16(tcp_before + 16, 0);
	assert_int_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8, d + L3 + 24, 6,
						  tl), tcp_before, tl), field);
	assert_int_equal(load_be16(d + L3 + 40 + 16), field);
}

static void
test_advance_and_set_active(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	struct srh_view v, stale;
	struct snap s;
	uint8_t *d;

	(void)state;
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 1), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	stale = v;
	/* s1 refuses (Algorithm 1): SL 2 -> 1, DA = s2::cf. */
	assert_int_equal(srh_advance(d, pb.len, L3, &v), WIRE_OK);
	assert_int_equal(v.segments_left, 1);
	assert_int_equal(d[L3 + 40 + 3], 1);
	assert_memory_equal(d + L3 + 24, s2cf, 16);
	/* s2 must accept: SL 1 -> 0, DA = vip. */
	assert_int_equal(srh_advance(d, pb.len, L3, &v), WIRE_OK);
	assert_int_equal(d[L3 + 40 + 3], 0);
	assert_memory_equal(d + L3 + 24, vip, 16);
	/* Only the SL byte and the DA changed on the way. */
	assert_memory_equal(d + L3, syn_v6_srh72, 24);
	assert_memory_equal(d + L3 + 40, syn_v6_srh72 + 40, 3);
	assert_memory_equal(d + L3 + 44, syn_v6_srh72 + 44,
			    sizeof(syn_v6_srh72) - 44);

	snap_take(&s, buf, &pb);
	assert_int_equal(srh_advance(d, pb.len, L3, &v),
			 WIRE_ERR_SRH_EXHAUSTED);
	/* A view that no longer matches the bytes (SL 2 vs 0). */
	assert_int_equal(srh_advance(d, pb.len, L3, &stale), WIRE_ERR_INVAL);
	/* Segments Left never grows. */
	assert_int_equal(srh_set_active(d, pb.len, L3, &v, 1),
			 WIRE_ERR_INVAL);
	/* The IPv6 header must lie before the SRH, the SRH in len. */
	assert_int_equal(srh_set_active(d, pb.len, L3 + 1, &v, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_set_active(d, L3 + 40 + 71, L3, &v, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_set_active(NULL, pb.len, L3, &v, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_advance(d, pb.len, L3, NULL), WIRE_ERR_INVAL);
	snap_check(&s, buf, &pb);

	/* Accepting at s1 directly (Algorithm 1: SegmentsLeft <- 0). */
	d[L3 + 40 + 3] = 2;
	memcpy(d + L3 + 24, s1ca, 16);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_int_equal(srh_set_active(d, pb.len, L3, &v, 0), WIRE_OK);
	assert_int_equal(d[L3 + 40 + 3], 0);
	assert_memory_equal(d + L3 + 24, vip, 16);
	/* Setting the current SL again is allowed and idempotent. */
	assert_int_equal(srh_set_active(d, pb.len, L3, &v, 0), WIRE_OK);

	/* RFC 8754 §4.1.1 reduced form: SL = Last Entry + 1, the active
	 * segment is only in the DA; advancing reaches Segment List[3]. */
	d[L3 + 40 + 3] = 4;
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_null(srh_active(d, &v));
	assert_int_equal(srh_advance(d, pb.len, L3, &v), WIRE_OK);
	assert_int_equal(v.segments_left, 3);
	assert_memory_equal(d + L3 + 24, lb, 16);
}

/* The SYN with a Hop-by-Hop header (next TCP, length 0, PadN of 4
 * bytes) between IPv6 and TCP: sizeof(syn_v6) + 8 bytes at @p ip. */
static void
syn_with_hbh(uint8_t *ip)
{
	memcpy(ip, syn_v6, 40);
	ip[5] = 20 + 8;
	ip[6] = 0;
	memcpy(ip + 40, (const uint8_t[]){ 6, 0, 1, 4, 0, 0, 0, 0 }, 8);
	memcpy(ip + 48, syn_v6 + 40, 20);
}

static void
test_insert_after_hop_by_hop(void **state)
{
	uint8_t buf[CAP], ip[sizeof(syn_v6) + 8];
	struct pkt_buf pb;
	struct srh_view v;
	uint8_t *d;

	(void)state;
	syn_with_hbh(ip);
	load_pkt(buf, &pb, ip, sizeof(ip));
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 1), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 0);          /* HBH stays first */
	assert_int_equal(d[L3 + 40], 43);        /* HBH -> SRH */
	assert_int_equal(load_be16(d + L3 + 4), 8 + 72 + 20);
	assert_int_equal(srh_parse(d, pb.len, L3 + 48, &v), WIRE_OK);
	assert_int_equal(v.next_hdr, 6);
	assert_memory_equal(d + L3 + 48, syn_v6_srh72 + 40, 72);
	assert_memory_equal(d + L3 + 24, s1ca, 16);
	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, L3 + sizeof(ip));
	assert_memory_equal(pkt_buf_data(&pb) + L3, ip, sizeof(ip));
}

/* srh_remove_parsed() at the parse's srh_off, against srh_remove() on a
 * copy: the same result and, when it succeeds, the same bytes and
 * descriptor; when it fails, nothing changed. */
static void
remove_parsed_as_remove(const uint8_t *buf, const struct pkt_buf *pb,
			uint32_t srh_off)
{
	uint8_t a[CAP], b[CAP];
	struct pkt_buf pa = *pb, pbb = *pb;
	enum wire_result ra, rb;

	memcpy(a, buf, CAP);
	memcpy(b, buf, CAP);
	pa.base = a;
	pbb.base = b;
	ra = srh_remove(&pa, L3);
	rb = srh_remove_parsed(&pbb, L3, srh_off);
	assert_int_equal(rb, ra);
	assert_int_equal(pbb.off, pa.off);
	assert_int_equal(pbb.len, pa.len);
	assert_memory_equal(b, a, CAP);
	if (ra != WIRE_OK)
		assert_memory_equal(b, buf, CAP);
}

static void
test_remove_parsed(void **state)
{
	uint8_t buf[CAP], ip[sizeof(syn_v6) + 8];
	struct pkt_buf pb;
	struct pkt_meta m;

	(void)state;
	/* Right after the IPv6 header: the last 1 to 4 segments of the
	 * new flow's list (each ends at the VIP, the packet's address). */
	for (unsigned int n = 1; n <= 4; n++) {
		load_pkt(buf, &pb, n & 1 ? syn_v6 : ack_v6,
			 n & 1 ? sizeof(syn_v6) : sizeof(ack_v6));
		assert_int_equal(srh_insert(&pb, L3, 0, new_flow + 4 - n, n,
					    0), WIRE_OK);
		assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m),
				 WIRE_OK);
		assert_true(m.msgs & (1u << PKT_MSG_SRH));
		assert_int_equal(m.srh_off, L3 + 40);
		remove_parsed_as_remove(buf, &pb, m.srh_off);
	}
	/* The SRH of 6LB figure 5, removed: the packet before it. */
	load_pkt(buf, &pb, syn_v6_srh72, sizeof(syn_v6_srh72));
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(srh_remove_parsed(&pb, L3, m.srh_off), WIRE_OK);
	assert_int_equal(pb.len, L3 + sizeof(syn_v6));
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6, sizeof(syn_v6));
	/* After a Hop-by-Hop header: srh_remove()'s own way. */
	syn_with_hbh(ip);
	load_pkt(buf, &pb, ip, sizeof(ip));
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 1), WIRE_OK);
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.srh_off, L3 + 48);
	remove_parsed_as_remove(buf, &pb, m.srh_off);
	/* A frame that is no longer as parsed falls back to the checks:
	 * no Routing header there, a length past the frame, an offset
	 * that is not the SRH's. */
	load_pkt(buf, &pb, syn_v6_srh72, sizeof(syn_v6_srh72));
	pkt_buf_data(&pb)[L3 + 6] = 6;
	remove_parsed_as_remove(buf, &pb, L3 + 40);
	load_pkt(buf, &pb, syn_v6_srh72, sizeof(syn_v6_srh72));
	pkt_buf_data(&pb)[L3 + 41] = 200;
	remove_parsed_as_remove(buf, &pb, L3 + 40);
	load_pkt(buf, &pb, syn_v6_srh72, sizeof(syn_v6_srh72));
	remove_parsed_as_remove(buf, &pb, L3 + 48);
	pb.len = L3 + 44;
	remove_parsed_as_remove(buf, &pb, L3 + 40);
	assert_int_equal(srh_remove_parsed(NULL, L3, L3 + 40), WIRE_ERR_INVAL);
}

/* srh_insert(new_flow) on the SYN after @mutate, expecting @want and no
 * change at all to the buffer or the descriptor. */
static void
insert_refused(uint32_t at, uint8_t val, uint32_t len, uint32_t mtu,
	       const uint8_t (*segs)[16], unsigned int n,
	       enum wire_result want)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	struct snap s;

	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	if (at < pb.len)
		pkt_buf_data(&pb)[at] = val;
	pb.len = len;
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_insert(&pb, L3, mtu, segs, n, n > 1), want);
	snap_check(&s, buf, &pb);
}

static void
test_insert_refusals_change_nothing(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	uint32_t full = L3 + sizeof(syn_v6);
	struct snap s;

	(void)state;
	/* MTU: 40 + 20 + 72 = 132 bytes of IPv6 packet. */
	insert_refused(~0u, 0, full, 131, new_flow, 4, WIRE_ERR_MTU);
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_insert(&pb, L3, 132, new_flow, 4, 1), WIRE_OK);
	/* Not IPv6, payload beyond the frame, truncated header. */
	insert_refused(L3, 0x45, full, 0, new_flow, 4, WIRE_ERR_IPV6_VERSION);
	insert_refused(L3 + 5, 21, full, 0, new_flow, 4,
		       WIRE_ERR_IPV6_PAYLOAD_LEN);
	insert_refused(~0u, 0, L3 + 39, 0, new_flow, 4, WIRE_ERR_TRUNCATED);
	/* Already routed (RFC 8200 §4.1: one Routing header). */
	insert_refused(L3 + 6, 43, full, 0, new_flow, 4, WIRE_ERR_IP6EXT_DUP);
	/* HBH announced: its length byte (TCP's 0x40) passes the payload. */
	insert_refused(L3 + 6, 0, full, 0, new_flow, 4,
		       WIRE_ERR_IP6EXT_FORMAT);
	/* The last segment is not the destination: the L4 checksum would
	 * break. The pinned list's last is the VIP, so change the DA. */
	insert_refused(L3 + 39, 0x65, full, 0, pinned, 3, WIRE_ERR_INVAL);
	/* Bad arguments. */
	insert_refused(~0u, 0, full, 0, new_flow, 0, WIRE_ERR_INVAL);
	insert_refused(~0u, 0, full, 0, NULL, 4, WIRE_ERR_INVAL);
	assert_int_equal(srh_insert(NULL, L3, 0, new_flow, 4, 1),
			 WIRE_ERR_INVAL);
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 4),
			 WIRE_ERR_INVAL);

	/* No head- or tailroom: 9 spare bytes each side. */
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(pkt_buf_init(&pb, buf + HEAD - 9, full + 18, 9,
				      full), WIRE_OK);
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 1),
			 WIRE_ERR_NO_ROOM);
	snap_check(&s, buf, &pb);
	/* 72 bytes of tailroom only: the payload side moves. */
	assert_int_equal(pkt_buf_init(&pb, buf + HEAD, full + 72, 0, full),
			 WIRE_OK);
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow, 4, 1), WIRE_OK);
	assert_int_equal(pb.off, 0);
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6_srh72,
			    sizeof(syn_v6_srh72));
}

static void
test_remove_refusals_change_nothing(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	struct snap s;
	uint8_t *d;

	(void)state;
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_remove(&pb, L3), WIRE_ERR_NOT_FOUND);
	assert_int_equal(srh_remove(&pb, L3 + 1), WIRE_ERR_IPV6_VERSION);
	assert_int_equal(srh_remove(&pb, pb.len), WIRE_ERR_TRUNCATED);
	assert_int_equal(srh_remove(NULL, L3), WIRE_ERR_INVAL);
	snap_check(&s, buf, &pb);

	load_pkt(buf, &pb, syn_v6_srh72, sizeof(syn_v6_srh72));
	d = pkt_buf_data(&pb);
	/* Segments Left 5 > Last Entry + 1 inside a packet. */
	d[L3 + 40 + 3] = 5;
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_remove(&pb, L3), WIRE_ERR_SRH_SEGLEFT);
	snap_check(&s, buf, &pb);
	/* The SRH must end within the Payload Length, not just the frame. */
	d[L3 + 40 + 3] = 2;
	store_be16(d + L3 + 4, 71);
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_remove(&pb, L3), WIRE_ERR_SRH_LEN);
	snap_check(&s, buf, &pb);
	/* A Routing header of another type. */
	store_be16(d + L3 + 4, 92);
	d[L3 + 40 + 2] = 2;
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_remove(&pb, L3), WIRE_ERR_SRH_TYPE);
	snap_check(&s, buf, &pb);

	/* Remove restores Segment List[0] whatever Segments Left is, and
	 * drops nothing after the payload. */
	d[L3 + 40 + 2] = 4;
	d[L3 + 40 + 3] = 1;
	memcpy(d + L3 + 24, s2cf, 16);
	pb.len += 3;
	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, L3 + sizeof(syn_v6) + 3);
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6, sizeof(syn_v6));
}

/* A valid 72-byte SRH, then one byte changed, parsed over @len bytes:
 * the bytes and the view are never touched on error. */
static enum wire_result
parse_mutated(unsigned int at, uint8_t val, uint32_t len)
{
	uint8_t h[96], copy[96];
	struct srh_view v, v0;
	enum wire_result r;

	memset(h, 0, sizeof(h));
	assert_int_equal(srh_build(h, sizeof(h), new_flow, 4, 1, 6), WIRE_OK);
	h[at] = val;
	memcpy(copy, h, sizeof(h));
	memset(&v, 0x5A, sizeof(v));
	v0 = v;
	r = srh_parse(h, len, 0, &v);
	assert_memory_equal(h, copy, sizeof(h));
	if (r != WIRE_OK)
		assert_memory_equal(&v, &v0, sizeof(v));
	return r;
}

static void
test_malformed_srh(void **state)
{
	struct srh_view v;
	uint8_t h[96];

	(void)state;
	assert_int_equal(parse_mutated(0, 6, 72), WIRE_OK);
	assert_int_equal(parse_mutated(0, 6, 96), WIRE_OK);
	/* Routing type != 4 (0, 2 and RPL's 3 are other formats). */
	assert_int_equal(parse_mutated(2, 0, 72), WIRE_ERR_SRH_TYPE);
	assert_int_equal(parse_mutated(2, 2, 72), WIRE_ERR_SRH_TYPE);
	assert_int_equal(parse_mutated(2, 3, 72), WIRE_ERR_SRH_TYPE);
	/* Hdr Ext Len beyond the packet, and zero. */
	assert_int_equal(parse_mutated(1, 9, 72), WIRE_ERR_SRH_LEN);
	assert_int_equal(parse_mutated(1, 255, 96), WIRE_ERR_SRH_LEN);
	assert_int_equal(parse_mutated(1, 0, 72), WIRE_ERR_SRH_LEN);
	/* Truncated segment list: the header announces 72, 71 are there. */
	assert_int_equal(parse_mutated(0, 6, 71), WIRE_ERR_SRH_LEN);
	assert_int_equal(parse_mutated(0, 6, 24), WIRE_ERR_SRH_LEN);
	/* Not even the fixed part. */
	assert_int_equal(parse_mutated(0, 6, 7), WIRE_ERR_TRUNCATED);
	assert_int_equal(parse_mutated(0, 6, 0), WIRE_ERR_TRUNCATED);
	/* Last Entry beyond Hdr Ext Len: 5 segments in 64 bytes, and a
	 * smaller Hdr Ext Len under the same 4 segments. */
	assert_int_equal(parse_mutated(4, 4, 72), WIRE_ERR_SRH_LAST_ENTRY);
	assert_int_equal(parse_mutated(4, 255, 72), WIRE_ERR_SRH_LAST_ENTRY);
	assert_int_equal(parse_mutated(1, 7, 72), WIRE_ERR_SRH_LAST_ENTRY);
	/* Segments Left > Last Entry + 1 (RFC 8754 §4.3.1.1); = is legal. */
	assert_int_equal(parse_mutated(3, 4, 72), WIRE_OK);
	assert_int_equal(parse_mutated(3, 5, 72), WIRE_ERR_SRH_SEGLEFT);
	assert_int_equal(parse_mutated(3, 255, 72), WIRE_ERR_SRH_SEGLEFT);
	/* Flags and Tag are carried, not judged. */
	assert_int_equal(parse_mutated(5, 0xff, 72), WIRE_OK);

	memset(h, 0, sizeof(h));
	assert_int_equal(srh_build(h, sizeof(h), new_flow, 4, 1, 6), WIRE_OK);
	/* Two segments in room for four: the rest is TLV area (Pad1s). */
	memset(h + 8 + 32, 0, 32);
	h[7] = 0x2a;
	h[4] = 1;
	h[3] = 1;
	assert_int_equal(srh_parse(h, 72, 0, &v), WIRE_OK);
	assert_int_equal(v.tag, 0x2a);
	assert_int_equal(v.tlv_off, 8 + 32);
	assert_int_equal(v.tlv_len, 32);
	/* At an offset, and arguments. */
	assert_int_equal(srh_parse(h, 72, 1, &v), WIRE_ERR_SRH_TYPE);
	assert_int_equal(srh_parse(h, 8, 9, &v), WIRE_ERR_TRUNCATED);
	assert_int_equal(srh_parse(h, 72, 0xFFFFFFFFu, &v),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(srh_parse(NULL, 72, 0, &v), WIRE_ERR_INVAL);
	assert_int_equal(srh_parse(h, 72, 0, NULL), WIRE_ERR_INVAL);
}

/* One segment, then @tlv_len bytes of TLVs (Hdr Ext Len 2 + tlv_len/8). */
static enum wire_result
parse_tlvs(const uint8_t *tlvs, uint32_t tlv_len, struct srh_view *v)
{
	uint8_t h[8 + 16 + 64], copy[sizeof(h)];
	enum wire_result r;

	memset(h, 0, sizeof(h));
	h[0] = 6;
	h[1] = (uint8_t)(2 + tlv_len / 8);
	h[2] = 4;
	h[3] = 0;
	h[4] = 0;
	memcpy(h + 24, tlvs, tlv_len);
	memcpy(copy, h, sizeof(h));
	r = srh_parse(h, 24 + tlv_len, 0, v);
	assert_memory_equal(h, copy, sizeof(h));
	return r;
}

static void
test_tlv_area(void **state)
{
	struct srh_view v;

	(void)state;
	/* Pad1; PadN with 4 bytes; Pad1; type 7 with 6 bytes: 16 bytes. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 0, 4, 4, 0, 0, 0, 0, 0,
						       7, 6, 1, 2, 3, 4, 5, 6 },
				    16, &v), WIRE_OK);
	assert_int_equal(v.len, 40);
	assert_int_equal(v.tlv_off, 24);
	assert_int_equal(v.tlv_len, 16);
	/* Odd Hdr Ext Len (3) is fine: PadN of 7 bytes, then Pad1. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 4, 5, 0, 0, 0, 0, 0, 0 },
				    8, &v), WIRE_OK);
	assert_int_equal(v.len, 32);
	assert_int_equal(v.tlv_len, 8);
	/* ... but the last byte, type 1, has no length byte. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 4, 5, 0, 0, 0, 0, 0, 1 },
				    8, &v), WIRE_ERR_SRH_TLV);
	/* PadN value longer than 5 (RFC 8754 §2.1.1.2). */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 4, 6, 0, 0, 0, 0, 0, 0 },
				    8, &v), WIRE_ERR_SRH_TLV);
	/* Unknown TLV skipped by its length; HMAC-type 5 likewise. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 5, 6, 9, 9, 9, 9, 9, 9 },
				    8, &v), WIRE_OK);
	/* Length runs one byte past the header's end. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 7, 7, 0, 0, 0, 0, 0, 0 },
				    8, &v), WIRE_ERR_SRH_TLV);
	/* Last byte is a type without its length byte. */
	assert_int_equal(parse_tlvs((const uint8_t[]){ 7, 4, 0, 0, 0, 0, 0, 9 },
				    8, &v), WIRE_ERR_SRH_TLV);
	assert_int_equal(parse_tlvs((const uint8_t[]){ 7, 4, 0, 0, 0, 0, 0, 0 },
				    8, &v), WIRE_OK);
	/* All Pad1: 64 bytes, the walk's longest run per byte. */
	assert_int_equal(parse_tlvs((const uint8_t[64]){ 0 }, 64, &v), WIRE_OK);
	assert_int_equal(v.tlv_len, 64);
}

static void
test_segment_limit(void **state)
{
	uint8_t big[8 + 17 * 16], segs[17][16];
	struct srh_view v;
	unsigned int i;

	(void)state;
	memset(big, 0, sizeof(big));
	for (i = 0; i < 17; i++) {
		memset(segs[i], 0, 16);
		segs[i][0] = 0x20;
		segs[i][15] = (uint8_t)i;
	}
	assert_int_equal(srh_build(big, sizeof(big),
				   (const uint8_t (*)[16])segs, 16, 1, 6),
			 WIRE_OK);
	assert_int_equal(srh_parse(big, SRH_SIZE(16), 0, &v), WIRE_OK);
	assert_int_equal(v.last_entry, 15);
	assert_int_equal(v.segments_left, 14);
	assert_int_equal(srh_segment(big, &v, 15)[15], 0);
	assert_int_equal(srh_segment(big, &v, 0)[15], 15);
	/* 17 segments in a header that holds them: refused by bound. */
	big[1] = 34;
	big[4] = 16;
	assert_int_equal(srh_parse(big, sizeof(big), 0, &v),
			 WIRE_ERR_SRH_TOO_MANY);
	assert_int_equal(srh_build(big, sizeof(big),
				   (const uint8_t (*)[16])segs, 17, 1, 6),
			 WIRE_ERR_INVAL);
}

static void
test_encap_decap(void **state)
{
	uint8_t buf[CAP], ip4[28];
	struct pkt_buf pb;
	struct srh_view v;
	struct snap s;
	uint8_t *d;

	(void)state;
	/* Figure 5 "IPv6 SR encap", new flow: the outer source is the LB,
	 * so the list is (s1::ca, s2::cf, vip): 40 + 8 + 48 = 96 bytes. */
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_encap(&pb, L3, 0, lb, &new_flow[1], 3, 0),
			 WIRE_OK);
	assert_int_equal(pb.len, L3 + 96 + sizeof(syn_v6));
	d = pkt_buf_data(&pb);
	assert_memory_equal(d, eth, L3);
	assert_int_equal(load_be32(d + L3), 0x60012345);  /* TC+FL copied */
	assert_int_equal(load_be16(d + L3 + 4), 56 + sizeof(syn_v6));
	assert_int_equal(d[L3 + 6], 43);
	assert_int_equal(d[L3 + 7], SRH_ENCAP_HOP_LIMIT);
	assert_memory_equal(d + L3 + 8, lb, 16);
	assert_memory_equal(d + L3 + 24, s1ca, 16);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_memory_equal(d + L3 + 40, ((const uint8_t[]){ 41, 6, 4, 2, 2,
							    0, 0, 0 }), 8);
	assert_memory_equal(srh_segment(d, &v, 0), vip, 16);
	assert_memory_equal(d + L3 + 96, syn_v6, sizeof(syn_v6));
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, L3 + sizeof(syn_v6));
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6, sizeof(syn_v6));
	assert_memory_equal(pkt_buf_data(&pb), eth, L3);

	/* Pinned: (s2::as, vip), 80 bytes. */
	assert_int_equal(srh_encap(&pb, L3, 0, lb, &pinned[1], 2, 0),
			 WIRE_OK);
	assert_int_equal(pb.len, L3 + 80 + sizeof(syn_v6));
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	/* One segment: no SRH, 40 bytes, next header 41. */
	assert_int_equal(srh_encap(&pb, L3, 0, lb, &pinned[1], 1, 0),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(pb.len, L3 + 40 + sizeof(syn_v6));
	assert_int_equal(d[L3 + 6], 41);
	assert_memory_equal(d + L3 + 24, s2as, 16);
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb) + L3, syn_v6, sizeof(syn_v6));
	/* A plain IPv6 packet is not an encapsulation. */
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_decap(&pb, L3), WIRE_ERR_NOT_FOUND);
	snap_check(&s, buf, &pb);

	/* IPv4 inner with 6 bytes of link padding after it: next header 4,
	 * TOS 0xb8 -> traffic class, padding dropped. */
	memset(ip4, 0, sizeof(ip4));
	ip4[0] = 0x45;
	ip4[1] = 0xb8;
	store_be16(ip4 + 2, 22);
	ip4[8] = 64;
	ip4[9] = 17;
	ip4[20] = 0x11;
	ip4[21] = 0x22;
	memset(ip4 + 22, 0xCC, 6);
	load_pkt(buf, &pb, ip4, sizeof(ip4));
	snap_take(&s, buf, &pb);
	/* 40 + 22 = 62 bytes of outer packet. */
	assert_int_equal(srh_encap(&pb, L3, 61, lb, &pinned[1], 1, 0),
			 WIRE_ERR_MTU);
	snap_check(&s, buf, &pb);
	assert_int_equal(srh_encap(&pb, L3, 62, lb, &pinned[1], 1, 0),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(pb.len, L3 + 62);
	assert_int_equal(load_be32(d + L3), 0x6b800000);
	assert_int_equal(load_be16(d + L3 + 4), 22);
	assert_int_equal(d[L3 + 6], 4);
	assert_memory_equal(d + L3 + 40, ip4, 22);
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, L3 + 22);
	assert_memory_equal(pkt_buf_data(&pb) + L3, ip4, 22);
	/* Outer next header 4 but an IPv6 payload: not ours. */
	assert_int_equal(srh_encap(&pb, L3, 0, lb, &pinned[1], 1, 0),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	d[L3 + 40] = 0x65;
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_decap(&pb, L3), WIRE_ERR_NOT_FOUND);
	snap_check(&s, buf, &pb);

	/* Bad inner packets and arguments change nothing. */
	load_pkt(buf, &pb, ip4, sizeof(ip4));
	d = pkt_buf_data(&pb);
	snap_take(&s, buf, &pb);
	d[L3] = 0x44;
	s.bytes[HEAD + L3] = 0x44;
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 2, 0),
			 WIRE_ERR_IPV4_IHL);
	d[L3] = 0x45;
	s.bytes[HEAD + L3] = 0x45;
	store_be16(d + L3 + 2, 29);
	store_be16(s.bytes + HEAD + L3 + 2, 29);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 2, 0),
			 WIRE_ERR_IPV4_TOTAL_LEN);
	d[L3] = 0x15;
	s.bytes[HEAD + L3] = 0x15;
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 2, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_encap(&pb, pb.len, 0, lb, new_flow, 2, 0),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(srh_encap(&pb, L3, 0, NULL, new_flow, 2, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 2, 2),
			 WIRE_ERR_INVAL);
	snap_check(&s, buf, &pb);
	/* IPv6 inner: payload beyond the frame; no room. */
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	pb.len -= 1;
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 4, 1),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	snap_check(&s, buf, &pb);
	load_pkt(buf, &pb, syn_v6, sizeof(syn_v6));
	assert_int_equal(pkt_buf_init(&pb, buf + HEAD, L3 + sizeof(syn_v6),
				      0, L3 + sizeof(syn_v6)), WIRE_OK);
	snap_take(&s, buf, &pb);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow, 4, 1),
			 WIRE_ERR_NO_ROOM);
	snap_check(&s, buf, &pb);
}

static const uint8_t loc1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0,
				  0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4 };

static void
test_sr_functions_default(void **state)
{
	struct srv6_func_cfg cfg;
	uint8_t sid[16], loc[16], want[16];
	uint64_t arg;
	unsigned int f;

	(void)state;
	srv6_func_cfg_default(&cfg);
	assert_int_equal(cfg.locator_bits, 64);
	assert_int_equal(cfg.func_bits, 16);
	assert_int_equal(cfg.arg_bits, 0);
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	for (f = SRV6_FUNC_CONNECT_AVAIL; f < SRV6_FUNC_MAX; f++) {
		/* loc1's host bits are ignored: 2001:db8:1:0:<f>:: */
		memset(want, 0, 16);
		memcpy(want, loc1, 8);
		want[9] = (uint8_t)f;
		assert_int_equal(srv6_sid_make(&cfg, loc1, f, 0, sid), 0);
		assert_memory_equal(sid, want, 16);
		memset(loc, 0xAA, 16);
		arg = 99;
		assert_int_equal(srv6_sid_parse(&cfg, sid, loc, &arg), f);
		assert_memory_equal(loc, want, 8);
		assert_int_equal(load_be32(loc + 8) | load_be32(loc + 12), 0);
		assert_int_equal(arg, 0);
		assert_true(srv6_sid_same_locator(&cfg, sid, loc1));
		assert_false(srv6_sid_same_locator(&cfg, sid, s2cf));
		assert_int_equal(srv6_sid_match(&cfg, loc1, sid, NULL), f);
		assert_int_equal(srv6_sid_match(&cfg, s2cf, sid, NULL),
				 SRV6_FUNC_NONE);
	}
	/* The test addresses are the default SIDs. */
	assert_int_equal(srv6_sid_parse(&cfg, s1ca, NULL, NULL),
			 SRV6_FUNC_CONNECT_AVAIL);
	assert_int_equal(srv6_sid_parse(&cfg, s2cf, NULL, NULL),
			 SRV6_FUNC_CONNECT_FORCE);
	assert_int_equal(srv6_sid_parse(&cfg, s2as, NULL, NULL),
			 SRV6_FUNC_ACK_STICKINESS);
	/* lb's own address, the VIP: not function SIDs. */
	assert_int_equal(srv6_sid_parse(&cfg, lb, NULL, NULL), SRV6_FUNC_NONE);
	assert_int_equal(srv6_sid_parse(&cfg, vip, NULL, NULL),
			 SRV6_FUNC_NONE);
	/* Argument bits set with arg_bits 0, or an unknown code. */
	memcpy(sid, s1ca, 16);
	sid[15] = 1;
	memset(loc, 0xAA, 16);
	assert_int_equal(srv6_sid_parse(&cfg, sid, loc, NULL), SRV6_FUNC_NONE);
	assert_int_equal(loc[0], 0xAA);       /* outputs only on success */
	memcpy(sid, s1ca, 16);
	sid[9] = 7;
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL, NULL),
			 SRV6_FUNC_NONE);
	sid[9] = 0;
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL, NULL),
			 SRV6_FUNC_NONE);
	assert_int_equal(srv6_sid_parse(&cfg, NULL, NULL, NULL),
			 SRV6_FUNC_NONE);
	assert_int_equal(srv6_sid_parse(NULL, s1ca, NULL, NULL),
			 SRV6_FUNC_NONE);
	/* make refuses NONE, MAX, a nonzero argument without arg bits. */
	memset(sid, 0xAA, 16);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_NONE, 0, sid),
			 -EINVAL);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_MAX, 0, sid),
			 -EINVAL);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_CONNECT_AVAIL,
				       1, sid), -EINVAL);
	assert_int_equal(srv6_sid_make(&cfg, NULL, SRV6_FUNC_CONNECT_AVAIL,
				       0, sid), -EINVAL);
	assert_int_equal(sid[0], 0xAA);

	assert_string_equal(srv6_func_name(SRV6_FUNC_NONE), "none");
	assert_string_equal(srv6_func_name(SRV6_FUNC_CONNECT_AVAIL),
			    "connectAvail");
	assert_string_equal(srv6_func_name(SRV6_FUNC_CONNECT_FORCE),
			    "connectForce");
	assert_string_equal(srv6_func_name(SRV6_FUNC_CREATE_STICKINESS),
			    "createStickiness");
	assert_string_equal(srv6_func_name(SRV6_FUNC_ACK_STICKINESS),
			    "ackStickiness");
	assert_string_equal(srv6_func_name(SRV6_FUNC_REMOVE_STICKINESS),
			    "removeStickiness");
	assert_string_equal(srv6_func_name(SRV6_FUNC_RECOVER_STICKINESS),
			    "recoverStickiness");
	assert_string_equal(srv6_func_name(SRV6_FUNC_MAX), "?");
	assert_string_equal(srv6_func_suffix(SRV6_FUNC_CONNECT_AVAIL), "ca");
	assert_string_equal(srv6_func_suffix(SRV6_FUNC_REMOVE_STICKINESS),
			    "rms");
	assert_string_equal(srv6_func_suffix(SRV6_FUNC_RECOVER_STICKINESS),
			    "rs");
	assert_string_equal(srv6_func_suffix(SRV6_FUNC_MAX), "?");
}

static void
test_sr_functions_layouts(void **state)
{
	struct srv6_func_cfg cfg;
	uint8_t sid[16], loc[16];
	uint64_t arg;
	unsigned int f;

	(void)state;
	/* /60 locator, 8-bit codes 0x11.., 12-bit argument: every field
	 * straddles a byte boundary. ackStickiness (0x14), arg 0xabc:
	 * bits 60..67 = 0x14, 68..79 = 0xabc. */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 60;
	cfg.func_bits = 8;
	cfg.arg_bits = 12;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		cfg.code[f] = (uint16_t)(0x10 + f);
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_ACK_STICKINESS,
				       0xabc, sid), 0);
	assert_memory_equal(sid, ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8,
						      0, 1, 0, 0x01, 0x4a,
						      0xbc }), 16);
	assert_int_equal(srv6_sid_parse(&cfg, sid, loc, &arg),
			 SRV6_FUNC_ACK_STICKINESS);
	assert_int_equal(arg, 0xabc);
	assert_memory_equal(loc, ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8,
						      0, 1, 0, 0 }), 16);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_ACK_STICKINESS,
				       0x1000, sid), -EINVAL);
	/* A set bit right after the argument field. */
	sid[10] = 0x80;
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL, NULL),
			 SRV6_FUNC_NONE);

	/* "s::ca" read literally: function in the low-order 64 bits. */
	srv6_func_cfg_default(&cfg);
	cfg.func_bits = 64;
	cfg.code[SRV6_FUNC_CONNECT_AVAIL] = 0xca;
	cfg.code[SRV6_FUNC_CONNECT_FORCE] = 0xcf;
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	assert_int_equal(srv6_sid_make(&cfg, loc1, SRV6_FUNC_CONNECT_FORCE, 0,
				       sid), 0);
	assert_memory_equal(sid, ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8,
						      0, 1, 0, 0, [15] = 0xcf }),
			    16);
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL, NULL),
			 SRV6_FUNC_CONNECT_FORCE);

	/* 64-bit argument straddling the two words: /40 + 16 + 64. */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 40;
	cfg.arg_bits = 64;
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	assert_int_equal(srv6_sid_make(&cfg, loc1,
				       SRV6_FUNC_RECOVER_STICKINESS,
				       0x0102030405060708ull, sid), 0);
	assert_memory_equal(sid, ((const uint8_t[16]){ 0x20, 0x01, 0x0d, 0xb8,
						      0, 0, 6, 1, 2, 3, 4, 5,
						      6, 7, 8, 0 }), 16);
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL, &arg),
			 SRV6_FUNC_RECOVER_STICKINESS);
	assert_int_equal(arg, 0x0102030405060708ull);
	/* Same /40 locator, different /64: same node; bit 32 differs. */
	assert_true(srv6_sid_same_locator(&cfg, s1ca, sid));
	assert_false(srv6_sid_same_locator(&cfg, (const uint8_t[16]){
		0x20, 0x01, 0x0d, 0xb8, 0x80 }, sid));

	/* A 127-bit locator leaves 1 bit: too few for six codes. */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 127;
	cfg.func_bits = 1;
	assert_int_equal(srv6_func_cfg_validate(&cfg), -EINVAL);
}

static void
test_sr_functions_bad_cfg(void **state)
{
	struct srv6_func_cfg bad;
	uint8_t sid[16];

	(void)state;
	srv6_func_cfg_default(&bad);
	bad.code[3] = bad.code[4];              /* duplicate */
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	assert_int_equal(srv6_sid_make(&bad, loc1, SRV6_FUNC_CONNECT_AVAIL, 0,
				       sid), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.code[2] = 0;                        /* zero */
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.func_bits = 2;                      /* codes up to 6 do not fit */
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	bad.func_bits = 3;                      /* they do in 3 bits */
	assert_int_equal(srv6_func_cfg_validate(&bad), 0);
	srv6_func_cfg_default(&bad);
	bad.locator_bits = 120;                 /* 120 + 16 > 128 */
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	assert_int_equal(srv6_sid_parse(&bad, s1ca, NULL, NULL),
			 SRV6_FUNC_NONE);
	assert_false(srv6_sid_same_locator(&bad, s1ca, s1ca));
	bad.locator_bits = 112;                 /* exactly 128 */
	assert_int_equal(srv6_func_cfg_validate(&bad), 0);
	bad.arg_bits = 1;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.locator_bits = 7;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.func_bits = 0;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	bad.func_bits = 65;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.arg_bits = 65;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	assert_int_equal(srv6_func_cfg_validate(NULL), -EINVAL);
}

/* The [srv6] keys of every configuration file, by name and range. */
static void
test_sr_functions_cfg_keys(void **state)
{
	struct srv6_func_cfg c;
	uint64_t lo = 0, hi = 0;

	(void)state;
	srv6_func_cfg_default(&c);
	assert_int_equal(srv6_func_cfg_key_range("locator_bits", &lo, &hi), 0);
	assert_int_equal(lo, SRV6_LOCATOR_BITS_MIN);
	assert_int_equal(hi, SRV6_LOCATOR_BITS_MAX);
	assert_int_equal(srv6_func_cfg_key_range("recoverStickiness", &lo,
						 &hi), 0);
	assert_int_equal(lo, 1);
	assert_int_equal(hi, 65535);
	assert_int_equal(srv6_func_cfg_key_range("lb_sid", NULL, NULL),
			 -ENOENT);
	assert_int_equal(srv6_func_cfg_set_key(&c, "function_bits", 65),
			 -ERANGE);
	assert_int_equal(srv6_func_cfg_set_key(&c, "argument_bits", 8), 0);
	assert_int_equal(c.arg_bits, 8);
	assert_int_equal(srv6_func_cfg_set_key(&c, "connectForce", 42), 0);
	assert_int_equal(c.code[SRV6_FUNC_CONNECT_FORCE], 42);
	assert_int_equal(srv6_func_cfg_set_key(&c, "connectForce", 0),
			 -ERANGE);
	assert_int_equal(srv6_func_cfg_set_key(&c, "bogus", 1), -ENOENT);
}

/* srv6_locator_words(): its words and mask decide as
 * srv6_sid_same_locator() for every locator width, on addresses that
 * share 0..128 leading bits (the appliance's createStickiness check,
 * issue 19). */
static void
test_locator_words_same_locator(void **state)
{
	struct srv6_func_cfg cfg, bad;
	uint64_t x = 0x9E3779B97F4A7C15ull, w[2], m[2];
	uint8_t a[16], b[16];

	(void)state;
	srv6_func_cfg_default(&cfg);
	for (unsigned int i = 0; i < 40000; i++) {
		unsigned int same, bits;
		bool want, got;

		for (unsigned int k = 0; k < 16; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			a[k] = (uint8_t)x;
			b[k] = (uint8_t)(x >> 8);
		}
		cfg.locator_bits = (uint8_t)(SRV6_LOCATOR_BITS_MIN +
					     (x >> 16) % (112 -
						SRV6_LOCATOR_BITS_MIN + 1));
		/* b keeps a's first @same bits: around the locator's end */
		bits = cfg.locator_bits;
		same = (unsigned int)((x >> 24) % 5);
		same = same == 4 ? 128 : bits + same - 2;
		for (unsigned int k = 0; k < 16; k++) {
			unsigned int lo = k * 8;

			if (lo + 8 <= same)
				b[k] = a[k];
			else if (lo < same)
				b[k] = (uint8_t)((a[k] & (0xFF00 >> (same - lo))) |
						 (b[k] & (0xFF >> (same - lo))));
		}
		/* and differs at bit @same */
		if (same < 128)
			b[same / 8] = (uint8_t)((b[same / 8] &
						 ~(0x80u >> (same % 8))) |
						(~a[same / 8] &
						 (0x80u >> (same % 8))));
		want = srv6_sid_same_locator(&cfg, a, b);
		assert_true(srv6_locator_words(&cfg, a, w, m));
		got = (((load_be64(b) ^ w[0]) & m[0]) |
		       ((load_be64(b + 8) ^ w[1]) & m[1])) == 0;
		assert_int_equal(got, want);
		assert_int_equal(want, same >= bits);
	}
	srv6_func_cfg_default(&bad);
	bad.locator_bits = 120;                 /* 120 + 16 > 128 */
	assert_false(srv6_locator_words(&bad, a, w, m));
	assert_false(srv6_locator_words(&cfg, NULL, w, m));
}

/* xorshift64: the same SIDs on every run. */
static uint64_t
next_rand(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/* srv6_sid_matcher_func() agrees with srv6_sid_match() (locator compare,
 * then srv6_sid_parse(): the implementation it replaces on the data path)
 * on @p cfg for every SID of the node, each with every single bit
 * flipped, the SIDs of another node and random addresses in and out of
 * the node's prefix. @return how many matched a function. */
static unsigned int
matcher_agrees(const struct srv6_func_cfg *cfg, int init_rc)
{
	struct srv6_sid_matcher mt;
	uint8_t sid[16], t[16];
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int f, i, hits = 0;

	assert_int_equal(srv6_sid_matcher_init(&mt, cfg, loc1), init_rc);
	for (f = 1; f < SRV6_FUNC_MAX; f++) {
		uint64_t arg = cfg->arg_bits == 0 ? 0 :
			       next_rand(&x) & (cfg->arg_bits >= 64 ?
				~(uint64_t)0 :
				((uint64_t)1 << cfg->arg_bits) - 1);

		if (srv6_sid_make(cfg, loc1, (enum srv6_func)f, arg, sid) != 0)
			continue;
		assert_int_equal(srv6_sid_matcher_func(&mt, sid), f);
		for (i = 0; i < 128; i++) {
			memcpy(t, sid, 16);
			t[i / 8] ^= (uint8_t)(0x80 >> (i % 8));
			assert_int_equal(srv6_sid_matcher_func(&mt, t),
					 srv6_sid_match(cfg, loc1, t, NULL));
		}
		/* another node's (the same one under a /40) */
		if (srv6_sid_make(cfg, s2cf, (enum srv6_func)f, 0, t) == 0)
			assert_int_equal(srv6_sid_matcher_func(&mt, t),
					 cfg->locator_bits <= 40 ? f :
					 SRV6_FUNC_NONE);
	}
	for (i = 0; i < 20000; i++) {
		store_be64(t, next_rand(&x));
		store_be64(t + 8, next_rand(&x));
		/* Three in four in the node's /64: random, its end zeroed
		 * from some byte on, or the node's locator with a few bits
		 * at some shift replaced (SIDs of a configuration that
		 * srv6_sid_make() refuses). */
		if ((i & 3) == 1 || (i & 3) == 2)
			memcpy(t, loc1, 8);
		if ((i & 3) == 2)
			memset(t + 8 + (i >> 2) % 8, 0, 8 - (i >> 2) % 8);
		if ((i & 3) == 3) {
			uint64_t mask = 0xffffull >> ((i >> 2) % 16);
			unsigned int sh = (i >> 6) % 64;

			memcpy(t, loc1, 16);
			store_be64(t + 8, (load_be64(loc1 + 8) &
					   ~(mask << sh)) |
					  (next_rand(&x) & mask) << sh);
		}
		f = srv6_sid_matcher_func(&mt, t);
		assert_int_equal(f, srv6_sid_match(cfg, loc1, t, NULL));
		hits += f != SRV6_FUNC_NONE;
	}
	return hits;
}

static void
test_sid_matcher(void **state)
{
	struct srv6_func_cfg cfg;
	unsigned int f;

	(void)state;
	srv6_func_cfg_default(&cfg);
	(void)matcher_agrees(&cfg, 0);
	/* Every field across a byte boundary: /60, 8-bit codes, 12-bit
	 * argument (random SIDs of the /64 then hit functions often). */
	cfg.locator_bits = 60;
	cfg.func_bits = 8;
	cfg.arg_bits = 12;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		cfg.code[f] = (uint16_t)(0x10 + f);
	(void)matcher_agrees(&cfg, 0);
	/* The function in the low-order 64 bits. */
	srv6_func_cfg_default(&cfg);
	cfg.func_bits = 64;
	(void)matcher_agrees(&cfg, 0);
	/* A 64-bit argument across the two words. */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 40;
	cfg.arg_bits = 64;
	(void)matcher_agrees(&cfg, 0);
	/* Functions at the last bits: /120, 8-bit codes (few random
	 * addresses are SIDs, every bit flip counts). */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 120;
	cfg.func_bits = 8;
	(void)matcher_agrees(&cfg, 0);
	/* What validation refuses but the geometry allows: a duplicate
	 * code (the first function wins in both), codes wider than a 2-bit
	 * field (4..6 never match), a zero code. */
	srv6_func_cfg_default(&cfg);
	cfg.code[4] = cfg.code[3];
	(void)matcher_agrees(&cfg, 0);
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 126;
	cfg.func_bits = 2;
	assert_true(matcher_agrees(&cfg, 0) > 0);
	srv6_func_cfg_default(&cfg);
	cfg.code[2] = 0;
	(void)matcher_agrees(&cfg, 0);
	/* A bad geometry: init refuses, and nothing matches. */
	srv6_func_cfg_default(&cfg);
	cfg.locator_bits = 100;
	cfg.arg_bits = 64;
	assert_int_equal(matcher_agrees(&cfg, -EINVAL), 0);
	assert_int_equal(srv6_sid_matcher_init(NULL, &cfg, loc1), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_new_flow_exact_bytes),
		cmocka_unit_test(test_insert_new_flow_72_bytes_exact),
		cmocka_unit_test(test_insert_pinned_flow_56_bytes_exact),
		cmocka_unit_test(test_l4_checksum_unchanged_by_insert_remove),
		cmocka_unit_test(test_advance_and_set_active),
		cmocka_unit_test(test_insert_after_hop_by_hop),
		cmocka_unit_test(test_remove_parsed),
		cmocka_unit_test(test_insert_refusals_change_nothing),
		cmocka_unit_test(test_remove_refusals_change_nothing),
		cmocka_unit_test(test_malformed_srh),
		cmocka_unit_test(test_tlv_area),
		cmocka_unit_test(test_segment_limit),
		cmocka_unit_test(test_encap_decap),
		cmocka_unit_test(test_sr_functions_default),
		cmocka_unit_test(test_sr_functions_layouts),
		cmocka_unit_test(test_sr_functions_bad_cfg),
		cmocka_unit_test(test_sr_functions_cfg_keys),
		cmocka_unit_test(test_locator_words_same_locator),
		cmocka_unit_test(test_sid_matcher),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
