/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * In-band response-latency estimation from client-to-server packets only
 * (Vannarth Shobhana, Narayana, Nath, "Load Balancers Need In-Band
 * Feedback Control", HotNets'22, §3).
 *
 * Under DSR the appliance never sees a response, but a flow-controlled
 * client sends a batch of packets, waits for the response, then sends the
 * next batch: the time between the first packets of two batches is a
 * proxy for the response latency.
 *
 *  - FIXEDTIMEOUT (Algorithm 1): a packet that arrives more than a timeout
 *    delta after the previous packet of the flow starts a new batch; the
 *    sample is the time since the previous batch started.
 *  - ENSEMBLETIMEOUT (Algorithm 2): k = 7 FIXEDTIMEOUT instances with
 *    delta_i = 64 us << (i - 1) (64 us .. 4096 us) run on every packet;
 *    N_i counts the samples of instance i in the current 64 ms epoch; on
 *    the first packet of a new epoch the timeout at the "sample cliff",
 *    m = argmax N_i / N_i+1, becomes delta_e for the next epoch, and the
 *    samples the flow reports are delta_e's.
 *
 * Clock rules added to the paper (docs/algorithms.md says why): a
 * packet earlier than the previous one (clock went backwards), or later
 * by more than one epoch E (idleness, or a forward jump), gives no sample
 * and restarts the flow's batches and its epoch; an interval longer than
 * E is no sample and is not counted in N_i. Hence every sample lies in
 * (64 us, 64 ms].
 *
 * Per backend, samples are aggregated as the median of a window of the
 * last LAT_BACKEND_WIN samples (struct lat_backend).
 *
 * Pure code: time always comes in as now_ns from the caller's monotonic
 * clock, at 1 us resolution inside (now_ns / 1000).
 */
#ifndef DSRLB_LATENCY_EST_H_
#define DSRLB_LATENCY_EST_H_

#include <stdbool.h>
#include <stdint.h>

/** Number of timeouts of the ensemble (k). */
#define LAT_K             7u
/** Smallest timeout delta_1, in us. */
#define LAT_DELTA0_US     64u
/** Epoch length E, in us (64 ms). Also the longest sample and the longest
 *  gap that continues a batch. */
#define LAT_EPOCH_US      64000u
/** Saturated age value: the interval is known to exceed LAT_EPOCH_US. */
#define LAT_AGE_STALE     UINT16_MAX
/** Samples kept per backend aggregator (odd: the median is one sample). */
#define LAT_BACKEND_WIN   15u
/** Most aggregators lat_backend_estimate() merges (e.g. one per lcore). */
#define LAT_BACKEND_MERGE_MAX 16u

/**
 * Per-flow ENSEMBLETIMEOUT state: 40 bytes, one per tracked flow. Batch
 * starts and the epoch start are kept as ages relative to the last
 * packet, in us, saturating at LAT_AGE_STALE (an age above LAT_EPOCH_US
 * can give no sample anyway), which is what makes 16-bit fields enough.
 * Zero-filled memory is a valid not-yet-started flow (delta_e = delta_1).
 */
struct lat_flow {
	uint64_t last_pkt_us;           /**< f.time_last_pkt */
	uint16_t batch_age_us[LAT_K];   /**< f.time_last_pkt -
					 *   f.time_last_batch_i */
	uint16_t epoch_age_us;          /**< f.time_last_pkt - epoch start */
	uint16_t n[LAT_K];              /**< N_i of the current epoch */
	uint8_t chosen;                 /**< index (0-based) of delta_e */
	uint8_t started;                /**< a packet has been seen */
};

/** Timeout delta_(i+1) of the ensemble (0-based @p i < LAT_K), in us. */
static inline uint32_t
lat_timeout_us(unsigned int i)
{
	return LAT_DELTA0_US << i;
}

/**
 * Start tracking a flow.
 * @param first_idx  0-based index of the timeout used in the first epoch
 *   (before any cliff was detected): 0 (64 us, the paper's delta_1) or a
 *   hint, e.g. lat_flow_timeout_idx() of a recent flow to the same
 *   backend; values >= LAT_K are taken as 0.
 */
void lat_flow_init(struct lat_flow *f, unsigned int first_idx);

/**
 * ENSEMBLETIMEOUT (Algorithm 2) on one client-to-server packet of flow
 * @p f arriving at @p now_ns. Call it for every packet of the flow in
 * that direction (pure ACKs included), in arrival order.
 *
 * @param sample_ns  if not NULL, set to the sample of delta_e when there
 *   is one (untouched otherwise).
 * @param inst_ns    if not NULL, an array of LAT_K set to each instance's
 *   sample of this packet, 0 where it has none (for tests, tracing and
 *   the simulator).
 * @return true when delta_e produced a sample.
 */
bool lat_flow_packet(struct lat_flow *f, uint64_t now_ns,
		     uint64_t *sample_ns, uint64_t *inst_ns);

/** 0-based index of the timeout the flow currently reports with. */
unsigned int lat_flow_timeout_idx(const struct lat_flow *f);

/** Timeout delta_e the flow currently reports with, in ns. */
uint64_t lat_flow_timeout_ns(const struct lat_flow *f);

/**
 * Reference FIXEDTIMEOUT (Algorithm 1) for one timeout, in exact ns, with
 * the same clock rules as the ensemble. A flow of lat_flow_packet() gives,
 * for instance i and microsecond-aligned times, exactly the samples of a
 * struct lat_fixed run with timeout lat_timeout_us(i) * 1000.
 */
struct lat_fixed {
	uint64_t last_batch_ns;         /**< f.time_last_batch */
	uint64_t last_pkt_ns;           /**< f.time_last_pkt */
	bool started;                   /**< a packet has been seen */
};

/** Zero the state: the next packet starts the first batch. */
void lat_fixed_init(struct lat_fixed *s);

/**
 * One packet at @p now_ns through FIXEDTIMEOUT with timeout
 * @p timeout_ns (strictly greater gap = new batch).
 * @param sample_ns  set to now - time_last_batch on a sample.
 * @return true on a sample (a new batch whose interval is at most one
 *   epoch); false otherwise, including the first packet and restarts.
 */
bool lat_fixed_timeout(struct lat_fixed *s, uint64_t timeout_ns,
		       uint64_t now_ns, uint64_t *sample_ns);

/**
 * Per-backend aggregate: the last LAT_BACKEND_WIN samples of the
 * backend's flows (1 us resolution) and the time of the newest one. The
 * estimate is their median: robust to the proxy's outliers (a think gap
 * inflates a sample, a too-small timeout deflates some) where an EWMA
 * would be dragged by every one of them. 40 bytes. Keep one per lcore and
 * merge them in lat_backend_estimate() (no atomics).
 */
struct lat_backend {
	uint64_t last_ns;               /**< time of the newest sample */
	uint16_t win_us[LAT_BACKEND_WIN]; /**< ring of samples, us */
	uint8_t head;                   /**< next slot written */
	uint8_t count;                  /**< valid slots (<= LAT_BACKEND_WIN) */
};

/** Empty aggregate (zero-filled memory is one too). */
void lat_backend_init(struct lat_backend *b);

/** Add one sample (clamped to 65535 us) taken at @p now_ns. */
void lat_backend_sample(struct lat_backend *b, uint64_t sample_ns,
			uint64_t now_ns);

/** Forget every sample (backend re-added, or its flows moved). */
void lat_backend_reset(struct lat_backend *b);

/**
 * Median (the lower one for an even count) of the samples held by the
 * @p n aggregators @p b[0..n-1] of one backend, e.g. one per lcore.
 * An aggregator whose newest sample is older than @p max_age_ns (0: no
 * limit; a time before its newest sample counts as age 0) is skipped as
 * a whole. Only the first LAT_BACKEND_MERGE_MAX aggregators are read.
 * @return the estimate in ns (a multiple of 1000), 0 when there is none.
 */
uint64_t lat_backend_estimate(const struct lat_backend *b, unsigned int n,
			      uint64_t now_ns, uint64_t max_age_ns);

#endif /* DSRLB_LATENCY_EST_H_ */
