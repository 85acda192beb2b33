/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Analytic models the simulator is checked against.
 *
 * 6LB (Desmouceaux et al., IEEE/ACM ToN 2018, §V): N -> infinity servers,
 * one FIFO worker each, exponential jobs of rate mu = 1, Poisson arrivals
 * of rate lambda per server, two random candidates, SR_c acceptance (the
 * first candidate accepts iff it holds fewer than c flows). s_n is the
 * fraction of servers holding n or more flows.
 *  - equation (5): s_c (1 - lambda s_c) = (1 - lambda) [lambda (1 + s_c)]^c,
 *    solved numerically (smallest root in (0, lambda^c]);
 *  - equations (3), (4): s_n for n <= c and n >= c;
 *  - equation (6): E(T), the mean response time in units of 1/mu;
 *  - equation (7): E(T) + delta s_c with a hop delay delta between the
 *    two candidates (in units of 1/mu).
 * SC (single random choice): every server is an M/M/1 queue,
 * E(T) = 1 / (1 - rho).
 *
 * JSQ(d), the power of d choices (Mitzenmacher, "The power of two choices
 * in randomized load balancing", IEEE TPDS 2001, §3; 6LB's reference
 * [5]): same setting, each job joins the shortest of d random queues,
 * known exactly. The fraction of queues holding i or more jobs is
 * s_i = lambda^((d^i - 1) / (d - 1)), so by Little's law E(T) = sum over
 * i >= 1 of s_i / lambda = sum of lambda^((d^i - d) / (d - 1)).
 */
#ifndef DSRLB_SIM_MODEL_H_
#define DSRLB_SIM_MODEL_H_

/** s_c of equation (5) for 0 <= lambda < 1, c >= 1 (NaN when out of range). */
double sim_model_sc(double lambda, unsigned int c);

/** s_n of equations (3) and (4) (s_0 = 1). */
double sim_model_sn(double lambda, unsigned int c, unsigned int n);

/** Sum of s_1 .. s_n_max (equations (3), (4) summed term by term). */
double sim_model_sum_sn(double lambda, unsigned int c, unsigned int n_max);

/** Mean response time of SR_c, equation (6), in units of the mean job. */
double sim_model_sr_mean(double lambda, unsigned int c);

/** Equation (7): equation (6) plus delta * s_c. */
double sim_model_sr_mean_delay(double lambda, unsigned int c, double delta);

/** Probability that the first candidate refuses (s_c: it holds >= c flows). */
double sim_model_sr_reject(double lambda, unsigned int c);

/** SC: M/M/1 mean response time 1 / (1 - rho), in units of the mean job. */
double sim_model_sc_mean(double rho);

/** JSQ(d) mean response time in units of the mean job, d >= 1 (d = 1 is
 *  SC); NaN when out of range. */
double sim_model_jsqd_mean(double rho, unsigned int d);

#endif /* DSRLB_SIM_MODEL_H_ */
