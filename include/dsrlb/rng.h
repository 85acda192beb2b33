/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A small, seedable, per-owner pseudo-random generator (splitmix64).
 *
 * Policies take a struct rng * instead of calling rand(): each lcore owns
 * its generator (no shared state), and tests and the simulator are
 * reproducible from a seed.
 */
#ifndef DSRLB_RNG_H_
#define DSRLB_RNG_H_

#include <stdint.h>

struct rng {
	uint64_t state;
};

static inline void
rng_seed(struct rng *r, uint64_t seed)
{
	r->state = seed;
}

/** Next 64 pseudo-random bits (splitmix64, Steele et al., OOPSLA'14). */
static inline uint64_t
rng_next(struct rng *r)
{
	uint64_t z = (r->state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

/** Uniform integer in [0, n) (Lemire's multiply-shift; n > 0). */
static inline uint32_t
rng_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/** Uniform double in [0, 1). */
static inline double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

#endif /* DSRLB_RNG_H_ */
