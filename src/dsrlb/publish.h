/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hand-over between the control thread and the workers (issue 13,
 * docs/architecture.md "Live changes"). The control thread builds
 * everything a worker needs aside (lb_worker_prepare), publishes it with a
 * new generation and waits until every worker adopted it at a quiescent
 * point between two bursts; only then is anything the workers used before
 * freed. The same quiescent point serves the control thread's reads: a
 * worker copies what was asked into its view (lb_view.h) there. Nothing
 * here ever makes a worker wait.
 */
#ifndef DSRLB_PUBLISH_H_
#define DSRLB_PUBLISH_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_view.h"

/** Set up for @p n_w workers running @p st. @return 0 or -1. */
int pub_init(struct lb_worker *const *w, unsigned int n_w, _Atomic bool *quit,
	     const struct lb_state *st, uint32_t idle_sleep_us);

/** Free everything (the workers have stopped). */
void pub_fini(void);

/* ---- control thread --------------------------------------------------- */

/**
 * Hand @p st to every worker and wait until each adopted it.
 * @return 0; -ENOMEM (nothing published); -EINTR: published, but the
 * appliance is quitting and not every worker adopted it.
 */
int pub_state(const struct lb_state *st);

/** Every worker passes a quiescent point (adopts the current state
 *  again). @return true when all did, false when quitting. */
bool pub_barrier(void);

/** Free @p p with @p fn once no worker can use it: now when the latest
 *  hand-over completed, else at pub_fini(). */
void pub_retire(void (*fn)(void *), void *p);

/** Publish a new idle back-off (an immutable snapshot, one pointer). */
void pub_set_idle_sleep(uint32_t us);

/**
 * Ask every worker to copy the parts @p mask of itself into its view, and
 * wait (at most @p timeout_ms) until each did.
 * @return 0, or the number of workers whose view is older (they did not
 * answer in time; their request is withdrawn).
 */
int pub_views_refresh(const struct lb_state *st, unsigned int mask,
		      unsigned int timeout_ms);

/** The views (n_w of them), as last refreshed. */
struct lb_worker *const *pub_views(void);

/* ---- worker --------------------------------------------------------------- */

/** The quiescent point of worker @p idx, between two bursts: adopt a
 *  published hand-over, answer a view request. */
void pub_worker_poll(unsigned int idx, struct lb_worker *w);

/** The idle back-off workers use now (microseconds; 0: busy polling). */
uint32_t pub_idle_sleep_us(void);

#endif /* DSRLB_PUBLISH_H_ */
