/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/baseline_select.h"
#include "dsrlb/rng.h"

static struct baseline_table *
table_new(uint32_t n, uint32_t weight)
{
	struct baseline_table *t = malloc(baseline_table_memsize(n));

	assert_non_null(t);
	assert_int_equal(baseline_table_init(t, n, weight), 0);
	return t;
}

static void
rr_expect(struct baseline_table *t, const uint32_t *seq, size_t len)
{
	for (size_t i = 0; i < len; i++)
		assert_int_equal(baseline_rr_pick(t), seq[i]);
}

static void
test_init_checks(void **state)
{
	size_t sz = baseline_table_memsize(3);
	struct baseline_table *t = malloc(sz);
	uint8_t *raw = (uint8_t *)t;

	(void)state;
	assert_non_null(t);
	assert_int_equal(sz, sizeof(struct baseline_table) +
			 3 * sizeof(struct baseline_entry));
	assert_int_equal(baseline_table_memsize(0), 0);
	assert_int_equal(baseline_table_memsize(BASELINE_MAX_BACKENDS + 1), 0);
	memset(t, 0x77, sz);
	assert_int_equal(baseline_table_init(t, 0, 1), -EINVAL);
	assert_int_equal(baseline_table_init(t, 3, BASELINE_MAX_WEIGHT + 1),
			 -EINVAL);
	assert_int_equal(baseline_table_init(NULL, 3, 1), -EINVAL);
	for (size_t i = 0; i < sz; i++)
		assert_int_equal(raw[i], 0x77);
	assert_int_equal(baseline_table_init(t, 3, 1), 0);
	assert_int_equal(baseline_set_weight(t, 3, 1), -EINVAL);
	assert_int_equal(baseline_set_weight(t, 0, BASELINE_MAX_WEIGHT + 1),
			 -EINVAL);
	assert_int_equal(baseline_set_state(t, 3, SELECT_BACKEND_DRAINED),
			 -EINVAL);
	assert_int_equal(baseline_set_state(t, 0, (enum select_backend_state)3),
			 -EINVAL);
	assert_int_equal(baseline_rr_pick(NULL), BASELINE_NONE);
	free(t);
}

static void
test_rr_plain_and_drained(void **state)
{
	struct baseline_table *t = table_new(3, 1);
	const uint32_t plain[9] = { 0, 1, 2, 0, 1, 2, 0, 1, 2 };
	const uint32_t skip[6] = { 0, 2, 0, 2, 0, 2 };
	const uint32_t back[6] = { 0, 1, 2, 0, 1, 2 };

	(void)state;
	rr_expect(t, plain, 9);
	assert_int_equal(baseline_set_state(t, 1, SELECT_BACKEND_DRAINED), 0);
	rr_expect(t, skip, 6);
	assert_int_equal(baseline_set_state(t, 1, SELECT_BACKEND_ACTIVE), 0);
	rr_expect(t, back, 6);
	/* Setting the same state does not restart the cycle. */
	assert_int_equal(baseline_rr_pick(t), 0);
	assert_int_equal(baseline_set_state(t, 1, SELECT_BACKEND_ACTIVE), 0);
	assert_int_equal(baseline_rr_pick(t), 1);
	free(t);
}

static void
test_rr_smooth_weights(void **state)
{
	struct baseline_table *t = table_new(3, 1);
	/* nginx's documented cycle for weights {5, 1, 1}. */
	const uint32_t cycle[14] = { 0, 0, 1, 0, 2, 0, 0,
				     0, 0, 1, 0, 2, 0, 0 };
	uint32_t count[4] = { 0 };

	(void)state;
	assert_int_equal(baseline_set_weight(t, 0, 5), 0);
	rr_expect(t, cycle, 14);
	free(t);

	/* Weights {3, 0, 2, 1}: exact shares per cycle of 6, weight 0
	 * never picked. */
	t = table_new(4, 1);
	assert_int_equal(baseline_set_weight(t, 0, 3), 0);
	assert_int_equal(baseline_set_weight(t, 1, 0), 0);
	assert_int_equal(baseline_set_weight(t, 2, 2), 0);
	for (int i = 0; i < 600; i++)
		count[baseline_rr_pick(t)]++;
	assert_int_equal(count[0], 300);
	assert_int_equal(count[1], 0);
	assert_int_equal(count[2], 200);
	assert_int_equal(count[3], 100);
	/* A weight change restarts the cycle. */
	assert_int_equal(baseline_set_weight(t, 3, 3), 0);
	assert_int_equal(baseline_rr_pick(t), 0);
	assert_int_equal(baseline_rr_pick(t), 3);
	free(t);
}

static void
test_none_eligible(void **state)
{
	struct baseline_table *t = table_new(2, 0);
	struct rng r;
	uint64_t before;

	(void)state;
	rng_seed(&r, 1);
	before = r.state;
	/* All weights zero. */
	assert_int_equal(baseline_rr_pick(t), BASELINE_NONE);
	assert_int_equal(baseline_random_pick(t, &r), BASELINE_NONE);
	assert_int_equal(r.state, before);
	/* All drained or removed. */
	assert_int_equal(baseline_set_weight(t, 0, 1), 0);
	assert_int_equal(baseline_set_weight(t, 1, 1), 0);
	assert_int_equal(baseline_set_state(t, 0, SELECT_BACKEND_DRAINED), 0);
	assert_int_equal(baseline_set_state(t, 1, SELECT_BACKEND_REMOVED), 0);
	assert_int_equal(baseline_rr_pick(t), BASELINE_NONE);
	assert_int_equal(baseline_random_pick(t, &r), BASELINE_NONE);
	assert_int_equal(r.state, before);
	assert_int_equal(baseline_random_pick(NULL, &r), BASELINE_NONE);
	assert_int_equal(baseline_random_pick(t, NULL), BASELINE_NONE);
	free(t);

	/* One backend: always it. */
	t = table_new(1, 7);
	for (int i = 0; i < 10; i++) {
		assert_int_equal(baseline_rr_pick(t), 0);
		assert_int_equal(baseline_random_pick(t, &r), 0);
	}
	free(t);
}

static void
test_random_weighted(void **state)
{
	struct baseline_table *t = table_new(5, 1);
	uint32_t count[5] = { 0 };
	struct rng r, r2;
	uint32_t first[8];

	(void)state;
	rng_seed(&r, 42);
	assert_int_equal(baseline_set_weight(t, 0, 1), 0);
	assert_int_equal(baseline_set_weight(t, 1, 2), 0);
	assert_int_equal(baseline_set_weight(t, 2, 0), 0);
	assert_int_equal(baseline_set_weight(t, 3, 3), 0);
	assert_int_equal(baseline_set_state(t, 4, SELECT_BACKEND_DRAINED), 0);
	for (int i = 0; i < 60000; i++)
		count[baseline_random_pick(t, &r)]++;
	assert_int_equal(count[2], 0);
	assert_int_equal(count[4], 0);
	/* Expected 10000, 20000, 30000; +-3% is over 5 sigma. */
	assert_in_range(count[0], 9700, 10300);
	assert_in_range(count[1], 19400, 20600);
	assert_in_range(count[3], 29100, 30900);
	/* Deterministic given the seed. */
	rng_seed(&r, 5);
	rng_seed(&r2, 5);
	for (int i = 0; i < 8; i++)
		first[i] = baseline_random_pick(t, &r);
	for (int i = 0; i < 8; i++)
		assert_int_equal(baseline_random_pick(t, &r2), first[i]);
	free(t);
}

/* The k-th unit of total weight maps to its backend, in index order. */
static void
test_random_mapping_exact(void **state)
{
	struct baseline_table *t = table_new(3, 1);
	struct rng r;
	uint32_t total = 6, hits[3] = { 0 };

	(void)state;
	assert_int_equal(baseline_set_weight(t, 0, 1), 0);
	assert_int_equal(baseline_set_weight(t, 1, 2), 0);
	assert_int_equal(baseline_set_weight(t, 2, 3), 0);
	for (uint64_t seed = 0; seed < 2000; seed++) {
		struct rng probe;
		uint32_t k, expect;

		rng_seed(&r, seed);
		rng_seed(&probe, seed);
		k = rng_below(&probe, total);
		expect = k < 1 ? 0 : (k < 3 ? 1 : 2);
		assert_int_equal(baseline_random_pick(t, &r), expect);
		assert_int_equal(r.state, probe.state);
		hits[expect]++;
	}
	assert_true(hits[0] > 0 && hits[1] > 0 && hits[2] > 0);
	free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_rr_plain_and_drained),
		cmocka_unit_test(test_rr_smooth_weights),
		cmocka_unit_test(test_none_eligible),
		cmocka_unit_test(test_random_weighted),
		cmocka_unit_test(test_random_mapping_exact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
