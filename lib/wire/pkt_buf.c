/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/pkt_buf.h"

enum wire_result
pkt_buf_init(struct pkt_buf *pb, uint8_t *base, uint32_t cap, uint32_t off,
	     uint32_t len)
{
	if (pb == NULL || base == NULL || off > cap || len > cap - off)
		return WIRE_ERR_INVAL;
	pb->base = base;
	pb->cap = cap;
	pb->off = off;
	pb->len = len;
	pb->rx_flags = 0;
	return WIRE_OK;
}

enum wire_result
pkt_buf_close_gap(struct pkt_buf *pb, uint32_t at, uint32_t n)
{
	uint8_t *d;

	if (pb == NULL || at > pb->len || n > pb->len - at)
		return WIRE_ERR_INVAL;
	if (n == 0)
		return WIRE_OK;
	d = pkt_buf_data(pb);
	if (at <= pb->len - at - n) {
		memmove(d + n, d, at);
		pb->off += n;
	} else {
		memmove(d + at, d + at + n, pb->len - at - n);
	}
	pb->len -= n;
	return WIRE_OK;
}
