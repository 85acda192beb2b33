/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ICMP on hostile input: icmp_parse() must never read outside the IP
 * packet, must report offsets inside it; the echo reply, the readdressing
 * and the packet-too-big built from any parsed frame must stay inside the
 * buffer and give a frame that parses again as ICMP.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/icmp.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADROOM 64

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t addr[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	struct pkt_meta m;
	struct icmp_info in;
	struct pkt_buf pb;
	enum wire_result r;
	uint8_t *buf;

	if (size > 9000)
		return 0;
	/* Exact size plus the headroom a driver gives: ASan flags any
	 * read or write past the end. */
	buf = malloc(HEADROOM + (size ? size : 1));
	if (buf == NULL)
		return 0;
	memcpy(buf + HEADROOM, data, size);
	if (pkt_buf_init(&pb, buf, HEADROOM + (uint32_t)size, HEADROOM,
			 (uint32_t)size) != WIRE_OK ||
	    pkt_parse(pkt_buf_data(&pb), pb.len, &m) != WIRE_OK ||
	    m.family == 0) {
		free(buf);
		return 0;
	}
	r = icmp_parse(pkt_buf_data(&pb), pb.len, &m, &in);
	if ((unsigned int)r >= WIRE_RESULT_MAX)
		abort();
	if (r == WIRE_OK) {
		if (in.icmp_off + ICMP_HDR_LEN > in.end || in.end > pb.len)
			abort();
		if (in.cls == ICMP_CLASS_ERROR && in.inner_off > in.end)
			abort();
		if (in.cls == ICMP_CLASS_ECHO_REQUEST)
			(void)icmp_echo_reply(pkt_buf_data(&pb), pb.len, &m,
					      &in);
		else if (in.cls == ICMP_CLASS_ERROR)
			icmp_set_dst(pkt_buf_data(&pb), pb.len, &m, &in,
				     addr);
	}
	if (icmp_build_too_big(&pb, &m, addr, 1280) == WIRE_OK) {
		if (pkt_parse(pkt_buf_data(&pb), pb.len, &m) != WIRE_OK ||
		    icmp_parse(pkt_buf_data(&pb), pb.len, &m, &in) !=
		    WIRE_OK || in.mtu != 1280)
			abort();
	}
	free(buf);
	return 0;
}
