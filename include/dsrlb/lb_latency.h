/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The latency-feedback mode's control step (HotNets'22 §3): per VIP, merge
 * the workers' in-band latency samples into one estimate per backend, run
 * the weight controller (latency_ctl.h) and, when the weights changed,
 * build the VIP's new C = 1 table aside. The caller swaps it in (the
 * table pointer is atomic) and frees the old one after every worker went
 * through a quiescent state (RCU): no lcore ever stops.
 */
#ifndef DSRLB_LB_LATENCY_H_
#define DSRLB_LB_LATENCY_H_

#include <stdint.h>

#include "dsrlb/latency_ctl.h"
#include "dsrlb/lb_engine.h"

/** Controller of one latency-feedback VIP. */
struct lb_latency_vip {
	uint32_t vip;           /**< index in lb_state */
	struct lat_ctl *ctl;    /**< its weight controller */
};

/** All controllers of a state. */
struct lb_latency {
	uint32_t n;
	struct lb_latency_vip *v;
};

/**
 * One controller per latency-feedback VIP of @p st, starting from the
 * configured weights.
 * @return 0, -ENOMEM, or -EINVAL (weights the controller refuses).
 */
int lb_latency_init(struct lb_latency *l, const struct lb_state *st,
		    const struct lat_ctl_conf *conf);
void lb_latency_fini(struct lb_latency *l);

/**
 * A live change keeps what the controllers learned: every controller of
 * @p next (made by lb_latency_init() over @p next_st) whose VIP kept its
 * name, backends (address, weight, state), table size and alpha in
 * @p prev_st takes over the weights and history of @p prev's controller,
 * and @p next_st's C = 1 table of that VIP is rebuilt from those weights
 * (so the new state sends new flows where the old one did). A change of
 * anything else (a probe interval, another VIP) thus resets nothing.
 * @p next_st must not be published yet.
 * @return the number of controllers carried over, or -ENOMEM (then some
 *   VIPs start again from their configured weights, as before).
 */
int lb_latency_carry(struct lb_latency *next, struct lb_state *next_st,
		     const struct lb_latency *prev,
		     const struct lb_state *prev_st);

/**
 * One control step of controller @p k at @p now_ns over the samples of
 * the @p n_w workers @p w.
 * @param est  if not NULL, receives the estimate per backend (ns, 0:
 *   none); as many entries as the VIP has backends.
 * @return a new table to swap in (the caller owns it), or NULL when the
 *   weights did not change (or the build failed).
 */
struct chash_table *lb_latency_step(struct lb_latency *l, unsigned int k,
				    const struct lb_state *st,
				    struct lb_worker *const *w, unsigned int n_w,
				    uint64_t now_ns, uint64_t *est);

#endif /* DSRLB_LB_LATENCY_H_ */
