/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Frames waiting for their next hop's link-layer address.
 *
 * A packet routed to a next hop without a MAC yet is not lost: the
 * engine says LB_ACT_HOLD (lb_out.nh names the next hop, lb_out.counter
 * the final counter it takes when it leaves), the driver parks it here
 * and sends an ARP request or neighbour solicitation in a buffer of its
 * own (lb_worker_request(), lb_solicit.h). RFC 4861 §7.2.2: "the sender
 * MUST, for each neighbor, retain a small queue of packets waiting for
 * address resolution"; RFC 1122 §2.3.2.2: save at least the latest.
 * Before, the packet itself became the request, so the first reply to a
 * client after a start, or a SYN-ACK behind a router the appliance had
 * not resolved, waited for its sender's retransmission (1 s for TCP).
 *
 * One queue per lcore (no sharing): at most LB_HOLD_PER_NH frames per
 * next hop (the oldest makes room for a newer one) and LB_HOLD_MAX in
 * all (then the oldest of all), each at most LB_HOLD_NS; the next-hop
 * table is shared and append-only, so a held index stays valid across
 * states and another lcore's learning releases our frames.
 * Packets are opaque to this module (the driver's mbufs); it reads and
 * writes only the held frame's Ethernet addresses.
 */
#ifndef DSRLB_LB_HOLD_H_
#define DSRLB_LB_HOLD_H_

#include <stdint.h>

#include "dsrlb/lb_engine.h"

/** Frames held per lcore. */
#define LB_HOLD_MAX     64u
/** Frames held per next hop (Linux's default unres_qlen is about 100
 *  small packets; a few cover a handshake and a window's first bytes). */
#define LB_HOLD_PER_NH  8u
/** Longest hold: five requests at LB_SOLICIT_INTERVAL_NS; Linux gives
 *  an INCOMPLETE neighbour 3 probes 1 s apart. */
#define LB_HOLD_NS      1000000000ull

struct lb_hold_ent {
	void *pkt;                  /**< the driver's packet */
	uint8_t *frame;             /**< its first byte (Ethernet header) */
	uint64_t since_ns;
	uint16_t nh;                /**< next-hop slot */
	uint16_t counter;           /**< enum lb_counter taken when sent */
};

/** A worker's held frames, oldest first. */
struct lb_hold {
	uint32_t n;
	struct lb_hold_ent e[LB_HOLD_MAX];
};

/**
 * Hold @p pkt (its frame at @p frame) as the engine said in @p o
 * (LB_ACT_HOLD), counting neigh_held.
 * @return the packet to free to make room (counted
 * drop_neigh_hold_full: the oldest of the same next hop when it already
 * has LB_HOLD_PER_NH, else the oldest of all when full), or NULL.
 */
void *lb_hold_add(struct lb_worker *w, struct lb_hold *h, void *pkt,
		  uint8_t *frame, const struct lb_out *o, uint64_t now_ns);

/**
 * Take out of @p h, in the order they were held, the frames whose next
 * hop has a MAC now (Ethernet addresses written, port into @p port[i],
 * their final counter and neigh_hold_sent counted) into @p send, and
 * those held longer than LB_HOLD_NS into @p expired (counted
 * drop_neigh_unresolved). Both arrays have room for LB_HOLD_MAX.
 * @return the number of frames in @p send; *@p n_expired those expired.
 */
uint32_t lb_hold_sweep(struct lb_worker *w, struct lb_hold *h,
		       uint64_t now_ns, void **send, uint8_t *port,
		       void **expired, uint32_t *n_expired);

/**
 * Empty @p h (the worker stops): every frame into @p out (room for
 * LB_HOLD_MAX), counted drop_neigh_unresolved. @return how many.
 */
uint32_t lb_hold_flush(struct lb_worker *w, struct lb_hold *h, void **out);

#endif /* DSRLB_LB_HOLD_H_ */
