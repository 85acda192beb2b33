/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Discrete-event simulator of a server farm behind the dsrlb appliance.
 *
 * N servers, each with n workers and a FIFO queue; Poisson arrivals at a
 * normalised load rho (open loop) or a fixed number of back-to-back
 * clients (closed loop); exponential or log-normal job times; a one-way
 * delay on every hop (LB -> server, server -> next candidate, answers
 * and responses). Every decision is made by lib/'s policy code (chash,
 * baseline_select, sr_accept, busy_select + probe_sched, latency_est +
 * latency_ctl); all randomness comes from struct rng, so a run is a pure
 * function of its configuration and seed. docs/evaluation.md describes
 * the model and its departures from the papers.
 */
#ifndef DSRLB_SIM_H_
#define DSRLB_SIM_H_

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum sim_policy {
	SIM_POL_SC = 0,    /**< Maglev: consistent hash, C = 1 */
	SIM_POL_RR,        /**< round-robin (baseline_rr_pick) */
	SIM_POL_RANDOM,    /**< random (baseline_random_pick) */
	SIM_POL_SR,        /**< 6LB SR_c over the C = 2 table */
	SIM_POL_SRDYN,     /**< 6LB SR_dyn over the C = 2 table */
	SIM_POL_DYN,       /**< dynamic DSR, probe every N-th packet;
			    *   with dyn_d: among d chash candidates */
	SIM_POL_DYN_ADAPT, /**< dynamic DSR, adaptive N (dyn_d too) */
	SIM_POL_POLL,      /**< explicit polling ("request busyness") */
	SIM_POL_LAT,       /**< HotNets'22 latency controller over Maglev */
	SIM_POL_JSQ,       /**< bound: dynamic DSR's pick over exact,
			    *   instant scores (join the shortest queue;
			    *   with dyn_d, JSQ(d)) */
};

enum sim_dist {
	SIM_DIST_EXP = 0,
	SIM_DIST_LOGNORMAL, /**< same mean, sigma = sd of log(job) */
};

struct sim_conf {
	enum sim_policy policy;
	uint32_t sr_c;            /**< SR_c threshold (SIM_POL_SR) */
	uint32_t sr_n;            /**< sr_accept's n: cap of c for SR_dyn;
				   *   0: max(workers, 32) */
	uint32_t n_servers;       /**< N */
	uint32_t n_workers;       /**< n per server */
	double rho;               /**< open loop: normalised load */
	uint32_t clients;         /**< > 0: closed loop with this many
				   *   clients (rho unused) */
	uint32_t reqs_per_conn;   /**< closed loop: requests per connection */
	uint64_t think_ns;        /**< closed loop: pause between requests */
	enum sim_dist dist;
	double sigma;             /**< log-normal spread */
	uint64_t job_mean_ns;     /**< mean job time */
	uint64_t delay_ns;        /**< one-way delay of every hop */
	uint64_t n_jobs;          /**< measured requests */
	uint64_t warmup_jobs;     /**< requests before measurement */
	uint64_t seed;
	uint32_t chash_m;         /**< table size (prime); 0: 65537 */
	uint32_t pkts_per_req;    /**< client-to-server packets per request */
	uint64_t pkt_gap_ns;      /**< spacing of a request's packets */
	uint32_t probe_n;         /**< dynamic DSR: probe every N-th packet */
	uint32_t dyn_d;           /**< dynamic DSR, JSQ, rr, random, lat:
				   *   0 = choose among all servers;
				   *   1..CHASH_C_MAX = among the flow's list
				   *   in a C = d consistent-hash table (power
				   *   of d choices; recovery, issue 17) */
	uint64_t poll_interval_ns;/**< polling: 0 = before every request
				   *   (the paper), else periodic */
	uint64_t poll_cost_ns;    /**< server time one poll takes */
	uint64_t sample_ns;       /**< fairness sampling interval; 0: auto */
	/* latency scenario */
	uint64_t inflate_at_ns;   /**< when the inflation starts (0: never) */
	uint64_t inflate_ns;      /**< extra delay on the inflated server */
	uint32_t inflate_server;
	uint64_t ctl_tick_ns;     /**< controller period */
	FILE *series;             /**< if set: time series (CSV) */
	bool progress;            /**< progress line on stderr */
	const char *label;        /**< progress line label */
};

struct sim_result {
	uint64_t completed;       /**< measured requests */
	double mean_ns, p50_ns, p90_ns, p99_ns;
	double jain_mean;         /**< Jain index of per-server load,
				   *   averaged over samples */
	double jain_p10;          /**< its 10th percentile over time */
	double accept_first;      /**< SR: share accepted by candidate 1 */
	double rps;               /**< measured requests per second */
	double poll_util;         /**< share of worker time spent on polls */
	double work_util;         /**< share of worker time spent on jobs */
	uint64_t probes;          /**< in-band probes / polls sent */
	double probes_per_req;
	double final_c;           /**< SR_dyn: mean c at the end */
	double final_n;           /**< adaptive dynamic DSR: N at the end */
	/* latency scenario */
	double share_before;      /**< table share of the inflated server */
	double share_end;
	double shift_ms;          /**< ms from inflation until its share
				   *   is < 95 % of share_before; < 0: never */
	double half_ms;           /**< ... until < 50 %; < 0: never */
	uint64_t rebuilds;
	double sim_s;             /**< simulated seconds */
};

/** Fill @p c with defaults (N 16, n 1, rho 0.8, exp, 10 ms jobs, ...). */
void sim_conf_default(struct sim_conf *c);

/** Parse a policy name: sc, rr, random, srC (e.g. sr4), srdyn, dyn,
 *  dynD (e.g. dyn2), dyn-adapt, dyn-adaptD, jsq, jsqD, poll, lat. @p c
 *  is set to the number in the name (SR_c's c, or dynamic DSR's d), and left alone
 *  when the name has none. @return 0 or -1. */
int sim_policy_parse(const char *s, enum sim_policy *p, uint32_t *c);

/** Policy name of @p c's policy (with its c or d) into @p buf. */
const char *sim_policy_name(const struct sim_conf *c, char *buf,
			    unsigned int len);

/** Run one simulation. @return 0, or a negative errno on bad input. */
int sim_run(const struct sim_conf *c, struct sim_result *r);

#endif /* DSRLB_SIM_H_ */
