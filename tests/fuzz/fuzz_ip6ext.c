/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv6 extension-header codec on hostile input. Byte 0 picks the
 * operation and encoding, byte 1 the head/tailroom and MTU; the rest is an
 * IPv6 packet placed after a 14-byte Ethernet header. Invariants: the walk
 * reports offsets inside the payload; an error leaves buffer and pkt_buf
 * unchanged; a successful insert walks back with the message present and,
 * removed again, restores the original bytes whenever it did not have to
 * join an existing Destination Options header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/ip6ext.h"

#define HEAD 128
#define CAP (HEAD + 2048 + 256)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[CAP], ref[CAP];
	struct ip6ext_info in, in2;
	struct pkt_buf pb, pb0;
	enum ip6ext_encoding enc;
	enum wire_result r, w;
	unsigned int op, m;
	uint32_t mtu;

	if (size < 2 || size > 2048)
		return 0;
	op = data[0] % 5;
	enc = (data[0] & 0x80) ? IP6EXT_ENC_DSTOPT : IP6EXT_ENC_PAPER;
	mtu = (data[1] & 0x80) ? 1280 : 0;
	memset(buf, 0, CAP);
	buf[12] = 0x86;
	buf[13] = 0xdd;
	memcpy(buf + 14, data + 2, size - 2);
	pkt_buf_init(&pb, buf, CAP, 0, (uint32_t)(14 + size - 2));
	if (data[1] & 0x40) {
		memmove(buf + HEAD, buf, pb.len);
		memset(buf, 0, HEAD);
		pb.off = HEAD;
	}
	pb0 = pb;
	memcpy(ref, buf, CAP);

	w = ip6ext_walk(pkt_buf_data(&pb), pb.len, 14, data[1] & 7, &in);
	if (w == WIRE_OK && (in.upper_off > in.end || in.end > pb.len ||
			     in.upper_nh_at >= in.upper_off))
		abort();
	if (w == WIRE_OK)
		(void)ip6ext_final_dst(pkt_buf_data(&pb), 14, &in);
	if (memcmp(buf, ref, CAP) != 0)
		abort();

	m = (data[0] >> 3) % IP6EXT_MSG_MAX;
	switch (op) {
	case 0:
	case 1:
	case 2:
		r = op == 0 ? ip6ext_insert_client(&pb, 14, mtu, enc, addr, 9) :
		    op == 1 ? ip6ext_insert_request(&pb, 14, mtu, enc, 5) :
			      ip6ext_insert_answer(&pb, 14, mtu, enc, 77, 5);
		if (r == WIRE_OK) {
			bool joined;

			if (ip6ext_walk(pkt_buf_data(&pb), pb.len, 14, 0, &in2)
			    != WIRE_OK || in2.msg_off[op] == 0)
				abort();
			joined = enc == IP6EXT_ENC_DSTOPT &&
				 ip6ext_walk(ref + pb0.off, pb0.len, 14, 0,
					     &in) == WIRE_OK &&
				 in.final_do_off != 0;
			if (ip6ext_remove(&pb, 14, (enum ip6ext_msg)op) !=
			    WIRE_OK)
				abort();
			if (!joined && (pb.len != pb0.len ||
					memcmp(pkt_buf_data(&pb),
					       ref + pb0.off, pb.len) != 0))
				abort();
			return 0;
		}
		break;
	case 3:
		r = ip6ext_remove(&pb, 14, (enum ip6ext_msg)m);
		if (r == WIRE_OK)
			return 0;
		break;
	default:
		r = ip6ext_remove_all(&pb, 14, &m);
		if (r == WIRE_OK)
			return 0;
		break;
	}
	if (memcmp(buf, ref, CAP) != 0 || pb.off != pb0.off ||
	    pb.len != pb0.len)
		abort();
	return 0;
}
