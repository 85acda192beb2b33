/* SPDX-License-Identifier: BSD-3-Clause */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/latency_est.h"
#include "dsrlb/rng.h"

#define US 1000ull
#define MS 1000000ull
#define EPOCH (64 * MS)

static void
test_sizes_and_zero_state(void **state)
{
	struct lat_flow f;
	uint64_t s = 7;

	(void)state;
	/* State size matters: one per tracked flow, one per backend (per
	 * lcore). */
	assert_int_equal(sizeof(struct lat_flow), 40);
	assert_int_equal(sizeof(struct lat_backend), 40);
	/* Zero-filled memory is a fresh flow reporting with delta_1. */
	memset(&f, 0, sizeof(f));
	assert_int_equal(lat_flow_timeout_ns(&f), 64 * US);
	assert_false(lat_flow_packet(&f, 5 * MS, &s, NULL));
	assert_true(lat_flow_packet(&f, 5 * MS + 100 * US, &s, NULL));
	assert_int_equal(s, 100 * US);
	/* The first timeout can be hinted; out of range means delta_1. */
	lat_flow_init(&f, 3);
	assert_int_equal(lat_flow_timeout_ns(&f), 512 * US);
	lat_flow_init(&f, LAT_K);
	assert_int_equal(lat_flow_timeout_idx(&f), 0);
	assert_int_equal(lat_timeout_us(LAT_K - 1), 4096);
}

static void
test_fixed_timeout_exact_samples(void **state)
{
	/* A hand-made train, timeout 100 us:
	 *   1000 1010 1020 | 1300 1310 | 1700 | 1800 (gap = timeout, same
	 *   batch) | 1901.5 | back to 1500 | 1600 | 70000 (idle) | 70101
	 * batches start at 1000, 1300, 1700, 1901.5: samples 300, 400,
	 * 201.5 us; the clock going back and the idle gap restart without a
	 * sample, and measuring resumes from the restart. */
	static const struct {
		uint64_t t_ns;
		bool sample;
		uint64_t want_ns;
	} tr[] = {
		{ 1000 * US, false, 0 },
		{ 1010 * US, false, 0 },
		{ 1020 * US, false, 0 },
		{ 1300 * US, true, 300 * US },
		{ 1310 * US, false, 0 },
		{ 1700 * US, true, 400 * US },
		{ 1800 * US, false, 0 },
		{ 1901500, true, 201500 },
		{ 1500 * US, false, 0 },
		{ 1600 * US + 1, true, 100 * US + 1 },
		{ 70000 * US, false, 0 },
		{ 70101 * US, true, 101 * US },
	};
	struct lat_fixed fx;
	uint64_t s;
	unsigned int i;

	(void)state;
	lat_fixed_init(&fx);
	for (i = 0; i < sizeof(tr) / sizeof(tr[0]); i++) {
		s = 0;
		assert_int_equal(lat_fixed_timeout(&fx, 100 * US, tr[i].t_ns,
						   &s), tr[i].sample);
		assert_int_equal(s, tr[i].want_ns);
	}
	/* A batch that never pauses for 64.5 ms: its interval is longer
	 * than an epoch, so the pause that ends it is no sample; the next
	 * batch measures normally. */
	lat_fixed_init(&fx);
	for (s = 0; s <= 64500; s += 50)
		assert_false(lat_fixed_timeout(&fx, 100 * US, s * US, NULL));
	assert_false(lat_fixed_timeout(&fx, 100 * US, 64700 * US, &s));
	assert_true(lat_fixed_timeout(&fx, 100 * US, 64900 * US, &s));
	assert_int_equal(s, 200 * US);
	/* Exactly one epoch is still a sample; one microsecond more not. */
	lat_fixed_init(&fx);
	assert_false(lat_fixed_timeout(&fx, 100 * US, 0, &s));
	assert_true(lat_fixed_timeout(&fx, 100 * US, EPOCH, &s));
	assert_int_equal(s, EPOCH);
	assert_false(lat_fixed_timeout(&fx, 100 * US, 2 * EPOCH + US, &s));
}

/*
 * The signal the paper describes (§3, Fig. 1): a flow-controlled client
 * sends a burst of @burst requests @gap_us apart, then waits; the
 * response to the burst's first request re-opens its window one RTT
 * after that request, so bursts start @rtt_us apart and the pause between
 * two bursts ("think gap" of the flow) is rtt - (burst - 1) * gap.
 * Feeds bursts starting at @t, @t + rtt, ... while before @end; records
 * the reported samples (min, max, count) of those at or after @from and
 * feeds every reported sample to @b. Returns the next burst's start.
 */
struct obs {
	uint64_t min, max, first;
	unsigned int count;
};

static uint64_t
drive(struct lat_flow *f, struct lat_backend *b, uint64_t t, uint64_t end,
      uint64_t rtt_us, unsigned int burst, uint64_t gap_us, uint64_t from,
      struct obs *o)
{
	unsigned int k;
	uint64_t s;

	memset(o, 0, sizeof(*o));
	o->min = UINT64_MAX;
	for (; t < end; t += rtt_us * US)
		for (k = 0; k < burst; k++) {
			uint64_t now = t + k * gap_us * US;

			if (!lat_flow_packet(f, now, &s, NULL))
				continue;
			if (b != NULL)
				lat_backend_sample(b, s, now);
			if (now < from)
				continue;
			if (o->count == 0)
				o->first = s;
			o->count++;
			if (s < o->min)
				o->min = s;
			if (s > o->max)
				o->max = s;
		}
	return t;
}

static void
test_cliff_counts_first_epoch(void **state)
{
	struct lat_flow f;
	struct obs o;
	unsigned int i;

	(void)state;
	lat_flow_init(&f, 0);
	/* 200 us RTT, 4 packets 10 us apart: 64 and 128 us split at every
	 * burst, 256 us and more never. Bursts 1..319 give samples before
	 * the packet at 64 ms. */
	drive(&f, NULL, 0, EPOCH, 200, 4, 10, 0, &o);
	assert_int_equal(o.count, 319);
	assert_int_equal(o.min, 200 * US);
	assert_int_equal(o.max, 200 * US);
	assert_int_equal(f.n[0], 319);
	assert_int_equal(f.n[1], 319);
	for (i = 2; i < LAT_K; i++)
		assert_int_equal(f.n[i], 0);
	assert_int_equal(lat_flow_timeout_idx(&f), 0);
	/* The packet at 64 ms opens epoch 2: counted in epoch 1 (320 vs
	 * 320 vs 0), cliff at 128 us, counters reset. */
	drive(&f, NULL, EPOCH, EPOCH + 1, 200, 1, 0, 0, &o);
	assert_int_equal(o.count, 1);
	assert_int_equal(o.first, 200 * US);
	assert_int_equal(lat_flow_timeout_idx(&f), 1);
	for (i = 0; i < LAT_K; i++)
		assert_int_equal(f.n[i], 0);
	assert_int_equal(f.epoch_age_us, 0);
}

static void
test_rtt_step_followed_within_two_epochs(void **state)
{
	struct lat_backend b;
	struct lat_flow f;
	struct obs o;
	uint64_t t, step, inst[LAT_K], s;
	unsigned int k;

	(void)state;
	lat_flow_init(&f, 0);
	lat_backend_init(&b);
	/* Five epochs at 200 us RTT (bursts of 4, 10 us apart). */
	step = drive(&f, &b, 0, 5 * EPOCH, 200, 4, 10, EPOCH, &o);
	assert_int_equal(step, 5 * EPOCH);
	assert_int_equal(o.min, 200 * US);
	assert_int_equal(o.max, 200 * US);
	assert_int_equal(lat_flow_timeout_ns(&f), 128 * US);
	assert_int_equal(lat_backend_estimate(&b, 1, step, 0), 200 * US);
	/* The server slows down: RTT 1.2 ms, and the client's bursts spread
	 * (150 us apart) as a slower ACK clock would: a pause of 750 us.
	 * The step's first burst closes the epoch (its packet is counted
	 * there: 200 us). During the next epoch the old 128 us timeout
	 * splits every burst (150, 150, 150, 750 us: it underestimates, as
	 * a fixed timeout would forever), until the packet that closes it
	 * (4th of the burst at step + 63.6 ms) finds the counts
	 * 4:4:1:1:0:0:0 and puts the cliff at 512 us. */
	t = drive(&f, &b, step, step + EPOCH, 1200, 4, 150, step, &o);
	assert_int_equal(t, step + 54 * 1200 * US);
	assert_int_equal(o.first, 200 * US);
	assert_int_equal(o.min, 150 * US);
	assert_int_equal(o.max, 750 * US);
	/* 200, then 3 + 52 * 4 + 3 split-burst samples. */
	assert_int_equal(o.count, 1 + 3 + 52 * 4 + 3);
	assert_int_equal(lat_flow_timeout_ns(&f), 512 * US);
	assert_int_equal(f.epoch_age_us, 0);
	/* From then on every sample is the true RTT. */
	t = drive(&f, &b, t, step + 2 * EPOCH, 1200, 4, 150, t, &o);
	assert_int_equal(lat_flow_timeout_ns(&f), 512 * US);
	assert_int_equal(o.min, 1200 * US);
	assert_int_equal(o.max, 1200 * US);
	assert_int_equal(o.count, 53);
	/* Two epochs after the step, flow and backend both say 1.2 ms. */
	assert_int_equal(lat_backend_estimate(&b, 1, t, 0), 1200 * US);
	t = drive(&f, &b, t, step + 6 * EPOCH, 1200, 4, 150, 0, &o);
	assert_int_equal(o.min, 1200 * US);
	assert_int_equal(o.max, 1200 * US);
	assert_int_equal(lat_flow_timeout_ns(&f), 512 * US);
	/* The instances still see what fixed timeouts would: 128 us keeps
	 * splitting the bursts, 1024 us never ends one. */
	for (k = 0; k < 4; k++) {
		assert_int_equal(lat_flow_packet(&f, t + k * 150 * US, &s,
						 inst), k == 0);
		assert_int_equal(inst[1], k == 0 ? 750 * US : 150 * US);
		assert_int_equal(inst[4], 0);
	}
	assert_int_equal(s, 1200 * US);
}

static void
test_rtt_step_close_bursts_immediate(void **state)
{
	struct lat_flow f;
	struct obs o;
	uint64_t t;

	(void)state;
	lat_flow_init(&f, 0);
	t = drive(&f, NULL, 0, 3 * EPOCH, 200, 4, 10, 0, &o);
	/* Same 1.2 ms step with bursts that stay tight: the 128 us timeout
	 * is still right, the first sample after the step is 1.2 ms, and
	 * the cliff moves to 1024 us (the pause is 1170 us) at the next
	 * epoch end. */
	t = drive(&f, NULL, t, t + 2 * EPOCH, 1200, 4, 10, t + 1, &o);
	assert_int_equal(o.first, 1200 * US);
	assert_int_equal(o.min, 1200 * US);
	assert_int_equal(o.max, 1200 * US);
	assert_int_equal(lat_flow_timeout_ns(&f), 1024 * US);
	(void)t;
}

static void
test_rtt_above_largest_timeout(void **state)
{
	struct lat_flow f;
	struct obs o;

	(void)state;
	/* 5 ms RTT, bursts of 4 packets 100 us apart: every timeout from
	 * 128 us on sees one batch per RTT (1:1 ratios), 64 us splits
	 * bursts (4:1). Reading N_k+1 as the count of an infinite timeout
	 * (0) puts the cliff at 4096 us and the samples at 5 ms; without
	 * it the argmax would pick 64 us and report 100 us. */
	lat_flow_init(&f, 0);
	drive(&f, NULL, 0, 5 * EPOCH, 5000, 4, 100, 2 * EPOCH, &o);
	assert_int_equal(lat_flow_timeout_ns(&f), 4096 * US);
	assert_int_equal(o.min, 5000 * US);
	assert_int_equal(o.max, 5000 * US);
	assert_int_equal(o.count, (3 * 64000) / 5000);
}

static void
test_single_stray_pause_does_not_move_cliff(void **state)
{
	struct lat_flow f;
	struct obs o;
	uint64_t t;

	(void)state;
	/* 200 us RTT and, once in the epoch, a 3 ms think pause: counts are
	 * x:x:1:1:1:1:0. The stray 1:0 (ratio 2 with the 1/2 rule) loses to
	 * the real x:1 cliff at 128 us. */
	lat_flow_init(&f, 1);
	t = drive(&f, NULL, 0, 30 * MS, 200, 4, 10, 0, &o);
	t = drive(&f, NULL, t + 3 * MS, EPOCH + 10 * MS, 200, 4, 10, 0, &o);
	assert_int_equal(lat_flow_timeout_ns(&f), 128 * US);
	(void)t;
}

static void
test_clock_jumps(void **state)
{
	struct lat_flow f;
	struct obs o;
	uint64_t s = 0, t, base = 10000 * MS;

	(void)state;
	lat_flow_init(&f, 0);
	t = drive(&f, NULL, base, base + 2 * EPOCH, 200, 4, 10, 0, &o);
	assert_int_equal(lat_flow_timeout_ns(&f), 128 * US);
	/* Backwards by a second: no sample; the batches restart there, so
	 * the next burst 200 us later measures 200 us again. */
	assert_false(lat_flow_packet(&f, t - 1000 * MS, &s, NULL));
	assert_int_equal(s, 0);
	assert_false(lat_flow_packet(&f, t - 1000 * MS + 10 * US, &s, NULL));
	assert_true(lat_flow_packet(&f, t - 1000 * MS + 200 * US, &s, NULL));
	assert_int_equal(s, 200 * US);
	t = t - 1000 * MS + 200 * US;
	/* Backwards by 1 us only: still no sample. */
	assert_false(lat_flow_packet(&f, t - US, &s, NULL));
	t -= US;
	/* Forwards by an hour, by 2^32 us + 300 us (a 32-bit microsecond
	 * clock would see 300 us), and by 64 ms + 1 us: idleness, never a
	 * sample. */
	s = 0;
	t += 3600000 * MS;
	assert_false(lat_flow_packet(&f, t, &s, NULL));
	t += (1ull << 32) * US + 300 * US;
	assert_false(lat_flow_packet(&f, t, &s, NULL));
	t += EPOCH + US;
	assert_false(lat_flow_packet(&f, t, &s, NULL));
	assert_int_equal(s, 0);
	/* Each restart also ended the epoch (no counts: delta_e kept). */
	assert_int_equal(f.epoch_age_us, 0);
	assert_int_equal(f.n[0], 0);
	assert_int_equal(lat_flow_timeout_ns(&f), 128 * US);
	/* A pause of exactly one epoch right after a batch start is still a
	 * sample (64 ms, within range); after a 30 us burst it is not (the
	 * interval is 64.03 ms). */
	t += EPOCH;
	assert_true(lat_flow_packet(&f, t, &s, NULL));
	assert_int_equal(s, EPOCH);
	s = 0;
	t += 30 * US;
	assert_false(lat_flow_packet(&f, t, &s, NULL));
	t += EPOCH;
	assert_false(lat_flow_packet(&f, t, &s, NULL));
	assert_int_equal(s, 0);
	/* Back to the 0 ns origin from a large time (the u64 difference
	 * would wrap): no sample. */
	assert_false(lat_flow_packet(&f, 0, &s, NULL));
	/* And it measures again afterwards. */
	lat_flow_init(&f, 1);
	t = drive(&f, NULL, 5 * MS, 5 * MS + EPOCH, 200, 4, 10, 0, &o);
	assert_false(lat_flow_packet(&f, t + 70 * MS, &s, NULL));
	drive(&f, NULL, t + 70 * MS + 200 * US, t + 71 * MS, 200, 4, 10, 0,
	      &o);
	assert_int_equal(o.count, 4);
	assert_int_equal(o.min, 200 * US);
	assert_int_equal(o.max, 200 * US);
}

static void
test_long_batch_no_sample(void **state)
{
	struct lat_flow f;
	uint64_t s = 0, t, inst[LAT_K];
	unsigned int i;

	(void)state;
	/* A stream with a packet every 50 us for 100 ms (no batch end for
	 * 64 us and up), then a 5 ms pause: every instance's interval is
	 * over an epoch (saturated ages): no sample, nothing counted. The
	 * burst after that measures 5.05 ms from the pause's end. */
	lat_flow_init(&f, 0);
	for (t = 0; t <= 100 * MS; t += 50 * US)
		assert_false(lat_flow_packet(&f, t, &s, inst));
	for (i = 0; i < LAT_K; i++)
		assert_int_equal(f.batch_age_us[i], LAT_AGE_STALE);
	assert_false(lat_flow_packet(&f, t + 5 * MS, &s, inst));
	for (i = 0; i < LAT_K; i++) {
		assert_int_equal(inst[i], 0);
		assert_int_equal(f.batch_age_us[i], 0);
	}
	assert_true(lat_flow_packet(&f, t + 10 * MS + 50 * US, &s, inst));
	assert_int_equal(s, 5050 * US);
	for (i = 0; i < LAT_K; i++)
		assert_int_equal(inst[i], 5050 * US);
}

static void
test_ensemble_matches_reference(void **state)
{
	struct lat_fixed ref[LAT_K];
	struct lat_flow f;
	struct rng r;
	uint64_t t = 1000 * MS, inst[LAT_K], s, rs;
	unsigned int i, p, samples = 0, restarts = 0;
	uint32_t kind;
	bool out, ro;

	(void)state;
	/* Random microsecond-aligned trains (gaps from 1 us to 6 ms, some
	 * idle gaps and backward jumps): every instance of the ensemble
	 * gives exactly the samples of the reference FIXEDTIMEOUT, the
	 * counts are non-increasing in the timeout, and the reported sample
	 * is the chosen instance's. */
	rng_seed(&r, 0x1a7e9c);
	lat_flow_init(&f, 0);
	for (i = 0; i < LAT_K; i++)
		lat_fixed_init(&ref[i]);
	for (p = 0; p < 200000; p++) {
		kind = rng_below(&r, 1000);

		if (kind == 0 && t > 2 * MS) {
			t -= (1 + rng_below(&r, 2000)) * US;
			restarts++;
		} else if (kind == 1) {
			t += (EPOCH / US + 1 + rng_below(&r, 100000)) * US;
			restarts++;
		} else if (kind < 600) {
			t += (1 + rng_below(&r, 60)) * US;
		} else if (kind < 950) {
			t += (1 + rng_below(&r, 1500)) * US;
		} else {
			t += (1 + rng_below(&r, 6000)) * US;
		}
		s = 0;
		out = lat_flow_packet(&f, t, &s, inst);

		for (i = 0; i < LAT_K; i++) {
			rs = 0;
			ro = lat_fixed_timeout(&ref[i],
					       (uint64_t)lat_timeout_us(i) * US,
					       t, &rs);

			assert_int_equal(ro, inst[i] != 0);
			assert_int_equal(rs, inst[i]);
			if (i + 1 < LAT_K)
				assert_true(f.n[i] >= f.n[i + 1]);
		}
		assert_int_equal(out, inst[lat_flow_timeout_idx(&f)] != 0);
		if (out) {
			assert_int_equal(s, inst[lat_flow_timeout_idx(&f)]);
			assert_true(s > 64 * US && s <= EPOCH);
			samples++;
		}
	}
	printf("# %u packets, %u samples, %u restarts\n", p, samples,
	       restarts);
	assert_true(samples > 10000);
	assert_true(restarts > 200);
}

static void
test_backend_median(void **state)
{
	static const uint64_t in_us[] = { 300, 310, 290, 60000, 305, 295,
					  300, 302, 298, 301 };
	struct lat_backend b[3];
	unsigned int i;

	(void)state;
	lat_backend_init(&b[0]);
	assert_int_equal(lat_backend_estimate(&b[0], 1, 0, 0), 0);
	assert_int_equal(lat_backend_estimate(NULL, 1, 0, 0), 0);
	lat_backend_sample(&b[0], 800 * US, 10);
	assert_int_equal(lat_backend_estimate(&b[0], 1, 10, 0), 800 * US);
	lat_backend_sample(&b[0], 1600 * US, 20);
	/* Lower median of an even count. */
	assert_int_equal(lat_backend_estimate(&b[0], 1, 20, 0), 800 * US);
	lat_backend_reset(&b[0]);
	/* A think-gap outlier of 60 ms does not move the median. */
	for (i = 0; i < sizeof(in_us) / sizeof(in_us[0]); i++)
		lat_backend_sample(&b[0], in_us[i] * US + 999, 100 + i);
	assert_int_equal(lat_backend_estimate(&b[0], 1, 200, 0), 300 * US);
	/* The window keeps the last 15: 20 samples of 1 ms push every
	 * earlier one out. */
	for (i = 0; i < 20; i++)
		lat_backend_sample(&b[0], 1000 * US, 300 + i);
	assert_int_equal(b[0].count, LAT_BACKEND_WIN);
	assert_int_equal(lat_backend_estimate(&b[0], 1, 400, 0), 1000 * US);
	/* Samples above 65.535 ms are clamped. */
	lat_backend_reset(&b[0]);
	lat_backend_sample(&b[0], 10000 * MS, 0);
	assert_int_equal(lat_backend_estimate(&b[0], 1, 0, 0), 65535 * US);
	/* Per-lcore aggregators merge: 3 x 400, 5 x 900, 4 x 500: median of
	 * 12 (lower) is the 6th smallest: 500. */
	for (i = 0; i < 3; i++)
		lat_backend_init(&b[i]);
	for (i = 0; i < 3; i++)
		lat_backend_sample(&b[0], 400 * US, 1000 * MS);
	for (i = 0; i < 5; i++)
		lat_backend_sample(&b[1], 900 * US, 1000 * MS);
	for (i = 0; i < 4; i++)
		lat_backend_sample(&b[2], 500 * US, 900 * MS);
	assert_int_equal(lat_backend_estimate(b, 3, 1000 * MS, 0), 500 * US);
	/* Age: b[2]'s newest sample is 100 ms old: with a 50 ms limit it is
	 * skipped (3 x 400, 5 x 900: 900); with everything stale, none. */
	assert_int_equal(lat_backend_estimate(b, 3, 1000 * MS, 50 * MS),
			 900 * US);
	assert_int_equal(lat_backend_estimate(b, 3, 2000 * MS, 50 * MS), 0);
	/* A clock before the newest sample counts as age 0. */
	assert_int_equal(lat_backend_estimate(b, 3, 0, 50 * MS), 500 * US);
	/* n = 0: nothing. */
	assert_int_equal(lat_backend_estimate(b, 0, 0, 0), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes_and_zero_state),
		cmocka_unit_test(test_fixed_timeout_exact_samples),
		cmocka_unit_test(test_cliff_counts_first_epoch),
		cmocka_unit_test(test_rtt_step_followed_within_two_epochs),
		cmocka_unit_test(test_rtt_step_close_bursts_immediate),
		cmocka_unit_test(test_rtt_above_largest_timeout),
		cmocka_unit_test(test_single_stray_pause_does_not_move_cliff),
		cmocka_unit_test(test_clock_jumps),
		cmocka_unit_test(test_long_batch_no_sample),
		cmocka_unit_test(test_ensemble_matches_reference),
		cmocka_unit_test(test_backend_median),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
