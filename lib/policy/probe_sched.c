/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/probe_sched.h"

/*
 * Dynamic DSR (Sahakyan & Astsatryan): §3 "marks every n-th packet to
 * request a metric update" (flow 2 of Fig. 1: the balancer keeps a
 * temporary state for the single return response) and §5, future work:
 * "expand or shrink the every n-th packet window based on short-term
 * variance in server load". The rule is stated in probe_sched.h.
 */

void
probe_conf_default(struct probe_conf *conf)
{
	if (conf == NULL)
		return;
	memset(conf, 0, sizeof(*conf));
	conf->n = 100;                   /* §4: "every 100th packet" */
	conf->timeout_ns = 2000000000ull;
	conf->adaptive = false;
	conf->n_min = 10;
	conf->n_max = 1000;
	conf->alpha = 0.125;
	conf->cv_low = 0.05;
	conf->cv_high = 0.25;
	conf->score_floor = 16;
	conf->calm_needed = 8;
}

size_t
probe_sched_memsize(uint32_t n_backends)
{
	if (n_backends == 0 || n_backends > PROBE_MAX_BACKENDS)
		return 0;
	return sizeof(struct probe_sched) +
	       (size_t)n_backends * sizeof(struct probe_slot);
}

static int
probe_conf_check(const struct probe_conf *c)
{
	if (c->n > PROBE_N_MAX || c->timeout_ns == 0)
		return -EINVAL;
	if (!c->adaptive)
		return 0;
	/* Written so that NaN parameters fail too. */
	if (c->n_min == 0 || c->n_min > c->n_max || c->n_max > PROBE_N_MAX ||
	    !(c->alpha > 0.0 && c->alpha <= 1.0) || !(c->cv_low >= 0.0) ||
	    !(c->cv_high > c->cv_low) || c->score_floor == 0 ||
	    c->calm_needed == 0)
		return -EINVAL;
	return 0;
}

static uint32_t
probe_clamp_n(const struct probe_sched *ps, uint32_t n)
{
	if (!ps->conf.adaptive || n == 0)
		return n;
	if (n < ps->conf.n_min)
		return ps->conf.n_min;
	if (n > ps->conf.n_max)
		return ps->conf.n_max;
	return n;
}

int
probe_sched_init(struct probe_sched *ps, uint32_t n_backends,
		 const struct probe_conf *conf)
{
	if (ps == NULL || conf == NULL || n_backends == 0 ||
	    n_backends > PROBE_MAX_BACKENDS || probe_conf_check(conf) != 0)
		return -EINVAL;
	memset(ps, 0, probe_sched_memsize(n_backends));
	ps->conf = *conf;
	ps->n_backends = n_backends;
	ps->n = probe_clamp_n(ps, conf->n);
	return 0;
}

int
probe_sched_set_n(struct probe_sched *ps, uint32_t n)
{
	if (ps == NULL || n > PROBE_N_MAX)
		return -EINVAL;
	/* The count is kept: narrowing N makes a probe due at once, which
	 * is what an operator reacting to a burst wants. */
	ps->n = probe_clamp_n(ps, n);
	return 0;
}

uint32_t
probe_sched_get_n(const struct probe_sched *ps)
{
	return ps == NULL ? 0 : ps->n;
}

static inline int
probe_timed_out(const struct probe_sched *ps, const struct probe_slot *s,
		uint64_t now_ns)
{
	/* A clock that went backwards makes the probe look new. */
	return now_ns > s->sent_ns &&
	       now_ns - s->sent_ns >= ps->conf.timeout_ns;
}

bool
probe_sched_packet(struct probe_sched *ps, uint32_t backend, uint64_t now_ns)
{
	struct probe_slot *s;

	if (ps == NULL)
		return false;
	ps->n_packets++;
	if (ps->n == 0)
		return false;
	if (ps->since < ps->n)
		ps->since++;
	if (ps->since < ps->n || backend >= ps->n_backends)
		return false;
	s = &ps->slot[backend];
	if (s->outstanding) {
		/* §3 flow 2: one pending answer per backend; the probe
		 * stays due and goes out with the next packet that can
		 * carry it. */
		if (!probe_timed_out(ps, s, now_ns)) {
			ps->n_deferred++;
			return false;
		}
		ps->n_lost++;
		s->lost_streak++;
	}
	s->outstanding = 1;
	s->sent_ns = now_ns;
	ps->since = 0;
	ps->n_probes++;
	return true;
}

int
probe_sched_no_room(struct probe_sched *ps, uint32_t backend)
{
	struct probe_slot *s;

	if (ps == NULL || backend >= ps->n_backends)
		return -EINVAL;
	s = &ps->slot[backend];
	s->outstanding = 0;
	s->sent_ns = 0;
	/* Still due: the next packet with room takes it. */
	ps->since = ps->n;
	if (ps->n_probes > 0)
		ps->n_probes--;
	ps->n_no_room++;
	return 0;
}

/* One answer of the adaptive mode (§5), see probe_sched.h. */
static void
probe_adapt(struct probe_sched *ps, struct probe_slot *s, uint16_t score)
{
	const struct probe_conf *c = &ps->conf;
	double x = (double)score, d, den, disp2;

	if (!s->have_stats) {
		/* One sample says nothing about variance. */
		s->mean = x;
		s->var = 0.0;
		s->have_stats = 1;
		return;
	}
	d = x - s->mean;
	s->mean += c->alpha * d;
	s->var = (1.0 - c->alpha) * (s->var + c->alpha * d * d);
	if (!c->adaptive || ps->n == 0)
		return;
	den = s->mean > (double)c->score_floor ? s->mean :
						  (double)c->score_floor;
	disp2 = s->var / (den * den);
	if (disp2 > c->cv_high * c->cv_high) {
		uint32_t n = ps->n / 2;

		if (n < c->n_min)
			n = c->n_min;
		if (n != ps->n)
			ps->n_narrowed++;
		ps->n = n;
		ps->calm = 0;
	} else if (disp2 < c->cv_low * c->cv_low) {
		if (++ps->calm >= c->calm_needed) {
			uint32_t inc = ps->n / 4 > 1 ? ps->n / 4 : 1;
			uint32_t n = ps->n + inc;

			if (n > c->n_max)
				n = c->n_max;
			if (n != ps->n)
				ps->n_widened++;
			ps->n = n;
			ps->calm = 0;
		}
	} else {
		ps->calm = 0;
	}
}

int
probe_sched_answer(struct probe_sched *ps, uint32_t backend, uint16_t score,
		   uint64_t now_ns)
{
	struct probe_slot *s;

	if (ps == NULL || backend >= ps->n_backends)
		return -EINVAL;
	s = &ps->slot[backend];
	if (!s->outstanding) {
		ps->n_unsolicited++;
		return -ENOENT;
	}
	if (probe_timed_out(ps, s, now_ns))
		ps->n_late++;
	s->outstanding = 0;
	s->lost_streak = 0;
	ps->n_answers++;
	probe_adapt(ps, s, score);
	return 0;
}

int
probe_sched_outstanding(const struct probe_sched *ps, uint32_t backend,
			uint64_t now_ns)
{
	const struct probe_slot *s;

	if (ps == NULL || backend >= ps->n_backends)
		return -EINVAL;
	s = &ps->slot[backend];
	if (!s->outstanding)
		return 0;
	return probe_timed_out(ps, s, now_ns) ? 2 : 1;
}

int
probe_sched_reset_backend(struct probe_sched *ps, uint32_t backend)
{
	if (ps == NULL || backend >= ps->n_backends)
		return -EINVAL;
	memset(&ps->slot[backend], 0, sizeof(ps->slot[backend]));
	return 0;
}
