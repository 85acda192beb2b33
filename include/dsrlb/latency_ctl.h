/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Latency-feedback weight controller, one per VIP (HotNets'22 §3, "simple
 * load balancing strategy": move a fraction alpha = 10% from the server
 * with the highest latency evenly to all others).
 *
 * lat_ctl_step() is called periodically with one latency estimate per
 * backend (lat_backend_estimate()). When the slowest backend is clearly
 * slower than the others (both a ratio and an absolute threshold), alpha
 * of its weight moves evenly to the backends that are clearly faster than
 * it; when the latencies are even again (lower thresholds: hysteresis),
 * or no comparison is possible, weights return linearly toward the
 * configured ones. The output is an integer weight vector (c->weight) and
 * a "rebuild needed" flag (the return value); changes are at least
 * min_interval_ns apart, which bounds consistent-hash table rebuilds.
 *
 * Resolution: configured weights are multiplied by a scale (by default
 * the largest that leaves every backend room to double, within
 * weight_max = CHASH_WEIGHT_MAX), so a 10% step is meaningful even for a
 * configured weight of 1, and the output feeds chash_build() as it is
 * (the table depends only on weight ratios).
 *
 * Invariants: the sum of the weights never changes; a backend with
 * configured weight 0 stays at 0; every other weight stays within
 * [its floor, weight_max] (so also below the total); no floating point.
 */
#ifndef DSRLB_LATENCY_CTL_H_
#define DSRLB_LATENCY_CTL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most backends of one controller. */
#define LAT_CTL_MAX_BACKENDS 1024u
/** Default weight_max (= CHASH_WEIGHT_MAX, the table's largest). */
#define LAT_CTL_WEIGHT_MAX   1000u
/** Parts per million: 100% */
#define LAT_CTL_PPM          1000000u
/** Latencies above this (about 18 minutes) are read as this. */
#define LAT_CTL_LAT_MAX_NS   (1ull << 40)

/** Controller configuration (lat_ctl_conf_default() fills defaults). */
struct lat_ctl_conf {
	uint32_t alpha_ppm;       /**< share of the slowest's weight moved
				   *   per step (100000 = 10%), 1..1e6 */
	uint32_t restore_ppm;     /**< per step, each backend below its
				   *   configured weight regains up to this
				   *   share of it (at least 1 unit), 1..1e6:
				   *   full recovery within
				   *   ceil(1e6 / restore_ppm) steps */
	uint32_t slow_ratio_ppm;  /**< slow: latency exceeds the others' mean
				   *   by more than this ratio ... */
	uint64_t slow_abs_ns;     /**< ... and by more than this */
	uint32_t even_ratio_ppm;  /**< even: the excess is at most this ratio
				   *   of the others' mean, or ... */
	uint64_t even_abs_ns;     /**< ... at most this; must be below the
				   *   slow thresholds (hold in between) */
	uint64_t min_interval_ns; /**< least time between two changes */
	uint32_t floor_ppm;       /**< no weight is shifted below this share
				   *   of its configured (scaled) weight,
				   *   and never below 1 */
	uint32_t weight_max;      /**< no weight above this, 1..65535 */
	uint32_t scale;           /**< output units per configured unit;
				   *   0: weight_max / (2 * largest configured
				   *   weight), at least 1 */
};

/** A controller over caller memory (lat_ctl_memsize()). */
struct lat_ctl {
	struct lat_ctl_conf conf; /**< as given (validated) */
	uint32_t n;               /**< backends */
	uint32_t scale;           /**< effective scale */
	uint64_t last_change_ns;  /**< time of the last change */
	uint64_t changes;         /**< changes made (rebuilds asked for) */
	uint32_t *base;           /**< configured weights x scale */
	uint32_t *floor;          /**< per-backend floor (0 if base is 0) */
	uint32_t *weight;         /**< current weights: the output */
};

/** Defaults: alpha 10%, restore 20% per step, slow above +50% and
 *  +200 us, even at +20% or +50 us, at most one change per 10 ms, floor
 *  5%, weight_max 1000, automatic scale. */
void lat_ctl_conf_default(struct lat_ctl_conf *conf);

/** Bytes to give lat_ctl_init() for @p n backends (struct included);
 *  0 when n is 0 or above LAT_CTL_MAX_BACKENDS. */
size_t lat_ctl_memsize(uint32_t n);

/**
 * Initialise @p c, followed in the same memory by its arrays, for @p n
 * backends with configured weights @p weights (copied; 0 = drained).
 * @return 0; -EINVAL on NULL, n out of 1..LAT_CTL_MAX_BACKENDS,
 *   alpha_ppm or restore_ppm out of 1..1e6, floor_ppm above 1e6, an even
 *   threshold not below its slow counterpart, weight_max out of 1..65535,
 *   or a weight times the scale above weight_max (c untouched then).
 */
int lat_ctl_init(struct lat_ctl *c, uint32_t n, const uint32_t *weights,
		 const struct lat_ctl_conf *conf);

/**
 * One control step at @p now_ns over one latency estimate per backend,
 * @p lat_ns[0..n-1] in ns (0: none; such a backend neither triggers nor
 * receives a shift). Does nothing within min_interval_ns of the last
 * change; a time before it restarts the interval from @p now_ns.
 * @return true when c->weight changed: rebuild the table from it.
 */
bool lat_ctl_step(struct lat_ctl *c, const uint64_t *lat_ns, uint64_t now_ns);

#endif /* DSRLB_LATENCY_CTL_H_ */
