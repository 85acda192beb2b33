/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Which VIPs the appliance announces to its router (issue 18), decided
 * over plain structs. A VIP with announce = bgp is announced while the
 * appliance serves, the VIP is not drained and it has at least one
 * usable backend; withdrawn otherwise. The routing daemon (BIRD 2) runs
 * beside dsrlb with one disabled `protocol static vip_NAME` per such
 * VIP; the driver (src/dsrlb/announce.c) turns each change into
 * "enable vip_NAME" / "disable vip_NAME" on the daemon's control socket
 * through the @ref lb_announce_send_fn it gives to lb_announce_sync().
 *
 * docs/operations.md ("BGP and ECMP") and docs/architecture.md describe
 * the deployment; docs/console.md the commands.
 */
#ifndef DSRLB_LB_ANNOUNCE_H_
#define DSRLB_LB_ANNOUNCE_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/lb_config.h"
#include "dsrlb/lb_engine.h"

/** Why a VIP is (not) announced: name and meaning. */
#define LB_ANNOUNCE_WHY_LIST(X) \
	X(announced,         "serving, usable backends") \
	X(not_bgp,           "announce = arp or none") \
	X(removed,           "VIP removed") \
	X(vip_drained,       "vip drain") \
	X(appliance_drained, "appliance drain") \
	X(stopping,          "shutting down (SIGTERM)") \
	X(no_backend,        "no usable backend")

enum lb_announce_why {
#define LB_ANN_WHY_ENUM(n, d) LB_ANN_WHY_##n,
	LB_ANNOUNCE_WHY_LIST(LB_ANN_WHY_ENUM)
#undef LB_ANN_WHY_ENUM
	LB_ANN_WHY_MAX
};

/** What the daemon was told of a VIP. */
enum lb_announce_told {
	LB_ANN_TOLD_NOTHING = 0,  /**< not yet (or the daemon refused) */
	LB_ANN_TOLD_UP,           /**< enabled: announced */
	LB_ANN_TOLD_DOWN,         /**< disabled: withdrawn */
};

/** The announcer's state; owned by the control thread. */
struct lb_announce {
	bool appliance_drained;     /**< "appliance drain" */
	bool stopping;              /**< SIGTERM: withdraw everything */
	uint8_t vip_drained[LB_MAX_VIPS]; /**< "vip drain" (by VIP index) */
	uint8_t told[LB_MAX_VIPS];  /**< enum lb_announce_told */
	uint8_t why[LB_MAX_VIPS];   /**< enum lb_announce_why, last sync */
	uint64_t since_ns[LB_MAX_VIPS]; /**< when told last changed */
	uint64_t n_announce;        /**< VIPs announced (transitions) */
	uint64_t n_withdraw;        /**< VIPs withdrawn (transitions) */
	uint64_t n_fail;            /**< commands the daemon refused or
				     *   that could not reach it */
	char last_err[160];         /**< the latest failure */
};

/**
 * Tell the routing daemon: enable (@p up) or disable protocol @p proto.
 * @return 0, or -1 with one line in @p err.
 */
typedef int (*lb_announce_send_fn)(void *arg, const char *proto, bool up,
				   char *err, size_t len);

/** Initial state: serving, nothing drained, nothing told. */
void lb_announce_init(struct lb_announce *a);

/** Why VIP @p v of @p st is or is not to be announced now. */
enum lb_announce_why lb_announce_decide(const struct lb_announce *a,
					const struct lb_state *st, uint32_t v);

/**
 * Bring the daemon in line with the decision for every VIP of @p st with
 * announce = bgp: one @p send per VIP whose decision differs from what
 * the daemon was told (every VIP when @p refresh: a daemon that
 * restarted has its static protocols disabled again). A failed send is
 * counted and retried at the next call.
 * @return the number of failed sends.
 */
unsigned int lb_announce_sync(struct lb_announce *a, const struct lb_state *st,
			      lb_announce_send_fn send, void *arg,
			      uint64_t now_ns, bool refresh);

/** True when no VIP of @p st is announced by the daemon any more. */
bool lb_announce_all_down(const struct lb_announce *a,
			  const struct lb_state *st);

/** The daemon's protocol of VIP @p v: "vip_" and its name, '-' as '_'
 *  (BIRD symbols take letters, digits and '_'). */
void lb_announce_proto(const struct lb_vip_conf *v, char *buf, size_t len);

/** True when a VIP of @p c has announce = bgp. */
bool lb_announce_any_bgp(const struct lb_config *c);

/**
 * The BIRD 2 configuration fragment of @p c's VIPs with announce = bgp:
 * one disabled `protocol static vip_NAME` each, with the VIP's /32 or
 * /128 as a blackhole route (config/bird-dsrlb.conf includes it).
 * @return the length written (snprintf's), or -1.
 */
int lb_announce_bird_conf(const struct lb_config *c, char *buf, size_t len);

/** Name and meaning of a reason. */
const char *lb_announce_why_name(unsigned int w);
const char *lb_announce_why_desc(unsigned int w);

struct lb_ctl_out;

/**
 * The announcer's commands (docs/console.md): "vip drain|undrain NAME",
 * "appliance drain|serve", "show announce" (with each VIP's
 * consistent-hash digest, to compare appliances). @p argv[0] is the first
 * word; @p daemon names the daemon's socket in "show announce".
 * @return 0, or -1 after one "error: ..." line.
 */
int lb_announce_cmd(struct lb_announce *a, const struct lb_state *st,
		    const char *daemon, struct lb_ctl_out *o, int argc,
		    char **argv);

#endif /* DSRLB_LB_ANNOUNCE_H_ */
