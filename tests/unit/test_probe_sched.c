/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/probe_sched.h"

static struct probe_sched *
sched_new(uint32_t nb, const struct probe_conf *conf)
{
	struct probe_sched *ps = malloc(probe_sched_memsize(nb));

	assert_non_null(ps);
	assert_int_equal(probe_sched_init(ps, nb, conf), 0);
	return ps;
}

static struct probe_sched *
fixed_new(uint32_t nb, uint32_t n, uint64_t timeout)
{
	struct probe_conf conf = { .n = n, .timeout_ns = timeout };

	return sched_new(nb, &conf);
}

static struct probe_sched *
adaptive_new(uint32_t nb, uint32_t n)
{
	struct probe_conf conf;

	probe_conf_default(&conf);
	conf.adaptive = true;
	conf.n = n;
	return sched_new(nb, &conf);
}

/* Send packets to @p b until one carries a probe, then answer it. */
static void
probe_and_answer(struct probe_sched *ps, uint32_t b, uint16_t score)
{
	uint32_t i;

	for (i = 0; i <= PROBE_N_MAX; i++)
		if (probe_sched_packet(ps, b, 0))
			break;
	assert_true(i <= PROBE_N_MAX);
	assert_int_equal(probe_sched_answer(ps, b, score, 0), 0);
}

static void
test_init_checks(void **state)
{
	struct probe_conf conf, bad;
	size_t sz = probe_sched_memsize(2);
	struct probe_sched *ps = malloc(sz);
	uint8_t *raw = (uint8_t *)ps;

	(void)state;
	assert_non_null(ps);
	assert_int_equal(sz, sizeof(struct probe_sched) +
			 2 * sizeof(struct probe_slot));
	assert_int_equal(probe_sched_memsize(0), 0);
	assert_int_equal(probe_sched_memsize(PROBE_MAX_BACKENDS + 1), 0);
	probe_conf_default(&conf);
	assert_int_equal(conf.n, 100);
	assert_int_equal(conf.timeout_ns, 2000000000ull);
	assert_false(conf.adaptive);
	memset(ps, 0x5a, sz);
	assert_int_equal(probe_sched_init(NULL, 2, &conf), -EINVAL);
	assert_int_equal(probe_sched_init(ps, 2, NULL), -EINVAL);
	assert_int_equal(probe_sched_init(ps, 0, &conf), -EINVAL);
	bad = conf;
	bad.n = PROBE_N_MAX + 1;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.timeout_ns = 0;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	conf.adaptive = true;
	bad = conf;
	bad.n_min = 0;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.n_min = 1001;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.n_max = PROBE_N_MAX + 1;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.alpha = 0.0;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad.alpha = 1.5;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad.alpha = NAN;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.cv_high = bad.cv_low;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.cv_low = -0.1;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.score_floor = 0;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	bad = conf;
	bad.calm_needed = 0;
	assert_int_equal(probe_sched_init(ps, 2, &bad), -EINVAL);
	for (size_t i = 0; i < sz; i++)
		assert_int_equal(raw[i], 0x5a);
	/* Adaptive: the initial N is clamped into [n_min, n_max]. */
	conf.n = 5;
	assert_int_equal(probe_sched_init(ps, 2, &conf), 0);
	assert_int_equal(probe_sched_get_n(ps), 10);
	conf.n = 0;
	assert_int_equal(probe_sched_init(ps, 2, &conf), 0);
	assert_int_equal(probe_sched_get_n(ps), 0);
	/* Fixed mode does not look at the adaptive parameters. */
	memset(&bad, 0, sizeof(bad));
	bad.n = 7;
	bad.timeout_ns = 1;
	assert_int_equal(probe_sched_init(ps, 2, &bad), 0);
	assert_int_equal(probe_sched_get_n(ps), 7);
	assert_int_equal(probe_sched_get_n(NULL), 0);
	free(ps);
}

static void
test_every_nth_packet(void **state)
{
	struct probe_sched *ps = fixed_new(1, 3, 1000);
	uint32_t marked[8], nm = 0;
	const uint32_t expect[8] = { 3, 6, 9, 12, 15, 18, 21, 24 };

	(void)state;
	for (uint32_t k = 1; k <= 25; k++) {
		if (probe_sched_packet(ps, 0, k)) {
			assert_true(nm < 8);
			marked[nm++] = k;
			assert_int_equal(probe_sched_answer(ps, 0, 1, k), 0);
		}
	}
	assert_int_equal(nm, 8);
	assert_memory_equal(marked, expect, sizeof(expect));
	assert_int_equal(ps->n_packets, 25);
	assert_int_equal(ps->n_probes, 8);
	assert_int_equal(ps->n_answers, 8);
	free(ps);

	/* N = 1: every packet. */
	ps = fixed_new(1, 1, 1000);
	for (uint32_t k = 1; k <= 10; k++) {
		assert_true(probe_sched_packet(ps, 0, k));
		assert_int_equal(probe_sched_answer(ps, 0, 1, k), 0);
	}
	free(ps);

	/* N = 0: never. */
	ps = fixed_new(1, 0, 1000);
	for (uint32_t k = 1; k <= 1000; k++)
		assert_false(probe_sched_packet(ps, 0, k));
	assert_int_equal(ps->n_probes, 0);
	assert_int_equal(ps->n_packets, 1000);
	assert_false(probe_sched_packet(NULL, 0, 0));
	free(ps);
}

static void
test_n_changed_at_run_time(void **state)
{
	struct probe_sched *ps = fixed_new(1, 5, 1000);
	uint32_t marked[16], nm = 0;
	/* N 5, then 2 after packet 3, 4 after packet 9, 0 after 14, 3
	 * after 20. */
	const uint32_t expect[] = { 4, 6, 8, 12, 21, 24, 27, 30 };

	(void)state;
	for (uint32_t k = 1; k <= 30; k++) {
		if (probe_sched_packet(ps, 0, k)) {
			marked[nm++] = k;
			assert_int_equal(probe_sched_answer(ps, 0, 1, k), 0);
		}
		if (k == 3)
			assert_int_equal(probe_sched_set_n(ps, 2), 0);
		if (k == 9)
			assert_int_equal(probe_sched_set_n(ps, 4), 0);
		if (k == 14)
			assert_int_equal(probe_sched_set_n(ps, 0), 0);
		if (k == 20)
			assert_int_equal(probe_sched_set_n(ps, 3), 0);
	}
	assert_int_equal(nm, sizeof(expect) / sizeof(expect[0]));
	assert_memory_equal(marked, expect, sizeof(expect));
	assert_int_equal(probe_sched_set_n(ps, PROBE_N_MAX + 1), -EINVAL);
	assert_int_equal(probe_sched_get_n(ps), 3);
	assert_int_equal(probe_sched_set_n(ps, PROBE_N_MAX), 0);
	assert_int_equal(probe_sched_set_n(NULL, 1), -EINVAL);
	free(ps);

	/* Adaptive mode clamps a run-time N, except 0. */
	ps = adaptive_new(1, 100);
	assert_int_equal(probe_sched_set_n(ps, 3), 0);
	assert_int_equal(probe_sched_get_n(ps), 10);
	assert_int_equal(probe_sched_set_n(ps, 5000), 0);
	assert_int_equal(probe_sched_get_n(ps), 1000);
	assert_int_equal(probe_sched_set_n(ps, 0), 0);
	assert_int_equal(probe_sched_get_n(ps), 0);
	free(ps);
}

static void
test_no_room_keeps_due(void **state)
{
	struct probe_sched *ps = fixed_new(2, 3, 100);

	(void)state;
	assert_false(probe_sched_packet(ps, 0, 0));
	assert_false(probe_sched_packet(ps, 0, 0));
	assert_true(probe_sched_packet(ps, 0, 0));
	/* The packet had no room: handed back, due again at once. */
	assert_int_equal(probe_sched_no_room(ps, 0), 0);
	assert_int_equal(probe_sched_outstanding(ps, 0, 1), 0);
	assert_int_equal(ps->n_probes, 0);
	assert_int_equal(ps->n_no_room, 1);
	assert_true(probe_sched_packet(ps, 1, 2));
	assert_int_equal(ps->n_probes, 1);
	assert_int_equal(probe_sched_outstanding(ps, 1, 2), 1);
	/* The count restarted from the probe that went out. */
	assert_false(probe_sched_packet(ps, 0, 3));
	assert_false(probe_sched_packet(ps, 0, 3));
	assert_true(probe_sched_packet(ps, 0, 3));
	assert_int_equal(probe_sched_no_room(ps, 2), -EINVAL);
	assert_int_equal(probe_sched_no_room(NULL, 0), -EINVAL);
	free(ps);
}

static void
test_outstanding_timeout(void **state)
{
	struct probe_sched *ps = fixed_new(2, 1, 100);

	(void)state;
	assert_true(probe_sched_packet(ps, 0, 0));
	assert_int_equal(probe_sched_outstanding(ps, 0, 0), 1);
	/* At most one outstanding probe per backend. */
	assert_false(probe_sched_packet(ps, 0, 50));
	assert_false(probe_sched_packet(ps, 0, 99));
	assert_int_equal(ps->n_deferred, 2);
	assert_int_equal(probe_sched_outstanding(ps, 0, 99), 1);
	assert_int_equal(probe_sched_outstanding(ps, 0, 100), 2);
	/* The timeout frees the slot; the old probe is lost. */
	assert_true(probe_sched_packet(ps, 0, 100));
	assert_int_equal(ps->n_lost, 1);
	assert_int_equal(ps->slot[0].lost_streak, 1);
	assert_int_equal(ps->slot[0].sent_ns, 100);
	assert_false(probe_sched_packet(ps, 0, 150));
	assert_true(probe_sched_packet(ps, 0, 200));
	assert_int_equal(ps->n_lost, 2);
	assert_int_equal(ps->slot[0].lost_streak, 2);
	/* A late answer is still taken. */
	assert_int_equal(probe_sched_answer(ps, 0, 10, 350), 0);
	assert_int_equal(ps->n_late, 1);
	assert_int_equal(ps->slot[0].lost_streak, 0);
	assert_int_equal(probe_sched_outstanding(ps, 0, 350), 0);
	/* A second answer is unsolicited and changes nothing else. */
	assert_int_equal(probe_sched_answer(ps, 0, 10, 351), -ENOENT);
	assert_int_equal(ps->n_unsolicited, 1);
	assert_int_equal(ps->n_answers, 1);
	assert_int_equal(probe_sched_answer(ps, 2, 10, 351), -EINVAL);
	assert_int_equal(probe_sched_answer(NULL, 0, 10, 351), -EINVAL);
	assert_int_equal(probe_sched_outstanding(ps, 2, 0), -EINVAL);
	/* A clock going backwards never times a probe out. */
	assert_true(probe_sched_packet(ps, 1, 1000));
	assert_false(probe_sched_packet(ps, 1, 10));
	assert_int_equal(probe_sched_outstanding(ps, 1, 10), 1);
	/* Reset forgets the outstanding probe. */
	assert_int_equal(probe_sched_reset_backend(ps, 1), 0);
	assert_int_equal(probe_sched_outstanding(ps, 1, 10), 0);
	assert_int_equal(probe_sched_reset_backend(ps, 2), -EINVAL);
	free(ps);
}

static void
test_due_probe_moves_to_free_backend(void **state)
{
	struct probe_sched *ps = fixed_new(2, 2, 1000);

	(void)state;
	assert_false(probe_sched_packet(ps, 0, 0));  /* 1 */
	assert_true(probe_sched_packet(ps, 0, 0));   /* 2 */
	assert_false(probe_sched_packet(ps, 0, 0));  /* 3 */
	assert_false(probe_sched_packet(ps, 0, 0));  /* 4: due, 0 busy */
	assert_false(probe_sched_packet(ps, 5, 0));  /* 5: out of range */
	assert_true(probe_sched_packet(ps, 1, 0));   /* 6: goes to 1 */
	assert_false(probe_sched_packet(ps, 1, 0));  /* 7 */
	assert_false(probe_sched_packet(ps, 0, 0));  /* 8: both busy */
	assert_false(probe_sched_packet(ps, 1, 0));  /* 9 */
	assert_int_equal(probe_sched_answer(ps, 1, 3, 0), 0);
	assert_true(probe_sched_packet(ps, 1, 0));   /* 10 */
	assert_int_equal(ps->n_deferred, 3);
	assert_int_equal(ps->n_probes, 3);
	assert_int_equal(ps->n_packets, 10);
	free(ps);
}

static void
test_adaptive_widens_to_max(void **state)
{
	struct probe_sched *ps = adaptive_new(2, 100);
	const uint32_t steps[11] = {
		125, 156, 195, 243, 303, 378, 472, 590, 737, 921, 1000,
	};

	(void)state;
	/* The first answer only seeds the statistics. */
	probe_and_answer(ps, 0, 1000);
	assert_int_equal(probe_sched_get_n(ps), 100);
	for (int s = 0; s < 11; s++) {
		for (int i = 0; i < 7; i++) {
			probe_and_answer(ps, 0, 1000);
			assert_int_equal(probe_sched_get_n(ps),
					 s == 0 ? 100 : steps[s - 1]);
		}
		probe_and_answer(ps, 0, 1000);
		assert_int_equal(probe_sched_get_n(ps), steps[s]);
	}
	for (int i = 0; i < 50; i++)
		probe_and_answer(ps, 0, 1000);
	assert_int_equal(probe_sched_get_n(ps), 1000);
	assert_int_equal(ps->n_widened, 11);
	assert_int_equal(ps->n_narrowed, 0);
	free(ps);
}

static void
test_adaptive_narrows_on_burst(void **state)
{
	struct probe_sched *ps = adaptive_new(2, 1000);
	const uint32_t expect[8] = { 500, 250, 125, 62, 31, 15, 10, 10 };

	(void)state;
	for (int i = 0; i < 20; i++)
		probe_and_answer(ps, 0, 1000);
	assert_int_equal(probe_sched_get_n(ps), 1000);
	/* A burst of variance: halved on every answer down to n_min. */
	for (int i = 0; i < 8; i++) {
		probe_and_answer(ps, 0, i % 2 == 0 ? 3000 : 1000);
		assert_int_equal(probe_sched_get_n(ps), expect[i]);
	}
	assert_int_equal(ps->n_narrowed, 7);
	/* Calm again: the variance decays by 7/8 per answer until the
	 * dispersion is under cv_low (~37 answers), then N grows back one
	 * step per 8 answers (10, 12, 15, ... 457, 571). */
	for (int i = 0; i < 200; i++)
		probe_and_answer(ps, 0, 1000);
	assert_int_equal(probe_sched_get_n(ps), 571);
	assert_int_equal(ps->n_widened, 19);
	free(ps);
}

static void
test_adaptive_hysteresis_and_backends(void **state)
{
	struct probe_sched *ps = adaptive_new(2, 200);

	(void)state;
	/* Dispersion 0.06..0.09: inside [cv_low, cv_high], N stays. */
	for (int i = 0; i < 100; i++) {
		probe_and_answer(ps, 0, i % 2 == 0 ? 1000 : 1200);
		assert_int_equal(probe_sched_get_n(ps), 200);
	}
	assert_int_equal(ps->calm, 0);
	/* Backend 1, steady: a seed, then 7 calm answers, one short of a
	 * widening. */
	for (int i = 0; i < 8; i++)
		probe_and_answer(ps, 1, 0);
	assert_int_equal(probe_sched_get_n(ps), 200);
	assert_int_equal(ps->calm, 7);
	/* Backend 0's own statistics are still in the band: the streak of
	 * the VIP restarts. */
	probe_and_answer(ps, 0, 1100);
	assert_int_equal(ps->calm, 0);
	assert_int_equal(probe_sched_get_n(ps), 200);
	/* One noisy answer from any backend narrows the VIP's N. */
	probe_and_answer(ps, 1, 500);
	assert_int_equal(probe_sched_get_n(ps), 100);
	assert_int_equal(ps->n_narrowed, 1);
	/* N = 0 stays 0 in adaptive mode; outstanding answers still match. */
	while (!probe_sched_packet(ps, 0, 0))
		;
	while (!probe_sched_packet(ps, 1, 0))
		;
	assert_int_equal(probe_sched_set_n(ps, 0), 0);
	assert_int_equal(probe_sched_answer(ps, 0, 60000, 0), 0);
	assert_int_equal(probe_sched_answer(ps, 1, 0, 0), 0);
	assert_int_equal(probe_sched_get_n(ps), 0);
	assert_int_equal(ps->n_narrowed, 1);
	free(ps);
}

static void
test_adaptive_idle_floor(void **state)
{
	struct probe_sched *ps = adaptive_new(1, 100);

	(void)state;
	/* Scores jittering between 0 and 2 on an idle backend: without the
	 * floor of 16 the dispersion would be about 1 and N would fall to
	 * n_min; with it N never narrows. */
	for (int i = 0; i < 200; i++)
		probe_and_answer(ps, 0, (uint16_t)(i % 2 == 0 ? 0 : 2));
	assert_int_equal(ps->n_narrowed, 0);
	assert_int_equal(probe_sched_get_n(ps), 100);
	free(ps);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_checks),
		cmocka_unit_test(test_every_nth_packet),
		cmocka_unit_test(test_n_changed_at_run_time),
		cmocka_unit_test(test_outstanding_timeout),
		cmocka_unit_test(test_due_probe_moves_to_free_backend),
		cmocka_unit_test(test_adaptive_widens_to_max),
		cmocka_unit_test(test_adaptive_narrows_on_burst),
		cmocka_unit_test(test_adaptive_hysteresis_and_backends),
		cmocka_unit_test(test_adaptive_idle_floor),
		cmocka_unit_test(test_no_room_keeps_due),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
