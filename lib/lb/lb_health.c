/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Passive health of the backends: the state machine and the control
 * thread's aggregation of the workers' observations (lb_health.h,
 * docs/health.md).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_health.h"

void
lb_health_conf_default(struct lb_health_conf *c)
{
	c->enabled = true;
	c->rise = LB_HEALTH_RISE_DEFAULT;
	c->fall = LB_HEALTH_FALL_DEFAULT;
	c->timeout_ns = LB_HEALTH_TIMEOUT_MS_DEFAULT * 1000000ull;
	c->trial_ns = LB_HEALTH_TRIAL_MS_DEFAULT * 1000000ull;
}

const char *
lb_health_conf_check(const struct lb_health_conf *c, const char **key)
{
	const char *k = NULL, *why = NULL;

	if (c->rise < 1 || c->rise > LB_HEALTH_COUNT_MAX) {
		k = "health_rise";
		why = "health_rise out of range 1..100";
	} else if (c->fall < 1 || c->fall > LB_HEALTH_COUNT_MAX) {
		k = "health_fall";
		why = "health_fall out of range 1..100";
	} else if (c->timeout_ns < 1000000ull ||
		   c->timeout_ns > LB_HEALTH_MS_MAX * 1000000ull) {
		k = "health_timeout_ms";
		why = "health_timeout_ms out of range 1..60000";
	} else if (c->trial_ns < 1000000ull ||
		   c->trial_ns > LB_HEALTH_MS_MAX * 1000000ull) {
		k = "health_trial_ms";
		why = "health_trial_ms out of range 1..60000";
	}
	if (key != NULL)
		*key = k;
	return why;
}

static const char *const state_names[] = { "up", "suspect", "down" };
static const char *const reason_names[] = {
	"-", "requests-lost", "answered", "forced", "check-failed",
	"check-passed",
};

const char *
lb_health_state_name(unsigned int s)
{
	return s < 3 ? state_names[s] : "?";
}

const char *
lb_health_reason_name(unsigned int r)
{
	return r < 6 ? reason_names[r] : "?";
}

static void
set_state(struct lb_health_be *h, enum lb_health_state s,
	  enum lb_health_reason r, uint64_t now_ns)
{
	if (s == LB_HEALTH_DOWN)
		h->n_down++;
	else if (h->state == LB_HEALTH_DOWN)
		h->n_up++;
	h->state = (uint8_t)s;
	h->reason = (uint8_t)r;
	h->since_ns = now_ns;
}

bool
lb_health_observe(struct lb_health_be *h, const struct lb_health_conf *c,
		  uint64_t ok, uint64_t fail, uint64_t now_ns)
{
	const uint8_t before = h->state;

	h->ok += ok;
	h->fail += fail;
	if (ok > 0) {
		/* Alive (a dead server answers nothing): the bad streak
		 * restarts. keepalived's and HAProxy's counters restart the
		 * same way on the opposite result. */
		h->bad = 0;
		h->good = ok > UINT32_MAX - h->good ? UINT32_MAX :
						       h->good + (uint32_t)ok;
		if (h->state == LB_HEALTH_SUSPECT)
			set_state(h, LB_HEALTH_UP, LB_HEALTH_R_ANSWERED,
				  now_ns);
		else if (h->state == LB_HEALTH_DOWN && h->good >= c->rise)
			set_state(h, LB_HEALTH_UP, LB_HEALTH_R_ANSWERED,
				  now_ns);
	} else if (fail > 0) {
		h->good = 0;
		h->bad = fail > UINT32_MAX - h->bad ? UINT32_MAX :
						       h->bad + (uint32_t)fail;
		if (h->state != LB_HEALTH_DOWN && h->bad >= c->fall)
			set_state(h, LB_HEALTH_DOWN, LB_HEALTH_R_LOST, now_ns);
		else if (h->state == LB_HEALTH_UP)
			set_state(h, LB_HEALTH_SUSPECT, LB_HEALTH_R_LOST,
				  now_ns);
	}
	return h->state != before;
}

bool
lb_health_check_result(struct lb_health_be *h,
			const struct lb_health_conf *c, bool ok,
			const char *why, uint64_t now_ns)
{
	const uint8_t before = h->chk_state;
	const bool was_down = lb_health_is_down(h);

	snprintf(h->chk_why, sizeof(h->chk_why), "%s", why);
	if (ok) {
		h->chk_ok++;
		h->chk_bad = 0;
		if (h->chk_good < UINT32_MAX)
			h->chk_good++;
		if (h->chk_state == LB_HEALTH_SUSPECT ||
		    (h->chk_state == LB_HEALTH_DOWN && h->chk_good >= c->rise))
			h->chk_state = LB_HEALTH_UP;
	} else {
		h->chk_fail++;
		h->chk_good = 0;
		if (h->chk_bad < UINT32_MAX)
			h->chk_bad++;
		if (h->chk_state != LB_HEALTH_DOWN && h->chk_bad >= c->fall)
			h->chk_state = LB_HEALTH_DOWN;
		else if (h->chk_state == LB_HEALTH_UP)
			h->chk_state = LB_HEALTH_SUSPECT;
	}
	if (h->chk_state == before)
		return false;
	/* the backend's last transition, and why */
	if (h->chk_state == LB_HEALTH_DOWN ||
	    (before == LB_HEALTH_DOWN && h->chk_state == LB_HEALTH_UP)) {
		h->reason = ok ? LB_HEALTH_R_CHECK_OK : LB_HEALTH_R_CHECK;
		h->since_ns = now_ns;
		if (!was_down && lb_health_is_down(h))
			h->n_down++;
		else if (was_down && !lb_health_is_down(h))
			h->n_up++;
	}
	return true;
}

void
lb_health_check_reset(struct lb_health_be *h)
{
	h->chk_state = LB_HEALTH_UP;
	h->chk_good = 0;
	h->chk_bad = 0;
	h->chk_why[0] = '\0';
}

int
lb_health_init(struct lb_health *h, uint32_t n_vips)
{
	memset(h, 0, sizeof(*h));
	h->be = calloc((size_t)(n_vips ? n_vips : 1) * LB_MAX_BACKENDS,
		       sizeof(*h->be));
	if (h->be == NULL)
		return -ENOMEM;
	h->n_vips = n_vips;
	return 0;
}

void
lb_health_fini(struct lb_health *h)
{
	free(h->be);
	h->be = NULL;
	h->n_vips = 0;
}

struct lb_health_be *
lb_health_get(struct lb_health *h, uint32_t v, uint32_t b)
{
	if (h->be == NULL || v >= h->n_vips || b >= LB_MAX_BACKENDS)
		return NULL;
	return &h->be[(size_t)v * LB_MAX_BACKENDS + b];
}

static const struct lb_health_be *
cget(const struct lb_health *h, uint32_t v, uint32_t b)
{
	return lb_health_get((struct lb_health *)(uintptr_t)h, v, b);
}

bool
lb_health_poll(struct lb_health *h, const struct lb_config *cfg,
	       struct lb_worker *const *w, unsigned int n_w, uint64_t now_ns,
	       lb_health_log_fn log, void *log_arg)
{
	const uint32_t nv = cfg->n_vips < h->n_vips ? cfg->n_vips : h->n_vips;

	for (uint32_t v = 0; v < nv; v++) {
		const struct lb_vip_conf *vc = &cfg->vip[v];

		for (uint32_t b = 0; b < vc->n_backends; b++) {
			struct lb_health_be *hb = lb_health_get(h, v, b);
			uint64_t ok = 0, fail = 0;

			for (unsigned int i = 0; i < n_w; i++) {
				const struct lb_worker *wk = w[i];

				/* A worker that has not adopted a state
				 * with this VIP yet has no row for it. */
				if (v >= wk->st->n_vips ||
				    wk->vip[v].hobs == NULL)
					continue;
				ok += wk->vip[v].hobs[b].ok;
				fail += wk->vip[v].hobs[b].fail;
			}
			if (ok < hb->seen_ok || fail < hb->seen_fail) {
				/* counters restarted (never, today) */
				hb->seen_ok = ok;
				hb->seen_fail = fail;
				continue;
			}
			if (cfg->health.enabled &&
			    lb_health_observe(hb, &cfg->health,
					      ok - hb->seen_ok,
					      fail - hb->seen_fail, now_ns)) {
				h->transitions++;
				if (log != NULL)
					log(log_arg, v, b, hb);
			}
			hb->seen_ok = ok;
			hb->seen_fail = fail;
		}
	}
	return lb_health_differs(h, cfg);
}

bool
lb_health_differs(const struct lb_health *h, const struct lb_config *cfg)
{
	const uint32_t nv = cfg->n_vips < h->n_vips ? cfg->n_vips : h->n_vips;

	for (uint32_t v = 0; v < nv; v++)
		for (uint32_t b = 0; b < cfg->vip[v].n_backends; b++) {
			const struct lb_health_be *hb = cget(h, v, b);
			const struct lb_backend_conf *bc =
				&cfg->vip[v].backend[b];

			if (lb_health_passive_down(hb) != bc->health_down ||
			    lb_health_check_down(hb) != bc->check_down)
				return true;
		}
	return false;
}

void
lb_health_mark(const struct lb_health *h, struct lb_config *next)
{
	const uint32_t nv = next->n_vips < h->n_vips ? next->n_vips :
						       h->n_vips;

	for (uint32_t v = 0; v < nv; v++)
		for (uint32_t b = 0; b < next->vip[v].n_backends; b++) {
			const struct lb_health_be *hb = cget(h, v, b);

			next->vip[v].backend[b].health_down =
				lb_health_passive_down(hb);
			next->vip[v].backend[b].check_down =
				lb_health_check_down(hb);
		}
}

const char *
lb_health_label(const struct lb_health_be *h)
{
	if (h->override == LB_HEALTH_FORCE_UP)
		return "forced-up";
	if (h->override == LB_HEALTH_FORCE_DOWN)
		return "forced-down";
	/* the worse of the in-band and the checks' states */
	return lb_health_state_name(h->state > h->chk_state ? h->state :
				    h->chk_state);
}

void
lb_health_show(struct lb_health *h, const struct lb_config *cfg,
	       const struct lb_state *st, uint32_t v, uint64_t now_ns,
	       struct lb_ctl_out *o)
{
	const struct lb_health_conf *c = &cfg->health;

	lb_ctl_printf(o, "health %s: rise %u, fall %u, timeout %" PRIu64
		      " ms, trial every %" PRIu64 " ms; %" PRIu64
		      " transitions, %" PRIu64 " states published\n",
		      c->enabled ? "on" : "off", c->rise, c->fall,
		      c->timeout_ns / 1000000u, c->trial_ns / 1000000u,
		      h->transitions, h->publications);
	lb_ctl_printf(o, "  %-12s %-12s %-11s %10s %-13s %8s %8s %5s  %s\n",
		      "vip", "backend", "health", "for", "reason", "ok",
		      "lost", "downs", "check");
	for (uint32_t vi = 0; vi < cfg->n_vips; vi++) {
		const struct lb_vip_conf *vc = &cfg->vip[vi];

		if ((v != UINT32_MAX && vi != v) || vc->removed)
			continue;
		if (st != NULL && vi < st->n_vips && st->vip[vi].fail_open)
			lb_ctl_printf(o, "  %-12s every backend is down: "
				      "fail-open, forwarding by the table\n",
				      vc->name);
		for (uint32_t b = 0; b < vc->n_backends; b++) {
			const struct lb_health_be *hb = lb_health_get(h, vi,
								      b);
			char since[32] = "-", chk[64] = "-";

			if (hb == NULL || vc->backend[b].removed)
				continue;
			if (hb->since_ns != 0 && now_ns >= hb->since_ns)
				snprintf(since, sizeof(since), "%.3fs",
					 (double)(now_ns - hb->since_ns) /
					 1e9);
			if (vc->check.type != LB_CHECK_NONE)
				snprintf(chk, sizeof(chk), "%s %s (%s; %"
					 PRIu64 " ok, %" PRIu64 " failed)",
					 lb_check_type_name(vc->check.type),
					 lb_health_state_name(hb->chk_state),
					 hb->chk_why[0] ? hb->chk_why : "-",
					 hb->chk_ok, hb->chk_fail);
			lb_ctl_printf(o, "  %-12s %-12s %-11s %10s %-13s %8"
				      PRIu64 " %8" PRIu64 " %5u  %s\n",
				      vc->name, vc->backend[b].name,
				      lb_health_label(hb), since,
				      lb_health_reason_name(hb->reason),
				      hb->ok, hb->fail, hb->n_down, chk);
		}
	}
}

int
lb_health_override(struct lb_health *h, uint32_t v, uint32_t b,
		   const char *word, uint64_t now_ns)
{
	struct lb_health_be *hb = lb_health_get(h, v, b);
	uint8_t ov;

	if (hb == NULL)
		return -1;
	if (strcmp(word, "up") == 0)
		ov = LB_HEALTH_FORCE_UP;
	else if (strcmp(word, "down") == 0)
		ov = LB_HEALTH_FORCE_DOWN;
	else if (strcmp(word, "auto") == 0)
		ov = LB_HEALTH_AUTO;
	else
		return -1;
	if (ov != hb->override) {
		hb->override = ov;
		hb->reason = LB_HEALTH_R_FORCED;
		hb->since_ns = now_ns;
	}
	return 0;
}
