/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/baseline_select.h"

/*
 * The load-blind baselines: dynamic DSR §4 "DSR Round-Robin" and 6LB §V
 * SC (one random choice). Round-robin is the smooth weighted variant of
 * nginx (ngx_http_upstream_get_peer): it spreads a heavy backend's turns
 * through the cycle instead of sending them in a row.
 */

size_t
baseline_table_memsize(uint32_t n)
{
	if (n == 0 || n > BASELINE_MAX_BACKENDS)
		return 0;
	return sizeof(struct baseline_table) +
	       (size_t)n * sizeof(struct baseline_entry);
}

int
baseline_table_init(struct baseline_table *t, uint32_t n, uint32_t weight)
{
	uint32_t i;

	if (t == NULL || n == 0 || n > BASELINE_MAX_BACKENDS ||
	    weight > BASELINE_MAX_WEIGHT)
		return -EINVAL;
	memset(t, 0, baseline_table_memsize(n));
	t->n = n;
	for (i = 0; i < n; i++)
		t->e[i].weight = weight;
	return 0;
}

static void
baseline_restart(struct baseline_table *t)
{
	uint32_t i;

	for (i = 0; i < t->n; i++)
		t->e[i].credit = 0;
}

int
baseline_set_weight(struct baseline_table *t, uint32_t idx, uint32_t weight)
{
	if (t == NULL || idx >= t->n || weight > BASELINE_MAX_WEIGHT)
		return -EINVAL;
	t->e[idx].weight = weight;
	baseline_restart(t);
	return 0;
}

int
baseline_set_state(struct baseline_table *t, uint32_t idx,
		   enum select_backend_state state)
{
	if (t == NULL || idx >= t->n ||
	    (unsigned int)state > (unsigned int)SELECT_BACKEND_REMOVED)
		return -EINVAL;
	if (t->e[idx].state != (uint8_t)state) {
		t->e[idx].state = (uint8_t)state;
		baseline_restart(t);
	}
	return 0;
}

static inline int
baseline_eligible(const struct baseline_entry *e)
{
	return e->state == SELECT_BACKEND_ACTIVE && e->weight != 0;
}

uint32_t
baseline_rr_pick(struct baseline_table *t)
{
	uint32_t i, best = BASELINE_NONE;
	int64_t total = 0;

	if (t == NULL)
		return BASELINE_NONE;
	for (i = 0; i < t->n; i++) {
		struct baseline_entry *e = &t->e[i];

		if (!baseline_eligible(e))
			continue;
		e->credit += e->weight;
		total += e->weight;
		/* Strictly greater: ties go to the lowest index. */
		if (best == BASELINE_NONE || e->credit > t->e[best].credit)
			best = i;
	}
	if (best != BASELINE_NONE)
		t->e[best].credit -= total;
	return best;
}

uint32_t
baseline_random_pick(const struct baseline_table *t, struct rng *r)
{
	uint32_t i, total = 0, k;

	if (t == NULL || r == NULL)
		return BASELINE_NONE;
	/* n * BASELINE_MAX_WEIGHT < 2^32: the sum cannot wrap. */
	for (i = 0; i < t->n; i++)
		if (baseline_eligible(&t->e[i]))
			total += t->e[i].weight;
	if (total == 0)
		return BASELINE_NONE;
	k = rng_below(r, total);
	for (i = 0; i < t->n; i++) {
		if (!baseline_eligible(&t->e[i]))
			continue;
		if (k < t->e[i].weight)
			return i;
		k -= t->e[i].weight;
	}
	return BASELINE_NONE; /* not reached */
}
