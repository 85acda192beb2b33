/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>
#include <string.h>

#include "dsrlb/latency_est.h"

_Static_assert(LAT_EPOCH_US < LAT_AGE_STALE,
	       "an age of one epoch must fit below the stale mark");
_Static_assert((LAT_DELTA0_US << (LAT_K - 1)) < LAT_EPOCH_US,
	       "the largest timeout must be shorter than an epoch");
_Static_assert(LAT_BACKEND_WIN < 256 && (LAT_BACKEND_WIN & 1) == 1,
	       "window indices fit a byte and the median is one sample");

void
lat_flow_init(struct lat_flow *f, unsigned int first_idx)
{
	memset(f, 0, sizeof(*f));
	f->chosen = (uint8_t)(first_idx < LAT_K ? first_idx : 0);
}

unsigned int
lat_flow_timeout_idx(const struct lat_flow *f)
{
	return f->chosen < LAT_K ? f->chosen : 0;
}

uint64_t
lat_flow_timeout_ns(const struct lat_flow *f)
{
	return (uint64_t)lat_timeout_us(lat_flow_timeout_idx(f)) * 1000;
}

static inline uint16_t
age_add(uint16_t age, uint32_t gap)
{
	uint32_t a = (uint32_t)age + gap;

	return (uint16_t)(a < LAT_AGE_STALE ? a : LAT_AGE_STALE);
}

/* Sample cliff, HotNets'22 Algorithm 2 line 8: m = argmax_i N_i / N_i+1.
 * i runs over all k timeouts; N_k+1 is the count of an infinite timeout,
 * which never ends a batch: 0. A zero denominator counts as 1/2 (a
 * doubled count over 1), so a single stray sample over nothing does not
 * beat a real cliff; ratios are compared by cross-multiplication, ties
 * keep the smaller timeout, timeouts with N_i = 0 are never picked, and an
 * epoch without any sample keeps delta_e. */
static unsigned int
sample_cliff(const struct lat_flow *f)
{
	uint64_t bn = 0, bd = 1;
	unsigned int i, best = lat_flow_timeout_idx(f);

	for (i = 0; i < LAT_K; i++) {
		uint32_t next = i + 1 < LAT_K ? f->n[i + 1] : 0;
		uint64_t num = 2ull * f->n[i];
		uint64_t den = next != 0 ? 2ull * next : 1;

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

/* Algorithm 2 lines 7-10: detect the cliff, reset the counters. */
static void
end_epoch(struct lat_flow *f)
{
	f->chosen = (uint8_t)sample_cliff(f);
	memset(f->n, 0, sizeof(f->n));
	f->epoch_age_us = 0;
}

bool
lat_flow_packet(struct lat_flow *f, uint64_t now_ns, uint64_t *sample_ns,
		uint64_t *inst_ns)
{
	uint32_t smp[LAT_K] = { 0 };
	uint64_t now = now_ns / 1000;
	uint32_t gap, s;
	unsigned int i;
	bool out = false;

	if (!f->started) {
		/* First packet: it opens every instance's first batch (the
		 * paper leaves f.time_last_batch undefined). Epochs are per
		 * flow and start here. */
		memset(f->batch_age_us, 0, sizeof(f->batch_age_us));
		memset(f->n, 0, sizeof(f->n));
		f->epoch_age_us = 0;
		f->started = 1;
	} else if (now < f->last_pkt_us ||
		   now - f->last_pkt_us > LAT_EPOCH_US) {
		/* Clock went backwards, or a pause longer than an epoch
		 * (idleness, or a forward jump): the interval measures the
		 * clock or the user, not the server. No sample; every batch
		 * restarts here and the epoch ends (its counts still pick
		 * delta_e, as at any epoch end). */
		memset(f->batch_age_us, 0, sizeof(f->batch_age_us));
		end_epoch(f);
	} else {
		gap = (uint32_t)(now - f->last_pkt_us);
		/* Algorithm 2 lines 1-6: k FIXEDTIMEOUT instances, all
		 * seeing the same f.time_last_pkt. */
		for (i = 0; i < LAT_K; i++) {
			if (gap <= lat_timeout_us(i)) {
				f->batch_age_us[i] =
					age_add(f->batch_age_us[i], gap);
				continue;
			}
			/* Algorithm 1: new batch, sample = now -
			 * time_last_batch. A stale age means > E: no
			 * sample, and not counted in N_i. */
			s = (uint32_t)f->batch_age_us[i] + gap;
			f->batch_age_us[i] = 0;
			if (s > LAT_EPOCH_US)
				continue;
			smp[i] = s;
			if (f->n[i] != UINT16_MAX)
				f->n[i]++;
		}
		/* Lines 7-11, after the counts as in the paper: the packet
		 * that opens a new epoch is counted in the old one, and the
		 * sample returned (line 12) is the new delta_e's. */
		f->epoch_age_us = age_add(f->epoch_age_us, gap);
		if (f->epoch_age_us >= LAT_EPOCH_US)
			end_epoch(f);
		i = lat_flow_timeout_idx(f);
		if (smp[i] != 0) {
			if (sample_ns != NULL)
				*sample_ns = (uint64_t)smp[i] * 1000;
			out = true;
		}
	}
	f->last_pkt_us = now;
	if (inst_ns != NULL)
		for (i = 0; i < LAT_K; i++)
			inst_ns[i] = (uint64_t)smp[i] * 1000;
	return out;
}

void
lat_fixed_init(struct lat_fixed *s)
{
	memset(s, 0, sizeof(*s));
}

bool
lat_fixed_timeout(struct lat_fixed *s, uint64_t timeout_ns, uint64_t now_ns,
		  uint64_t *sample_ns)
{
	uint64_t iv;

	if (!s->started || now_ns < s->last_pkt_ns ||
	    now_ns - s->last_pkt_ns > (uint64_t)LAT_EPOCH_US * 1000) {
		/* First packet, clock backwards, or idle: restart. */
		s->last_batch_ns = now_ns;
		s->last_pkt_ns = now_ns;
		s->started = true;
		return false;
	}
	if (now_ns - s->last_pkt_ns <= timeout_ns) {
		s->last_pkt_ns = now_ns;
		return false;
	}
	/* HotNets'22 Algorithm 1: new batch, record response latency. */
	iv = now_ns - s->last_batch_ns;
	s->last_batch_ns = now_ns;
	s->last_pkt_ns = now_ns;
	if (iv > (uint64_t)LAT_EPOCH_US * 1000)
		return false;
	if (sample_ns != NULL)
		*sample_ns = iv;
	return true;
}

void
lat_backend_init(struct lat_backend *b)
{
	memset(b, 0, sizeof(*b));
}

void
lat_backend_reset(struct lat_backend *b)
{
	memset(b, 0, sizeof(*b));
}

void
lat_backend_sample(struct lat_backend *b, uint64_t sample_ns, uint64_t now_ns)
{
	uint64_t us = sample_ns / 1000;

	if (b->head >= LAT_BACKEND_WIN)
		b->head = 0;
	b->win_us[b->head] = (uint16_t)(us < UINT16_MAX ? us : UINT16_MAX);
	b->head = (uint8_t)(b->head + 1 == LAT_BACKEND_WIN ? 0 : b->head + 1);
	if (b->count < LAT_BACKEND_WIN)
		b->count++;
	b->last_ns = now_ns;
}

uint64_t
lat_backend_estimate(const struct lat_backend *b, unsigned int n,
		     uint64_t now_ns, uint64_t max_age_ns)
{
	uint16_t v[LAT_BACKEND_WIN * LAT_BACKEND_MERGE_MAX];
	unsigned int a, i, j, cnt = 0;

	if (b == NULL)
		return 0;
	if (n > LAT_BACKEND_MERGE_MAX)
		n = LAT_BACKEND_MERGE_MAX;
	for (a = 0; a < n; a++) {
		unsigned int c = b[a].count;

		if (max_age_ns != 0 && now_ns > b[a].last_ns &&
		    now_ns - b[a].last_ns > max_age_ns)
			continue;
		if (c > LAT_BACKEND_WIN)
			c = LAT_BACKEND_WIN;
		/* Insertion sort while gathering: at most 240 values, on the
		 * control path only. */
		for (i = 0; i < c; i++) {
			uint16_t x = b[a].win_us[i];

			for (j = cnt; j > 0 && v[j - 1] > x; j--)
				v[j] = v[j - 1];
			v[j] = x;
			cnt++;
		}
	}
	if (cnt == 0)
		return 0;
	return (uint64_t)v[(cnt - 1) / 2] * 1000;
}
