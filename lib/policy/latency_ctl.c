/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "dsrlb/chash.h"
#include "dsrlb/latency_ctl.h"

_Static_assert(LAT_CTL_WEIGHT_MAX == CHASH_WEIGHT_MAX,
	       "the controller's output feeds chash_build() as it is");

void
lat_ctl_conf_default(struct lat_ctl_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	conf->alpha_ppm = 100000;
	conf->restore_ppm = 200000;
	conf->slow_ratio_ppm = 500000;
	conf->slow_abs_ns = 200000;
	conf->even_ratio_ppm = 200000;
	conf->even_abs_ns = 50000;
	conf->min_interval_ns = 10000000;
	conf->floor_ppm = 50000;
	conf->weight_max = LAT_CTL_WEIGHT_MAX;
	conf->scale = 0;
}

size_t
lat_ctl_memsize(uint32_t n)
{
	if (n == 0 || n > LAT_CTL_MAX_BACKENDS)
		return 0;
	return sizeof(struct lat_ctl) + 3 * (size_t)n * sizeof(uint32_t);
}

int
lat_ctl_init(struct lat_ctl *c, uint32_t n, const uint32_t *weights,
	     const struct lat_ctl_conf *conf)
{
	uint32_t i, maxw = 0, scale;

	if (c == NULL || weights == NULL || conf == NULL || n == 0 ||
	    n > LAT_CTL_MAX_BACKENDS)
		return -EINVAL;
	if (conf->alpha_ppm == 0 || conf->alpha_ppm > LAT_CTL_PPM ||
	    conf->restore_ppm == 0 || conf->restore_ppm > LAT_CTL_PPM ||
	    conf->floor_ppm > LAT_CTL_PPM ||
	    conf->even_ratio_ppm >= conf->slow_ratio_ppm ||
	    conf->even_abs_ns >= conf->slow_abs_ns ||
	    conf->weight_max == 0 || conf->weight_max > UINT16_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		if (weights[i] > maxw)
			maxw = weights[i];
	if (maxw > conf->weight_max)
		return -EINVAL;
	scale = conf->scale;
	if (scale == 0) {
		/* Room for the largest backend to double its share. */
		scale = maxw == 0 ? 1 : conf->weight_max / (2 * maxw);
		if (scale == 0)
			scale = 1;
	}
	if ((uint64_t)maxw * scale > conf->weight_max)
		return -EINVAL;

	memset(c, 0, sizeof(*c));
	c->conf = *conf;
	c->n = n;
	c->scale = scale;
	c->base = (uint32_t *)(c + 1);
	c->floor = c->base + n;
	c->weight = c->floor + n;
	for (i = 0; i < n; i++) {
		uint32_t b = weights[i] * scale;
		uint32_t fl = (uint32_t)((uint64_t)b * conf->floor_ppm /
					 LAT_CTL_PPM);

		c->base[i] = b;
		c->weight[i] = b;
		c->floor[i] = b == 0 ? 0 : (fl == 0 ? 1 : fl);
	}
	return 0;
}

static inline uint64_t
lat_of(const uint64_t *lat, uint32_t i)
{
	return lat[i] < LAT_CTL_LAT_MAX_NS ? lat[i] : LAT_CTL_LAT_MAX_NS;
}

/* @hi is slower than @lo by both thresholds. Latencies are capped at
 * 2^40 ns, so the products stay below 2^64 for ratios up to 2^23 ppm. */
static bool
is_slow(const struct lat_ctl_conf *conf, uint64_t hi, uint64_t lo)
{
	uint64_t ex;

	if (hi <= lo)
		return false;
	ex = hi - lo;
	return ex > conf->slow_abs_ns &&
	       ex * LAT_CTL_PPM > lo * (uint64_t)conf->slow_ratio_ppm;
}

static bool
is_even(const struct lat_ctl_conf *conf, uint64_t hi, uint64_t lo)
{
	uint64_t ex = hi > lo ? hi - lo : 0;

	return ex <= conf->even_abs_ns ||
	       ex * LAT_CTL_PPM <= lo * (uint64_t)conf->even_ratio_ppm;
}

/* HotNets'22 §3: move alpha of the slowest's weight evenly to the others;
 * here "the others" are the measured backends clearly faster than it
 * (is_slow(slowest, them)), so that two equally slow backends do not feed
 * each other. Each round hands out what is left evenly (the remainder one
 * unit each, from a start that rotates with every change) to receivers
 * below weight_max; a round either places everything or fills a
 * receiver, so it ends within n rounds. The slowest loses exactly what
 * was placed: the sum is unchanged. */
static bool
shift_away(struct lat_ctl *c, const uint64_t *lat, uint32_t slow)
{
	const uint64_t ls = lat_of(lat, slow);
	uint64_t move;
	uint32_t i, j, left, each, extra, r, g, room;

	if (c->weight[slow] <= c->floor[slow])
		return false;
	move = (uint64_t)c->weight[slow] * c->conf.alpha_ppm / LAT_CTL_PPM;
	if (move == 0)
		move = 1;
	if (move > c->weight[slow] - c->floor[slow])
		move = c->weight[slow] - c->floor[slow];
	left = (uint32_t)move;
	for (;;) {
		r = 0;
		for (i = 0; i < c->n; i++)
			if (i != slow && c->base[i] != 0 && lat[i] != 0 &&
			    is_slow(&c->conf, ls, lat_of(lat, i)) &&
			    c->weight[i] < c->conf.weight_max)
				r++;
		if (r == 0 || left == 0)
			break;
		each = left / r;
		extra = left % r;
		for (j = 0; j < c->n && left > 0; j++) {
			/* The remainder's first unit rotates with every change
			 * so that no backend is favoured over time. */
			i = (uint32_t)((j + c->changes) % c->n);
			if (i == slow || c->base[i] == 0 || lat[i] == 0 ||
			    !is_slow(&c->conf, ls, lat_of(lat, i)) ||
			    c->weight[i] >= c->conf.weight_max)
				continue;
			g = each;
			if (extra > 0) {
				g++;
				extra--;
			}
			room = c->conf.weight_max - c->weight[i];
			if (g > room)
				g = room;
			if (g > left)
				g = left;
			c->weight[i] += g;
			left -= g;
		}
	}
	if (left == move)
		return false;
	c->weight[slow] -= (uint32_t)move - left;
	return true;
}

/* Give weight back toward the configured weights (our addition: the
 * paper only shifts away). Every backend below its configured weight
 * regains up to restore_ppm of that weight (at least one unit), taken
 * from the backends above theirs in proportion to their excess; the
 * remainder of that division comes from the first ones with excess left.
 * Deficits and excesses have equal sums (the total is invariant), so
 * there is always enough, and nobody crosses its configured weight:
 * recovery takes at most ceil(1e6 / restore_ppm) steps. */
static bool
restore(struct lat_ctl *c)
{
	uint64_t want = 0, excess = 0, got = 0, t;
	uint32_t i;

	for (i = 0; i < c->n; i++) {
		if (c->weight[i] > c->base[i])
			excess += c->weight[i] - c->base[i];
		else if (c->weight[i] < c->base[i]) {
			uint64_t step = (uint64_t)c->base[i] *
					c->conf.restore_ppm / LAT_CTL_PPM;
			uint64_t gap = c->base[i] - c->weight[i];

			if (step == 0)
				step = 1;
			want += step < gap ? step : gap;
		}
	}
	if (want == 0 || excess == 0)
		return false;
	if (want > excess)
		want = excess;  /* cannot happen while the sums match */
	for (i = 0; i < c->n; i++)
		if (c->weight[i] > c->base[i]) {
			t = want * (c->weight[i] - c->base[i]) / excess;
			c->weight[i] -= (uint32_t)t;
			got += t;
		}
	for (i = 0; i < c->n && got < want; i++)
		if (c->weight[i] > c->base[i]) {
			t = c->weight[i] - c->base[i];
			if (t > want - got)
				t = want - got;
			c->weight[i] -= (uint32_t)t;
			got += t;
		}
	for (i = 0; i < c->n && got > 0; i++)
		if (c->weight[i] < c->base[i]) {
			uint64_t step = (uint64_t)c->base[i] *
					c->conf.restore_ppm / LAT_CTL_PPM;
			uint64_t gap = c->base[i] - c->weight[i];

			if (step == 0)
				step = 1;
			t = step < gap ? step : gap;
			if (t > got)
				t = got;
			c->weight[i] += (uint32_t)t;
			got -= t;
		}
	return true;
}

bool
lat_ctl_step(struct lat_ctl *c, const uint64_t *lat_ns, uint64_t now_ns)
{
	uint64_t sum = 0, mean, ls;
	uint32_t i, slow = UINT32_MAX, k = 0;
	bool changed;

	if (c == NULL || lat_ns == NULL)
		return false;
	if (c->changes != 0) {
		/* Rebuild-rate bound. A clock that went back restarts the
		 * interval instead of freezing the controller. */
		if (now_ns < c->last_change_ns) {
			c->last_change_ns = now_ns;
			return false;
		}
		if (now_ns - c->last_change_ns < c->conf.min_interval_ns)
			return false;
	}
	/* The slowest measured backend; among equal latencies the one with
	 * the most weight, so equally slow backends take turns. */
	for (i = 0; i < c->n; i++) {
		if (c->base[i] == 0 || lat_ns[i] == 0)
			continue;
		if (slow == UINT32_MAX ||
		    lat_of(lat_ns, i) > lat_of(lat_ns, slow) ||
		    (lat_of(lat_ns, i) == lat_of(lat_ns, slow) &&
		     c->weight[i] > c->weight[slow]))
			slow = i;
	}
	if (slow != UINT32_MAX)
		for (i = 0; i < c->n; i++)
			if (i != slow && c->base[i] != 0 && lat_ns[i] != 0) {
				sum += lat_of(lat_ns, i);
				k++;
			}
	if (k == 0) {
		/* Fewer than two measured backends: no evidence of an
		 * imbalance, so drift back to the configured weights. */
		changed = restore(c);
	} else {
		mean = sum / k;
		ls = lat_of(lat_ns, slow);
		if (is_slow(&c->conf, ls, mean))
			changed = shift_away(c, lat_ns, slow);
		else if (is_even(&c->conf, ls, mean))
			changed = restore(c);
		else
			changed = false;        /* hysteresis band: hold */
	}
	if (changed) {
		c->last_change_ns = now_ns;
		c->changes++;
	}
	return changed;
}
