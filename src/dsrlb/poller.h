/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The polling baseline's control side (mode polling, issue 22,
 * lib/lb/lb_poll.h): a thread that sends one UDP poll (poll.h) to every
 * server of the polling VIPs each [general] poll_interval_ms, reads the
 * answers and publishes every polling VIP's scores to the workers (one
 * atomic pointer per VIP; the old snapshot is freed after every worker
 * passed a quiescent point, as latency_loop.c does with its tables).
 *
 * The polls are ordinary kernel UDP sockets: they leave through the
 * kernel's route to the servers, which on an appliance is the server
 * port's exception path ([port] kernel, kernel_tap.h). Without a polling
 * VIP the thread sleeps between empty rounds, and follows live changes:
 * a polling VIP added by the console or a reload is polled from the
 * next round on.
 */
#ifndef DSRLB_POLLER_H_
#define DSRLB_POLLER_H_

#include "dsrlb/lb_config.h"
#include "dsrlb/lb_state.h"

struct poller_driver {
	struct lb_config *cfg;          /* live configuration */
	struct lb_state **state;        /* current state (replaced live) */
	void (*lock)(void);             /* the console's lock */
	void (*unlock)(void);
};

struct lb_poll;

/**
 * Start the poller; when the state has a polling VIP a first round is
 * done before returning (up to 200 ms), so that the first flows already
 * see scores. Call it before the workers start. @return 0 or -1.
 */
int poller_start(const struct poller_driver *d);

/** The poller's state for "show poll" (lb_poll_show()), read under
 *  the console's lock; valid for the appliance's life. */
const struct lb_poll *poller_view(void);

/** Stop the thread and print its counters. */
void poller_stop(void);

#endif /* DSRLB_POLLER_H_ */
