/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Control-plane views of the workers (issue 13). The control thread never
 * reads a worker's live memory: it keeps one view per worker, a struct
 * lb_worker of the same shape, and asks the worker to fill it between two
 * bursts (src/dsrlb/publish.c carries the request). Console commands,
 * telemetry and the latency controllers read the views.
 */
#ifndef DSRLB_LB_VIEW_H_
#define DSRLB_LB_VIEW_H_

#include "dsrlb/lb_engine.h"

/** What lb_view_copy() copies (a mask). */
#define LB_VIEW_COUNTERS 0x1u  /**< worker, VIP, backend counters; flow
				*   count */
#define LB_VIEW_SCORES   0x2u  /**< busyness tables, probe schedulers */
#define LB_VIEW_LATENCY  0x4u  /**< latency aggregates per backend */
#define LB_VIEW_FLOWS    0x8u  /**< the whole flow table (O(capacity)) */
#define LB_VIEW_HEALTH   0x10u /**< health observations (lb_health.h) */
#define LB_VIEW_ALL      0x1fu

/**
 * Set up @p view for worker @p w (control thread; reads only what does
 * not change after lb_worker_init(): the flow table's shape).
 * @return 0, -ENOMEM.
 */
int lb_view_init(struct lb_worker *view, const struct lb_worker *w);

/**
 * Allocate the per-VIP tables of @p view for every VIP of @p st (control
 * thread, before the worker may copy @p st's VIPs into it).
 * @return 0, -ENOMEM.
 */
int lb_view_reserve(struct lb_worker *view, const struct lb_state *st);

/**
 * Copy the parts of @p w named by @p mask into @p view. Runs on the
 * worker itself between two bursts; no allocation. VIPs whose view tables
 * are not reserved are skipped.
 */
void lb_view_copy(struct lb_worker *view, const struct lb_worker *w,
		  unsigned int mask);

void lb_view_fini(struct lb_worker *view);

#endif /* DSRLB_LB_VIEW_H_ */
