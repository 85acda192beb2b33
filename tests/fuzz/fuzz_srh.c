/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRH codec and SID functions on hostile input.
 *
 * data[0] picks the operation, data[1] its parameters; the rest is used
 * as a bare SRH to parse, as a SID, and as an IPv6 packet after a 14-byte
 * Ethernet header in a buffer with (or without) head- and tailroom, on
 * which one mutating function runs. Invariants: an error leaves the whole
 * buffer and the descriptor unchanged; insert then remove gives back the
 * original bytes; encap then decap gives back the inner packet; a
 * successful parse describes bytes inside the input; advance and
 * set_active move Segments Left down and copy the right segment.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"

#define L3 14
#define HEAD 160
#define CAP (HEAD + 4096 + 512)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t buf[CAP], ref[CAP];

static void
check(int ok)
{
	if (!ok)
		abort();
}

static void
fuzz_parse(const uint8_t *d, size_t size)
{
	struct srh_view v;
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return;
	memcpy(copy, d, size);
	if (srh_parse(copy, (uint32_t)size, 0, &v) == WIRE_OK) {
		check(v.len <= size && v.len >= SRH_SIZE(1) &&
		      v.len <= SRH_MAX_LEN);
		check(v.tlv_off + v.tlv_len == v.len);
		check(v.seg_off == SRH_FIXED_LEN);
		check(SRH_SIZE((uint32_t)v.last_entry + 1) == v.tlv_off);
		check(v.last_entry < SRH_MAX_SEGMENTS);
		check(v.segments_left <= (uint32_t)v.last_entry + 1);
		check(srh_segment(copy, &v, v.last_entry) ==
		      copy + v.tlv_off - 16);
		check(srh_func_arg(copy, &v) != NULL);
		check((srh_active(copy, &v) == NULL) ==
		      (v.segments_left == (uint32_t)v.last_entry + 1));
	}
	check(memcmp(copy, d, size) == 0);
	free(copy);
}

static void
fuzz_sid(const uint8_t *d, size_t size, uint8_t p)
{
	struct srv6_func_cfg cfg;
	uint8_t sid[16], loc[16], again[16];
	enum srv6_func f;
	uint64_t arg = 0;
	unsigned int i;

	if (size < 16)
		return;
	srv6_func_cfg_default(&cfg);
	if (size >= 16 + 3 + 2 * (SRV6_FUNC_MAX - 1)) {
		/* A fuzzed configuration: any widths, any codes. */
		cfg.locator_bits = d[16];
		cfg.func_bits = d[17];
		cfg.arg_bits = d[18];
		for (i = 1; i < SRV6_FUNC_MAX; i++)
			cfg.code[i] = load_be16(d + 19 + 2 * (i - 1));
		if (p & 1)
			cfg.func_bits = (uint8_t)(1 + d[17] % 16);
	}
	f = srv6_sid_parse(&cfg, d, loc, &arg);
	if (f == SRV6_FUNC_NONE || srv6_func_cfg_validate(&cfg) != 0)
		return;
	/* A SID we recognise is rebuilt exactly from its parts. */
	check(srv6_sid_make(&cfg, loc, f, arg, again) == 0);
	check(memcmp(again, d, 16) == 0);
	check(srv6_sid_same_locator(&cfg, loc, d));
	check(srv6_sid_match(&cfg, d, d, NULL) == f);
	/* And a made SID parses back, from any locator bits. */
	check(srv6_sid_make(&cfg, d, (enum srv6_func)(1 + p % 6), arg, sid) ==
	      0);
	check(srv6_sid_parse(&cfg, sid, NULL, NULL) ==
	      (enum srv6_func)(1 + p % 6));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t base_segs[SRH_MAX_SEGMENTS][16] = {
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0xff, 0, [15] = 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 1 },
		{ 0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 2 },
	};
	uint8_t segs[SRH_MAX_SEGMENTS][16];
	struct pkt_buf pb, pb0;
	enum wire_result r;
	unsigned int n, first, op, p;
	uint32_t mtu, l3 = L3;
	size_t plen;

	if (size < 2 || size > 4096)
		return 0;
	op = data[0] % 7;
	p = data[1];
	fuzz_parse(data + 2, size - 2);
	fuzz_sid(data + 2, size - 2, (uint8_t)p);

	plen = size - 2;
	memset(buf, 0xEE, CAP);
	/* Head- and tailroom, or none at all (then NO_ROOM paths run). */
	if (pkt_buf_init(&pb, buf, (p & 0x40) ? CAP : (uint32_t)(L3 + plen),
			 (p & 0x40) ? HEAD : 0, (uint32_t)(L3 + plen)) !=
	    WIRE_OK)
		return 0;
	memset(pkt_buf_data(&pb), 0, 12);
	store_be16(pkt_buf_data(&pb) + 12, 0x86DD);
	memcpy(pkt_buf_data(&pb) + L3, data + 2, plen);
	pb0 = pb;
	memcpy(ref, buf, CAP);

	n = 1 + (p & 3);
	first = (p >> 2) % n;
	memcpy(segs, base_segs, sizeof(segs));
	/* The final segment must be the packet's destination to insert. */
	if (plen >= 40)
		memcpy(segs[n - 1], data + 2 + 24, 16);
	mtu = (p & 0x80) ? 1280 : 0;

	switch (op) {
	case 0:
		r = srh_insert(&pb, l3, mtu, (const uint8_t (*)[16])segs, n,
			       first);
		if (r == WIRE_OK) {
			struct srh_view v;
			uint8_t *d = pkt_buf_data(&pb);
			uint32_t at = d[L3 + 6] == 43 ? L3 + 40 :
				      L3 + 40 + (d[L3 + 41] + 1u) * 8;

			check(pb.len == pb0.len + SRH_SIZE(n));
			check(srh_parse(d, pb.len, at, &v) == WIRE_OK);
			check(v.segments_left == n - 1 - first);
			check(memcmp(d + L3 + 24, segs[first], 16) == 0);
			check(srh_remove(&pb, l3) == WIRE_OK);
			check(pb.len == pb0.len);
			check(memcmp(pkt_buf_data(&pb), ref + pb0.off,
				     pb0.len) == 0);
			return 0;
		}
		break;
	case 1:
		r = srh_remove(&pb, l3);
		if (r == WIRE_OK) {
			check(pb.len < pb0.len);
			return 0;
		}
		break;
	case 2:
		r = srh_encap(&pb, l3, mtu, segs[0],
			      (const uint8_t (*)[16])segs, n, first);
		if (r == WIRE_OK) {
			check(srh_decap(&pb, l3) == WIRE_OK);
			check(pb.len <= pb0.len);
			check(memcmp(pkt_buf_data(&pb), ref + pb0.off,
				     pb.len) == 0);
			return 0;
		}
		break;
	case 3:
		r = srh_decap(&pb, l3);
		if (r == WIRE_OK) {
			check(pb.len < pb0.len);
			return 0;
		}
		break;
	default:
		{
			struct srh_view v;
			uint8_t *d = pkt_buf_data(&pb);
			unsigned int sl;

			r = srh_parse(d, pb.len, L3 + 40, &v);
			if (r != WIRE_OK)
				break;
			sl = v.segments_left;
			if (op == 4) {
				r = srh_advance(d, pb.len, l3, &v);
				sl = sl - 1;
			} else if (op == 5) {
				sl = p % 20;
				r = srh_set_active(d, pb.len, l3, &v, sl);
			} else {
				/* A stale view must be refused. */
				v.segments_left ^= 1;
				r = srh_set_active(d, pb.len, l3, &v, 0);
				check(r != WIRE_OK);
			}
			if (r == WIRE_OK) {
				check(v.segments_left == sl);
				check(d[L3 + 40 + 3] == sl);
				check(memcmp(d + L3 + 24,
					     d + v.seg_off + 16 * sl,
					     16) == 0);
				return 0;
			}
		}
		break;
	}
	/* Every failure leaves buffer and descriptor as they were. */
	check(memcmp(buf, ref, CAP) == 0);
	check(pb.base == pb0.base && pb.cap == pb0.cap &&
	      pb.off == pb0.off && pb.len == pb0.len);
	return 0;
}
