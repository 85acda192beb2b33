/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/srh.h"

#define L3 14
#define CAP 1024
#define HEAD 256

static const uint8_t client[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };
static const uint8_t orig_client[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
					 0x07, [15] = 0x42 };

/* Ethernet + IPv6 + @ext bytes of headers (first next header @nh0, the
 * caller writes them at L3 + 40) + TCP (20 bytes + 4 payload). */
static uint8_t *
build(uint8_t *buf, struct pkt_buf *pb, uint32_t headroom, uint8_t nh0,
      uint32_t ext)
{
	uint8_t *d, *ip, *t;

	memset(buf, 0xEE, CAP);
	pkt_buf_init(pb, buf, CAP, headroom, L3 + 40 + ext + 24);
	d = pkt_buf_data(pb);
	memset(d, 0, pb->len);
	store_be16(d + 12, 0x86DD);
	ip = d + L3;
	store_be32(ip, 0x60000000u);
	store_be16(ip + 4, (uint16_t)(ext + 24));
	ip[6] = nh0;
	ip[7] = 64;
	memcpy(ip + 8, client, 16);
	memcpy(ip + 24, vip, 16);
	t = ip + 40 + ext;
	store_be16(t, 40000);
	store_be16(t + 2, 80);
	t[12] = 0x50;
	t[13] = 0x02;
	memcpy(t + 20, "ping", 4);
	store_be16(t + 16, csum_l4(csum_pseudo_ipv6(client, vip, 6, 24), t, 24));
	return ip;
}

static void
test_walk_plain_and_full_chain(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;
	uint8_t segs[3][16];

	(void)state;
	ip = build(buf, &pb, HEAD, 6, 0);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.upper_proto, 6);
	assert_int_equal(in.upper_off, L3 + 40);
	assert_int_equal(in.upper_nh_at, L3 + 6);
	assert_int_equal(in.n_headers, 0);

	/* HBH(8) + DO(8) + SRH(56) + Frag(8, first) + TCP */
	ip = build(buf, &pb, HEAD, 0, 8 + 8 + 56 + 8);
	ip[40] = 60;                    /* HBH -> DO, PadN 4 */
	ip[42] = 1;
	ip[43] = 4;
	ip[48] = 43;                    /* DO -> Routing, Pad1 x6 */
	memcpy(segs[0], client, 16);
	memcpy(segs[1], vip, 16);
	memcpy(segs[2], vip, 16);
	srh_build(ip + 56, 56, (const uint8_t (*)[16])segs, 3, 1, 44);
	ip[112] = 6;                    /* Frag -> TCP, offset 0, M=1 */
	ip[115] = 1;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.n_headers, 4);
	assert_int_equal(in.hbh_off, L3 + 40);
	assert_int_equal(in.srh_off, L3 + 56);
	assert_int_equal(in.frag_off, L3 + 112);
	assert_int_equal(in.first_fragment, 1);
	assert_int_equal(in.final_do_off, 0);   /* DO was not the last */
	assert_int_equal(in.upper_off, L3 + 120);
	assert_memory_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			    vip, 16);
	/* Non-first fragment: no upper layer. */
	store_be16(ip + 114, 0x0008);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_FRAGMENT);
	/* Caller limit of 3 headers. */
	store_be16(ip + 114, 0);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 3, &in),
			 WIRE_ERR_IP6EXT_TOO_MANY);
}

static void
test_walk_limits_and_malformed(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;
	unsigned int i;

	(void)state;
	/* Nine empty Destination Options headers: one too many. */
	ip = build(buf, &pb, HEAD, 60, 9 * 8);
	for (i = 0; i < 9; i++) {
		ip[40 + 8 * i] = i == 8 ? 6 : 60;
		ip[40 + 8 * i + 2] = 1;
		ip[40 + 8 * i + 3] = 4;
	}
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_TOO_MANY);
	/* One 264-byte Destination Options header: chain too long. */
	ip = build(buf, &pb, HEAD, 60, 264);
	ip[40] = 6;
	ip[41] = 32;
	ip[42] = 1;
	ip[43] = 255;
	ip[42 + 257] = 1;
	ip[42 + 258] = 3;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_TOO_LONG);
	/* PadN running past its header. */
	ip = build(buf, &pb, HEAD, 60, 8);
	ip[40] = 6;
	ip[42] = 1;
	ip[43] = 5;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_FORMAT);
	ip[43] = 4;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.final_do_off, L3 + 40);
	/* Header length beyond the payload (40 > 8 + 24 bytes left). */
	ip[41] = 4;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_TRUNCATED);
	ip[41] = 0;
	/* Hop-by-Hop after another header. */
	ip[40] = 0;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_ORDER);
	/* Header errors. */
	store_be16(ip + 4, 0);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	store_be16(ip + 4, 33);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	ip[0] = 0x40;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IPV6_VERSION);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), L3 + 39, L3, 0, &in),
			 WIRE_ERR_TRUNCATED);
	/* A paper header with the wrong length. */
	ip = build(buf, &pb, HEAD, 29, 16);
	ip[40] = 6;
	ip[41] = 1;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_FORMAT);
}

static void
test_paper_encoding_exact_bytes_and_round_trip(void **state)
{
	static const uint8_t want27[24] = {
		0x06, 0x02, 0x15, 0xb3, 0, 0, 0, 0,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x07,
		0, 0, 0, 0, 0, 0, 0, 0x42,
	};
	static const uint8_t want28[8] = { 0x06, 0, 0, 0, 0xa1, 0xb2, 0xc3,
					   0xd4 };
	static const uint8_t want29[8] = { 0x06, 0, 0x04, 0xd2, 0, 0, 0, 0 };
	uint8_t buf[CAP], orig[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	unsigned int removed;
	uint32_t olen;

	(void)state;
	build(buf, &pb, HEAD, 6, 0);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);

	assert_int_equal(ip6ext_insert_client(&pb, L3, 1500, IP6EXT_ENC_PAPER,
					      orig_client, 5555), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 27);
	assert_memory_equal(d + L3 + 40, want27, 24);
	assert_int_equal(load_be16(d + L3 + 4), 48);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 1500, IP6EXT_ENC_PAPER,
					       0xA1B2C3D4u), WIRE_OK);
	d = pkt_buf_data(&pb);
	/* The request goes right before TCP: after the client tuple. */
	assert_int_equal(d[L3 + 40], 28);
	assert_int_equal(d[L3 + 64], 6);
	assert_memory_equal(d + L3 + 65, want28 + 1, 7);
	assert_int_equal(ip6ext_walk(d, pb.len, L3, 0, &in), WIRE_OK);
	assert_memory_equal(in.client_addr, orig_client, 16);
	assert_int_equal(in.client_port, 5555);
	assert_int_equal(in.req_nonce, 0xA1B2C3D4u);
	assert_int_equal(in.upper_off, L3 + 72);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 1500, IP6EXT_ENC_PAPER,
					       0), WIRE_ERR_IP6EXT_DUP);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 2);
	assert_int_equal(pb.len, olen);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);

	assert_int_equal(ip6ext_insert_answer(&pb, L3, 1500, IP6EXT_ENC_PAPER,
					      1234, 0), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb) + L3 + 40, want29, 8);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_ERR_NOT_FOUND);
}

static void
test_dstopt_encoding_exact_bytes_and_round_trip(void **state)
{
	/* Client tuple option: 22 bytes, the header exactly 24. */
	static const uint8_t want_client[24] = {
		0x06, 0x02, 0x1e, 0x14, 0x01, 0x00, 0x15, 0xb3,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0x07,
		0, 0, 0, 0, 0, 0, 0, 0x42,
	};
	/* Client tuple + request: 2 + 22 + 10 = 34, PadN of 6 -> 40. */
	static const uint8_t want_both_tail[16] = {
		0x1e, 0x08, 0x02, 0x00, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4,
		0x01, 0x04, 0, 0, 0, 0,
	};
	/* Answer alone: 2 + 10, PadN 4 -> 16. */
	static const uint8_t want_ans[16] = {
		0x06, 0x01, 0x1e, 0x08, 0x03, 0x00, 0xff, 0xfe,
		0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00,
	};
	uint8_t buf[CAP], orig[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	uint32_t olen;

	(void)state;
	build(buf, &pb, HEAD, 6, 0);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);
	assert_int_equal(ip6ext_insert_client(&pb, L3, 0, IP6EXT_ENC_DSTOPT,
					      orig_client, 5555), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 60);
	assert_memory_equal(d + L3 + 40, want_client, 24);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 0, IP6EXT_ENC_DSTOPT,
					       0xA1B2C3D4u), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 4);        /* one header, 40 bytes */
	assert_memory_equal(d + L3 + 40 + 24, want_both_tail, 16);
	assert_int_equal(ip6ext_walk(d, pb.len, L3, 0, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 1);
	assert_int_equal(in.msg_enc[IP6EXT_MSG_CLIENT_TUPLE], IP6EXT_ENC_DSTOPT);
	assert_int_equal(in.client_port, 5555);
	assert_int_equal(in.req_nonce, 0xA1B2C3D4u);
	/* A paper-encoded request on top would be a duplicate message. */
	assert_int_equal(ip6ext_insert_request(&pb, L3, 0, IP6EXT_ENC_PAPER, 1),
			 WIRE_ERR_IP6EXT_DUP);
	/* Removing the client tuple keeps the header with the request. */
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 1);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_OK);
	assert_int_equal(pb.len, olen);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);

	assert_int_equal(ip6ext_insert_answer(&pb, L3, 0, IP6EXT_ENC_DSTOPT,
					      0xfffe, 0), WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb) + L3 + 40, want_ans, 16);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.score, 0xfffe);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
}

static void
test_dstopt_joins_foreign_header_and_keeps_it(void **state)
{
	uint8_t buf[CAP], orig[CAP], *ip, *d;
	struct pkt_buf pb;
	uint32_t olen;

	(void)state;
	/* Final DO header with a foreign option (type 0x07, 4 bytes) and a
	 * PadN of 0, laid out as dsrlb would: 2 + 6 = 8. */
	ip = build(buf, &pb, HEAD, 60, 8);
	ip[40] = 6;
	ip[42] = 0x07;
	ip[43] = 4;
	memcpy(ip + 44, "\xde\xad\xbe\xef", 4);
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);
	assert_int_equal(ip6ext_insert_answer(&pb, L3, 0, IP6EXT_ENC_DSTOPT, 7,
					      9), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 2);        /* 2 + 6 + 10 -> 24 */
	assert_int_equal(d[L3 + 48], 0x1e);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_OK);
	assert_int_equal(pb.len, olen);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
}

static void
test_errors_change_nothing(void **state)
{
	uint8_t buf[CAP], copy[CAP], *ip;
	struct pkt_buf pb, pb0;

	(void)state;
	ip = build(buf, &pb, HEAD, 6, 0);
	(void)ip;
	pb0 = pb;
	memcpy(copy, buf, CAP);
	/* MTU: 40 + 24 + 24 = 88. */
	assert_int_equal(ip6ext_insert_client(&pb, L3, 87, IP6EXT_ENC_PAPER,
					      orig_client, 1), WIRE_ERR_MTU);
	assert_int_equal(ip6ext_insert_client(&pb, L3, 87, IP6EXT_ENC_DSTOPT,
					      orig_client, 1), WIRE_ERR_MTU);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 0, 7, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_MAX),
			 WIRE_ERR_INVAL);
	assert_memory_equal(buf, copy, CAP);
	assert_int_equal(pb.len, pb0.len);
	/* No room at either end. */
	pkt_buf_init(&pb, buf + HEAD, pb0.len, 0, pb0.len);
	assert_int_equal(ip6ext_insert_answer(&pb, L3, 0, IP6EXT_ENC_PAPER, 1,
					      0), WIRE_ERR_NO_ROOM);
	assert_memory_equal(buf, copy, CAP);
	/* Tailroom only (no headroom) works, and Ethernet stays. */
	memmove(buf, buf + HEAD, pb0.len);
	pkt_buf_init(&pb, buf, CAP, 0, pb0.len);
	assert_int_equal(ip6ext_insert_answer(&pb, L3, 0, IP6EXT_ENC_PAPER, 1,
					      0), WIRE_OK);
	assert_int_equal(pb.off, 0);
	assert_memory_equal(buf, copy + HEAD, L3 + 4);
	/* Malformed packet: remove_all reports and touches nothing. */
	memcpy(copy, buf, CAP);
	buf[L3 + 40 + 1] = 3;
	memcpy(copy, buf, CAP);
	assert_int_equal(ip6ext_remove_all(&pb, L3, NULL),
			 WIRE_ERR_IP6EXT_FORMAT);
	assert_memory_equal(buf, copy, CAP);
}

static void
test_ah_dups_and_unknown_subtype(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;
	unsigned int removed = 9;

	(void)state;
	/* AH, whose length is in 4-octet units ((1 + 2) * 4 = 12 bytes),
	 * then TCP. */
	ip = build(buf, &pb, HEAD, 51, 12);
	ip[40] = 6;
	ip[41] = 1;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.upper_off, L3 + 52);
	assert_int_equal(in.n_headers, 1);
	/* No SRH: the final destination is the destination field. */
	assert_memory_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			    vip, 16);
	/* remove_all on a packet without messages. */
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 0);

	/* Header 29 twice: a duplicate. */
	ip = build(buf, &pb, HEAD, 29, 16);
	ip[40] = 29;
	ip[48] = 6;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_DUP);

	/* Our option type with an unknown sub-type, and with a wrong
	 * length for its sub-type. */
	ip = build(buf, &pb, HEAD, 60, 16);
	ip[40] = 6;
	ip[41] = 1;
	ip[42] = IP6EXT_DSTOPT_TYPE;
	ip[43] = 8;
	ip[44] = 9;
	ip[52] = 1;             /* PadN of 4 */
	ip[53] = 2;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_FORMAT);
	ip[44] = IP6EXT_SUB_METRIC_ANS;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.msg_enc[IP6EXT_MSG_METRIC_ANS], IP6EXT_ENC_DSTOPT);
	ip[43] = 6;             /* 8 -> 6: wrong length, PadN re-fitted */
	ip[50] = 1;
	ip[51] = 4;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_ERR_IP6EXT_FORMAT);
	/* A foreign option type in a Hop-by-Hop header is only skipped. */
	ip = build(buf, &pb, HEAD, 0, 8);
	ip[40] = 6;
	ip[42] = IP6EXT_DSTOPT_TYPE;
	ip[43] = 4;
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 0, &in),
			 WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_ANS], 0);
}

static void
test_insert_goes_before_upper_layer_after_chain(void **state)
{
	uint8_t buf[CAP], orig[CAP], *ip, *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	uint32_t olen;

	(void)state;
	/* HBH + Fragment (first) + TCP: the message goes after both. */
	ip = build(buf, &pb, HEAD, 0, 16);
	ip[40] = 44;
	ip[42] = 1;
	ip[43] = 4;
	ip[48] = 6;
	olen = pb.len;
	memcpy(orig, pkt_buf_data(&pb), olen);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 0, IP6EXT_ENC_PAPER,
					       0x01020304u), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 48], 28);       /* Fragment -> 28 */
	assert_int_equal(d[L3 + 56], 6);        /* 28 -> TCP */
	assert_int_equal(ip6ext_walk(d, pb.len, L3, 0, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_REQ], L3 + 56);
	assert_int_equal(in.first_fragment, 1);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_OK);
	assert_memory_equal(pkt_buf_data(&pb), orig, olen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_walk_plain_and_full_chain),
		cmocka_unit_test(test_walk_limits_and_malformed),
		cmocka_unit_test(test_paper_encoding_exact_bytes_and_round_trip),
		cmocka_unit_test(test_dstopt_encoding_exact_bytes_and_round_trip),
		cmocka_unit_test(test_dstopt_joins_foreign_header_and_keeps_it),
		cmocka_unit_test(test_errors_change_nothing),
		cmocka_unit_test(test_ah_dups_and_unknown_subtype),
		cmocka_unit_test(test_insert_goes_before_upper_layer_after_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
