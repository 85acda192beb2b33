/* SPDX-License-Identifier: BSD-3-Clause */
/* The latency-feedback mode's control step (see lb_latency.h). */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/chash.h"
#include "dsrlb/lb_latency.h"

int
lb_latency_init(struct lb_latency *l, const struct lb_state *st,
		const struct lat_ctl_conf *conf)
{
	memset(l, 0, sizeof(*l));
	l->v = calloc(st->n_vips ? st->n_vips : 1, sizeof(*l->v));
	if (l->v == NULL)
		return -ENOMEM;
	for (uint32_t v = 0; v < st->n_vips; v++) {
		const struct lb_vip_rt *vr = &st->vip[v];
		uint32_t wts[LB_MAX_BACKENDS];
		struct lat_ctl_conf vc = *conf;
		struct lat_ctl *c;

		if (vr->conf.policy != LB_POLICY_LATENCY || vr->conf.removed)
			continue;
		if (vr->conf.lat_alpha_ppm != 0)
			vc.alpha_ppm = vr->conf.lat_alpha_ppm;
		/* drained and removed backends start (and stay) at 0 */
		for (uint32_t b = 0; b < vr->conf.n_backends; b++)
			wts[b] = vr->be[b].state == SELECT_BACKEND_ACTIVE ?
				 vr->be[b].conf.weight : 0;
		c = calloc(1, lat_ctl_memsize(vr->conf.n_backends));
		if (c == NULL) {
			lb_latency_fini(l);
			return -ENOMEM;
		}
		if (lat_ctl_init(c, vr->conf.n_backends, wts, &vc) != 0) {
			free(c);
			lb_latency_fini(l);
			return -EINVAL;
		}
		l->v[l->n].vip = v;
		l->v[l->n].ctl = c;
		l->n++;
	}
	return 0;
}

void
lb_latency_fini(struct lb_latency *l)
{
	for (uint32_t k = 0; l->v != NULL && k < l->n; k++)
		free(l->v[k].ctl);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Whether the controller of VIP @p a (in @p sa) may go on as the one of
 * @p b (in @p sb): the same inputs to the table it steers. */
static bool
same_inputs(const struct lb_state *sa, const struct lb_vip_rt *a,
	    const struct lb_state *sb, const struct lb_vip_rt *b)
{
	if (sa->seed != sb->seed || strcmp(a->conf.name, b->conf.name) != 0 ||
	    a->conf.removed || b->conf.removed ||
	    a->conf.n_backends != b->conf.n_backends ||
	    a->conf.chash_m != b->conf.chash_m ||
	    a->conf.lat_alpha_ppm != b->conf.lat_alpha_ppm)
		return false;
	for (uint32_t i = 0; i < a->conf.n_backends; i++) {
		const struct lb_backend_rt *x = &a->be[i], *y = &b->be[i];

		if (x->state != y->state || x->conf.weight != y->conf.weight ||
		    x->conf.removed != y->conf.removed ||
		    !lb_addr_eq(&x->conf.addr, &y->conf.addr))
			return false;
	}
	return true;
}

/* The C = 1 table of controller @p k's VIP with its current weights. */
static struct chash_table *
ctl_table(const struct lb_latency *l, unsigned int k,
	  const struct lb_state *st)
{
	const struct lb_vip_rt *vr = &st->vip[l->v[k].vip];
	struct chash_backend cb[LB_MAX_BACKENDS];
	struct chash_config cc = { 0 };
	struct chash_table *t = NULL;

	/* The controller's weights feed the table as they are: it depends
	 * only on their ratios (latency_ctl.h). */
	lb_state_chash_input(vr, l->v[k].ctl->weight, cb);
	cc.m = vr->conf.chash_m;
	cc.c = 1;
	cc.seed = st->seed;
	if (chash_build(&t, &cc, cb, vr->conf.n_backends) != 0)
		return NULL;
	return t;
}

int
lb_latency_carry(struct lb_latency *next, struct lb_state *next_st,
		 const struct lb_latency *prev, const struct lb_state *prev_st)
{
	int carried = 0;

	if (next == NULL || next_st == NULL || prev == NULL || prev_st == NULL)
		return 0;
	for (uint32_t k = 0; k < next->n; k++) {
		uint32_t v = next->v[k].vip;
		struct lat_ctl *nc = next->v[k].ctl;
		struct chash_table *t, *old;
		const struct lat_ctl *pc = NULL;

		for (uint32_t j = 0; j < prev->n; j++)
			if (prev->v[j].vip == v)
				pc = prev->v[j].ctl;
		if (pc == NULL || v >= prev_st->n_vips || pc->n != nc->n ||
		    !same_inputs(prev_st, &prev_st->vip[v], next_st,
				 &next_st->vip[v]))
			continue;
		memcpy(nc->weight, pc->weight, nc->n * sizeof(*nc->weight));
		nc->last_change_ns = pc->last_change_ns;
		nc->changes = pc->changes;
		t = ctl_table(next, k, next_st);
		if (t == NULL)
			return -ENOMEM;
		old = atomic_exchange(&next_st->vip[v].ch1, t);
		chash_free(old);
		carried++;
	}
	return carried;
}

struct chash_table *
lb_latency_step(struct lb_latency *l, unsigned int k,
		const struct lb_state *st, struct lb_worker *const *w,
		unsigned int n_w, uint64_t now_ns, uint64_t *est)
{
	const struct lb_vip_rt *vr;
	uint64_t lat[LB_MAX_BACKENDS] = { 0 };
	uint32_t nb;

	if (k >= l->n)
		return NULL;
	vr = &st->vip[l->v[k].vip];
	nb = vr->conf.n_backends;
	for (uint32_t b = 0; b < nb; b++) {
		lat[b] = lb_latency_estimate(w, n_w, l->v[k].vip, b, now_ns);
		if (est != NULL)
			est[b] = lat[b];
	}
	if (!lat_ctl_step(l->v[k].ctl, lat, now_ns))
		return NULL;
	return ctl_table(l, k, st);
}
