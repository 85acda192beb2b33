/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks of dsrlb-sim against the papers (issue 9): the 6LB analytic
 * model, the ordering of the published gains, dynamic DSR against
 * round-robin and polling, the HotNets'22 controller's reaction time.
 * Fixed seeds; sizes chosen so that each check is stable and quick.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/chash.h"

#include "sim.h"
#include "sim_model.h"
#include "sim_summary.h"

static struct sim_result
run_conf(const struct sim_conf *c)
{
	struct sim_result r;

	assert_int_equal(sim_run(c, &r), 0);
	return r;
}

/* n = 1 worker, exponential jobs, open loop: the 6LB model's setting. */
static struct sim_result
run_6lb(enum sim_policy p, uint32_t c, double rho, uint64_t jobs)
{
	struct sim_conf conf;

	sim_conf_default(&conf);
	conf.policy = p;
	conf.sr_c = c;
	conf.rho = rho;
	conf.n_servers = 100;
	conf.n_workers = 1;
	conf.n_jobs = jobs;
	conf.warmup_jobs = jobs / 5;
	conf.seed = 7;
	return run_conf(&conf);
}

static double
norm_mean(const struct sim_result *r)
{
	return r->mean_ns / 10e6; /* default job mean: 10 ms */
}

/* Equations (3)-(6) agree with each other and with Theorem 1. */
static void
test_model_equations(void **state)
{
	static const double lambdas[] = { 0.1, 0.5, 0.7, 0.88, 0.9, 0.95 };
	static const unsigned int cs[] = { 1, 2, 3, 4, 8, 16 };

	(void)state;
	for (size_t i = 0; i < sizeof(lambdas) / sizeof(lambdas[0]); i++) {
		double l = lambdas[i];

		for (size_t k = 0; k < sizeof(cs) / sizeof(cs[0]); k++) {
			unsigned int c = cs[k];
			double s = sim_model_sc(l, c);
			double lhs = s * (1 - l * s);
			double rhs = (1 - l) * pow(l * (1 + s), c);
			double sum = sim_model_sum_sn(l, c, 4000);

			/* a root of (5), within Theorem 1's bound, and not
			 * the spurious (1 - l) / l */
			assert_true(fabs(lhs - rhs) < 1e-12);
			assert_true(s > 0 && s <= pow(l, c) * (1 + 1e-9));
			if (c > 1)
				assert_true(fabs(s - (1 - l) / l) > 1e-6);
			/* s_1 = lambda, s_n non-increasing */
			assert_true(fabs(sim_model_sn(l, c, 1) - l) < 1e-9);
			for (unsigned int n = 1; n < 2 * c + 4; n++)
				assert_true(sim_model_sn(l, c, n) <=
					    sim_model_sn(l, c, n - 1) + 1e-12);
			/* Little: E(T) = sum s_n / lambda = equation (6) */
			assert_true(fabs(sum / l - sim_model_sr_mean(l, c)) <
				    1e-7 * sum / l);
			/* Theorem 1: never worse than SC */
			assert_true(sim_model_sr_mean(l, c) <=
				    sim_model_sc_mean(l) + 1e-9);
		}
	}
	/* published shape: at 0.88, SR_4 is the best of 4, 8, 16 */
	assert_true(sim_model_sr_mean(0.88, 4) < sim_model_sr_mean(0.88, 8));
	assert_true(sim_model_sr_mean(0.88, 8) < sim_model_sr_mean(0.88, 16));
	assert_true(fabs(sim_model_sc_mean(0.9) - 10.0) < 1e-12);

	/* JSQ(d): d = 1 is SC; d = 2 at 1/2 is the series written out;
	 * more choices never hurt; no value outside [0, 1). */
	for (size_t i = 0; i < sizeof(lambdas) / sizeof(lambdas[0]); i++) {
		double l = lambdas[i];

		assert_true(fabs(sim_model_jsqd_mean(l, 1) -
				 sim_model_sc_mean(l)) < 1e-12);
		for (unsigned int d = 2; d <= 8; d++)
			assert_true(sim_model_jsqd_mean(l, d) <
				    sim_model_jsqd_mean(l, d - 1));
		assert_true(sim_model_jsqd_mean(l, 8) >= 1.0);
	}
	assert_true(fabs(sim_model_jsqd_mean(0.5, 2) -
			 (1 + pow(0.5, 2) + pow(0.5, 6) + pow(0.5, 14) +
			  pow(0.5, 30) + pow(0.5, 62))) < 1e-15);
	assert_true(isnan(sim_model_jsqd_mean(1.0, 2)));
	assert_true(isnan(sim_model_jsqd_mean(0.5, 0)));
}

/* SR_c follows equation (6) within a few percent up to rho = 0.9. */
static void
test_sr_matches_model(void **state)
{
	static const double rhos[] = { 0.5, 0.8, 0.9 };
	static const uint32_t cs[] = { 4, 8, 16 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		for (size_t k = 0; k < 3; k++) {
			struct sim_result r = run_6lb(SIM_POL_SR, cs[k],
						      rhos[i], 300000);
			double model = sim_model_sr_mean(rhos[i], cs[k]);
			double err = norm_mean(&r) / model - 1;
			double rej = sim_model_sr_reject(rhos[i], cs[k]);

			printf("# SR_%u rho %.2f: sim %.4f model %.4f (%+.2f%%)"
			       ", refused %.4f model %.4f\n", cs[k], rhos[i],
			       norm_mean(&r), model, 100 * err,
			       1 - r.accept_first, rej);
			assert_true(fabs(err) < 0.03);
			/* the first candidate refuses with probability s_c */
			assert_true(fabs((1 - r.accept_first) - rej) <
				    0.02 + 0.1 * rej);
		}
	}
}

/* SC (Maglev, C = 1) follows M/M/1: 1 / (1 - rho). */
static void
test_sc_matches_mm1(void **state)
{
	static const double rhos[] = { 0.5, 0.8, 0.9 };

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		struct sim_result r = run_6lb(SIM_POL_SC, 0, rhos[i], 600000);
		double model = sim_model_sc_mean(rhos[i]);
		double err = norm_mean(&r) / model - 1;

		printf("# SC rho %.2f: sim %.4f model %.4f (%+.2f%%)\n",
		       rhos[i], norm_mean(&r), model, 100 * err);
		assert_true(fabs(err) < 0.06);
	}
}

/* 6LB's headline: SR_4 beats SC at rho 0.88 by a large factor (testbed:
 * up to 2.3x; model: 2.7x), with a fairer load; SR_dyn is close to the
 * best static c. */
static void
test_sr_ordering(void **state)
{
	static const double rhos[] = { 0.7, 0.88 };

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		double rho = rhos[i];
		struct sim_result sc = run_6lb(SIM_POL_SC, 0, rho, 300000);
		struct sim_result s4 = run_6lb(SIM_POL_SR, 4, rho, 300000);
		struct sim_result s8 = run_6lb(SIM_POL_SR, 8, rho, 300000);
		struct sim_result s16 = run_6lb(SIM_POL_SR, 16, rho, 300000);
		struct sim_result dyn = run_6lb(SIM_POL_SRDYN, 0, rho, 300000);
		double best = fmin(norm_mean(&s4),
				   fmin(norm_mean(&s8), norm_mean(&s16)));

		printf("# rho %.2f: SC %.3f SR4 %.3f SR8 %.3f SR16 %.3f "
		       "SRdyn %.3f (c %.1f, accept %.3f); jain SC %.3f "
		       "SR4 %.3f\n", rho, norm_mean(&sc), norm_mean(&s4),
		       norm_mean(&s8), norm_mean(&s16), norm_mean(&dyn),
		       dyn.final_c, dyn.accept_first, sc.jain_mean,
		       s4.jain_mean);
		assert_true(norm_mean(&s4) < norm_mean(&s8));
		assert_true(norm_mean(&s8) < norm_mean(&s16));
		assert_true(norm_mean(&s16) < norm_mean(&sc));
		assert_true(s4.jain_mean > sc.jain_mean);
		assert_true(norm_mean(&dyn) < 1.10 * best);
		/* SR_dyn aims at half of the first candidates accepting */
		assert_true(dyn.accept_first > 0.4 && dyn.accept_first < 0.6);
		if (rho > 0.85) {
			assert_true(norm_mean(&sc) > 2.0 * norm_mean(&s4));
			assert_true(sc.p99_ns > 3.0 * s4.p99_ns);
		}
	}
}

static struct sim_conf
dsr_conf(enum sim_policy p)
{
	struct sim_conf c;

	/* the dynamic-DSR testbed's shape: 2 servers, jobs of about a
	 * second with a wide spread, polls cost 5 % of a job */
	sim_conf_default(&c);
	c.policy = p;
	c.n_servers = 2;
	c.n_workers = 8;
	c.dist = SIM_DIST_LOGNORMAL;
	c.sigma = 1.0;
	c.job_mean_ns = 1000000000ull;
	c.delay_ns = 200000ull;
	c.poll_cost_ns = 50000000ull;
	c.n_jobs = 60000;
	c.warmup_jobs = 6000;
	c.seed = 3;
	return c;
}

/* Dynamic DSR beats round-robin, is not worse than explicit polling in
 * response time, and polling costs throughput. */
static void
test_dyn_vs_rr_and_poll(void **state)
{
	(void)state;
	struct sim_conf c = dsr_conf(SIM_POL_RR);

	c.rho = 0.9;
	struct sim_result rr = run_conf(&c);

	c.policy = SIM_POL_DYN;
	struct sim_result dyn = run_conf(&c);

	c.policy = SIM_POL_DYN_ADAPT;
	struct sim_result ada = run_conf(&c);

	c.policy = SIM_POL_POLL;
	c.rho = 0.8; /* per-request polls overload the servers at 0.9 */
	struct sim_result poll8 = run_conf(&c);

	c.policy = SIM_POL_DYN;
	struct sim_result dyn8 = run_conf(&c);

	printf("# open loop rho 0.9: rr %.3f dyn %.3f dyn-adapt %.3f s; "
	       "rho 0.8: poll %.3f dyn %.3f s (poll util %.3f)\n",
	       rr.mean_ns / 1e9, dyn.mean_ns / 1e9, ada.mean_ns / 1e9,
	       poll8.mean_ns / 1e9, dyn8.mean_ns / 1e9, poll8.poll_util);
	assert_true(dyn.mean_ns < 0.98 * rr.mean_ns);
	assert_true(ada.mean_ns < 0.95 * rr.mean_ns);
	assert_true(dyn.p90_ns < rr.p90_ns);
	assert_true(dyn8.mean_ns <= 1.02 * poll8.mean_ns);
	assert_true(poll8.poll_util > 0.05);

	/* closed loop (back-to-back clients): requests per second */
	c = dsr_conf(SIM_POL_POLL);
	c.clients = 24;
	c.n_jobs = 30000;
	c.warmup_jobs = 3000;
	struct sim_result cpoll = run_conf(&c);

	c.poll_interval_ns = 200000000ull; /* periodic, 200 ms */
	struct sim_result cperiod = run_conf(&c);

	c.policy = SIM_POL_DYN_ADAPT;
	struct sim_result cdyn = run_conf(&c);

	c.policy = SIM_POL_RR;
	struct sim_result crr = run_conf(&c);

	printf("# closed loop 24 clients: rps poll %.2f periodic poll %.2f "
	       "dyn-adapt %.2f rr %.2f; mean poll %.3f dyn-adapt %.3f s\n",
	       cpoll.rps, cperiod.rps, cdyn.rps, crr.rps,
	       cpoll.mean_ns / 1e9, cdyn.mean_ns / 1e9);
	assert_true(cdyn.rps > 1.05 * cpoll.rps);
	assert_true(cdyn.rps > cperiod.rps);
	assert_true(cdyn.rps > crr.rps);
	assert_true(cdyn.mean_ns < cpoll.mean_ns);
	assert_true(cdyn.poll_util == 0 && cpoll.poll_util > 0.05);
}

static struct sim_conf
lat_conf(enum sim_policy p, uint64_t inflate_at)
{
	struct sim_conf c;

	sim_conf_default(&c);
	c.policy = p;
	c.n_servers = 2;
	c.n_workers = 8;
	c.clients = 8;
	c.reqs_per_conn = 20;
	c.job_mean_ns = 100000ull;
	c.delay_ns = 25000ull;
	c.pkts_per_req = 2;
	c.inflate_at_ns = inflate_at;
	c.inflate_ns = 1000000ull;
	c.n_jobs = 100000;
	c.warmup_jobs = 10000;
	c.seed = 5;
	return c;
}

/* HotNets'22: a 1 ms inflation at one of two servers; the controller
 * takes its share away within tens of ms, and leaves a healthy farm
 * alone. */
static void
test_latency_controller(void **state)
{
	(void)state;
	struct sim_conf c = lat_conf(SIM_POL_LAT, 200000000ull);
	struct sim_result lat = run_conf(&c);

	c.policy = SIM_POL_SC;
	struct sim_result mag = run_conf(&c);

	printf("# lat: share %.3f -> %.3f, first shift %.1f ms, half %.1f "
	       "ms, %llu rebuilds; p99 %.3f ms vs Maglev %.3f ms\n",
	       lat.share_before, lat.share_end, lat.shift_ms, lat.half_ms,
	       (unsigned long long)lat.rebuilds, lat.p99_ns / 1e6,
	       mag.p99_ns / 1e6);
	assert_true(lat.shift_ms >= 0 && lat.shift_ms <= 20);
	assert_true(lat.half_ms >= 0 && lat.half_ms <= 100);
	assert_true(lat.share_end < 0.25 * lat.share_before);
	assert_true(lat.p99_ns < mag.p99_ns);

	c = lat_conf(SIM_POL_LAT, 0);
	struct sim_result calm = run_conf(&c);

	assert_int_equal(calm.rebuilds, 0);
	assert_true(fabs(calm.share_end - calm.share_before) < 1e-12);
}

static struct sim_conf
d_conf(enum sim_policy p, uint32_t d, uint32_t n_servers)
{
	struct sim_conf c;

	sim_conf_default(&c);
	c.policy = p;
	c.dyn_d = d;
	c.n_servers = n_servers;
	c.n_workers = 2;
	c.rho = 0.85;
	c.n_jobs = 20000;
	c.warmup_jobs = 2000;
	c.seed = 11;
	return c;
}

/* The response times and balance of two runs are the same (probe
 * counts may differ: SC sends none). */
static void
assert_same_service(const struct sim_result *a, const struct sim_result *b)
{
	assert_true(a->completed == b->completed);
	assert_true(a->mean_ns == b->mean_ns && a->p50_ns == b->p50_ns);
	assert_true(a->p90_ns == b->p90_ns && a->p99_ns == b->p99_ns);
	assert_true(a->jain_mean == b->jain_mean &&
		    a->jain_p10 == b->jain_p10);
	assert_true(a->rps == b->rps && a->work_util == b->work_util);
}

/* Issue 17's power of d: dynamic DSR among the flow's d candidates of a
 * C = d consistent-hash table. Exact properties: d >= N is the
 * full-choice policy, draw for draw; d = 1 is consistent hashing (SC);
 * JSQ(d) follows the power-of-d mean field. */
static void
test_power_of_d(void **state)
{
	static const enum sim_policy fam[] = { SIM_POL_DYN, SIM_POL_DYN_ADAPT,
					       SIM_POL_JSQ };
	struct sim_conf c;
	struct sim_result all, dn, sc;

	(void)state;
	for (size_t i = 0; i < sizeof(fam) / sizeof(fam[0]); i++) {
		/* d = N, and d > N (C_eff = N): the list holds every
		 * server, so every pick and every draw is the same */
		c = d_conf(fam[i], 0, 8);
		all = run_conf(&c);
		c = d_conf(fam[i], 8, 8);
		dn = run_conf(&c);
		assert_memory_equal(&all, &dn, sizeof(all));
		c = d_conf(fam[i], 0, 4);
		all = run_conf(&c);
		c = d_conf(fam[i], CHASH_C_MAX, 4);
		dn = run_conf(&c);
		assert_memory_equal(&all, &dn, sizeof(all));
		/* ... and fewer candidates is a real restriction */
		c = d_conf(fam[i], 2, 8);
		dn = run_conf(&c);
		c = d_conf(fam[i], 0, 8);
		all = run_conf(&c);
		assert_true(dn.mean_ns != all.mean_ns);
		/* d = 1: the C = 1 table is Maglev's, the flow's only
		 * candidate is SC's server */
		c = d_conf(SIM_POL_SC, 0, 8);
		sc = run_conf(&c);
		c = d_conf(fam[i], 1, 8);
		dn = run_conf(&c);
		assert_same_service(&sc, &dn);
	}
	/* Round-robin and latency-feedback among the d candidates (the
	 * appliance's recovery pick, issue 17): d covering every server
	 * gives the policy's own picks; fewer costs round-robin its
	 * spread (docs/evaluation.md) */
	c = d_conf(SIM_POL_RR, 0, 8);
	all = run_conf(&c);
	c = d_conf(SIM_POL_RR, 8, 8);
	dn = run_conf(&c);
	assert_same_service(&all, &dn);
	c = d_conf(SIM_POL_RR, 2, 8);
	dn = run_conf(&c);
	assert_true(dn.mean_ns > 1.2 * all.mean_ns);
	c = lat_conf(SIM_POL_LAT, 200000000ull);
	all = run_conf(&c);
	c.dyn_d = CHASH_C_MAX;
	dn = run_conf(&c);
	assert_same_service(&all, &dn);
	/* d above the table's limit is refused */
	c = d_conf(SIM_POL_DYN, CHASH_C_MAX + 1, 8);
	assert_int_equal(sim_run(&c, &dn), -22);

	/* JSQ(d) with exact scores, N = 100 x 1, exponential jobs: the
	 * mean field (Mitzenmacher) within 5 %, so the chash lists behave
	 * as d random servers */
	for (uint32_t d = 2; d <= 4; d += 2) {
		double model = sim_model_jsqd_mean(0.88, d);
		struct sim_result r;

		c = d_conf(SIM_POL_JSQ, d, 100);
		c.n_workers = 1;
		c.rho = 0.88;
		c.n_jobs = 100000;
		c.warmup_jobs = 20000;
		c.seed = 7;
		r = run_conf(&c);
		printf("# JSQ(%u) rho 0.88: sim %.4f model %.4f (%+.2f%%)\n",
		       d, norm_mean(&r), model,
		       100 * (norm_mean(&r) / model - 1));
		assert_true(fabs(norm_mean(&r) / model - 1) < 0.05);
	}
}

/* Mean and sd over seeds, and the paired ratio. */
static void
test_summary(void **state)
{
	static const double v[] = { 1, 2, 3, 4 };
	struct sim_result r[4], ref[4];
	struct sim_summary s;
	struct sim_stat st;

	(void)state;
	st = sim_stat_of(v, 4);
	assert_true(fabs(st.mean - 2.5) < 1e-12);
	assert_true(fabs(st.sd - sqrt(5.0 / 3.0)) < 1e-12);
	st = sim_stat_of(v, 1);
	assert_true(st.mean == 1 && st.sd == 0);
	memset(r, 0, sizeof(r));
	memset(ref, 0, sizeof(ref));
	for (int i = 0; i < 4; i++) {
		r[i].mean_ns = 2 * v[i];
		r[i].p99_ns = 3 * v[i];
		ref[i].mean_ns = v[i];
		ref[i].p99_ns = v[i];
	}
	assert_int_equal(sim_summarise(r, ref, 4, &s), 0);
	assert_int_equal(s.n, 4);
	assert_true(fabs(s.mean_ns.mean - 5) < 1e-12);
	/* the ratio is the same for every seed: no spread */
	assert_true(fabs(s.rel_mean.mean - 2) < 1e-12 && s.rel_mean.sd == 0);
	assert_true(fabs(s.rel_p99.mean - 3) < 1e-12 && s.rel_p99.sd == 0);
	assert_int_equal(sim_summarise(r, ref, 0, &s), -22);
}

/* A run is a function of its configuration and seed. */
static void
test_reproducible(void **state)
{
	(void)state;
	struct sim_conf c;

	sim_conf_default(&c);
	c.policy = SIM_POL_DYN_ADAPT;
	c.n_jobs = 20000;
	c.warmup_jobs = 1000;
	struct sim_result a = run_conf(&c), b = run_conf(&c);

	assert_memory_equal(&a, &b, sizeof(a));
	c.seed = 2;
	b = run_conf(&c);
	assert_true(a.mean_ns != b.mean_ns);

	struct sim_result r;

	c.n_servers = 0;
	assert_int_equal(sim_run(&c, &r), -22);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_equations),
		cmocka_unit_test(test_sr_matches_model),
		cmocka_unit_test(test_sc_matches_mm1),
		cmocka_unit_test(test_sr_ordering),
		cmocka_unit_test(test_dyn_vs_rr_and_poll),
		cmocka_unit_test(test_latency_controller),
		cmocka_unit_test(test_power_of_d),
		cmocka_unit_test(test_summary),
		cmocka_unit_test(test_reproducible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
