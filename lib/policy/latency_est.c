/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/latency_est.h"

void
lat_flow_init(struct lat_flow *f)
{
	memset(f, 0, sizeof(*f));
}

/* HotNets'22 Algorithm 1. */
bool
lat_fixed_timeout(uint32_t *last_batch_us, uint32_t *last_pkt_us,
		  uint32_t timeout_us, uint32_t now_us, uint32_t *sample_us)
{
	bool out = false;

	if (now_us - *last_pkt_us > timeout_us) {
		*sample_us = now_us - *last_batch_us;
		*last_batch_us = now_us;
		out = true;
	}
	*last_pkt_us = now_us;
	return out;
}

/* Restart the flow's batches at @now: the first packet, a clock that went
 * backwards, or a pause long enough to be idleness. No sample comes from
 * a restart: the interval would measure the clock or the user, not the
 * server. */
static void
restart(struct lat_flow *f, uint32_t now)
{
	unsigned int i;

	for (i = 0; i < LAT_K; i++)
		f->last_batch_us[i] = now;
	f->last_pkt_us = now;
	if (!f->started) {
		f->epoch_start_us = now;
		f->started = 1;
	}
}

/* Sample cliff (Algorithm 2, line 8): m = argmax N_m / N_m+1. A zero
 * denominator is counted as 1/2 (so a lone sample over nothing beats an
 * equal pair), compared by cross-multiplication; ties keep the smaller
 * timeout. With no sample at all the choice is kept. */
static unsigned int
sample_cliff(const struct lat_flow *f)
{
	unsigned int i, best = f->chosen;
	uint64_t bn = 0, bd = 1;        /* best ratio bn/bd, doubled */

	for (i = 0; i + 1 < LAT_K; i++) {
		uint64_t num = 2ull * f->n[i];
		uint64_t den = f->n[i + 1] ? 2ull * f->n[i + 1] : 1;

		if (f->n[i] == 0)
			continue;
		if (num * bd > bn * den) {
			bn = num;
			bd = den;
			best = i;
		}
	}
	return best;
}

bool
lat_flow_packet(struct lat_flow *f, uint64_t now_ns, uint64_t *sample_ns)
{
	uint32_t now = (uint32_t)(now_ns / 1000), s, chosen_sample = 0;
	bool have = false;
	unsigned int i;

	if (!f->started || (int32_t)(now - f->last_pkt_us) < 0 ||
	    now - f->last_pkt_us > LAT_MAX_GAP_US) {
		restart(f, now);
		return false;
	}
	/* Epoch boundary: pick the cliff's timeout for the next epoch and
	 * reset the counters (Algorithm 2, lines 7-10). */
	if (now - f->epoch_start_us >= LAT_EPOCH_US) {
		f->chosen = (uint8_t)sample_cliff(f);
		memset(f->n, 0, sizeof(f->n));
		f->epoch_start_us = now;
	}
	for (i = 0; i < LAT_K; i++) {
		uint32_t last_pkt = f->last_pkt_us;

		/* Each instance sees the same last-packet time. */
		if (lat_fixed_timeout(&f->last_batch_us[i], &last_pkt,
				      lat_timeout_us(i), now, &s)) {
			if (f->n[i] != UINT16_MAX)
				f->n[i]++;
			if (i == f->chosen) {
				chosen_sample = s;
				have = true;
			}
		}
	}
	f->last_pkt_us = now;
	if (have && sample_ns != NULL)
		*sample_ns = (uint64_t)chosen_sample * 1000;
	return have;
}

uint64_t
lat_flow_timeout_ns(const struct lat_flow *f)
{
	return (uint64_t)lat_timeout_us(f->chosen) * 1000;
}

void
lat_backend_init(struct lat_backend *b, uint8_t shift)
{
	memset(b, 0, sizeof(*b));
	b->shift = shift == 0 || shift > 16 ? 3 : shift;
}

void
lat_backend_sample(struct lat_backend *b, uint64_t sample_ns, uint64_t now_ns)
{
	/* The first sample seeds the average; then EWMA with gain 2^-shift
	 * (RFC 6298 uses 1/8 for SRTT). */
	if (b->samples == 0)
		b->ewma_ns = sample_ns;
	else if (sample_ns >= b->ewma_ns)
		b->ewma_ns += (sample_ns - b->ewma_ns) >> b->shift;
	else
		b->ewma_ns -= (b->ewma_ns - sample_ns) >> b->shift;
	b->last_ns = now_ns;
	b->samples++;
}

uint64_t
lat_backend_estimate(const struct lat_backend *b, uint64_t now_ns,
		     uint64_t max_age_ns)
{
	if (b->samples == 0)
		return 0;
	if (max_age_ns != 0 && now_ns > b->last_ns &&
	    now_ns - b->last_ns > max_age_ns)
		return 0;
	return b->ewma_ns;
}
