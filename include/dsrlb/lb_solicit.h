/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Proactive neighbour resolution (issue 15, item 7): every next hop the
 * state knows (backends, gateways, route next hops) is solicited from the
 * start, so that the first packet to a backend after a start, a restart
 * or a live change finds its MAC instead of being turned into the ARP
 * request / neighbour solicitation (send_via() in lb_engine.c, which still
 * does that for a next hop still unresolved, and counts it).
 *
 * One worker (index 0) calls lb_worker_solicit() between bursts with an
 * empty buffer of its own; it writes at most one request per call, for
 * the next unresolved next hop whose last request is older than
 * LB_SOLICIT_INTERVAL_NS (the same rate limit send_via() honours: both
 * take the slot's req_ns with a compare-and-swap), scanning a bounded
 * number of slots from a cursor. Off with [general] neigh_solicit = off.
 */
#ifndef DSRLB_LB_SOLICIT_H_
#define DSRLB_LB_SOLICIT_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/lb_engine.h"

/** Requests for one next hop at most this often. */
#define LB_SOLICIT_INTERVAL_NS 200000000ull
/** Next-hop slots looked at per call. */
#define LB_SOLICIT_SCAN 64u

/**
 * Write into @p pb (an empty buffer with room for 86 bytes) the ARP
 * request or neighbour solicitation for the next unresolved next hop that
 * is due, and its port into @p *port.
 * @return true when @p pb holds a frame to transmit on @p *port.
 */
bool lb_worker_solicit(struct lb_worker *w, struct pkt_buf *pb,
		       uint64_t now_ns, uint8_t *port);

#endif /* DSRLB_LB_SOLICIT_H_ */
