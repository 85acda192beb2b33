/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"

#define L3 14
#define CAP 512
#define HEAD 128

/* 6LB addresses: lb, s1::ca, s2::cf, vip (reading order). */
static uint8_t lb[16], s1ca[16], s2cf[16], vip[16], client[16];

static void
addr(uint8_t a[16], uint16_t w1, uint16_t w2, uint16_t w4, uint16_t w8)
{
	memset(a, 0, 16);
	store_be16(a, 0x2001);
	store_be16(a + 2, 0x0db8);
	store_be16(a + 4, w1);
	store_be16(a + 6, w2);
	store_be16(a + 8, w4);
	store_be16(a + 14, w8);
}

static int
setup(void **state)
{
	(void)state;
	addr(lb, 0xff, 0, 0, 1);
	addr(s1ca, 1, 0, 1, 0);         /* 2001:db8:1:0:1:: locator /64 + fn 1 */
	addr(s2cf, 2, 0, 2, 0);         /* 2001:db8:2:0:2:: locator /64 + fn 2 */
	addr(vip, 0, 0, 0, 0x64);
	addr(client, 0xc, 0, 0, 1);
	return 0;
}

/* Ethernet + IPv6 client -> vip + TCP SYN with 4 payload bytes and a
 * correct checksum, at HEAD in buf. */
static void
build_pkt(uint8_t *buf, struct pkt_buf *pb, int with_hbh)
{
	uint8_t *d, *ip, *t;
	uint32_t l4 = 24, ext = with_hbh ? 8 : 0;

	memset(buf, 0xEE, CAP);
	pkt_buf_init(pb, buf, CAP, HEAD, L3 + 40 + ext + l4);
	d = pkt_buf_data(pb);
	memset(d, 0, pb->len);
	store_be16(d + 12, 0x86DD);
	ip = d + L3;
	store_be32(ip, 0x60000000u);
	store_be16(ip + 4, (uint16_t)(ext + l4));
	ip[6] = with_hbh ? 0 : 6;
	ip[7] = 64;
	memcpy(ip + 8, client, 16);
	memcpy(ip + 24, vip, 16);
	if (with_hbh) {
		ip[40] = 6;     /* HBH: next TCP, len 0, PadN of 4 */
		ip[41] = 0;
		ip[42] = 1;
		ip[43] = 4;
	}
	t = ip + 40 + ext;
	store_be16(t, 40000);
	store_be16(t + 2, 80);
	t[12] = 5 << 4;
	t[13] = 0x02;
	memcpy(t + 20, "ping", 4);
	store_be16(t + 16, csum_l4(csum_pseudo_ipv6(client, vip, 6, l4), t, l4));
}

static const uint8_t (*new_flow(void))[16]
{
	static uint8_t l[4][16];

	memcpy(l[0], lb, 16);
	memcpy(l[1], s1ca, 16);
	memcpy(l[2], s2cf, 16);
	memcpy(l[3], vip, 16);
	return (const uint8_t (*)[16])l;
}

static void
test_build_new_flow_exact_bytes(void **state)
{
	/* (lb, s1::ca, s2::cf, vip): NH 6, Hdr Ext Len 8, type 4, SL 2,
	 * LE 3, then vip, s2::cf, s1::ca, lb (RFC 8754 reverse order). */
	static const uint8_t want[72] = {
		0x06, 0x08, 0x04, 0x02, 0x03, 0x00, 0x00, 0x00,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x64,
		0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};
	uint8_t out[80];
	struct srh_view v;

	(void)state;
	assert_int_equal(srh_build(out, sizeof(out), new_flow(), 4, 1, 6),
			 WIRE_OK);
	assert_memory_equal(out, want, 72);
	assert_int_equal(srh_parse(out, 72, 0, &v), WIRE_OK);
	assert_int_equal(v.len, 72);
	assert_int_equal(v.segments_left, 2);
	assert_int_equal(v.last_entry, 3);
	assert_int_equal(v.tlv_len, 0);
	assert_memory_equal(srh_active(out, &v), s1ca, 16);
	assert_memory_equal(srh_segment(out, &v, 0), vip, 16);
	assert_null(srh_segment(out, &v, 4));
	assert_int_equal(srh_build(out, 71, new_flow(), 4, 1, 6),
			 WIRE_ERR_NO_ROOM);
	assert_int_equal(srh_build(out, 80, new_flow(), 4, 4, 6),
			 WIRE_ERR_INVAL);
	assert_int_equal(srh_build(out, 80, new_flow(), 0, 0, 6),
			 WIRE_ERR_INVAL);
}

static void
test_insert_advance_remove_round_trip(void **state)
{
	uint8_t buf[CAP], orig[CAP];
	struct pkt_buf pb;
	struct srh_view v;
	uint32_t olen;
	uint8_t *d;

	(void)state;
	build_pkt(buf, &pb, 0);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);

	assert_int_equal(srh_insert(&pb, L3, 1500, new_flow(), 4, 1), WIRE_OK);
	assert_int_equal(pb.len, olen + 72);   /* 6LB figure 5: new flow */
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 43);
	assert_int_equal(load_be16(d + L3 + 4), 24 + 72);
	assert_memory_equal(d + L3 + 24, s1ca, 16);
	assert_memory_equal(d, orig, L3);        /* Ethernet kept */
	assert_memory_equal(d + L3 + 40 + 72, orig + L3 + 40, 24);

	/* s1 passes the flow on: SL 2 -> 1, DA = s2::cf. */
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_int_equal(srh_advance(d, pb.len, L3, &v), WIRE_OK);
	assert_int_equal(d[L3 + 40 + 3], 1);
	assert_memory_equal(d + L3 + 24, s2cf, 16);
	/* s2 accepts: SL 1 -> 0, DA = vip. */
	assert_int_equal(srh_advance(d, pb.len, L3, &v), WIRE_OK);
	assert_memory_equal(d + L3 + 24, vip, 16);
	assert_int_equal(srh_advance(d, pb.len, L3, &v),
			 WIRE_ERR_SRH_EXHAUSTED);

	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, olen);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
	assert_int_equal(srh_remove(&pb, L3), WIRE_ERR_NOT_FOUND);
}

static void
test_pinned_flow_is_56_bytes_and_checksum_unchanged(void **state)
{
	uint8_t buf[CAP], l[3][16];
	struct pkt_buf pb;
	uint8_t *d, *t;
	uint32_t final_sum;
	struct srh_view v;

	(void)state;
	memcpy(l[0], lb, 16);
	memcpy(l[1], s1ca, 16);
	memcpy(l[2], vip, 16);
	build_pkt(buf, &pb, 0);
	assert_int_equal(srh_insert(&pb, L3, 0, (const uint8_t (*)[16])l, 3, 1),
			 WIRE_OK);
	assert_int_equal(pb.len, L3 + 40 + 56 + 24);
	d = pkt_buf_data(&pb);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_int_equal(v.segments_left, 1);
	assert_int_equal(v.last_entry, 2);
	/* The TCP checksum still verifies against the final segment
	 * (RFC 8200 §8.1), not against the DA the packet now carries. */
	t = d + L3 + 40 + 56;
	final_sum = csum_pseudo_ipv6(d + L3 + 8, srh_segment(d, &v, 0), 6, 24);
	assert_int_equal(csum_l4(final_sum, t, 24), 0);
	assert_int_not_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8, d + L3 + 24,
						       6, 24), t, 24), 0);
}

static void
test_insert_after_hop_by_hop(void **state)
{
	uint8_t buf[CAP], orig[CAP];
	struct pkt_buf pb;
	struct srh_view v;
	uint32_t olen;
	uint8_t *d;

	(void)state;
	build_pkt(buf, &pb, 1);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow(), 4, 1), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 0);          /* HBH stays first */
	assert_int_equal(d[L3 + 40], 43);        /* HBH -> SRH */
	assert_int_equal(srh_parse(d, pb.len, L3 + 48, &v), WIRE_OK);
	assert_int_equal(v.next_hdr, 6);
	assert_int_equal(srh_remove(&pb, L3), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
}

static void
test_insert_refusals_change_nothing(void **state)
{
	uint8_t buf[CAP], copy[CAP];
	struct pkt_buf pb, pb0;

	(void)state;
	build_pkt(buf, &pb, 0);
	pb0 = pb;
	memcpy(copy, buf, CAP);
	/* MTU: 40 + 24 + 72 = 136 bytes. */
	assert_int_equal(srh_insert(&pb, L3, 135, new_flow(), 4, 1),
			 WIRE_ERR_MTU);
	assert_int_equal(srh_insert(&pb, L3, 136, new_flow(), 4, 1), WIRE_OK);
	pb = pb0;
	memcpy(buf, copy, CAP);
	/* No head- or tailroom. */
	pkt_buf_init(&pb, buf + HEAD, pb0.len + 10, 0, pb0.len);
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow(), 4, 1),
			 WIRE_ERR_NO_ROOM);
	assert_memory_equal(buf, copy, CAP);
	/* Not IPv6, payload length beyond the frame, truncated. */
	pb = pb0;
	buf[HEAD + L3] = 0x45;
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow(), 4, 1),
			 WIRE_ERR_IPV6_VERSION);
	buf[HEAD + L3] = 0x60;
	store_be16(buf + HEAD + L3 + 4, 25);
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow(), 4, 1),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	store_be16(buf + HEAD + L3 + 4, 24);
	pb.len = L3 + 39;
	assert_int_equal(srh_insert(&pb, L3, 0, new_flow(), 4, 1),
			 WIRE_ERR_TRUNCATED);
	pb = pb0;
	assert_memory_equal(buf, copy, CAP);
}

/* A valid 72-byte SRH in buf[0..71], then one byte changed. */
static enum wire_result
parse_mutated(unsigned int at, uint8_t val, uint32_t len)
{
	uint8_t h[96], copy[96];
	struct srh_view v;
	enum wire_result r;

	memset(h, 0, sizeof(h));
	srh_build(h, sizeof(h), new_flow(), 4, 1, 6);
	h[at] = val;
	memcpy(copy, h, sizeof(h));
	r = srh_parse(h, len, 0, &v);
	assert_memory_equal(h, copy, sizeof(h));
	return r;
}

static void
test_malformed_srh(void **state)
{
	(void)state;
	assert_int_equal(parse_mutated(0, 6, 72), WIRE_OK);
	assert_int_equal(parse_mutated(2, 0, 72), WIRE_ERR_SRH_TYPE);
	assert_int_equal(parse_mutated(2, 2, 72), WIRE_ERR_SRH_TYPE);
	/* Hdr Ext Len beyond the packet, and zero. */
	assert_int_equal(parse_mutated(1, 10, 72), WIRE_ERR_TRUNCATED);
	assert_int_equal(parse_mutated(1, 0, 72), WIRE_ERR_SRH_LEN);
	/* Last Entry beyond Hdr Ext Len: 5 segments in 64 bytes. */
	assert_int_equal(parse_mutated(4, 4, 72), WIRE_ERR_SRH_LAST_ENTRY);
	/* Segments Left > Last Entry + 1 (RFC 8754 §4.3.1.1); = is legal. */
	assert_int_equal(parse_mutated(3, 4, 72), WIRE_OK);
	assert_int_equal(parse_mutated(3, 5, 72), WIRE_ERR_SRH_SEGLEFT);
	assert_int_equal(parse_mutated(3, 255, 72), WIRE_ERR_SRH_SEGLEFT);
	/* Truncated: fixed part and segment list. */
	assert_int_equal(parse_mutated(0, 6, 7), WIRE_ERR_TRUNCATED);
	assert_int_equal(parse_mutated(0, 6, 71), WIRE_ERR_TRUNCATED);
}

static void
test_tlvs_and_segment_limit(void **state)
{
	uint8_t h[8 + 16 + 8 + 8];
	uint8_t big[8 + 17 * 16];
	struct srh_view v;

	(void)state;
	memset(h, 0, sizeof(h));
	h[0] = 6;
	h[1] = 4;               /* 32 bytes: 1 segment + 16 bytes of TLVs */
	h[2] = 4;
	h[3] = 1;
	h[4] = 0;
	/* Pad1, PadN(len 4), then a TLV type 5 len 8 that fits exactly? no:
	 * 1 + 6 + 9 = 16 bytes: Pad1, PadN len 4, Pad1... build precisely. */
	h[24] = 0;                      /* Pad1 */
	h[25] = 4; h[26] = 4;           /* PadN, 4 value bytes: 25..30 */
	h[31] = 0;                      /* Pad1 */
	h[32] = 7; h[33] = 6;           /* type 7, 6 bytes: 32..39 */
	assert_int_equal(srh_parse(h, sizeof(h), 0, &v), WIRE_OK);
	assert_int_equal(v.tlv_len, 16);
	h[33] = 7;                      /* runs one byte past the header */
	assert_int_equal(srh_parse(h, sizeof(h), 0, &v), WIRE_ERR_SRH_TLV);
	h[33] = 6;
	h[39] = 0;
	h[38] = 0;
	h[32] = 7;
	h[33] = 4;                      /* 32..37, then two Pad1 */
	assert_int_equal(srh_parse(h, sizeof(h), 0, &v), WIRE_OK);
	h[33] = 5;                      /* 32..38, then one byte left */
	h[39] = 9;                      /* a TLV with no length byte */
	assert_int_equal(srh_parse(h, sizeof(h), 0, &v), WIRE_ERR_SRH_TLV);

	memset(big, 0, sizeof(big));
	big[0] = 6;
	big[1] = 34;
	big[2] = 4;
	big[3] = 1;
	big[4] = 16;                    /* 17 segments */
	assert_int_equal(srh_parse(big, sizeof(big), 0, &v),
			 WIRE_ERR_SRH_TOO_MANY);
	assert_int_equal(srh_parse(NULL, 8, 0, &v), WIRE_ERR_INVAL);
	assert_int_equal(srh_parse(big, 8, 9, &v), WIRE_ERR_TRUNCATED);
}

static void
test_encap_decap_ipv4_and_ipv6(void **state)
{
	uint8_t buf[CAP], orig[CAP], one[1][16];
	struct pkt_buf pb;
	struct srh_view v;
	uint32_t olen;
	uint8_t *d;

	(void)state;
	/* IPv6 inner, two segments after the source: 40 + 8 + 48. */
	build_pkt(buf, &pb, 0);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, new_flow(), 4, 1), WIRE_OK);
	assert_int_equal(pb.len, olen + 40 + 72);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 43);
	assert_memory_equal(d + L3 + 8, lb, 16);
	assert_memory_equal(d + L3 + 24, s1ca, 16);
	assert_int_equal(srh_parse(d, pb.len, L3 + 40, &v), WIRE_OK);
	assert_int_equal(v.next_hdr, 41);
	assert_int_equal(load_be16(d + L3 + 4), 72 + olen - L3);
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	assert_int_equal(pb.len, olen);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
	/* A plain IPv6 packet is not an encapsulation. */
	assert_int_equal(srh_decap(&pb, L3), WIRE_ERR_NOT_FOUND);

	/* IPv4 inner, one segment: no SRH, next header 4. */
	d = pkt_buf_data(&pb);
	memset(d + L3, 0, 20);
	d[L3] = 0x45;
	store_be16(d + L3 + 2, 20);
	pb.len = L3 + 20;
	memcpy(orig, d, pb.len);
	memcpy(one[0], s1ca, 16);
	assert_int_equal(srh_encap(&pb, L3, 0, lb, (const uint8_t (*)[16])one,
				   1, 0), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 4);
	assert_int_equal(load_be16(d + L3 + 4), 20);
	assert_int_equal(srh_decap(&pb, L3), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb), orig, L3 + 20);
	assert_int_equal(srh_encap(&pb, L3, 40 + 19, lb,
				   (const uint8_t (*)[16])one, 1, 0),
			 WIRE_ERR_MTU);
}

static void
test_sr_functions(void **state)
{
	struct srv6_func_cfg cfg, bad;
	uint8_t sid[16], loc[16], loc2[16];
	unsigned int f;

	(void)state;
	srv6_func_cfg_default(&cfg);
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	for (f = SRV6_FUNC_CONNECT_AVAIL; f < SRV6_FUNC_MAX; f++) {
		assert_int_equal(srv6_sid_make(&cfg, s1ca, f, sid), 0);
		/* /64 locator, 16-bit code right after it. */
		assert_memory_equal(sid, s1ca, 8);
		assert_int_equal(load_be16(sid + 8), f);
		assert_int_equal(srv6_sid_parse(&cfg, sid, loc), f);
		assert_true(srv6_sid_same_locator(&cfg, sid, s1ca));
		assert_false(srv6_sid_same_locator(&cfg, sid, s2cf));
	}
	assert_memory_equal(loc, s1ca, 8);
	assert_int_equal(load_be32(loc + 8) | load_be32(loc + 12), 0);
	assert_string_equal(srv6_func_name(SRV6_FUNC_RECOVER_STICKINESS),
			    "recoverStickiness");
	assert_string_equal(srv6_func_name(SRV6_FUNC_MAX), "?");
	assert_int_equal(srv6_sid_make(&cfg, s1ca, SRV6_FUNC_NONE, sid),
			 -EINVAL);
	/* Argument bits set, or an unknown code: not one of ours. */
	srv6_sid_make(&cfg, s1ca, SRV6_FUNC_CONNECT_FORCE, sid);
	sid[15] = 1;
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL), SRV6_FUNC_NONE);
	sid[15] = 0;
	sid[9] = 9;
	assert_int_equal(srv6_sid_parse(&cfg, sid, NULL), SRV6_FUNC_NONE);

	/* A locator that ends inside a byte: /60, 8-bit codes 0x10.. */
	cfg.locator_bits = 60;
	cfg.func_bits = 8;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		cfg.code[f] = (uint16_t)(0x10 + f);
	assert_int_equal(srv6_func_cfg_validate(&cfg), 0);
	assert_int_equal(srv6_sid_make(&cfg, s2cf, SRV6_FUNC_ACK_STICKINESS,
				       sid), 0);
	assert_int_equal(sid[7], 0x01);        /* 4 locator bits + 0x1 */
	assert_int_equal(sid[8], 0x40);        /* 0x14 split over bytes */
	assert_int_equal(srv6_sid_parse(&cfg, sid, loc2),
			 SRV6_FUNC_ACK_STICKINESS);
	assert_int_equal(loc2[7], 0x00);

	srv6_func_cfg_default(&bad);
	bad.code[3] = bad.code[4];
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.code[2] = 0;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.func_bits = 2;              /* codes up to 6 do not fit */
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	srv6_func_cfg_default(&bad);
	bad.locator_bits = 120;
	bad.func_bits = 16;
	assert_int_equal(srv6_func_cfg_validate(&bad), -EINVAL);
	assert_int_equal(srv6_func_cfg_validate(NULL), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_new_flow_exact_bytes),
		cmocka_unit_test(test_insert_advance_remove_round_trip),
		cmocka_unit_test(test_pinned_flow_is_56_bytes_and_checksum_unchanged),
		cmocka_unit_test(test_insert_after_hop_by_hop),
		cmocka_unit_test(test_insert_refusals_change_nothing),
		cmocka_unit_test(test_malformed_srh),
		cmocka_unit_test(test_tlvs_and_segment_limit),
		cmocka_unit_test(test_encap_decap_ipv4_and_ipv6),
		cmocka_unit_test(test_sr_functions),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
