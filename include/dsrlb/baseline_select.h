/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Load-blind baseline selections of the appliance, the comparison points
 * of the dynamic-DSR paper (§4: "DSR Round-Robin") and of 6LB (§V: the
 * single random choice SC): weighted round-robin and weighted random.
 * Maglev (consistent hashing with one choice) belongs to the consistent-
 * hash module.
 *
 * Round-robin is nginx's smooth weighted round-robin: every pick adds each
 * eligible backend's weight to its credit, takes the backend with the
 * highest credit (ties: lowest index) and takes the sum of the eligible
 * weights off it. With equal weights this is plain round-robin in index
 * order; with weights {5, 1, 1} one cycle is a a b a c a a. Any change of
 * a weight or a state restarts the cycle (all credits back to 0).
 *
 * Random picks backend i with probability weight_i / (sum of eligible
 * weights), with one rng_below() draw; equal weights give uniform random.
 *
 * Eligible: state SELECT_BACKEND_ACTIVE and weight > 0. Both picks are
 * deterministic given the table (and the rng); one table per VIP and
 * lcore, nothing is atomic.
 */
#ifndef DSRLB_BASELINE_SELECT_H_
#define DSRLB_BASELINE_SELECT_H_

#include <stddef.h>
#include <stdint.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/rng.h"

/** Returned by the pick functions when no backend is eligible. */
#define BASELINE_NONE          UINT32_MAX
/** Largest number of backends of one table. */
#define BASELINE_MAX_BACKENDS  65535u
/** Largest weight (so that the sum of weights fits in 32 bits). */
#define BASELINE_MAX_WEIGHT    65535u

/** One backend slot. */
struct baseline_entry {
	int64_t credit;  /**< smooth round-robin credit */
	uint32_t weight; /**< 0..BASELINE_MAX_WEIGHT, 0 never picked */
	uint8_t state;   /**< enum select_backend_state */
	uint8_t pad[3];
};

/**
 * Baseline table of one VIP. Allocate baseline_table_memsize(n) bytes and
 * call baseline_table_init().
 */
struct baseline_table {
	uint32_t n;                  /**< backends 0..n-1 */
	uint32_t pad;
	struct baseline_entry e[];   /**< n slots */
};

/** Bytes for @p n backends (0 when @p n is 0 or too large). */
size_t baseline_table_memsize(uint32_t n);

/**
 * Initialise @p n active backends, all of weight @p weight.
 * @return 0 or -EINVAL (NULL, @p n out of range, @p weight too large);
 *   on error @p t is untouched.
 */
int baseline_table_init(struct baseline_table *t, uint32_t n,
			uint32_t weight);

/**
 * Set the weight of backend @p idx; restarts the round-robin cycle.
 * @return 0 or -EINVAL.
 */
int baseline_set_weight(struct baseline_table *t, uint32_t idx,
			uint32_t weight);

/**
 * Set the state of backend @p idx; restarts the round-robin cycle when
 * it changes.
 * @return 0 or -EINVAL.
 */
int baseline_set_state(struct baseline_table *t, uint32_t idx,
		       enum select_backend_state state);

/**
 * Smooth weighted round-robin pick (O(n)).
 * @return a backend index or BASELINE_NONE.
 */
uint32_t baseline_rr_pick(struct baseline_table *t);

/**
 * Weighted random pick (O(n)), one draw from @p r when something is
 * eligible, none otherwise.
 * @return a backend index or BASELINE_NONE.
 */
uint32_t baseline_random_pick(const struct baseline_table *t, struct rng *r);

#endif /* DSRLB_BASELINE_SELECT_H_ */
