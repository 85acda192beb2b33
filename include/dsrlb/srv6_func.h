/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * 6LB SR functions (ToN'18 §IV-A) encoded in SRv6 SIDs.
 *
 * A node's SIDs share its locator prefix; the bits after it carry a
 * function code, then optional argument bits, then zeros (RFC 8986 §3.1,
 * LOC:FUNCT:ARG). "s1::ca" is server s1's locator with the connectAvail
 * code. Locator length, function field width, argument width and every
 * code are configuration (struct srv6_func_cfg), validated once.
 *
 * With the defaults (/64 locators, 16-bit function field, codes 1..6, no
 * argument) server 2001:db8:1::/64 has connectAvail SID 2001:db8:1:0:1::.
 */
#ifndef DSRLB_SRV6_FUNC_H_
#define DSRLB_SRV6_FUNC_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/bytes.h"

/**
 * SR functions of the 6LB handshake (Tables II/III): enum name, name used
 * by counters and the console, and the paper's SID suffix.
 */
#define SRV6_FUNC_LIST(X)                                                  \
	X(NONE,               "none",              "-")                     \
	X(CONNECT_AVAIL,      "connectAvail",      "ca")  /* LB -> s1 */    \
	X(CONNECT_FORCE,      "connectForce",      "cf")  /* LB -> s2 */    \
	X(CREATE_STICKINESS,  "createStickiness",  "cs")  /* s -> LB */     \
	X(ACK_STICKINESS,     "ackStickiness",     "as")  /* LB -> s */     \
	X(REMOVE_STICKINESS,  "removeStickiness",  "rms") /* s -> LB */     \
	X(RECOVER_STICKINESS, "recoverStickiness", "rs")  /* LB -> s1, s2 */

/** SR functions; SRV6_FUNC_NONE means "not one of ours". */
enum srv6_func {
#define SRV6_FUNC_ENUM(name, str, sfx) SRV6_FUNC_##name,
	SRV6_FUNC_LIST(SRV6_FUNC_ENUM)
#undef SRV6_FUNC_ENUM
	SRV6_FUNC_MAX
};

/** Bounds checked by srv6_func_cfg_validate(). */
#define SRV6_LOCATOR_BITS_MIN  8
#define SRV6_LOCATOR_BITS_MAX  127
#define SRV6_FUNC_BITS_MAX     64
#define SRV6_ARG_BITS_MAX      64

/** Where functions live in a SID, and their codes. */
struct srv6_func_cfg {
	uint8_t locator_bits;   /**< locator prefix length, 8..127 (64) */
	uint8_t func_bits;      /**< function field width, 1..64 (16) */
	uint8_t arg_bits;       /**< argument field width, 0..64 (0) */
	uint16_t code[SRV6_FUNC_MAX]; /**< code of each function; [NONE]
				       *   unused; defaults 1..6 */
};

/** Fill @p cfg with the defaults: /64, 16-bit function, no argument,
 *  codes 1..6 in enum order. */
void srv6_func_cfg_default(struct srv6_func_cfg *cfg);

/**
 * Check a configuration: locator_bits in 8..127, func_bits in 1..64,
 * arg_bits in 0..64, locator_bits + func_bits + arg_bits <= 128; every
 * code nonzero, distinct, and representable in func_bits.
 * @return 0 or -EINVAL.
 */
int srv6_func_cfg_validate(const struct srv6_func_cfg *cfg);

/**
 * The SID of function @p f with argument @p arg at the node whose locator
 * is @p locator (bits of @p locator past locator_bits are ignored):
 * locator, function code, argument, then zeros.
 * @return 0; -EINVAL for an invalid @p cfg, SRV6_FUNC_NONE or an unknown
 *   @p f, or @p arg not representable in arg_bits (@p sid untouched).
 */
int srv6_sid_make(const struct srv6_func_cfg *cfg, const uint8_t locator[16],
		  enum srv6_func f, uint64_t arg, uint8_t sid[16]);

/**
 * The function a SID designates. SRV6_FUNC_NONE ("not one of ours") when
 * its function field holds no configured code or a bit after the argument
 * field is set, or when @p cfg's field widths are out of range.
 * @param locator  if not NULL, receives the SID's locator, rest zeroed
 * @param arg      if not NULL, receives the argument (0 if arg_bits = 0)
 * Outputs are written only when the result is not SRV6_FUNC_NONE.
 */
enum srv6_func srv6_sid_parse(const struct srv6_func_cfg *cfg,
			      const uint8_t sid[16], uint8_t locator[16],
			      uint64_t *arg);

/**
 * The locator of @p a as two big-endian 64-bit words under the locator's
 * mask, and that mask: b shares a's locator exactly when
 * ((load_be64(b) ^ w[0]) & m[0]) | ((load_be64(b + 8) ^ w[1]) & m[1]) is
 * zero (srv6_sid_same_locator() without its checks, for a data path that
 * compares one address with many locators).
 * @return false (nothing written) for a bad @p cfg or NULL @p a.
 */
bool srv6_locator_words(const struct srv6_func_cfg *cfg, const uint8_t a[16],
			uint64_t w[2], uint64_t m[2]);

/** True when @p a and @p b share their first locator_bits bits, i.e.
 *  address the same node; false for a bad @p cfg or NULL. */
bool srv6_sid_same_locator(const struct srv6_func_cfg *cfg,
			   const uint8_t a[16], const uint8_t b[16]);

/**
 * srv6_sid_parse() restricted to the SIDs of the node whose locator is
 * @p node_locator: what a node asks of the destination address it
 * receives. @return the function, SRV6_FUNC_NONE when not ours.
 */
enum srv6_func srv6_sid_match(const struct srv6_func_cfg *cfg,
			      const uint8_t node_locator[16],
			      const uint8_t sid[16], uint64_t *arg);

/**
 * srv6_sid_match() of one node, built once for a data path that asks it
 * of every packet (issue 19: through srv6_sid_same_locator() and
 * srv6_sid_parse() it took 155 instructions of every stickiness message).
 * Each function's SID with a zero argument as two big-endian words, and
 * the masks that select the bits a SID of the node must hold.
 */
struct srv6_sid_matcher {
	uint64_t loc_w[2];      /**< the locator, rest zeroed */
	uint64_t outer_m[2];    /**< locator bits and the bits past the
				 *   argument (zero in every SID) */
	uint64_t func_m[2];     /**< the function field; zero: the matcher
				 *   matches nothing (bad configuration) */
	uint64_t code_w[SRV6_FUNC_MAX][2]; /**< each code in its field;
					    *   [NONE] and codes that do not
					    *   fit: zero */
};

/**
 * Build @p mt for the node whose locator is @p locator (bits past
 * locator_bits ignored). @return 0; -EINVAL for an invalid geometry or a
 * NULL argument, and then @p mt (if not NULL) matches nothing.
 */
int srv6_sid_matcher_init(struct srv6_sid_matcher *mt,
			  const struct srv6_func_cfg *cfg,
			  const uint8_t locator[16]);

/**
 * srv6_sid_match(cfg, locator, @p sid, NULL) for the cfg and locator
 * @p mt was built from: the function @p sid designates at that node,
 * SRV6_FUNC_NONE when it is not one of its SIDs.
 */
static inline enum srv6_func
srv6_sid_matcher_func(const struct srv6_sid_matcher *mt, const uint8_t sid[16])
{
	uint64_t w0 = load_be64(sid), w1;

	/* The first word alone rejects almost every other address. */
	if (((w0 ^ mt->loc_w[0]) & mt->outer_m[0]) != 0)
		return SRV6_FUNC_NONE;
	w1 = load_be64(sid + 8);
	if (((w1 ^ mt->loc_w[1]) & mt->outer_m[1]) != 0)
		return SRV6_FUNC_NONE;
	w0 &= mt->func_m[0];
	w1 &= mt->func_m[1];
	if ((w0 | w1) == 0) /* code 0 is no function */
		return SRV6_FUNC_NONE;
	for (unsigned int f = 1; f < SRV6_FUNC_MAX; f++)
		if (w0 == mt->code_w[f][0] && w1 == mt->code_w[f][1])
			return (enum srv6_func)f;
	return SRV6_FUNC_NONE;
}

/**
 * The numeric keys of an [srv6] configuration section: locator_bits,
 * function_bits, argument_bits and each function's name (its code).
 * Sets @p min and @p max (either may be NULL) to the key's range.
 * @return 0, or -ENOENT when @p key is none of them.
 */
int srv6_func_cfg_key_range(const char *key, uint64_t *min, uint64_t *max);

/**
 * Set numeric key @p key of @p cfg to @p v. Consistency between keys is
 * srv6_func_cfg_validate()'s.
 * @return 0, -ENOENT (not such a key), -ERANGE (@p v out of its range),
 *   -EINVAL (NULL).
 */
int srv6_func_cfg_set_key(struct srv6_func_cfg *cfg, const char *key,
			  uint64_t v);

/** Name of a function ("connectAvail", ...), "?" when out of range. */
const char *srv6_func_name(enum srv6_func f);

/** The paper's SID suffix of a function ("ca", ...), "?" when out of
 *  range. */
const char *srv6_func_suffix(enum srv6_func f);

#endif /* DSRLB_SRV6_FUNC_H_ */
