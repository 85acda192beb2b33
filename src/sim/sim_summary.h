/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Summary of one simulator point over several seeds: the mean and the
 * sample standard deviation of each figure, and the ratio of a policy's
 * figures to a reference policy's *with the same seed* (common random
 * numbers: the same arrivals and jobs, so the paired ratio varies much
 * less from seed to seed than either figure).
 */
#ifndef DSRLB_SIM_SUMMARY_H_
#define DSRLB_SIM_SUMMARY_H_

#include <stdint.h>

#include "sim.h"

/** Mean and sample standard deviation (0 with one value). */
struct sim_stat {
	double mean;
	double sd;
};

/** Figures of struct sim_result over seeds. */
struct sim_summary {
	uint32_t n;                     /**< seeds */
	struct sim_stat mean_ns, p50_ns, p90_ns, p99_ns;
	struct sim_stat rel_mean;       /**< mean_ns / reference mean_ns */
	struct sim_stat rel_p99;        /**< p99_ns / reference p99_ns */
	struct sim_stat jain_mean, jain_p10, accept_first, rps;
	struct sim_stat work_util, poll_util, probes_per_req;
};

/** Mean and sample sd of @p n values. */
struct sim_stat sim_stat_of(const double *v, uint32_t n);

/**
 * Summarise @p n results @p r (one per seed) against @p ref (the
 * reference policy's results, seed for seed; may be @p r itself).
 * @return 0, or -EINVAL (NULL, n = 0), -ENOMEM.
 */
int sim_summarise(const struct sim_result *r, const struct sim_result *ref,
		  uint32_t n, struct sim_summary *s);

#endif /* DSRLB_SIM_SUMMARY_H_ */
