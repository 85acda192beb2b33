/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus metrics endpoint ([general] metrics = ADDRESS:PORT, off
 * by default): GET /metrics answers in the text exposition format
 * (docs/operations.md lists every metric). libmicrohttpd serves it from
 * its own thread, which only reads: under the control plane's lock, the
 * workers' views (copies each worker makes of its counters between two
 * bursts, publish.h), the state and the configuration, so a live change
 * never frees what a scrape is reading. Nothing here reads or writes
 * worker memory.
 */
#ifndef DSRLB_METRICS_H_
#define DSRLB_METRICS_H_

#include <stdint.h>

#include "dsrlb/lb_engine.h"

/** Drops the driver counts itself, per worker. */
struct metrics_worker_drops {
	uint64_t tx_queue_full;
	uint64_t handoff_ring_full;
	uint64_t chained;
};

/** What the driver shares with the endpoint (all read-only to it). */
struct metrics_driver {
	struct lb_config *cfg;          /* live configuration */
	struct lb_state **state;        /* current state (replaced live) */
	/* the workers' views (publish.h), refreshed with a LB_VIEW_ mask;
	 * called under lock() */
	struct lb_worker *const *(*views)(unsigned int mask);
	const unsigned int *w_lcore;
	unsigned int n_w;
	const uint16_t *port_id;        /* ethdev id per configured port */
	uint64_t (*now_ns)(void);       /* the data path's clock */
	/* the control plane's lock around state and configuration */
	void (*lock)(void);
	void (*unlock)(void);
	/* the control thread's health view and announcer (NULL: none),
	 * read under lock() */
	struct lb_health *health;
	const struct lb_announce *ann;
	/* the driver's own drop counters of worker @p i */
	void (*worker_drops)(unsigned int i, struct metrics_worker_drops *d);
};

/**
 * Start serving on @p d->cfg's metrics endpoint (nothing when it is
 * off). @return 0, or -1 with a message (the address cannot be bound).
 */
int metrics_start(const struct metrics_driver *d);

/** Stop serving (waits for a scrape in progress). */
void metrics_stop(void);

#endif /* DSRLB_METRICS_H_ */
