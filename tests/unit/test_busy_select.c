/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/rng.h"

#define MS 1000000ull

static struct busy_table *
table_new(uint32_t n, uint64_t max_age_ns, uint32_t ewma_w, uint32_t max_step)
{
	struct busy_conf conf = {
		.max_age_ns = max_age_ns,
		.ewma_w = ewma_w,
		.max_step = max_step,
	};
	struct busy_table *t = malloc(busy_table_memsize(n));

	assert_non_null(t);
	assert_int_equal(busy_table_init(t, n, &conf), 0);
	return t;
}

static uint16_t
score_of(const struct busy_table *t, uint32_t idx, uint64_t now)
{
	uint16_t s = 0xdead;

	assert_true(busy_select_score(t, idx, now, &s) >= 0);
	return s;
}

static void
test_init_rejects_bad_config(void **state)
{
	struct busy_conf conf;
	struct busy_table *t;
	size_t sz = busy_table_memsize(4);
	uint8_t *raw;

	(void)state;
	busy_conf_default(&conf);
	assert_int_equal(conf.max_age_ns, 1000 * MS);
	assert_int_equal(conf.ewma_w, BUSY_EWMA_ONE);
	assert_int_equal(conf.max_step, 0);
	assert_int_equal(busy_table_memsize(0), 0);
	assert_int_equal(busy_table_memsize(BUSY_SELECT_MAX_BACKENDS + 1), 0);
	assert_int_equal(sz, sizeof(struct busy_table) + 4 * 20);
	t = malloc(sz);
	assert_non_null(t);
	raw = (uint8_t *)t;
	memset(t, 0xab, sz);
	assert_int_equal(busy_table_init(t, 0, &conf), -EINVAL);
	assert_int_equal(busy_table_init(t, BUSY_SELECT_MAX_BACKENDS + 1, &conf),
			 -EINVAL);
	assert_int_equal(busy_table_init(t, 4, NULL), -EINVAL);
	assert_int_equal(busy_table_init(NULL, 4, &conf), -EINVAL);
	conf.ewma_w = BUSY_EWMA_ONE + 1;
	assert_int_equal(busy_table_init(t, 4, &conf), -EINVAL);
	for (size_t i = 0; i < sz; i++)
		assert_int_equal(raw[i], 0xab);
	/* ewma_w 0 means "no smoothing", like 65536. */
	conf.ewma_w = 0;
	assert_int_equal(busy_table_init(t, 4, &conf), 0);
	assert_int_equal(t->conf.ewma_w, BUSY_EWMA_ONE);
	assert_int_equal(t->n, 4);
	for (uint32_t i = 0; i < 4; i++) {
		assert_int_equal(t->e[i].state, SELECT_BACKEND_ACTIVE);
		assert_int_equal(busy_select_score(t, i, 0, NULL), 0);
	}
	free(t);
}

static void
test_single_backend(void **state)
{
	struct busy_table *t = table_new(1, 0, 0, 0);
	struct rng r;
	uint64_t before;

	(void)state;
	rng_seed(&r, 7);
	/* Unknown, known, whatever: the only backend. */
	assert_int_equal(busy_select_pick(t, 0, &r), 0);
	assert_int_equal(busy_select_update(t, 0, 40000, 1), 0);
	assert_int_equal(busy_select_pick(t, 2, &r), 0);
	assert_int_equal(busy_select_pick_cached(t, 2, &r), 0);
	assert_int_equal(busy_select_pick2(t, 2, 0, 0), 0);
	/* Drained: nothing eligible, and no draw is spent. */
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_DRAINED), 0);
	before = r.state;
	assert_int_equal(busy_select_pick(t, 3, &r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_cached(t, 3, &r), BUSY_SELECT_NONE);
	assert_int_equal(r.state, before);
	assert_int_equal(busy_select_pick2(t, 3, 0, 0), BUSY_SELECT_NONE);
	/* Drained backends still take feedback. */
	assert_int_equal(busy_select_update(t, 0, 10, 4), 0);
	assert_int_equal(score_of(t, 0, 4), 10);
	/* NULL arguments. */
	assert_int_equal(busy_select_pick(NULL, 0, &r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick(t, 0, NULL), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_cached(NULL, 0, &r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick2(NULL, 0, 0, 0), BUSY_SELECT_NONE);
	free(t);
}

static void
test_all_drained_or_removed(void **state)
{
	struct busy_table *t = table_new(3, 0, 0, 0);
	struct rng r;

	(void)state;
	rng_seed(&r, 1);
	assert_int_equal(busy_select_update(t, 0, 1, 0), 0);
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(busy_table_set_state(t, 1, SELECT_BACKEND_REMOVED), 0);
	assert_int_equal(busy_table_set_state(t, 2, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(busy_select_pick(t, 0, &r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick2(t, 0, 0, 1), BUSY_SELECT_NONE);
	/* Bringing one back makes it the only choice. */
	assert_int_equal(busy_table_set_state(t, 2, SELECT_BACKEND_ACTIVE), 0);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(busy_select_pick(t, 0, &r), 2);
		assert_int_equal(busy_select_pick_cached(t, 0, &r), 2);
	}
	assert_int_equal(busy_table_set_state(t, 3, SELECT_BACKEND_ACTIVE),
			 -EINVAL);
	assert_int_equal(busy_table_set_state(t, 0, (enum select_backend_state)3),
			 -EINVAL);
	free(t);
}

static void
test_lowest_score_wins(void **state)
{
	struct busy_table *t = table_new(4, 0, 0, 0);
	struct rng r;

	(void)state;
	rng_seed(&r, 3);
	assert_int_equal(busy_select_update(t, 0, 500, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 100, 0), 0);
	assert_int_equal(busy_select_update(t, 2, 300, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 101, 0), 0);
	for (int i = 0; i < 1000; i++) {
		assert_int_equal(busy_select_pick(t, 1, &r), 1);
		assert_int_equal(busy_select_pick_cached(t, 1, &r), 1);
	}
	/* A drained backend is never chosen, even with the best score. */
	assert_int_equal(busy_table_set_state(t, 1, SELECT_BACKEND_DRAINED), 0);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(busy_select_pick(t, 1, &r), 3);
	free(t);
}

static void
test_ties_uniform(void **state)
{
	struct busy_table *t = table_new(5, 0, 0, 0);
	uint32_t count[5] = { 0 };
	struct rng r;
	const uint32_t draws = 60000;

	(void)state;
	rng_seed(&r, 42);
	assert_int_equal(busy_select_update(t, 0, 10, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 10, 0), 0);
	assert_int_equal(busy_select_update(t, 2, 20, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 10, 0), 0);
	assert_int_equal(busy_table_set_state(t, 4, SELECT_BACKEND_DRAINED), 0);
	for (uint32_t i = 0; i < draws; i++) {
		uint32_t b = busy_select_pick(t, 0, &r);

		assert_true(b < 5);
		count[b]++;
	}
	assert_int_equal(count[2], 0);
	assert_int_equal(count[4], 0);
	/* 20000 expected each; +-2% is about 5 standard deviations. */
	assert_in_range(count[0], 19600, 20400);
	assert_in_range(count[1], 19600, 20400);
	assert_in_range(count[3], 19600, 20400);
	free(t);
}

static void
test_unknown_ties_with_best(void **state)
{
	struct busy_table *t = table_new(4, 0, 0, 0);
	uint32_t count[4] = { 0 };
	struct rng r;

	(void)state;
	rng_seed(&r, 5);
	/* Nothing known: every active backend ties (cold start). */
	for (int i = 0; i < 4000; i++)
		count[busy_select_pick(t, 0, &r)]++;
	for (int i = 0; i < 4; i++)
		assert_in_range(count[i], 900, 1100);
	/* 0 known 100, 1 unknown, 2 and 3 known 50: {1, 2, 3} tie. */
	memset(count, 0, sizeof(count));
	assert_int_equal(busy_select_update(t, 0, 100, 0), 0);
	assert_int_equal(busy_select_update(t, 2, 50, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 50, 0), 0);
	for (int i = 0; i < 3000; i++)
		count[busy_select_pick(t, 0, &r)]++;
	assert_int_equal(count[0], 0);
	assert_in_range(count[1], 900, 1100);
	assert_in_range(count[2], 900, 1100);
	assert_in_range(count[3], 900, 1100);
	free(t);
}

static void
test_stale_scores(void **state)
{
	struct busy_table *t = table_new(2, 1000, 0, 0);
	uint32_t count[2] = { 0 };
	struct rng r;

	(void)state;
	rng_seed(&r, 9);
	assert_int_equal(busy_select_update(t, 0, 10, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 500, 600), 0);
	/* Age == max_age is still fresh. */
	assert_int_equal(busy_select_score(t, 0, 1000, NULL), 1);
	for (int i = 0; i < 100; i++) {
		assert_int_equal(busy_select_pick(t, 1000, &r), 0);
		assert_int_equal(busy_select_pick_cached(t, 1000, &r), 0);
	}
	/* One nanosecond later backend 0 is unknown and ties with 500. */
	assert_int_equal(busy_select_score(t, 0, 1001, NULL), 0);
	assert_int_equal(score_of(t, 0, 1001), 10);
	for (int i = 0; i < 2000; i++)
		count[busy_select_pick_cached(t, 1001, &r)]++;
	assert_in_range(count[0], 900, 1100);
	assert_in_range(count[1], 900, 1100);
	/* The two-choice pick keeps the first candidate on unknown. */
	assert_int_equal(busy_select_pick2(t, 1001, 1, 0), 1);
	assert_int_equal(busy_select_pick2(t, 1001, 0, 1), 0);
	/* A clock that goes backwards makes scores look new. */
	assert_int_equal(busy_select_score(t, 1, 5, NULL), 1);
	/* max_age 0: scores never age. */
	free(t);
	t = table_new(2, 0, 0, 0);
	assert_int_equal(busy_select_update(t, 0, 10, 0), 0);
	assert_int_equal(busy_select_score(t, 0, UINT64_MAX, NULL), 1);
	free(t);
}

static void
test_clamping(void **state)
{
	struct busy_table *t = table_new(1, 0, 0, 0);

	(void)state;
	assert_int_equal(busy_select_update(t, 0, -5, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 0);
	assert_int_equal(busy_select_update(t, 0, 70000, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 65535);
	assert_int_equal(busy_select_update(t, 0, INT64_MIN, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 0);
	assert_int_equal(busy_select_update(t, 0, INT64_MAX, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 65535);
	assert_int_equal(busy_select_update(t, 0, 65535, 0), 0);
	assert_int_equal(busy_select_update(t, 0, 0, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 0);
	assert_int_equal(t->n_clamped, 4);
	assert_int_equal(t->n_updates, 6);
	assert_int_equal(t->n_seeded, 1);
	free(t);
}

static void
test_ewma_smoothing(void **state)
{
	/* Weight 1/4. */
	struct busy_table *t = table_new(1, 1000, 16384, 0);

	(void)state;
	assert_int_equal(busy_select_update(t, 0, 1000, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 1000);
	assert_int_equal(busy_select_update(t, 0, 2000, 1), 0);
	assert_int_equal(score_of(t, 0, 1), 1250);
	/* 1250 + 750 / 4 = 1437.5, rounded half up to 1438. */
	assert_int_equal(busy_select_update(t, 0, 2000, 2), 0);
	assert_int_equal(t->e[0].acc, 1437u * 65536u + 32768u);
	assert_int_equal(score_of(t, 0, 2), 1438);
	/* Downwards: 1437.5 - 1437.5 / 4 = 1078.125 -> 1078. */
	assert_int_equal(busy_select_update(t, 0, 0, 3), 0);
	assert_int_equal(score_of(t, 0, 3), 1078);
	/* Repeated samples converge to the sample exactly. */
	for (int i = 0; i < 100; i++)
		assert_int_equal(busy_select_update(t, 0, 777, 4), 0);
	assert_int_equal(score_of(t, 0, 4), 777);
	/* A stale score is replaced by the sample, not smoothed. */
	assert_int_equal(busy_select_update(t, 0, 5000, 2000), 0);
	assert_int_equal(score_of(t, 0, 2000), 5000);
	assert_int_equal(t->n_seeded, 2);
	free(t);
}

static void
test_step_limit(void **state)
{
	struct busy_table *t = table_new(1, 1000, 0, 100);

	(void)state;
	/* The first (unknown) sample is taken as is. */
	assert_int_equal(busy_select_update(t, 0, 1000, 0), 0);
	assert_int_equal(busy_select_update(t, 0, 5000, 1), 0);
	assert_int_equal(score_of(t, 0, 1), 1100);
	assert_int_equal(busy_select_update(t, 0, 0, 2), 0);
	assert_int_equal(score_of(t, 0, 2), 1000);
	assert_int_equal(busy_select_update(t, 0, 1050, 3), 0);
	assert_int_equal(score_of(t, 0, 3), 1050);
	assert_int_equal(busy_select_update(t, 0, 950, 4), 0);
	assert_int_equal(score_of(t, 0, 4), 950);
	assert_int_equal(t->n_step_limited, 2);
	/* A forged 0 needs ten answers to pull 950 down to 0. */
	for (int i = 0; i < 9; i++)
		assert_int_equal(busy_select_update(t, 0, 0, 5), 0);
	assert_int_equal(score_of(t, 0, 5), 50);
	assert_int_equal(busy_select_update(t, 0, 0, 5), 0);
	assert_int_equal(score_of(t, 0, 5), 0);
	free(t);

	/* Smoothing first, then the limit: w = 1/2, step 100. */
	t = table_new(1, 0, 32768, 100);
	assert_int_equal(busy_select_update(t, 0, 1000, 0), 0);
	assert_int_equal(busy_select_update(t, 0, 3000, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 1100);
	assert_int_equal(busy_select_update(t, 0, 1200, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 1150);
	assert_int_equal(t->n_step_limited, 1);
	free(t);

	/* A step above the score range is no limit at all. */
	t = table_new(1, 0, 0, UINT32_MAX);
	assert_int_equal(busy_select_update(t, 0, 0, 0), 0);
	assert_int_equal(busy_select_update(t, 0, 65535, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 65535);
	assert_int_equal(busy_select_update(t, 0, 0, 0), 0);
	assert_int_equal(score_of(t, 0, 0), 0);
	assert_int_equal(t->n_step_limited, 0);
	free(t);
}

static void
test_update_errors_leave_table(void **state)
{
	struct busy_table *t = table_new(3, 1000, 0, 0);
	size_t sz = busy_table_memsize(3);
	struct busy_table *copy = malloc(sz);

	(void)state;
	assert_non_null(copy);
	assert_int_equal(busy_select_update(t, 0, 10, 0), 0);
	assert_int_equal(busy_table_set_state(t, 1, SELECT_BACKEND_REMOVED), 0);
	memcpy(copy, t, sz);
	assert_int_equal(busy_select_update(t, 3, 10, 0), -EINVAL);
	assert_int_equal(busy_select_update(t, 1, 10, 0), -ENOENT);
	assert_int_equal(busy_select_update(NULL, 0, 10, 0), -EINVAL);
	assert_int_equal(t->n_rejected, 2);
	copy->n_rejected = 2;
	assert_memory_equal(copy, t, sz);
	assert_int_equal(busy_select_score(t, 3, 0, NULL), -EINVAL);
	assert_int_equal(busy_select_score(t, 1, 0, NULL), 0);
	free(copy);
	free(t);
}

static void
test_state_changes(void **state)
{
	struct busy_table *t = table_new(2, 0, 0, 0);
	struct rng r;

	(void)state;
	rng_seed(&r, 11);
	assert_int_equal(busy_select_update(t, 0, 10, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 20, 0), 0);
	/* Drain and reactivate: the score survives. */
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 1);
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_ACTIVE), 0);
	assert_int_equal(busy_select_score(t, 0, 0, NULL), 1);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 0);
	/* Remove and re-add: a new backend, unknown, ties with 20. */
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_REMOVED), 0);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 1);
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_ACTIVE), 0);
	assert_int_equal(busy_select_score(t, 0, 0, NULL), 0);
	assert_int_equal(score_of(t, 0, 0), 0);
	/* The same state twice is a no-op. */
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_ACTIVE), 0);
	free(t);
}

static void
test_pick2(void **state)
{
	struct busy_table *t = table_new(4, 1000, 0, 0);

	(void)state;
	assert_int_equal(busy_select_update(t, 0, 100, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 50, 0), 0);
	assert_int_equal(busy_select_update(t, 2, 100, 0), 0);
	/* 3 unknown. */
	assert_int_equal(busy_select_pick2(t, 0, 0, 1), 1);
	assert_int_equal(busy_select_pick2(t, 0, 1, 0), 1);
	assert_int_equal(busy_select_pick2(t, 0, 0, 2), 0);   /* tie */
	assert_int_equal(busy_select_pick2(t, 0, 2, 0), 2);   /* tie */
	assert_int_equal(busy_select_pick2(t, 0, 0, 3), 0);   /* unknown */
	assert_int_equal(busy_select_pick2(t, 0, 3, 1), 3);   /* unknown */
	assert_int_equal(busy_select_pick2(t, 0, 1, 1), 1);
	/* Out of range or not active: skipped. */
	assert_int_equal(busy_select_pick2(t, 0, 9, 2), 2);
	assert_int_equal(busy_select_pick2(t, 0, 2, 9), 2);
	assert_int_equal(busy_select_pick2(t, 0, 9, 9), BUSY_SELECT_NONE);
	assert_int_equal(busy_table_set_state(t, 1, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(busy_select_pick2(t, 0, 0, 1), 0);
	assert_int_equal(busy_select_pick2(t, 0, 1, 0), 0);
	assert_int_equal(busy_table_set_state(t, 0, SELECT_BACKEND_REMOVED), 0);
	assert_int_equal(busy_select_pick2(t, 0, 1, 0), BUSY_SELECT_NONE);
	/* Stale scores count as unknown. */
	assert_int_equal(busy_select_update(t, 2, 100, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 10, 2000), 0);
	assert_int_equal(busy_select_pick2(t, 1000, 2, 3), 3);
	assert_int_equal(busy_select_pick2(t, 2000, 2, 3), 2);
	free(t);
}

/* busy_select_pick_among() over a literal list of candidates. */
#define AMONG(t, now, r, ...)						\
	busy_select_pick_among((t), (now),				\
			       (const uint16_t[]){ __VA_ARGS__ },	\
			       sizeof((const uint16_t[]){ __VA_ARGS__ }) / \
			       sizeof(uint16_t), (r))

/* Power-of-d pick over a candidate list (e.g. a C = d chash list). */
static void
test_pick_among(void **state)
{
	struct busy_table *t = table_new(6, 1000, 0, 0);
	uint16_t many[BUSY_SELECT_MAX_CANDIDATES + 1] = { 0 };
	uint32_t count[6] = { 0 };
	struct rng r;
	uint64_t before;

	(void)state;
	rng_seed(&r, 17);
	assert_int_equal(busy_select_update(t, 0, 100, 0), 0);
	assert_int_equal(busy_select_update(t, 1, 50, 0), 0);
	assert_int_equal(busy_select_update(t, 2, 100, 0), 0);
	/* 3 unknown */
	assert_int_equal(busy_select_update(t, 4, 20, 0), 0);
	assert_int_equal(busy_table_set_state(t, 4, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(busy_select_update(t, 5, 20, 0), 0);
	/* The lowest score among the candidates, whatever the list order. */
	assert_int_equal(AMONG(t, 0, &r, 0, 1, 2), 1);
	assert_int_equal(AMONG(t, 0, &r, 2, 0, 1), 1);
	/* Better backends outside the list are not taken; ties random. */
	for (int i = 0; i < 2000; i++)
		count[AMONG(t, 0, &r, 0, 2)]++;
	assert_in_range(count[0], 900, 1100);
	assert_in_range(count[2], 900, 1100);
	/* An unknown candidate ties with the best *candidate* (100), not
	 * with the best of the table (20). */
	memset(count, 0, sizeof(count));
	for (int i = 0; i < 2000; i++)
		count[AMONG(t, 0, &r, 0, 3)]++;
	assert_in_range(count[0], 900, 1100);
	assert_in_range(count[3], 900, 1100);
	/* Only unknown candidates: they tie. */
	assert_int_equal(AMONG(t, 0, &r, 3), 3);
	/* A drained or out-of-range candidate is skipped. */
	assert_int_equal(AMONG(t, 0, &r, 4, 0), 0);
	assert_int_equal(AMONG(t, 0, &r, 9, 2), 2);
	assert_int_equal(AMONG(t, 0, &r, 5, 4, 1), 5);
	/* A repeated candidate counts once: 0 and 2 stay 1:1, not 3:1. */
	memset(count, 0, sizeof(count));
	for (int i = 0; i < 4000; i++)
		count[AMONG(t, 0, &r, 0, 0, 0, 2)]++;
	assert_in_range(count[0], 1850, 2150);
	assert_in_range(count[2], 1850, 2150);
	/* Stale scores are unknown: at 1001 every score has aged out, and
	 * 1 (50) no longer beats 2 (100). */
	memset(count, 0, sizeof(count));
	for (int i = 0; i < 2000; i++)
		count[AMONG(t, 1001, &r, 1, 2)]++;
	assert_in_range(count[1], 900, 1100);
	/* Nothing eligible, or a bad call: NONE, and no draw. */
	before = r.state;
	assert_int_equal(AMONG(t, 0, &r, 4, 9), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_among(t, 0, many, 0, &r),
			 BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_among(t, 0, many,
						BUSY_SELECT_MAX_CANDIDATES + 1,
						&r), BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_among(t, 0, NULL, 2, &r),
			 BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_among(NULL, 0, many, 2, &r),
			 BUSY_SELECT_NONE);
	assert_int_equal(busy_select_pick_among(t, 0, many, 2, NULL),
			 BUSY_SELECT_NONE);
	assert_true(r.state == before);
	/* The longest list is taken (slot 0 repeated). */
	assert_int_equal(busy_select_pick_among(t, 0, many,
						BUSY_SELECT_MAX_CANDIDATES,
						&r), 0);
	free(t);
}

/* Random operations: a list of every slot, shuffled and with repeats,
 * picks exactly what busy_select_pick() picks, draw for draw. */
static void
test_pick_among_all_is_pick(void **state)
{
	const uint32_t n = 9;
	struct busy_table *t = table_new(n, 50, 16384, 3000);
	struct rng ops, r1, r2;
	uint16_t l[BUSY_SELECT_MAX_CANDIDATES];
	uint64_t now = 0;
	uint32_t none = 0, picks = 0;

	(void)state;
	rng_seed(&ops, 4048);
	rng_seed(&r1, 7);
	rng_seed(&r2, 7);
	for (int i = 0; i < 50000; i++) {
		uint32_t op = rng_below(&ops, 100);
		uint32_t b = rng_below(&ops, n);

		if (op < 40) {
			(void)busy_select_update(t, b,
						 (int64_t)rng_below(&ops, 4) * 1000,
						 now);
		} else if (op < 43) {
			(void)busy_table_set_state(t, b,
				(enum select_backend_state)rng_below(&ops, 3));
		} else if (op < 45 && now > 20) {
			now -= rng_below(&ops, 20);
		} else {
			uint32_t len = n + rng_below(&ops, 4), a, c, k;

			/* every slot once, then a few repeats, shuffled */
			for (k = 0; k < len; k++)
				l[k] = (uint16_t)(k < n ? k :
						  rng_below(&ops, n));
			for (k = len - 1; k > 0; k--) {
				uint32_t x = rng_below(&ops, k + 1);
				uint16_t tmp = l[k];

				l[k] = l[x];
				l[x] = tmp;
			}
			a = busy_select_pick(t, now, &r1);
			c = busy_select_pick_among(t, now, l, len, &r2);
			assert_int_equal(a, c);
			assert_true(r1.state == r2.state);
			none += a == BUSY_SELECT_NONE;
			picks++;
		}
		now += rng_below(&ops, 8);
	}
	/* Both branches were exercised. */
	assert_true(none > 100);
	assert_true(picks - none > 10000);
	free(t);
}

static void
test_cache_kept_on_worse_updates(void **state)
{
	struct busy_table *t = table_new(4, 0, 0, 0);
	struct rng r;

	(void)state;
	rng_seed(&r, 13);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(busy_select_update(t, i, 100 * (i + 1), 0), 0);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 0);
	assert_int_equal(t->n_rebuilds, 1);
	/* Non-candidates staying above the best: no rebuild. */
	assert_int_equal(busy_select_update(t, 2, 250, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 101, 0), 0);
	/* The candidate staying at the best: no rebuild. */
	assert_int_equal(busy_select_update(t, 0, 100, 0), 0);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 0);
	assert_int_equal(t->n_rebuilds, 1);
	/* A non-candidate reaching the best: rebuild, now two candidates. */
	assert_int_equal(busy_select_update(t, 3, 100, 0), 0);
	assert_int_equal(t->cache_valid, 0);
	(void)busy_select_pick_cached(t, 0, &r);
	assert_int_equal(t->n_rebuilds, 2);
	assert_int_equal(t->cache_n, 2);
	/* The best moving up: rebuild. */
	assert_int_equal(busy_select_update(t, 0, 300, 0), 0);
	assert_int_equal(busy_select_update(t, 3, 300, 0), 0);
	assert_int_equal(busy_select_pick_cached(t, 0, &r), 1);
	assert_int_equal(t->n_rebuilds, 3);
	free(t);
}

/* Random operations: the cached pick equals the scan, draw for draw. */
static void
test_cached_matches_scan(void **state)
{
	const uint32_t n = 9;
	struct busy_table *t = table_new(n, 50, 16384, 3000);
	struct rng ops, r1, r2;
	uint64_t now = 0;
	uint32_t none = 0, rebuilds;

	(void)state;
	rng_seed(&ops, 2024);
	rng_seed(&r1, 99);
	rng_seed(&r2, 99);
	for (int i = 0; i < 50000; i++) {
		uint32_t op = rng_below(&ops, 100);
		uint32_t b = rng_below(&ops, n);

		if (op < 40) {
			/* Coarse scores so that ties happen. */
			(void)busy_select_update(t, b,
						 (int64_t)rng_below(&ops, 4) * 1000,
						 now);
		} else if (op < 43) {
			(void)busy_table_set_state(t, b,
				(enum select_backend_state)rng_below(&ops, 3));
		} else if (op < 45 && now > 20) {
			now -= rng_below(&ops, 20);
		} else {
			uint32_t a = busy_select_pick(t, now, &r1);
			uint32_t c = busy_select_pick_cached(t, now, &r2);

			assert_int_equal(a, c);
			assert_int_equal(r1.state, r2.state);
			none += a == BUSY_SELECT_NONE;
		}
		now += rng_below(&ops, 8);
	}
	rebuilds = (uint32_t)t->n_rebuilds;
	/* Pinned for this seed: the empty case was hit, and about 28% of
	 * the ~27500 picks needed a rebuild. */
	assert_int_equal(none, 451);
	assert_int_equal(rebuilds, 7812);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_rejects_bad_config),
		cmocka_unit_test(test_single_backend),
		cmocka_unit_test(test_all_drained_or_removed),
		cmocka_unit_test(test_lowest_score_wins),
		cmocka_unit_test(test_ties_uniform),
		cmocka_unit_test(test_unknown_ties_with_best),
		cmocka_unit_test(test_stale_scores),
		cmocka_unit_test(test_clamping),
		cmocka_unit_test(test_ewma_smoothing),
		cmocka_unit_test(test_step_limit),
		cmocka_unit_test(test_update_errors_leave_table),
		cmocka_unit_test(test_state_changes),
		cmocka_unit_test(test_pick2),
		cmocka_unit_test(test_pick_among),
		cmocka_unit_test(test_pick_among_all_is_pick),
		cmocka_unit_test(test_cache_kept_on_worse_updates),
		cmocka_unit_test(test_cached_matches_scan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
