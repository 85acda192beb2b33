/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * In-band response-latency estimation from client-to-server packets only
 * (HotNets'22 "in-band feedback control", §3): FIXEDTIMEOUT splits a
 * flow's packets into batches at pauses longer than a timeout and takes
 * the time between batch starts as a latency sample; ENSEMBLETIMEOUT runs
 * k = 7 such timeouts (64 us doubling to 4 ms) side by side and, every
 * 64 ms epoch, keeps the timeout at the "sample cliff", argmax N_i/N_i+1.
 *
 * Pure code: time comes in as now_ns from the caller's clock.
 */
#ifndef DSRLB_LATENCY_EST_H_
#define DSRLB_LATENCY_EST_H_

#include <stdbool.h>
#include <stdint.h>

#define LAT_K            7          /**< timeouts in the ensemble */
#define LAT_DELTA0_US    64u        /**< smallest timeout: 64 us */
#define LAT_EPOCH_US     64000u     /**< epoch E: 64 ms */
/** A pause longer than this is idleness, not a response: no sample. */
#define LAT_MAX_GAP_US   1000000u

/**
 * Per-flow state: 52 bytes. Times are 32-bit microseconds (the appliance
 * keeps one per tracked flow; wrap-around every 71 minutes is harmless as
 * only differences of recent times are used, and gaps above
 * LAT_MAX_GAP_US restart the flow's batches).
 */
struct lat_flow {
	uint32_t last_pkt_us;           /**< f.time_last_pkt */
	uint32_t last_batch_us[LAT_K];  /**< f.time_last_batch_i */
	uint32_t epoch_start_us;
	uint16_t n[LAT_K];              /**< N_i this epoch (saturating) */
	uint8_t chosen;                 /**< index m of delta_e */
	uint8_t started;                /**< a packet has been seen */
};

/** Timeout i in microseconds: 64 << i. */
static inline uint32_t
lat_timeout_us(unsigned int i)
{
	return LAT_DELTA0_US << i;
}

/** Start tracking a flow; the first timeout used is delta_1 (64 us)
 *  until the first epoch ends, then the cliff's. */
void lat_flow_init(struct lat_flow *f);

/**
 * FIXEDTIMEOUT (Algorithm 1) for one timeout over caller state: returns
 * true and a sample when the packet at @p now_us starts a new batch.
 * Exposed for tests and the simulator; lat_flow_packet() runs all k.
 */
bool lat_fixed_timeout(uint32_t *last_batch_us, uint32_t *last_pkt_us,
		       uint32_t timeout_us, uint32_t now_us,
		       uint32_t *sample_us);

/**
 * ENSEMBLETIMEOUT (Algorithm 2) on one client-to-server packet of flow
 * @p f arriving at @p now_ns.
 * @param sample_ns  set to the latency sample of the chosen timeout when
 *   there is one.
 * @return true when a sample was produced.
 */
bool lat_flow_packet(struct lat_flow *f, uint64_t now_ns, uint64_t *sample_ns);

/** Timeout (ns) the flow currently estimates with (delta_e). */
uint64_t lat_flow_timeout_ns(const struct lat_flow *f);

/**
 * Per-backend aggregate: an EWMA of the samples of its flows, gain
 * 1/2^shift (default shift 3, i.e. 1/8, as TCP's SRTT), with the time of
 * the last sample so a silent backend's estimate can be aged out.
 */
struct lat_backend {
	uint64_t ewma_ns;
	uint64_t last_ns;
	uint64_t samples;
	uint8_t shift;
};

void lat_backend_init(struct lat_backend *b, uint8_t shift);
void lat_backend_sample(struct lat_backend *b, uint64_t sample_ns,
			uint64_t now_ns);
/** The estimate, or 0 when there is none or it is older than @p max_age_ns
 *  (0: no age limit). */
uint64_t lat_backend_estimate(const struct lat_backend *b, uint64_t now_ns,
			      uint64_t max_age_ns);

#endif /* DSRLB_LATENCY_EST_H_ */
