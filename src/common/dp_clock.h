/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one clock of a data path (the appliance's and the agent's): the TSC
 * in nanoseconds, or, in tests, the capture time net_pcap attaches to each
 * mbuf, so that timers follow the pcap (--clock pcap).
 */
#ifndef DSRLB_DP_CLOCK_H_
#define DSRLB_DP_CLOCK_H_

#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

static inline uint64_t
clock_tsc_ns(void)
{
	static uint64_t hz;

	if (hz == 0)
		hz = rte_get_tsc_hz();
	return (uint64_t)((double)rte_rdtsc() * (1e9 / (double)hz));
}

/* The capture time of @p m in ns (@p ts_off, @p ts_flag: the registered
 * RX timestamp field and flag, ts_off < 0 when none), else @p fallback.
 * DPDK 22.11's net_pcap opens captures with microsecond precision and
 * stores tv_sec * 10^6 + tv_usec. */
static inline uint64_t
clock_mbuf_ns(const struct rte_mbuf *m, int ts_off, uint64_t ts_flag,
	      uint64_t fallback)
{
	if (ts_off >= 0 && (m->ol_flags & ts_flag))
		return *RTE_MBUF_DYNFIELD(m, ts_off, const uint64_t *) * 1000u;
	return fallback;
}

#endif /* DSRLB_DP_CLOCK_H_ */
