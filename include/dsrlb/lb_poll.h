/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The polling baseline (`mode = polling`, issue 22): the appliance's
 * control side asks every server of the polling VIPs for its busyness
 * out of band (poll.h), every poll_interval_ms, and publishes the
 * answers as an immutable score snapshot per VIP; a worker copies a
 * snapshot it has not seen yet into its own busyness table before it
 * picks a new flow's backend (lowest score, ties at random, as
 * dsr-feedback). This is the "DSR Request Busyness" configuration of
 * dynamic-dsr-inband-feedback-ebpf.txt §4, with the paper's "queries
 * server load before forwarding" done per interval rather than per flow
 * so that no flow waits for a round trip (docs/evaluation.md).
 *
 * Hand-over: the control side never writes what a worker reads. Each
 * snapshot is built aside and published through one atomic pointer of
 * the VIP (lb_vip_rt.poll, acquire/release); the previous one is freed
 * only after every worker passed a quiescent point.
 */
#ifndef DSRLB_LB_POLL_H_
#define DSRLB_LB_POLL_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/rng.h"

struct lb_state;

/** A server that missed this many rounds in a row has no score (its
 *  slot then ages out like a silent server's in dsr-feedback). */
#define LB_POLL_MISSED_MAX 3u

/** One VIP's scores, immutable once published. */
struct lb_poll_scores {
	uint64_t gen;          /**< unique per publication */
	uint32_t n;            /**< entries: the VIP's backends */
	struct {
		uint16_t score;
		uint8_t known; /**< the server answered recently */
	} be[];
};

/** One polled server address (shared by every polling VIP that has a
 *  backend there). */
struct lb_poll_target {
	uint8_t family;
	uint8_t addr[16];
	uint64_t nonce;        /**< of the round in flight */
	uint16_t score;        /**< last answer */
	uint8_t answered;      /**< in this round */
	uint8_t known;         /**< a score younger than LB_POLL_MISSED_MAX
				*   rounds */
	uint8_t missed;        /**< rounds without an answer in a row */
	uint64_t timeouts;     /**< rounds it did not answer, in all */
	uint64_t answer_ns;    /**< when its last answer came (the
				*   poller's monotonic clock; 0: never) */
};

#define LB_POLL_COUNTERS(X) \
	X(rounds,   "poll rounds started") \
	X(sent,     "poll requests sent (one per server and round)") \
	X(answers,  "answers accepted") \
	X(late,     "answers of an earlier round or repeated (ignored)") \
	X(unknown,  "answers from an address that is no polled server") \
	X(bad,      "datagrams that are no poll answer (length, magic, type)") \
	X(missed,   "rounds a server did not answer")

enum lb_poll_counter {
#define X(n, d) LB_POLL_CNT_##n,
	LB_POLL_COUNTERS(X)
#undef X
	LB_POLL_CNT_MAX
};

const char *lb_poll_counter_name(unsigned int c);

/** The poller's state (control side only). */
struct lb_poll {
	uint32_t n;
	struct lb_poll_target *t;
	uint64_t gen;          /**< last snapshot generation handed out */
	uint64_t round_ns;     /**< when the round in flight started */
	uint64_t cnt[LB_POLL_CNT_MAX];
};

/** Does @p st have a VIP in mode polling? */
bool lb_poll_wanted(const struct lb_state *st);

/**
 * The servers to poll: every distinct backend address of the polling
 * VIPs of @p st. Generations continue from @p p's (so a worker never
 * mistakes a new state's snapshot for one it applied); counters too.
 * @return 0 or -ENOMEM (@p p unchanged).
 */
int lb_poll_init(struct lb_poll *p, const struct lb_state *st);
void lb_poll_fini(struct lb_poll *p);

/**
 * Close the round in flight (a server that did not answer missed it)
 * and start the next: every target gets a new nonce from @p r. The
 * caller then sends lb_poll_request() to every target.
 */
void lb_poll_round(struct lb_poll *p, struct rng *r);

/** The request payload (POLL_LEN bytes) of target @p i's round. */
void lb_poll_request(const struct lb_poll *p, uint32_t i, uint8_t *out);

/**
 * A datagram @p payload (@p len bytes) from @p family/@p addr arrived.
 * @return the target index whose score it set, or -1 (counted).
 */
int lb_poll_answer(struct lb_poll *p, uint8_t family, const uint8_t *addr,
		   const uint8_t *payload, size_t len);

/**
 * A new snapshot of VIP @p v of @p st from the latest answers
 * (malloc()ed, the caller publishes or frees it); NULL when @p v is not
 * a polling VIP or out of memory.
 */
struct lb_poll_scores *lb_poll_scores_build(struct lb_poll *p,
					    const struct lb_state *st,
					    uint32_t v);

/**
 * Worker side: copy snapshot @p s into @p busy at @p now_ns unless it is
 * generation *@p gen already (then nothing happens); unknown scores are
 * left to age. @return true when it was applied.
 */
bool lb_poll_apply(struct busy_table *busy, const struct lb_poll_scores *s,
		   uint64_t *gen, uint64_t now_ns);

struct lb_ctl_out;

/**
 * "show poll [VIP]": the poller's counters, then per polling VIP of
 * @p st (or VIP @p v only; UINT32_MAX: all) the published snapshot's
 * generation and per backend its address, last polled load, the age of
 * that answer, whether a poll is outstanding, its timeouts. @p p NULL:
 * no poller. @p now_ns: the poller's clock (CLOCK_MONOTONIC);
 * @p interval_ms: [general] poll_interval_ms. Read under the lock the
 * poller takes. @return the VIPs shown.
 */
uint32_t lb_poll_show(const struct lb_poll *p, const struct lb_state *st,
		      uint32_t v, uint32_t interval_ms, uint64_t now_ns,
		      struct lb_ctl_out *o);

#endif /* DSRLB_LB_POLL_H_ */
