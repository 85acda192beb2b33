/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control/data hand-over (see publish.h): quiescent-state-based
 * reclamation as rte_rcu_qsbr does it, with a generation per hand-over;
 * the worker's adoption step (lb_worker_adopt) is folded into its
 * quiescent point, and so is the copy of its view.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "publish.h"

enum {
	VIEW_IDLE = 0,
	VIEW_REQ,       /* control thread asked */
	VIEW_COPYING,   /* the worker took the request */
	VIEW_DONE,      /* the view is filled */
};

struct pub_worker {
	_Atomic uint64_t acked;         /* generation adopted (worker writes) */
	uint64_t gen;                   /* worker-private copy */
	_Atomic uint32_t view_state;
	unsigned int view_mask;         /* written before VIEW_REQ */
	struct lb_worker view;          /* the worker fills it on request */
} __rte_cache_aligned;

struct pub_params {
	uint32_t idle_sleep_us;
};

struct pub_retired {
	void (*fn)(void *);
	void *p;
	struct pub_retired *next;
};

static struct pub_worker *pw;
static struct lb_worker **views;
static struct lb_worker *const *workers;   /* read only by prepare */
static unsigned int n_workers;
static _Atomic bool *quitp;

/* the hand-over slot: written before the generation moves */
static _Atomic uint64_t gen;
static struct lb_worker_pending *_Atomic pending;  /* one per worker */
static const struct lb_state *cur_st;
static bool last_complete = true;  /* every worker adopted the latest */
static struct pub_retired *retired;
static const struct pub_params *_Atomic params;

int
pub_init(struct lb_worker *const *w, unsigned int n_w, _Atomic bool *quit,
	 const struct lb_state *st, uint32_t idle_sleep_us)
{
	struct pub_params *pp = malloc(sizeof(*pp));

	n_workers = n_w;
	workers = w;
	quitp = quit;
	cur_st = st;
	pw = calloc(n_w, sizeof(*pw));
	views = calloc(n_w, sizeof(*views));
	if (pw == NULL || views == NULL || pp == NULL) {
		free(pp);
		return -1;
	}
	for (unsigned int i = 0; i < n_w; i++) {
		/* the workers have not started: their shape can be read */
		if (lb_view_init(&pw[i].view, w[i]) != 0)
			return -1;
		views[i] = &pw[i].view;
	}
	pp->idle_sleep_us = idle_sleep_us;
	atomic_store(&params, pp);
	return 0;
}

static void
free_pending(void *p)
{
	struct lb_worker_pending *pend = p;

	for (unsigned int i = 0; i < n_workers; i++)
		lb_worker_pending_free(&pend[i]);
	free(pend);
}

void
pub_fini(void)
{
	struct lb_worker_pending *pend = atomic_load(&pending);

	if (pend != NULL)
		free_pending(pend);
	atomic_store(&pending, NULL);
	while (retired != NULL) {
		struct pub_retired *r = retired;

		retired = r->next;
		r->fn(r->p);
		free(r);
	}
	for (unsigned int i = 0; pw != NULL && i < n_workers; i++)
		lb_view_fini(&pw[i].view);
	free(pw);
	free(views);
	free((void *)(uintptr_t)atomic_load(&params));
	pw = NULL;
	views = NULL;
}

static bool
quitting(void)
{
	return atomic_load_explicit(quitp, memory_order_relaxed);
}

int
pub_state(const struct lb_state *st)
{
	struct lb_worker_pending *pend, *old;
	uint64_t g;

	pend = calloc(n_workers, sizeof(*pend));
	if (pend == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < n_workers; i++)
		/* lb_worker_prepare reads only what the worker changes in
		 * lb_worker_adopt, which the previous hand-over's wait
		 * ordered before this point. */
		if (lb_worker_prepare(workers[i], st, &pend[i]) != 0) {
			free_pending(pend);
			return -ENOMEM;
		}
	old = atomic_exchange_explicit(&pending, pend, memory_order_release);
	g = atomic_fetch_add_explicit(&gen, 1, memory_order_acq_rel) + 1;
	cur_st = st;
	last_complete = false;
	for (unsigned int i = 0; i < n_workers; i++)
		while (atomic_load_explicit(&pw[i].acked,
					    memory_order_acquire) != g) {
			if (quitting()) {
				/* a worker may still read the old one */
				if (old != NULL)
					pub_retire(free_pending, old);
				return -EINTR;
			}
			rte_delay_us_sleep(100);
		}
	last_complete = true;
	if (old != NULL)
		free_pending(old);
	return 0;
}

bool
pub_barrier(void)
{
	return pub_state(cur_st) == 0;
}

void
pub_retire(void (*fn)(void *), void *p)
{
	struct pub_retired *r;

	if (p == NULL)
		return;
	if (last_complete) {
		fn(p);
		return;
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		return;  /* quitting, out of memory: leak rather than race */
	r->fn = fn;
	r->p = p;
	r->next = retired;
	retired = r;
}

static void
free_params(void *p)
{
	free(p);
}

void
pub_set_idle_sleep(uint32_t us)
{
	struct pub_params *pp = malloc(sizeof(*pp));
	const struct pub_params *old;

	if (pp == NULL)
		return;
	pp->idle_sleep_us = us;
	old = atomic_exchange_explicit(&params, pp, memory_order_acq_rel);
	/* a worker that loaded the old snapshot uses it before its next
	 * quiescent point */
	(void)pub_barrier();
	pub_retire(free_params, (void *)(uintptr_t)old);
}

int
pub_views_refresh(const struct lb_state *st, unsigned int mask,
		  unsigned int timeout_ms)
{
	uint64_t deadline = rte_get_tsc_cycles() +
			    rte_get_tsc_hz() / 1000 * timeout_ms;
	int late = 0;

	for (unsigned int i = 0; i < n_workers; i++) {
		if (lb_view_reserve(&pw[i].view, st) != 0)
			return (int)n_workers;
		pw[i].view_mask = mask;
		atomic_store_explicit(&pw[i].view_state, VIEW_REQ,
				      memory_order_release);
	}
	for (unsigned int i = 0; i < n_workers; i++) {
		for (;;) {
			uint32_t s = atomic_load_explicit(&pw[i].view_state,
							  memory_order_acquire);
			uint32_t exp = VIEW_REQ;

			if (s == VIEW_DONE)
				break;
			if (s == VIEW_REQ &&
			    (quitting() || rte_get_tsc_cycles() > deadline) &&
			    atomic_compare_exchange_strong_explicit(
				    &pw[i].view_state, &exp, VIEW_IDLE,
				    memory_order_acq_rel,
				    memory_order_acquire)) {
				/* withdrawn before the worker took it: the
				 * view stays as it was */
				late++;
				break;
			}
			/* VIEW_COPYING ends in bounded time */
			rte_delay_us_sleep(50);
		}
		atomic_store_explicit(&pw[i].view_state, VIEW_IDLE,
				      memory_order_relaxed);
	}
	return late;
}

struct lb_worker *const *
pub_views(void)
{
	return views;
}

void
pub_worker_poll(unsigned int idx, struct lb_worker *w)
{
	struct pub_worker *p;
	uint64_t g = atomic_load_explicit(&gen, memory_order_acquire);
	uint32_t exp = VIEW_REQ;

	/* a driver without a control plane (the replay bench) */
	if (unlikely(pw == NULL))
		return;
	p = &pw[idx];
	if (unlikely(g != p->gen)) {
		struct lb_worker_pending *pend =
			atomic_load_explicit(&pending, memory_order_acquire);

		lb_worker_adopt(w, &pend[idx]);
		p->gen = g;
		atomic_store_explicit(&p->acked, g, memory_order_release);
	}
	if (unlikely(atomic_load_explicit(&p->view_state,
					  memory_order_relaxed) == VIEW_REQ) &&
	    atomic_compare_exchange_strong_explicit(&p->view_state, &exp,
						    VIEW_COPYING,
						    memory_order_acquire,
						    memory_order_relaxed)) {
		lb_view_copy(&p->view, w, p->view_mask);
		atomic_store_explicit(&p->view_state, VIEW_DONE,
				      memory_order_release);
	}
}

uint32_t
pub_idle_sleep_us(void)
{
	const struct pub_params *pp = atomic_load_explicit(&params,
						memory_order_acquire);

	/* 0: busy polling (the workers never sleep) */
	return pp != NULL ? pp->idle_sleep_us : 1;
}
