/* SPDX-License-Identifier: BSD-3-Clause */
/* DPDK telemetry endpoints of the appliance (/dsrlb/counters, lcores,
 * vips, vip, backends). */
#ifndef DSRLB_TELEMETRY_H_
#define DSRLB_TELEMETRY_H_

#include "console.h"

/** Register the endpoints over @p d (kept, not copied). */
void telemetry_init(const struct console_driver *d);

#endif /* DSRLB_TELEMETRY_H_ */
