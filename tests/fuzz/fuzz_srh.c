/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SRH codec on hostile input. The input is used twice: as an SRH to parse
 * and as an IPv6 packet (after a 14-byte Ethernet header) in a buffer with
 * head- and tailroom, on which every mutating function runs on a copy.
 * Invariants: an error leaves the buffer and the pkt_buf unchanged; a
 * successful insert parses back and removes to the original bytes; a
 * successful encap decapsulates to the original bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"

#define HEAD 160
#define CAP (HEAD + 2048 + 256)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t segs[4][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0xff, [15] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, [9] = 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 2, [9] = 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, [15] = 0x64 },
};

static void
check_parse(const uint8_t *data, size_t size)
{
	struct srh_view v;
	uint8_t *copy = malloc(size ? size : 1);

	if (copy == NULL)
		return;
	memcpy(copy, data, size);
	if (srh_parse(copy, (uint32_t)size, 0, &v) == WIRE_OK) {
		if (v.len > size || v.tlv_off + v.tlv_len != v.len ||
		    v.segments_left > (uint32_t)v.last_entry + 1)
			abort();
		(void)srh_segment(copy, &v, v.last_entry);
		(void)srh_active(copy, &v);
	}
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP], ref[CAP];
	struct srv6_func_cfg cfg;
	struct pkt_buf pb, pb0;
	enum wire_result r;
	unsigned int n, first, op;
	uint8_t sid[16];

	if (size < 2 || size > 2048)
		return 0;
	check_parse(data + 2, size - 2);

	srv6_func_cfg_default(&cfg);
	if (size >= 18)
		(void)srv6_sid_parse(&cfg, data + 2, sid);

	op = data[0] % 5;
	n = 1 + (data[1] & 3);
	first = (data[1] >> 2) % n;
	memset(buf, 0, CAP);
	memcpy(buf + HEAD + 14, data + 2, size - 2);
	buf[HEAD + 12] = 0x86;
	buf[HEAD + 13] = 0xdd;
	pkt_buf_init(&pb, buf, CAP, (data[1] & 0x40) ? HEAD : 0,
		     (uint32_t)(14 + size - 2));
	if (!(data[1] & 0x40))
		memmove(buf, buf + HEAD, pb.len);
	pb0 = pb;
	memcpy(ref, buf, CAP);

	switch (op) {
	case 0:
		r = srh_insert(&pb, 14, (data[1] & 0x80) ? 1280 : 0, segs, n,
			       first);
		if (r == WIRE_OK) {
			if (srh_remove(&pb, 14) != WIRE_OK ||
			    pb.len != pb0.len)
				abort();
			/* DA now holds the final segment: compare the rest. */
			if (memcmp(pkt_buf_data(&pb), ref + pb0.off, 38) != 0 ||
			    memcmp(pkt_buf_data(&pb) + 54,
				   ref + pb0.off + 54, pb0.len - 54) != 0)
				abort();
			return 0;
		}
		break;
	case 1:
		r = srh_remove(&pb, 14);
		if (r == WIRE_OK)
			return 0;
		break;
	case 2:
		r = srh_encap(&pb, 14, 0, segs[0], segs, n, first);
		if (r == WIRE_OK) {
			if (srh_decap(&pb, 14) != WIRE_OK ||
			    pb.len > pb0.len ||
			    memcmp(pkt_buf_data(&pb), ref + pb0.off,
				   pb.len) != 0)
				abort();
			return 0;
		}
		break;
	case 3:
		r = srh_decap(&pb, 14);
		if (r == WIRE_OK)
			return 0;
		break;
	default:
		{
			struct srh_view v;

			r = srh_parse(pkt_buf_data(&pb), pb.len, 14 + 40, &v);
			if (r == WIRE_OK) {
				r = srh_advance(pkt_buf_data(&pb), pb.len, 14,
						&v);
				if (r == WIRE_OK)
					return 0;
			}
		}
		break;
	}
	/* Every failure leaves buffer and descriptor as they were. */
	if (memcmp(buf, ref, CAP) != 0 || pb.off != pb0.off ||
	    pb.len != pb0.len)
		abort();
	return 0;
}
