/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Reload: the difference between the running configuration and a file
 * re-read, as the next configuration of the live-change path (lb_ctl.h's
 * apply). Indices stay stable as the workers' flow tables need: a VIP or
 * backend that stays keeps its slot (its settings and weight updated in
 * place), a new one gets a new slot, one the file no longer has is marked
 * removed (its pinned flows go on until they end). A VIP whose address,
 * port, protocol (QUIC included), transport or policy changed is removed
 * and added anew.
 * Ports, neighbours, routes, [srv6] and [general] cannot change live: a
 * file that changes them is refused, naming the first difference.
 */
#ifndef DSRLB_LB_RELOAD_H_
#define DSRLB_LB_RELOAD_H_

#include <stddef.h>

#include "dsrlb/lb_config.h"

/** What a reload changes. */
struct lb_reload_diff {
	unsigned int vip_added, vip_removed, vip_changed;
	unsigned int be_added, be_removed, be_changed;
};

/**
 * Build @p next (caller frees with lb_config_free()) from @p running and
 * @p file. @return 1 with @p next and @p d filled when something changes,
 * 0 when nothing does (@p next not set), -1 with one line in @p err
 * (a change that needs a restart, no slot left, out of memory).
 */
int lb_reload_merge(struct lb_config *next, const struct lb_config *running,
		    const struct lb_config *file, struct lb_reload_diff *d,
		    char *err, size_t len);

#endif /* DSRLB_LB_RELOAD_H_ */
