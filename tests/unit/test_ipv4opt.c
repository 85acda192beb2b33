/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/rng.h"

/*
 * Expected packets were produced by an independent Python model (struct +
 * RFC 1071 sum), not by this code: IPv4/UDP 192.0.2.1:1234 ->
 * 198.51.100.10:80, id 0x1c46, DF, TTL 64, payload "dsr!", valid UDP
 * checksum 0x37e0. The same bytes are the hex examples of
 * docs/wire-format.md.
 */
static const uint8_t pkt_base[32] = {
	0x45, 0x00, 0x00, 0x20, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x32, 0x48, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73,
	0x72, 0x21,
};

/* + 155: client 203.0.113.7:40000 */
static const uint8_t pkt_client[40] = {
	0x47, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0xbc, 0xee, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x9b, 0x08, 0xcb, 0x00, 0x71, 0x07, 0x9c, 0x40, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* + 124: metric request */
static const uint8_t pkt_req[36] = {
	0x46, 0x00, 0x00, 0x24, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0xb5, 0x3f, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x7c, 0x04, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c,
	0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* + 125: score 0x1234 */
static const uint8_t pkt_ans[36] = {
	0x46, 0x00, 0x00, 0x24, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0xa2, 0x0b, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x7d, 0x04, 0x12, 0x34, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c,
	0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* + 124 with nonce 0xdeadbeef */
static const uint8_t pkt_req_nonce[40] = {
	0x47, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x16, 0x9a, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x7c, 0x08, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* + 125 score 0x1234 echoing nonce 0xdeadbeef */
static const uint8_t pkt_ans_nonce[40] = {
	0x47, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x03, 0x66, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x7d, 0x08, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* Record Route (len 7) + EOL: 1 byte of padding. */
static const uint8_t pkt_rr[40] = {
	0x47, 0x00, 0x00, 0x28, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x25, 0x39, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2,
	0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* pkt_rr + 124: the request goes after RR, the EOL moves behind it. */
static const uint8_t pkt_rr_req[44] = {
	0x48, 0x00, 0x00, 0x2c, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x1f, 0xb9, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x7c, 0x04, 0x00,
	0x00, 0x00, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0,
	0x64, 0x73, 0x72, 0x21,
};

/* pkt_rr + 155 */
static const uint8_t pkt_rr_client[48] = {
	0x49, 0x00, 0x00, 0x30, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0xd1, 0xbd, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00, 0x9b, 0x08, 0xcb,
	0x00, 0x71, 0x07, 0x9c, 0x40, 0x00, 0x04, 0xd2, 0x00, 0x50,
	0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* Options area NOP NOP NOP EOL: 4 bytes of padding, no option. */
static const uint8_t pkt_pad[36] = {
	0x46, 0x00, 0x00, 0x24, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x2f, 0x43, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x01, 0x01, 0x01, 0x00, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c,
	0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* Record Route (len 31) + 5 bytes of EOL padding: a 36-byte area. */
static const uint8_t pkt_rr31[68] = {
	0x4e, 0x00, 0x00, 0x44, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0x1e, 0x05, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x07, 0x1f, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0xd2, 0x00, 0x50,
	0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73, 0x72, 0x21,
};

/* pkt_rr31 + 155: fits 40 bytes only by using 4 of the 5 padding bytes. */
static const uint8_t pkt_rr31_client[72] = {
	0x4f, 0x00, 0x00, 0x48, 0x1c, 0x46, 0x40, 0x00, 0x40, 0x11,
	0xcb, 0x8d, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0a,
	0x07, 0x1f, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x9b, 0x08, 0xcb, 0x00, 0x71, 0x07, 0x9c, 0x40, 0x00,
	0x04, 0xd2, 0x00, 0x50, 0x00, 0x0c, 0x37, 0xe0, 0x64, 0x73,
	0x72, 0x21,
};

static const uint8_t eth_hdr[ETH_HDR_LEN] = {
	0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01,
	0x08, 0x00,
};

#define CLIENT_ADDR  0xcb007107u /* 203.0.113.7 */
#define CLIENT_PORT  40000
#define SCORE        0x1234
#define NONCE        0xdeadbeefu

#define CAP 256

struct tbuf {
	uint8_t buf[CAP];
	struct pkt_buf pb;
};

/* Place @pre (l2) + @pkt in a buffer with @head bytes of headroom and
 * @tail bytes of tailroom; the rest of the buffer is a 0xA5 canary. */
static void
tbuf_load(struct tbuf *t, uint32_t head, const uint8_t *pre, uint32_t pre_len,
	  const uint8_t *pkt, uint32_t len, uint32_t tail)
{
	memset(t->buf, 0xA5, sizeof(t->buf));
	assert_true(head + pre_len + len + tail <= CAP);
	if (pre_len > 0)
		memcpy(t->buf + head, pre, pre_len);
	memcpy(t->buf + head + pre_len, pkt, len);
	assert_int_equal(pkt_buf_init(&t->pb, t->buf,
				      head + pre_len + len + tail, head,
				      pre_len + len), WIRE_OK);
}

static void
assert_pkt(const struct tbuf *t, const uint8_t *exp, uint32_t len)
{
	assert_int_equal(t->pb.len, len);
	assert_memory_equal(pkt_buf_data(&t->pb), exp, len);
}

/* Build IPv4 + UDP "dsr!" with the given options area (multiple of 4). */
static uint32_t
build_ip(uint8_t *out, const uint8_t *opts, uint32_t olen)
{
	uint32_t hl = IPV4_HDR_MIN_LEN + olen;

	memcpy(out, pkt_base, IPV4_HDR_MIN_LEN);
	if (olen != 0)   /* opts may be NULL: memcpy() wants a pointer */
		memcpy(out + IPV4_HDR_MIN_LEN, opts, olen);
	memcpy(out + hl, pkt_base + IPV4_HDR_MIN_LEN, 12);
	out[0] = (uint8_t)(0x40 | hl / 4);
	store_be16(out + 2, (uint16_t)(hl + 12));
	store_be16(out + 10, csum_ipv4_hdr(out, hl));
	return hl + 12;
}

/* The UDP checksum is still right: options are not in the pseudo-header. */
static void
assert_udp_ok(const uint8_t *ip)
{
	uint32_t hl = (uint32_t)(ip[0] & 0x0F) * 4;
	uint32_t ps = csum_pseudo_ipv4(load_be32(ip + 12), load_be32(ip + 16),
				       IPPROTO_NUM_UDP, 12);

	assert_int_equal(load_be16(ip + 2) - hl, 12);
	assert_int_equal(csum_fold(csum_partial(ip + hl, 12, ps)), 0);
}

/* ---- header check -------------------------------------------------- */

static void
test_hdr_check_ok(void **state)
{
	uint8_t frame[ETH_HDR_LEN + sizeof(pkt_rr) + 6];
	uint32_t hl = 0;

	(void)state;
	assert_int_equal(ipv4_hdr_check(pkt_base, sizeof(pkt_base), 0, &hl),
			 WIRE_OK);
	assert_int_equal(hl, 20);
	memcpy(frame, eth_hdr, ETH_HDR_LEN);
	memcpy(frame + ETH_HDR_LEN, pkt_rr, sizeof(pkt_rr));
	memset(frame + ETH_HDR_LEN + sizeof(pkt_rr), 0, 6); /* L2 padding */
	assert_int_equal(ipv4_hdr_check(frame, sizeof(frame), ETH_HDR_LEN,
					&hl), WIRE_OK);
	assert_int_equal(hl, 28);
	assert_int_equal(ipv4_hdr_check(pkt_base, 32, 0, NULL), WIRE_OK);
}

static void
test_hdr_check_errors(void **state)
{
	uint8_t p[sizeof(pkt_base)];
	uint32_t hl = 77;

	(void)state;
	assert_int_equal(ipv4_hdr_check(NULL, 32, 0, &hl), WIRE_ERR_INVAL);
	assert_int_equal(ipv4_hdr_check(pkt_base, 19, 0, &hl),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(ipv4_hdr_check(pkt_base, 32, 13, &hl),
			 WIRE_ERR_TRUNCATED);
	assert_int_equal(ipv4_hdr_check(pkt_base, 32, 33, &hl),
			 WIRE_ERR_TRUNCATED);
	memcpy(p, pkt_base, sizeof(p));
	p[0] = 0x65;
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl), WIRE_ERR_IPV4_VERSION);
	p[0] = 0x44;
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl), WIRE_ERR_IPV4_IHL);
	p[0] = 0x49;    /* 36 bytes of header in a 32-byte packet */
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl), WIRE_ERR_IPV4_IHL);
	p[0] = 0x45;
	store_be16(p + 2, 19);
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl),
			 WIRE_ERR_IPV4_TOTAL_LEN);
	store_be16(p + 2, 33);
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl),
			 WIRE_ERR_IPV4_TOTAL_LEN);
	p[0] = 0x46;    /* IHL 24 > total length 20 */
	store_be16(p + 2, 20);
	assert_int_equal(ipv4_hdr_check(p, 32, 0, &hl),
			 WIRE_ERR_IPV4_TOTAL_LEN);
	assert_int_equal(hl, 77);
}

static void
test_csum_verify(void **state)
{
	uint8_t p[sizeof(pkt_rr)];

	(void)state;
	assert_int_equal(ipv4_hdr_csum_verify(pkt_base, 20), WIRE_OK);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_rr, 28), WIRE_OK);
	memcpy(p, pkt_rr, sizeof(p));
	p[24] ^= 0x40;  /* inside the options */
	assert_int_equal(ipv4_hdr_csum_verify(p, 28), WIRE_ERR_CHECKSUM);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_base, 19), WIRE_ERR_INVAL);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_base, 64), WIRE_ERR_INVAL);
}

/* The 20-byte fast path of ipv4_hdr_csum_verify() (issue 19) decides as
 * the generic sum does: random headers, half of them with their correct
 * checksum (either zero representation), the all-zero and all-ones
 * headers. */
static void
test_csum_verify_fast_path(void **state)
{
	static const uint8_t zero[20], ones[20] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	struct rng r;
	uint8_t h[20];
	unsigned int ok = 0;

	(void)state;
	assert_int_equal(ipv4_hdr_csum_verify(zero, 20), WIRE_ERR_CHECKSUM);
	assert_int_equal(ipv4_hdr_csum_verify(ones, 20), WIRE_OK);
	rng_seed(&r, 19);
	for (unsigned int i = 0; i < 200000; i++) {
		bool good;

		for (unsigned int k = 0; k < 20; k += 4)
			store_be32(h + k, (uint32_t)rng_next(&r));
		if (i & 1) {
			store_be16(h + 10, csum_ipv4_hdr(h, 20));
			if ((i & 7) == 1 && load_be16(h + 10) == 0)
				store_be16(h + 10, 0xffff);
		}
		good = csum_fold(csum_partial(h, 20, 0)) == 0;
		ok += good;
		assert_int_equal(ipv4_hdr_csum_verify(h, 20),
				 good ? WIRE_OK : WIRE_ERR_CHECKSUM);
	}
	assert_true(ok >= 100000);
}

/* ---- walk and parse ------------------------------------------------ */

static void
test_parse_vectors(void **state)
{
	struct ipv4opt_info in;
	uint32_t addr;
	uint16_t port, score;
	bool auth;
	uint32_t nonce;

	(void)state;
	assert_int_equal(ipv4opt_parse(pkt_base, 32, 0, &in), WIRE_OK);
	assert_int_equal(in.hdr_len, 20);
	assert_int_equal(in.opt_end, 20);
	assert_int_equal(ipv4opt_get_client(&in, &addr, &port),
			 WIRE_ERR_NOT_FOUND);
	assert_int_equal(ipv4opt_get_request(&in, &auth, &nonce),
			 WIRE_ERR_NOT_FOUND);
	assert_int_equal(ipv4opt_get_score(&in, &score, &auth, &nonce),
			 WIRE_ERR_NOT_FOUND);

	assert_int_equal(ipv4opt_parse(pkt_client, 40, 0, &in), WIRE_OK);
	assert_int_equal(in.hdr_len, 28);
	assert_int_equal(in.opt_end, 28);
	assert_int_equal(in.client_off, 20);
	assert_int_equal(ipv4opt_get_client(&in, &addr, &port), WIRE_OK);
	assert_int_equal(addr, CLIENT_ADDR);
	assert_int_equal(port, CLIENT_PORT);

	assert_int_equal(ipv4opt_parse(pkt_req, 36, 0, &in), WIRE_OK);
	assert_int_equal(in.req_off, 20);
	assert_int_equal(in.req_len, 4);
	nonce = 99;
	assert_int_equal(ipv4opt_get_request(&in, &auth, &nonce), WIRE_OK);
	assert_false(auth);
	assert_int_equal(nonce, 0);

	assert_int_equal(ipv4opt_parse(pkt_req_nonce, 40, 0, &in), WIRE_OK);
	assert_int_equal(in.req_len, 8);
	assert_int_equal(ipv4opt_get_request(&in, &auth, &nonce), WIRE_OK);
	assert_true(auth);
	assert_int_equal(nonce, NONCE);

	assert_int_equal(ipv4opt_parse(pkt_ans, 36, 0, &in), WIRE_OK);
	assert_int_equal(in.ans_off, 20);
	assert_int_equal(ipv4opt_get_score(&in, &score, &auth, &nonce),
			 WIRE_OK);
	assert_int_equal(score, SCORE);
	assert_false(auth);
	assert_int_equal(nonce, 0);
	assert_int_equal(ipv4opt_get_score(&in, &score, NULL, NULL), WIRE_OK);

	assert_int_equal(ipv4opt_parse(pkt_ans_nonce, 40, 0, &in), WIRE_OK);
	assert_int_equal(in.ans_len, 8);
	assert_int_equal(ipv4opt_get_score(&in, &score, &auth, &nonce),
			 WIRE_OK);
	assert_int_equal(score, SCORE);
	assert_true(auth);
	assert_int_equal(nonce, NONCE);

	/* Record Route then EOL: the insert point is right after RR. */
	assert_int_equal(ipv4opt_parse(pkt_rr, 40, 0, &in), WIRE_OK);
	assert_int_equal(in.hdr_len, 28);
	assert_int_equal(in.opt_end, 27);
	assert_int_equal(ipv4opt_parse(pkt_pad, 36, 0, &in), WIRE_OK);
	assert_int_equal(in.opt_end, 20);
	assert_int_equal(ipv4opt_parse(pkt_rr_client, 48, 0, &in), WIRE_OK);
	assert_int_equal(in.client_off, 27);
	assert_int_equal(in.opt_end, 35);
	assert_int_equal(ipv4opt_parse(NULL, 32, 0, &in), WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_parse(pkt_base, 32, 0, NULL), WIRE_ERR_INVAL);
}

static void
test_parse_quirks(void **state)
{
	/* Reserved bytes of 124 are ignored on receipt. */
	static const uint8_t resv[] = { 0x7c, 0x04, 0xff, 0xff };
	/* After EOL nothing is parsed, not even a bad length or a 124. */
	static const uint8_t after_eol[] = { 0x00, 0x07, 0x00, 0x00,
					     0x7c, 0x04, 0x00, 0x00 };
	/* All three options at once (different kinds may be combined). */
	static const uint8_t all3[] = {
		0x01, 0x7d, 0x04, 0xff, 0xff, 0x9b, 0x08, 0x0a, 0x00, 0x00,
		0x01, 0x00, 0x50, 0x7c, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x01, 0x00, 0x00, 0x00,
	};
	struct ipv4opt_info in;
	uint8_t p[100];
	uint32_t len;

	(void)state;
	len = build_ip(p, resv, sizeof(resv));
	assert_int_equal(ipv4opt_parse(p, len, 0, &in), WIRE_OK);
	assert_int_equal(in.req_off, 20);
	assert_int_equal(in.req_len, 4);

	len = build_ip(p, after_eol, sizeof(after_eol));
	assert_int_equal(ipv4opt_parse(p, len, 0, &in), WIRE_OK);
	assert_int_equal(in.req_off, 0);
	assert_int_equal(in.opt_end, 20);

	len = build_ip(p, all3, sizeof(all3));
	assert_int_equal(ipv4opt_parse(p, len, 0, &in), WIRE_OK);
	assert_int_equal(in.hdr_len, 44);
	assert_int_equal(in.ans_off, 21);
	assert_int_equal(in.score, 0xffff);
	assert_int_equal(in.client_off, 25);
	assert_int_equal(in.client_addr, 0x0a000001);
	assert_int_equal(in.client_port, 80);
	assert_int_equal(in.req_off, 33);
	assert_int_equal(in.req_len, 8);
	assert_int_equal(in.req_nonce, 1);
	assert_int_equal(in.opt_end, 41);
}

static void
test_iterator(void **state)
{
	static const uint8_t opts[20] = {
		0x01,
		0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00,
		0x9b, 0x08, 0xcb, 0x00, 0x71, 0x07, 0x9c, 0x40,
		0x00,
		0x07, 0x00, 0x00,       /* after EOL: never read */
	};
	static const struct ipv4opt_opt exp[] = {
		{ 0x01, 20, 1 }, { 0x07, 21, 7 }, { 0x9b, 28, 8 },
		{ 0x00, 36, 1 },
	};
	struct ipv4opt_iter it;
	struct ipv4opt_opt o;
	uint8_t p[100];
	unsigned int i;

	(void)state;
	build_ip(p, opts, sizeof(opts));
	ipv4opt_iter_init(&it, p, 40);
	for (i = 0; i < 4; i++) {
		assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_OK);
		assert_int_equal(o.kind, exp[i].kind);
		assert_int_equal(o.off, exp[i].off);
		assert_int_equal(o.len, exp[i].len);
	}
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_NOT_FOUND);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_NOT_FOUND);

	/* Without EOL the walk ends at IHL. */
	ipv4opt_iter_init(&it, pkt_client, 28);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_OK);
	assert_int_equal(o.kind, 155);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_NOT_FOUND);

	/* No options at all. */
	ipv4opt_iter_init(&it, pkt_base, 20);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_NOT_FOUND);

	/* An error ends the walk. */
	p[22] = 0x01;   /* RR length 1 */
	ipv4opt_iter_init(&it, p, 40);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_OK);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_IPV4_OPT_LEN);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_NOT_FOUND);

	/* A kind in the last byte of the area: its length octet would be
	 * the first payload byte (0 here), which must not be read. */
	build_ip(p, (const uint8_t[]){ 0x01, 0x01, 0x01, 0x44 }, 4);
	p[24] = 0x00;
	ipv4opt_iter_init(&it, p, 24);
	for (i = 0; i < 3; i++)
		assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_OK);
	assert_int_equal(ipv4opt_iter_next(&it, &o),
			 WIRE_ERR_IPV4_OPT_OVERRUN);

	/* Header lengths outside 20..60. */
	ipv4opt_iter_init(&it, p, 64);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_INVAL);
	ipv4opt_iter_init(&it, p, 19);
	assert_int_equal(ipv4opt_iter_next(&it, &o), WIRE_ERR_INVAL);
}

/* ---- insert: exact vectors ----------------------------------------- */

enum ins_op {
	INS_CLIENT,
	INS_REQ,
	INS_REQ_NONCE,
	INS_ANS,
	INS_ANS_NONCE,
	INS_MAX
};

static enum wire_result
do_insert(struct pkt_buf *pb, uint32_t l3_off, uint32_t mtu, enum ins_op op)
{
	switch (op) {
	case INS_CLIENT:
		return ipv4opt_insert_client(pb, l3_off, mtu, CLIENT_ADDR,
					     CLIENT_PORT);
	case INS_REQ:
		return ipv4opt_insert_request(pb, l3_off, mtu, false, NONCE);
	case INS_REQ_NONCE:
		return ipv4opt_insert_request(pb, l3_off, mtu, true, NONCE);
	case INS_ANS:
		return ipv4opt_insert_answer(pb, l3_off, mtu, SCORE, false,
					     NONCE);
	case INS_ANS_NONCE:
	default:
		return ipv4opt_insert_answer(pb, l3_off, mtu, SCORE, true,
					     NONCE);
	}
}

static uint8_t
op_kind(enum ins_op op)
{
	if (op == INS_CLIENT)
		return IPV4OPT_CLIENT_TUPLE;
	if (op == INS_REQ || op == INS_REQ_NONCE)
		return IPV4OPT_METRIC_REQ;
	return IPV4OPT_METRIC_ANS;
}

static const struct {
	enum ins_op op;
	const uint8_t *exp;
	uint32_t len;
} vectors[] = {
	{ INS_CLIENT, pkt_client, sizeof(pkt_client) },
	{ INS_REQ, pkt_req, sizeof(pkt_req) },
	{ INS_REQ_NONCE, pkt_req_nonce, sizeof(pkt_req_nonce) },
	{ INS_ANS, pkt_ans, sizeof(pkt_ans) },
	{ INS_ANS_NONCE, pkt_ans_nonce, sizeof(pkt_ans_nonce) },
};

static void
test_insert_vectors(void **state)
{
	struct tbuf t;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		tbuf_load(&t, 32, NULL, 0, pkt_base, sizeof(pkt_base), 32);
		assert_int_equal(do_insert(&t.pb, 0, 1500, vectors[i].op),
				 WIRE_OK);
		assert_pkt(&t, vectors[i].exp, vectors[i].len);
		/* pkt_buf moved the shorter side: here the 12 UDP bytes. */
		assert_int_equal(t.pb.off, 32);
		assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb),
						      vectors[i].len - 12),
				 WIRE_OK);
		assert_udp_ok(pkt_buf_data(&t.pb));
		assert_int_equal(ipv4opt_strip(&t.pb, 0,
					       op_kind(vectors[i].op)),
				 WIRE_OK);
		assert_pkt(&t, pkt_base, sizeof(pkt_base));
		assert_int_equal(t.pb.off, 32);
	}
}

static void
test_insert_behind_ethernet(void **state)
{
	uint8_t exp[ETH_HDR_LEN + sizeof(pkt_ans_nonce)];
	struct tbuf t;

	(void)state;
	memcpy(exp, eth_hdr, ETH_HDR_LEN);
	memcpy(exp + ETH_HDR_LEN, pkt_ans_nonce, sizeof(pkt_ans_nonce));
	tbuf_load(&t, 16, eth_hdr, ETH_HDR_LEN, pkt_base, sizeof(pkt_base), 0);
	assert_int_equal(ipv4opt_insert_answer(&t.pb, ETH_HDR_LEN, 1500, SCORE,
					       true, NONCE), WIRE_OK);
	assert_pkt(&t, exp, sizeof(exp));
	assert_int_equal(t.pb.off, 8);
	assert_int_equal(ipv4opt_strip(&t.pb, ETH_HDR_LEN, IPV4OPT_METRIC_ANS),
			 WIRE_OK);
	assert_int_equal(t.pb.len, ETH_HDR_LEN + sizeof(pkt_base));
	assert_memory_equal(pkt_buf_data(&t.pb), eth_hdr, ETH_HDR_LEN);
	assert_memory_equal(pkt_buf_data(&t.pb) + ETH_HDR_LEN, pkt_base,
			    sizeof(pkt_base));
}

static void
test_insert_tailroom_only(void **state)
{
	struct tbuf t;

	(void)state;
	tbuf_load(&t, 0, NULL, 0, pkt_base, sizeof(pkt_base), 8);
	assert_int_equal(ipv4opt_insert_client(&t.pb, 0, 0, CLIENT_ADDR,
					       CLIENT_PORT), WIRE_OK);
	assert_int_equal(t.pb.off, 0);
	assert_pkt(&t, pkt_client, sizeof(pkt_client));
	assert_int_equal(pkt_buf_tailroom(&t.pb), 0);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_CLIENT_TUPLE),
			 WIRE_OK);
	assert_pkt(&t, pkt_base, sizeof(pkt_base));
}

static void
test_insert_after_record_route(void **state)
{
	struct tbuf t;

	(void)state;
	/* 1 byte of padding < 4: grow by 4, EOL kept behind the option. */
	tbuf_load(&t, 32, NULL, 0, pkt_rr, sizeof(pkt_rr), 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 1500, false, 0),
			 WIRE_OK);
	assert_pkt(&t, pkt_rr_req, sizeof(pkt_rr_req));
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	assert_pkt(&t, pkt_rr, sizeof(pkt_rr));

	tbuf_load(&t, 32, NULL, 0, pkt_rr, sizeof(pkt_rr), 32);
	assert_int_equal(ipv4opt_insert_client(&t.pb, 0, 1500, CLIENT_ADDR,
					       CLIENT_PORT), WIRE_OK);
	assert_pkt(&t, pkt_rr_client, sizeof(pkt_rr_client));
	assert_udp_ok(pkt_buf_data(&t.pb));
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_CLIENT_TUPLE),
			 WIRE_OK);
	assert_pkt(&t, pkt_rr, sizeof(pkt_rr));
}

static void
test_insert_reuses_padding(void **state)
{
	struct tbuf t;

	(void)state;
	/* NOP NOP NOP EOL has room for a 4-byte option: no growth. The
	 * result is byte-identical to inserting into a bare header... */
	tbuf_load(&t, 32, NULL, 0, pkt_pad, sizeof(pkt_pad), 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 36, false, 0),
			 WIRE_OK);
	assert_int_equal(t.pb.off, 32);
	assert_pkt(&t, pkt_req, sizeof(pkt_req));
	/* ...so stripping gives the bare header, not pkt_pad (the
	 * documented exception to the round trip). */
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	assert_pkt(&t, pkt_base, sizeof(pkt_base));
}

static void
test_insert_after_eol_garbage(void **state)
{
	/* Bytes after EOL are padding: reused and rewritten as zeros. */
	static const uint8_t opts[] = { 0x00, 0x07, 0x00, 0x00,
					0x7c, 0x04, 0x00, 0x00 };
	static const uint8_t exp_opts[] = { 0x7d, 0x04, 0x12, 0x34,
					    0x00, 0x00, 0x00, 0x00 };
	uint8_t p[100], e[100];
	uint32_t len, elen;
	struct tbuf t;

	(void)state;
	len = build_ip(p, opts, sizeof(opts));
	elen = build_ip(e, exp_opts, sizeof(exp_opts));
	tbuf_load(&t, 32, NULL, 0, p, len, 32);
	assert_int_equal(ipv4opt_insert_answer(&t.pb, 0, 0, SCORE, false, 0),
			 WIRE_OK);
	assert_pkt(&t, e, elen);
}

static void
test_insert_near_full_area(void **state)
{
	/* RR (len 35) + EOL: 36 bytes of options, 1 of them padding. */
	uint8_t opts36[36] = { 0x07, 35, 4 };
	uint8_t opts40[40] = { 0x07, 39, 4 };
	uint8_t exp_opts[40] = { 0x07, 35, 4 };
	uint8_t p[120], e[120], snap[CAP];
	uint32_t len, elen;
	struct tbuf t;
	enum ins_op op;

	(void)state;
	/* pkt_rr31: 36-byte area with 5 bytes of padding. An 8-byte option
	 * only fits by taking 4 of them (header 60 bytes, not 64). */
	tbuf_load(&t, 32, NULL, 0, pkt_rr31, sizeof(pkt_rr31), 32);
	assert_int_equal(ipv4opt_insert_client(&t.pb, 0, 0, CLIENT_ADDR,
					       CLIENT_PORT), WIRE_OK);
	assert_pkt(&t, pkt_rr31_client, sizeof(pkt_rr31_client));

	/* 36 bytes with 1 of padding: 4 more fit, 8 do not. */
	len = build_ip(p, opts36, sizeof(opts36));
	for (op = INS_CLIENT; op < INS_MAX; op++) {
		if (op == INS_REQ || op == INS_ANS)
			continue;
		tbuf_load(&t, 32, NULL, 0, p, len, 32);
		memcpy(snap, t.buf, CAP);
		assert_int_equal(do_insert(&t.pb, 0, 0, op),
				 WIRE_ERR_IPV4_OPT_FULL);
		assert_memory_equal(snap, t.buf, CAP);
		assert_int_equal(t.pb.off, 32);
		assert_int_equal(t.pb.len, len);
	}
	exp_opts[35] = 0x7c;
	exp_opts[36] = 0x04;
	elen = build_ip(e, exp_opts, sizeof(exp_opts));
	tbuf_load(&t, 32, NULL, 0, p, len, 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 0, false, 0),
			 WIRE_OK);
	assert_pkt(&t, e, elen);
	/* Now 40 bytes: nothing more fits. */
	memcpy(snap, t.buf, CAP);
	assert_int_equal(ipv4opt_insert_answer(&t.pb, 0, 0, 1, false, 0),
			 WIRE_ERR_IPV4_OPT_FULL);
	assert_memory_equal(snap, t.buf, CAP);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	assert_pkt(&t, p, len);

	/* A full 40-byte area (RR 39 + EOL) takes nothing. */
	len = build_ip(p, opts40, sizeof(opts40));
	for (op = INS_CLIENT; op < INS_MAX; op++) {
		tbuf_load(&t, 32, NULL, 0, p, len, 32);
		memcpy(snap, t.buf, CAP);
		assert_int_equal(do_insert(&t.pb, 0, 0, op),
				 WIRE_ERR_IPV4_OPT_FULL);
		assert_memory_equal(snap, t.buf, CAP);
	}
}

static void
test_insert_mtu(void **state)
{
	static uint8_t big[65536 + 64];
	uint8_t snap[CAP];
	struct pkt_buf pb;
	struct tbuf t;

	(void)state;
	tbuf_load(&t, 32, NULL, 0, pkt_base, sizeof(pkt_base), 32);
	memcpy(snap, t.buf, CAP);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 35, false, 0),
			 WIRE_ERR_MTU);
	assert_int_equal(ipv4opt_insert_client(&t.pb, 0, 39, 1, 2),
			 WIRE_ERR_MTU);
	assert_memory_equal(snap, t.buf, CAP);
	assert_int_equal(t.pb.off, 32);
	assert_int_equal(t.pb.len, 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 36, false, 0),
			 WIRE_OK);
	assert_pkt(&t, pkt_req, sizeof(pkt_req));

	/* Total length may never pass 65535, even without an MTU. */
	memset(big, 0, sizeof(big));
	memcpy(big + 32, pkt_base, 20);
	store_be16(big + 32 + 2, 65533);
	store_be16(big + 32 + 10, csum_ipv4_hdr(big + 32, 20));
	assert_int_equal(pkt_buf_init(&pb, big, sizeof(big), 32, 65533),
			 WIRE_OK);
	assert_int_equal(ipv4opt_insert_request(&pb, 0, 0, false, 0),
			 WIRE_ERR_MTU);
	assert_int_equal(pb.off, 32);
	assert_int_equal(big[32], 0x45);
	store_be16(big + 32 + 2, 65531);
	store_be16(big + 32 + 10, csum_ipv4_hdr(big + 32, 20));
	pb.len = 65531;
	assert_int_equal(ipv4opt_insert_request(&pb, 0, 0, false, 0), WIRE_OK);
	assert_int_equal(load_be16(pkt_buf_data(&pb) + 2), 65535);
}

static void
test_insert_no_room(void **state)
{
	uint8_t snap[CAP];
	struct tbuf t;
	enum ins_op op;

	(void)state;
	for (op = INS_CLIENT; op < INS_MAX; op++) {
		tbuf_load(&t, 3, NULL, 0, pkt_base, sizeof(pkt_base), 3);
		memcpy(snap, t.buf, CAP);
		assert_int_equal(do_insert(&t.pb, 0, 0, op), WIRE_ERR_NO_ROOM);
		assert_memory_equal(snap, t.buf, CAP);
		assert_int_equal(t.pb.off, 3);
		assert_int_equal(t.pb.len, 32);
	}
	/* Reusing padding needs no room at all. */
	tbuf_load(&t, 0, NULL, 0, pkt_pad, sizeof(pkt_pad), 0);
	assert_int_equal(ipv4opt_insert_answer(&t.pb, 0, 0, SCORE, false, 0),
			 WIRE_OK);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 0, false, 0),
			 WIRE_ERR_NO_ROOM);
}

static void
test_insert_duplicate(void **state)
{
	uint8_t snap[CAP];
	struct tbuf t;
	unsigned int i;
	enum ins_op op;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		for (op = INS_CLIENT; op < INS_MAX; op++) {
			enum wire_result r;

			tbuf_load(&t, 32, NULL, 0, vectors[i].exp,
				  vectors[i].len, 32);
			memcpy(snap, t.buf, CAP);
			r = do_insert(&t.pb, 0, 0, op);
			if (op_kind(op) == op_kind(vectors[i].op)) {
				assert_int_equal(r, WIRE_ERR_IPV4_OPT_DUP);
				assert_memory_equal(snap, t.buf, CAP);
				assert_int_equal(t.pb.len, vectors[i].len);
			} else {
				assert_int_equal(r, WIRE_OK);
			}
		}
	}
}

/* ---- strip ---------------------------------------------------------- */

/* A random IPv4 + UDP header in @p p (100 bytes): an options area of
 * 0..40 bytes of NOPs and record-route-like options (kind 7), then EOL
 * and garbage or NOPs as padding; random TOS, ID, TTL; a checksum valid,
 * corrupt, 0xFFFF, or with the other words summing to -0 (0x0000 or
 * 0xFFFF). @return the packet's length; *@p hl its header length. */
static uint32_t
random_hdr(struct rng *r, uint8_t *p, uint32_t *hl)
{
	uint8_t opts[40];
	uint32_t olen = 4 * rng_below(r, 11), pos = 0, len;

	/* NOPs and record-route-like options (kind 7), then EOL
	 * and garbage or NOPs as padding. */
	while (pos < olen && rng_below(r, 4) != 0) {
		uint32_t room = olen - pos;

		if (room < 2 || rng_below(r, 2) == 0) {
			opts[pos++] = IPV4OPT_NOP;
			continue;
		}
		opts[pos] = 7;
		opts[pos + 1] = (uint8_t)(2 + rng_below(r, room - 1));
		for (uint32_t k = 2; k < opts[pos + 1]; k++)
			opts[pos + k] = (uint8_t)rng_next(r);
		pos += opts[pos + 1];
	}
	if (pos < olen) {
		bool nops = rng_below(r, 2) == 0;

		opts[pos++] = nops ? IPV4OPT_NOP : IPV4OPT_EOL;
		for (; pos < olen; pos++)
			opts[pos] = nops ? IPV4OPT_NOP : (uint8_t)rng_next(r);
	}
	len = build_ip(p, opts, olen);
	*hl = IPV4_HDR_MIN_LEN + olen;
	p[1] = (uint8_t)rng_next(r);
	store_be16(p + 4, (uint16_t)rng_next(r));
	p[8] = (uint8_t)rng_next(r);
	switch (rng_below(r, 5)) {
	case 0: /* the other words sum to -0: 0x0000 or 0xFFFF */
		store_be16(p + 4, 0);
		store_be16(p + 4, csum_ipv4_hdr(p, *hl));
		store_be16(p + 10, rng_below(r, 2) ? 0xFFFF : 0);
		break;
	case 1: /* corrupt */
		store_be16(p + 10, (uint16_t)rng_next(r));
		break;
	case 2:
		store_be16(p + 10, 0xFFFF);
		break;
	default: /* valid */
		store_be16(p + 10, csum_ipv4_hdr(p, *hl));
		break;
	}
	return len;
}

/* The header checksum of an insert, carried over by the changed words
 * alone (issue 19), equals the one of the whole-header sums before and
 * after (RFC 1624 eqn. 3 with m and m' the header sums, the previous
 * implementation): on random headers with options that end at odd and
 * even offsets (NOPs), padding reused, grown or partly overwritten,
 * valid and corrupt checksums, 0x0000 and 0xFFFF included. */
static void
test_insert_csum_incremental(void **state)
{
	/* Option lengths of do_insert()'s ops, recover, recover_addr. */
	static const uint32_t op_len[7] = { 8, 4, 8, 4, 8, 8, 12 };
	unsigned int odd = 0, reuse = 0, grow = 0, partial = 0, it;
	struct rng r;

	(void)state;
	rng_seed(&r, 19);
	for (it = 0; it < 20000; it++) {
		uint8_t p[100], before[60];
		uint32_t len, hl, nhl;
		uint32_t op = rng_below(&r, 7), at;
		uint16_t c_old, exp;
		struct tbuf t;
		enum wire_result res;

		len = random_hdr(&r, p, &hl);
		memcpy(before, p, hl);
		c_old = load_be16(p + 10);
		tbuf_load(&t, 64, NULL, 0, p, len, 64);
		switch (op) {
		case 5:
			res = ipv4opt_insert_recover(&t.pb, 0, 0, 1, 2, NONCE);
			break;
		case 6:
			res = ipv4opt_insert_recover_addr(&t.pb, 0, 0, 1, 2,
							  NONCE, CLIENT_ADDR);
			break;
		default:
			res = do_insert(&t.pb, 0, 0, (enum ins_op)op);
			break;
		}
		if (res != WIRE_OK) {
			assert_pkt(&t, p, len);
			continue;
		}
		{
			struct ipv4opt_info info;
			const uint8_t *ip = pkt_buf_data(&t.pb);

			assert_int_equal(ipv4opt_parse(p, len, 0, &info),
					 WIRE_OK);
			at = info.opt_end;
			nhl = (uint32_t)(ip[0] & 0x0F) * 4;
			exp = csum_update16(c_old,
					    (uint16_t)~csum_ipv4_hdr(before, hl),
					    (uint16_t)~csum_ipv4_hdr(ip, nhl));
			assert_int_equal(load_be16(ip + 10), exp);
			if (c_old == csum_ipv4_hdr(before, hl))
				assert_int_equal(ipv4_hdr_csum_verify(ip, nhl),
						 WIRE_OK);
		}
		odd += at & 1;
		reuse += nhl == hl;
		grow += nhl - hl == op_len[op];
		partial += nhl > hl && nhl - hl != op_len[op];
	}
	/* Every kind of insert was seen. */
	assert_true(odd > 100);
	assert_true(reuse > 100);
	assert_true(grow > 100);
	assert_true(partial > 10);
}

/* Removing options carries the header checksum over as the whole-header
 * formula of the previous implementation did (RFC 1624 eqn. 3 with m and
 * m' the sums of the header before and after): one to three of dsrlb's
 * options inserted into random headers (odd and even offsets, padding
 * reused or grown, valid, corrupt and -0 checksums), then all removed by
 * ipv4opt_strip_all(), side by side (one gap) or apart. */
static void
test_remove_csum_incremental(void **state)
{
	unsigned int odd = 0, multi = 0, it;
	struct rng r;

	(void)state;
	rng_seed(&r, 1624);
	for (it = 0; it < 20000; it++) {
		uint8_t p[100], before[60];
		uint32_t len, hl, nhl, n = 1 + rng_below(&r, 3);
		unsigned int removed = 0;
		struct ipv4opt_info info;
		struct tbuf t;
		uint16_t c_old, exp;
		const uint8_t *ip;

		len = random_hdr(&r, p, &hl);
		tbuf_load(&t, 64, NULL, 0, p, len, 64);
		for (uint32_t k = 0; k < n; k++)
			if (rng_below(&r, 4) == 0)
				(void)ipv4opt_insert_recover(&t.pb, 0, 0, 1, 2,
							     NONCE);
			else
				(void)do_insert(&t.pb, 0, 0, (enum ins_op)
						rng_below(&r, INS_MAX));
		ip = pkt_buf_data(&t.pb);
		hl = (uint32_t)(ip[0] & 0x0F) * 4;
		if (ipv4opt_parse(ip, t.pb.len, 0, &info) != WIRE_OK)
			continue;
		odd += (info.client_off | info.req_off | info.ans_off |
			info.rec_off) & 1;
		memcpy(before, ip, hl);
		c_old = load_be16(ip + 10);
		assert_int_equal(ipv4opt_strip_all(&t.pb, 0, &removed),
				 WIRE_OK);
		if (removed == 0)
			continue;
		multi += removed > 1;
		ip = pkt_buf_data(&t.pb);
		nhl = (uint32_t)(ip[0] & 0x0F) * 4;
		exp = csum_update16(c_old, (uint16_t)~csum_ipv4_hdr(before, hl),
				    (uint16_t)~csum_ipv4_hdr(ip, nhl));
		assert_int_equal(load_be16(ip + 10), exp);
		if (c_old == csum_ipv4_hdr(before, hl))
			assert_int_equal(ipv4_hdr_csum_verify(ip, nhl),
					 WIRE_OK);
	}
	/* Every kind of removal was seen. */
	assert_true(odd > 100);
	assert_true(multi > 1000);
}

/* An insert into a header without options (no walk, issue 19) accepts
 * what ipv4opt_parse() accepts and fails with its error otherwise: random
 * first bytes, total lengths and frame lengths around the header's. */
static void
test_insert_bare_header_checks(void **state)
{
	unsigned int ok = 0, bad = 0, it;
	struct rng r;

	(void)state;
	rng_seed(&r, 1919);
	for (it = 0; it < 20000; it++) {
		uint8_t p[100];
		struct ipv4opt_info info, after;
		enum wire_result want, got;
		uint32_t len = build_ip(p, NULL, 0), flen;
		struct tbuf t;

		if (rng_below(&r, 2))
			p[0] = (uint8_t)(rng_below(&r, 3) == 0 ? rng_next(&r) :
					 0x40 | rng_below(&r, 16));
		if (rng_below(&r, 2))
			store_be16(p + 2, (uint16_t)rng_below(&r, 40));
		flen = rng_below(&r, 3) ? len : rng_below(&r, len + 1);
		store_be16(p + 10, csum_ipv4_hdr(p, IPV4_HDR_MIN_LEN));
		want = ipv4opt_parse(p, flen, 0, &info);
		tbuf_load(&t, 32, NULL, 0, p, flen, 32);
		got = ipv4opt_insert_client(&t.pb, 0, 0, CLIENT_ADDR,
					    CLIENT_PORT);
		assert_int_equal(got, want);
		if (got != WIRE_OK) {
			assert_pkt(&t, p, flen);
			bad++;
			continue;
		}
		ok++;
		assert_int_equal(ipv4opt_parse(pkt_buf_data(&t.pb), t.pb.len,
					       0, &after), WIRE_OK);
		assert_int_equal(after.client_off,
				 info.opt_end);
		if (p[0] == 0x45)
			assert_int_equal(ipv4_hdr_csum_verify(
					pkt_buf_data(&t.pb), after.hdr_len),
					 WIRE_OK);
	}
	assert_true(ok > 1000);
	assert_true(bad > 1000);
}

/* The client tuple into a header without options (the fast path of
 * ipv4opt_insert_client(), issue 19 round 6) gives the bytes, checksum
 * and verdicts of the generic insert: the option at 20, IHL 7, total
 * length + 8, the checksum of the whole-header formula (as
 * test_insert_csum_incremental(); valid, corrupt, 0x0000 and 0xFFFF),
 * behind Ethernet or not, with and without head- and tailroom, any MTU
 * near the new length; on error the packet is unchanged. */
static void
test_insert_client_bare_same(void **state)
{
	unsigned int ok = 0, mtu_err = 0, room_err = 0, it;
	struct rng r;

	(void)state;
	rng_seed(&r, 1906);
	for (it = 0; it < 20000; it++) {
		uint8_t p[ETH_HDR_LEN + 60], exp[ETH_HDR_LEN + 68];
		const uint32_t l2 = rng_below(&r, 2) ? ETH_HDR_LEN : 0;
		const uint32_t pay = rng_below(&r, 40);
		const uint32_t len = l2 + IPV4_HDR_MIN_LEN + pay;
		const uint32_t head = rng_below(&r, 3) ? 8 + rng_below(&r, 9) :
					rng_below(&r, 8);
		const uint32_t tail = rng_below(&r, 3) ? rng_below(&r, 17) : 0;
		const uint32_t addr = (uint32_t)rng_next(&r);
		const uint16_t port = (uint16_t)rng_next(&r);
		uint32_t tot, mtu, i;
		uint16_t c_old, c_new;
		uint8_t *ip = p + l2;
		struct tbuf t;
		enum wire_result got;

		for (i = 0; i < len; i++)
			p[i] = (uint8_t)rng_next(&r);
		ip[0] = 0x45;
		tot = IPV4_HDR_MIN_LEN + (rng_below(&r, 4) ? pay :
					  rng_below(&r, pay + 1));
		store_be16(ip + 2, (uint16_t)tot);
		switch (rng_below(&r, 4)) {
		case 0:
			store_be16(ip + 10, 0);
			break;
		case 1:
			store_be16(ip + 10, 0xFFFF);
			break;
		case 2: /* corrupt (as found) */
			break;
		default:
			store_be16(ip + 10, 0);
			store_be16(ip + 10, csum_ipv4_hdr(ip, IPV4_HDR_MIN_LEN));
			break;
		}
		switch (rng_below(&r, 4)) {
		case 0:
			mtu = 0;
			break;
		case 1:
			mtu = tot + 8;
			break;
		case 2:
			mtu = tot + 7;
			break;
		default:
			mtu = rng_below(&r, 100);
			break;
		}
		c_old = load_be16(ip + 10);
		tbuf_load(&t, head, NULL, 0, p, len, tail);
		got = ipv4opt_insert_client(&t.pb, l2, mtu, addr, port);
		if (mtu != 0 && tot + 8 > mtu) {
			assert_int_equal(got, WIRE_ERR_MTU);
			assert_pkt(&t, p, len);
			mtu_err++;
			continue;
		}
		if (head < 8 && tail < 8) {
			assert_int_equal(got, WIRE_ERR_NO_ROOM);
			assert_pkt(&t, p, len);
			room_err++;
			continue;
		}
		assert_int_equal(got, WIRE_OK);
		memcpy(exp, p, l2 + IPV4_HDR_MIN_LEN);
		exp[l2] = 0x47;
		store_be16(exp + l2 + 2, (uint16_t)(tot + 8));
		exp[l2 + 20] = IPV4OPT_CLIENT_TUPLE;
		exp[l2 + 21] = IPV4OPT_CLIENT_TUPLE_LEN;
		store_be32(exp + l2 + 22, addr);
		store_be16(exp + l2 + 26, port);
		memcpy(exp + l2 + 28, ip + IPV4_HDR_MIN_LEN, pay);
		c_new = csum_update16(c_old,
				      (uint16_t)~csum_ipv4_hdr(ip,
							       IPV4_HDR_MIN_LEN),
				      (uint16_t)~csum_ipv4_hdr(exp + l2, 28));
		store_be16(exp + l2 + 10, c_new);
		assert_pkt(&t, exp, len + 8);
		ok++;
	}
	assert_true(ok > 5000);
	assert_true(mtu_err > 1000);
	assert_true(room_err > 500);
}

static void
test_strip_all(void **state)
{
	static const uint8_t opts[24] = {
		0x9b, 0x08, 0xcb, 0x00, 0x71, 0x07, 0x9c, 0x40,
		0x7c, 0x08, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef,
		0x7d, 0x08, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef,
	};
	uint8_t e[100];
	uint32_t elen;
	unsigned int n = 9;
	struct tbuf t;

	(void)state;
	elen = build_ip(e, opts, sizeof(opts));
	tbuf_load(&t, 64, NULL, 0, pkt_base, sizeof(pkt_base), 64);
	assert_int_equal(do_insert(&t.pb, 0, 0, INS_CLIENT), WIRE_OK);
	assert_int_equal(do_insert(&t.pb, 0, 0, INS_REQ_NONCE), WIRE_OK);
	assert_int_equal(do_insert(&t.pb, 0, 0, INS_ANS_NONCE), WIRE_OK);
	assert_pkt(&t, e, elen);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb), 44),
			 WIRE_OK);
	assert_int_equal(ipv4opt_strip_all(&t.pb, 0, &n), WIRE_OK);
	assert_int_equal(n, 3);
	assert_pkt(&t, pkt_base, sizeof(pkt_base));
	assert_int_equal(ipv4opt_strip_all(&t.pb, 0, &n), WIRE_OK);
	assert_int_equal(n, 0);
	assert_pkt(&t, pkt_base, sizeof(pkt_base));
	assert_int_equal(ipv4opt_strip_all(&t.pb, 0, NULL), WIRE_OK);

	/* Strip in the middle: options behind it move up by its length. */
	tbuf_load(&t, 64, NULL, 0, e, elen, 64);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	elen = build_ip(e, (const uint8_t[]){
		0x9b, 0x08, 0xcb, 0x00, 0x71, 0x07, 0x9c, 0x40,
		0x7d, 0x08, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef }, 16);
	assert_pkt(&t, e, elen);
}

static void
test_strip_keeps_other_options(void **state)
{
	/* NOP, 125, RR, EOL: stripping 125 leaves NOP, RR, EOL. */
	static const uint8_t opts[16] = {
		0x01, 0x7d, 0x04, 0x00, 0x2a, 0x07, 0x07, 0x04,
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	};
	static const uint8_t exp_opts[12] = {
		0x01, 0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00,
		0x00, 0x00, 0x00, 0x00,
	};
	uint8_t p[100], e[100];
	uint32_t len, elen;
	struct tbuf t;

	(void)state;
	len = build_ip(p, opts, sizeof(opts));
	elen = build_ip(e, exp_opts, sizeof(exp_opts));
	tbuf_load(&t, 0, eth_hdr, ETH_HDR_LEN, p, len, 0);
	assert_int_equal(ipv4opt_strip(&t.pb, ETH_HDR_LEN, IPV4OPT_METRIC_ANS),
			 WIRE_OK);
	assert_memory_equal(pkt_buf_data(&t.pb), eth_hdr, ETH_HDR_LEN);
	assert_int_equal(t.pb.len, ETH_HDR_LEN + elen);
	assert_memory_equal(pkt_buf_data(&t.pb) + ETH_HDR_LEN, e, elen);
}

static void
test_strip_errors(void **state)
{
	uint8_t snap[CAP];
	struct tbuf t;

	(void)state;
	tbuf_load(&t, 32, NULL, 0, pkt_req, sizeof(pkt_req), 32);
	memcpy(snap, t.buf, CAP);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_CLIENT_TUPLE),
			 WIRE_ERR_NOT_FOUND);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_ANS),
			 WIRE_ERR_NOT_FOUND);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, 7), WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_NOP), WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_strip(NULL, 0, IPV4OPT_METRIC_REQ),
			 WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_strip_all(NULL, 0, NULL), WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_insert_request(NULL, 0, 0, false, 0),
			 WIRE_ERR_INVAL);
	assert_int_equal(ipv4opt_strip(&t.pb, 20, IPV4OPT_METRIC_REQ),
			 WIRE_ERR_TRUNCATED);
	assert_memory_equal(snap, t.buf, CAP);
	assert_int_equal(t.pb.len, sizeof(pkt_req));
}

static void
test_bad_checksum_stays_bad(void **state)
{
	uint8_t p[sizeof(pkt_base)];
	struct tbuf t;

	(void)state;
	memcpy(p, pkt_base, sizeof(p));
	p[11] = 0x49;   /* correct is 0x3248 */
	tbuf_load(&t, 32, NULL, 0, p, sizeof(p), 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 0, false, 0),
			 WIRE_OK);
	/* Incremental update carries the error: correct 0xb53f, plus 1. */
	assert_int_equal(load_be16(pkt_buf_data(&t.pb) + 10), 0xb540);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb), 24),
			 WIRE_ERR_CHECKSUM);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	assert_pkt(&t, p, sizeof(p));
}

static void
test_checksum_negative_zero(void **state)
{
	uint8_t p[sizeof(pkt_base)];
	struct tbuf t;

	(void)state;
	/* id 0x4e8e makes the header sum 0xFFFF: the checksum is 0x0000,
	 * and 0xFFFF (one's-complement -0) verifies too. */
	memcpy(p, pkt_base, sizeof(p));
	store_be16(p + 4, 0x4e8e);
	assert_int_equal(csum_ipv4_hdr(p, 20), 0x0000);
	store_be16(p + 10, 0xFFFF);
	assert_int_equal(ipv4_hdr_csum_verify(p, 20), WIRE_OK);
	tbuf_load(&t, 32, NULL, 0, p, sizeof(p), 32);
	assert_int_equal(ipv4opt_insert_request(&t.pb, 0, 0, false, 0),
			 WIRE_OK);
	assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb), 24),
			 WIRE_OK);
	assert_int_equal(ipv4opt_strip(&t.pb, 0, IPV4OPT_METRIC_REQ), WIRE_OK);
	/* The only byte-level exception to the round trip: -0 becomes +0. */
	store_be16(p + 10, 0x0000);
	assert_pkt(&t, p, sizeof(p));
}

/* ---- malformed input: same error from every entry point ------------- */

struct bad_case {
	const char *what;
	uint8_t opts[24];
	uint8_t olen;
	uint8_t ver_ihl;        /* 0: from olen */
	int16_t tot_delta;      /* added to the right total length */
	uint8_t cut;            /* bytes cut off the end of the packet */
	enum wire_result exp;
};

static const struct bad_case bad_cases[] = {
	{ "truncated header", { 0 }, 0, 0, 0, 13, WIRE_ERR_TRUNCATED },
	{ "version 6", { 0 }, 0, 0x65, 0, 0, WIRE_ERR_IPV4_VERSION },
	{ "IHL 4", { 0 }, 0, 0x44, 0, 0, WIRE_ERR_IPV4_IHL },
	{ "IHL 0", { 0 }, 0, 0x40, 0, 0, WIRE_ERR_IPV4_IHL },
	{ "IHL past buffer", { 0 }, 0, 0x4f, 0, 0, WIRE_ERR_IPV4_IHL },
	{ "total length > buffer", { 0 }, 0, 0, 1, 0,
	  WIRE_ERR_IPV4_TOTAL_LEN },
	{ "total length < IHL", { 0 }, 0, 0, -13, 0,
	  WIRE_ERR_IPV4_TOTAL_LEN },
	{ "option length 0", { 0x07, 0x00, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_LEN },
	{ "option length 1", { 0x01, 0x44, 0x01, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_LEN },
	{ "option past IHL", { 0x07, 0x05, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_OVERRUN },
	{ "155 past IHL", { 0x9b, 0x08, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_OVERRUN },
	{ "length byte past IHL", { 0x01, 0x01, 0x01, 0x07 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_OVERRUN },
	{ "155 length 4", { 0x9b, 0x04, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "155 length 7", { 0x9b, 0x07, 1, 2, 3, 4, 5, 0 }, 8, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "124 length 2", { 0x7c, 0x02, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "124 length 6", { 0x7c, 0x06, 0, 0, 0, 0, 0, 0 }, 8, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "125 length 3", { 0x7d, 0x03, 0x00, 0x00 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "125 length 12", { 0x7d, 0x0c }, 12, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "158 length 4", { 0x9e, 0x04, 0, 0 }, 4, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_FORMAT },
	{ "158 twice", { 0x9e, 0x08, 0, 2, 0, 0, 0, 1, 0x9e, 0x08, 1, 2, 0,
			 0, 0, 1 }, 16, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_DUP },
	{ "124 twice", { 0x7c, 0x04, 0, 0, 0x7c, 0x04, 0, 0 }, 8, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_DUP },
	{ "125 short and long", { 0x7d, 0x04, 0, 1, 0x7d, 0x08, 0, 2, 0, 0,
				  0, 0 }, 12, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_DUP },
	{ "155 twice", { 0x9b, 0x08, 1, 2, 3, 4, 5, 6, 0x01, 0x9b, 0x08, 1,
			 2, 3, 4, 5, 6, 0x00, 0x00, 0x00 }, 20, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_DUP },
	{ "valid 155 then option length 1", { 0x9b, 0x08, 1, 2, 3, 4, 5, 6,
					      0x44, 0x01, 0, 0 }, 12, 0, 0, 0,
	  WIRE_ERR_IPV4_OPT_LEN },
};

/* A recover marker (index 1 of 2, cookie 0xdeadbeef) just inserted into
 * @p t: the bytes @p exp, the parse (left in @p info), a second marker
 * refused, strip_all with a client tuple beside it and strip of the
 * marker alone both giving back @p pkt. */
static void
check_marker(struct tbuf *t, const uint8_t *pkt, uint32_t len,
	     const uint8_t *exp, uint32_t elen, struct ipv4opt_info *info)
{
	unsigned int removed = 0;

	assert_pkt(t, exp, elen);
	assert_udp_ok(pkt_buf_data(&t->pb));
	assert_int_equal(ipv4opt_parse(pkt_buf_data(&t->pb), t->pb.len, 0,
				       info), WIRE_OK);
	assert_int_equal(info->rec_off, 20);
	assert_int_equal(info->rec_index, 1);
	assert_int_equal(info->rec_count, 2);
	assert_int_equal(info->rec_cookie, 0xdeadbeef);
	assert_int_equal(ipv4opt_insert_recover(&t->pb, 0, 0, 0, 2, 1),
			 WIRE_ERR_IPV4_OPT_DUP);
	assert_int_equal(ipv4opt_insert_client(&t->pb, 0, 0, 0x0a000002, 80),
			 WIRE_OK);
	assert_int_equal(ipv4opt_strip_all(&t->pb, 0, &removed), WIRE_OK);
	assert_int_equal(removed, 2);
	assert_pkt(t, pkt, len);
	tbuf_load(t, 16, NULL, 0, exp, elen, 16);
	assert_int_equal(ipv4opt_strip(&t->pb, 0, IPV4OPT_RECOVER), WIRE_OK);
	assert_pkt(t, pkt, len);
}

/* Issue 17's recover marker (158): exact bytes, parse, strip back. */
static void
test_recover_marker(void **state)
{
	static const uint8_t opt[8] = { 0x9e, 0x08, 0x01, 0x02,
					0xde, 0xad, 0xbe, 0xef };
	uint8_t pkt[64], exp[64];
	struct ipv4opt_info info;
	struct tbuf t;
	uint32_t len, elen;

	(void)state;
	len = build_ip(pkt, opt, 0);
	elen = build_ip(exp, opt, sizeof(opt));
	tbuf_load(&t, 16, NULL, 0, pkt, len, 16);
	assert_int_equal(ipv4opt_insert_recover(&t.pb, 0, 0, 1, 2, 0xdeadbeef),
			 WIRE_OK);
	check_marker(&t, pkt, len, exp, elen, &info);
}

/* Issue 17: the 12-byte marker with a return address (docs/wire-format.md,
 * "Recovery through a router"): the bytes, the parse, strip by its own
 * length; 10 bytes is malformed. */
static void
test_recover_marker_addr(void **state)
{
	static const uint8_t opt[12] = { 0x9e, 0x0c, 0x01, 0x02,
					 0xde, 0xad, 0xbe, 0xef,
					 0x0a, 0x00, 0x00, 0x01 };
	static const uint8_t bad[12] = { 0x9e, 0x0a, 0x01, 0x02,
					 0xde, 0xad, 0xbe, 0xef,
					 0x0a, 0x00, 0x01, 0x00 };
	uint8_t pkt[64], exp[64];
	struct ipv4opt_info info;
	struct tbuf t;
	uint32_t len, elen;

	(void)state;
	len = build_ip(pkt, opt, 0);
	elen = build_ip(exp, opt, sizeof(opt));
	tbuf_load(&t, 16, NULL, 0, pkt, len, 16);
	assert_int_equal(ipv4opt_insert_recover_addr(&t.pb, 0, 0, 1, 2,
						     0xdeadbeef, 0x0a000001),
			 WIRE_OK);
	check_marker(&t, pkt, len, exp, elen, &info);
	assert_int_equal(info.rec_len, 12);
	assert_int_equal(info.rec_addr, 0x0a000001);
	elen = build_ip(exp, bad, sizeof(bad));
	assert_int_equal(ipv4opt_parse(exp, elen, 0, &info),
			 WIRE_ERR_IPV4_OPT_FORMAT);
}

static enum wire_result
run_op(struct pkt_buf *pb, uint32_t l3_off, unsigned int op)
{
	static const uint8_t kinds[3] = { IPV4OPT_CLIENT_TUPLE,
					  IPV4OPT_METRIC_REQ,
					  IPV4OPT_METRIC_ANS };

	if (op < INS_MAX)
		return do_insert(pb, l3_off, 0, (enum ins_op)op);
	if (op < INS_MAX + 3)
		return ipv4opt_strip(pb, l3_off, kinds[op - INS_MAX]);
	return ipv4opt_strip_all(pb, l3_off, NULL);
}

#define N_OPS (INS_MAX + 4)

static void
expect_case(enum wire_result got, const struct bad_case *c, unsigned int op)
{
	if (got != c->exp)
		fail_msg("%s, op %u: %s, expected %s", c->what, op,
			 wire_result_name(got), wire_result_name(c->exp));
}

static void
test_malformed_every_entry_point(void **state)
{
	struct ipv4opt_info in;
	uint8_t p[100], snap[CAP];
	struct tbuf t;
	unsigned int i, op, l2;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *c = &bad_cases[i];
		uint32_t len = build_ip(p, c->opts, c->olen);

		if (c->ver_ihl != 0)
			p[0] = c->ver_ihl;
		store_be16(p + 2, (uint16_t)(load_be16(p + 2) + c->tot_delta));
		store_be16(p + 10, csum_ipv4_hdr(p, 20 + c->olen));
		len -= c->cut;
		for (l2 = 0; l2 <= ETH_HDR_LEN; l2 += ETH_HDR_LEN) {
			tbuf_load(&t, 0, eth_hdr, l2, p, len, 0);
			expect_case(ipv4opt_parse(pkt_buf_data(&t.pb),
						  t.pb.len, l2, &in), c, N_OPS);
			for (op = 0; op < N_OPS; op++) {
				tbuf_load(&t, 32, eth_hdr, l2, p, len, 32);
				memcpy(snap, t.buf, CAP);
				expect_case(run_op(&t.pb, l2, op), c, op);
				assert_memory_equal(snap, t.buf, CAP);
				assert_int_equal(t.pb.off, 32);
				assert_int_equal(t.pb.len, l2 + len);
			}
		}
	}
}

/* ---- randomised properties ------------------------------------------ */

/* A random well-formed options area made of NOPs, non-custom TLVs and
 * (sometimes) custom options, then random padding; returns its length. */
static uint32_t
random_area(struct rng *r, uint8_t *a)
{
	uint32_t n = 0, limit = (uint32_t)rng_below(r, 11) * 4;
	bool have[3] = { false, false, false };

	while (n < limit) {
		uint32_t room = limit - n, k = (uint32_t)rng_below(r, 7);

		if (k == 0) {
			a[n++] = IPV4OPT_NOP;
		} else if (k == 1 && room >= 8 && !have[0]) {
			a[n] = IPV4OPT_CLIENT_TUPLE;
			a[n + 1] = 8;
			store_be32(a + n + 2, (uint32_t)rng_next(r));
			store_be16(a + n + 6, (uint16_t)rng_next(r));
			have[0] = true;
			n += 8;
		} else if (k == 2 && room >= 4 && !have[1]) {
			uint32_t l = (room >= 8 && rng_below(r, 2)) ? 8 : 4;

			a[n] = IPV4OPT_METRIC_REQ;
			a[n + 1] = (uint8_t)l;
			memset(a + n + 2, 0, 2);
			if (l == 8)
				store_be32(a + n + 4, (uint32_t)rng_next(r));
			have[1] = true;
			n += l;
		} else if (k == 6 && room >= 4 && !have[2]) {
			uint32_t l = (room >= 8 && rng_below(r, 2)) ? 8 : 4;

			a[n] = IPV4OPT_METRIC_ANS;
			a[n + 1] = (uint8_t)l;
			store_be16(a + n + 2, (uint16_t)rng_next(r));
			if (l == 8)
				store_be32(a + n + 4, (uint32_t)rng_next(r));
			have[2] = true;
			n += l;
		} else if (k == 3) {
			break;  /* leave the rest as padding */
		} else if (room >= 2) {
			uint32_t l = 2 + (uint32_t)rng_below(r, room - 1);
			uint32_t j;

			a[n] = (uint8_t)(0x80 | 0x07);  /* not custom */
			a[n + 1] = (uint8_t)l;
			for (j = 2; j < l; j++)
				a[n + j] = (uint8_t)rng_next(r);
			n += l;
		} else {
			a[n++] = IPV4OPT_NOP;
		}
	}
	/* Padding: NOPs, maybe an EOL and garbage after it. */
	while (n < limit) {
		if (rng_below(r, 3) == 0) {
			a[n++] = IPV4OPT_EOL;
			while (n < limit)
				a[n++] = (uint8_t)rng_next(r);
		} else {
			a[n++] = IPV4OPT_NOP;
		}
	}
	return limit;
}

static void
test_random_insert_strip(void **state)
{
	struct ipv4opt_info before, after;
	uint8_t area[40], p[100], orig[100];
	struct rng r;
	struct tbuf t;
	unsigned int i, ok = 0, exact = 0;

	(void)state;
	rng_seed(&r, 2025);
	for (i = 0; i < 20000; i++) {
		uint32_t alen = random_area(&r, area);
		uint32_t len = build_ip(p, area, alen);
		enum ins_op op = (enum ins_op)rng_below(&r, INS_MAX);
		uint32_t l2 = rng_below(&r, 2) ? ETH_HDR_LEN : 0;
		enum wire_result res;
		uint32_t grow;

		memcpy(orig, p, len);
		assert_int_equal(ipv4opt_parse(p, len, 0, &before), WIRE_OK);
		tbuf_load(&t, (uint32_t)rng_below(&r, 2) * 40, eth_hdr, l2, p,
			  len, 40);
		res = do_insert(&t.pb, l2, 0, op);
		if (res != WIRE_OK) {
			assert_true(res == WIRE_ERR_IPV4_OPT_DUP ||
				    res == WIRE_ERR_IPV4_OPT_FULL);
			continue;
		}
		ok++;
		assert_int_equal(ipv4opt_parse(pkt_buf_data(&t.pb), t.pb.len,
					       l2, &after), WIRE_OK);
		assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb) + l2,
						      after.hdr_len), WIRE_OK);
		assert_udp_ok(pkt_buf_data(&t.pb) + l2);
		grow = after.hdr_len - before.hdr_len;
		assert_int_equal(grow % 4, 0);
		/* Options before the insert point are untouched. */
		assert_memory_equal(pkt_buf_data(&t.pb) + l2 + 20, orig + 20,
				    before.opt_end - 20);
		/* The other custom options kept their values. */
		if (op_kind(op) != IPV4OPT_CLIENT_TUPLE) {
			assert_int_equal(!after.client_off, !before.client_off);
			assert_int_equal(after.client_addr, before.client_addr);
			assert_int_equal(after.client_port, before.client_port);
		}
		if (op_kind(op) != IPV4OPT_METRIC_REQ) {
			assert_int_equal(after.req_len, before.req_len);
			assert_int_equal(after.req_nonce, before.req_nonce);
		}
		if (op_kind(op) != IPV4OPT_METRIC_ANS) {
			assert_int_equal(after.ans_len, before.ans_len);
			assert_int_equal(after.score, before.score);
		}
		assert_int_equal(ipv4opt_strip(&t.pb, l2, op_kind(op)),
				 WIRE_OK);
		if (grow == 4 || grow == 8) {
			uint32_t n = (op == INS_CLIENT || op == INS_REQ_NONCE ||
				      op == INS_ANS_NONCE) ? 8 : 4;

			if (grow == n) {
				exact++;
				assert_int_equal(t.pb.len, l2 + len);
				assert_memory_equal(pkt_buf_data(&t.pb) + l2,
						    orig, len);
			}
		}
		assert_int_equal(ipv4opt_parse(pkt_buf_data(&t.pb), t.pb.len,
					       l2, &after), WIRE_OK);
		assert_int_equal(ipv4_hdr_csum_verify(pkt_buf_data(&t.pb) + l2,
						      after.hdr_len), WIRE_OK);
	}
	/* The generator must reach both paths often. */
	assert_true(ok > 5000);
	assert_true(exact > 2000);
}

/* ipv4_hdr_csum_verify() against RFC 1071's byte-wise sum, for every
 * header length and random bytes: right checksums pass, any other field
 * value fails (issue 19: the options case sums 8 bytes per load). */
static void
test_hdr_csum_verify_random(void **state)
{
	struct rng r;
	uint8_t h[IPV4_HDR_MAX_LEN];

	(void)state;
	rng_seed(&r, 1071);
	for (unsigned int i = 0; i < 20000; i++) {
		uint32_t hl = 4u * (5u + rng_below(&r, 11));
		uint16_t good;

		for (uint32_t k = 0; k < hl; k++)
			h[k] = (uint8_t)rng_next(&r);
		good = csum_ipv4_hdr(h, hl);
		store_be16(h + 10, good);
		assert_int_equal(ipv4_hdr_csum_verify(h, hl), WIRE_OK);
		assert_int_equal(ipv4_hdr_csum_verify(h, hl) == WIRE_OK,
				 csum_fold(csum_partial(h, hl, 0)) == 0);
		store_be16(h + 10, (uint16_t)(good + 1 + rng_below(&r, 0xFFFE)));
		assert_int_equal(ipv4_hdr_csum_verify(h, hl) == WIRE_OK,
				 csum_fold(csum_partial(h, hl, 0)) == 0);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hdr_check_ok),
		cmocka_unit_test(test_hdr_csum_verify_random),
		cmocka_unit_test(test_recover_marker),
		cmocka_unit_test(test_recover_marker_addr),
		cmocka_unit_test(test_hdr_check_errors),
		cmocka_unit_test(test_csum_verify),
		cmocka_unit_test(test_parse_vectors),
		cmocka_unit_test(test_parse_quirks),
		cmocka_unit_test(test_iterator),
		cmocka_unit_test(test_insert_vectors),
		cmocka_unit_test(test_insert_behind_ethernet),
		cmocka_unit_test(test_insert_tailroom_only),
		cmocka_unit_test(test_insert_after_record_route),
		cmocka_unit_test(test_insert_reuses_padding),
		cmocka_unit_test(test_insert_after_eol_garbage),
		cmocka_unit_test(test_insert_near_full_area),
		cmocka_unit_test(test_insert_mtu),
		cmocka_unit_test(test_insert_no_room),
		cmocka_unit_test(test_insert_duplicate),
		cmocka_unit_test(test_insert_csum_incremental),
		cmocka_unit_test(test_remove_csum_incremental),
		cmocka_unit_test(test_insert_bare_header_checks),
		cmocka_unit_test(test_insert_client_bare_same),
		cmocka_unit_test(test_strip_all),
		cmocka_unit_test(test_strip_keeps_other_options),
		cmocka_unit_test(test_strip_errors),
		cmocka_unit_test(test_bad_checksum_stays_bad),
		cmocka_unit_test(test_checksum_negative_zero),
		cmocka_unit_test(test_csum_verify_fast_path),
		cmocka_unit_test(test_malformed_every_entry_point),
		cmocka_unit_test(test_random_insert_strip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
