/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/srv6_func.h"

static const char *const srv6_func_names[] = {
#define SRV6_FUNC_NAME(name, str) str,
	SRV6_FUNC_LIST(SRV6_FUNC_NAME)
#undef SRV6_FUNC_NAME
};

const char *
srv6_func_name(enum srv6_func f)
{
	return (unsigned int)f < SRV6_FUNC_MAX ? srv6_func_names[f] : "?";
}

void
srv6_func_cfg_default(struct srv6_func_cfg *cfg)
{
	unsigned int f;

	memset(cfg, 0, sizeof(*cfg));
	cfg->locator_bits = 64;
	cfg->func_bits = 16;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		cfg->code[f] = (uint16_t)f;
}

int
srv6_func_cfg_validate(const struct srv6_func_cfg *cfg)
{
	unsigned int f, g;

	if (cfg == NULL || cfg->locator_bits < 8 || cfg->locator_bits > 120 ||
	    cfg->func_bits < 1 || cfg->func_bits > 16 ||
	    cfg->locator_bits + cfg->func_bits > 128)
		return -EINVAL;
	for (f = 1; f < SRV6_FUNC_MAX; f++) {
		if (cfg->code[f] == 0 ||
		    (cfg->func_bits < 16 && cfg->code[f] >> cfg->func_bits))
			return -EINVAL;
		for (g = 1; g < f; g++)
			if (cfg->code[g] == cfg->code[f])
				return -EINVAL;
	}
	return 0;
}

static unsigned int
get_bit(const uint8_t a[16], unsigned int i)
{
	return (a[i / 8] >> (7 - i % 8)) & 1u;
}

static void
set_bit(uint8_t a[16], unsigned int i, unsigned int v)
{
	uint8_t mask = (uint8_t)(1u << (7 - i % 8));

	a[i / 8] = v ? (uint8_t)(a[i / 8] | mask) : (uint8_t)(a[i / 8] & ~mask);
}

/* Bit-wise so that any locator length works (RFC 8986 §3.1: LOC:FUNCT:ARG
 * need not sit on byte boundaries); this is control-plane speed code, the
 * data path compares whole SIDs precomputed from it. */
int
srv6_sid_make(const struct srv6_func_cfg *cfg, const uint8_t locator[16],
	      enum srv6_func f, uint8_t sid[16])
{
	uint8_t out[16] = { 0 };
	unsigned int i, lb, fb;

	if (cfg == NULL || locator == NULL || sid == NULL ||
	    f <= SRV6_FUNC_NONE || f >= SRV6_FUNC_MAX)
		return -EINVAL;
	lb = cfg->locator_bits;
	fb = cfg->func_bits;
	if (lb + fb > 128)
		return -EINVAL;
	for (i = 0; i < lb; i++)
		set_bit(out, i, get_bit(locator, i));
	for (i = 0; i < fb; i++)
		set_bit(out, lb + i, (cfg->code[f] >> (fb - 1 - i)) & 1u);
	memcpy(sid, out, 16);
	return 0;
}

enum srv6_func
srv6_sid_parse(const struct srv6_func_cfg *cfg, const uint8_t sid[16],
	       uint8_t locator[16])
{
	unsigned int i, lb, fb, code = 0, f;

	if (cfg == NULL || sid == NULL || cfg->locator_bits + cfg->func_bits > 128)
		return SRV6_FUNC_NONE;
	lb = cfg->locator_bits;
	fb = cfg->func_bits;
	if (locator != NULL) {
		uint8_t loc[16] = { 0 };

		for (i = 0; i < lb; i++)
			set_bit(loc, i, get_bit(sid, i));
		memcpy(locator, loc, 16);
	}
	for (i = 0; i < fb; i++)
		code = code << 1 | get_bit(sid, lb + i);
	/* No argument bits are defined: a SID with any set is not ours. */
	for (i = lb + fb; i < 128; i++)
		if (get_bit(sid, i))
			return SRV6_FUNC_NONE;
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		if (cfg->code[f] == code)
			return (enum srv6_func)f;
	return SRV6_FUNC_NONE;
}

bool
srv6_sid_same_locator(const struct srv6_func_cfg *cfg, const uint8_t a[16],
		      const uint8_t b[16])
{
	unsigned int i;

	if (cfg == NULL || a == NULL || b == NULL || cfg->locator_bits > 128)
		return false;
	for (i = 0; i < cfg->locator_bits; i++)
		if (get_bit(a, i) != get_bit(b, i))
			return false;
	return true;
}
