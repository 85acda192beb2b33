/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Passive, in-band health of the backends (issue 14, docs/health.md).
 *
 * Nothing extra goes on the wire: the feedback the appliance already gets
 * says whether a server is alive.
 *  - DSR transport with metric requests: a request carried on the first
 *    packet of a flow (the SYN, which every live server answers at once)
 *    that stays unanswered past the timeout is a *bad* observation; an
 *    accepted answer is a *good* one.
 *  - SRv6 transport (6LB hunting): an offer whose first candidate neither
 *    accepted it (createStickiness from it) nor passed it on
 *    (createStickiness from a later candidate) within the timeout is bad;
 *    either createStickiness is good.
 *
 * Three parts:
 *  - struct lb_health_obs: per worker, per VIP, per backend, written only
 *    by its worker (counts ok / fail, plus the worker's private pending
 *    and trial times). Inline helpers below, called per packet.
 *  - struct lb_health_be + lb_health_observe(): the state machine of one
 *    backend, up / suspect / down with HAProxy/keepalived-style
 *    hysteresis: @c fall bad observations in a row take a backend down,
 *    @c rise good ones in a row bring it back.
 *  - struct lb_health: the control thread's view of every backend;
 *    lb_health_poll() sums the workers' counts (read-only), runs the
 *    state machines and says whether the published set of down backends
 *    must change; lb_health_mark() writes that set into the next
 *    configuration (lb_backend_conf.health_down), which the usual
 *    live-change path builds aside and hands to the workers.
 *
 * A down backend gets no new flows (weight 0 in the consistent-hash
 * tables, drained in the busyness and baseline tables) but keeps its
 * pinned flows, like a drained one. To come back it must still be heard
 * from: the appliance sends it one *trial* new flow every trial interval
 * (each of n workers every n intervals)
 * (with a metric request, or as the first candidate of a 6LB offer). A
 * SYN retransmitted for a flow whose backend is down is sent to a live
 * backend instead (no server ever answered it: nothing is broken), so a
 * trial, or a flow sent to a server that died before it was detected,
 * costs the client one SYN retransmission, not a failed request.
 */
#ifndef DSRLB_LB_HEALTH_H_
#define DSRLB_LB_HEALTH_H_

#include <stdbool.h>
#include <stdint.h>

struct lb_config;
struct lb_ctl_out;
struct lb_state;
struct lb_worker;

/** Health settings ([general] health_* keys). */
struct lb_health_conf {
	bool enabled;           /**< passive health on (default) */
	uint32_t rise;          /**< good observations in a row to come back */
	uint32_t fall;          /**< bad observations in a row to go down */
	uint64_t timeout_ns;    /**< an unanswered request/offer older than
				 *   this is a bad observation */
	uint64_t trial_ns;      /**< one trial flow per down backend this
				 *   often (over all workers) */
};

/** Defaults: on, rise 2, fall 3, timeout 150 ms, a trial every 1 s: a
 *  dead server that gets a new flow every 100 ms is out after about
 *  3 x (150 ms + the wait for its next new flow) plus one 10 ms poll,
 *  well within 1 s (docs/health.md). */
#define LB_HEALTH_RISE_DEFAULT     2u
#define LB_HEALTH_FALL_DEFAULT     3u
#define LB_HEALTH_TIMEOUT_MS_DEFAULT 150u
#define LB_HEALTH_TRIAL_MS_DEFAULT 1000u
/** Ranges the loader and the validation accept. */
#define LB_HEALTH_COUNT_MAX        100u
#define LB_HEALTH_MS_MAX           60000u

void lb_health_conf_default(struct lb_health_conf *c);

/** @return NULL when @p c is consistent, else what is wrong (one line),
 *  with the key at fault in @p key. */
const char *lb_health_conf_check(const struct lb_health_conf *c,
				 const char **key);

/* ---- per worker ---------------------------------------------------------- */

/** Requests/offers a worker tracks per backend: several in flight, so
 *  that losses count at the rate new flows reach a dead server. */
#define LB_HEALTH_PENDING 4u

/** One backend's observations on one worker (worker memory). */
struct lb_health_obs {
	uint64_t ok;            /**< good observations (read by control) */
	uint64_t fail;          /**< bad observations (read by control) */
	uint64_t pending_ns[LB_HEALTH_PENDING]; /**< unconfirmed requests/
				 *   offers by send time, 0: free slot
				 *   (worker only) */
	uint64_t trial_ns;      /**< last trial flow (worker only) */
};

/** A packet goes to the backend at @p now_ns: every pending request/
 *  offer older than @p timeout_ns is counted lost. @return true when a
 *  new one can be tracked (a slot is free). */
static inline bool
lb_health_obs_check(struct lb_health_obs *h, uint64_t now_ns,
		    uint64_t timeout_ns)
{
	bool room = false;

	for (unsigned int i = 0; i < LB_HEALTH_PENDING; i++) {
		if (h->pending_ns[i] != 0 &&
		    now_ns - h->pending_ns[i] > timeout_ns) {
			h->fail++;
			h->pending_ns[i] = 0;
		}
		room |= h->pending_ns[i] == 0;
	}
	return room;
}

/** Nothing pending. */
static inline bool
lb_health_obs_idle(const struct lb_health_obs *h)
{
	for (unsigned int i = 0; i < LB_HEALTH_PENDING; i++)
		if (h->pending_ns[i] != 0)
			return false;
	return true;
}

/** A request/offer that a live server answers at once went out. */
static inline void
lb_health_obs_sent(struct lb_health_obs *h, uint64_t now_ns)
{
	for (unsigned int i = 0; i < LB_HEALTH_PENDING; i++)
		if (h->pending_ns[i] == 0) {
			h->pending_ns[i] = now_ns | 1u; /* 0 means free */
			return;
		}
}

/** The backend was heard from (answer, createStickiness): it is alive,
 *  whatever else is pending. */
static inline void
lb_health_obs_ok(struct lb_health_obs *h)
{
	h->ok++;
	for (unsigned int i = 0; i < LB_HEALTH_PENDING; i++)
		h->pending_ns[i] = 0;
}

/** Whether a trial flow is due for a down backend; if so it is taken
 *  (the trial clock restarts at @p now_ns). */
static inline bool
lb_health_obs_trial(struct lb_health_obs *h, uint64_t now_ns,
		    uint64_t trial_ns)
{
	if (!lb_health_obs_idle(h) || now_ns - h->trial_ns < trial_ns)
		return false;
	h->trial_ns = now_ns;
	return true;
}

/* ---- state machine ------------------------------------------------------- */

enum lb_health_state {
	LB_HEALTH_UP = 0,       /**< in rotation */
	LB_HEALTH_SUSPECT,      /**< bad observations, fewer than fall: still
				 *   in rotation */
	LB_HEALTH_DOWN,         /**< out of rotation for new flows */
};

enum lb_health_reason {
	LB_HEALTH_R_NONE = 0,   /**< never changed */
	LB_HEALTH_R_LOST,       /**< requests/offers unanswered */
	LB_HEALTH_R_ANSWERED,   /**< answers/stickiness again */
	LB_HEALTH_R_FORCED,     /**< operator override */
	LB_HEALTH_R_CHECK,      /**< active checks failed (lb_check.h) */
	LB_HEALTH_R_CHECK_OK,   /**< active checks pass again */
};

/** Operator override. */
enum lb_health_override {
	LB_HEALTH_AUTO = 0,
	LB_HEALTH_FORCE_UP,
	LB_HEALTH_FORCE_DOWN,
};

/** The control thread's view of one backend. */
struct lb_health_be {
	uint8_t state;          /**< enum lb_health_state */
	uint8_t reason;         /**< enum lb_health_reason of the last change */
	uint8_t override;       /**< enum lb_health_override */
	uint32_t good;          /**< good observations in a row */
	uint32_t bad;           /**< bad observations in a row */
	uint64_t since_ns;      /**< last transition (0: never) */
	uint64_t seen_ok;       /**< sums of the workers' counts at the last
				 *   poll */
	uint64_t seen_fail;
	uint64_t ok;            /**< observations since start */
	uint64_t fail;
	uint32_t n_down;        /**< transitions to down */
	uint32_t n_up;          /**< transitions from down to up */
	/* active checks (lb_check.h): a state machine of their own, so
	 * that an agent answering for a server whose application fails
	 * cannot bring it back */
	uint8_t chk_state;      /**< enum lb_health_state of the checks */
	uint32_t chk_good;      /**< passed checks in a row */
	uint32_t chk_bad;       /**< failed checks in a row */
	uint64_t chk_ok;        /**< checks passed since start */
	uint64_t chk_fail;      /**< checks failed since start */
	char chk_why[24];       /**< the last check's result ("HTTP 500",
				 *   "connect timeout"); "" before any */
};

/**
 * Feed @p ok good and @p fail bad observations gathered over one poll
 * period. Their order within the period is unknown; a live server
 * cannot produce a good one, so a period with both counts as good
 * (the bad streak restarts).
 * UP --bad--> SUSPECT --good--> UP; UP/SUSPECT --fall bad in a row-->
 * DOWN --rise good in a row--> UP.
 * @return true when the state changed.
 */
bool lb_health_observe(struct lb_health_be *h, const struct lb_health_conf *c,
		       uint64_t ok, uint64_t fail, uint64_t now_ns);

/**
 * One active check's result: @p ok, and its text @p why ("ok", "HTTP
 * 500"). The same hysteresis as lb_health_observe() with @c fall failed
 * checks in a row to go down and @c rise passed ones to come back.
 * @return true when the check state changed.
 */
bool lb_health_check_result(struct lb_health_be *h,
			    const struct lb_health_conf *c, bool ok,
			    const char *why, uint64_t now_ns);

/** Checks turned off: the check state forgets its failures. */
void lb_health_check_reset(struct lb_health_be *h);

/** Whether the in-band signal (or the operator) took @p h out: it gets
 *  trial flows (lb_backend_conf.health_down). */
static inline bool
lb_health_passive_down(const struct lb_health_be *h)
{
	return h->override == LB_HEALTH_FORCE_DOWN ||
	       (h->override == LB_HEALTH_AUTO && h->state == LB_HEALTH_DOWN);
}

/** Whether the active checks took @p h out (lb_backend_conf.check_down):
 *  they, not trial flows, bring it back. */
static inline bool
lb_health_check_down(const struct lb_health_be *h)
{
	return h->override == LB_HEALTH_AUTO &&
	       h->chk_state == LB_HEALTH_DOWN;
}

/** Whether @p h is out of rotation (state, checks and override). */
static inline bool
lb_health_is_down(const struct lb_health_be *h)
{
	return lb_health_passive_down(h) || lb_health_check_down(h);
}

const char *lb_health_state_name(unsigned int s);
const char *lb_health_reason_name(unsigned int r);

/* ---- control thread ------------------------------------------------------ */

/** Every backend of every VIP (indices as in the configuration). */
struct lb_health {
	uint32_t n_vips;        /**< rows allocated */
	struct lb_health_be *be; /**< n_vips x LB_MAX_BACKENDS */
	uint64_t transitions;   /**< state changes since start */
	uint64_t publications;  /**< new states published for health */
};

/** Allocate the view for up to @p n_vips VIPs. @return 0 or -ENOMEM. */
int lb_health_init(struct lb_health *h, uint32_t n_vips);
void lb_health_fini(struct lb_health *h);

/** Backend @p b of VIP @p v, NULL when out of range. */
struct lb_health_be *lb_health_get(struct lb_health *h, uint32_t v,
				   uint32_t b);

/** Called by lb_health_poll() for each transition (log line). */
typedef void (*lb_health_log_fn)(void *arg, uint32_t vip, uint32_t be,
				 const struct lb_health_be *h);

/**
 * Sum the observations of @p n_w workers (read-only) for every backend of
 * @p cfg, run the state machines at @p now_ns.
 * @return true when the set of down backends differs from what @p cfg
 *   carries (lb_health_mark() a copy and publish it).
 */
bool lb_health_poll(struct lb_health *h, const struct lb_config *cfg,
		    struct lb_worker *const *w, unsigned int n_w,
		    uint64_t now_ns, lb_health_log_fn log, void *log_arg);

/** Whether @p cfg's health_down / check_down flags differ from @p h's
 *  view. */
bool lb_health_differs(const struct lb_health *h, const struct lb_config *cfg);

/** Write @p h's view into @p next's health_down / check_down flags. */
void lb_health_mark(const struct lb_health *h, struct lb_config *next);

/** Name of @p h's health as "show backends" prints it: up, suspect,
 *  down, or forced-up / forced-down under an override. */
const char *lb_health_label(const struct lb_health_be *h);

/**
 * "show health [VIP]": settings, then per backend its health, how long
 * since the last transition and why, observations and transitions;
 * VIP @p v only unless it is UINT32_MAX.
 */
void lb_health_show(struct lb_health *h, const struct lb_config *cfg,
		    const struct lb_state *st, uint32_t v, uint64_t now_ns,
		    struct lb_ctl_out *o);

/**
 * "backend health VIP NAME up|down|auto": set the override of backend
 * @p b of VIP @p v; the control thread publishes the change at its next
 * health poll. @return 0, or -1 for a word that is none of the three.
 */
int lb_health_override(struct lb_health *h, uint32_t v, uint32_t b,
		       const char *word, uint64_t now_ns);

#endif /* DSRLB_LB_HEALTH_H_ */
