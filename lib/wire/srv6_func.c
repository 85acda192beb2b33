/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/srv6_func.h"

static const char *const srv6_func_names[] = {
#define SRV6_FUNC_NAME(name, str, sfx) str,
	SRV6_FUNC_LIST(SRV6_FUNC_NAME)
#undef SRV6_FUNC_NAME
};

static const char *const srv6_func_suffixes[] = {
#define SRV6_FUNC_SFX(name, str, sfx) sfx,
	SRV6_FUNC_LIST(SRV6_FUNC_SFX)
#undef SRV6_FUNC_SFX
};

const char *
srv6_func_name(enum srv6_func f)
{
	return (unsigned int)f < SRV6_FUNC_MAX ? srv6_func_names[f] : "?";
}

const char *
srv6_func_suffix(enum srv6_func f)
{
	return (unsigned int)f < SRV6_FUNC_MAX ? srv6_func_suffixes[f] : "?";
}

void
srv6_func_cfg_default(struct srv6_func_cfg *cfg)
{
	unsigned int f;

	if (cfg == NULL)
		return;
	memset(cfg, 0, sizeof(*cfg));
	cfg->locator_bits = 64;         /* 6LB §IV-A: a /64 per node */
	cfg->func_bits = 16;
	cfg->arg_bits = 0;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		cfg->code[f] = (uint16_t)f;
}

/* Field widths only: what parse needs to stay within 128 bits. */
static bool
geometry_ok(const struct srv6_func_cfg *cfg)
{
	return cfg != NULL &&
	       cfg->locator_bits >= SRV6_LOCATOR_BITS_MIN &&
	       cfg->locator_bits <= SRV6_LOCATOR_BITS_MAX &&
	       cfg->func_bits >= 1 && cfg->func_bits <= SRV6_FUNC_BITS_MAX &&
	       cfg->arg_bits <= SRV6_ARG_BITS_MAX &&
	       (unsigned int)cfg->locator_bits + cfg->func_bits +
	       cfg->arg_bits <= 128;
}

int
srv6_func_cfg_validate(const struct srv6_func_cfg *cfg)
{
	unsigned int f, g;

	if (!geometry_ok(cfg))
		return -EINVAL;
	for (f = 1; f < SRV6_FUNC_MAX; f++) {
		/* Code 0 would make the bare locator (often the node's own
		 * address) a function SID. */
		if (cfg->code[f] == 0 ||
		    (cfg->func_bits < 16 && cfg->code[f] >> cfg->func_bits))
			return -EINVAL;
		for (g = 1; g < f; g++)
			if (cfg->code[g] == cfg->code[f])
				return -EINVAL;
	}
	return 0;
}

/*
 * An address as two big-endian 64-bit words, w[0] holding bits 0..63
 * counted from the most significant. RFC 8986 §3.1: LOC:FUNCT:ARG need
 * not sit on byte boundaries, so fields are cut at any bit.
 */
static inline void
addr_load(const uint8_t a[16], uint64_t w[2])
{
	w[0] = load_be64(a);
	w[1] = load_be64(a + 8);
}

static void
addr_store(uint8_t a[16], const uint64_t w[2])
{
	store_be64(a, w[0]);
	store_be64(a + 8, w[1]);
}

static uint64_t
low_mask(unsigned int k)
{
	return k >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << k) - 1;
}

/* Mask of bits [start, start + width), start + width <= 128. */
static void
range_mask(unsigned int start, unsigned int width, uint64_t m[2])
{
	unsigned int end = start + width, i;

	for (i = 0; i < 2; i++) {
		unsigned int lo = 64 * i, hi = lo + 64;
		unsigned int s = start > lo ? start : lo;
		unsigned int e = end < hi ? end : hi;

		m[i] = s < e ? low_mask(e - s) << (hi - e) : 0;
	}
}

/* Mask of the first @bits bits (bits <= 128): range_mask(0, bits) in
 * two shifts, for the per-packet locator compare (issue 19). */
static inline void
prefix_mask(unsigned int bits, uint64_t m[2])
{
	m[0] = bits >= 64 ? ~(uint64_t)0 :
	       bits == 0 ? 0 : ~(uint64_t)0 << (64 - bits);
	m[1] = bits <= 64 ? 0 : ~(uint64_t)0 << (128 - bits);
}

/* Bits [start, start + width), width <= 64, as an integer. */
static uint64_t
field_get(const uint64_t w[2], unsigned int start, unsigned int width)
{
	unsigned int end = start + width;

	if (width == 0)
		return 0;
	if (end <= 64)
		return (w[0] >> (64 - end)) & low_mask(width);
	if (start >= 64)
		return (w[1] >> (128 - end)) & low_mask(width);
	return (w[0] & low_mask(64 - start)) << (end - 64) |
	       w[1] >> (128 - end);
}

/* OR @val (< 2^width, width <= 64) into bits [start, start + width). */
static void
field_put(uint64_t w[2], unsigned int start, unsigned int width, uint64_t val)
{
	unsigned int end = start + width;

	if (width == 0)
		return;
	if (end <= 64) {
		w[0] |= val << (64 - end);
	} else if (start >= 64) {
		w[1] |= val << (128 - end);
	} else {
		w[0] |= val >> (end - 64);
		w[1] |= val << (128 - end);
	}
}

int
srv6_sid_make(const struct srv6_func_cfg *cfg, const uint8_t locator[16],
	      enum srv6_func f, uint64_t arg, uint8_t sid[16])
{
	uint64_t w[2], m[2];

	if (srv6_func_cfg_validate(cfg) != 0 || locator == NULL ||
	    sid == NULL || f <= SRV6_FUNC_NONE || f >= SRV6_FUNC_MAX)
		return -EINVAL;
	if (cfg->arg_bits < 64 && (arg >> cfg->arg_bits) != 0)
		return -EINVAL;
	addr_load(locator, w);
	range_mask(0, cfg->locator_bits, m);
	w[0] &= m[0];
	w[1] &= m[1];
	field_put(w, cfg->locator_bits, cfg->func_bits, cfg->code[f]);
	field_put(w, cfg->locator_bits + cfg->func_bits, cfg->arg_bits, arg);
	addr_store(sid, w);
	return 0;
}

enum srv6_func
srv6_sid_parse(const struct srv6_func_cfg *cfg, const uint8_t sid[16],
	       uint8_t locator[16], uint64_t *arg)
{
	unsigned int used, f;
	uint64_t w[2], m[2], code;

	if (!geometry_ok(cfg) || sid == NULL)
		return SRV6_FUNC_NONE;
	used = (unsigned int)cfg->locator_bits + cfg->func_bits +
	       cfg->arg_bits;
	addr_load(sid, w);
	/* Bits past the argument are zero in every SID we make: anything
	 * else is some other address in our prefix, not a message. */
	prefix_mask(used, m);
	if ((w[0] & ~m[0]) != 0 || (w[1] & ~m[1]) != 0)
		return SRV6_FUNC_NONE;
	code = field_get(w, cfg->locator_bits, cfg->func_bits);
	if (code == 0)
		return SRV6_FUNC_NONE;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		if (cfg->code[f] == code)
			break;
	if (f == SRV6_FUNC_MAX)
		return SRV6_FUNC_NONE;
	if (arg != NULL)
		*arg = field_get(w, cfg->locator_bits + cfg->func_bits,
				 cfg->arg_bits);
	if (locator != NULL) {
		prefix_mask(cfg->locator_bits, m);
		w[0] &= m[0];
		w[1] &= m[1];
		addr_store(locator, w);
	}
	return (enum srv6_func)f;
}

bool
srv6_locator_words(const struct srv6_func_cfg *cfg, const uint8_t a[16],
		   uint64_t w[2], uint64_t m[2])
{
	if (!geometry_ok(cfg) || a == NULL)
		return false;
	addr_load(a, w);
	prefix_mask(cfg->locator_bits, m);
	w[0] &= m[0];
	w[1] &= m[1];
	return true;
}

bool
srv6_sid_same_locator(const struct srv6_func_cfg *cfg, const uint8_t a[16],
		      const uint8_t b[16])
{
	uint64_t wa[2], wb[2], m[2];

	if (b == NULL || !srv6_locator_words(cfg, a, wa, m))
		return false;
	addr_load(b, wb);
	return ((wa[0] ^ wb[0]) & m[0]) == 0 && ((wa[1] ^ wb[1]) & m[1]) == 0;
}

enum srv6_func
srv6_sid_match(const struct srv6_func_cfg *cfg, const uint8_t node_locator[16],
	       const uint8_t sid[16], uint64_t *arg)
{
	if (!srv6_sid_same_locator(cfg, node_locator, sid))
		return SRV6_FUNC_NONE;
	return srv6_sid_parse(cfg, sid, NULL, arg);
}

int
srv6_sid_matcher_init(struct srv6_sid_matcher *mt,
		      const struct srv6_func_cfg *cfg, const uint8_t locator[16])
{
	uint64_t lm[2], um[2];
	unsigned int f;

	if (mt == NULL)
		return -EINVAL;
	memset(mt, 0, sizeof(*mt));
	if (!geometry_ok(cfg) || locator == NULL)
		return -EINVAL;
	addr_load(locator, mt->loc_w);
	prefix_mask(cfg->locator_bits, lm);
	prefix_mask((unsigned int)cfg->locator_bits + cfg->func_bits +
		    cfg->arg_bits, um);
	for (unsigned int i = 0; i < 2; i++) {
		mt->loc_w[i] &= lm[i];
		mt->outer_m[i] = lm[i] | ~um[i];
	}
	range_mask(cfg->locator_bits, cfg->func_bits, mt->func_m);
	/* A code wider than the field never equals srv6_sid_parse()'s
	 * field value: left zero, it never matches here either. */
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		if (cfg->func_bits >= 16 || /* codes have 16 bits */
		    (cfg->code[f] >> cfg->func_bits) == 0)
			field_put(mt->code_w[f], cfg->locator_bits,
				  cfg->func_bits, cfg->code[f]);
	return 0;
}

/* The [srv6] keys every configuration file shares (the appliance's, the
 * agent's, the demo's): one table of names and ranges. */
static int
key_field(const char *key, uint64_t *min, uint64_t *max)
{
	if (strcmp(key, "locator_bits") == 0) {
		*min = SRV6_LOCATOR_BITS_MIN;
		*max = SRV6_LOCATOR_BITS_MAX;
		return 0;
	}
	if (strcmp(key, "function_bits") == 0) {
		*min = 1;
		*max = SRV6_FUNC_BITS_MAX;
		return 1;
	}
	if (strcmp(key, "argument_bits") == 0) {
		*min = 0;
		*max = SRV6_ARG_BITS_MAX;
		return 2;
	}
	for (unsigned int f = 1; f < SRV6_FUNC_MAX; f++)
		if (strcmp(key, srv6_func_name((enum srv6_func)f)) == 0) {
			*min = 1;
			*max = UINT16_MAX;
			return 2 + (int)f;
		}
	return -ENOENT;
}

int
srv6_func_cfg_key_range(const char *key, uint64_t *min, uint64_t *max)
{
	uint64_t lo, hi;
	int id;

	if (key == NULL)
		return -ENOENT;
	id = key_field(key, &lo, &hi);
	if (id < 0)
		return id;
	if (min != NULL)
		*min = lo;
	if (max != NULL)
		*max = hi;
	return 0;
}

int
srv6_func_cfg_set_key(struct srv6_func_cfg *cfg, const char *key, uint64_t v)
{
	uint64_t lo, hi;
	int id;

	if (cfg == NULL || key == NULL)
		return -EINVAL;
	id = key_field(key, &lo, &hi);
	if (id < 0)
		return id;
	if (v < lo || v > hi)
		return -ERANGE;
	switch (id) {
	case 0:
		cfg->locator_bits = (uint8_t)v;
		break;
	case 1:
		cfg->func_bits = (uint8_t)v;
		break;
	case 2:
		cfg->arg_bits = (uint8_t)v;
		break;
	default:
		cfg->code[id - 2] = (uint16_t)v;
		break;
	}
	return 0;
}
