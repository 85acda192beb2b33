/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of lib/lb/lb_recover.c: a policy's choice conditioned on a
 * flow's recovery candidates (issue 17). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/lb_recover.h"

/* Round-robin over 6 backends, candidates {2, 4}: the rotation goes on
 * (0 1 [2] 3 [4] 5 0 1 [2]), the turns on other backends spent. */
static void
test_rr_among(void **state)
{
	static const uint16_t act[] = { 2, 4 };
	static const uint16_t last[] = { 5 };
	struct baseline_table *t = malloc(baseline_table_memsize(6));

	(void)state;
	assert_non_null(t);
	assert_int_equal(baseline_table_init(t, 6, 1), 0);
	assert_int_equal(lb_recover_rr_among(t, act, 2, 32), 2);
	assert_int_equal(lb_recover_rr_among(t, act, 2, 32), 4);
	assert_int_equal(lb_recover_rr_among(t, act, 2, 32), 2);
	/* next turns 3 4: a try bound of 1 lands on 3 only */
	assert_int_equal(lb_recover_rr_among(t, act, 2, 1), BASELINE_NONE);
	assert_int_equal(lb_recover_rr_among(t, act, 2, 1), 4);
	/* 5 comes next; then 0..4 are five turns, too few for 5 */
	assert_int_equal(lb_recover_rr_among(t, last, 1, 32), 5);
	assert_int_equal(lb_recover_rr_among(t, last, 1, 5), BASELINE_NONE);
	/* no backend eligible */
	assert_int_equal(baseline_table_init(t, 1, 0), 0);
	assert_int_equal(lb_recover_rr_among(t, act, 2, 32), BASELINE_NONE);
	free(t);
}

static struct chash_table *
table(const uint16_t *weights, uint32_t n)
{
	struct chash_backend b[8];
	struct chash_config cfg = { .m = 4093, .c = 1, .seed = 7 };
	struct chash_table *t = NULL;

	memset(b, 0, sizeof(b));
	for (uint32_t i = 0; i < n; i++) {
		b[i].key[0] = 10;
		b[i].key[3] = (uint8_t)(i + 1);
		b[i].key_len = 4;
		b[i].weight = weights[i];
	}
	assert_int_equal(chash_build(&t, &cfg, b, n), 0);
	return t;
}

/* The table's choice conditioned on {0, 1}: always one of them, the
 * flow's own bucket when it is one, and in the ratio of their weights
 * (3 : 1) when a backend of the table weighs three times another. */
static void
test_table_among(void **state)
{
	static const uint16_t w[] = { 1, 3, 1, 1, 1, 1 };
	static const uint16_t act[] = { 0, 1 };
	struct chash_table *t = table(w, 6);
	uint32_t got[6] = { 0 }, own = 0, own_in = 0;

	(void)state;
	for (uint32_t h = 0; h < 40000; h++) {
		const uint32_t hash = h * 2654435761u;
		const uint32_t b = lb_recover_table_among(t, hash, act, 2, 32);

		assert_true(b == 0 || b == 1);
		got[b]++;
		if (chash_lookup(t, hash)[0] <= 1) {
			own_in++;
			own += b == chash_lookup(t, hash)[0];
		}
	}
	assert_int_equal(own, own_in);
	/* 3 : 1 within 10 % (40 000 draws: sd of the share about 0.2 %,
	 * the table's own shares within a few % of the weights) */
	assert_true(got[1] > 2.7 * got[0] && got[1] < 3.3 * got[0]);
	/* a candidate the table does not hold: no try lands on it */
	{
		static const uint16_t none[] = { 7 };

		assert_int_equal(lb_recover_table_among(t, 1, none, 1, 32),
				 CHASH_NO_BACKEND);
	}
	assert_int_equal(lb_recover_table_among(NULL, 1, act, 2, 32),
			 CHASH_NO_BACKEND);
	chash_free(t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rr_among),
		cmocka_unit_test(test_table_among),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
