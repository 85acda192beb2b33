/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one clock of a data path (the appliance's and the agent's): the TSC
 * in nanoseconds, or, in tests, the capture time net_pcap attaches to each
 * mbuf, so that timers follow the pcap (--clock pcap).
 */
#ifndef DSRLB_DP_CLOCK_H_
#define DSRLB_DP_CLOCK_H_

#include <stdatomic.h>
#include <stdint.h>

#include <rte_cycles.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>

static inline uint64_t
clock_tsc_ns(void)
{
	/* Several threads call this (workers, the control thread): a
	 * relaxed atomic, a plain load on x86, that TSan sees as such. */
	static _Atomic uint64_t hz_cache;
	uint64_t hz = atomic_load_explicit(&hz_cache, memory_order_relaxed);

	if (hz == 0) {
		hz = rte_get_tsc_hz();
		atomic_store_explicit(&hz_cache, hz, memory_order_relaxed);
	}
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
