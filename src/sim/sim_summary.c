/* SPDX-License-Identifier: BSD-3-Clause */
/* Mean and spread of a simulator point over seeds; see sim_summary.h. */
#include "sim_summary.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>

struct sim_stat
sim_stat_of(const double *v, uint32_t n)
{
	struct sim_stat st = { 0, 0 };
	double sum = 0, sq = 0;

	if (n == 0)
		return st;
	for (uint32_t i = 0; i < n; i++)
		sum += v[i];
	st.mean = sum / n;
	/* two passes: no cancellation when the spread is small */
	for (uint32_t i = 0; i < n; i++)
		sq += (v[i] - st.mean) * (v[i] - st.mean);
	st.sd = n > 1 ? sqrt(sq / (n - 1)) : 0;
	return st;
}

/* One figure of every result, as a double. */
enum fig {
	F_MEAN, F_P50, F_P90, F_P99, F_REL, F_REL99, F_JAIN, F_JP10, F_ACC1,
	F_RPS, F_WORK, F_POLL, F_PRB,
};

static double
fig_of(const struct sim_result *r, const struct sim_result *ref, enum fig f)
{
	switch (f) {
	case F_MEAN: return r->mean_ns;
	case F_P50: return r->p50_ns;
	case F_P90: return r->p90_ns;
	case F_P99: return r->p99_ns;
	case F_REL: return ref->mean_ns > 0 ? r->mean_ns / ref->mean_ns : NAN;
	case F_REL99: return ref->p99_ns > 0 ? r->p99_ns / ref->p99_ns : NAN;
	case F_JAIN: return r->jain_mean;
	case F_JP10: return r->jain_p10;
	case F_ACC1: return r->accept_first;
	case F_RPS: return r->rps;
	case F_WORK: return r->work_util;
	case F_POLL: return r->poll_util;
	case F_PRB: return r->probes_per_req;
	}
	return NAN;
}

int
sim_summarise(const struct sim_result *r, const struct sim_result *ref,
	      uint32_t n, struct sim_summary *s)
{
	struct sim_stat *out[] = {
		[F_MEAN] = &s->mean_ns, [F_P50] = &s->p50_ns,
		[F_P90] = &s->p90_ns, [F_P99] = &s->p99_ns,
		[F_REL] = &s->rel_mean, [F_REL99] = &s->rel_p99,
		[F_JAIN] = &s->jain_mean, [F_JP10] = &s->jain_p10,
		[F_ACC1] = &s->accept_first, [F_RPS] = &s->rps,
		[F_WORK] = &s->work_util, [F_POLL] = &s->poll_util,
		[F_PRB] = &s->probes_per_req,
	};
	double *v;

	if (r == NULL || ref == NULL || s == NULL || n == 0)
		return -EINVAL;
	v = malloc(n * sizeof(*v));
	if (v == NULL)
		return -ENOMEM;
	s->n = n;
	for (size_t f = 0; f < sizeof(out) / sizeof(out[0]); f++) {
		for (uint32_t i = 0; i < n; i++)
			v[i] = fig_of(&r[i], &ref[i], (enum fig)f);
		*out[f] = sim_stat_of(v, n);
	}
	free(v);
	return 0;
}
