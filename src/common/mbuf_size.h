/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Data room of the mbufs a program allocates: one mbuf holds a whole
 * frame of the largest MTU configured, plus its Ethernet header, a VLAN
 * tag and the headers dsrlb adds (an SRH of 72 bytes, options or headers
 * of up to 32), so that jumbo frames never arrive as chains, which the
 * data path does not take (issue 15: contiguous frames, no scatter RX).
 */
#ifndef DSRLB_MBUF_SIZE_H_
#define DSRLB_MBUF_SIZE_H_

#include <stdint.h>

#include <rte_mbuf.h>

/** Bytes on top of the L3 MTU a frame may need in one mbuf. */
#define MBUF_L2_AND_ADDED (14u + 4u + 128u)

static inline uint16_t
mbuf_data_room(uint32_t max_mtu)
{
	uint32_t need = max_mtu + MBUF_L2_AND_ADDED + RTE_PKTMBUF_HEADROOM;

	if (need < RTE_MBUF_DEFAULT_BUF_SIZE)
		return RTE_MBUF_DEFAULT_BUF_SIZE;
	return need > UINT16_MAX ? UINT16_MAX : (uint16_t)need;
}

#endif /* DSRLB_MBUF_SIZE_H_ */
