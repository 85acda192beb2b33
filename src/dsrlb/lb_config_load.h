/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's INI loader: rte_cfgfile reads the file, the loader turns
 * it into a struct lb_config and checks it with lb_config_validate_at().
 * docs/configuration.md describes every section and key.
 */
#ifndef DSRLB_LB_CONFIG_LOAD_H_
#define DSRLB_LB_CONFIG_LOAD_H_

#include <stddef.h>

#include "dsrlb/lb_config.h"

/*
 * Load and validate PATH into c (lb_config_defaults first; c must not hold
 * a VIP array, lb_config_free() it before reloading). On any error returns
 * -1, leaves *c freed and zeroed (never half-configured), and writes ONE
 * line (no newline) to err: "PATH:LINE: reason" where LINE is the line of
 * the offending key (or section header); "PATH: reason" when no line
 * applies (e.g. unreadable file, missing section). err may be NULL.
 * Needs no EAL.
 */
int lb_config_load(const char *path, struct lb_config *c, char *err,
		   size_t errlen);

#endif /* DSRLB_LB_CONFIG_LOAD_H_ */
