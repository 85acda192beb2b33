/* SPDX-License-Identifier: BSD-3-Clause */
/* The polling baseline's rounds and score snapshots (see lb_poll.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>

#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_poll.h"
#include "dsrlb/lb_state.h"
#include "dsrlb/poll.h"

static const char *const counter_names[LB_POLL_CNT_MAX] = {
#define X(n, d) #n,
	LB_POLL_COUNTERS(X)
#undef X
};

const char *
lb_poll_counter_name(unsigned int c)
{
	return c < LB_POLL_CNT_MAX ? counter_names[c] : "?";
}

static bool
vip_polls(const struct lb_vip_rt *v)
{
	return v->conf.policy == LB_POLICY_POLL && !v->conf.removed;
}

bool
lb_poll_wanted(const struct lb_state *st)
{
	for (uint32_t v = 0; st != NULL && v < st->n_vips; v++)
		if (vip_polls(&st->vip[v]))
			return true;
	return false;
}

static int
target_find(const struct lb_poll *p, uint8_t family, const uint8_t *addr)
{
	const size_t n = family == 4 ? 4 : 16;

	for (uint32_t i = 0; i < p->n; i++)
		if (p->t[i].family == family &&
		    memcmp(p->t[i].addr, addr, n) == 0)
			return (int)i;
	return -1;
}

int
lb_poll_init(struct lb_poll *p, const struct lb_state *st)
{
	struct lb_poll_target *t = NULL, *old = p->t;
	struct lb_poll prev = *p;
	uint32_t n = 0, cap = 0;

	for (uint32_t v = 0; v < st->n_vips; v++)
		if (vip_polls(&st->vip[v]))
			cap += st->vip[v].conf.n_backends;
	if (cap != 0) {
		t = calloc(cap, sizeof(*t));
		if (t == NULL)
			return -ENOMEM;
	}
	p->t = t;
	p->n = 0;
	for (uint32_t v = 0; v < st->n_vips; v++) {
		const struct lb_vip_conf *c = &st->vip[v].conf;

		if (!vip_polls(&st->vip[v]))
			continue;
		for (uint32_t b = 0; b < c->n_backends; b++) {
			const struct lb_addr *a = &c->backend[b].addr;
			int o;

			if (a->family == 0 ||
			    target_find(p, a->family, a->a) >= 0)
				continue;
			t[n].family = a->family;
			memcpy(t[n].addr, a->a, 16);
			/* a server polled before keeps its score and its
			 * round in flight across a change */
			o = target_find(&prev, a->family, a->a);
			if (o >= 0)
				t[n] = old[o];
			p->n = ++n;
		}
	}
	free(old);
	return 0;
}

void
lb_poll_fini(struct lb_poll *p)
{
	free(p->t);
	p->t = NULL;
	p->n = 0;
}

void
lb_poll_round(struct lb_poll *p, struct rng *r)
{
	for (uint32_t i = 0; i < p->n; i++) {
		struct lb_poll_target *t = &p->t[i];

		if (t->nonce != 0 && !t->answered) {
			p->cnt[LB_POLL_CNT_missed]++;
			t->timeouts++;
			if (t->missed < UINT8_MAX)
				t->missed++;
			if (t->missed >= LB_POLL_MISSED_MAX)
				t->known = 0;
		}
		t->answered = 0;
		do
			t->nonce = rng_next(r);
		while (t->nonce == 0);
	}
	p->cnt[LB_POLL_CNT_rounds]++;
	p->cnt[LB_POLL_CNT_sent] += p->n;
}

void
lb_poll_request(const struct lb_poll *p, uint32_t i, uint8_t *out)
{
	struct poll_msg m = { .type = POLL_REQUEST, .score = 0,
			      .nonce = i < p->n ? p->t[i].nonce : 0 };

	poll_encode(out, &m);
}

int
lb_poll_answer(struct lb_poll *p, uint8_t family, const uint8_t *addr,
	       const uint8_t *payload, size_t len)
{
	struct poll_msg m;
	struct lb_poll_target *t;
	int i;

	if (poll_decode(payload, len, &m) != WIRE_OK ||
	    m.type != POLL_ANSWER) {
		p->cnt[LB_POLL_CNT_bad]++;
		return -1;
	}
	i = target_find(p, family, addr);
	if (i < 0) {
		p->cnt[LB_POLL_CNT_unknown]++;
		return -1;
	}
	t = &p->t[i];
	if (t->answered || m.nonce != t->nonce || t->nonce == 0) {
		p->cnt[LB_POLL_CNT_late]++;
		return -1;
	}
	t->answered = 1;
	t->known = 1;
	t->missed = 0;
	t->score = m.score;
	p->cnt[LB_POLL_CNT_answers]++;
	return i;
}

struct lb_poll_scores *
lb_poll_scores_build(struct lb_poll *p, const struct lb_state *st,
		     uint32_t v)
{
	const struct lb_vip_conf *c;
	struct lb_poll_scores *s;

	if (v >= st->n_vips || !vip_polls(&st->vip[v]))
		return NULL;
	c = &st->vip[v].conf;
	s = calloc(1, sizeof(*s) + c->n_backends * sizeof(s->be[0]));
	if (s == NULL)
		return NULL;
	s->gen = ++p->gen;
	s->n = c->n_backends;
	for (uint32_t b = 0; b < c->n_backends; b++) {
		const struct lb_addr *a = &c->backend[b].addr;
		int i = a->family != 0 ? target_find(p, a->family, a->a) : -1;

		if (i >= 0 && p->t[i].known) {
			s->be[b].known = 1;
			s->be[b].score = p->t[i].score;
		}
	}
	return s;
}

bool
lb_poll_apply(struct busy_table *busy, const struct lb_poll_scores *s,
	      uint64_t *gen, uint64_t now_ns)
{
	if (s == NULL || s->gen == *gen)
		return false;
	*gen = s->gen;
	for (uint32_t b = 0; b < s->n; b++)
		if (s->be[b].known)
			(void)busy_select_update(busy, b, s->be[b].score,
						 now_ns);
	return true;
}

/* A duration in ms for show poll ("-": never). */
static void
age_str(char *buf, size_t len, uint64_t then, uint64_t now)
{
	if (then == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1f ms",
			 now > then ? (double)(now - then) / 1e6 : 0.0);
}

uint32_t
lb_poll_show(const struct lb_poll *p, const struct lb_state *st, uint32_t v,
	     uint32_t interval_ms, uint64_t now_ns, struct lb_ctl_out *o)
{
	uint32_t shown = 0;
	char age[32], ab[64];

	if (p == NULL) {
		lb_ctl_printf(o, "  no poller here\n");
		return 0;
	}
	age_str(age, sizeof(age), p->round_ns, now_ns);
	lb_ctl_printf(o, "  every %u ms, %u servers, round in flight started "
		      "%s ago\n ", interval_ms, p->n, age);
	for (unsigned int c = 0; c < LB_POLL_CNT_MAX; c++)
		lb_ctl_printf(o, " %s %" PRIu64, counter_names[c], p->cnt[c]);
	lb_ctl_printf(o, "\n");
	for (uint32_t i = 0; i < st->n_vips; i++) {
		const struct lb_vip_rt *vr = &st->vip[i];
		const struct lb_poll_scores *s;

		if ((v != UINT32_MAX && i != v) || !vip_polls(vr))
			continue;
		s = atomic_load_explicit(&vr->poll, memory_order_acquire);
		lb_ctl_printf(o, "vip %s: published snapshot %" PRIu64 "\n",
			      vr->conf.name, s != NULL ? s->gen : 0);
		lb_ctl_printf(o, "  %-12s %-39s %5s %10s %11s %8s\n",
			      "backend", "address", "load", "age",
			      "outstanding", "timeouts");
		for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
			const struct lb_addr *a = &vr->conf.backend[b].addr;
			int k = a->family != 0 ?
				target_find(p, a->family, a->a) : -1;
			const struct lb_poll_target *t = k >= 0 ? &p->t[k] :
							 NULL;
			char load[8];

			if (vr->conf.backend[b].removed)
				continue;
			if (t != NULL && t->known)
				snprintf(load, sizeof(load), "%u", t->score);
			else
				snprintf(load, sizeof(load), "-");
			age_str(age, sizeof(age),
				t != NULL ? t->answer_ns : 0, now_ns);
			lb_ctl_printf(o, "  %-12s %-39s %5s %10s %11u %8"
				      PRIu64 "\n", vr->conf.backend[b].name,
				      lb_addr_fmt(a, ab, sizeof(ab)), load,
				      age,
				      t != NULL && t->nonce != 0 &&
				      !t->answered ? 1u : 0u,
				      t != NULL ? t->timeouts : 0);
		}
		shown++;
	}
	return shown;
}
