/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The one number parser of every configuration front end: the appliance's
 * INI loader, its console (lb_ctl.h) and the agent's INI loader all read
 * numbers with it, so that a value means the same thing everywhere.
 *
 * The rule: decimal digits only, no sign, no blank, no suffix, no "0x",
 * and no leading zero ("0" itself is fine). A leading zero is refused
 * rather than read: strtoull(..., 0) reads "010" as 8, a decimal reader as
 * 10, and older releases did both in different places; refusing it makes
 * such a value fail loudly instead of changing meaning.
 */
#ifndef DSRLB_CFG_NUM_H_
#define DSRLB_CFG_NUM_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Why cfg_num_parse() refused a value. */
enum cfg_num_err {
	CFG_NUM_OK = 0,
	CFG_NUM_EMPTY,         /**< nothing to read */
	CFG_NUM_NOT_DECIMAL,   /**< a character other than 0-9 */
	CFG_NUM_LEADING_ZERO,  /**< "010" */
	CFG_NUM_RANGE,         /**< a number, outside [min, max] */
};

/**
 * Parse @p s as a decimal number in [@p min, @p max] (rule above).
 * @return CFG_NUM_OK with *@p out set, or the reason (out untouched).
 */
enum cfg_num_err cfg_num_parse(const char *s, uint64_t min, uint64_t max,
			       uint64_t *out);

/**
 * Parse an on/off value: "on", "yes" (true) or "off", "no" (false).
 * @return 0 or -1.
 */
int cfg_bool_parse(const char *s, bool *out);

/**
 * One line naming @p key, the value and the allowed range, e.g.
 * "probe_every: '70000' is not in 0..65535" or "probe_every: '010' is not
 * a decimal number without a leading zero in 0..65535".
 * @return @p buf.
 */
const char *cfg_num_strerror(enum cfg_num_err e, const char *key,
			     const char *value, uint64_t min, uint64_t max,
			     char *buf, size_t len);

#endif /* DSRLB_CFG_NUM_H_ */
