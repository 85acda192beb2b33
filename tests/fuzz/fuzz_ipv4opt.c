/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for lib/wire/ipv4opt.c.
 *
 * Input: 4 control bytes then the packet.
 *   c[0] bit 0: an Ethernet header precedes the IPv4 header (l3_off 14)
 *   c[0] bits 1-3: headroom (0..7) * 4, bits 4-6: tailroom (0..7) * 4
 *   c[1], c[2]: MTU (big-endian, 0 = none)
 *   c[3]: which mutations to run and their values
 * Every input is parsed as is; then every mutator runs on a private copy
 * inside a pkt_buf with that head and tail room, checking:
 *   error   => buffer and pkt_buf unchanged, and the error is the parse
 *              error when the packet does not parse;
 *   success => the result parses, carries what was inserted (or no longer
 *              carries what was stripped), keeps the other custom options,
 *              the L2 bytes, the bytes after the header and the checksum
 *              validity, and insert-then-strip is exact when the header
 *              grew by the option's length.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/ipv4opt.h"

#define CTRL     4
#define MAX_PKT  256
#define ROOM_MAX 28
#define CAP      (ROOM_MAX + MAX_PKT + ROOM_MAX)

#define CHECK(c) do { if (!(c)) abort(); } while (0)

struct fz {
	uint8_t buf[CAP];
	uint8_t snap[CAP];
	struct pkt_buf pb;
	struct pkt_buf pb_snap;
};

static void
fz_load(struct fz *f, const uint8_t *pkt, uint32_t len, uint32_t head,
	uint32_t tail)
{
	memset(f->buf, 0x5A, sizeof(f->buf));
	memcpy(f->buf + head, pkt, len);
	CHECK(pkt_buf_init(&f->pb, f->buf, head + len + tail, head, len) ==
	      WIRE_OK);
	memcpy(f->snap, f->buf, sizeof(f->buf));
	f->pb_snap = f->pb;
}

static void
fz_unchanged(const struct fz *f)
{
	CHECK(memcmp(f->snap, f->buf, sizeof(f->buf)) == 0);
	CHECK(f->pb.off == f->pb_snap.off && f->pb.len == f->pb_snap.len &&
	      f->pb.cap == f->pb_snap.cap && f->pb.base == f->pb_snap.base);
}

static uint8_t
kind_of(unsigned int op)
{
	static const uint8_t k[3] = { IPV4OPT_CLIENT_TUPLE, IPV4OPT_METRIC_REQ,
				      IPV4OPT_METRIC_ANS };

	return k[op % 3];
}

#define KEEP_CLIENT 1u
#define KEEP_REQ    2u
#define KEEP_ANS    4u
#define KEEP_REC    8u          /* 158, recover marker (issue 17) */
#define KEEP_ALL    15u

static unsigned int
keep_all_but(uint8_t kind)
{
	if (kind == IPV4OPT_CLIENT_TUPLE)
		return KEEP_ALL & ~KEEP_CLIENT;
	if (kind == IPV4OPT_METRIC_REQ)
		return KEEP_ALL & ~KEEP_REQ;
	return KEEP_ALL & ~KEEP_ANS;
}

/* Every successful rewrite leaves a header that parses, whose custom
 * options in @keep are those of @before, whose checksum is valid if it
 * was, and whose L2 bytes and bytes after the header are intact. */
static void
fz_check_result(const struct fz *f, uint32_t l3, const uint8_t *orig,
		uint32_t olen, const struct ipv4opt_info *before,
		unsigned int keep, bool csum_ok, struct ipv4opt_info *after)
{
	const uint8_t *d = pkt_buf_data(&f->pb);

	CHECK(ipv4opt_parse(d, f->pb.len, l3, after) == WIRE_OK);
	CHECK(after->hdr_len % 4 == 0);
	CHECK(f->pb.len - after->hdr_len == olen - before->hdr_len);
	CHECK(load_be16(d + l3 + 2) - after->hdr_len ==
	      load_be16(orig + l3 + 2) - before->hdr_len);
	CHECK(memcmp(d, orig, l3) == 0);
	CHECK(memcmp(d + l3 + after->hdr_len, orig + l3 + before->hdr_len,
		     olen - l3 - before->hdr_len) == 0);
	/* Header fields outside IHL, total length and checksum are kept. */
	CHECK((d[l3] >> 4) == 4);
	CHECK(memcmp(d + l3 + 4, orig + l3 + 4, 6) == 0);
	CHECK(memcmp(d + l3 + 12, orig + l3 + 12, 8) == 0);
	CHECK(!csum_ok || ipv4_hdr_csum_verify(d + l3, after->hdr_len) ==
	      WIRE_OK);
	if (keep & KEEP_CLIENT) {
		CHECK((after->client_off == 0) == (before->client_off == 0));
		CHECK(after->client_addr == before->client_addr);
		CHECK(after->client_port == before->client_port);
	}
	if (keep & KEEP_REQ) {
		CHECK(after->req_len == before->req_len);
		CHECK(after->req_nonce == before->req_nonce);
	}
	if (keep & KEEP_ANS) {
		CHECK(after->ans_len == before->ans_len);
		CHECK(after->score == before->score);
		CHECK(after->ans_nonce == before->ans_nonce);
	}
	if (keep & KEEP_REC) {
		CHECK((after->rec_off == 0) == (before->rec_off == 0));
		CHECK(after->rec_index == before->rec_index);
		CHECK(after->rec_count == before->rec_count);
		CHECK(after->rec_cookie == before->rec_cookie);
		CHECK(after->rec_len == before->rec_len);
		CHECK(after->rec_addr == before->rec_addr);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct ipv4opt_info before, after;
	struct ipv4opt_iter it;
	struct ipv4opt_opt o;
	enum wire_result pr, r;
	const uint8_t *pkt;
	uint32_t len, l3, head, tail, mtu;
	uint32_t addr = 0xC0000207, nonce = 0x01020304;
	uint16_t port = 4242, score;
	unsigned int op, steps;
	bool csum_ok;
	uint8_t sel;

	if (size < CTRL)
		return 0;
	l3 = (data[0] & 1) ? ETH_HDR_LEN : 0;
	head = ((data[0] >> 1) & 7) * 4;
	tail = ((data[0] >> 4) & 7) * 4;
	mtu = load_be16(data + 1);
	sel = data[3];
	score = (uint16_t)(sel * 257);
	pkt = data + CTRL;
	len = (uint32_t)(size - CTRL);
	if (len > MAX_PKT)
		len = MAX_PKT;

	/* Parse straight from the fuzzer's (read-only) bytes. */
	pr = ipv4opt_parse(pkt, len, l3, &before);
	r = ipv4_hdr_check(pkt, len, l3, NULL);
	CHECK(pr == WIRE_OK ? r == WIRE_OK : (r == WIRE_OK || r == pr));

	/* The iterator agrees with the parser on the area's structure. */
	if (r == WIRE_OK) {
		uint32_t hl = (uint32_t)(pkt[l3] & 0x0F) * 4;
		enum wire_result ir;

		ipv4opt_iter_init(&it, pkt + l3, hl);
		steps = 0;
		while ((ir = ipv4opt_iter_next(&it, &o)) == WIRE_OK) {
			CHECK(o.off >= IPV4_HDR_MIN_LEN && o.len >= 1 &&
			      o.off + o.len <= hl);
			CHECK(++steps <= IPV4_OPT_MAX_LEN);
		}
		if (pr == WIRE_OK)
			CHECK(ir == WIRE_ERR_NOT_FOUND);
		else if (pr != WIRE_ERR_IPV4_OPT_FORMAT &&
			 pr != WIRE_ERR_IPV4_OPT_DUP)
			CHECK(ir == pr);
	}
	csum_ok = pr == WIRE_OK &&
		  ipv4_hdr_csum_verify(pkt + l3, before.hdr_len) == WIRE_OK;

	/* Each insert (5 forms), each strip (3 kinds) and strip_all. */
	for (op = 0; op < 9; op++) {
		unsigned int n = 0;
		bool auth = (sel >> (op % 8)) & 1;

		fz_load(&f, pkt, len, head, tail);
		switch (op) {
		case 0:
			r = ipv4opt_insert_client(&f.pb, l3, mtu, addr, port);
			n = 8;
			break;
		case 1:
			r = ipv4opt_insert_request(&f.pb, l3, mtu, auth, nonce);
			n = auth ? 8 : 4;
			break;
		case 2:
			r = ipv4opt_insert_answer(&f.pb, l3, mtu, score, auth,
						  nonce);
			n = auth ? 8 : 4;
			break;
		case 3:
		case 4:
		case 5:
			r = ipv4opt_strip(&f.pb, l3, kind_of(op));
			break;
		default:
			r = ipv4opt_strip_all(&f.pb, l3, &n);
			break;
		}
		if (r != WIRE_OK) {
			fz_unchanged(&f);
			if (pr != WIRE_OK)
				CHECK(r == pr);
			continue;
		}
		CHECK(pr == WIRE_OK);
		if (op < 3) {
			uint32_t a2 = 0;
			uint16_t p2 = 0, s2 = 0;
			bool h2 = false;
			uint32_t n2 = 0, grow;

			fz_check_result(&f, l3, pkt, len, &before,
					keep_all_but(kind_of(op)), csum_ok,
					&after);
			grow = after.hdr_len - before.hdr_len;
			CHECK(grow <= n && grow % 4 == 0);
			CHECK(mtu == 0 || load_be16(pkt_buf_data(&f.pb) + l3 +
						    2) <= mtu);
			if (op == 0) {
				CHECK(ipv4opt_get_client(&after, &a2, &p2) ==
				      WIRE_OK);
				CHECK(a2 == addr && p2 == port);
			} else if (op == 1) {
				CHECK(ipv4opt_get_request(&after, &h2, &n2) ==
				      WIRE_OK);
				CHECK(h2 == auth && n2 == (auth ? nonce : 0));
			} else {
				CHECK(ipv4opt_get_score(&after, &s2, &h2, &n2)
				      == WIRE_OK);
				CHECK(s2 == score && h2 == auth &&
				      n2 == (auth ? nonce : 0));
			}
			/* Strip what was inserted: exact when it grew by n. */
			CHECK(ipv4opt_strip(&f.pb, l3, kind_of(op)) == WIRE_OK);
			if (grow == n) {
				const uint8_t *d = pkt_buf_data(&f.pb);

				CHECK(f.pb.len == len);
				/* A checksum field of 0xFFFF (the other zero
				 * of one's complement) comes back as 0. */
				if (load_be16(pkt + l3 + 10) == 0xFFFF) {
					CHECK(load_be16(d + l3 + 10) == 0);
					CHECK(memcmp(d, pkt, l3 + 10) == 0);
					CHECK(memcmp(d + l3 + 12, pkt + l3 + 12,
						     len - l3 - 12) == 0);
				} else {
					CHECK(memcmp(d, pkt, len) == 0);
				}
			} else {
				CHECK(f.pb.len == len - n + grow);
				CHECK(ipv4opt_parse(pkt_buf_data(&f.pb),
						    f.pb.len, l3, &after) ==
				      WIRE_OK);
			}
		} else {
			fz_check_result(&f, l3, pkt, len, &before,
					op < 6 ? keep_all_but(kind_of(op)) : 0,
					csum_ok, &after);
			if (op < 6) {
				CHECK(!((op == 3 && after.client_off) ||
					(op == 4 && after.req_off) ||
					(op == 5 && after.ans_off)));
			} else {
				CHECK(n == (before.client_off != 0) +
					   (before.req_off != 0) +
					   (before.ans_off != 0) +
					   (before.rec_off != 0));
				CHECK(after.client_off == 0 &&
				      after.req_off == 0 && after.ans_off == 0 &&
				      after.rec_off == 0);
			}
		}
	}
	return 0;
}
