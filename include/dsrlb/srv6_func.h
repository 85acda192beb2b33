/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * 6LB SR functions (ToN'18 §IV-A): a node's SIDs are its locator prefix
 * with a function code in the bits that follow it, so "s::ca" is server
 * s's locator with the connectAvail code. Locator length, function field
 * length and every code are configuration (struct srv6_func_cfg).
 */
#ifndef DSRLB_SRV6_FUNC_H_
#define DSRLB_SRV6_FUNC_H_

#include <stdbool.h>
#include <stdint.h>

/** SR functions of the 6LB handshake and stickiness protocol. */
#define SRV6_FUNC_LIST(X)                                              \
	X(NONE,               "none")                                   \
	X(CONNECT_AVAIL,      "connectAvail")      /**< accept if not busy */ \
	X(CONNECT_FORCE,      "connectForce")      /**< must accept */   \
	X(CREATE_STICKINESS,  "createStickiness")  /**< server -> LB */  \
	X(ACK_STICKINESS,     "ackStickiness")     /**< LB -> server */  \
	X(REMOVE_STICKINESS,  "removeStickiness")  /**< server -> LB */  \
	X(RECOVER_STICKINESS, "recoverStickiness") /**< LB -> servers */

enum srv6_func {
#define SRV6_FUNC_ENUM(name, str) SRV6_FUNC_##name,
	SRV6_FUNC_LIST(SRV6_FUNC_ENUM)
#undef SRV6_FUNC_ENUM
	SRV6_FUNC_MAX
};

struct srv6_func_cfg {
	uint8_t locator_bits;   /**< prefix length of a node's locator, 8..120 */
	uint8_t func_bits;      /**< width of the function field, 1..16 */
	uint16_t code[SRV6_FUNC_MAX]; /**< code of each function; [NONE] unused */
};

/** Defaults: /64 locators, a 16-bit function field, codes 1..6. */
void srv6_func_cfg_default(struct srv6_func_cfg *cfg);

/**
 * Check a configuration: locator_bits in 8..120, func_bits in 1..16,
 * locator_bits + func_bits <= 128, every code nonzero, distinct and
 * representable in func_bits.
 * @return 0 or -EINVAL.
 */
int srv6_func_cfg_validate(const struct srv6_func_cfg *cfg);

/**
 * The SID of function @p f at the node whose locator is @p locator (bits
 * past the locator length are ignored): locator, then the function code,
 * then zeros. @return 0, or -EINVAL for SRV6_FUNC_NONE or a bad @p f.
 */
int srv6_sid_make(const struct srv6_func_cfg *cfg, const uint8_t locator[16],
		  enum srv6_func f, uint8_t sid[16]);

/**
 * The function a SID designates, SRV6_FUNC_NONE when its function field
 * holds no configured code or bits after the field are set. When
 * @p locator is not NULL it receives the SID's locator (rest zeroed).
 */
enum srv6_func srv6_sid_parse(const struct srv6_func_cfg *cfg,
			      const uint8_t sid[16], uint8_t locator[16]);

/** True when @p a and @p b share the first locator_bits bits. */
bool srv6_sid_same_locator(const struct srv6_func_cfg *cfg,
			   const uint8_t a[16], const uint8_t b[16]);

/** Name of a function ("connectAvail", ...), "?" when out of range. */
const char *srv6_func_name(enum srv6_func f);

#endif /* DSRLB_SRV6_FUNC_H_ */
