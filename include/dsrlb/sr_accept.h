/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Connection acceptance policies of the agent (6LB, ToN 2018, §II-B,
 * Table I): whether the local application instance takes a new flow that
 * reached it through the SR list of the appliance (service hunting), or
 * passes it to the next candidate.
 *
 *  - SR_c (Algorithm 1): accept iff fewer than c of the n worker threads
 *    are busy; the last candidate (connectForce, "SegmentsLeft = 1")
 *    always accepts. c = 0: only last candidates accept; c = n + 1: the
 *    first candidate always accepts.
 *  - SR_dyn (Algorithm 2): SR_c whose c is adapted so that about half of
 *    the connectAvail decisions accept. Only connectAvail decisions
 *    ("SegmentsLeft = 2") are counted. At the window-th one, before it is
 *    decided: if accepted / window < 1/2 - epsilon and c < n, c grows by
 *    one; else if accepted / window > 1/2 + epsilon and c > 0, c shrinks by
 *    one; both counts restart; then the decision is made with the new c
 *    and counted in the new window. Hence the first window holds window - 1
 *    decisions and every later one exactly window. c only grows up to n
 *    (the paper's "c < n" guard); c = n + 1 is reachable only as the
 *    initial value or through sr_accept_set_c().
 *
 * The busy-worker count comes from the caller (the application's shared
 * scoreboard); the state is owned by one agent lcore and is not atomic.
 * Ratios are compared in exact integer arithmetic (epsilon in millionths).
 */
#ifndef DSRLB_SR_ACCEPT_H_
#define DSRLB_SR_ACCEPT_H_

#include <stdbool.h>
#include <stdint.h>

/** Largest number of worker threads n. */
#define SR_ACCEPT_MAX_WORKERS 65535u
/** epsilon = 1/2 in millionths: the largest meaningful tolerance. */
#define SR_ACCEPT_EPS_MAX_PPM 500000u

/** Which SR function brought the flow (6LB §IV-B). */
enum sr_accept_role {
	SR_ACCEPT_ROLE_AVAIL = 0, /**< connectAvail: may refuse */
	SR_ACCEPT_ROLE_FORCE,     /**< connectForce: last candidate, must
				   *   accept; any value other than
				   *   ROLE_AVAIL is taken as this */
};

/** Outcome of one decision. */
enum sr_accept_verdict {
	SR_ACCEPT_PASS = 0,  /**< refuse: forward to the next segment */
	SR_ACCEPT_ACCEPTED,  /**< accepted by the policy (b < c) */
	SR_ACCEPT_FORCED,    /**< accepted as the last candidate */
};

/** Configuration. */
struct sr_accept_conf {
	uint32_t n_workers;   /**< n: worker threads, 1..SR_ACCEPT_MAX_WORKERS */
	uint32_t c_init;      /**< c of SR_c, initial c of SR_dyn: 0..n+1 */
	bool dynamic;         /**< SR_dyn instead of SR_c */
	uint32_t window;      /**< SR_dyn: decisions per window, >= 1 */
	uint32_t epsilon_ppm; /**< SR_dyn: epsilon in millionths,
			       *   0..SR_ACCEPT_EPS_MAX_PPM */
};

/** Policy state of one application instance, owned by an agent lcore. */
struct sr_accept {
	struct sr_accept_conf conf; /**< as given */
	uint32_t c;           /**< current threshold, 0..n+1 */
	uint32_t attempt;     /**< SR_dyn: connectAvail decisions counted in
			       *   the current window (Alg. 2 "attempt") */
	uint32_t accepted;    /**< SR_dyn: accepted ones among them */
	/* counters (never reset by the library) */
	uint64_t n_accepted;  /**< connectAvail decisions that accepted */
	uint64_t n_passed;    /**< connectAvail decisions that refused */
	uint64_t n_forced;    /**< connectForce decisions */
	uint64_t n_windows;   /**< SR_dyn windows completed */
	uint64_t n_c_up;      /**< SR_dyn increments of c */
	uint64_t n_c_down;    /**< SR_dyn decrements of c */
};

/**
 * Fill @p conf with the papers' values: n = 32 (the Apache prefork set-up
 * of §VI), c = 1, SR_dyn, window 50, epsilon 0.1.
 */
void sr_accept_conf_default(struct sr_accept_conf *conf);

/**
 * Initialise @p s (counters at zero, c = c_init).
 * @return 0 or -EINVAL (NULL, a value out of range; the window and epsilon
 *   are checked only when dynamic); on error @p s is untouched.
 */
int sr_accept_init(struct sr_accept *s, const struct sr_accept_conf *conf);

/**
 * Decide on one new flow (e.g. a TCP SYN) reaching this instance in @p role
 * while @p busy workers are busy. Algorithm 1 for SR_c, Algorithm 2 for
 * SR_dyn. A NULL @p s gives SR_ACCEPT_FORCED: a flow is never lost to
 * the policy.
 */
enum sr_accept_verdict sr_accept_decide(struct sr_accept *s,
					enum sr_accept_role role,
					uint32_t busy);

/**
 * Set c (operator override, 0..n+1). The SR_dyn window is kept.
 * @return 0 or -EINVAL.
 */
int sr_accept_set_c(struct sr_accept *s, uint32_t c);

/** Current threshold c (0 for a NULL @p s). */
uint32_t sr_accept_get_c(const struct sr_accept *s);

#endif /* DSRLB_SR_ACCEPT_H_ */
