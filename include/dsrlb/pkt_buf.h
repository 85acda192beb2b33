/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A packet in a buffer with head and tail room: what the codecs rewrite.
 *
 * It mirrors a single-segment rte_mbuf (buf_addr, buf_len, data_off,
 * data_len) without depending on it, so lib/ stays EAL-free; the adapter in
 * src/common fills one from an mbuf and writes off/len back.
 *
 * Inserting a header opens a gap by moving whichever side of the insertion
 * point is shorter (normally the L2+L3 headers, into the headroom), so the
 * payload is never copied: the same trick rte_pktmbuf_prepend + memmove
 * does in DPDK's ip_frag and the SRv6 nodes of VPP.
 */
#ifndef DSRLB_PKT_BUF_H_
#define DSRLB_PKT_BUF_H_

#include <stdint.h>
#include <string.h>

#include "dsrlb/wire_result.h"

struct pkt_buf {
	uint8_t *base;          /**< start of the whole buffer */
	uint32_t cap;           /**< bytes available at base */
	uint32_t off;           /**< packet starts at base + off (headroom) */
	uint32_t len;           /**< packet length in bytes */
	uint32_t rx_flags;      /**< what the receiving NIC checked
				 *   (PKT_RX_*); 0: nothing */
};

/** The NIC found the IPv4 header checksum right (an mbuf's
 *  RTE_MBUF_F_RX_IP_CKSUM_GOOD): the engine does not sum it again. */
#define PKT_RX_IP_CSUM_GOOD 1u
/** The NIC found it wrong (RTE_MBUF_F_RX_IP_CKSUM_BAD). */
#define PKT_RX_IP_CSUM_BAD 2u

/** Pointer to the first byte of the packet. */
static inline uint8_t *
pkt_buf_data(const struct pkt_buf *pb)
{
	return pb->base + pb->off;
}

/** Bytes free after the packet. */
static inline uint32_t
pkt_buf_tailroom(const struct pkt_buf *pb)
{
	return pb->cap - pb->off - pb->len;
}

/**
 * Initialise @p pb over @p len packet bytes at @p base + @p off.
 * @return WIRE_OK, or WIRE_ERR_INVAL when off + len exceeds cap.
 */
enum wire_result pkt_buf_init(struct pkt_buf *pb, uint8_t *base, uint32_t cap,
			      uint32_t off, uint32_t len);

/* pkt_buf_move() of @p w <= n <= 2 * w bytes: the first and the last
 * @p w, both loaded before either is stored (@p w a constant: fixed-size
 * copies once inlined). */
static inline __attribute__((always_inline)) void
pkt_buf_move_ends(uint8_t *dst, const uint8_t *src, uint32_t n, uint32_t w)
{
	uint8_t a[16], e[16];

	memcpy(a, src, w);
	memcpy(e, src + n - w, w);
	memcpy(dst, a, w);
	memcpy(dst + n - w, e, w);
}

/**
 * Move @p n bytes from @p src to @p dst, which may overlap, as memmove()
 * does. Up to 64 bytes (the TCP header behind an inserted SRH, the
 * Ethernet and IPv6 headers before it) by a few fixed-size copies, every
 * load before any store, in place of a call into the C library and its
 * size dispatch; longer moves call memmove() (issue 19, round 6).
 */
static inline void
pkt_buf_move(uint8_t *dst, const uint8_t *src, uint32_t n)
{
	uint8_t a[16], b[16], c[16], e[16];

	if (n > 64) {
		memmove(dst, src, n);
	} else if (n > 32) {
		memcpy(a, src, 16);
		memcpy(b, src + 16, 16);
		memcpy(c, src + n - 32, 16);
		memcpy(e, src + n - 16, 16);
		memcpy(dst, a, 16);
		memcpy(dst + 16, b, 16);
		memcpy(dst + n - 32, c, 16);
		memcpy(dst + n - 16, e, 16);
	} else if (n >= 16) {
		pkt_buf_move_ends(dst, src, n, 16);
	} else if (n >= 8) {
		pkt_buf_move_ends(dst, src, n, 8);
	} else if (n >= 4) {
		pkt_buf_move_ends(dst, src, n, 4);
	} else if (n > 0) {
		a[0] = src[0];
		a[1] = src[n / 2];
		a[2] = src[n - 1];
		dst[0] = a[0];
		dst[n / 2] = a[1];
		dst[n - 1] = a[2];
	}
}

/**
 * Open an @p n byte gap at packet offset @p at (0 <= at <= len).
 * On success the gap's bytes are uninitialised, packet offsets below @p at
 * are unchanged relative to the (possibly moved) packet start, and len grew
 * by n. On failure nothing moved.
 * @return WIRE_OK, WIRE_ERR_INVAL, or WIRE_ERR_NO_ROOM.
 */
static inline __attribute__((always_inline)) enum wire_result
pkt_buf_open_gap(struct pkt_buf *pb, uint32_t at, uint32_t n)
{
	/* Inline: every option, extension header and SRH insert opens a
	 * gap (issue 19, round 4); always, since gcc outlines it with
	 * pkt_buf_move() in a unit of two callers (srh.c, round 6). */
	uint32_t front, back, cnt;
	uint8_t *d, *dst, *src;

	if (pb == NULL || at > pb->len)
		return WIRE_ERR_INVAL;
	if (n == 0)
		return WIRE_OK;
	front = at;
	back = pb->len - at;
	d = pkt_buf_data(pb);
	/* Prefer moving the headers (front) into the headroom: it is what a
	 * NIC-sized mbuf has room for, and the payload stays put. */
	if (pb->off >= n && (front <= back || pkt_buf_tailroom(pb) < n)) {
		dst = d - n;
		src = d;
		cnt = front;
		pb->off -= n;
	} else if (pkt_buf_tailroom(pb) >= n) {
		dst = d + at + n;
		src = d + at;
		cnt = back;
	} else {
		return WIRE_ERR_NO_ROOM;
	}
	/* One move for either side: one copy of pkt_buf_move() inline. */
	pkt_buf_move(dst, src, cnt);
	pb->len += n;
	return WIRE_OK;
}

/**
 * Remove @p n bytes at packet offset @p at (at + n <= len), moving the
 * shorter side. @return WIRE_OK or WIRE_ERR_INVAL.
 */
enum wire_result pkt_buf_close_gap(struct pkt_buf *pb, uint32_t at, uint32_t n);

#endif /* DSRLB_PKT_BUF_H_ */
