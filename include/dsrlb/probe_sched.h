/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * When the appliance asks a backend for its busyness score (dynamic DSR,
 * paper §3: "marks every n-th packet to request a metric update, where the
 * sampling interval is configurable at runtime"; §5: adapt n to the
 * short-term variance of the servers' load).
 *
 * One struct probe_sched per VIP (and per lcore): a packet counter with the
 * interval N, and one slot per backend of the VIP with the "answer due"
 * bookkeeping and the score statistics of the adaptive mode.
 *
 * Marking: the packets of the VIP are counted from 1; packet k is due for
 * a probe when N packets have passed since the last probe (k = N, 2N, ...
 * while every due probe can be sent). A due probe is sent on the first
 * packet whose backend has no probe outstanding; a backend has at most one
 * outstanding probe, and a probe unanswered for timeout_ns counts as lost
 * when the next probe to that backend replaces it.
 *
 * Adaptive mode (N in [n_min, n_max]), evaluated on each answer from the
 * answering backend's own statistics:
 *  - mean m and variance v are EWMAs of the scores with weight alpha
 *    (d = x - m; m += alpha d; v = (1 - alpha)(v + alpha d^2)); the first
 *    answer only seeds m = x, v = 0;
 *  - dispersion D = sqrt(v) / max(m, score_floor) (a coefficient of
 *    variation that does not explode on idle backends);
 *  - D > cv_high: N = max(n_min, N / 2) at once, calm streak reset;
 *  - D < cv_low: the calm streak grows; after calm_needed calm answers in a
 *    row (from any backends), N = min(n_max, N + max(1, N / 4)) and the
 *    streak restarts;
 *  - otherwise (the hysteresis band): N is kept, the streak restarts.
 * Narrowing fast and widening slowly favours reaction time over overhead,
 * as the paper's conclusion asks.
 *
 * Time is passed in (@p now_ns); nothing here reads a clock or is atomic.
 */
#ifndef DSRLB_PROBE_SCHED_H_
#define DSRLB_PROBE_SCHED_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Largest probe interval N. */
#define PROBE_N_MAX           65535u
/** Largest number of backends of one VIP. */
#define PROBE_MAX_BACKENDS    65535u

/** Configuration of a probe scheduler. */
struct probe_conf {
	uint32_t n;           /**< initial N: 0 never probe, 1..65535 */
	uint64_t timeout_ns;  /**< an outstanding probe older than this may
			       *   be replaced (and is then lost); > 0 */
	bool adaptive;        /**< adapt N to the scores' dispersion */
	uint32_t n_min;       /**< adaptive: lowest N, 1..n_max */
	uint32_t n_max;       /**< adaptive: highest N, n_min..65535 */
	double alpha;         /**< adaptive: EWMA weight, in (0, 1] */
	double cv_low;        /**< adaptive: widen below this dispersion */
	double cv_high;       /**< adaptive: narrow above it (> cv_low) */
	uint32_t score_floor; /**< adaptive: least denominator of the
			       *   dispersion, >= 1 */
	uint32_t calm_needed; /**< adaptive: calm answers per widening, >= 1 */
};

/** Per-backend state. */
struct probe_slot {
	uint64_t sent_ns;      /**< when the outstanding probe was sent */
	double mean;           /**< EWMA of the answered scores */
	double var;            /**< EWMA of their squared deviation */
	uint32_t lost_streak;  /**< probes lost in a row, reset by an answer */
	uint8_t outstanding;   /**< a probe waits for its answer */
	uint8_t have_stats;    /**< mean and var hold a sample */
	uint8_t pad[2];
};

/**
 * Probe scheduler of one VIP. Allocate probe_sched_memsize(n) bytes and
 * call probe_sched_init().
 */
struct probe_sched {
	struct probe_conf conf; /**< as given (n_min/n_max checked) */
	uint32_t n_backends;    /**< slots 0..n_backends-1 */
	uint32_t n;             /**< current interval N (0: never) */
	uint32_t since;         /**< packets since the last probe; stops
				 *   counting once a probe is due */
	uint32_t calm;          /**< current streak of calm answers */
	/* counters (never reset by the library) */
	uint64_t n_packets;     /**< packets seen */
	uint64_t n_probes;      /**< packets marked */
	uint64_t n_deferred;    /**< due probes held back: backend busy */
	uint64_t n_no_room;     /**< granted probes handed back by
				 *   probe_sched_no_room() */
	uint64_t n_lost;        /**< probes replaced after the timeout */
	uint64_t n_answers;     /**< answers matched to a probe */
	uint64_t n_late;        /**< of which after the timeout */
	uint64_t n_unsolicited; /**< answers with no probe outstanding */
	uint64_t n_widened;     /**< adaptive increases of N */
	uint64_t n_narrowed;    /**< adaptive decreases of N */
	struct probe_slot slot[]; /**< one per backend */
};

/**
 * Fill @p conf with the defaults: N = 100 (the paper's evaluation),
 * timeout 2 s, fixed mode; for the adaptive mode n_min 10, n_max 1000,
 * alpha 1/8, cv_low 0.05, cv_high 0.25, score_floor 16, calm_needed 8.
 */
void probe_conf_default(struct probe_conf *conf);

/**
 * Bytes needed for @p n_backends slots (0 when @p n_backends is 0 or above
 * PROBE_MAX_BACKENDS).
 */
size_t probe_sched_memsize(uint32_t n_backends);

/**
 * Initialise a scheduler in probe_sched_memsize(@p n_backends) bytes. In
 * adaptive mode a non-zero initial N is clamped into [n_min, n_max].
 * @return 0 or -EINVAL (NULL pointer, a count or parameter out of range;
 *   the adaptive parameters are checked only when adaptive is set); on
 *   error @p ps is untouched.
 */
int probe_sched_init(struct probe_sched *ps, uint32_t n_backends,
		     const struct probe_conf *conf);

/**
 * Set N at run time (0 stops probing; adaptive mode clamps a non-zero N
 * into [n_min, n_max]). The packet count is kept: when N shrinks below
 * it, the next packet is due.
 * @return 0 or -EINVAL (@p n above PROBE_N_MAX).
 */
int probe_sched_set_n(struct probe_sched *ps, uint32_t n);

/** Current interval N (0: never), or 0 for a NULL @p ps. */
uint32_t probe_sched_get_n(const struct probe_sched *ps);

/**
 * Account one packet of the VIP going to @p backend at @p now_ns.
 * @return true when this packet must carry a metric request; the backend's
 *   probe is then outstanding since @p now_ns (a timed-out one it replaces
 *   is counted lost). False when no probe is due, N is 0, @p backend is out
 *   of range, or the backend still waits for an answer (the probe stays due
 *   for the next packet).
 */
bool probe_sched_packet(struct probe_sched *ps, uint32_t backend,
			uint64_t now_ns);

/**
 * The probe that probe_sched_packet() has just granted to @p backend could
 * not go out: the packet had no room for the request (MTU, IPv4 options
 * area full, buffer room). The grant is undone (nothing outstanding for
 * the backend, n_probes back) and the probe stays due, so the next packet
 * of the VIP that has room carries it: a probe never costs a packet
 * (docs/wire-format.md, "When a message does not fit").
 * @return 0 or -EINVAL (NULL or out of range).
 */
int probe_sched_no_room(struct probe_sched *ps, uint32_t backend);

/**
 * A metric answer with @p score arrived from @p backend at @p now_ns. An
 * answer after the timeout is still taken (counted late) until a new probe
 * replaced the old one. Feeds the adaptive mode.
 * @return 0 when a probe was outstanding; -ENOENT for an unsolicited answer
 *   (nothing changes but n_unsolicited: the caller should not trust its
 *   score); -EINVAL for a backend out of range.
 */
int probe_sched_answer(struct probe_sched *ps, uint32_t backend,
		       uint16_t score, uint64_t now_ns);

/**
 * Whether @p backend waits for an answer at @p now_ns.
 * @return 1 outstanding within the timeout, 2 outstanding past it,
 *   0 nothing outstanding, -EINVAL out of range.
 */
int probe_sched_outstanding(const struct probe_sched *ps, uint32_t backend,
			    uint64_t now_ns);

/**
 * Forget everything about @p backend (outstanding probe, lost streak,
 * statistics), e.g. when the slot gets a new backend.
 * @return 0 or -EINVAL.
 */
int probe_sched_reset_backend(struct probe_sched *ps, uint32_t backend);

#endif /* DSRLB_PROBE_SCHED_H_ */
