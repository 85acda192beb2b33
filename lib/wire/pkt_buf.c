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
	return WIRE_OK;
}

enum wire_result
pkt_buf_open_gap(struct pkt_buf *pb, uint32_t at, uint32_t n)
{
	uint32_t front, back;

	if (pb == NULL || at > pb->len)
		return WIRE_ERR_INVAL;
	if (n == 0)
		return WIRE_OK;
	front = at;
	back = pb->len - at;
	/* Prefer moving the headers (front) into the headroom: it is what a
	 * NIC-sized mbuf has room for, and the payload stays put. */
	if (pb->off >= n && (front <= back || pkt_buf_tailroom(pb) < n)) {
		uint8_t *d = pkt_buf_data(pb);

		memmove(d - n, d, front);
		pb->off -= n;
	} else if (pkt_buf_tailroom(pb) >= n) {
		uint8_t *d = pkt_buf_data(pb);

		memmove(d + at + n, d + at, back);
	} else {
		return WIRE_ERR_NO_ROOM;
	}
	pb->len += n;
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
