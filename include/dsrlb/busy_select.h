/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Busyness-score backend selection of the appliance (dynamic DSR, paper §3
 * "Step 2": the balancer keeps a map of busyness scores fed by in-band
 * feedback and sends a new flow to the server with the lowest score,
 * breaking ties at random).
 *
 * One struct busy_table per VIP (and per lcore: nothing here is atomic).
 * Slot i is backend i of the VIP, the same index the consistent-hash
 * module uses. Each slot holds a score (0..65535, lower = less busy), the
 * time it was last updated and a state (enum select_backend_state).
 *
 * Rules (see docs/algorithms.md for why):
 *  - A score is *known* once an update arrived since the slot was
 *    (re)activated, and *fresh* while its age is at most max_age_ns.
 *    A score that is not known-and-fresh is *unknown*.
 *  - An unknown score counts as equal to the lowest fresh score of the
 *    eligible backends: it ties with the best, so a new or silent backend
 *    gets an equal share of new flows (and thus probes) instead of all of
 *    them (a 0) or none of them (a high value). With no fresh score at all
 *    every eligible backend ties: uniform random, as the paper's prototype
 *    behaves at start-up when every score is 0.
 *  - Only SELECT_BACKEND_ACTIVE slots are eligible for new flows.
 *
 * Time is always passed in (@p now_ns, any monotonic clock); a time before
 * a slot's update time counts as age 0. Randomness only through struct rng.
 */
#ifndef DSRLB_BUSY_SELECT_H_
#define DSRLB_BUSY_SELECT_H_

#include <stddef.h>
#include <stdint.h>

#include "dsrlb/rng.h"

/** Returned by the pick functions when no backend is eligible. */
#define BUSY_SELECT_NONE         UINT32_MAX
/** Largest number of backends of one table. */
#define BUSY_SELECT_MAX_BACKENDS 65535u
/** Largest candidate list of busy_select_pick_among(). */
#define BUSY_SELECT_MAX_CANDIDATES 16u
/** Largest busyness score; updates are clamped to 0..BUSY_SCORE_MAX. */
#define BUSY_SCORE_MAX           65535u
/** EWMA weight meaning "take the new sample as is" (1.0 in Q16). */
#define BUSY_EWMA_ONE            65536u

/** Life cycle of a backend slot, shared by busy_select and baseline_select. */
enum select_backend_state {
	SELECT_BACKEND_ACTIVE = 0, /**< eligible for new flows */
	SELECT_BACKEND_DRAINED,    /**< keeps its flows and its score, gets
				    *   no new flows */
	SELECT_BACKEND_REMOVED,    /**< empty slot: no flows, updates refused */
};

/** Configuration of a busy_table. */
struct busy_conf {
	uint64_t max_age_ns; /**< a score older than this is unknown;
			      *   0: scores never age */
	uint32_t ewma_w;     /**< weight of a new sample in Q16
			      *   (1..65536; 0 or 65536: no smoothing):
			      *   acc += w * (sample - acc) */
	uint32_t max_step;   /**< largest change of a fresh score by one
			      *   update, in score units; 0: unlimited */
};

/** One backend slot (16 bytes). Read through the accessors. */
struct busy_entry {
	uint64_t updated_ns; /**< time of the last accepted update */
	uint32_t acc;        /**< score in Q16 (EWMA state) */
	uint16_t score;      /**< acc rounded to an integer: what picks use */
	uint8_t state;       /**< enum select_backend_state */
	uint8_t known;       /**< an update arrived since (re)activation */
};

/**
 * Score table of one VIP. Allocate busy_table_memsize(n) bytes (e.g. with
 * rte_zmalloc in src/) and call busy_table_init(). The struct is followed
 * in the same allocation by the slots and by the candidate cache of
 * busy_select_pick_cached(); it may be copied with memcpy() of
 * busy_table_memsize(n) bytes (it holds no pointer into itself).
 */
struct busy_table {
	struct busy_conf conf;    /**< as given to busy_table_init() */
	uint32_t n;               /**< number of slots: backends 0..n-1 */
	/* candidate cache of busy_select_pick_cached() */
	uint32_t cache_valid;     /**< cache describes the table */
	uint32_t cache_n;         /**< number of cached candidates */
	uint32_t cache_has_known; /**< some eligible score was fresh */
	uint32_t cache_best;      /**< lowest fresh eligible score */
	uint64_t cache_built_ns;  /**< now_ns of the last rebuild */
	uint64_t cache_expire_ns; /**< first now_ns at which a fresh
				   *   eligible score turns stale */
	/* counters (never reset by the library) */
	uint64_t n_updates;       /**< accepted updates */
	uint64_t n_seeded;        /**< updates of an unknown score, taken as is */
	uint64_t n_clamped;       /**< samples outside 0..65535 */
	uint64_t n_step_limited;  /**< updates cut to max_step */
	uint64_t n_rejected;      /**< updates of a removed slot or of an
				   *   index out of range */
	uint64_t n_rebuilds;      /**< candidate cache rebuilds */
	struct busy_entry e[];    /**< n slots, then n uint32_t candidates */
};

/**
 * Fill @p conf with the defaults: max_age_ns 1 s, no smoothing
 * (ewma_w = BUSY_EWMA_ONE, the paper's "score as reported"), no step limit.
 */
void busy_conf_default(struct busy_conf *conf);

/**
 * Bytes needed for a table of @p n backends (0 when @p n is 0 or above
 * BUSY_SELECT_MAX_BACKENDS).
 */
size_t busy_table_memsize(uint32_t n);

/**
 * Initialise a table of @p n backends (1..BUSY_SELECT_MAX_BACKENDS) in
 * memory of busy_table_memsize(@p n) bytes. All slots start active with an
 * unknown score; counters start at zero.
 * @return 0, or -EINVAL (NULL pointer, @p n out of range, ewma_w above
 *   65536); the table is then untouched.
 */
int busy_table_init(struct busy_table *t, uint32_t n,
		    const struct busy_conf *conf);

/**
 * Change the state of backend @p idx. Leaving SELECT_BACKEND_REMOVED makes
 * the score unknown (a backend that comes back is a new backend); drained
 * and active slots keep their score.
 * @return 0 or -EINVAL (index or state out of range).
 */
int busy_table_set_state(struct busy_table *t, uint32_t idx,
			 enum select_backend_state state);

/**
 * Feed one busyness sample of backend @p idx received at @p now_ns.
 *
 * The sample is clamped to 0..BUSY_SCORE_MAX. An unknown score (never
 * updated, or older than max_age_ns) is replaced by the sample as is.
 * A fresh score moves towards the sample by the EWMA weight, and the move
 * is then cut to at most max_step score units: together they bound how far
 * one forged or outlier answer can pull a score.
 *
 * Drained slots are updated too (their flows still report).
 * @return 0; -ENOENT for a removed slot; -EINVAL for an index out of range.
 *   On error the table is unchanged except n_rejected.
 */
int busy_select_update(struct busy_table *t, uint32_t idx, int64_t sample,
		       uint64_t now_ns);

/**
 * Score of backend @p idx at @p now_ns.
 * @param score  set to the stored score (even when stale); may be NULL.
 * @return 1 when the score is known and fresh, 0 when it is unknown,
 *   -EINVAL for an index out of range.
 */
int busy_select_score(const struct busy_table *t, uint32_t idx,
		      uint64_t now_ns, uint16_t *score);

/**
 * Pick a backend for a new flow: among the active slots, the lowest fresh
 * score wins, unknown scores tie with it, and the ties are broken uniformly
 * with one rng_below() draw (the k-th tie in index order). No draw is made
 * when nothing is eligible. O(n), two passes over the slots.
 * @return a backend index, or BUSY_SELECT_NONE.
 */
uint32_t busy_select_pick(const struct busy_table *t, uint64_t now_ns,
			  struct rng *r);

/**
 * Same result as busy_select_pick() (same index, same draws from @p r) in
 * O(1) while the set of tied candidates is unchanged. The candidates are
 * cached in index order and rebuilt lazily (O(n)) after a change that can
 * alter them: a state change, an update of a candidate that moves its
 * score, an update of a non-candidate to at most the best score, time
 * reaching the first expiry of a fresh score, or time going backwards.
 * Updates of backends that stay worse than the best (the common case) keep
 * the cache.
 */
uint32_t busy_select_pick_cached(struct busy_table *t, uint64_t now_ns,
				 struct rng *r);

/**
 * Two-choice pick (6LB-style C = 2 candidates from consistent hashing,
 * given by the caller): the less busy of @p first and @p second. Ties and
 * unknown scores (either one) go to @p first, so a flow stays on its first
 * hashing choice whenever the feedback does not clearly say otherwise. A
 * candidate that is not active (or out of range) is skipped.
 * @return @p first, @p second, or BUSY_SELECT_NONE when neither is active.
 */
uint32_t busy_select_pick2(const struct busy_table *t, uint64_t now_ns,
			   uint32_t first, uint32_t second);

/**
 * Power-of-d pick: busy_select_pick() restricted to the @p n candidates
 * in @p cand, e.g. the C = d list that a consistent-hash table gives for
 * the flow (chash_lookup(), 6LB §III), so that another appliance can find
 * the same candidates again. Among the active candidates the lowest fresh
 * score wins, unknown scores tie with the lowest fresh score of the
 * candidates, and the ties are broken with one rng_below() draw: the k-th
 * tie in *index* order, not list order. So a list that holds every active
 * backend (in any order) gives exactly busy_select_pick()'s choice and
 * consumes the same draw. A candidate listed twice counts once; an
 * inactive or out-of-range candidate is skipped. No draw is made when
 * nothing is eligible. O(n^2) in the worst case, n <= 16.
 * @return a backend index, or BUSY_SELECT_NONE (no active candidate,
 *   @p n is 0 or above BUSY_SELECT_MAX_CANDIDATES, a NULL pointer).
 */
uint32_t busy_select_pick_among(const struct busy_table *t, uint64_t now_ns,
				const uint16_t *cand, uint32_t n,
				struct rng *r);

#endif /* DSRLB_BUSY_SELECT_H_ */
