/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcer's driver (issue 18): lib/lb's decision (lb_announce.h)
 * turned into "enable|disable vip_NAME" on BIRD's control socket (the
 * protocol birdc speaks), from the control thread; the graceful stop on
 * SIGTERM (withdraw, wait [bgp] withdraw_wait_ms for the router to move
 * the traffic, then stop); telemetry.
 */
#ifndef DSRLB_ANNOUNCE_H_
#define DSRLB_ANNOUNCE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_telemetry.h>

#include "dsrlb/lb_announce.h"

/** Start: remember whether a SIGTERM is to be graceful. */
void announce_start(const struct lb_config *cfg);

/** Signal handler side of SIGTERM. @return true when the control thread
 *  takes care of the stop (VIPs are announced by BGP), false when the
 *  program is to stop now (no announcer, or a second SIGTERM). */
bool announce_sigterm(void);

/** Control thread, every few ms, under the console's lock: sync the
 *  daemon with the decision; sets *@p quit when a graceful stop is over. */
void announce_tick(const struct lb_state *st, const struct lb_config *cfg,
		   uint64_t now_ns, _Atomic bool *quit);

/** At exit: withdraw what is still announced (no wait). */
void announce_stop(const struct lb_state *st, const struct lb_config *cfg);

/** The announcer (for the commands). */
struct lb_announce *announce_get(void);

/** /dsrlb/announce: fill @p d (caller holds the console's lock). */
void announce_tel(struct rte_tel_data *d, const struct lb_state *st);

/** dsrlb --bird-conf FILE. @return the exit code. */
int announce_print_bird_conf(const char *path);

#endif /* DSRLB_ANNOUNCE_H_ */
