/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/latency_est.h"

#define US 1000ull
#define MS 1000000ull

static void
test_fixed_timeout_exact_samples(void **state)
{
	/* Packets at 0, 10, 20 | 300, 310 | 700 us, timeout 100 us:
	 * batches start at 0, 300, 700 -> samples 300 and 400. */
	static const uint32_t t[] = { 1000, 1010, 1020, 1300, 1310, 1700 };
	static const int is_sample[] = { 0, 0, 0, 1, 0, 1 };
	static const uint32_t want[] = { 0, 0, 0, 300, 0, 400 };
	uint32_t last_batch = 1000, last_pkt = 1000, s;
	unsigned int i;

	(void)state;
	for (i = 0; i < 6; i++) {
		s = 0;
		assert_int_equal(lat_fixed_timeout(&last_batch, &last_pkt, 100,
						   t[i], &s), is_sample[i]);
		assert_int_equal(s, want[i]);
	}
	/* A gap of exactly the timeout is not a new batch (strictly >). */
	assert_false(lat_fixed_timeout(&last_batch, &last_pkt, 100, 1800, &s));
	assert_true(lat_fixed_timeout(&last_batch, &last_pkt, 100, 1901, &s));
	assert_int_equal(s, 201);
}

/* A request/response flow: bursts of @burst packets @gap_us apart, one
 * burst every @rtt_us (the client waits for the response before the next
 * burst), from @t0 for @dur. Returns the time after the last packet and
 * the mean of the samples produced in [from, to). */
static uint64_t
drive(struct lat_flow *f, uint64_t t0, uint64_t dur, uint64_t rtt_us,
      unsigned int burst, uint64_t gap_us, uint64_t from, uint64_t to,
      double *mean, unsigned int *count)
{
	uint64_t t, s, sum = 0;
	unsigned int b, n = 0;

	for (t = t0; t < t0 + dur; t += rtt_us * US) {
		for (b = 0; b < burst; b++) {
			uint64_t now = t + b * gap_us * US;

			if (lat_flow_packet(f, now, &s) && now >= from &&
			    now < to) {
				sum += s;
				n++;
			}
		}
	}
	*mean = n ? (double)sum / n : 0;
	*count = n;
	return t;
}

static void
test_ensemble_tracks_rtt_step_within_two_epochs(void **state)
{
	struct lat_flow f;
	double mean;
	unsigned int n;
	uint64_t t;

	(void)state;
	lat_flow_init(&f);
	assert_int_equal(sizeof(f), 52);
	/* 200 us RTT, bursts of 4 packets 10 us apart: the cliff is between
	 * 128 us (every batch found) and 256 us (none). */
	t = drive(&f, 0, 5 * 64 * MS, 200, 4, 10, 2 * 64 * MS, 5 * 64 * MS,
		  &mean, &n);
	assert_true(n > 600);
	assert_true(mean > 190e3 && mean < 210e3);
	assert_int_equal(lat_flow_timeout_ns(&f), 128 * US);
	/* Step to 1.2 ms with 150 us gaps inside a burst: the old 128 us
	 * timeout now splits every burst (its samples average ~300 us), the
	 * pause between bursts is 750 us. From two epochs after the step on,
	 * the estimate is within 10% of 1.2 ms and the timeout sits at the
	 * new cliff, 512 us. */
	{
		struct lat_flow g = f;
		uint64_t t2 = drive(&g, t, 64 * MS, 1200, 4, 150, t,
				    t + 64 * MS, &mean, &n);

		(void)t2;
		printf("# first epoch after the step: mean %.1f us\n",
		       mean / 1e3);
		assert_true(mean < 600e3);
	}
	t = drive(&f, t, 6 * 64 * MS, 1200, 4, 150, t + 2 * 64 * MS,
		  t + 6 * 64 * MS, &mean, &n);
	printf("# after the step: %u samples, mean %.1f us, timeout %llu us\n",
	       n, mean / 1e3,
	       (unsigned long long)(lat_flow_timeout_ns(&f) / US));
	assert_true(n > 100);
	assert_true(mean > 1080e3 && mean < 1320e3);
	assert_int_equal(lat_flow_timeout_ns(&f), 512 * US);
	(void)t;
}

static void
test_too_low_fixed_timeout_underestimates(void **state)
{
	/* The reason for the ensemble: with 100 us gaps inside bursts, a
	 * fixed 64 us timeout splits every burst and reports ~100 us. */
	uint32_t lb = 0, lp = 0, s, sum = 0, n = 0;
	uint32_t t, b;

	(void)state;
	for (t = 1200; t < 200000; t += 1200)
		for (b = 0; b < 4; b++)
			if (lat_fixed_timeout(&lb, &lp, 64, t + b * 100, &s)) {
				sum += s;
				n++;
			}
	assert_true(sum / n < 400);
}

static void
test_clock_jumps(void **state)
{
	struct lat_flow f;
	uint64_t s = 0;
	double mean;
	unsigned int n;
	uint64_t t;

	(void)state;
	lat_flow_init(&f);
	t = drive(&f, 10 * 1000 * MS, 2 * 64 * MS, 200, 2, 10, 0, ~0ull,
		  &mean, &n);
	/* Backwards by a second: no sample, state restarts. */
	assert_false(lat_flow_packet(&f, t - 1000 * MS, &s));
	assert_false(lat_flow_packet(&f, t - 1000 * MS + 5 * US, &s));
	/* Forwards by an hour: idleness, not latency. */
	assert_false(lat_flow_packet(&f, t + 3600 * 1000 * MS, &s));
	assert_int_equal(s, 0);
	/* And it measures again afterwards. */
	t = drive(&f, t + 3600 * 1000 * MS + 200 * US, 64 * MS, 200, 2, 10, 0,
		  ~0ull, &mean, &n);
	assert_true(n > 100);
	assert_true(mean > 190e3 && mean < 210e3);
}

static void
test_backend_ewma_and_age(void **state)
{
	struct lat_backend b;

	(void)state;
	lat_backend_init(&b, 0);
	assert_int_equal(b.shift, 3);
	assert_int_equal(lat_backend_estimate(&b, 0, 0), 0);
	lat_backend_sample(&b, 800, 10);
	assert_int_equal(lat_backend_estimate(&b, 10, 0), 800);
	lat_backend_sample(&b, 1600, 20);
	assert_int_equal(lat_backend_estimate(&b, 20, 0), 900);
	lat_backend_sample(&b, 100, 30);
	assert_int_equal(lat_backend_estimate(&b, 30, 0), 800);
	assert_int_equal(lat_backend_estimate(&b, 1000, 100), 0);
	assert_int_equal(lat_backend_estimate(&b, 100, 100), 800);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed_timeout_exact_samples),
		cmocka_unit_test(test_ensemble_tracks_rtt_step_within_two_epochs),
		cmocka_unit_test(test_too_low_fixed_timeout_underestimates),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_backend_ewma_and_age),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
