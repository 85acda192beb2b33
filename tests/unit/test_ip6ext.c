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
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire.h"
#include "dsrlb/srh.h"

#define L3 14           /* Ethernet in front of every packet */
#define CAP 1024
#define HEAD 256
#define TCP_LEN 24      /* 20-byte header + "ping" */

static const uint8_t client[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t vip[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };
static const uint8_t s1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x01 };
/* [2001:db8:0:7::42]:5555, the client tuple of every example. */
static const uint8_t orig_client[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
					 0x07, [15] = 0x42 };
#define ORIG_PORT 5555
#define NONCE 0xA1B2C3D4u
#define SCORE 1234
/* Recover marker of the examples: candidate 1 of 2, cookie 0xdeadbeef
 * (as IPv4 option 158's). */
#define REC_INDEX 1
#define REC_COUNT 2
#define REC_COOKIE 0xDEADBEEFu

/* A foreign option (RFC 4727 experimental 0x3E: skip, may change) */
static const uint8_t foreign_opt[6] = { 0x3e, 0x04, 0xde, 0xad, 0xbe, 0xef };

/* Ethernet + IPv6 (src client, dst vip, hop limit 64) + @ext bytes of
 * extension headers (first next header @nh0; the caller writes them at
 * ip + 40) + TCP SYN 40000 -> 80 with "ping", checksum over vip. */
static uint8_t *
build(uint8_t *buf, struct pkt_buf *pb, uint32_t headroom, uint8_t nh0,
      uint32_t ext)
{
	uint8_t *d, *ip, *t;

	memset(buf, 0xEE, CAP);
	assert_int_equal(pkt_buf_init(pb, buf, CAP, headroom,
				      L3 + 40 + ext + TCP_LEN), WIRE_OK);
	d = pkt_buf_data(pb);
	memset(d, 0, pb->len);
	memset(d, 0xAA, 12);
	store_be16(d + 12, 0x86DD);
	ip = d + L3;
	store_be32(ip, 0x60000000u);
	store_be16(ip + 4, (uint16_t)(ext + TCP_LEN));
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
	store_be16(t + 16, csum_l4(csum_pseudo_ipv6(client, vip, 6, TCP_LEN),
				   t, TCP_LEN));
	return ip;
}

/* An 8-byte Destination Options header holding only a PadN of 6. */
static void
put_do_pad(uint8_t *h, uint8_t nh)
{
	memset(h, 0, 8);
	h[0] = nh;
	h[2] = 1;
	h[3] = 4;
}

static enum wire_result
walk(const struct pkt_buf *pb, struct ip6ext_info *in)
{
	return ip6ext_walk(pkt_buf_data(pb), pb->len, L3, 0, in);
}

/* The TCP checksum still verifies against the final destination. */
static void
assert_tcp_ok(const struct pkt_buf *pb)
{
	struct ip6ext_info in;
	const uint8_t *d = pkt_buf_data(pb);

	assert_int_equal(walk(pb, &in), WIRE_OK);
	assert_int_equal(in.upper_proto, 6);
	assert_int_equal(in.end - in.upper_off, TCP_LEN);
	assert_int_equal(csum_l4(csum_pseudo_ipv6(d + L3 + 8,
						  ip6ext_final_dst(d, L3, &in),
						  6, TCP_LEN),
				 d + in.upper_off, TCP_LEN), 0);
}

struct snap {
	uint8_t buf[CAP];
	struct pkt_buf pb;
};

static void
take(struct snap *s, const uint8_t *buf, const struct pkt_buf *pb)
{
	memcpy(s->buf, buf, CAP);
	s->pb = *pb;
}

static void
assert_same(const struct snap *s, const uint8_t *buf, const struct pkt_buf *pb)
{
	assert_memory_equal(s->buf, buf, CAP);
	assert_int_equal(s->pb.off, pb->off);
	assert_int_equal(s->pb.len, pb->len);
}

/* The packet is again the one of @s (which may sit at another offset). */
static void
assert_back(const struct snap *s, const struct pkt_buf *pb)
{
	assert_int_equal(pb->len, s->pb.len);
	assert_memory_equal(pkt_buf_data(pb), s->buf + s->pb.off, pb->len);
}

static void
test_hdr_check(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	uint32_t end = 0;

	(void)state;
	ip = build(buf, &pb, 0, 6, 0);
	assert_int_equal(ip6_hdr_check(buf, pb.len, L3, &end), WIRE_OK);
	assert_int_equal(end, L3 + 40 + TCP_LEN);
	/* Link padding after the payload is allowed, not counted. */
	assert_int_equal(ip6_hdr_check(buf, pb.len + 6, L3, &end), WIRE_OK);
	assert_int_equal(end, L3 + 40 + TCP_LEN);
	assert_int_equal(ip6_hdr_check(buf, pb.len, L3, NULL), WIRE_OK);
	/* Payload Length one past the bytes there. */
	store_be16(ip + 4, TCP_LEN + 1);
	assert_int_equal(ip6_hdr_check(buf, pb.len, L3, &end),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	/* Jumbogram (RFC 2675). */
	store_be16(ip + 4, 0);
	assert_int_equal(ip6_hdr_check(buf, pb.len, L3, &end),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	store_be16(ip + 4, TCP_LEN);
	ip[0] = 0x45;
	assert_int_equal(ip6_hdr_check(buf, pb.len, L3, &end),
			 WIRE_ERR_IPV6_VERSION);
	ip[0] = 0x60;
	assert_int_equal(ip6_hdr_check(buf, L3 + 39, L3, &end),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(ip6_hdr_check(buf, 10, L3, &end), WIRE_ERR_TRUNCATED);
	assert_int_equal(ip6_hdr_check(NULL, pb.len, L3, &end),
			 WIRE_ERR_INVAL);
}

/* HBH(8) + DO(8) + SRH(56) + Fragment(8) + TCP, offsets at L3 + 40. */
static uint8_t *
build_full_chain(uint8_t *buf, struct pkt_buf *pb)
{
	uint8_t segs[3][16], *ip;

	ip = build(buf, pb, HEAD, 0, 8 + 8 + 56 + 8);
	put_do_pad(ip + 40, 60);                /* HBH -> DO, PadN */
	put_do_pad(ip + 48, 43);                /* DO -> Routing */
	memcpy(segs[0], client, 16);
	memcpy(segs[1], s1, 16);
	memcpy(segs[2], vip, 16);
	/* Reading order lb, s1, vip: DA s1, Segment List[0] = vip. */
	assert_int_equal(srh_build(ip + 56, 56, (const uint8_t (*)[16])segs,
				   3, 1, 44), WIRE_OK);
	memcpy(ip + 24, s1, 16);
	ip[112] = 6;                            /* Fragment -> TCP */
	store_be16(ip + 114, 0x0001);           /* offset 0, M = 1 */
	store_be32(ip + 116, 0x12345678u);
	return ip;
}

static void
test_walk_full_chain(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;

	(void)state;
	ip = build(buf, &pb, HEAD, 6, 0);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_proto, 6);
	assert_int_equal(in.upper_off, L3 + 40);
	assert_int_equal(in.upper_nh_at, L3 + 6);
	assert_int_equal(in.n_headers, 0);
	assert_int_equal(in.end, L3 + 64);
	assert_ptr_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			 ip + 24);

	ip = build_full_chain(buf, &pb);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 4);
	assert_int_equal(in.hbh_off, L3 + 40);
	assert_int_equal(in.srh_off, L3 + 56);
	assert_int_equal(in.rh_off, 0);
	assert_int_equal(in.frag_off, L3 + 112);
	assert_int_equal(in.first_fragment, 1);
	assert_int_equal(in.frag_more, 1);
	assert_int_equal(in.ah_off, 0);
	assert_int_equal(in.final_do_off, 0);   /* DO was not the last */
	assert_int_equal(in.upper_proto, 6);
	assert_int_equal(in.upper_off, L3 + 120);
	assert_int_equal(in.upper_nh_at, L3 + 112);
	assert_int_equal(in.msg_off[0] | in.msg_off[1] | in.msg_off[2], 0);
	/* RFC 8200 §8.1: checksum over the last segment, not DA = s1. */
	assert_memory_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			    vip, 16);
	assert_ptr_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			 ip + 64);
	assert_tcp_ok(&pb);
	/* Caller limits: 4 headers pass, 3 do not; more than the
	 * constant is the constant. */
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 4, &in),
			 WIRE_OK);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 3, &in),
			 WIRE_ERR_IP6EXT_TOO_MANY);
	assert_int_equal(ip6ext_walk(pkt_buf_data(&pb), pb.len, L3, 99, &in),
			 WIRE_OK);
	/* Non-first fragment: no upper layer. */
	store_be16(ip + 114, 0x0008);
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FRAGMENT);
	/* Atomic fragment (offset 0, M = 0, RFC 6946). */
	store_be16(ip + 114, 0);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.first_fragment, 1);
	assert_int_equal(in.frag_more, 0);
	/* A Routing header of another type (3, RPL) is only skipped. */
	ip[58] = 3;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.srh_off, 0);
	assert_int_equal(in.rh_off, L3 + 56);
	assert_ptr_equal(ip6ext_final_dst(pkt_buf_data(&pb), L3, &in),
			 ip + 24);
	ip[58] = 4;
	/* A malformed SRH is reported with the SRH's own code. */
	ip[60] = 5;                             /* Last Entry 5: 96 bytes */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_SRH_LAST_ENTRY);
	ip[60] = 2;
	/* Hop-by-Hop anywhere but first. */
	ip[48] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_ORDER);
}

static void
test_walk_count_and_length_limits(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;
	unsigned int i;

	(void)state;
	/* Eight headers pass, nine do not. */
	ip = build(buf, &pb, HEAD, 60, 8 * 8);
	for (i = 0; i < 8; i++)
		put_do_pad(ip + 40 + 8 * i, i == 7 ? 6 : 60);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 8);
	assert_int_equal(in.final_do_off, L3 + 40 + 56);
	ip = build(buf, &pb, HEAD, 60, 9 * 8);
	for (i = 0; i < 9; i++)
		put_do_pad(ip + 40 + 8 * i, i == 8 ? 6 : 60);
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_TOO_MANY);

	/* A chain of exactly IP6EXT_MAX_CHAIN (512) bytes passes: one
	 * Destination Options header, two 255-byte foreign options. */
	ip = build(buf, &pb, HEAD, 60, 512);
	ip[40] = 6;
	ip[41] = 63;
	ip[42] = 0x3e;
	ip[43] = 253;
	ip[42 + 255] = 0x3e;
	ip[43 + 255] = 253;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_off, L3 + 40 + 512);
	/* 520 bytes (one more 8-byte foreign option) is too long. */
	ip = build(buf, &pb, HEAD, 60, 520);
	ip[40] = 6;
	ip[41] = 64;
	ip[42] = 0x3e;
	ip[43] = 253;
	ip[42 + 255] = 0x3e;
	ip[43 + 255] = 253;
	ip[42 + 510] = 0x3e;
	ip[43 + 510] = 6;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_TOO_LONG);
	/* Also across headers: a 512-byte one, then an 8-byte one. */
	ip = build(buf, &pb, HEAD, 60, 520);
	ip[40] = 60;
	ip[41] = 63;
	ip[42] = 0x3e;
	ip[43] = 253;
	ip[42 + 255] = 0x3e;
	ip[43 + 255] = 253;
	put_do_pad(ip + 40 + 512, 6);
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_TOO_LONG);
}

static void
test_walk_truncated_and_bad_lengths(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;

	(void)state;
	/* Header length (40) beyond the payload (8 + 24 bytes). */
	ip = build(buf, &pb, HEAD, 60, 8);
	put_do_pad(ip + 40, 6);
	ip[41] = 4;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_TRUNCATED);
	/* Fewer than 8 bytes left for a header: the payload ends inside
	 * it (Payload Length 4; the rest of the frame is not the packet). */
	ip[41] = 0;
	store_be16(ip + 4, 4);
	assert_int_equal(walk(&pb, &in), WIRE_ERR_TRUNCATED);
	/* Exactly the header and nothing after: upper layer at the end. */
	store_be16(ip + 4, 8);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_off, in.end);

	/* Paper headers of the wrong length. */
	ip = build(buf, &pb, HEAD, 29, 16);
	ip[40] = 6;
	ip[41] = 1;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[6] = 28;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[6] = 27;                             /* 16, not 24 */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[41] = 3;                             /* 32, not 24 */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	store_be16(ip + 4, 24);                 /* and past the payload */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_TRUNCATED);
	/* Recover marker 253: 8 bytes, not 16. */
	ip = build(buf, &pb, HEAD, IP6EXT_RECOVER, 16);
	ip[40] = 6;
	ip[41] = 1;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[41] = 0;                             /* 8 + an 8-byte DO: fine */
	ip[48] = 6;
	ip[40] = 60;
	ip[49] = 0;
	ip[50] = 1;
	ip[51] = 4;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_not_equal(in.msg_off[IP6EXT_MSG_RECOVER], 0);
	/* Option sub-type 4 with 6 data bytes, not 8. */
	ip = build(buf, &pb, HEAD, 60, 16);
	ip[40] = 6;
	ip[41] = 1;
	ip[42] = IP6EXT_DSTOPT_TYPE;
	ip[43] = 6;
	ip[44] = IP6EXT_SUB_RECOVER;
	ip[50] = 1;
	ip[51] = 2;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);

	/* AH: (len + 2) * 4 bytes, at least 12, a multiple of 8. */
	ip = build(buf, &pb, HEAD, 51, 16);
	ip[40] = 6;
	ip[41] = 2;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.ah_off, L3 + 40);
	assert_int_equal(in.upper_off, L3 + 56);
	assert_int_equal(in.n_headers, 1);
	ip[41] = 1;                             /* 12: fine for IPv4 only */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[41] = 0;                             /* 8: shorter than AH */
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	ip[41] = 4;                             /* 24 bytes: fine */
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_off, L3 + 64);
}

static void
test_walk_option_tlvs(void **state)
{
	uint8_t buf[CAP], *ip, *h;
	struct pkt_buf pb;
	struct ip6ext_info in;

	(void)state;
	ip = build(buf, &pb, HEAD, 60, 16);
	h = ip + 40;
	/* Pad1 x6, foreign option of length 0, Pad1 x6: runs of 6. */
	h[0] = 6;
	h[1] = 1;
	h[8] = 0x3e;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.final_do_off, L3 + 40);
	/* The option becomes a Pad1 + Pad1: one run of 14. */
	h[8] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* PadN 6 + PadN 6 (16 bytes): each alone is fine, not together. */
	memset(h + 2, 0, 14);
	h[2] = 1;
	h[3] = 4;
	h[8] = 0x3e;
	h[10] = 1;
	h[11] = 4;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	h[8] = 1;
	h[9] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* PadN with nonzero data (RFC 4942 §2.1.9.5). */
	ip = build(buf, &pb, HEAD, 0, 8);
	put_do_pad(ip + 40, 6);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.hbh_off, L3 + 40);
	ip[47] = 1;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* An option running past its header. */
	ip[47] = 0;
	ip[43] = 5;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* A type byte with no room for its length byte. */
	ip[43] = 3;                             /* PadN 5, then type 0x3e */
	ip[47] = 0x3e;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* Our option type in a Hop-by-Hop header is someone else's. */
	ip[42] = IP6EXT_DSTOPT_TYPE;
	ip[43] = 4;
	ip[44] = IP6EXT_SUB_METRIC_ANS;
	ip[47] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_ANS], 0);

	/* 0x1E with an unknown sub-type (another RFC 4727 experiment) or
	 * no data is skipped; a known sub-type of the wrong length is not. */
	ip = build(buf, &pb, HEAD, 60, 16);
	h = ip + 40;
	h[0] = 6;
	h[1] = 1;
	h[2] = IP6EXT_DSTOPT_TYPE;
	h[3] = 8;
	h[4] = 9;
	h[12] = 1;
	h[13] = 2;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_ANS], 0);
	h[4] = IP6EXT_SUB_METRIC_ANS;
	store_be16(h + 6, 77);
	store_be32(h + 8, 5);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_ANS], L3 + 42);
	assert_int_equal(in.msg_hdr_off[IP6EXT_MSG_METRIC_ANS], L3 + 40);
	assert_int_equal(in.msg_nh_at[IP6EXT_MSG_METRIC_ANS], L3 + 6);
	assert_int_equal(in.msg_enc[IP6EXT_MSG_METRIC_ANS], IP6EXT_ENC_DSTOPT);
	assert_int_equal(in.score, 77);
	assert_int_equal(in.ans_nonce, 5);
	h[3] = 6;               /* 8 -> 6: wrong length, PadN re-fitted */
	h[10] = 1;
	h[11] = 4;
	h[12] = 0;
	h[13] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	h[4] = IP6EXT_SUB_CLIENT_TUPLE;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
	/* No sub-type at all: skipped. [1e 00][PadN 2][3e 06 ...] */
	memset(h + 2, 0, 14);
	h[2] = IP6EXT_DSTOPT_TYPE;
	h[4] = 1;
	h[5] = 2;
	h[8] = 0x3e;
	h[9] = 6;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[0] | in.msg_off[1] | in.msg_off[2], 0);
}

static void
test_walk_upper_layers_and_dups(void **state)
{
	/* 254 (RFC 4727's second experimental value) is not ours; 253 is
	 * the recover marker. */
	static const uint8_t uppers[] = { 17, 50, 58, 59, 135, 254 };
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb;
	struct ip6ext_info in;
	unsigned int i;

	(void)state;
	/* Anything not crossed is the upper layer, ESP, No Next Header and
	 * Mobility included. */
	for (i = 0; i < sizeof(uppers); i++) {
		ip = build(buf, &pb, HEAD, 0, 8);
		put_do_pad(ip + 40, uppers[i]);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_int_equal(in.upper_proto, uppers[i]);
		assert_int_equal(in.upper_off, L3 + 48);
		assert_int_equal(in.upper_nh_at, L3 + 40);
	}
	/* Header 29 twice. */
	ip = build(buf, &pb, HEAD, 29, 16);
	ip[40] = 29;
	ip[48] = 6;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_DUP);
	/* Header 28, then a Destination Options request: a duplicate
	 * across encodings. */
	ip = build(buf, &pb, HEAD, 28, 24);
	ip[40] = 60;
	ip[48] = 6;
	ip[49] = 1;
	ip[50] = IP6EXT_DSTOPT_TYPE;
	ip[51] = 8;
	ip[52] = IP6EXT_SUB_METRIC_REQ;
	ip[60] = 1;
	ip[61] = 2;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_DUP);
	ip[40] = 6;                             /* 28 alone: fine */
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_off, L3 + 48);
	/* Header 253, then a Destination Options recover marker. */
	ip = build(buf, &pb, HEAD, IP6EXT_RECOVER, 24);
	ip[40] = 60;
	ip[48] = 6;
	ip[49] = 1;
	ip[50] = IP6EXT_DSTOPT_TYPE;
	ip[51] = 8;
	ip[52] = IP6EXT_SUB_RECOVER;
	ip[60] = 1;
	ip[61] = 2;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_DUP);
	/* Two request options in one header. */
	ip = build(buf, &pb, HEAD, 60, 24);
	ip[40] = 6;
	ip[41] = 2;
	ip[42] = IP6EXT_DSTOPT_TYPE;
	ip[43] = 8;
	ip[44] = IP6EXT_SUB_METRIC_REQ;
	ip[52] = IP6EXT_DSTOPT_TYPE;
	ip[53] = 8;
	ip[54] = IP6EXT_SUB_METRIC_REQ;
	ip[62] = 1;
	ip[63] = 0;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_DUP);
	/* A second SRH. */
	{
		uint8_t segs[1][16];

		memcpy(segs[0], vip, 16);
		ip = build(buf, &pb, HEAD, 43, 48);
		assert_int_equal(srh_build(ip + 40, 24,
					   (const uint8_t (*)[16])segs, 1, 0,
					   43), WIRE_OK);
		assert_int_equal(srh_build(ip + 64, 24,
					   (const uint8_t (*)[16])segs, 1, 0,
					   6), WIRE_OK);
		assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_DUP);
	}
}

/* One insert of each message in each encoding into the plain SYN:
 * the first 8 bytes of the IPv6 header and the inserted bytes. The same
 * hex is in docs/wire-format.md. */
struct vector {
	enum ip6ext_encoding enc;
	enum ip6ext_msg msg;
	uint8_t ip8[8];
	uint8_t len;
	uint8_t ext[24];
};

static const struct vector vectors[] = {
	{ IP6EXT_ENC_PAPER, IP6EXT_MSG_CLIENT_TUPLE,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x1b, 0x40 }, 24,
	  { 0x06, 0x02, 0x15, 0xb3, 0x00, 0x00, 0x00, 0x00,
	    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x07,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42 } },
	{ IP6EXT_ENC_PAPER, IP6EXT_MSG_METRIC_REQ,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x1c, 0x40 }, 8,
	  { 0x06, 0x00, 0x00, 0x00, 0xa1, 0xb2, 0xc3, 0xd4 } },
	{ IP6EXT_ENC_PAPER, IP6EXT_MSG_METRIC_ANS,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0x1d, 0x40 }, 8,
	  { 0x06, 0x00, 0x04, 0xd2, 0xa1, 0xb2, 0xc3, 0xd4 } },
	{ IP6EXT_ENC_DSTOPT, IP6EXT_MSG_CLIENT_TUPLE,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x30, 0x3c, 0x40 }, 24,
	  { 0x06, 0x02, 0x1e, 0x14, 0x01, 0x00, 0x15, 0xb3,
	    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x07,
	    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42 } },
	{ IP6EXT_ENC_DSTOPT, IP6EXT_MSG_METRIC_REQ,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3c, 0x40 }, 16,
	  { 0x06, 0x01, 0x1e, 0x08, 0x02, 0x00, 0x00, 0x00,
	    0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x00, 0x00 } },
	{ IP6EXT_ENC_DSTOPT, IP6EXT_MSG_METRIC_ANS,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3c, 0x40 }, 16,
	  { 0x06, 0x01, 0x1e, 0x08, 0x03, 0x00, 0x04, 0xd2,
	    0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x00, 0x00 } },
	/* Recover marker (issue 17): header 253, option sub-type 4. */
	{ IP6EXT_ENC_PAPER, IP6EXT_MSG_RECOVER,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x20, 0xfd, 0x40 }, 8,
	  { 0x06, 0x00, 0x01, 0x02, 0xde, 0xad, 0xbe, 0xef } },
	{ IP6EXT_ENC_DSTOPT, IP6EXT_MSG_RECOVER,
	  { 0x60, 0x00, 0x00, 0x00, 0x00, 0x28, 0x3c, 0x40 }, 16,
	  { 0x06, 0x01, 0x1e, 0x08, 0x04, 0x00, 0x01, 0x02,
	    0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x00, 0x00 } },
};

static enum wire_result
insert(struct pkt_buf *pb, uint32_t mtu, enum ip6ext_encoding enc,
       enum ip6ext_msg m)
{
	switch (m) {
	case IP6EXT_MSG_CLIENT_TUPLE:
		return ip6ext_insert_client(pb, L3, mtu, enc, orig_client,
					    ORIG_PORT);
	case IP6EXT_MSG_METRIC_REQ:
		return ip6ext_insert_request(pb, L3, mtu, enc, NONCE);
	case IP6EXT_MSG_RECOVER:
		return ip6ext_insert_recover(pb, L3, mtu, enc, REC_INDEX,
					     REC_COUNT, REC_COOKIE);
	default:
		return ip6ext_insert_answer(pb, L3, mtu, enc, SCORE, NONCE);
	}
}

static uint8_t
paper_nh_of(enum ip6ext_msg m)
{
	if (m == IP6EXT_MSG_RECOVER)
		return IP6EXT_RECOVER;
	return (uint8_t)(IP6EXT_CLIENT_TUPLE + m);
}

static void
assert_decoded(const struct ip6ext_info *in, enum ip6ext_msg m,
	       enum ip6ext_encoding enc)
{
	assert_int_not_equal(in->msg_off[m], 0);
	assert_int_equal(in->msg_enc[m], enc);
	switch (m) {
	case IP6EXT_MSG_CLIENT_TUPLE:
		assert_memory_equal(in->client_addr, orig_client, 16);
		assert_int_equal(in->client_port, ORIG_PORT);
		break;
	case IP6EXT_MSG_METRIC_REQ:
		assert_int_equal(in->req_nonce, NONCE);
		break;
	case IP6EXT_MSG_RECOVER:
		assert_int_equal(in->rec_index, REC_INDEX);
		assert_int_equal(in->rec_count, REC_COUNT);
		assert_int_equal(in->rec_cookie, REC_COOKIE);
		break;
	default:
		assert_int_equal(in->score, SCORE);
		assert_int_equal(in->ans_nonce, NONCE);
		break;
	}
}

static void
test_exact_vectors_and_round_trip(void **state)
{
	uint8_t buf[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int i, removed;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const struct vector *v = &vectors[i];

		build(buf, &pb, HEAD, 6, 0);
		take(&orig, buf, &pb);
		assert_int_equal(insert(&pb, 1500, v->enc, v->msg), WIRE_OK);
		d = pkt_buf_data(&pb);
		assert_int_equal(pb.len, orig.pb.len + v->len);
		/* Ethernet and the addresses did not move or change. */
		assert_memory_equal(d, orig.buf + HEAD, L3);
		assert_memory_equal(d + L3, v->ip8, 8);
		assert_memory_equal(d + L3 + 8, orig.buf + HEAD + L3 + 8, 32);
		assert_memory_equal(d + L3 + 40, v->ext, v->len);
		assert_memory_equal(d + L3 + 40 + v->len,
				    orig.buf + HEAD + L3 + 40, TCP_LEN);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_int_equal(in.n_headers, 1);
		assert_decoded(&in, v->msg, v->enc);
		assert_int_equal(in.msg_hdr_off[v->msg], L3 + 40);
		assert_int_equal(in.msg_off[v->msg], L3 + 40 +
				 (v->enc == IP6EXT_ENC_DSTOPT ? 2 : 0));
		assert_tcp_ok(&pb);
		/* Twice is a duplicate, in either encoding. */
		assert_int_equal(insert(&pb, 1500, IP6EXT_ENC_PAPER, v->msg),
				 WIRE_ERR_IP6EXT_DUP);
		assert_int_equal(insert(&pb, 1500, IP6EXT_ENC_DSTOPT, v->msg),
				 WIRE_ERR_IP6EXT_DUP);
		assert_int_equal(ip6ext_remove(&pb, L3, v->msg), WIRE_OK);
		assert_back(&orig, &pb);
		assert_int_equal(ip6ext_remove(&pb, L3, v->msg),
				 WIRE_ERR_NOT_FOUND);
		/* Same with remove_all. */
		assert_int_equal(insert(&pb, 1500, v->enc, v->msg), WIRE_OK);
		assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
				 WIRE_OK);
		assert_int_equal(removed, 1);
		assert_back(&orig, &pb);
	}
}

/* ip6ext_remove_all() walks once and removes every message from the
 * offsets of that walk (issue 19): the packet must be exactly that of
 * removing the last message of a fresh walk, one at a time. Every mix of
 * messages and encodings, two insert orders, with and without a foreign
 * Destination Options header in front, and with the headroom that makes
 * close_gap move the front or the back. */
static void
test_remove_all_one_walk(void **state)
{
	static uint8_t a[CAP], b[CAP];
	struct pkt_buf pa, pbb;
	struct ip6ext_info in;
	unsigned int combo, m, ord, fr, hr, removed, n, best, ins;
	uint8_t *ip;

	(void)state;
	for (hr = 0; hr < 2; hr++)
	for (fr = 0; fr < 2; fr++)
	for (ord = 0; ord < 2; ord++)
	for (combo = 1; combo < 81; combo++) {
		/* combo in base 3: per message absent, paper or dstopt */
		ip = build(a, &pa, hr ? HEAD : 0, fr ? 60 : 6, fr ? 8 : 0);
		if (fr) {
			ip[40] = 6;
			memcpy(ip + 42, foreign_opt, 6);
		}
		ins = 0;
		for (unsigned int k = 0; k < IP6EXT_MSG_MAX; k++) {
			unsigned int e, c = combo;

			m = ord ? IP6EXT_MSG_MAX - 1 - k : k;
			for (unsigned int j = 0; j < m; j++)
				c /= 3;
			e = c % 3;
			if (e == 0)
				continue;
			if (insert(&pa, 0, (enum ip6ext_encoding)(e - 1),
				   (enum ip6ext_msg)m) == WIRE_OK)
				ins++;
		}
		memcpy(b, a, CAP);
		pbb = pa;
		pbb.base = b;
		assert_int_equal(ip6ext_remove_all(&pa, L3, &removed),
				 WIRE_OK);
		for (n = 0;; n++) {
			assert_int_equal(walk(&pbb, &in), WIRE_OK);
			best = IP6EXT_MSG_MAX;
			for (m = 0; m < IP6EXT_MSG_MAX; m++)
				if (in.msg_off[m] != 0 &&
				    (best == IP6EXT_MSG_MAX ||
				     in.msg_off[m] > in.msg_off[best]))
					best = m;
			if (best == IP6EXT_MSG_MAX)
				break;
			assert_int_equal(ip6ext_remove(&pbb, L3,
						       (enum ip6ext_msg)best),
					 WIRE_OK);
		}
		assert_int_equal(removed, n);
		assert_int_equal(removed, ins);
		/* The same packet; adjacent headers close as one gap, which
		 * may move the other end of the buffer than two closes. */
		assert_int_equal(pa.len, pbb.len);
		assert_memory_equal(pkt_buf_data(&pa), pkt_buf_data(&pbb),
				    pa.len);
		assert_tcp_ok(&pa);
	}
}

static void
test_all_three_both_encodings(void **state)
{
	static const enum ip6ext_msg order[3][3] = {
		{ 0, 1, 2 }, { 2, 0, 1 }, { 1, 2, 0 },
	};
	uint8_t buf[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int o, i, e, removed;

	(void)state;
	for (e = 0; e < 2; e++) {
		for (o = 0; o < 3; o++) {
			build(buf, &pb, HEAD, 6, 0);
			take(&orig, buf, &pb);
			for (i = 0; i < 3; i++)
				assert_int_equal(insert(&pb, 0, e,
							order[o][i]), WIRE_OK);
			assert_int_equal(walk(&pb, &in), WIRE_OK);
			for (i = 0; i < 3; i++)
				assert_decoded(&in, (enum ip6ext_msg)i, e);
			/* Paper: three headers of 24 + 8 + 8. Options:
			 * one header, the messages in insert order. */
			assert_int_equal(in.n_headers, e == 0 ? 3 : 1);
			assert_int_equal(pb.len - orig.pb.len,
					 e == 0 ? 40 : 24 + 16 + 16);
			assert_tcp_ok(&pb);
			assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
					 WIRE_OK);
			assert_int_equal(removed, 3);
			assert_back(&orig, &pb);
		}
	}
	/* The Destination Options header for client, request, answer:
	 * every option at 8n+2 (address 8-aligned, nonces 4-aligned). */
	build(buf, &pb, HEAD, 6, 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT, i), WIRE_OK);
	d = pkt_buf_data(&pb) + L3 + 40;
	assert_int_equal(d[1], 6);
	assert_memory_equal(d + 2, vectors[3].ext + 2, 22);
	assert_memory_equal(d + 24, "\x01\x00\x1e\x08\x02\x00\x00\x00"
			    "\xa1\xb2\xc3\xd4\x01\x02\x00\x00", 16);
	assert_memory_equal(d + 40, "\x01\x00\x1e\x08\x03\x00\x04\xd2"
			    "\xa1\xb2\xc3\xd4\x01\x02\x00\x00", 16);
	/* Removing the client keeps the header (it has other options). */
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_OK);
	d = pkt_buf_data(&pb) + L3 + 40;
	assert_int_equal(pkt_buf_data(&pb)[L3 + 6], 60);
	/* ... exactly as if only request and answer had been inserted. */
	assert_memory_equal(d, "\x06\x03\x1e\x08\x02\x00\x00\x00"
			    "\xa1\xb2\xc3\xd4\x01\x02\x00\x00"
			    "\x01\x00\x1e\x08\x03\x00\x04\xd2"
			    "\xa1\xb2\xc3\xd4\x01\x02\x00\x00", 32);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_CLIENT_TUPLE], 0);
	assert_int_equal(in.upper_off, L3 + 40 + 32);
	assert_tcp_ok(&pb);
}

/* A recovery offer (issue 17): client tuple then recover marker, in
 * either encoding; the pass-back's restore (remove_all) gives back the
 * client's packet; removing the marker alone keeps the tuple. */
static void
test_recover_offer(void **state)
{
	uint8_t buf[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int e, removed;

	(void)state;
	for (e = 0; e < 2; e++) {
		build(buf, &pb, HEAD, 6, 0);
		take(&orig, buf, &pb);
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_RECOVER),
				 WIRE_OK);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_decoded(&in, IP6EXT_MSG_CLIENT_TUPLE, e);
		assert_decoded(&in, IP6EXT_MSG_RECOVER, e);
		assert_int_equal(in.n_headers, e == 0 ? 2 : 1);
		assert_int_equal(pb.len - orig.pb.len, e == 0 ? 32 : 24 + 16);
		d = pkt_buf_data(&pb);
		if (e == 0) {
			assert_int_equal(d[L3 + 6], 27);
			assert_int_equal(d[L3 + 40], IP6EXT_RECOVER);
			assert_memory_equal(d + L3 + 64, vectors[6].ext, 8);
		} else {
			/* appended after the tuple: PadN 0, option, PadN 2 */
			assert_int_equal(d[L3 + 64], IP6EXT_OPT_PADN);
			assert_int_equal(d[L3 + 65], 0);
			assert_memory_equal(d + L3 + 66, vectors[7].ext + 2,
					    14);
		}
		assert_tcp_ok(&pb);
		assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
		assert_int_equal(removed, 2);
		assert_back(&orig, &pb);
		/* The marker alone comes off; the tuple stays. */
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_RECOVER),
				 WIRE_OK);
		assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_RECOVER),
				 WIRE_OK);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_int_equal(in.msg_off[IP6EXT_MSG_RECOVER], 0);
		assert_decoded(&in, IP6EXT_MSG_CLIENT_TUPLE, e);
		assert_int_equal(pb.len - orig.pb.len, 24);
	}
}

/* Issue 17, the long marker (docs/wire-format.md "Recovery through a
 * router"): header 253 of 24 bytes, option 0x1E sub-type 4 of data length
 * 24, the address decoded; removal by its own length. */
static void
test_recover_addr(void **state)
{
	static const uint8_t ra[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t paper[24] = {
		0x06, 0x02, 0x01, 0x02, 0xde, 0xad, 0xbe, 0xef,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t dstopt[32] = {
		0x01, 0x00, 0x1e, 0x18, 0x04, 0x00, 0x01, 0x02,
		0xde, 0xad, 0xbe, 0xef, 0x20, 0x01, 0x0d, 0xb8,
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0x02, 0, 0 };
	uint8_t buf[CAP], *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int e, removed;

	(void)state;
	for (e = 0; e < 2; e++) {
		build(buf, &pb, HEAD, 6, 0);
		take(&orig, buf, &pb);
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(ip6ext_insert_recover_addr(&pb, L3, 1500, e,
							    1, 2, 0xdeadbeef,
							    ra), WIRE_OK);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_int_equal(in.rec_index, 1);
		assert_int_equal(in.rec_count, 2);
		assert_int_equal(in.rec_cookie, 0xdeadbeef);
		assert_true(in.rec_has_addr);
		assert_memory_equal(in.rec_addr, ra, 16);
		assert_int_equal(in.msg_enc[IP6EXT_MSG_RECOVER], e);
		d = pkt_buf_data(&pb);
		if (e == 0) {
			assert_int_equal(pb.len - orig.pb.len, 24 + 24);
			assert_int_equal(d[L3 + 40], IP6EXT_RECOVER);
			assert_memory_equal(d + L3 + 64, paper, 24);
		} else {
			/* appended after the tuple: PadN 0, option, PadN 2 */
			assert_int_equal(pb.len - orig.pb.len, 24 + 32);
			assert_memory_equal(d + L3 + 64, dstopt, 32);
		}
		assert_tcp_ok(&pb);
		assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
		assert_int_equal(removed, 2);
		assert_back(&orig, &pb);
		/* the marker alone comes off */
		assert_int_equal(insert(&pb, 1500, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(ip6ext_insert_recover_addr(&pb, L3, 1500, e,
							    1, 2, 0xdeadbeef,
							    ra), WIRE_OK);
		assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_RECOVER),
				 WIRE_OK);
		assert_int_equal(walk(&pb, &in), WIRE_OK);
		assert_int_equal(in.msg_off[IP6EXT_MSG_RECOVER], 0);
		assert_int_equal(pb.len - orig.pb.len, 24);
	}
	/* a 253 of 16 bytes is malformed */
	build(buf, &pb, HEAD, 6, 0);
	assert_int_equal(ip6ext_insert_recover_addr(&pb, L3, 1500, 0, 1, 2,
						    0xdeadbeef, ra), WIRE_OK);
	d = pkt_buf_data(&pb);
	d[L3 + 41] = 1;
	assert_int_equal(walk(&pb, &in), WIRE_ERR_IP6EXT_FORMAT);
}

/* HBH + SRH + atomic Fragment + AH + TCP: the message goes after all of
 * them, right before TCP; the final destination stays the last segment. */
static void
test_placement_after_chain(void **state)
{
	uint8_t buf[CAP], segs[2][16], *ip, *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int e, m;

	(void)state;
	for (e = 0; e < 2; e++) {
		for (m = 0; m < IP6EXT_MSG_MAX; m++) {
			ip = build(buf, &pb, HEAD, 0, 8 + 40 + 8 + 16);
			put_do_pad(ip + 40, 43);
			memcpy(segs[0], s1, 16);
			memcpy(segs[1], vip, 16);
			assert_int_equal(srh_build(ip + 48, 40,
					(const uint8_t (*)[16])segs, 2, 0, 44),
					 WIRE_OK);
			memcpy(ip + 24, s1, 16);
			ip[88] = 51;            /* Fragment -> AH, atomic */
			ip[96] = 6;             /* AH -> TCP, 16 bytes */
			ip[97] = 2;
			take(&orig, buf, &pb);
			assert_int_equal(insert(&pb, 0, e, m), WIRE_OK);
			d = pkt_buf_data(&pb);
			assert_int_equal(d[L3 + 96], e == 0 ? paper_nh_of(m) :
					 60);
			assert_int_equal(walk(&pb, &in), WIRE_OK);
			assert_int_equal(in.n_headers, 5);
			assert_int_equal(in.msg_hdr_off[m], L3 + 112);
			assert_int_equal(in.msg_nh_at[m], L3 + 96);
			assert_int_equal(in.upper_nh_at, L3 + 112);
			assert_int_equal(in.srh_off, L3 + 48);
			assert_int_equal(in.frag_off, L3 + 88);
			assert_int_equal(in.ah_off, L3 + 96);
			assert_decoded(&in, m, e);
			assert_tcp_ok(&pb);
			assert_int_equal(ip6ext_remove(&pb, L3, m), WIRE_OK);
			assert_back(&orig, &pb);
		}
	}
}

/* A final Destination Options header with a foreign option: ours are
 * appended to it as multiples of 8, its own bytes untouched. */
static void
test_dstopt_joins_foreign_header(void **state)
{
	static const uint8_t join_client[32] = {
		0x06, 0x03, 0x3e, 0x04, 0xde, 0xad, 0xbe, 0xef,
		0x01, 0x00, 0x1e, 0x14, 0x01, 0x00, 0x15, 0xb3,
		0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x07,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x42,
	};
	static const uint8_t join_ans[16] = {
		0x01, 0x00, 0x1e, 0x08, 0x03, 0x00, 0x04, 0xd2,
		0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x00, 0x00,
	};
	static const uint8_t join_req[16] = {
		0x01, 0x00, 0x1e, 0x08, 0x02, 0x00, 0x00, 0x00,
		0xa1, 0xb2, 0xc3, 0xd4, 0x01, 0x02, 0x00, 0x00,
	};
	/* After 6 bytes of padding a leading PadN would make a run of 8:
	 * the option comes first, unaligned, padding after it. */
	static const uint8_t join_client_unaligned[24] = {
		0x1e, 0x14, 0x01, 0x00, 0x15, 0xb3, 0x20, 0x01,
		0x0d, 0xb8, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x42, 0x01, 0x00,
	};
	uint8_t buf[CAP], *ip, *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;
	unsigned int removed;

	(void)state;
	/* No trailing padding: [PadN 0][option] for the client. */
	ip = build(buf, &pb, HEAD, 60, 8);
	ip[40] = 6;
	memcpy(ip + 42, foreign_opt, 6);
	take(&orig, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 60);
	assert_int_equal(load_be16(d + L3 + 4), 8 + 24 + TCP_LEN);
	assert_memory_equal(d + L3 + 40, join_client, 32);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 1);
	assert_int_equal(in.msg_off[IP6EXT_MSG_CLIENT_TUPLE], L3 + 40 + 10);
	assert_decoded(&in, IP6EXT_MSG_CLIENT_TUPLE, IP6EXT_ENC_DSTOPT);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_ANS), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 5);
	assert_memory_equal(d + L3 + 42, join_client + 2, 30);
	assert_memory_equal(d + L3 + 72, join_ans, 16);
	assert_tcp_ok(&pb);
	/* Removing the first one inserted first still leaves a valid
	 * header, and the answer 8n+2-aligned. */
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 2);
	assert_memory_equal(d + L3 + 42, foreign_opt, 6);
	assert_memory_equal(d + L3 + 48, join_ans, 16);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 1);
	assert_back(&orig, &pb);

	/* Trailing PadN of 4 bytes: 4 + 2 <= 7, the option is aligned. */
	ip = build(buf, &pb, HEAD, 60, 16);
	ip[40] = 6;
	ip[41] = 1;
	memcpy(ip + 42, foreign_opt, 6);
	memcpy(ip + 48, "\x3e\x02\xaa\xbb\x01\x02\x00\x00", 8);
	take(&orig, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 3);
	assert_memory_equal(d + L3 + 40, orig.buf + HEAD + L3 + 40, 1);
	assert_memory_equal(d + L3 + 42, orig.buf + HEAD + L3 + 42, 14);
	assert_memory_equal(d + L3 + 56, join_req, 16);
	assert_tcp_ok(&pb);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_OK);
	assert_back(&orig, &pb);

	/* Trailing padding of 6 bytes: the option comes unaligned. */
	ip = build(buf, &pb, HEAD, 60, 16);
	ip[40] = 6;
	ip[41] = 1;
	memcpy(ip + 42, foreign_opt, 6);
	memcpy(ip + 48, "\x3e\x00\x01\x04\x00\x00\x00\x00", 8);
	take(&orig, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 41], 4);
	assert_memory_equal(d + L3 + 56, join_client_unaligned, 24);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_decoded(&in, IP6EXT_MSG_CLIENT_TUPLE, IP6EXT_ENC_DSTOPT);
	/* Then a request behind it: aligned again (2 + 2 bytes of pad). */
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_memory_equal(d + L3 + 80, join_req, 16);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 2);
	assert_back(&orig, &pb);

	/* A paper header goes after that Destination Options header. */
	ip = build(buf, &pb, HEAD, 60, 8);
	ip[40] = 6;
	memcpy(ip + 42, foreign_opt, 6);
	take(&orig, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_METRIC_ANS), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 40], 29);
	assert_memory_equal(d + L3 + 48, vectors[2].ext, 8);
	/* ... and a Destination Options message now makes its own header,
	 * the last one being header 29. */
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 48], 60);
	assert_memory_equal(d + L3 + 56, vectors[4].ext, 16);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 3);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 2);
	assert_back(&orig, &pb);
}

/* A final Destination Options header with only padding is not joined
 * (removing our option would remove it): a header of ours follows it. */
static void
test_dstopt_padding_only_header_kept(void **state)
{
	uint8_t buf[CAP], *ip, *d;
	struct pkt_buf pb;
	struct ip6ext_info in;
	struct snap orig;

	(void)state;
	ip = build(buf, &pb, HEAD, 60, 8);
	put_do_pad(ip + 40, 6);
	take(&orig, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_ANS), WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(d[L3 + 6], 60);
	assert_int_equal(d[L3 + 40], 60);
	assert_memory_equal(d + L3 + 48, vectors[5].ext, 16);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 2);
	assert_int_equal(in.final_do_off, L3 + 48);
	assert_int_equal(in.msg_nh_at[IP6EXT_MSG_METRIC_ANS], L3 + 40);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_OK);
	assert_back(&orig, &pb);
}

/* Removing an option whose padding does not add up to a multiple of 8:
 * the padding around it becomes one PadN of the right length. */
static void
test_remove_repads(void **state)
{
	static const uint8_t before[24] = {
		0x06, 0x02, 0x00, 0x1e, 0x08, 0x03, 0x00, 0x04,
		0xd2, 0xa1, 0xb2, 0xc3, 0xd4, 0x3e, 0x00, 0x3e,
		0x01, 0x77, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t after[16] = {
		0x06, 0x01, 0x01, 0x01, 0x00, 0x3e, 0x00, 0x3e,
		0x01, 0x77, 0x01, 0x04, 0x00, 0x00, 0x00, 0x00,
	};
	uint8_t buf[CAP], *ip, *d;
	struct pkt_buf pb;
	struct ip6ext_info in;

	(void)state;
	ip = build(buf, &pb, HEAD, 60, 24);
	memcpy(ip + 40, before, 24);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_ANS], L3 + 43);
	assert_int_equal(in.score, SCORE);
	assert_int_equal(in.ans_nonce, NONCE);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_ANS),
			 WIRE_OK);
	d = pkt_buf_data(&pb);
	assert_int_equal(load_be16(d + L3 + 4), 16 + TCP_LEN);
	assert_memory_equal(d + L3 + 40, after, 16);
	assert_tcp_ok(&pb);
}

static void
test_errors_leave_buffer_unchanged(void **state)
{
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb, bad;
	struct ip6ext_info in;
	struct snap s;
	unsigned int i, removed = 42;

	(void)state;
	/* MTU: 40 + 24 + 24 = 88 for the client tuple, 80 for a
	 * Destination Options request. */
	build(buf, &pb, HEAD, 6, 0);
	take(&s, buf, &pb);
	assert_int_equal(insert(&pb, 87, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_ERR_MTU);
	assert_int_equal(insert(&pb, 87, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_ERR_MTU);
	assert_int_equal(insert(&pb, 79, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_ERR_MTU);
	assert_int_equal(ip6ext_insert_request(&pb, L3, 0, 7, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(ip6ext_insert_client(&pb, L3, 0, IP6EXT_ENC_PAPER,
					      NULL, 1), WIRE_ERR_INVAL);
	assert_int_equal(ip6ext_insert_answer(NULL, L3, 0, IP6EXT_ENC_PAPER,
					      1, 0), WIRE_ERR_INVAL);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_MAX),
			 WIRE_ERR_INVAL);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_NOT_FOUND);
	assert_int_equal(ip6ext_remove_all(NULL, L3, NULL), WIRE_ERR_INVAL);
	bad = pb;
	bad.base = NULL;
	assert_int_equal(ip6ext_remove_all(&bad, L3, NULL), WIRE_ERR_INVAL);
	/* Not an IPv6 header at that offset. */
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_insert_request(&pb, L3 + 2, 0,
					       IP6EXT_ENC_PAPER, 0),
			 WIRE_ERR_IPV6_VERSION);
	assert_int_equal(ip6ext_remove_all(&pb, L3 + 2, NULL),
			 WIRE_ERR_IPV6_VERSION);
	assert_same(&s, buf, &pb);
	/* The exact MTU is fine. */
	assert_int_equal(insert(&pb, 88 + 8, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_OK);

	/* Eight headers already: a new one would make nine. */
	ip = build(buf, &pb, HEAD, 60, 8 * 8);
	for (i = 0; i < 8; i++)
		put_do_pad(ip + 40 + 8 * i, i == 7 ? 6 : 60);
	take(&s, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_IP6EXT_TOO_MANY);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_IP6EXT_TOO_MANY);
	assert_same(&s, buf, &pb);
	/* ... but joining the last one (now with an option) adds none. */
	memcpy(ip + 40 + 56 + 2, foreign_opt, 6);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.n_headers, 8);

	/* A 504-byte chain: 8 more bytes fit IP6EXT_MAX_CHAIN, 24 not. */
	ip = build(buf, &pb, HEAD, 60, 504);
	ip[40] = 6;
	ip[41] = 62;
	ip[42] = 0x3e;
	ip[43] = 253;
	ip[42 + 255] = 0x3e;
	ip[43 + 255] = 245;
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	take(&s, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_ERR_IP6EXT_TOO_LONG);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_ANS),
			 WIRE_ERR_IP6EXT_TOO_LONG);
	assert_same(&s, buf, &pb);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_METRIC_ANS), WIRE_OK);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.upper_off - (L3 + 40), IP6EXT_MAX_CHAIN);

	/* A first fragment with more to come keeps its length. */
	ip = build(buf, &pb, HEAD, 44, 16);
	ip[40] = 28;
	store_be16(ip + 42, 0x0001);
	ip[48] = 6;
	take(&s, buf, &pb);
	assert_int_equal(walk(&pb, &in), WIRE_OK);
	assert_int_equal(in.msg_off[IP6EXT_MSG_METRIC_REQ], L3 + 48);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_ERR_IP6EXT_FRAGMENT);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_IP6EXT_FRAGMENT);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
			 WIRE_ERR_IP6EXT_FRAGMENT);
	assert_int_equal(removed, 42);
	assert_same(&s, buf, &pb);
	/* An atomic fragment (M = 0) is a whole packet. */
	store_be16(ip + 42, 0);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed), WIRE_OK);
	assert_int_equal(removed, 1);
	assert_int_equal(pkt_buf_data(&pb)[L3 + 40], 6);

	/* A payload made only of our messages: removing them all would
	 * leave Payload Length 0, a jumbogram (RFC 2675). */
	build(buf, &pb, HEAD, 6, 0);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_OK);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_METRIC_REQ), WIRE_OK);
	ip = pkt_buf_data(&pb) + L3;
	ip[40] = 59;                            /* no next header */
	store_be16(ip + 4, 40);                 /* TCP is link padding */
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_same(&s, buf, &pb);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_OK);
	assert_int_equal(load_be16(pkt_buf_data(&pb) + L3 + 4), 24);
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_same(&s, buf, &pb);
	/* Same with a paper header. */
	ip = build(buf, &pb, HEAD, 28, 8);
	ip[40] = 59;
	store_be16(ip + 4, 8);
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_int_equal(ip6ext_remove_all(&pb, L3, &removed),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	assert_same(&s, buf, &pb);

	/* A malformed packet: every function reports and touches nothing. */
	ip = build(buf, &pb, HEAD, 28, 8);
	ip[40] = 6;
	ip[41] = 1;
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_remove_all(&pb, L3, NULL),
			 WIRE_ERR_IP6EXT_FORMAT);
	assert_int_equal(ip6ext_remove(&pb, L3, IP6EXT_MSG_METRIC_REQ),
			 WIRE_ERR_IP6EXT_FORMAT);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_DSTOPT,
				IP6EXT_MSG_CLIENT_TUPLE),
			 WIRE_ERR_IP6EXT_FORMAT);
	/* Header 28 of 16 bytes past an 8-byte payload: truncated. */
	store_be16(ip + 4, 8);
	take(&s, buf, &pb);
	assert_int_equal(ip6ext_remove_all(&pb, L3, NULL),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(insert(&pb, 0, IP6EXT_ENC_PAPER,
				IP6EXT_MSG_CLIENT_TUPLE), WIRE_ERR_TRUNCATED);
	assert_same(&s, buf, &pb);
}

static void
test_buffer_room(void **state)
{
	uint8_t buf[CAP], eth[L3];
	struct pkt_buf pb;
	struct snap s;
	unsigned int e;

	(void)state;
	for (e = 0; e < 2; e++) {
		/* No room at either end. */
		build(buf, &pb, HEAD, 6, 0);
		assert_int_equal(pkt_buf_init(&pb, buf + HEAD, pb.len, 0,
					      pb.len), WIRE_OK);
		take(&s, buf, &pb);
		assert_int_equal(insert(&pb, 0, e, IP6EXT_MSG_METRIC_ANS),
				 WIRE_ERR_NO_ROOM);
		assert_same(&s, buf, &pb);

		/* Tailroom only: the payload side moves, Ethernet stays. */
		build(buf, &pb, 0, 6, 0);
		memcpy(eth, buf, L3);
		take(&s, buf, &pb);
		assert_int_equal(insert(&pb, 0, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(pb.off, 0);
		assert_memory_equal(buf, eth, L3);
		assert_memory_equal(buf + L3 + 40, vectors[3 * e].ext, 24);
		assert_tcp_ok(&pb);
		assert_int_equal(ip6ext_remove(&pb, L3,
					       IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_back(&s, &pb);

		/* Headroom only: Ethernet and IPv6 move into it. */
		build(buf, &pb, HEAD, 6, 0);
		pb.cap = HEAD + pb.len;
		take(&s, buf, &pb);
		assert_int_equal(insert(&pb, 0, e, IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_int_equal(pb.off, HEAD - 24);
		assert_memory_equal(pkt_buf_data(&pb), s.buf + HEAD, L3);
		assert_tcp_ok(&pb);
		assert_int_equal(ip6ext_remove(&pb, L3,
					       IP6EXT_MSG_CLIENT_TUPLE),
				 WIRE_OK);
		assert_back(&s, &pb);
	}
}

/* What pkt_parse() must say of the IPv6 frame @p f (@p len bytes, IPv6
 * header at @p l3): the chain walk's verdict, and a TCP or UDP header
 * cut short (its length into @p hl, 0 for another upper layer). */
static enum wire_result
walk_verdict(const uint8_t *f, uint32_t len, uint32_t l3,
	     struct ip6ext_info *info, uint32_t *hl)
{
	enum wire_result want = ip6ext_walk(f, len, l3, 0, info);

	*hl = 0;
	if (want == WIRE_OK && info->upper_proto == IPPROTO_NUM_TCP)
		*hl = TCP_HDR_MIN_LEN;
	else if (want == WIRE_OK && info->upper_proto == IPPROTO_NUM_UDP)
		*hl = UDP_HDR_LEN;
	if (*hl != 0 && info->end - info->upper_off < *hl)
		want = WIRE_ERR_TRUNCATED;
	return want;
}

/* pkt_parse()'s IPv6 fast path (TCP or UDP right after the fixed header,
 * no walk: issue 19, round 4) against the walk it skips: random first
 * bytes, payload lengths, next headers and frame lengths give the same
 * verdict and the same transport fields as ip6ext_walk() followed by the
 * transport header's own length check. */
static uint64_t fp_rng = 0x9E3779B97F4A7C15ull;

static uint32_t
fp_rand(void)
{
	fp_rng ^= fp_rng << 13;
	fp_rng ^= fp_rng >> 7;
	fp_rng ^= fp_rng << 17;
	return (uint32_t)(fp_rng >> 11);
}

static void
test_parse_fast_path_is_the_walk(void **state)
{
	static const uint8_t nhs[] = { IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
				       IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
				       IPPROTO_NUM_HOPOPTS, IPPROTO_NUM_DSTOPTS,
				       59, IPPROTO_NUM_ICMPV6 };
	uint8_t f[ETH_HDR_LEN + IPV6_HDR_LEN + 64];
	unsigned int fast = 0;

	(void)state;
	for (unsigned int it = 0; it < 20000; it++) {
		const uint32_t l3 = ETH_HDR_LEN;
		struct ip6ext_info info;
		struct pkt_meta m;
		enum wire_result want, got;
		uint32_t len, hl = 0;

		for (unsigned int i = 0; i < sizeof(f); i++)
			f[i] = (uint8_t)fp_rand();
		store_be16(f + 12, ETH_TYPE_IPV6);
		/* version 6 most of the time, then any nibble */
		if (fp_rand() % 8 != 0)
			f[l3] = (uint8_t)(0x60 | (f[l3] & 0x0f));
		f[l3 + 6] = nhs[fp_rand() % sizeof(nhs)];
		/* payload lengths around the transport headers' and the
		 * frame's, 0 (a jumbogram) included */
		store_be16(f + l3 + 4, (uint16_t)(fp_rand() % 72));
		len = l3 + 30 + fp_rand() % (sizeof(f) - l3 - 29);

		want = walk_verdict(f, len, l3, &info, &hl);
		got = pkt_parse(f, len, &m);
		assert_int_equal(got, want);
		if (want != WIRE_OK || hl == 0)
			continue;
		fast++;
		assert_int_equal(m.family, 6);
		assert_int_equal(m.l4_proto, info.upper_proto);
		assert_int_equal(m.l4_off, info.upper_off);
		assert_int_equal(m.msgs, 0);
		assert_int_equal(m.sport, load_be16(f + info.upper_off));
		assert_int_equal(m.dport, load_be16(f + info.upper_off + 2));
		assert_int_equal(m.tcp_flags, hl == TCP_HDR_MIN_LEN ?
				 f[info.upper_off + 13] : 0);
		assert_memory_equal(m.src, f + l3 + 8, 16);
		assert_memory_equal(m.dst, f + l3 + 24, 16);
	}
	/* the fast path's own domain was exercised, not only the walk's */
	assert_true(fast > 2000);
}

/* ip6ext_insert_client() into a packet whose upper layer follows the
 * fixed header (every IPv6 SYN: no walk, issue 19, round 6) against what
 * the walk decides: random first bytes, next headers, payload and frame
 * lengths and MTUs, in both encodings, give the walk's verdict, the MTU
 * verdict, and on success the frame as the generic insert writes it:
 * the fixed header with the new Next Header and Payload Length, the
 * block of a reference insert with the upper layer's protocol, then the
 * rest unchanged. */
static void
test_insert_bare_is_the_walk(void **state)
{
	static const uint8_t nhs[] = { IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
				       IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
				       IPPROTO_NUM_ICMPV6, 59,
				       IPPROTO_NUM_HOPOPTS,
				       IPPROTO_NUM_DSTOPTS };
	static const enum ip6ext_encoding encs[2] = { IP6EXT_ENC_PAPER,
						      IP6EXT_ENC_DSTOPT };
	static uint8_t ref[2][64], buf[CAP], f[L3 + IPV6_HDR_LEN + 80];
	uint32_t ref_n[2];
	unsigned int bare = 0, ok = 0;
	struct pkt_buf pb;

	(void)state;
	/* the reference blocks: a valid bare TCP packet */
	for (unsigned int e = 0; e < 2; e++) {
		memset(f, 0, sizeof(f));
		f[L3] = 0x60;
		store_be16(f + L3 + 4, 40);
		f[L3 + 6] = IPPROTO_NUM_TCP;
		memset(buf, 0, sizeof(buf));
		memcpy(buf + HEAD, f, L3 + IPV6_HDR_LEN + 40);
		assert_int_equal(pkt_buf_init(&pb, buf, CAP, HEAD,
					      L3 + IPV6_HDR_LEN + 40), WIRE_OK);
		assert_int_equal(ip6ext_insert_client(&pb, L3, 0, encs[e],
						      orig_client, ORIG_PORT),
				 WIRE_OK);
		ref_n[e] = pb.len - (L3 + IPV6_HDR_LEN + 40);
		assert_true(ref_n[e] >= 8 && ref_n[e] <= sizeof(ref[e]));
		memcpy(ref[e], pkt_buf_data(&pb) + L3 + IPV6_HDR_LEN,
		       ref_n[e]);
		assert_int_equal(ref[e][0], IPPROTO_NUM_TCP);
	}
	for (unsigned int it = 0; it < 40000; it++) {
		const unsigned int e = fp_rand() % 2;
		const uint32_t n = ref_n[e];
		struct ip6ext_info info;
		enum wire_result want, got;
		uint32_t len, plen, mtu;
		const uint8_t *d;

		for (unsigned int i = 0; i < sizeof(f); i++)
			f[i] = (uint8_t)fp_rand();
		store_be16(f + 12, ETH_TYPE_IPV6);
		if (fp_rand() % 8 != 0)
			f[L3] = (uint8_t)(0x60 | (f[L3] & 0x0f));
		f[L3 + 6] = nhs[fp_rand() % sizeof(nhs)];
		store_be16(f + L3 + 4, (uint16_t)(fp_rand() % 88));
		len = L3 + 30 + fp_rand() % (sizeof(f) - L3 - 29);
		plen = load_be16(f + L3 + 4);
		/* no limit, or one around the grown packet */
		mtu = fp_rand() % 4 == 0 ? 0 :
		      IPV6_HDR_LEN + plen + n - 4 + fp_rand() % 8;
		memset(buf, 0xEE, sizeof(buf));
		memcpy(buf + HEAD, f, len);
		assert_int_equal(pkt_buf_init(&pb, buf, CAP, HEAD, len),
				 WIRE_OK);
		want = ip6ext_walk(f, len, L3, 0, &info);
		got = ip6ext_insert_client(&pb, L3, mtu, encs[e], orig_client,
					   ORIG_PORT);
		if (want != WIRE_OK) {
			assert_int_equal(got, want);
			assert_int_equal(pb.len, len);
			continue;
		}
		if (info.n_headers != 0)
			continue;       /* the walk's own path */
		bare++;
		if (mtu != 0 && IPV6_HDR_LEN + plen + n > mtu) {
			assert_int_equal(got, WIRE_ERR_MTU);
			assert_int_equal(pb.len, len);
			assert_memory_equal(pkt_buf_data(&pb), f, len);
			continue;
		}
		assert_int_equal(got, WIRE_OK);
		ok++;
		d = pkt_buf_data(&pb);
		assert_int_equal(pb.len, len + n);
		assert_memory_equal(d, f, L3 + 4);
		assert_int_equal(load_be16(d + L3 + 4), plen + n);
		assert_int_equal(d[L3 + 6], e == 0 ? IP6EXT_CLIENT_TUPLE :
				 IPPROTO_NUM_DSTOPTS);
		assert_memory_equal(d + L3 + 7, f + L3 + 7, IPV6_HDR_LEN - 7);
		assert_int_equal(d[L3 + IPV6_HDR_LEN], f[L3 + 6]);
		assert_memory_equal(d + L3 + IPV6_HDR_LEN + 1, ref[e] + 1,
				    n - 1);
		assert_memory_equal(d + L3 + IPV6_HDR_LEN + n,
				    f + L3 + IPV6_HDR_LEN,
				    len - L3 - IPV6_HDR_LEN);
	}
	/* both verdicts of the bare path were exercised */
	assert_true(bare > 4000 && ok > 2000 && bare - ok > 500);
}

/* pkt_parse()'s path for a server's answer in the paper encoding
 * (header 27 then 29 then TCP/UDP; issue 19) against the walk: random
 * frames near that form (next headers, header lengths, payload and frame
 * lengths, nonce zero or not) give the walk's verdict and fields. */
static void
test_parse6_answer_fast_path(void **state)
{
	static const uint8_t nh0[] = { IP6EXT_CLIENT_TUPLE, IP6EXT_CLIENT_TUPLE,
				       IP6EXT_CLIENT_TUPLE, IP6EXT_METRIC_ANS };
	static const uint8_t nh1[] = { IP6EXT_METRIC_ANS, IP6EXT_METRIC_ANS,
				       IP6EXT_METRIC_REQ, IPPROTO_NUM_TCP };
	static const uint8_t up[] = { IPPROTO_NUM_TCP, IPPROTO_NUM_UDP,
				      IPPROTO_NUM_TCP, 59 };
	uint8_t f[ETH_HDR_LEN + IPV6_HDR_LEN + 32 + 40];
	unsigned int fast = 0;

	(void)state;
	for (unsigned int it = 0; it < 40000; it++) {
		const uint32_t l3 = ETH_HDR_LEN;
		uint8_t *ip = f + l3, *h = ip + IPV6_HDR_LEN;
		struct ip6ext_info info;
		struct pkt_meta m;
		enum wire_result want, got;
		uint32_t len, msgs = 0, hl = 0;

		for (unsigned int i = 0; i < sizeof(f); i++)
			f[i] = (uint8_t)fp_rand();
		store_be16(f + 12, ETH_TYPE_IPV6);
		if (fp_rand() % 16 != 0)
			ip[0] = (uint8_t)(0x60 | (ip[0] & 0x0f));
		ip[6] = nh0[fp_rand() % 4];
		h[0] = nh1[fp_rand() % 4];
		h[1] = fp_rand() % 8 ? 2 : (uint8_t)(fp_rand() % 4);
		h[24] = up[fp_rand() % 4];
		h[25] = fp_rand() % 8 ? 0 : 1;
		if (fp_rand() % 2)
			store_be32(h + 28, 0);          /* no nonce */
		/* payload lengths around the headers' and the transport's,
		 * frames around the payload's end */
		store_be16(ip + 4, (uint16_t)(24 + fp_rand() % 48));
		len = l3 + IPV6_HDR_LEN + load_be16(ip + 4) + fp_rand() % 8 - 2;
		if (len > sizeof(f))
			len = sizeof(f);

		want = walk_verdict(f, len, l3, &info, &hl);
		got = pkt_parse(f, len, &m);
		assert_int_equal(got, want);
		if (want != WIRE_OK)
			continue;
		if (info.msg_off[IP6EXT_MSG_CLIENT_TUPLE] != 0)
			msgs |= 1u << PKT_MSG_CLIENT_TUPLE;
		if (info.msg_off[IP6EXT_MSG_METRIC_REQ] != 0)
			msgs |= 1u << PKT_MSG_METRIC_REQ;
		if (info.msg_off[IP6EXT_MSG_METRIC_ANS] != 0)
			msgs |= 1u << PKT_MSG_METRIC_ANS;
		if ((info.msg_off[IP6EXT_MSG_METRIC_REQ] != 0 &&
		     info.req_nonce != 0) ||
		    (info.msg_off[IP6EXT_MSG_METRIC_ANS] != 0 &&
		     info.ans_nonce != 0))
			msgs |= 1u << PKT_MSG_NONCE;
		assert_int_equal(m.msgs, msgs);
		assert_int_equal(m.l4_proto, info.upper_proto);
		assert_int_equal(m.l4_off, info.upper_off);
		assert_int_equal(m.ext6, msgs != 0 &&
				 info.n_headers == __builtin_popcount(msgs &
					7u) ? info.upper_off - l3 - 40 : 0);
		if (msgs & (1u << PKT_MSG_CLIENT_TUPLE)) {
			assert_memory_equal(m.client_addr, info.client_addr,
					    16);
			assert_int_equal(m.client_port, info.client_port);
		}
		if (msgs & (1u << PKT_MSG_METRIC_ANS)) {
			assert_int_equal(m.score, info.score);
			if (info.ans_nonce != 0)
				assert_int_equal(m.nonce, info.ans_nonce);
		}
		if (hl != 0) {
			assert_int_equal(m.sport,
					 load_be16(f + info.upper_off));
			assert_int_equal(m.dport,
					 load_be16(f + info.upper_off + 2));
		}
		if (info.msg_off[IP6EXT_MSG_CLIENT_TUPLE] == l3 + 40 &&
		    info.msg_off[IP6EXT_MSG_METRIC_ANS] == l3 + 64 &&
		    info.n_headers == 2 && hl != 0)
			fast++;
	}
	/* the answer's own path was exercised, not only the walk */
	assert_true(fast > 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_check),
		cmocka_unit_test(test_walk_full_chain),
		cmocka_unit_test(test_walk_count_and_length_limits),
		cmocka_unit_test(test_walk_truncated_and_bad_lengths),
		cmocka_unit_test(test_walk_option_tlvs),
		cmocka_unit_test(test_walk_upper_layers_and_dups),
		cmocka_unit_test(test_exact_vectors_and_round_trip),
		cmocka_unit_test(test_all_three_both_encodings),
		cmocka_unit_test(test_recover_offer),
		cmocka_unit_test(test_recover_addr),
		cmocka_unit_test(test_placement_after_chain),
		cmocka_unit_test(test_dstopt_joins_foreign_header),
		cmocka_unit_test(test_dstopt_padding_only_header_kept),
		cmocka_unit_test(test_remove_repads),
		cmocka_unit_test(test_remove_all_one_walk),
		cmocka_unit_test(test_errors_leave_buffer_unchanged),
		cmocka_unit_test(test_buffer_room),
		cmocka_unit_test(test_parse_fast_path_is_the_walk),
		cmocka_unit_test(test_insert_bare_is_the_walk),
		cmocka_unit_test(test_parse6_answer_fast_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
