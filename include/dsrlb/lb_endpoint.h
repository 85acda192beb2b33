/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * "ADDRESS:PORT" endpoints of the appliance's own services (the
 * Prometheus metrics endpoint, [general] metrics): "127.0.0.1:9180",
 * "[::1]:9180". Pure C, no rte_*.
 */
#ifndef DSRLB_LB_ENDPOINT_H_
#define DSRLB_LB_ENDPOINT_H_

#include <stdint.h>

#include "dsrlb/lb_config.h"

/** A listening endpoint; port 0: off. */
struct lb_endpoint {
	struct lb_addr addr;    /**< IPv4 or IPv6 (family 4 or 6) */
	uint16_t port;          /**< 1..65535; 0: off */
};

/**
 * Parse "IPV4:PORT", "[IPV6]:PORT" or "off" (port 0).
 * @return 0, or -1 when @p s is none of these (a bare IPv6 address
 *   without brackets, a port outside 1..65535, trailing text).
 */
int lb_endpoint_parse(const char *s, struct lb_endpoint *ep);

/** Format @p ep as lb_endpoint_parse() reads it ("off" for port 0). */
const char *lb_endpoint_fmt(const struct lb_endpoint *ep, char *buf,
			    unsigned int len);

#endif /* DSRLB_LB_ENDPOINT_H_ */
