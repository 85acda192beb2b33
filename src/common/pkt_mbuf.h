/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The only place where lib/'s struct pkt_buf meets an rte_mbuf.
 *
 * lib/ codecs work on (base, cap, off, len); a single-segment mbuf is exactly
 * that (buf_addr, buf_len, data_off, data_len). Multi-segment mbufs are
 * linearised first or refused: the codecs need the headers contiguous.
 */
#ifndef DSRLB_PKT_MBUF_H_
#define DSRLB_PKT_MBUF_H_

#include <rte_mbuf.h>

#include "dsrlb/pkt_buf.h"

/* Fill @pb from a single-segment mbuf. Returns -1 for a chained mbuf. */
static inline int
pkt_buf_from_mbuf(struct pkt_buf *pb, struct rte_mbuf *m)
{
	if (!rte_pktmbuf_is_contiguous(m))
		return -1;
	pb->base = (uint8_t *)m->buf_addr;
	pb->cap = m->buf_len;
	pb->off = m->data_off;
	pb->len = m->data_len;
	/* The IPv4 header checksum as the NIC found it (a port with
	 * RTE_ETH_RX_OFFLOAD_IPV4_CKSUM); UNKNOWN or NONE: the engine
	 * sums it itself (issue 19). */
	switch (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) {
	case RTE_MBUF_F_RX_IP_CKSUM_GOOD:
		pb->rx_flags = PKT_RX_IP_CSUM_GOOD;
		break;
	case RTE_MBUF_F_RX_IP_CKSUM_BAD:
		pb->rx_flags = PKT_RX_IP_CSUM_BAD;
		break;
	default:
		pb->rx_flags = 0;
		break;
	}
	return 0;
}

/* Write a codec's changes of start and length back into the mbuf. */
static inline void
pkt_buf_to_mbuf(const struct pkt_buf *pb, struct rte_mbuf *m)
{
	m->data_off = (uint16_t)pb->off;
	m->data_len = (uint16_t)pb->len;
	m->pkt_len = pb->len;
}

#endif /* DSRLB_PKT_MBUF_H_ */
