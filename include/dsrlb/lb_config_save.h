/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The running configuration written back as INI (issue 20, "save"): what
 * src/dsrlb/lb_config_load.c reads, so that console changes survive a
 * restart. [general] and [vip] settings come from the key table
 * (lb_keys.h) and are written only where they differ from the default; the
 * sections, ports, neighbours, routes and backends in full. VIPs and
 * backends the console removed are left out (their slots only kept
 * indices stable), and so is what is never read from a file (health
 * marks). Loading the text gives back the same configuration; the driver
 * checks that before it replaces a file.
 */
#ifndef DSRLB_LB_CONFIG_SAVE_H_
#define DSRLB_LB_CONFIG_SAVE_H_

#include "dsrlb/lb_config.h"
#include "dsrlb/lb_ctl.h"

/** Write @p c as INI text to @p o. */
void lb_config_save(const struct lb_config *c, struct lb_ctl_out *o);

#endif /* DSRLB_LB_CONFIG_SAVE_H_ */
