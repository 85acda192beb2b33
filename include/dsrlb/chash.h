/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * 6LB consistent hashing (Desmouceaux et al., IEEE/ACM ToN 2018, §III,
 * Algorithm 3): a lookup table of M buckets, each mapping to an ordered
 * list of C distinct backends (the candidates of a new flow). With C = 1
 * it is Maglev's table (Eisenbud et al., NSDI'16, §3.4).
 *
 * Build (control plane, allocates): backends take turns in a fixed order;
 * at its turn a backend walks its own permutation of the buckets, skips
 * the buckets whose list is full, and appends itself to the first bucket
 * that still has room. Permutation of backend i: bucket(j) = (offset_i +
 * j * skip_i) mod M, M prime, offset_i and skip_i (1..M-1) from two
 * seeded hashes of the backend's key (flow_hash_bytes()); it is walked
 * incrementally, never stored.
 *
 * Rules this module adds to the paper (docs/algorithms.md says why):
 *  - Turn order is the order of the keys (shorter key first, then
 *    memcmp), not the order of the input array: two appliances given the
 *    same set (keys, weights, seed, M, C) map every bucket to the same
 *    keys in the same order, whatever their configuration order.
 *  - The table stores input indices (slot numbers of the caller's backend
 *    array, as busy_select uses), so identical input arrays give
 *    byte-identical tables; chash_digest() compares tables across
 *    appliances whose slot numbering differs.
 *  - Weights: each round every active backend gains its weight in credit
 *    and takes a turn when its credit reaches the largest weight W (which
 *    it then pays). With equal weights every backend takes one turn per
 *    round: exactly Algorithm 3. Weight 0 (drained) = not in the table.
 *  - C_eff = min(C, number of backends with nonzero weight); with no such
 *    backend the table is empty (C_eff = 0) and lookups return no entry.
 *
 * Lookup (data plane): O(1), no allocation, no locking; the table is
 * immutable once built (build a new one aside and swap the pointer).
 */
#ifndef DSRLB_CHASH_H_
#define DSRLB_CHASH_H_

#include <stddef.h>
#include <stdint.h>

/** Default number of buckets (prime; Maglev's and 6LB's M). */
#define CHASH_M_DEFAULT    65537u
/** Smallest accepted M (the example of the paper's figure 6). */
#define CHASH_M_MIN        7u
/** Largest accepted M (a prime below 2^24). */
#define CHASH_M_MAX        16777213u
/** Default list length (6LB's two choices). */
#define CHASH_C_DEFAULT    2u
/** Largest list length (6LB §III: Algorithm 3 takes any C; 8 is the
 *  largest candidate set the power-of-d measurement in
 *  docs/evaluation.md uses). */
#define CHASH_C_MAX        8u
/** Largest number of backend slots (indices fit in uint16_t). */
#define CHASH_MAX_BACKENDS 65535u
/** Largest backend key (an IPv6 address). */
#define CHASH_KEY_MAX      16u
/** Largest weight. */
#define CHASH_WEIGHT_MAX   1000u
/** Entry value that is no backend (read only in an empty table). */
#define CHASH_NO_BACKEND   UINT16_MAX

/** One backend slot given to chash_build(). */
struct chash_backend {
	uint8_t key[CHASH_KEY_MAX]; /**< stable identity, e.g. the address
				     *   bytes in network order */
	uint8_t key_len;            /**< 1..CHASH_KEY_MAX */
	uint16_t weight;            /**< 0 (drained, or empty slot: owns
				     *   no bucket) .. CHASH_WEIGHT_MAX */
};

/** A permutation: bucket(j) = (offset + j * skip) mod M. */
struct chash_perm {
	uint32_t offset; /**< 0..M-1 */
	uint32_t skip;   /**< 1..M-1 */
};

/** Build parameters. A zeroed struct gives M = 65537, C = 2, seed 0. */
struct chash_config {
	uint32_t m;    /**< buckets, a prime in CHASH_M_MIN..CHASH_M_MAX;
			*   0: CHASH_M_DEFAULT */
	uint32_t c;    /**< candidates per bucket, 1..CHASH_C_MAX;
			*   0: CHASH_C_DEFAULT */
	uint64_t seed; /**< seed of the permutation hashes; must be the
			*   same on every appliance */
	const struct chash_perm *perm; /**< test hook: one permutation per
					*   input slot instead of the key
					*   hashes; NULL in production */
};

/** Per-slot state kept by the table (index = input index). */
struct chash_member {
	uint8_t key[CHASH_KEY_MAX]; /**< copy of the input key */
	uint8_t key_len;            /**< copy of the input key length */
	uint16_t weight;            /**< copy of the input weight */
	uint32_t offset;            /**< permutation offset */
	uint32_t skip;              /**< permutation skip */
	uint32_t owned_first;       /**< buckets where it is entry 0 */
	uint32_t owned_any;         /**< buckets where it is any entry */
};

/** A built table; read-only after chash_build(). */
struct chash_table {
	uint32_t m;          /**< buckets */
	uint32_t c;          /**< entries per bucket (C_eff, 0..c_conf) */
	uint32_t c_conf;     /**< configured C */
	uint32_t n;          /**< input slots (members) */
	uint32_t n_active;   /**< slots with nonzero weight */
	uint32_t rounds;     /**< build: rounds of Algorithm 3 */
	uint64_t steps;      /**< build: permutation positions visited */
	uint64_t seed;       /**< as configured */
	uint64_t m_magic;    /**< 2^64 / m rounded up, for chash_bucket() */
	const uint16_t *entries;       /**< m * c input indices */
	const struct chash_member *members; /**< n slots */
	const uint16_t *order;         /**< the n slot indices in key order
					*   (the turn order of the build) */
	uint32_t refs;       /**< holders (chash_ref()); 1 after the build */
};

/**
 * Build a table for @p n backend slots. @p backends may be NULL when
 * @p n is 0.
 *
 * Constraints (-EINVAL otherwise): M prime in CHASH_M_MIN..CHASH_M_MAX;
 * C in 1..CHASH_C_MAX; n <= CHASH_MAX_BACKENDS; every key_len in
 * 1..CHASH_KEY_MAX; every weight <= CHASH_WEIGHT_MAX; n_active <= M
 * (Maglev's N <= M: with equal weights every active backend places at
 * least one entry); perm entries in range when the hook is set. Balance
 * wants M >= 100 * n_active (the paper's N << M). Two slots with the
 * same key: -EEXIST. Out of memory: -ENOMEM.
 *
 * @param out  set to the new table on success only (free with
 *   chash_free()); untouched on error.
 * @return 0 or a negative errno.
 */
int chash_build(struct chash_table **out, const struct chash_config *cfg,
		const struct chash_backend *backends, uint32_t n);

/** Free a table from chash_build() (NULL is a no-op); a table shared
 *  with chash_ref() goes when its last holder frees it. */
void chash_free(struct chash_table *t);

/** One more holder of @p t (a state that shares its predecessor's table,
 *  lb_engine.h). Holders take and drop references from one thread (the
 *  control thread); readers never do. @return @p t. */
struct chash_table *chash_ref(struct chash_table *t);

/** 1 if @p m is prime, else 0. */
int chash_is_prime(uint32_t m);

/**
 * Bucket of a 32-bit hash: exactly @p hash % m, computed with a multiply
 * (Lemire, Kaser, Kurz, "Faster remainder by direct computation", 2019)
 * where the compiler has a 128-bit type, else with %.
 */
static inline uint32_t
chash_bucket(const struct chash_table *t, uint32_t hash)
{
#ifdef __SIZEOF_INT128__
	__extension__ typedef unsigned __int128 chash_u128;
	uint64_t low = t->m_magic * hash;

	return (uint32_t)(((chash_u128)low * t->m) >> 64);
#else
	return hash % t->m;
#endif
}

/**
 * The t->c candidates (input indices, in order) of the bucket of @p hash.
 * Never NULL. When t->c is 0 (no active backend) it points to
 * CHASH_C_MAX entries of CHASH_NO_BACKEND.
 */
static inline const uint16_t *
chash_lookup(const struct chash_table *t, uint32_t hash)
{
	return t->entries + (size_t)chash_bucket(t, hash) * t->c;
}

/**
 * chash_lookup() of @p n hashes: @p lists[i] = chash_lookup(t, hashes[i]).
 * Prefetches the buckets before returning, so that reading them right
 * after costs no cache miss.
 */
void chash_lookup_bulk(const struct chash_table *t, const uint32_t *hashes,
		       const uint16_t **lists, unsigned int n);

/**
 * Disruption between two tables (6LB §III-B1): for each bucket, every
 * entry of @p before whose key is still active in @p after (a slot with
 * that key and nonzero weight) is a "non-removed entry", and a failure
 * when that key is not in the bucket's list of @p after. Keys are matched,
 * not slot numbers, so the slots may be renumbered between the builds.
 * @return 0, or -EINVAL when the tables have different M (or NULL).
 */
int chash_disruption(const struct chash_table *before,
		     const struct chash_table *after, uint64_t *failures,
		     uint64_t *entries);

/**
 * 64-bit digest of what the table maps to: M, C_eff and, bucket by bucket,
 * the keys of its candidates in order. Two appliances that agree on every
 * bucket have the same digest, whatever their slot numbering.
 */
uint64_t chash_digest(const struct chash_table *t);

#endif /* DSRLB_CHASH_H_ */
