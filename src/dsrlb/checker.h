/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks (issue 14, docs/health.md "Active checks"): TCP
 * connects and HTTP GETs of every backend's own address with ordinary
 * non-blocking sockets on the control thread. They leave through the
 * server port's kernel interface ([port] kernel = NAME, kernel_tap.c);
 * the schedule, request and reply parsing are lib/lb/lb_check.c.
 */
#ifndef DSRLB_CHECKER_H_
#define DSRLB_CHECKER_H_

#include <stdint.h>

struct lb_config;
struct lb_health;

/** @return 0, or -1 without memory. */
int checker_init(void);
void checker_fini(void);

/**
 * Start the checks that are due, advance the running ones (never
 * blocks), feed finished ones to @p h. Called by the control thread with
 * the console lock held; @p cfg is the running configuration.
 */
void checker_step(const struct lb_config *cfg, struct lb_health *h,
		  uint64_t now_ns);

#endif /* DSRLB_CHECKER_H_ */
