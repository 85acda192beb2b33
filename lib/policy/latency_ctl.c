/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dsrlb/latency_ctl.h"

void
lat_ctl_conf_default(struct lat_ctl_conf *conf)
{
	conf->alpha_ppm = 100000;
	conf->restore_ppm = 250000;
	conf->slow_ratio_ppm = 500000;
	conf->slow_abs_ns = 200000;
	conf->even_ratio_ppm = 200000;
	conf->min_interval_ns = 10000000;
	conf->floor = 1;
}

size_t
lat_ctl_memsize(uint32_t n)
{
	if (n == 0 || n > LAT_CTL_MAX_BACKENDS)
		return 0;
	return sizeof(struct lat_ctl) + 2 * (size_t)n * sizeof(uint32_t);
}

int
lat_ctl_init(struct lat_ctl *c, uint32_t n, const uint32_t *base,
	     const struct lat_ctl_conf *conf)
{
	if (c == NULL || base == NULL || conf == NULL || n == 0 ||
	    n > LAT_CTL_MAX_BACKENDS || conf->alpha_ppm > 1000000 ||
	    conf->restore_ppm > 1000000 ||
	    conf->even_ratio_ppm >= conf->slow_ratio_ppm)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->n = n;
	c->base = (uint32_t *)(c + 1);
	c->weight = c->base + n;
	memcpy(c->base, base, n * sizeof(uint32_t));
	memcpy(c->weight, base, n * sizeof(uint32_t));
	return 0;
}

/* Mean latency of the backends other than @skip that have an estimate
 * and a configured weight; 0 when there are none. */
static uint64_t
others_mean(const struct lat_ctl *c, const uint64_t *lat, uint32_t skip,
	    uint32_t *count)
{
	uint64_t sum = 0;
	uint32_t i, k = 0;

	for (i = 0; i < c->n; i++)
		if (i != skip && lat[i] != 0 && c->base[i] != 0) {
			sum += lat[i];
			k++;
		}
	*count = k;
	return k ? sum / k : 0;
}

/* Shift alpha of the slowest's weight (above the floor) evenly to the
 * other measured backends (HotNets'22 §3). The remainder of the integer
 * division goes to the fastest, so the total is preserved exactly. */
static bool
shift_away(struct lat_ctl *c, const uint64_t *lat, uint32_t slow,
	   uint32_t k)
{
	uint64_t move = (uint64_t)c->weight[slow] * c->conf.alpha_ppm / 1000000;
	uint32_t i, fastest = slow, each, rest;

	if (c->weight[slow] <= c->conf.floor)
		return false;
	if (move == 0)
		move = 1;
	if (move > c->weight[slow] - c->conf.floor)
		move = c->weight[slow] - c->conf.floor;
	each = (uint32_t)(move / k);
	rest = (uint32_t)(move % k);
	for (i = 0; i < c->n; i++) {
		if (i == slow || lat[i] == 0 || c->base[i] == 0)
			continue;
		c->weight[i] += each;
		if (fastest == slow || lat[i] < lat[fastest])
			fastest = i;
	}
	c->weight[fastest] += rest;
	c->weight[slow] -= (uint32_t)move;
	return true;
}

/* Give back restore_ppm of the total displaced weight (at least one
 * unit), always from the most over-weighted backend to the most
 * under-weighted one: the sum is preserved and no weight can underflow.
 * Each transfer closes a gap or spends the budget, so at most 2n rounds. */
static bool
restore(struct lat_ctl *c)
{
	uint64_t displaced = 0, budget;
	uint32_t i, over, under, gap_o, gap_u, t;

	for (i = 0; i < c->n; i++)
		if (c->base[i] > c->weight[i])
			displaced += c->base[i] - c->weight[i];
	if (displaced == 0)
		return false;
	budget = displaced * c->conf.restore_ppm / 1000000;
	if (budget == 0)
		budget = 1;
	while (budget > 0) {
		over = under = UINT32_MAX;
		gap_o = gap_u = 0;
		for (i = 0; i < c->n; i++) {
			if (c->weight[i] > c->base[i] &&
			    c->weight[i] - c->base[i] > gap_o) {
				gap_o = c->weight[i] - c->base[i];
				over = i;
			}
			if (c->base[i] > c->weight[i] &&
			    c->base[i] - c->weight[i] > gap_u) {
				gap_u = c->base[i] - c->weight[i];
				under = i;
			}
		}
		if (over == UINT32_MAX || under == UINT32_MAX)
			break;
		t = gap_o < gap_u ? gap_o : gap_u;
		if (t > budget)
			t = (uint32_t)budget;
		c->weight[over] -= t;
		c->weight[under] += t;
		budget -= t;
	}
	return true;
}

bool
lat_ctl_step(struct lat_ctl *c, const uint64_t *lat_ns, uint64_t now_ns)
{
	uint32_t i, slow = UINT32_MAX, k;
	uint64_t mean, excess;
	bool changed;

	if (c == NULL || lat_ns == NULL)
		return false;
	/* Bound the rebuild rate; a clock that went back waits too. */
	if (c->changes != 0 &&
	    (now_ns < c->last_change_ns ||
	     now_ns - c->last_change_ns < c->conf.min_interval_ns))
		return false;
	for (i = 0; i < c->n; i++)
		if (lat_ns[i] != 0 && c->base[i] != 0 &&
		    (slow == UINT32_MAX || lat_ns[i] > lat_ns[slow]))
			slow = i;
	if (slow == UINT32_MAX)
		return false;
	mean = others_mean(c, lat_ns, slow, &k);
	if (k == 0)
		return false;   /* one measured backend: nothing to compare */
	excess = lat_ns[slow] - (lat_ns[slow] > mean ? mean : lat_ns[slow]);
	if (excess > c->conf.slow_abs_ns &&
	    excess * 1000000 > mean * c->conf.slow_ratio_ppm)
		changed = shift_away(c, lat_ns, slow, k);
	else if (excess * 1000000 <= mean * c->conf.even_ratio_ppm)
		changed = restore(c);
	else
		changed = false;        /* hysteresis band: hold */
	if (changed) {
		c->last_change_ns = now_ns;
		c->changes++;
	}
	return changed;
}
