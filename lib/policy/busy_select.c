/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "dsrlb/busy_select.h"

/*
 * Dynamic DSR (Sahakyan & Astsatryan), §3 Step 2 and Fig. 1 flow 2: the
 * balancer caches the score carried back by option 125 and "selects the
 * server with the lowest busyness score; if two servers have the same
 * score, it selects randomly". Everything the paper leaves open (aging,
 * unknown scores, smoothing, step limits, drained backends) is documented
 * in busy_select.h and docs/algorithms.md.
 */

/* Ordering keys of the pick: a fresh score is its own key (0..65535). */
#define BUSY_KEY_UNKNOWN 0x10000u
#define BUSY_KEY_NONE    0x20000u

void
busy_conf_default(struct busy_conf *conf)
{
	if (conf == NULL)
		return;
	conf->max_age_ns = 1000000000ull;
	conf->ewma_w = BUSY_EWMA_ONE;
	conf->max_step = 0;
}

size_t
busy_table_memsize(uint32_t n)
{
	if (n == 0 || n > BUSY_SELECT_MAX_BACKENDS)
		return 0;
	return sizeof(struct busy_table) +
	       (size_t)n * (sizeof(struct busy_entry) + sizeof(uint32_t));
}

/* The candidate cache follows the slots in the same allocation. */
static inline uint32_t *
busy_cand(struct busy_table *t)
{
	return (uint32_t *)(void *)(t->e + t->n);
}

int
busy_table_init(struct busy_table *t, uint32_t n, const struct busy_conf *conf)
{
	if (t == NULL || conf == NULL || n == 0 ||
	    n > BUSY_SELECT_MAX_BACKENDS || conf->ewma_w > BUSY_EWMA_ONE)
		return -EINVAL;
	memset(t, 0, busy_table_memsize(n));
	t->conf = *conf;
	if (t->conf.ewma_w == 0)
		t->conf.ewma_w = BUSY_EWMA_ONE;
	t->n = n;
	/* memset left every slot SELECT_BACKEND_ACTIVE (0) and unknown. */
	return 0;
}

static inline uint64_t
busy_age(const struct busy_entry *e, uint64_t now_ns)
{
	/* A clock that went backwards makes the score look new, not old. */
	return now_ns > e->updated_ns ? now_ns - e->updated_ns : 0;
}

static inline int
busy_fresh(const struct busy_table *t, const struct busy_entry *e,
	   uint64_t now_ns)
{
	return e->known &&
	       (t->conf.max_age_ns == 0 ||
		busy_age(e, now_ns) <= t->conf.max_age_ns);
}

/* First now_ns at which a score updated at @p updated_ns is stale. */
static inline uint64_t
busy_stale_at(const struct busy_table *t, uint64_t updated_ns)
{
	uint64_t age = t->conf.max_age_ns;

	if (age == 0 || updated_ns >= UINT64_MAX - age)
		return UINT64_MAX;
	return updated_ns + age + 1;
}

static inline uint32_t
busy_key(const struct busy_table *t, const struct busy_entry *e,
	 uint64_t now_ns)
{
	if (e->state != SELECT_BACKEND_ACTIVE)
		return BUSY_KEY_NONE;
	return busy_fresh(t, e, now_ns) ? e->score : BUSY_KEY_UNKNOWN;
}

int
busy_table_set_state(struct busy_table *t, uint32_t idx,
		     enum select_backend_state state)
{
	struct busy_entry *e;

	if (t == NULL || idx >= t->n || (unsigned int)state >
	    (unsigned int)SELECT_BACKEND_REMOVED)
		return -EINVAL;
	e = &t->e[idx];
	if (e->state == (uint8_t)state)
		return 0;
	/* A backend that leaves or comes back has no score worth keeping. */
	if (e->state == SELECT_BACKEND_REMOVED ||
	    state == SELECT_BACKEND_REMOVED) {
		e->known = 0;
		e->acc = 0;
		e->score = 0;
		e->updated_ns = 0;
	}
	e->state = (uint8_t)state;
	t->cache_valid = 0;
	return 0;
}

/* Clamp to 0..65535 and return the sample in Q16. */
static inline uint32_t
busy_clamp_q16(struct busy_table *t, int64_t sample)
{
	if (sample < 0) {
		t->n_clamped++;
		sample = 0;
	} else if (sample > (int64_t)BUSY_SCORE_MAX) {
		t->n_clamped++;
		sample = BUSY_SCORE_MAX;
	}
	return (uint32_t)sample << 16;
}

int
busy_select_update(struct busy_table *t, uint32_t idx, int64_t sample,
		   uint64_t now_ns)
{
	struct busy_entry *e;
	uint32_t target;
	uint16_t old_score;
	int old_fresh;

	if (t == NULL)
		return -EINVAL;
	if (idx >= t->n) {
		t->n_rejected++;
		return -EINVAL;
	}
	e = &t->e[idx];
	if (e->state == SELECT_BACKEND_REMOVED) {
		t->n_rejected++;
		return -ENOENT;
	}
	old_fresh = busy_fresh(t, e, now_ns);
	old_score = e->score;
	target = busy_clamp_q16(t, sample);
	if (!old_fresh) {
		/* Nothing trustworthy to smooth against: take the sample. */
		e->acc = target;
		t->n_seeded++;
	} else {
		int64_t diff = (int64_t)target - (int64_t)e->acc;
		int64_t move = diff * (int64_t)t->conf.ewma_w;
		int64_t lim = (int64_t)t->conf.max_step << 16;

		/* EWMA in Q16, rounded half away from zero; |move| <= |diff|
		 * so acc stays within 0..65535 << 16. */
		move = (move >= 0 ? move + 32768 : move - 32768) / 65536;
		/* Step limit after smoothing: a bound on one answer's pull. */
		if (lim != 0 && (move > lim || move < -lim)) {
			move = move > 0 ? lim : -lim;
			t->n_step_limited++;
		}
		e->acc = (uint32_t)((int64_t)e->acc + move);
	}
	e->score = (uint16_t)((e->acc + 0x8000u) >> 16);
	e->updated_ns = now_ns;
	e->known = 1;
	t->n_updates++;

	if (!t->cache_valid || e->state != SELECT_BACKEND_ACTIVE)
		return 0;
	if (now_ns < t->cache_built_ns || now_ns >= t->cache_expire_ns) {
		t->cache_valid = 0;
		return 0;
	}
	/* Keep the cache only when the candidate set cannot have changed:
	 * a non-candidate that stays worse than the best, or a fresh
	 * candidate that stays at the best. */
	if (old_fresh && t->cache_has_known &&
	    ((old_score != t->cache_best && e->score > t->cache_best) ||
	     (old_score == t->cache_best && e->score == t->cache_best))) {
		uint64_t exp = busy_stale_at(t, now_ns);

		if (exp < t->cache_expire_ns)
			t->cache_expire_ns = exp;
		return 0;
	}
	t->cache_valid = 0;
	return 0;
}

int
busy_select_score(const struct busy_table *t, uint32_t idx, uint64_t now_ns,
		  uint16_t *score)
{
	if (t == NULL || idx >= t->n)
		return -EINVAL;
	if (score != NULL)
		*score = t->e[idx].score;
	return busy_fresh(t, &t->e[idx], now_ns);
}

uint32_t
busy_select_pick(const struct busy_table *t, uint64_t now_ns, struct rng *r)
{
	uint32_t i, min = BUSY_KEY_UNKNOWN, n_min = 0, n_unk = 0, ties, k;

	if (t == NULL || r == NULL)
		return BUSY_SELECT_NONE;
	/* Pass 1: lowest fresh score, how many hold it, how many unknown.
	 * While no fresh score was seen, min is KEY_UNKNOWN and n_min
	 * counts the unknown ones too. */
	for (i = 0; i < t->n; i++) {
		uint32_t key = busy_key(t, &t->e[i], now_ns);

		n_unk += key == BUSY_KEY_UNKNOWN;
		if (key < min) {
			min = key;
			n_min = 1;
		} else {
			n_min += key == min;
		}
	}
	ties = min == BUSY_KEY_UNKNOWN ? n_unk : n_min + n_unk;
	if (ties == 0)
		return BUSY_SELECT_NONE;
	/* Pass 2: the k-th tie in index order, one uniform draw (paper §3:
	 * equal scores are chosen at random). */
	k = rng_below(r, ties);
	for (i = 0; i < t->n; i++) {
		uint32_t key = busy_key(t, &t->e[i], now_ns);

		if (key == min || key == BUSY_KEY_UNKNOWN) {
			if (k == 0)
				return i;
			k--;
		}
	}
	return BUSY_SELECT_NONE; /* not reached */
}

static void
busy_cache_rebuild(struct busy_table *t, uint64_t now_ns)
{
	uint32_t *cand = busy_cand(t);
	uint32_t i, min = BUSY_KEY_UNKNOWN, n = 0;
	uint64_t expire = UINT64_MAX;

	for (i = 0; i < t->n; i++) {
		const struct busy_entry *e = &t->e[i];
		uint32_t key = busy_key(t, e, now_ns);

		if (key < min)
			min = key;
		if (key < BUSY_KEY_UNKNOWN) {
			uint64_t s = busy_stale_at(t, e->updated_ns);

			if (s < expire)
				expire = s;
		}
	}
	for (i = 0; i < t->n; i++) {
		uint32_t key = busy_key(t, &t->e[i], now_ns);

		if (key == min || key == BUSY_KEY_UNKNOWN)
			cand[n++] = i;
	}
	t->cache_n = n;
	t->cache_has_known = min < BUSY_KEY_UNKNOWN;
	t->cache_best = min < BUSY_KEY_UNKNOWN ? min : 0;
	t->cache_built_ns = now_ns;
	t->cache_expire_ns = expire;
	t->cache_valid = 1;
	t->n_rebuilds++;
}

uint32_t
busy_select_pick_cached(struct busy_table *t, uint64_t now_ns, struct rng *r)
{
	if (t == NULL || r == NULL)
		return BUSY_SELECT_NONE;
	if (!t->cache_valid || now_ns < t->cache_built_ns ||
	    now_ns >= t->cache_expire_ns)
		busy_cache_rebuild(t, now_ns);
	if (t->cache_n == 0)
		return BUSY_SELECT_NONE;
	return busy_cand(t)[rng_below(r, t->cache_n)];
}

uint32_t
busy_select_pick_among(const struct busy_table *t, uint64_t now_ns,
		       const uint16_t *cand, uint32_t n, struct rng *r)
{
	uint32_t tie[BUSY_SELECT_MAX_CANDIDATES];
	uint32_t i, j, min = BUSY_KEY_UNKNOWN, nt = 0;

	if (t == NULL || r == NULL || cand == NULL || n == 0 ||
	    n > BUSY_SELECT_MAX_CANDIDATES)
		return BUSY_SELECT_NONE;
	/* Pass 1: lowest fresh score among the candidates (inactive ones
	 * have BUSY_KEY_NONE and never lower it). */
	for (i = 0; i < n; i++) {
		uint32_t key;

		if (cand[i] >= t->n)
			continue;
		key = busy_key(t, &t->e[cand[i]], now_ns);
		if (key < min)
			min = key;
	}
	/* Pass 2: the ties (that score, or unknown), kept sorted by index
	 * and without repeats, so that the k-th tie is the one
	 * busy_select_pick() would take from the same set. */
	for (i = 0; i < n; i++) {
		uint32_t c = cand[i], key;

		if (c >= t->n)
			continue;
		key = busy_key(t, &t->e[c], now_ns);
		if (key != min && key != BUSY_KEY_UNKNOWN)
			continue;
		for (j = nt; j > 0 && tie[j - 1] > c; j--)
			;
		if (j > 0 && tie[j - 1] == c)
			continue;
		memmove(&tie[j + 1], &tie[j], (nt - j) * sizeof(tie[0]));
		tie[j] = c;
		nt++;
	}
	if (nt == 0)
		return BUSY_SELECT_NONE;
	/* Dynamic DSR §3: equal scores are chosen at random. */
	return tie[rng_below(r, nt)];
}

uint32_t
busy_select_pick2(const struct busy_table *t, uint64_t now_ns, uint32_t first,
		  uint32_t second)
{
	int ok0, ok1;

	if (t == NULL)
		return BUSY_SELECT_NONE;
	ok0 = first < t->n && t->e[first].state == SELECT_BACKEND_ACTIVE;
	ok1 = second < t->n && t->e[second].state == SELECT_BACKEND_ACTIVE;
	if (!ok0)
		return ok1 ? second : BUSY_SELECT_NONE;
	if (!ok1)
		return first;
	/* Ties and unknown scores keep the first hashing choice, so that
	 * the flow-to-backend map moves only on clear evidence (6LB §III
	 * resiliency of the consistent-hash order). */
	if (!busy_fresh(t, &t->e[first], now_ns) ||
	    !busy_fresh(t, &t->e[second], now_ns))
		return first;
	return t->e[second].score < t->e[first].score ? second : first;
}
