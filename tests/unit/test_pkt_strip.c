/* SPDX-License-Identifier: BSD-3-Clause */
/* pkt_strip_msgs(): the frame it leaves is the one ipv4opt_strip_all() /
 * ip6ext_remove_all() leave, and the parse it leaves is exactly what
 * pkt_parse() says of that frame, for every mix of messages, encodings,
 * a foreign option or header, a VLAN tag, UDP or TCP, and an SRH. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/pkt_strip.h"
#include "dsrlb/srh.h"

#define CAP 1024
#define HEAD 128

static const uint8_t c6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0xc1, [15] = 7 };
static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 };
static const uint8_t s6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };

/* Ethernet (@vlan: one 802.1Q tag), IP, then TCP (@udp: UDP) with 6
 * bytes of payload. @ipv4_opt: a 4-byte foreign option (NOP NOP and
 * router alert's 2 bytes would do; here kind 0x94 len 4). Returns the
 * IP header's offset. */
static uint32_t
build(uint8_t *buf, struct pkt_buf *pb, unsigned int fam, bool vlan,
      bool udp, bool foreign)
{
	uint32_t l3 = vlan ? 18 : 14, l4len = (udp ? 8 : 20) + 6, hl, n;
	uint8_t *d, *ip, *t;

	memset(buf, 0, CAP);
	hl = fam == 4 ? 20 + (foreign ? 4 : 0) : 40 + (foreign ? 8 : 0);
	n = l3 + hl + l4len;
	assert_int_equal(pkt_buf_init(pb, buf, CAP, HEAD, n), WIRE_OK);
	d = pkt_buf_data(pb);
	memset(d, 0xaa, 12);
	if (vlan) {
		store_be16(d + 12, 0x8100);
		store_be16(d + 14, 7);
	}
	store_be16(d + l3 - 2, fam == 4 ? 0x0800 : 0x86dd);
	ip = d + l3;
	if (fam == 4) {
		ip[0] = (uint8_t)(0x40 | hl / 4);
		store_be16(ip + 2, (uint16_t)(hl + l4len));
		ip[8] = 64;
		ip[9] = udp ? 17 : 6;
		memcpy(ip + 12, "\xc6\x12\x00\x07", 4);
		memcpy(ip + 16, "\xc0\x00\x02\x64", 4);
		if (foreign)
			memcpy(ip + 20, "\x94\x04\x00\x00", 4);
	} else {
		store_be32(ip, 0x60000000u);
		store_be16(ip + 4, (uint16_t)(hl - 40 + l4len));
		ip[6] = foreign ? 60 : (udp ? 17 : 6);
		ip[7] = 64;
		memcpy(ip + 8, c6, 16);
		memcpy(ip + 24, v6, 16);
		if (foreign) {
			/* Destination Options with a foreign option 0x3e */
			ip[40] = udp ? 17 : 6;
			memcpy(ip + 42, "\x3e\x04\xde\xad\xbe\xef", 6);
		}
	}
	t = ip + hl;
	store_be16(t, 40000);
	store_be16(t + 2, 80);
	if (!udp) {
		t[12] = 0x50;
		t[13] = 0x12;
	} else {
		store_be16(t + 4, 14);
	}
	memcpy(t + (udp ? 8 : 20), "dsrlb!", 6);
	return l3;
}

static void
check(const uint8_t *buf, const struct pkt_buf *pb)
{
	static uint8_t a[CAP], b[CAP];
	struct pkt_buf pa = *pb, pbb = *pb;
	struct pkt_meta ma, mb;
	enum wire_result ra, rb;
	unsigned int na = 99, nb = 99;

	memcpy(a, buf, CAP);
	memcpy(b, buf, CAP);
	pa.base = a;
	pbb.base = b;
	assert_int_equal(pkt_parse(pkt_buf_data(&pa), pa.len, &ma), WIRE_OK);
	mb = ma;
	ra = pkt_strip_msgs(&pa, &ma, &na);
	rb = ma.family == 4 ? ipv4opt_strip_all(&pbb, mb.l3_off, &nb) :
			      ip6ext_remove_all(&pbb, mb.l3_off, &nb);
	if (rb == WIRE_OK)
		rb = pkt_parse(pkt_buf_data(&pbb), pbb.len, &mb);
	assert_int_equal(ra, rb);
	assert_int_equal(na, nb);
	assert_int_equal(pa.off, pbb.off);
	assert_int_equal(pa.len, pbb.len);
	assert_memory_equal(a, b, CAP);
	/* The rest of the struct must match; the decoded messages' fields
	 * only while a message's bit is set (include/dsrlb/pkt_parse.h) */
	assert_memory_equal(&ma, &mb, offsetof(struct pkt_meta, client_addr));
	if (ma.msgs & ~((1u << PKT_MSG_SRH) | (1u << PKT_MSG_FRAGMENT)))
		assert_memory_equal(&ma, &mb, sizeof(ma));
}

static void
test_ipv4(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	unsigned int mask, flags;
	uint32_t l3;

	(void)state;
	for (flags = 0; flags < 8; flags++)
		for (mask = 0; mask < 64; mask++) {
			l3 = build(buf, &pb, 4, flags & 1, flags & 2,
				   flags & 4);
			if (mask & 1)
				assert_int_equal(ipv4opt_insert_client(&pb, l3,
					0, 0xc6120007u, 40000), WIRE_OK);
			if (mask & 2)
				assert_int_equal(ipv4opt_insert_request(&pb,
					l3, 0, mask & 16, 0x1234), WIRE_OK);
			if (mask & 4)
				assert_int_equal(ipv4opt_insert_answer(&pb, l3,
					0, 77, mask & 16, 0x5678), WIRE_OK);
			/* 32: the long marker (issue 17, an address) */
			if ((mask & 8) && (mask & 32))
				(void)ipv4opt_insert_recover_addr(&pb, l3, 0,
					1, 2, 0xdeadbeef, 0x0a000001);
			else if (mask & 8)
				(void)ipv4opt_insert_recover(&pb, l3, 0, 1, 2,
							     0xdeadbeef);
			check(buf, &pb);
		}
}

static void
test_ipv6(void **state)
{
	/* (next segment, VIP): the last one is the destination */
	static const uint8_t segs[2][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 },
	};
	uint8_t buf[CAP];
	struct pkt_buf pb;
	unsigned int combo, flags, k, c, e;
	uint32_t l3;
	enum wire_result r;

	(void)state;
	for (flags = 0; flags < 16; flags++)
		for (combo = 0; combo < 81; combo++) {
			l3 = build(buf, &pb, 6, flags & 1, flags & 2,
				   flags & 4);
			if (flags & 8)
				assert_int_equal(srh_insert(&pb, l3, 0, segs, 2,
							    0), WIRE_OK);
			for (k = 0, c = combo; k < IP6EXT_MSG_MAX; k++, c /= 3) {
				e = c % 3;
				if (e == 0)
					continue;
				e--;
				switch (k) {
				case IP6EXT_MSG_CLIENT_TUPLE:
					r = ip6ext_insert_client(&pb, l3, 0, e,
								 s6, 40000);
					break;
				case IP6EXT_MSG_METRIC_REQ:
					r = ip6ext_insert_request(&pb, l3, 0, e,
								  combo & 1);
					break;
				case IP6EXT_MSG_METRIC_ANS:
					r = ip6ext_insert_answer(&pb, l3, 0, e,
								 77, 0x5678);
					break;
				default:
					r = (combo >> 1) & 1 ?
					    ip6ext_insert_recover_addr(&pb, l3,
						0, e, 1, 2, 9, s6) :
					    ip6ext_insert_recover(&pb, l3, 0, e,
								  1, 2, 9);
					break;
				}
				assert_int_equal(r, WIRE_OK);
			}
			check(buf, &pb);
		}
}

/* The client tuple and a metric answer, their fields drawn from @p x, as
 * a backend's agent inserts them into the IPv4 packet at @p l3. */
static void
insert_tuple_answer(struct pkt_buf *pb, uint32_t l3, uint64_t x)
{
	assert_int_equal(ipv4opt_insert_client(pb, l3, 0, (uint32_t)(x >> 11),
					       (uint16_t)(x >> 40)), WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(pb, l3, 0, (uint16_t)(x >> 21),
					       (x >> 3) & 1,
					       (uint32_t)(x >> 29)), WIRE_OK);
}

/* The header checksum after a strip: ipv4opt_remove() derives the new
 * header's sum from the old one (RFC 1624) when the options sit at even
 * offsets; it must equal the update by the full sums of both headers,
 * for any header (random fields, a foreign option of 0, 2, 3 or 4
 * bytes in front of ours, so both parities) and random contents. */
static void
test_ipv4_csum_random(void **state)
{
	uint8_t buf[CAP], old[60], *ip;
	struct pkt_buf pb;
	uint64_t x = 0x9e3779b97f4a7c15ull;
	unsigned int i, nops, removed, hl, odd = 0;
	uint16_t want;
	uint32_t l3;

	(void)state;
	for (i = 0; i < 4000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		nops = (unsigned int)(x & 3);
		l3 = build(buf, &pb, 4, false, (x >> 2) & 1, false);
		ip = pkt_buf_data(&pb) + l3;
		ip[1] = (uint8_t)(x >> 8);              /* TOS */
		store_be16(ip + 4, (uint16_t)(x >> 16)); /* ID */
		ip[8] = (uint8_t)(x >> 32);             /* TTL */
		store_be32(ip + 12, (uint32_t)(x >> 24));
		if (nops != 0) {
			/* a foreign option of 2..4 bytes, then EOL: ours
			 * go after it, at an even or an odd offset */
			assert_int_equal(pkt_buf_open_gap(&pb, l3 + 20, 4),
					 WIRE_OK);
			ip = pkt_buf_data(&pb) + l3;
			memset(ip + 20, 0, 4);
			ip[20] = 0x88;
			ip[21] = (uint8_t)(1 + nops);
			ip[0] = 0x46;
			store_be16(ip + 2, (uint16_t)(load_be16(ip + 2) + 4));
		}
		store_be16(ip + 10, 0);
		store_be16(ip + 10, csum_ipv4_hdr(ip, (ip[0] & 15) * 4u));
		insert_tuple_answer(&pb, l3, x);
		ip = pkt_buf_data(&pb) + l3;
		hl = (ip[0] & 15) * 4u;
		memcpy(old, ip, hl);
		odd += nops == 2;
		assert_int_equal(ipv4opt_strip_all(&pb, l3, &removed), WIRE_OK);
		assert_int_equal(removed, 2);
		ip = pkt_buf_data(&pb) + l3;
		want = csum_update16(load_be16(old + 10),
				     (uint16_t)~csum_ipv4_hdr(old, hl),
				     (uint16_t)~csum_ipv4_hdr(ip,
						(ip[0] & 15) * 4u));
		assert_int_equal(load_be16(ip + 10), want);
		assert_int_equal(ipv4_hdr_csum_verify(ip, (ip[0] & 15) * 4u),
				 WIRE_OK);
	}
	assert_true(odd > 500);
}

/* A server's answer (client tuple at 20, the answer right after it, the
 * whole options area: the strip's one-pass path, issue 19) leaves the
 * bytes the generic strip leaves, for random header fields and any
 * header checksum as found: valid, corrupt, 0x0000, 0xffff. */
static void
test_ipv4_answer_area_random(void **state)
{
	static const uint16_t cs[] = { 0x0000, 0xffff, 0x0001, 0xfffe };
	static uint8_t a[CAP], b[CAP];
	uint8_t buf[CAP], *ip;
	struct pkt_buf pb, pa, pbb;
	struct pkt_meta m;
	uint64_t x = 0x2545f4914f6cdd1dull;
	unsigned int na, nb;
	uint32_t l3;

	(void)state;
	for (unsigned int i = 0; i < 4000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		l3 = build(buf, &pb, 4, (x >> 1) & 1, (x >> 2) & 1, false);
		ip = pkt_buf_data(&pb) + l3;
		ip[1] = (uint8_t)(x >> 8);
		store_be16(ip + 4, (uint16_t)(x >> 16));
		ip[8] = (uint8_t)(x >> 32);
		store_be32(ip + 12, (uint32_t)(x >> 24));
		store_be16(ip + 10, 0);
		store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
		insert_tuple_answer(&pb, l3, x);
		ip = pkt_buf_data(&pb) + l3;
		switch ((x >> 44) & 3) {
		case 0:
			break;          /* valid */
		case 1:
			store_be16(ip + 10, (uint16_t)(x >> 48)); /* corrupt */
			break;
		default:
			store_be16(ip + 10, cs[(x >> 50) & 3]);
			break;
		}
		assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m),
				 WIRE_OK);
		assert_int_equal(m.opt4 & ~(1u << 25), 20u | 28u << 12);
		memcpy(a, buf, CAP);
		memcpy(b, buf, CAP);
		pa = pb;
		pbb = pb;
		pa.base = a;
		pbb.base = b;
		assert_int_equal(pkt_strip_msgs(&pa, &m, &na), WIRE_OK);
		assert_int_equal(ipv4opt_strip_all(&pbb, l3, &nb), WIRE_OK);
		assert_int_equal(na, 2);
		assert_int_equal(nb, 2);
		assert_int_equal(pa.off, pbb.off);
		assert_int_equal(pa.len, pbb.len);
		assert_memory_equal(a, b, CAP);
	}
}

/* pkt_parse()'s path for a server's answer (client tuple at 20, the
 * answer filling the options area; issue 19) against the generic one:
 * frames of random bytes near that form (first byte, option kinds and
 * lengths, total and frame lengths, fragment bits) give the verdict and
 * fields that ipv4opt_parse() and the transport check give. */
static void
test_parse_answer_fast_path(void **state)
{
	static const uint8_t first[] = { 0x48, 0x49, 0x48, 0x49, 0x47, 0x4a,
					 0x58, 0x38 };
	uint8_t f[14 + 60 + 24];
	uint64_t x = 0x853c49e6748fea9bull;
	unsigned int fast = 0;

	(void)state;
	for (unsigned int it = 0; it < 40000; it++) {
		const uint32_t l3 = 14;
		struct ipv4opt_info info;
		struct pkt_meta m;
		enum wire_result want, got;
		uint32_t len, tot, msgs = 0, hl = 0, end = 0;
		uint8_t *ip = f + l3;

		for (unsigned int i = 0; i < sizeof(f); i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			f[i] = (uint8_t)(x >> 24);
		}
		store_be16(f + 12, 0x0800);
		ip[0] = first[x % sizeof(first)];
		/* mostly the answer's option bytes, sometimes not */
		if ((x >> 8) % 8 != 0) {
			ip[20] = IPV4OPT_CLIENT_TUPLE;
			ip[21] = 8;
		}
		if ((x >> 11) % 8 != 0) {
			ip[28] = IPV4OPT_METRIC_ANS;
			ip[29] = (x >> 14) % 8 ? (uint8_t)((ip[0] & 15) * 4 - 28) :
						 (uint8_t)(x >> 17);
		}
		ip[9] = (x >> 20) & 1 ? 6 : 17;
		if ((x >> 21) % 4 != 0)
			store_be16(ip + 6, 0);          /* no fragment */
		/* around the header's and the transport's lengths */
		tot = (ip[0] & 15) * 4u + (uint32_t)((x >> 24) % 40) - 4;
		store_be16(ip + 2, (uint16_t)tot);
		len = l3 + tot + (uint32_t)((x >> 32) % 8) - 2;
		if (len > sizeof(f))
			len = sizeof(f);

		want = ipv4opt_parse(f, len, l3, &info);
		if (want == WIRE_OK) {
			uint16_t frag = load_be16(ip + 6);

			hl = info.hdr_len;
			end = l3 + load_be16(ip + 2);
			if (frag & 0x1FFF)
				want = WIRE_ERR_IPV4_FRAGMENT;
			else if (end - (l3 + hl) <
				 (ip[9] == 6 ? 20u : 8u))
				want = WIRE_ERR_TRUNCATED;
			if (info.client_off)
				msgs |= 1u << PKT_MSG_CLIENT_TUPLE;
			if (info.req_off)
				msgs |= 1u << PKT_MSG_METRIC_REQ;
			if (info.ans_off)
				msgs |= 1u << PKT_MSG_METRIC_ANS;
			if (info.rec_off)
				msgs |= 1u << PKT_MSG_RECOVER;
			if (info.req_len == 8 || info.ans_len == 8)
				msgs |= 1u << PKT_MSG_NONCE;
			if ((frag & 0x2000) && !(frag & 0x1FFF))
				msgs |= 1u << PKT_MSG_FRAGMENT;
		}
		got = pkt_parse(f, len, &m);
		assert_int_equal(got, want);
		if (want != WIRE_OK)
			continue;
		if (info.client_off == 20 && info.ans_off == 28 &&
		    info.opt_end == hl)
			fast++;
		assert_int_equal(m.msgs, msgs);
		assert_int_equal(m.l4_off, l3 + hl);
		assert_int_equal(m.opt4,
			(uint32_t)info.client_off | (uint32_t)info.req_off << 6 |
			(uint32_t)info.ans_off << 12 |
			(uint32_t)info.rec_off << 18 |
			(uint32_t)(info.req_len == 8) << 24 |
			(uint32_t)(info.ans_len == 8) << 25 |
			(uint32_t)(info.rec_len == 12) << 26);
		if (info.client_off) {
			assert_int_equal(load_be32(m.client_addr),
					 info.client_addr);
			assert_int_equal(m.client_port, info.client_port);
		}
		if (info.ans_off) {
			assert_int_equal(m.score, info.score);
			assert_int_equal(m.nonce, info.ans_len == 8 ?
					 info.ans_nonce : info.req_nonce);
		}
		assert_int_equal(m.sport, load_be16(f + l3 + hl));
		assert_int_equal(m.dport, load_be16(f + l3 + hl + 2));
	}
	/* the answer's own path was exercised, not only the generic one */
	assert_true(fast > 2000);
}

static void
test_errors(void **state)
{
	uint8_t buf[CAP];
	struct pkt_buf pb;
	struct pkt_meta m;

	(void)state;
	(void)build(buf, &pb, 4, false, false, false);
	memset(&m, 0, sizeof(m));
	assert_int_equal(pkt_strip_msgs(NULL, &m, NULL), WIRE_ERR_INVAL);
	assert_int_equal(pkt_strip_msgs(&pb, NULL, NULL), WIRE_ERR_INVAL);
	/* not IP */
	assert_int_equal(pkt_strip_msgs(&pb, &m, NULL), WIRE_ERR_INVAL);
}

/* pkt_parse() says where the IPv4 message options are (opt4); the strip
 * checks they are still there: a parse of another frame changes
 * nothing. */
static void
test_ipv4_where_checked(void **state)
{
	uint8_t buf[CAP], copy[CAP];
	struct pkt_buf pb;
	struct pkt_meta m, bad;
	uint32_t l3;
	unsigned int n;

	(void)state;
	l3 = build(buf, &pb, 4, false, false, false);
	assert_int_equal(ipv4opt_insert_client(&pb, l3, 0, 0xc6120007u, 4),
			 WIRE_OK);
	assert_int_equal(ipv4opt_insert_answer(&pb, l3, 0, 7, true, 9),
			 WIRE_OK);
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	/* client tuple at 20, 8-byte answer at 28 */
	assert_int_equal(m.opt4, 20u | 28u << 12 | 1u << 25);
	memcpy(copy, buf, CAP);
	for (unsigned int k = 0; k < 4; k++) {
		bad = m;
		switch (k) {
		case 0: /* the answer said to be 4 bytes */
			bad.opt4 &= ~(1u << 25);
			break;
		case 1: /* a request where the answer is */
			bad.opt4 = 20u | 28u << 6 | 1u << 24;
			break;
		case 2: /* past the header */
			bad.opt4 = 20u | 36u << 12 | 1u << 25;
			break;
		default: /* overlapping */
			bad.opt4 = 20u | 24u << 12 | 1u << 25;
			break;
		}
		assert_int_equal(pkt_strip_msgs(&pb, &bad, &n),
				 WIRE_ERR_INVAL);
		assert_memory_equal(buf, copy, CAP);
	}
	assert_int_equal(pkt_strip_msgs(&pb, &m, &n), WIRE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m.opt4, 0);
	assert_int_equal(m.l4_off, l3 + 20);
}

/* IPv6 (issue 19): a chain of paper headers alone is described by the
 * parse (pkt_meta.ext6) and stripped without a walk; a description that
 * does not match the packet changes nothing, and a chain that is the
 * whole payload is refused as ip6ext_remove_all() refuses it. */
static void
test_ipv6_ext6_checked(void **state)
{
	uint8_t buf[CAP], copy[CAP];
	struct pkt_buf pb;
	struct pkt_meta m, bad;
	uint32_t l3;
	unsigned int n;
	uint8_t *ip;

	(void)state;
	l3 = build(buf, &pb, 6, false, false, false);
	assert_int_equal(ip6ext_insert_client(&pb, l3, 0, IP6EXT_ENC_PAPER,
					      s6, 40000), WIRE_OK);
	assert_int_equal(ip6ext_insert_answer(&pb, l3, 0, IP6EXT_ENC_PAPER,
					      77, 0x5678), WIRE_OK);
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.ext6, 24 + 8);
	memcpy(copy, buf, CAP);
	for (unsigned int k = 0; k < 4; k++) {
		bad = m;
		switch (k) {
		case 0: /* one header short */
			bad.ext6 = 24;
			break;
		case 1: /* one header more */
			bad.ext6 = 40;
			break;
		case 2: /* another upper layer */
			bad.l4_proto = IPPROTO_NUM_UDP;
			break;
		default: /* the first header's length changed */
			pkt_buf_data(&pb)[l3 + 41] = 3;
			break;
		}
		assert_int_equal(ip6ext_strip_packed(&pb, l3, bad.ext6,
						     bad.l4_proto, &n),
				 WIRE_ERR_INVAL);
		if (k == 3)
			pkt_buf_data(&pb)[l3 + 41] = 2;
		assert_memory_equal(buf, copy, CAP);
	}
	/* the headers as the whole payload: Payload Length would be 0 */
	ip = pkt_buf_data(&pb) + l3;
	store_be16(ip + 4, 32);
	assert_int_equal(ip6ext_strip_packed(&pb, l3, 32, IPPROTO_NUM_TCP, &n),
			 WIRE_ERR_IPV6_PAYLOAD_LEN);
	store_be16(ip + 4, (uint16_t)(pb.len - l3 - 40));
	memcpy(copy, buf, CAP);
	assert_int_equal(pkt_strip_msgs(&pb, &m, &n), WIRE_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m.ext6, 0);
	assert_int_equal(m.l4_off, l3 + 40);
	/* with a foreign Destination Options header: the walk */
	l3 = build(buf, &pb, 6, false, false, true);
	assert_int_equal(ip6ext_insert_client(&pb, l3, 0, IP6EXT_ENC_PAPER,
					      s6, 40000), WIRE_OK);
	assert_int_equal(pkt_parse(pkt_buf_data(&pb), pb.len, &m), WIRE_OK);
	assert_int_equal(m.ext6, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv4_csum_random),
		cmocka_unit_test(test_ipv4_answer_area_random),
		cmocka_unit_test(test_parse_answer_fast_path),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_ipv4_where_checked),
		cmocka_unit_test(test_ipv6_ext6_checked),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
