/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Every setting of the appliance's configuration, declared once: section,
 * name, type, allowed values, whether the console may change it live (and
 * why not when it may not) and its meaning. The INI loader
 * (src/dsrlb/lb_config_load.c) reads [general] and [vip NAME] settings
 * through lb_key_set(), the console's "set KEY VALUE" and "vip set NAME
 * KEY VALUE" go through the same function, and docs/console.md lists the
 * table (a unit test compares them). Numbers follow cfg_num.h.
 *
 * Keys that are not settings but identities or structure (a port's dev,
 * a VIP's address, port and proto, its backend.NAME lines) and the [srv6]
 * layout (srv6_func.h has its own key table) stay with their sections.
 */
#ifndef DSRLB_LB_KEYS_H_
#define DSRLB_LB_KEYS_H_

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dsrlb/lb_config.h"

/** Section of a key. */
enum lb_key_sec {
	LB_KEY_GENERAL = 0,    /**< [general]; console "set KEY VALUE" */
	LB_KEY_VIP,            /**< [vip NAME]; console "vip set NAME KEY V" */
};

/** Type of a key's value. */
enum lb_key_type {
	LB_KEY_UINT = 0,       /**< decimal in min..max (cfg_num.h) */
	LB_KEY_PRIME,          /**< decimal prime in min..max */
	LB_KEY_BOOL,           /**< on|off (yes|no) */
	LB_KEY_ENUM,           /**< one of the names in @c values */
	LB_KEY_FRACTION,       /**< decimal fraction in (0, 1] */
	LB_KEY_SEED,           /**< 64-bit: decimal, or hex after 0x */
	LB_KEY_PATH,           /**< an HTTP path: "/" then printable ASCII
				*   without spaces (lb_check_path_ok) */
};

/** One key. */
struct lb_key {
	uint8_t sec;           /**< enum lb_key_sec */
	uint8_t id;            /**< internal: which field */
	uint8_t type;          /**< enum lb_key_type */
	const char *name;
	uint64_t min, max;     /**< UINT, PRIME */
	const char *values;    /**< ENUM, BOOL: the accepted words, "|" */
	const char *syntax;    /**< the value in the command reference */
	const char *not_live;  /**< NULL: the console may set it; else why
				*   it may not (shown in its error) */
	const char *help;
};

/** The table, ending with a NULL name. */
extern const struct lb_key lb_keys[];

/** The key @p name of section @p sec, or NULL. */
const struct lb_key *lb_key_find(unsigned int sec, const char *name);

/** "flow_capacity, timeout_new_ms, ..." of @p sec into @p buf. */
const char *lb_key_names(unsigned int sec, char *buf, size_t len);

/**
 * Parse @p value for @p k and store it into @p c (general keys) or @p v
 * (VIP keys). A wrong value changes nothing and @p err receives one line
 * naming the key and what it accepts, e.g. "probe_every: '70000' is not
 * in 0..65535".
 * @return 0 or -1.
 */
int lb_key_set(const struct lb_key *k, struct lb_config *c,
	       struct lb_vip_conf *v, const char *value, char *err,
	       size_t len);

/**
 * The value of @p k in @p c (general keys) or @p v (VIP keys), written
 * as lb_key_set() reads it ("on", "65537", "0x5eed", "0.250000000"), into
 * @p buf. The inverse of lb_key_set(): "save" writes the running
 * configuration with it.
 * @return 0, or -1 when the key has no value of its own (a default kept
 *   as 0, such as c or alpha, or quic_lb_* on a VIP without QUIC-LB).
 */
int lb_key_get(const struct lb_key *k, const struct lb_config *c,
	       const struct lb_vip_conf *v, char *buf, size_t len);

#endif /* DSRLB_LB_KEYS_H_ */
