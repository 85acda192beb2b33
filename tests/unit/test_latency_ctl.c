/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/latency_ctl.h"

#define MS 1000000ull
#define US 1000ull

static _Alignas(8) uint8_t mem[4096];

static struct lat_ctl *
make(uint32_t n, const uint32_t *base)
{
	struct lat_ctl_conf conf;
	struct lat_ctl *c = (struct lat_ctl *)mem;

	lat_ctl_conf_default(&conf);
	assert_true(lat_ctl_memsize(n) <= sizeof(mem));
	assert_int_equal(lat_ctl_init(c, n, base, &conf), 0);
	return c;
}

static uint32_t
sum(const struct lat_ctl *c)
{
	uint32_t i, s = 0;

	for (i = 0; i < c->n; i++)
		s += c->weight[i];
	return s;
}

static void
test_shift_away_and_give_back(void **state)
{
	static const uint32_t base[4] = { 100, 100, 100, 100 };
	uint64_t lat[4] = { 300 * US, 300 * US, 300 * US, 300 * US };
	struct lat_ctl *c = make(4, base);
	uint64_t now = 0;
	unsigned int steps;

	(void)state;
	/* All equal: nothing moves. */
	assert_false(lat_ctl_step(c, lat, now));
	/* Backend 2's latency rises by 1 ms: one step moves 10% of its
	 * weight (10) evenly to the three others (3, 3, 3 + 1 to the
	 * fastest, the first on ties). */
	lat[2] += 1 * MS;
	assert_true(lat_ctl_step(c, lat, now));
	assert_int_equal(c->weight[2], 90);
	assert_int_equal(c->weight[0], 104);
	assert_int_equal(c->weight[1], 103);
	assert_int_equal(c->weight[3], 103);
	assert_int_equal(sum(c), 400);
	/* Rate bound: nothing within 10 ms of the last change. */
	assert_false(lat_ctl_step(c, lat, now + 9 * MS));
	/* While it stays slow, weight keeps draining at every interval. */
	for (steps = 0; steps < 10; steps++) {
		now += 10 * MS;
		assert_true(lat_ctl_step(c, lat, now));
	}
	assert_true(c->weight[2] < 35);
	assert_int_equal(sum(c), 400);
	printf("# slow backend down to %u of 100 after 11 steps (110 ms)\n",
	       c->weight[2]);
	/* It recovers: weight comes back to exactly the configured values
	 * within a bounded number of intervals. */
	lat[2] = 300 * US;
	for (steps = 0; steps < 40; steps++) {
		now += 10 * MS;
		if (!lat_ctl_step(c, lat, now))
			break;
		assert_int_equal(sum(c), 400);
	}
	assert_true(steps < 40);
	assert_memory_equal(c->weight, base, sizeof(base));
	printf("# weights restored after %u steps\n", steps);
}

static void
test_hysteresis_and_thresholds(void **state)
{
	static const uint32_t base[2] = { 50, 50 };
	uint64_t lat[2] = { 1000 * US, 1300 * US };
	struct lat_ctl *c = make(2, base);

	(void)state;
	/* +30%: between "even" (20%) and "slow" (50%): hold. */
	assert_false(lat_ctl_step(c, lat, 0));
	/* +60% but only 120 us: below the absolute threshold. */
	lat[0] = 200 * US;
	lat[1] = 320 * US;
	assert_false(lat_ctl_step(c, lat, 0));
	/* +60% and 600 us: shift. */
	lat[0] = 1000 * US;
	lat[1] = 1600 * US;
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[1], 45);
	assert_int_equal(c->weight[0], 55);
	/* Back in the hold band: no restore yet. */
	lat[1] = 1300 * US;
	assert_false(lat_ctl_step(c, lat, 20 * MS));
	assert_int_equal(c->weight[1], 45);
}

static void
test_edges(void **state)
{
	static const uint32_t one[1] = { 10 };
	static const uint32_t withzero[3] = { 10, 0, 10 };
	static const uint32_t tiny[2] = { 1, 1 };
	uint64_t lat1[1] = { 5 * MS };
	uint64_t lat3[3] = { 100 * US, 9 * MS, 5 * MS };
	uint64_t lat2[2] = { 100 * US, 5 * MS };
	struct lat_ctl_conf conf;
	struct lat_ctl *c;

	(void)state;
	/* One backend: nothing to compare with. */
	c = make(1, one);
	assert_false(lat_ctl_step(c, lat1, 0));
	/* A configured weight of 0 is left alone (never slowest, never a
	 * receiver); the slow one is backend 2. */
	c = make(3, withzero);
	assert_true(lat_ctl_step(c, lat3, 0));
	assert_int_equal(c->weight[1], 0);
	assert_int_equal(c->weight[2], 9);
	assert_int_equal(c->weight[0], 11);
	/* The floor: weight 1 never goes to 0. */
	c = make(2, tiny);
	assert_false(lat_ctl_step(c, lat2, 0));
	assert_int_equal(c->weight[1], 1);
	/* No estimates at all. */
	lat2[0] = lat2[1] = 0;
	assert_false(lat_ctl_step(c, lat2, 0));
	/* Bad configurations. */
	lat_ctl_conf_default(&conf);
	conf.even_ratio_ppm = conf.slow_ratio_ppm;
	assert_int_equal(lat_ctl_init((struct lat_ctl *)mem, 2, tiny, &conf),
			 -EINVAL);
	lat_ctl_conf_default(&conf);
	conf.alpha_ppm = 1000001;
	assert_int_equal(lat_ctl_init((struct lat_ctl *)mem, 2, tiny, &conf),
			 -EINVAL);
	assert_int_equal(lat_ctl_memsize(0), 0);
	assert_int_equal(lat_ctl_memsize(LAT_CTL_MAX_BACKENDS + 1), 0);
}

static void
test_clock_going_back_waits(void **state)
{
	static const uint32_t base[2] = { 100, 100 };
	uint64_t lat[2] = { 100 * US, 5 * MS };
	struct lat_ctl *c = make(2, base);

	(void)state;
	assert_true(lat_ctl_step(c, lat, 100 * MS));
	assert_false(lat_ctl_step(c, lat, 50 * MS));
	assert_true(lat_ctl_step(c, lat, 110 * MS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shift_away_and_give_back),
		cmocka_unit_test(test_hysteresis_and_thresholds),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_clock_going_back_waits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
