/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Source addresses no router forwards ("martians", RFC 1812 §5.3.7 and
 * the special-purpose registries of RFC 6890), checked by the appliance on
 * client packets and by the agent before its kernel sees them.
 */
#ifndef DSRLB_MARTIAN_H_
#define DSRLB_MARTIAN_H_

#include <stdbool.h>
#include <stdint.h>

/**
 * Whether @p a (4 bytes for @p family 4, 16 for 6) may not be the source
 * of a packet from another host:
 *  - IPv4: 0.0.0.0/8 ("this network", RFC 1122 §3.2.1.3: only as a
 *    source while booting, never routed), 127.0.0.0/8 (loopback),
 *    224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, with the limited
 *    broadcast 255.255.255.255);
 *  - IPv6: :: (unspecified), ::1 (loopback), ff00::/8 (multicast,
 *    RFC 4291 §2.7), ::ffff:0:0/96 (IPv4-mapped, RFC 4291 §2.5.5.2: not
 *    on the wire).
 * Any other family is a martian.
 */
bool martian_src(uint8_t family, const uint8_t *a);

#endif /* DSRLB_MARTIAN_H_ */
