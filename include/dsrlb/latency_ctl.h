/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Latency-feedback weight controller (HotNets'22 §3, "simple load
 * balancing strategy"): when the slowest backend of a VIP is clearly
 * slower than the others, move a fraction alpha (default 10%) of its
 * weight evenly to the others; when latencies even out again, give
 * weight back toward the configured weights. The output is an integer
 * weight vector for the consistent-hash table (chash_build) and a flag
 * saying it changed; changes are at least min_interval apart, which
 * bounds how often the appliance rebuilds its table.
 */
#ifndef DSRLB_LATENCY_CTL_H_
#define DSRLB_LATENCY_CTL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LAT_CTL_MAX_BACKENDS 1024

struct lat_ctl_conf {
	uint32_t alpha_ppm;        /**< share of the slowest's weight moved per
				    *   step, parts per million (100000 = 10%) */
	uint32_t restore_ppm;      /**< share of the gap to the configured
				    *   weight given back per step */
	uint32_t slow_ratio_ppm;   /**< slowest is "slow" when its latency
				    *   exceeds the others' mean by this ratio
				    *   (e.g. 500000: +50%) ... */
	uint64_t slow_abs_ns;      /**< ... and by at least this much */
	uint32_t even_ratio_ppm;   /**< latencies are "even" again below this
				    *   ratio (hysteresis: < slow_ratio) */
	uint64_t min_interval_ns;  /**< least time between two changes */
	uint32_t floor;            /**< no weight moves below this */
};

struct lat_ctl {
	struct lat_ctl_conf conf;
	uint32_t n;
	uint64_t last_change_ns;
	uint64_t changes;          /**< weight vectors published */
	uint32_t *base;            /**< configured weights */
	uint32_t *weight;          /**< current weights (sum == sum of base) */
};

/** Defaults: alpha 10%, restore 25%, slow at +50% and +200 us, even below
 *  +20%, changes at most every 10 ms, floor 1. */
void lat_ctl_conf_default(struct lat_ctl_conf *conf);

/** Bytes lat_ctl_init() needs for @p n backends after the struct. */
size_t lat_ctl_memsize(uint32_t n);

/**
 * Initialise over caller memory of lat_ctl_memsize(n) bytes with the
 * configured weights @p base (copied). @return 0 or -EINVAL (n == 0 or
 * too large, bad conf: alpha or restore above 100%, even >= slow ratio).
 */
int lat_ctl_init(struct lat_ctl *c, uint32_t n, const uint32_t *base,
		 const struct lat_ctl_conf *conf);

/**
 * One control step at @p now_ns over per-backend latency estimates
 * @p lat_ns (0 = no estimate: such a backend neither triggers nor
 * receives a shift). Backends with configured weight 0 are left alone.
 * @return true when c->weight changed (rebuild the table).
 */
bool lat_ctl_step(struct lat_ctl *c, const uint64_t *lat_ns, uint64_t now_ns);

#endif /* DSRLB_LATENCY_CTL_H_ */
