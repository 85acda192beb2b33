/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/chash.h"
#include "dsrlb/flow_hash.h"

/* Seed tweaks of the two permutation hashes ("chashoff", "chashski"):
 * offset and skip come from two different hash functions of the key, as
 * Maglev §3.4 asks (h1, h2). */
#define CHASH_TWEAK_OFFSET UINT64_C(0x63686173686f6666)
#define CHASH_TWEAK_SKIP   UINT64_C(0x6368617368736b69)
#define CHASH_TWEAK_DIGEST UINT64_C(0x6368617368646967)

/* Entries start on a cache line: with C = 1, 2, 4 or 8 no bucket
 * straddles two lines. */
#define CHASH_ALIGN        64u

/* The build counts the filled places of a bucket in a byte. */
_Static_assert(CHASH_C_MAX <= UINT8_MAX, "fill counters are uint8_t");

struct chash_sortkey {
	uint8_t key[CHASH_KEY_MAX];
	uint8_t key_len;
	uint16_t idx;
};

/* Build state of one active backend: its position in its permutation. */
struct chash_walker {
	uint32_t pos;    /* bucket at index next of the permutation */
	uint32_t skip;
	uint32_t next;   /* Alg. 3 nextIndex[i] */
	uint32_t credit; /* weighted turns, < 2 * CHASH_WEIGHT_MAX */
	uint16_t weight;
	uint16_t idx;
};

int
chash_is_prime(uint32_t m)
{
	uint64_t d;

	if (m < 2)
		return 0;
	if (m % 2 == 0)
		return m == 2;
	for (d = 3; d * d <= m; d += 2)
		if (m % d == 0)
			return 0;
	return 1;
}

/* Key order: shorter keys first (IPv4 before IPv6), then bytes. */
static int
chash_key_cmp(const uint8_t *ka, unsigned int la, const uint8_t *kb,
	      unsigned int lb)
{
	if (la != lb)
		return la < lb ? -1 : 1;
	return memcmp(ka, kb, la);
}

static int
chash_sortkey_cmp(const void *pa, const void *pb)
{
	const struct chash_sortkey *a = pa, *b = pb;

	return chash_key_cmp(a->key, a->key_len, b->key, b->key_len);
}

static int
chash_validate(const struct chash_config *cfg, uint32_t m, uint32_t c,
	       const struct chash_backend *backends, uint32_t n,
	       uint32_t *n_active)
{
	uint32_t i, act = 0;

	if (m < CHASH_M_MIN || m > CHASH_M_MAX || !chash_is_prime(m))
		return -EINVAL;
	if (c < 1 || c > CHASH_C_MAX)
		return -EINVAL;
	if (n > CHASH_MAX_BACKENDS || (n > 0 && backends == NULL))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		const struct chash_backend *b = &backends[i];

		if (b->key_len < 1 || b->key_len > CHASH_KEY_MAX ||
		    b->weight > CHASH_WEIGHT_MAX)
			return -EINVAL;
		if (b->weight > 0)
			act++;
		if (cfg->perm != NULL && (cfg->perm[i].offset >= m ||
		    cfg->perm[i].skip < 1 || cfg->perm[i].skip >= m))
			return -EINVAL;
	}
	/* Maglev's N <= M: every active backend places in round one. */
	if (act > m)
		return -EINVAL;
	*n_active = act;
	return 0;
}

/* Sort the slots by key into order[]; -EEXIST on a duplicate key. */
static int
chash_sort(const struct chash_backend *backends, uint32_t n, uint16_t *order)
{
	struct chash_sortkey *sk;
	uint32_t i;
	int rc = 0;

	if (n == 0)
		return 0;
	sk = malloc((size_t)n * sizeof(*sk));
	if (sk == NULL)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		memcpy(sk[i].key, backends[i].key, CHASH_KEY_MAX);
		sk[i].key_len = backends[i].key_len;
		sk[i].idx = (uint16_t)i;
	}
	qsort(sk, n, sizeof(*sk), chash_sortkey_cmp);
	for (i = 0; i < n; i++) {
		if (i > 0 && chash_sortkey_cmp(&sk[i - 1], &sk[i]) == 0) {
			rc = -EEXIST;
			break;
		}
		order[i] = sk[i].idx;
	}
	free(sk);
	return rc;
}

/*
 * 6LB (ToN'18) Alg. 3, with weighted turns. Each round, every active
 * backend (in key order) gains its weight in credit and, once the credit
 * reaches W (the largest weight), pays W and takes a turn: it advances in
 * its permutation past full buckets ("skip buckets for which the SR list
 * is already filled") and appends itself to the first bucket with room.
 * Equal weights: one turn per backend per round, i.e. Alg. 3 as printed
 * (and Maglev's populate loop for C = 1).
 *
 * Terminates: a bucket with room lacks some active backend (C_eff <=
 * n_active); that backend has not exhausted its permutation (it would
 * have filled the bucket on the way) and takes a turn within W rounds.
 */
static int
chash_populate(struct chash_table *t, struct chash_member *mem,
	       uint16_t *entries)
{
	const uint32_t m = t->m, c = t->c;
	const uint64_t total = (uint64_t)m * c;
	struct chash_walker *w;
	uint8_t *fill;
	uint64_t placed = 0, steps = 0;
	uint32_t i, k = 0, wmax = 0, rounds = 0;

	w = malloc((size_t)t->n_active * sizeof(*w));
	fill = calloc(m, 1);
	if (w == NULL || fill == NULL) {
		free(w);
		free(fill);
		return -ENOMEM;
	}
	for (i = 0; i < t->n; i++) {
		const struct chash_member *b = &mem[t->order[i]];

		if (b->weight == 0)
			continue;
		w[k].pos = b->offset;
		w[k].skip = b->skip;
		w[k].next = 0;
		w[k].credit = 0;
		w[k].weight = b->weight;
		w[k].idx = t->order[i];
		if (b->weight > wmax)
			wmax = b->weight;
		k++;
	}

	while (placed < total) {
		rounds++;
		for (i = 0; i < k && placed < total; i++) {
			struct chash_walker *cur = &w[i];
			uint32_t pos = cur->pos;

			cur->credit += cur->weight;
			if (cur->credit < wmax)
				continue;
			cur->credit -= wmax;
			if (cur->next == m) /* permutation exhausted */
				continue;
			steps++;
			while (fill[pos] == c) {
				cur->next++;
				pos += cur->skip;
				if (pos >= m)
					pos -= m;
				if (cur->next == m)
					break;
				steps++;
			}
			if (cur->next < m) {
				/* first free position of the list */
				entries[(size_t)pos * c + fill[pos]] = cur->idx;
				if (fill[pos] == 0)
					mem[cur->idx].owned_first++;
				mem[cur->idx].owned_any++;
				fill[pos]++;
				placed++;
				cur->next++;
				pos += cur->skip;
				if (pos >= m)
					pos -= m;
			}
			cur->pos = pos;
		}
	}
	t->rounds = rounds;
	t->steps = steps;
	free(w);
	free(fill);
	return 0;
}

int
chash_build(struct chash_table **out, const struct chash_config *cfg,
	    const struct chash_backend *backends, uint32_t n)
{
	static const struct chash_config defaults;
	struct chash_table *t;
	struct chash_member *mem;
	uint16_t *order, *entries;
	uint32_t m, c, c_eff, n_active = 0, i;
	size_t off_mem, off_order, off_entries, size;
	int rc;

	if (out == NULL)
		return -EINVAL;
	if (cfg == NULL)
		cfg = &defaults;
	m = cfg->m != 0 ? cfg->m : CHASH_M_DEFAULT;
	c = cfg->c != 0 ? cfg->c : CHASH_C_DEFAULT;
	rc = chash_validate(cfg, m, c, backends, n, &n_active);
	if (rc != 0)
		return rc;
	c_eff = n_active < c ? n_active : c;

	/* One allocation: header, members, order, then aligned entries. */
	off_mem = (sizeof(*t) + 7) & ~(size_t)7;
	off_order = off_mem + (size_t)n * sizeof(*mem);
	off_entries = off_order + (size_t)n * sizeof(*order);
	off_entries = (off_entries + CHASH_ALIGN - 1) &
		      ~(size_t)(CHASH_ALIGN - 1);
	/* An empty table keeps one bucket of CHASH_NO_BACKEND, so that a
	 * caller that reads an entry without checking t->c reads no slot. */
	size = off_entries + (size_t)m * c_eff * sizeof(*entries) +
	       (c_eff == 0 ? CHASH_C_MAX * sizeof(*entries) : 0);
	size = (size + CHASH_ALIGN - 1) & ~(size_t)(CHASH_ALIGN - 1);
	t = aligned_alloc(CHASH_ALIGN, size);
	if (t == NULL)
		return -ENOMEM;
	memset(t, 0, size);
	mem = (struct chash_member *)((uint8_t *)t + off_mem);
	order = (uint16_t *)((uint8_t *)t + off_order);
	entries = (uint16_t *)((uint8_t *)t + off_entries);

	rc = chash_sort(backends, n, order);
	if (rc != 0) {
		free(t);
		return rc;
	}
	t->m = m;
	t->c = c_eff;
	t->c_conf = c;
	t->n = n;
	t->n_active = n_active;
	t->seed = cfg->seed;
	t->refs = 1;
	/* Lemire et al. 2019: ceil(2^64 / m), m not a power of two. */
	t->m_magic = UINT64_MAX / m + 1;
	t->entries = entries;
	t->members = mem;
	t->order = order;

	for (i = 0; i < n; i++) {
		const struct chash_backend *b = &backends[i];

		memcpy(mem[i].key, b->key, CHASH_KEY_MAX);
		mem[i].key_len = b->key_len;
		mem[i].weight = b->weight;
		if (cfg->perm != NULL) {
			mem[i].offset = cfg->perm[i].offset;
			mem[i].skip = cfg->perm[i].skip;
		} else {
			/* Maglev §3.4: offset = h1 mod M, skip = h2 mod
			 * (M - 1) + 1; M prime, so skip generates Z_M. */
			mem[i].offset = (uint32_t)(flow_hash_bytes(
				cfg->seed ^ CHASH_TWEAK_OFFSET, b->key,
				b->key_len) % m);
			mem[i].skip = (uint32_t)(flow_hash_bytes(
				cfg->seed ^ CHASH_TWEAK_SKIP, b->key,
				b->key_len) % (m - 1)) + 1;
		}
	}

	if (c_eff == 0) {
		for (i = 0; i < CHASH_C_MAX; i++)
			entries[i] = CHASH_NO_BACKEND;
	} else {
		rc = chash_populate(t, mem, entries);
		if (rc != 0) {
			free(t);
			return rc;
		}
	}
	*out = t;
	return 0;
}

void
chash_free(struct chash_table *t)
{
	if (t != NULL && t->refs > 1) {
		t->refs--;
		return;
	}
	free(t);
}

struct chash_table *
chash_ref(struct chash_table *t)
{
	if (t != NULL)
		t->refs++;
	return t;
}

void
chash_lookup_bulk(const struct chash_table *t, const uint32_t *hashes,
		  const uint16_t **lists, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		lists[i] = chash_lookup(t, hashes[i]);
#if defined(__GNUC__)
		__builtin_prefetch(lists[i], 0, 3);
#endif
	}
}

int
chash_disruption(const struct chash_table *before,
		 const struct chash_table *after, uint64_t *failures,
		 uint64_t *entries)
{
	const struct chash_member *mb, *ma;
	uint16_t *map;
	uint64_t fail = 0, ent = 0;
	uint32_t ib = 0, ia = 0, j, k, l;

	if (before == NULL || after == NULL || before->m != after->m)
		return -EINVAL;
	map = malloc(((size_t)before->n + 1) * sizeof(*map));
	if (map == NULL)
		return -ENOMEM;
	/* Merge-join of the two key orders: before slot -> after slot
	 * holding the same key with a nonzero weight (else removed). */
	for (j = 0; j < before->n; j++)
		map[j] = CHASH_NO_BACKEND;
	while (ib < before->n && ia < after->n) {
		int cmp;

		mb = &before->members[before->order[ib]];
		ma = &after->members[after->order[ia]];
		cmp = chash_key_cmp(mb->key, mb->key_len, ma->key,
				    ma->key_len);
		if (cmp < 0) {
			ib++;
		} else if (cmp > 0) {
			ia++;
		} else {
			if (ma->weight > 0)
				map[before->order[ib]] = after->order[ia];
			ib++;
			ia++;
		}
	}
	/* 6LB §III-B1: one failure per non-removed backend in the list
	 * before the recomputation but not after. */
	for (j = 0; j < before->m; j++) {
		const uint16_t *lb = before->entries + (size_t)j * before->c;
		const uint16_t *la = after->entries + (size_t)j * after->c;

		for (k = 0; k < before->c; k++) {
			uint16_t a = map[lb[k]];

			if (a == CHASH_NO_BACKEND)
				continue;
			ent++;
			for (l = 0; l < after->c; l++)
				if (la[l] == a)
					break;
			if (l == after->c)
				fail++;
		}
	}
	free(map);
	if (failures != NULL)
		*failures = fail;
	if (entries != NULL)
		*entries = ent;
	return 0;
}

uint64_t
chash_digest(const struct chash_table *t)
{
	uint8_t hdr[8];
	uint64_t d;
	size_t j, total = (size_t)t->m * t->c;

	hdr[0] = (uint8_t)t->m;
	hdr[1] = (uint8_t)(t->m >> 8);
	hdr[2] = (uint8_t)(t->m >> 16);
	hdr[3] = (uint8_t)(t->m >> 24);
	hdr[4] = (uint8_t)t->c;
	hdr[5] = hdr[6] = hdr[7] = 0;
	d = flow_hash_bytes(CHASH_TWEAK_DIGEST, hdr, sizeof(hdr));
	/* Chain the keys: the digest depends on their order. */
	for (j = 0; j < total; j++) {
		const struct chash_member *b = &t->members[t->entries[j]];

		d = flow_hash_bytes(d, b->key, b->key_len);
	}
	return d;
}
