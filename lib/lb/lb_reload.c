/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_reload.h"

/* The parts a live change cannot touch (the ports, the flow tables'
 * size, next hops and routes built at start): @return the first that
 * differs, NULL when none. Both configurations come from the loader
 * (zeroed, then filled), so a byte comparison of these parts is exact. */
static const char *
fixed_difference(const struct lb_config *a, const struct lb_config *b)
{
	if (a->n_ports != b->n_ports ||
	    memcmp(a->port, b->port, a->n_ports * sizeof(a->port[0])) != 0)
		return "the ports";
	if (a->n_neigh != b->n_neigh ||
	    memcmp(a->neigh, b->neigh, a->n_neigh * sizeof(a->neigh[0])) != 0)
		return "[neighbours]";
	if (a->n_routes != b->n_routes ||
	    memcmp(a->route, b->route, a->n_routes * sizeof(a->route[0])) != 0)
		return "[routes]";
	if (memcmp(&a->srv6, &b->srv6, sizeof(a->srv6)) != 0 ||
	    a->has_lb_sid != b->has_lb_sid ||
	    memcmp(a->lb_sid, b->lb_sid, sizeof(a->lb_sid)) != 0)
		return "[srv6]";
	if (a->flow_capacity != b->flow_capacity ||
	    a->timeout_new_ns != b->timeout_new_ns ||
	    a->timeout_est_ns != b->timeout_est_ns ||
	    a->timeout_closing_ns != b->timeout_closing_ns ||
	    a->chash_seed != b->chash_seed ||
	    a->score_max_age_ns != b->score_max_age_ns ||
	    a->score_ewma_w != b->score_ewma_w ||
	    a->score_max_step != b->score_max_step ||
	    a->probe_timeout_ns != b->probe_timeout_ns ||
	    a->metrics_port != b->metrics_port ||
	    memcmp(&a->metrics_addr, &b->metrics_addr,
		   sizeof(a->metrics_addr)) != 0)
		return "[general]";
	return NULL;
}

static int
find_vip(const struct lb_config *c, const char *name)
{
	for (uint32_t v = 0; v < c->n_vips; v++)
		if (!c->vip[v].removed && strcmp(c->vip[v].name, name) == 0)
			return (int)v;
	return -1;
}

static int
find_be(const struct lb_vip_conf *vc, const char *name)
{
	for (uint32_t b = 0; b < vc->n_backends; b++)
		if (!vc->backend[b].removed &&
		    strcmp(vc->backend[b].name, name) == 0)
			return (int)b;
	return -1;
}

/* A VIP is the same one when what identifies its traffic and how it is
 * served stay. */
static bool
same_identity(const struct lb_vip_conf *a, const struct lb_vip_conf *b)
{
	return memcmp(&a->addr, &b->addr, sizeof(a->addr)) == 0 &&
	       a->port == b->port && a->proto == b->proto &&
	       a->transport == b->transport && a->policy == b->policy &&
	       a->quic == b->quic;
}

/* Every setting of a backend (weight, locator, and whatever a later key
 * adds): both come zeroed from the loader or the console, so bytes
 * compare exactly. */
static bool
same_backend(const struct lb_backend_conf *a, const struct lb_backend_conf *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* Merge the backends of @p f into slot @p r (same VIP). */
static int
merge_backends(struct lb_vip_conf *r, const struct lb_vip_conf *f,
	       struct lb_reload_diff *d, char *err, size_t len)
{
	bool keep[LB_MAX_BACKENDS] = { false };
	uint32_t n0 = r->n_backends;

	for (uint32_t k = 0; k < f->n_backends; k++) {
		const struct lb_backend_conf *fb = &f->backend[k];
		int b = find_be(r, fb->name);

		/* a new address is another server: remove and add */
		if (b >= 0 && memcmp(&r->backend[b].addr, &fb->addr,
				     sizeof(fb->addr)) != 0)
			b = -1;
		if (b >= 0) {
			keep[b] = true;
			if (!same_backend(&r->backend[b], fb)) {
				r->backend[b] = *fb;
				d->be_changed++;
			}
			continue;
		}
		if (r->n_backends >= LB_MAX_BACKENDS) {
			snprintf(err, len, "reload: vip %s: no backend slot "
				 "left for %s (%u, removed ones included; "
				 "restart to compact)", r->name, fb->name,
				 LB_MAX_BACKENDS);
			return -1;
		}
		r->backend[r->n_backends] = *fb;
		keep[r->n_backends] = true;
		r->n_backends++;
		d->be_added++;
	}
	for (uint32_t b = 0; b < n0; b++)
		if (!r->backend[b].removed && !keep[b]) {
			r->backend[b].removed = true;
			d->be_removed++;
		}
	return 0;
}

int
lb_reload_merge(struct lb_config *next, const struct lb_config *running,
		const struct lb_config *file, struct lb_reload_diff *d,
		char *err, size_t len)
{
	const char *fixed = fixed_difference(running, file);
	struct lb_config n;
	bool keep[LB_MAX_VIPS] = { false };
	uint32_t n0;

	memset(d, 0, sizeof(*d));
	if (fixed != NULL) {
		snprintf(err, len, "reload: %s changed, which needs a restart "
			 "(a reload changes VIPs and backends only)", fixed);
		return -1;
	}
	n = *running;
	n.vip = calloc(LB_MAX_VIPS, sizeof(*n.vip));
	if (n.vip == NULL) {
		snprintf(err, len, "reload: out of memory");
		return -1;
	}
	if (running->n_vips > 0)
		memcpy(n.vip, running->vip, running->n_vips * sizeof(*n.vip));
	n0 = n.n_vips;
	for (uint32_t k = 0; k < file->n_vips; k++) {
		const struct lb_vip_conf *fv = &file->vip[k];
		int v = find_vip(&n, fv->name);

		if (v >= 0 && (uint32_t)v < n0 && !keep[v] &&
		    same_identity(&n.vip[v], fv)) {
			struct lb_vip_conf *r = &n.vip[v];
			struct lb_vip_conf settings = *fv;
			unsigned int be0 = d->be_added + d->be_removed +
					   d->be_changed;

			keep[v] = true;
			if (merge_backends(r, fv, d, err, len) != 0)
				goto fail;
			/* every other setting from the file, the merged
			 * backends kept */
			memcpy(settings.backend, r->backend,
			       sizeof(settings.backend));
			settings.n_backends = r->n_backends;
			if (memcmp(&settings, r, sizeof(settings)) != 0 ||
			    d->be_added + d->be_removed + d->be_changed != be0)
				d->vip_changed++;
			*r = settings;
			continue;
		}
		if (n.n_vips >= LB_MAX_VIPS) {
			snprintf(err, len, "reload: no VIP slot left for %s "
				 "(%u, removed ones included; restart to "
				 "compact)", fv->name, LB_MAX_VIPS);
			goto fail;
		}
		n.vip[n.n_vips++] = *fv;
		d->vip_added++;
	}
	for (uint32_t v = 0; v < n0; v++)
		if (!n.vip[v].removed && !keep[v]) {
			n.vip[v].removed = true;
			d->vip_removed++;
		}
	if (d->vip_added + d->vip_removed + d->vip_changed == 0) {
		free(n.vip);
		return 0;
	}
	*next = n;
	return 1;
fail:
	free(n.vip);
	return -1;
}
