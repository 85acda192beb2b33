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
#include <string.h>

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
 * Inline: every client packet asks (issue 19: the call was a fifth of
 * its cost here).
 */
static inline bool
martian_src(uint8_t family, const uint8_t *a)
{
	/* Masks and values in memory order (endian-neutral): bytes 8-14,
	 * and bytes 8-11 with 10-11 = ff ff. */
	static const uint8_t m15[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					0xff, 0 };
	static const uint8_t m12[8] = { 0xff, 0xff, 0xff, 0xff };
	static const uint8_t v12[8] = { 0, 0, 0xff, 0xff };
	uint64_t a0, a1, mask15, mask12, val12;

	if (a == NULL)
		return true;
	if (family == 4)
		return a[0] == 0 || a[0] == 127 || a[0] >= 224;
	if (family != 6)
		return true;
	if (a[0] == 0xff)
		return true;
	/* ::, ::1 (15 zero bytes, then 0 or 1) and ::ffff:0:0/96 (10 zero
	 * bytes, then ff ff) by two 64-bit loads, not memcmp() calls (every
	 * IPv6 client packet, issue 19 round 4): both need bytes 0-7 zero. */
	memcpy(&a0, a, 8);
	if (a0 != 0)
		return false;
	memcpy(&a1, a + 8, 8);
	memcpy(&mask15, m15, 8);
	memcpy(&mask12, m12, 8);
	memcpy(&val12, v12, 8);
	if ((a1 & mask15) == 0 && a[15] <= 1)
		return true;
	return (a1 & mask12) == val12;
}

#endif /* DSRLB_MARTIAN_H_ */
