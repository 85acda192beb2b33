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

static _Alignas(8) uint8_t mem[8192];

static struct lat_ctl *
make_conf(uint32_t n, const uint32_t *w, const struct lat_ctl_conf *conf)
{
	struct lat_ctl *c = (struct lat_ctl *)mem;

	assert_true(lat_ctl_memsize(n) <= sizeof(mem));
	assert_int_equal(lat_ctl_init(c, n, w, conf), 0);
	return c;
}

static struct lat_ctl *
make(uint32_t n, const uint32_t *w)
{
	struct lat_ctl_conf conf;

	lat_ctl_conf_default(&conf);
	return make_conf(n, w, &conf);
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
	static const uint32_t w[4] = { 1, 1, 1, 1 };
	uint64_t lat[4] = { 300 * US, 300 * US, 300 * US, 300 * US };
	struct lat_ctl *c = make(4, w);
	uint32_t prev[4], i, expect, steps;
	uint64_t now = 1000 * MS;

	(void)state;
	/* Resolution: weight 1 becomes 500 units (room to double within
	 * 1000); the floor is 5% of it. */
	assert_int_equal(c->scale, 500);
	for (i = 0; i < 4; i++) {
		assert_int_equal(c->weight[i], 500);
		assert_int_equal(c->floor[i], 25);
	}
	/* All equal: nothing moves. */
	assert_false(lat_ctl_step(c, lat, now));
	/* Backend 2's latency rises by 1 ms: 10% of its weight (50) goes
	 * evenly to the three others, the remainder one unit each in index
	 * order: 17, 17, 16. */
	lat[2] += 1 * MS;
	assert_true(lat_ctl_step(c, lat, now));
	assert_int_equal(c->weight[0], 517);
	assert_int_equal(c->weight[1], 517);
	assert_int_equal(c->weight[2], 450);
	assert_int_equal(c->weight[3], 516);
	assert_int_equal(sum(c), 2000);
	assert_int_equal(c->changes, 1);
	/* Rate bound: nothing within 10 ms of the last change. */
	assert_false(lat_ctl_step(c, lat, now + 10 * MS - 1));
	/* While it stays slow, 10% of what it has left drains at every
	 * interval (at least 1 unit) down to the floor, the others rise,
	 * the sum stays exactly 2000. */
	for (steps = 0;; steps++) {
		memcpy(prev, c->weight, sizeof(prev));
		now += 10 * MS;
		expect = prev[2] - (prev[2] / 10 ? prev[2] / 10 : 1);
		if (expect < 25)
			expect = 25;
		if (!lat_ctl_step(c, lat, now))
			break;
		assert_int_equal(c->weight[2], expect);
		/* Every other backend gains (once there are at least 3
		 * units to spread; 1 or 2 go to the first ones). */
		for (i = 0; i < 4; i++)
			if (i != 2 && prev[2] - expect >= 3)
				assert_true(c->weight[i] > prev[i]);
			else if (i != 2)
				assert_true(c->weight[i] >= prev[i]);
		assert_int_equal(sum(c), 2000);
	}
	assert_int_equal(c->weight[2], 25);
	assert_int_equal(steps, 30);
	/* Evenly: the remainders rotate, the others end within 6 units. */
	assert_int_equal(c->weight[0], 656);
	assert_int_equal(c->weight[1], 657);
	assert_int_equal(c->weight[3], 662);
	printf("# drained to the floor (25) in %u steps; others %u %u %u\n",
	       steps + 1, c->weight[0], c->weight[1], c->weight[3]);
	/* It recovers: 20% of its configured weight (100) per interval comes
	 * back, so it is exactly at 500 within ceil(1 / 20%) = 5 intervals
	 * (475 units to regain), and nothing changes afterwards. */
	lat[2] = 300 * US;
	for (steps = 0; steps < 10; steps++) {
		now += 10 * MS;
		if (!lat_ctl_step(c, lat, now))
			break;
		assert_int_equal(sum(c), 2000);
		assert_int_equal(c->weight[2], steps < 4 ?
				 25 + 100 * (steps + 1) : 500);
	}
	assert_int_equal(steps, 5);
	for (i = 0; i < 4; i++)
		assert_int_equal(c->weight[i], 500);
	assert_false(lat_ctl_step(c, lat, now + 100 * MS));
}

static void
test_hysteresis_and_thresholds(void **state)
{
	static const uint32_t w[2] = { 50, 50 };
	uint64_t lat[2] = { 1000 * US, 1300 * US };
	struct lat_ctl *c = make(2, w);

	(void)state;
	assert_int_equal(c->scale, 10);
	/* +30% (300 us): above "even" (20%, 50 us), below "slow" (50%):
	 * hold. */
	assert_false(lat_ctl_step(c, lat, 0));
	/* +60% but only 120 us: below the absolute slow threshold: hold. */
	lat[0] = 200 * US;
	lat[1] = 320 * US;
	assert_false(lat_ctl_step(c, lat, 0));
	/* +60% and 600 us: shift 50. */
	lat[0] = 1000 * US;
	lat[1] = 1600 * US;
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[0], 550);
	assert_int_equal(c->weight[1], 450);
	/* Back in the hold band: no restore. */
	lat[1] = 1300 * US;
	assert_false(lat_ctl_step(c, lat, 20 * MS));
	assert_int_equal(c->weight[1], 450);
	/* +15%: even by the ratio: restore (50 missing, step 100). */
	lat[1] = 1150 * US;
	assert_true(lat_ctl_step(c, lat, 30 * MS));
	assert_int_equal(c->weight[0], 500);
	assert_int_equal(c->weight[1], 500);
	/* Even by the absolute threshold: 40 us, although +40%. */
	lat[1] = 1600 * US;
	assert_true(lat_ctl_step(c, lat, 40 * MS));
	lat[0] = 100 * US;
	lat[1] = 140 * US;
	assert_true(lat_ctl_step(c, lat, 50 * MS));
	assert_int_equal(c->weight[1], 500);
	/* The first backend slower this time: the shift goes the other
	 * way. */
	lat[0] = 2 * MS;
	assert_true(lat_ctl_step(c, lat, 60 * MS));
	assert_int_equal(c->weight[0], 450);
	assert_int_equal(c->weight[1], 550);
}

static void
test_rebuild_rate_bound(void **state)
{
	static const uint32_t w[3] = { 1, 2, 3 };
	uint64_t lat[3], now, last = 0;
	struct lat_ctl *c = make(3, w);
	unsigned int changes = 0, ms;

	(void)state;
	/* A control step every millisecond for 2 s over latencies that
	 * swing every 7 ms between "backend 1 is 2 ms slower" and "all
	 * even": changes (table rebuilds) are never closer than 10 ms, so
	 * at most 201 of them. */
	for (ms = 0; ms < 2000; ms++) {
		now = 5000 * MS + ms * MS;
		lat[0] = 400 * US;
		lat[1] = (ms / 7) % 2 ? 2400 * US : 410 * US;
		lat[2] = 420 * US;
		if (lat_ctl_step(c, lat, now)) {
			if (changes > 0)
				assert_true(now - last >= 10 * MS);
			last = now;
			changes++;
			assert_int_equal(sum(c), 6 * c->scale);
		}
	}
	printf("# %u changes in 2 s\n", changes);
	assert_true(changes <= 201);
	assert_true(changes >= 100);
	assert_int_equal(c->changes, changes);
	/* A zero interval lets every step change. */
	{
		struct lat_ctl_conf conf;
		unsigned int k;

		lat_ctl_conf_default(&conf);
		conf.min_interval_ns = 0;
		c = make_conf(3, w, &conf);
		lat[1] = 5 * MS;
		for (k = 0; k < 5; k++)
			assert_true(lat_ctl_step(c, lat, 0));
	}
}

static void
test_clock_going_back(void **state)
{
	static const uint32_t w[2] = { 1, 1 };
	uint64_t lat[2] = { 100 * US, 5 * MS };
	struct lat_ctl *c = make(2, w);

	(void)state;
	assert_true(lat_ctl_step(c, lat, 100 * MS));
	/* The clock went back 50 ms: no change, and the interval restarts
	 * from the new time (instead of waiting 50 ms + 10 ms). */
	assert_false(lat_ctl_step(c, lat, 50 * MS));
	assert_false(lat_ctl_step(c, lat, 60 * MS - 1));
	assert_true(lat_ctl_step(c, lat, 60 * MS));
	assert_int_equal(c->changes, 2);
}

static void
test_equally_slow_do_not_feed_each_other(void **state)
{
	static const uint32_t w[3] = { 1, 1, 1 };
	uint64_t lat[3] = { 300 * US, 1300 * US, 1300 * US };
	struct lat_ctl *c = make(3, w);

	(void)state;
	/* Only backend 0 is clearly faster than the slowest: it receives
	 * everything; the two slow ones take turns (heavier first). */
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[0], 550);
	assert_int_equal(c->weight[1], 450);
	assert_int_equal(c->weight[2], 500);
	assert_true(lat_ctl_step(c, lat, 10 * MS));
	assert_int_equal(c->weight[0], 600);
	assert_int_equal(c->weight[1], 450);
	assert_int_equal(c->weight[2], 450);
	assert_true(lat_ctl_step(c, lat, 20 * MS));
	assert_int_equal(c->weight[0], 645);
	assert_int_equal(c->weight[1], 405);
	assert_int_equal(c->weight[2], 450);
}

static void
test_weight_max_and_floor(void **state)
{
	static const uint32_t w[3] = { 2, 1, 1 };
	static const uint32_t tiny[2] = { 1, 1 };
	uint64_t lat[3] = { 100 * US, 100 * US, 5 * MS };
	struct lat_ctl_conf conf;
	struct lat_ctl *c;

	(void)state;
	/* Backend 0 starts at the cap (600): it receives nothing, backend
	 * 1 takes the whole 30. */
	lat_ctl_conf_default(&conf);
	conf.weight_max = 600;
	conf.scale = 300;
	c = make_conf(3, w, &conf);
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[0], 600);
	assert_int_equal(c->weight[1], 330);
	assert_int_equal(c->weight[2], 270);
	/* A receiver that fills up mid-way: with alpha 50%, 145 to move,
	 * backend 0 has room for 20 only, backend 1 gets the other 125. */
	conf.scale = 290;
	conf.alpha_ppm = 500000;
	c = make_conf(3, w, &conf);
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[0], 600);
	assert_int_equal(c->weight[1], 415);
	assert_int_equal(c->weight[2], 145);
	assert_int_equal(sum(c), 1160);
	/* Nobody has room: nothing moves, no rebuild. */
	conf.weight_max = 600;
	conf.scale = 600;
	c = make_conf(2, tiny, &conf);
	lat[0] = 100 * US;
	lat[1] = 5 * MS;
	assert_false(lat_ctl_step(c, lat, 0));
	/* Floor: scale 1 leaves weight 1, which is the floor: no shift. */
	lat_ctl_conf_default(&conf);
	conf.scale = 1;
	c = make_conf(2, tiny, &conf);
	assert_int_equal(c->floor[1], 1);
	assert_false(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[1], 1);
	/* Floor of 0%: still never below 1 unit. */
	lat_ctl_conf_default(&conf);
	conf.floor_ppm = 0;
	conf.alpha_ppm = 1000000;
	conf.min_interval_ns = 0;
	c = make_conf(2, tiny, &conf);
	assert_true(lat_ctl_step(c, lat, 0));
	assert_int_equal(c->weight[1], 1);
	assert_int_equal(c->weight[0], 999);
	assert_false(lat_ctl_step(c, lat, 0));
}

static void
test_edges(void **state)
{
	static const uint32_t one[1] = { 7 };
	static const uint32_t zeros[3] = { 0, 0, 0 };
	static const uint32_t withzero[3] = { 10, 0, 10 };
	static const uint32_t eq[3] = { 4, 4, 4 };
	uint64_t lat1[1] = { 5 * MS };
	uint64_t lat3[3] = { 100 * US, 9 * MS, 5 * MS };
	uint64_t leq[3] = { 1 * MS, 1 * MS, 1 * MS };
	uint64_t none[3] = { 0, 0, 0 };
	struct lat_ctl *c;
	unsigned int k;

	(void)state;
	/* One backend: nothing to compare with, it keeps its weight. */
	c = make(1, one);
	assert_int_equal(c->weight[0], 7 * 71);
	assert_false(lat_ctl_step(c, lat1, 0));
	assert_int_equal(c->weight[0], 497);
	/* All equal latencies: never a change. */
	c = make(3, eq);
	for (k = 0; k < 50; k++)
		assert_false(lat_ctl_step(c, leq, k * MS));
	assert_int_equal(c->changes, 0);
	/* All weights zero: valid (an empty table), never a change. */
	c = make(3, zeros);
	assert_int_equal(c->scale, 1);
	assert_false(lat_ctl_step(c, lat3, 0));
	assert_int_equal(sum(c), 0);
	/* A configured weight of 0 (drained) is left alone even when it is
	 * the slowest; backend 2 is the slow one. */
	c = make(3, withzero);
	assert_int_equal(c->scale, 50);
	assert_true(lat_ctl_step(c, lat3, 0));
	assert_int_equal(c->weight[0], 550);
	assert_int_equal(c->weight[1], 0);
	assert_int_equal(c->weight[2], 450);
	/* No estimates at all (or only one): back toward the configured
	 * weights, as after a recovery. */
	assert_true(lat_ctl_step(c, none, 10 * MS));
	assert_int_equal(c->weight[0], 500);
	assert_int_equal(c->weight[2], 500);
	/* A backend without an estimate neither triggers nor receives. */
	lat3[0] = 0;
	lat3[1] = 0;
	assert_false(lat_ctl_step(c, lat3, 20 * MS));
	/* Absurd latencies are capped, not overflowed. */
	lat3[0] = 100 * US;
	lat3[2] = UINT64_MAX;
	assert_true(lat_ctl_step(c, lat3, 30 * MS));
	assert_int_equal(c->weight[2], 450);
	/* NULLs. */
	assert_false(lat_ctl_step(NULL, lat3, 0));
	assert_false(lat_ctl_step(c, NULL, 0));
}

static void
test_bad_configurations(void **state)
{
	static const uint32_t w[2] = { 1, 1 };
	static const uint32_t big[2] = { 1001, 1 };
	static const uint32_t ten[2] = { 10, 1 };
	struct lat_ctl_conf conf;
	struct lat_ctl *c = (struct lat_ctl *)mem;
	uint8_t before[256];
	unsigned int k;

	(void)state;
	memset(mem, 0xa5, sizeof(before));
	memcpy(before, mem, sizeof(before));
	for (k = 0; k < 11; k++) {
		lat_ctl_conf_default(&conf);
		switch (k) {
		case 0:
			conf.even_ratio_ppm = conf.slow_ratio_ppm;
			break;
		case 1:
			conf.even_abs_ns = conf.slow_abs_ns;
			break;
		case 2:
			conf.alpha_ppm = 0;
			break;
		case 3:
			conf.alpha_ppm = 1000001;
			break;
		case 4:
			conf.restore_ppm = 0;
			break;
		case 5:
			conf.restore_ppm = 1000001;
			break;
		case 6:
			conf.floor_ppm = 1000001;
			break;
		case 7:
			conf.weight_max = 0;
			break;
		case 8:
			conf.weight_max = 65536;
			break;
		case 9:
			conf.scale = 200;       /* 10 * 200 > 1000 */
			break;
		default:
			conf.weight_max = 9;    /* 10 > 9 */
			break;
		}
		assert_int_equal(lat_ctl_init(c, 2, ten, &conf), -EINVAL);
		assert_memory_equal(mem, before, sizeof(before));
	}
	lat_ctl_conf_default(&conf);
	assert_int_equal(lat_ctl_init(c, 2, big, &conf), -EINVAL);
	assert_int_equal(lat_ctl_init(c, 0, w, &conf), -EINVAL);
	assert_int_equal(lat_ctl_init(c, LAT_CTL_MAX_BACKENDS + 1, w, &conf),
			 -EINVAL);
	assert_int_equal(lat_ctl_init(NULL, 2, w, &conf), -EINVAL);
	assert_int_equal(lat_ctl_init(c, 2, NULL, &conf), -EINVAL);
	assert_int_equal(lat_ctl_init(c, 2, w, NULL), -EINVAL);
	assert_memory_equal(mem, before, sizeof(before));
	assert_int_equal(lat_ctl_memsize(0), 0);
	assert_int_equal(lat_ctl_memsize(LAT_CTL_MAX_BACKENDS + 1), 0);
	assert_int_equal(lat_ctl_memsize(2),
			 sizeof(struct lat_ctl) + 6 * sizeof(uint32_t));
	/* The largest weight that fits: scale 1, weight_max itself. */
	assert_int_equal(lat_ctl_init(c, 2, (const uint32_t[]){ 1000, 1 },
				      &conf), 0);
	assert_int_equal(c->scale, 1);
	assert_int_equal(c->weight[0], 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shift_away_and_give_back),
		cmocka_unit_test(test_hysteresis_and_thresholds),
		cmocka_unit_test(test_rebuild_rate_bound),
		cmocka_unit_test(test_clock_going_back),
		cmocka_unit_test(test_equally_slow_do_not_feed_each_other),
		cmocka_unit_test(test_weight_max_and_floor),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_bad_configurations),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
