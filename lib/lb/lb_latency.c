/* SPDX-License-Identifier: BSD-3-Clause */
/* The latency-feedback mode's control step (see lb_latency.h). */
#include <errno.h>
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

struct chash_table *
lb_latency_step(struct lb_latency *l, unsigned int k,
		const struct lb_state *st, struct lb_worker *const *w,
		unsigned int n_w, uint64_t now_ns, uint64_t *est)
{
	const struct lb_vip_rt *vr;
	uint64_t lat[LB_MAX_BACKENDS] = { 0 };
	struct chash_backend cb[LB_MAX_BACKENDS];
	struct chash_config cc = { 0 };
	struct chash_table *t = NULL;
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
	/* The controller's weights feed the table as they are: it depends
	 * only on their ratios (latency_ctl.h). */
	lb_state_chash_input(vr, l->v[k].ctl->weight, cb);
	cc.m = vr->conf.chash_m;
	cc.c = 1;
	cc.seed = st->seed;
	if (chash_build(&t, &cc, cb, nb) != 0)
		return NULL;
	return t;
}
