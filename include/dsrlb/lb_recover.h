/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Recovery of flows the appliance does not know (issue 17): after a
 * restart, or on another appliance behind ECMP, a mid-stream packet is
 * offered in turn to the flow's d candidates in a consistent-hash table
 * with C = d (6LB ToN'18 §IV-C, recoverStickiness, carried over to the
 * DSR transport). A new flow of a recovering VIP picks its server among
 * the same d candidates, so the server that holds a connection is always
 * one of them. docs/architecture.md ("Recovery") and docs/wire-format.md
 * ("Recovery: option 158") describe the protocol.
 *
 * This module holds the pure parts the appliance's engine uses: which
 * VIPs recover, the candidate index of a backend, and the cookie that
 * binds a bounce or a pin to the appliance that sent the offer.
 */
#ifndef DSRLB_LB_RECOVER_H_
#define DSRLB_LB_RECOVER_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/baseline_select.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/lb_config.h"

/** Default d (candidates per flow): docs/evaluation.md, "Dynamic DSR
 *  among d candidates": d = 2 keeps all of the busyness gain. */
#define LB_RECOVER_D_DEFAULT 2u
/** Default d of round-robin and latency-feedback VIPs: CHASH_C_MAX, so
 *  that up to 8 backends are all candidates of every flow. */
#define LB_RECOVER_D_WIDE 8u

/** A candidate that has neither passed an offer back nor pinned the flow
 *  this long after its turn began loses it (down, or no agent): above a
 *  LAN round trip plus Linux's 200 ms minimum RTO, so that a holder
 *  whose reply is a delayed ACK keeps its turn. */
#define LB_RECOVER_SILENT_NS 300000000ull

/** Does a VIP of configuration @p c recover unknown flows through its
 *  C = d table? A VIP (IPv4 or IPv6) on the DSR transport with a policy
 *  other than maglev (whose C = 1 table already agrees everywhere) or
 *  hunt, and not QUIC. */
bool lb_recover_vip(const struct lb_vip_conf *c);

/** d of a VIP: its `candidates` key, else LB_RECOVER_D_WIDE for
 *  round-robin and latency-feedback, LB_RECOVER_D_DEFAULT otherwise. */
uint32_t lb_recover_d(const struct lb_vip_conf *c);

/**
 * The cookie of candidate @p index for flow @p k: a keyed hash with the
 * appliance's @p secret, so that only a packet this appliance sent to
 * that candidate can come back as a bounce or a pin. Never 0 (an IPv6
 * nonce of 0 means none).
 */
uint32_t lb_recover_cookie(uint64_t secret, const struct flow_key *k,
			   uint32_t index);

/** Position of backend @p be in the candidate list @p cand of @p n
 *  entries. @return 0..n-1, or -1 when absent. */
int lb_recover_index(const uint16_t *cand, uint32_t n, uint32_t be);

/** Picks a policy may take before it falls back to a candidate of its
 *  own (lb_recover_rr_among(), lb_recover_table_among()). */
#define LB_RECOVER_PICK_TRIES 32u

/**
 * Round-robin conditioned on a flow's candidates: the first of up to
 * @p tries turns of the rotation @p t that lands on one of the @p k
 * backends @p act, so that the flow stays recoverable (its server is a
 * candidate) and the rotation still spreads the flows. The turns that
 * land elsewhere are spent, as if those flows had come.
 * @return a backend of @p act, or BASELINE_NONE (no turn landed on one).
 */
uint32_t lb_recover_rr_among(struct baseline_table *t, const uint16_t *act,
			     uint32_t k, uint32_t tries);

/**
 * A consistent-hash table's choice conditioned on a flow's candidates:
 * the first entry of the buckets of @p hash, then of @p hash mixed with
 * 1, 2, ... (up to @p tries lookups) that is one of the @p k backends
 * @p act. For latency-feedback, whose live table (its weights moved by
 * the controller) gives a backend with the probability of its weight:
 * by rejection, a candidate with the probability of its weight among
 * the candidates. @return a backend of @p act, or CHASH_NO_BACKEND.
 */
uint32_t lb_recover_table_among(const struct chash_table *t, uint32_t hash,
				const uint16_t *act, uint32_t k,
				uint32_t tries);

/** A fresh secret for lb_recover_cookie() (getrandom, else the clock). */
uint64_t lb_recover_secret_new(void);

#endif /* DSRLB_LB_RECOVER_H_ */
