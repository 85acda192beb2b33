/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Proactive neighbour resolution (issue 15, item 7): every next hop the
 * state knows (backends, gateways, route next hops) is solicited from the
 * start, so that the first packet to a backend after a start, a restart
 * or a live change finds its MAC instead of waiting in the driver's hold
 * queue for one (lb_hold.h); lb_worker_request() writes the request for
 * a next hop a packet is held for.
 *
 * One worker (index 0) calls lb_worker_solicit() between bursts with an
 * empty buffer of its own; it writes at most one request per call, for
 * the next unresolved next hop whose last request is older than
 * LB_SOLICIT_INTERVAL_NS (the same rate limit lb_worker_request()
 * honours: both take the slot's req_ns with a compare-and-swap), scanning a bounded
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

/**
 * The request for next hop @p nh, for which a packet was held
 * (LB_ACT_HOLD), into @p pb (an empty buffer with room for 86 bytes),
 * its port into @p *port, counted neigh_request_sent; not when the next
 * hop has a MAC now or had a request within LB_SOLICIT_INTERVAL_NS.
 * @return true when @p pb holds a frame to transmit on @p *port.
 */
bool lb_worker_request(struct lb_worker *w, struct pkt_buf *pb, uint16_t nh,
		       uint64_t now_ns, uint8_t *port);

/** Whether lb_worker_request() would write a request for @p nh now (so
 *  that the driver takes a buffer only then). */
bool lb_worker_request_due(const struct lb_worker *w, uint16_t nh,
			   uint64_t now_ns);

#endif /* DSRLB_LB_SOLICIT_H_ */
