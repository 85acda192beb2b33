/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The latency-feedback VIPs' controllers on the control thread (HotNets'22):
 * every 10 ms each controller reads the workers' latency aggregates (their
 * views), moves its weights, and a changed table is swapped in; the old
 * one is freed after every worker passed a quiescent point.
 */
#ifndef DSRLB_LATENCY_LOOP_H_
#define DSRLB_LATENCY_LOOP_H_

#include <stdint.h>

#include "dsrlb/lb_engine.h"

/** Controllers for the latency-feedback VIPs of @p st, at their
 *  configured weights. @return 0 or -1. */
int latency_loop_init(const struct lb_state *st);

/**
 * A live change, step 1 (before @p nst is published): controllers for
 * @p nst that keep what the running ones learned for VIPs the change did
 * not touch (lb_latency_carry(), which rebuilds those VIPs' tables of
 * @p nst from the learned weights).
 */
void latency_loop_prepare(struct lb_state *nst, const struct lb_state *old);

/** Step 2, once the workers run @p nst: its controllers take over. */
void latency_loop_commit(void);

/** Or the change failed: drop what step 1 made. */
void latency_loop_abort(void);

/** One control step when 10 ms passed since the last (@p now_ns: the
 *  control thread's clock; @p data_ns: the data path's). Caller holds the
 *  console's lock. */
void latency_loop_step(struct lb_state *st, unsigned int n_w, uint64_t now_ns,
		       uint64_t data_ns);

void latency_loop_fini(void);

#endif /* DSRLB_LATENCY_LOOP_H_ */
