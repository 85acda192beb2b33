/* SPDX-License-Identifier: BSD-3-Clause */
/* Control-plane views of the workers (see lb_view.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_view.h"

int
lb_view_init(struct lb_worker *view, const struct lb_worker *w)
{
	int rc;

	memset(view, 0, sizeof(*view));
	view->index = w->index;
	view->n_workers = w->n_workers;
	view->vip = calloc(LB_MAX_VIPS, sizeof(*view->vip));
	view->lat = NULL;   /* the flow sample is not copied */
	if (view->vip == NULL)
		return -ENOMEM;
	rc = flow_table_init_like(&view->ft, &w->ft);
	if (rc != 0) {
		lb_view_fini(view);
		return rc;
	}
	return 0;
}

int
lb_view_reserve(struct lb_worker *view, const struct lb_state *st)
{
	const uint32_t nb = LB_MAX_BACKENDS;

	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++) {
		struct lb_worker_vip *wv = &view->vip[v];

		if (wv->busy != NULL)
			continue;
		wv->busy = calloc(1, busy_table_memsize(nb));
		wv->probe = calloc(1, probe_sched_memsize(nb));
		wv->lat = calloc(nb, sizeof(*wv->lat));
		wv->be_cnt = calloc(nb, sizeof(*wv->be_cnt));
		wv->hobs = calloc(nb, sizeof(*wv->hobs));
		if (wv->busy == NULL || wv->probe == NULL || wv->lat == NULL ||
		    wv->be_cnt == NULL || wv->hobs == NULL) {
			free(wv->busy);
			free(wv->probe);
			free(wv->lat);
			free(wv->be_cnt);
			free(wv->hobs);
			memset(wv, 0, sizeof(*wv));
			return -ENOMEM;
		}
	}
	return 0;
}

void
lb_view_copy(struct lb_worker *view, const struct lb_worker *w,
	     unsigned int mask)
{
	const uint32_t nb = LB_MAX_BACKENDS;
	uint32_t n_vips = w->st != NULL ? w->st->n_vips : 0;

	view->st = w->st;
	view->last_now_ns = w->last_now_ns;
	if (mask & LB_VIEW_COUNTERS) {
		memcpy(view->cnt, w->cnt, sizeof(view->cnt));
		memcpy(view->wire, w->wire, sizeof(view->wire));
		if (!(mask & LB_VIEW_FLOWS)) {
			view->ft.count = w->ft.count;
			view->ft.stats = w->ft.stats;
		}
	}
	if (mask & LB_VIEW_FLOWS)
		(void)flow_table_copy(&view->ft, &w->ft);
	for (uint32_t v = 0; v < n_vips && v < LB_MAX_VIPS; v++) {
		struct lb_worker_vip *d = &view->vip[v];
		const struct lb_worker_vip *s = &w->vip[v];

		if (d->busy == NULL || s->busy == NULL)
			continue;
		d->synced = s->synced;
		d->probe_adaptive = s->probe_adaptive;
		d->probe_n = s->probe_n;
		memcpy(d->state, s->state, sizeof(d->state));
		memcpy(d->weight, s->weight, sizeof(d->weight));
		if (mask & LB_VIEW_COUNTERS) {
			d->cnt = s->cnt;
			memcpy(d->be_cnt, s->be_cnt, nb * sizeof(*d->be_cnt));
		}
		if (mask & LB_VIEW_SCORES) {
			memcpy(d->busy, s->busy, busy_table_memsize(nb));
			memcpy(d->probe, s->probe, probe_sched_memsize(nb));
		}
		if (mask & LB_VIEW_LATENCY)
			memcpy(d->lat, s->lat, nb * sizeof(*d->lat));
		if ((mask & LB_VIEW_HEALTH) && s->hobs != NULL)
			memcpy(d->hobs, s->hobs, nb * sizeof(*d->hobs));
	}
}

void
lb_view_fini(struct lb_worker *view)
{
	for (uint32_t v = 0; view->vip != NULL && v < LB_MAX_VIPS; v++) {
		free(view->vip[v].busy);
		free(view->vip[v].probe);
		free(view->vip[v].lat);
		free(view->vip[v].be_cnt);
		free(view->vip[v].hobs);
	}
	free(view->vip);
	view->vip = NULL;
	flow_table_fini(&view->ft);
}
