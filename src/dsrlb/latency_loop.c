/* SPDX-License-Identifier: BSD-3-Clause */
/* The latency-feedback controllers' loop (see latency_loop.h). */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "console.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_latency.h"
#include "latency_loop.h"
#include "publish.h"

#define LAT_PERIOD_NS   10000000ull   /* latency control step (HotNets'22) */

static struct lb_latency lat;
static struct lb_latency next_lat;  /* of a change being published */
static bool next_ready;
static uint64_t last_ns;

int
latency_loop_init(const struct lb_state *st)
{
	struct lat_ctl_conf lc;

	lat_ctl_conf_default(&lc);
	return lb_latency_init(&lat, st, &lc) == 0 ? 0 : -1;
}

void
latency_loop_prepare(struct lb_state *nst, const struct lb_state *old)
{
	struct lat_ctl_conf lc;

	lat_ctl_conf_default(&lc);
	next_ready = lb_latency_init(&next_lat, nst, &lc) == 0;
	if (!next_ready) {
		memset(&next_lat, 0, sizeof(next_lat));
		return;
	}
	/* a change applies only what it changes (issue 13) */
	if (lb_latency_carry(&next_lat, nst, &lat, old) < 0)
		fprintf(stderr, "dsrlb: latency controllers restarted\n");
}

void
latency_loop_commit(void)
{
	lb_latency_fini(&lat);
	if (next_ready) {
		lat = next_lat;
	} else {
		memset(&lat, 0, sizeof(lat));
		fprintf(stderr, "dsrlb: latency controllers not rebuilt\n");
	}
	memset(&next_lat, 0, sizeof(next_lat));
	next_ready = false;
}

void
latency_loop_abort(void)
{
	if (next_ready)
		lb_latency_fini(&next_lat);
	memset(&next_lat, 0, sizeof(next_lat));
	next_ready = false;
}

static void
free_table(void *t)
{
	chash_free(t);
}

void
latency_loop_step(struct lb_state *st, unsigned int n_w, uint64_t now_ns,
		  uint64_t data_ns)
{
	struct lb_worker *const *vw;

	if (lat.n == 0 || now_ns - last_ns < LAT_PERIOD_NS)
		return;
	last_ns = now_ns;
	/* the aggregates of every worker, copied at its quiescent point */
	(void)pub_views_refresh(st, LB_VIEW_LATENCY, CONSOLE_VIEW_TIMEOUT_MS);
	vw = pub_views();
	for (uint32_t k = 0; k < lat.n; k++) {
		struct chash_table *nt, *old;

		nt = lb_latency_step(&lat, k, st, vw, n_w, data_ns, NULL);
		if (nt == NULL)
			continue;
		old = atomic_exchange(&st->vip[lat.v[k].vip].ch1, nt);
		/* after every worker passed a burst boundary nobody reads
		 * the old table */
		(void)pub_barrier();
		pub_retire(free_table, old);
	}
}

void
latency_loop_fini(void)
{
	lb_latency_fini(&lat);
}
