/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/chash.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/rng.h"

/* The resiliency experiment runs fewer k values under a sanitizer. */
#if defined(__SANITIZE_ADDRESS__)
#define TEST_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_SANITIZED 1
#endif
#endif

/* Backend i: 2001:db8::i (IPv6 key), so key order is index order. */
static void
key6(struct chash_backend *b, uint32_t i, uint16_t weight)
{
	memset(b, 0, sizeof(*b));
	b->key[0] = 0x20;
	b->key[1] = 0x01;
	b->key[2] = 0x0d;
	b->key[3] = 0xb8;
	b->key[12] = (uint8_t)(i >> 24);
	b->key[13] = (uint8_t)(i >> 16);
	b->key[14] = (uint8_t)(i >> 8);
	b->key[15] = (uint8_t)i;
	b->key_len = 16;
	b->weight = weight;
}

static struct chash_backend *
make_backends(uint32_t n, uint16_t weight)
{
	struct chash_backend *b = calloc(n > 0 ? n : 1, sizeof(*b));
	uint32_t i;

	assert_non_null(b);
	for (i = 0; i < n; i++)
		key6(&b[i], i, weight);
	return b;
}

static void
test_is_prime(void **state)
{
	(void)state;
	assert_int_equal(chash_is_prime(0), 0);
	assert_int_equal(chash_is_prime(1), 0);
	assert_int_equal(chash_is_prime(2), 1);
	assert_int_equal(chash_is_prime(7), 1);
	assert_int_equal(chash_is_prime(9), 0);
	assert_int_equal(chash_is_prime(65536), 0);
	assert_int_equal(chash_is_prime(65537), 1);
	assert_int_equal(chash_is_prime(65539), 1);
	assert_int_equal(chash_is_prime(65541), 0); /* 3 * 21847 */
	assert_int_equal(chash_is_prime(CHASH_M_MAX), 1);
	assert_int_equal(chash_is_prime(16777215), 0);
	assert_int_equal(chash_is_prime(4294967291u), 1);
}

static void
test_validation(void **state)
{
	struct chash_table *sentinel = (struct chash_table *)(uintptr_t)0x1;
	struct chash_table *t = sentinel;
	struct chash_backend *b = make_backends(8, 1);
	struct chash_config cfg = { .m = 65537, .c = 2 };
	struct chash_perm perm[8];
	uint32_t i;

	(void)state;
	assert_int_equal(chash_build(NULL, &cfg, b, 8), -EINVAL);
	cfg.m = 65536;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	cfg.m = 5;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	cfg.m = 16777259; /* prime above CHASH_M_MAX */
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	cfg.m = 7; /* 8 active backends > M */
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	cfg.m = 65537;
	cfg.c = CHASH_C_MAX + 1;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	cfg.c = 2;
	assert_int_equal(chash_build(&t, &cfg, NULL, 8), -EINVAL);
	assert_int_equal(chash_build(&t, &cfg, b, CHASH_MAX_BACKENDS + 1),
			 -EINVAL);
	b[3].key_len = 0;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	b[3].key_len = 17;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	b[3].key_len = 16;
	b[5].weight = CHASH_WEIGHT_MAX + 1;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	b[5].weight = 1;
	/* Same key twice, even with weight 0. */
	key6(&b[6], 2, 0);
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EEXIST);
	key6(&b[6], 6, 1);
	/* Test hook out of range. */
	for (i = 0; i < 8; i++) {
		perm[i].offset = i;
		perm[i].skip = 1;
	}
	cfg.perm = perm;
	perm[4].skip = 0;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	perm[4].skip = 65537;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	perm[4].skip = 1;
	perm[4].offset = 65537;
	assert_int_equal(chash_build(&t, &cfg, b, 8), -EINVAL);
	/* Every error left the output alone. */
	assert_ptr_equal(t, sentinel);

	perm[4].offset = 4;
	assert_int_equal(chash_build(&t, &cfg, b, 8), 0);
	assert_int_equal(t->m, 65537);
	assert_int_equal(t->c, 2);
	chash_free(t);
	/* Zeroed / NULL config: M = 65537, C = 2. */
	assert_int_equal(chash_build(&t, NULL, b, 8), 0);
	assert_int_equal(t->m, CHASH_M_DEFAULT);
	assert_int_equal(t->c, CHASH_C_DEFAULT);
	chash_free(t);
	chash_free(NULL);
	free(b);
}

/* 6LB figure 6: M = 7, N = 4, C = 2 and the permutations of the figure,
 * p[0] = 4 5 6 0 1 2 3, p[1] = 1 3 5 0 2 4 6, p[2] = 5 3 1 6 4 2 0,
 * p[3] = 6 0 1 2 3 4 5. */
static const struct chash_perm fig6_perm[4] = {
	{ 4, 1 }, { 1, 2 }, { 5, 5 }, { 6, 1 },
};

static void
assert_table(const struct chash_table *t, const uint16_t *want)
{
	assert_memory_equal(t->entries, want,
			    (size_t)t->m * t->c * sizeof(uint16_t));
}

static void
test_figure6a(void **state)
{
	/* t = (3,1) (1,2) (3,0) (1,2) (0,1) (2,0) (3,0) */
	static const uint16_t want[14] = {
		3, 1, 1, 2, 3, 0, 1, 2, 0, 1, 2, 0, 3, 0,
	};
	struct chash_config cfg = { .m = 7, .c = 2, .perm = fig6_perm };
	struct chash_backend *b = make_backends(4, 1);
	struct chash_table *t = NULL;

	(void)state;
	assert_int_equal(chash_build(&t, &cfg, b, 4), 0);
	assert_table(t, want);
	/* Steps 0..13 of the figure in 4 rounds; 19 positions visited (5
	 * skips: bucket 5 by p[1] at step 9, 1 by p[3], 0 and 1 by p[0],
	 * 2 by p[1]). */
	assert_int_equal(t->rounds, 4);
	assert_int_equal(t->steps, 19);
	assert_int_equal(t->members[0].owned_first, 1);
	assert_int_equal(t->members[0].owned_any, 4);
	assert_int_equal(t->members[1].owned_first, 2);
	assert_int_equal(t->members[1].owned_any, 4);
	assert_int_equal(t->members[2].owned_first, 1);
	assert_int_equal(t->members[2].owned_any, 3);
	assert_int_equal(t->members[3].owned_first, 3);
	assert_int_equal(t->members[3].owned_any, 3);
	/* Lookups: bucket = hash % 7. */
	assert_int_equal(chash_lookup(t, 3)[0], 1);
	assert_int_equal(chash_lookup(t, 3)[1], 2);
	assert_int_equal(chash_lookup(t, 7 * 1000 + 4)[0], 0);
	assert_int_equal(chash_lookup(t, 7 * 1000 + 4)[1], 1);
	chash_free(t);
	free(b);
}

static void
test_figure6b(void **state)
{
	/* After removing instance 0: (3,1) (1,2) (3,1) (1,2) (3,2) (2,1)
	 * (3,2), slots kept (instance 0 drained, weight 0). */
	static const uint16_t want_drained[14] = {
		3, 1, 1, 2, 3, 1, 1, 2, 3, 2, 2, 1, 3, 2,
	};
	/* Same, with instance 0 gone and the slots renumbered 1->0 ... */
	static const uint16_t want_removed[14] = {
		2, 0, 0, 1, 2, 0, 0, 1, 2, 1, 1, 0, 2, 1,
	};
	struct chash_config cfg = { .m = 7, .c = 2, .perm = fig6_perm };
	struct chash_backend *b = make_backends(4, 1);
	struct chash_table *before = NULL, *drained = NULL, *removed = NULL;
	uint64_t fail = 99, ent = 99;

	(void)state;
	assert_int_equal(chash_build(&before, &cfg, b, 4), 0);
	b[0].weight = 0;
	assert_int_equal(chash_build(&drained, &cfg, b, 4), 0);
	assert_table(drained, want_drained);
	assert_int_equal(drained->n_active, 3);
	assert_int_equal(drained->members[0].owned_any, 0);
	cfg.perm = fig6_perm + 1;
	assert_int_equal(chash_build(&removed, &cfg, b + 1, 3), 0);
	assert_table(removed, want_removed);

	/* §III-B1: the only failure is instance 1 in bucket 4; 10
	 * non-removed entries: 10 %. */
	assert_int_equal(chash_disruption(before, drained, &fail, &ent), 0);
	assert_int_equal(fail, 1);
	assert_int_equal(ent, 10);
	assert_int_equal(chash_disruption(before, removed, &fail, &ent), 0);
	assert_int_equal(fail, 1);
	assert_int_equal(ent, 10);
	assert_int_equal(chash_digest(drained), chash_digest(removed));
	assert_true(chash_digest(drained) != chash_digest(before));
	/* No change, no failure; different M refused. */
	assert_int_equal(chash_disruption(before, before, &fail, &ent), 0);
	assert_int_equal(fail, 0);
	assert_int_equal(ent, 14);
	chash_free(drained);
	cfg.m = 11;
	cfg.perm = NULL;
	assert_int_equal(chash_build(&drained, &cfg, b, 4), 0);
	assert_int_equal(chash_disruption(before, drained, &fail, &ent),
			 -EINVAL);
	chash_free(drained);
	chash_free(removed);
	chash_free(before);
	free(b);
}

/* Algorithm 3 as printed (full permutation matrix, t = -1), backends in
 * index order, equal weights: the reference the library must match. */
static void
ref_alg3(const struct chash_perm *perm, uint32_t n, uint32_t m, uint32_t c,
	 int32_t *t)
{
	uint32_t *p = malloc((size_t)n * m * sizeof(*p));
	uint32_t *next = calloc(n, sizeof(*next));
	uint64_t placed = 0;
	uint32_t i, j;

	assert_non_null(p);
	assert_non_null(next);
	for (i = 0; i < n; i++)
		for (j = 0; j < m; j++)
			p[(size_t)i * m + j] = (uint32_t)((perm[i].offset +
				(uint64_t)j * perm[i].skip) % m);
	for (j = 0; j < m * c; j++)
		t[j] = -1;
	for (;;) {
		for (i = 0; i < n; i++) {
			uint32_t b, choice = 0;

			if (next[i] == m)
				continue;
			b = p[(size_t)i * m + next[i]];
			while (t[b * c + c - 1] >= 0) {
				next[i]++;
				if (next[i] == m)
					goto continue2;
				b = p[(size_t)i * m + next[i]];
			}
			while (t[b * c + choice] >= 0)
				choice++;
			t[b * c + choice] = (int32_t)i;
			next[i]++;
			if (++placed == (uint64_t)m * c)
				goto done;
continue2:
			;
		}
	}
done:
	free(p);
	free(next);
}

/* Maglev (NSDI'16) Populate(), written from its pseudo-code. */
static void
ref_maglev(const struct chash_perm *perm, uint32_t n, uint32_t m, int32_t *e)
{
	uint32_t *next = calloc(n, sizeof(*next));
	uint32_t i, filled = 0;

	assert_non_null(next);
	for (i = 0; i < m; i++)
		e[i] = -1;
	for (;;) {
		for (i = 0; i < n; i++) {
			uint32_t cb = (uint32_t)((perm[i].offset +
				(uint64_t)next[i] * perm[i].skip) % m);

			while (e[cb] >= 0) {
				next[i]++;
				cb = (uint32_t)((perm[i].offset +
					(uint64_t)next[i] * perm[i].skip) % m);
			}
			e[cb] = (int32_t)i;
			next[i]++;
			if (++filled == m) {
				free(next);
				return;
			}
		}
	}
}

static void
check_against_reference(uint32_t n, uint32_t m, uint32_t c, uint64_t seed,
			int maglev)
{
	struct chash_config cfg = { .m = m, .c = c };
	struct chash_backend *b = make_backends(n, 3);
	struct chash_perm *perm = calloc(n, sizeof(*perm));
	int32_t *ref = calloc((size_t)m * c, sizeof(*ref));
	struct chash_table *t = NULL;
	struct rng r;
	uint32_t i;

	assert_non_null(perm);
	assert_non_null(ref);
	rng_seed(&r, seed);
	for (i = 0; i < n; i++) {
		perm[i].offset = rng_below(&r, m);
		perm[i].skip = 1 + rng_below(&r, m - 1);
	}
	cfg.perm = perm;
	assert_int_equal(chash_build(&t, &cfg, b, n), 0);
	if (maglev)
		ref_maglev(perm, n, m, ref);
	else
		ref_alg3(perm, n, m, c, ref);
	for (i = 0; i < m * c; i++)
		assert_int_equal(t->entries[i], ref[i]);
	chash_free(t);
	free(ref);
	free(perm);
	free(b);
}

static void
test_matches_algorithm3_and_maglev(void **state)
{
	(void)state;
	/* C = 1 is Maglev's table, entry for entry. */
	check_against_reference(50, 1009, 1, 11, 1);
	check_against_reference(300, 4099, 1, 12, 1);
	/* Equal weights (3 each) are Algorithm 3 as printed. */
	check_against_reference(50, 1009, 2, 13, 0);
	check_against_reference(7, 11, 3, 14, 0);
	check_against_reference(4, 7, 4, 15, 0);
	check_against_reference(300, 4099, 2, 16, 0);
	/* C = CHASH_C_MAX (8, the power-of-d runs' largest d), and
	 * C = N = 8: every bucket lists every backend. */
	check_against_reference(40, 1009, CHASH_C_MAX, 17, 0);
	check_against_reference(8, 11, 8, 18, 0);
}

static void
check_balance(uint32_t n, uint32_t m, uint32_t c)
{
	struct chash_config cfg = { .m = m, .c = c, .seed = 0x5eed + c };
	struct chash_backend *b = make_backends(n, 1);
	struct chash_table *t = NULL;
	uint64_t sum_any = 0, sum_first = 0;
	uint32_t i, j, k, lo = UINT32_MAX, hi = 0;

	assert_int_equal(chash_build(&t, &cfg, b, n), 0);
	assert_int_equal(t->c, c);
	for (j = 0; j < m; j++) {
		const uint16_t *l = chash_lookup(t, j);

		for (k = 0; k < c; k++) {
			assert_true(l[k] < n);
			for (i = 0; i < k; i++)
				assert_int_not_equal(l[i], l[k]);
		}
	}
	for (i = 0; i < n; i++) {
		uint32_t a = t->members[i].owned_any;

		lo = a < lo ? a : lo;
		hi = a > hi ? a : hi;
		sum_any += a;
		sum_first += t->members[i].owned_first;
	}
	/* §III-B2: same number of entries, except one in the last round. */
	assert_true(hi - lo <= 1);
	assert_int_equal(lo, (uint64_t)m * c / n);
	assert_int_equal(sum_any, (uint64_t)m * c);
	assert_int_equal(sum_first, m);
	chash_free(t);
	free(b);
}

static void
test_distinct_and_balanced(void **state)
{
	(void)state;
	check_balance(1000, 65537, 1);
	check_balance(1000, 65537, 2);
	check_balance(100, 4099, 3);
	check_balance(100, 4099, 4);
	check_balance(4, 7, 4);
	check_balance(100, 4099, 8);
	check_balance(8, 11, 8);
}

static void
test_weights(void **state)
{
	struct chash_config cfg = { .m = 65537, .c = 2, .seed = 9 };
	struct chash_backend *b = make_backends(100, 1);
	struct chash_table *t = NULL, *t5 = NULL;
	uint32_t i, hlo = UINT32_MAX, hhi = 0, llo = UINT32_MAX, lhi = 0;

	(void)state;
	/* Equal weights of any value: the same table (Algorithm 3). */
	assert_int_equal(chash_build(&t, &cfg, b, 100), 0);
	for (i = 0; i < 100; i++)
		b[i].weight = 5;
	assert_int_equal(chash_build(&t5, &cfg, b, 100), 0);
	assert_table(t5, t->entries);
	chash_free(t);
	chash_free(t5);

	/* 2:1 (even slots weigh 2): every turn places one entry and the
	 * credits give heavy backends exactly two turns per two rounds and
	 * light ones one, so the counts are 2:1 within two entries. */
	for (i = 0; i < 100; i++)
		b[i].weight = (i % 2 == 0) ? 2 : 1;
	assert_int_equal(chash_build(&t, &cfg, b, 100), 0);
	for (i = 0; i < 100; i++) {
		uint32_t a = t->members[i].owned_any;

		if (i % 2 == 0) {
			hlo = a < hlo ? a : hlo;
			hhi = a > hhi ? a : hhi;
		} else {
			llo = a < llo ? a : llo;
			lhi = a > lhi ? a : lhi;
		}
	}
	printf("# weights 2:1: heavy %u..%u, light %u..%u entries\n",
		      hlo, hhi, llo, lhi);
	/* 131074 entries = 50 * 2x + 50 * x: x = 873.8 */
	assert_true(hhi - hlo <= 1 && lhi - llo <= 1);
	assert_true(hlo + 2 >= 2 * lhi && hhi <= 2 * llo + 2);
	assert_true(llo >= 873 && lhi <= 874);
	chash_free(t);

	/* A weight above the sum / C: the heavy backend ends in every
	 * bucket and exhausts its permutation; the build still ends, lists
	 * stay distinct, the two others share the remaining places. */
	b[0].weight = CHASH_WEIGHT_MAX;
	b[1].weight = 1;
	b[2].weight = 1;
	cfg.m = 7;
	assert_int_equal(chash_build(&t, &cfg, b, 3), 0);
	for (i = 0; i < 7; i++) {
		const uint16_t *l = chash_lookup(t, i);

		assert_true(l[0] != l[1] && l[0] < 3 && l[1] < 3);
	}
	assert_int_equal(t->members[0].owned_any, 7);
	assert_int_equal(t->members[1].owned_any + t->members[2].owned_any,
			 7);
	chash_free(t);
	free(b);
}

static void
test_order_independent(void **state)
{
	enum { N = 200 };
	struct chash_config cfg = { .m = 4099, .c = 2, .seed = 77 };
	struct chash_backend *b = make_backends(N, 1);
	struct chash_backend *s = calloc(N, sizeof(*s));
	struct chash_table *t1 = NULL, *t2 = NULL, *t3 = NULL;
	uint32_t perm[N], i, j;
	struct rng r;

	(void)state;
	assert_non_null(s);
	/* Mixed IPv4 and IPv6 keys and weights. */
	for (i = 0; i < N; i += 3) {
		memset(b[i].key, 0, CHASH_KEY_MAX);
		b[i].key[0] = 10;
		b[i].key[3] = (uint8_t)i;
		b[i].key_len = 4;
		b[i].weight = (uint16_t)(1 + i % 4);
	}
	rng_seed(&r, 5);
	for (i = 0; i < N; i++)
		perm[i] = i;
	for (i = N - 1; i > 0; i--) {
		uint32_t k = rng_below(&r, i + 1), x = perm[i];

		perm[i] = perm[k];
		perm[k] = x;
	}
	for (i = 0; i < N; i++)
		s[i] = b[perm[i]];
	assert_int_equal(chash_build(&t1, &cfg, b, N), 0);
	assert_int_equal(chash_build(&t2, &cfg, s, N), 0);
	assert_int_equal(chash_build(&t3, &cfg, b, N), 0);
	/* Same input order: byte-identical. */
	assert_table(t3, t1->entries);
	/* Shuffled: slot s[i] is b[perm[i]]; the table, read through the
	 * slot numbering, is identical, bucket by bucket, in order. */
	for (j = 0; j < cfg.m * 2; j++)
		assert_int_equal(perm[t2->entries[j]], t1->entries[j]);
	assert_int_equal(chash_digest(t1), chash_digest(t2));
	/* Key order: IPv4 (shorter) keys first. */
	assert_int_equal(t1->members[t1->order[0]].key_len, 4);
	assert_int_equal(t1->members[t1->order[N - 1]].key_len, 16);
	for (i = 0; i < N; i++)
		assert_int_equal(t1->members[t1->order[i]].skip,
				 t2->members[t2->order[i]].skip);
	chash_free(t2);
	/* A different seed is a different table. */
	cfg.seed = 78;
	assert_int_equal(chash_build(&t2, &cfg, b, N), 0);
	assert_true(chash_digest(t1) != chash_digest(t2));
	chash_free(t1);
	chash_free(t2);
	chash_free(t3);
	free(s);
	free(b);
}

static void
test_small_sets(void **state)
{
	struct chash_config cfg = { .m = 65537, .c = 2 };
	struct chash_backend *b = make_backends(3, 0);
	struct chash_table *t = NULL;
	const uint16_t *l;
	uint32_t j;

	(void)state;
	/* No backend: an empty table; lookups return no entry. */
	assert_int_equal(chash_build(&t, &cfg, NULL, 0), 0);
	assert_int_equal(t->c, 0);
	assert_int_equal(t->c_conf, 2);
	assert_int_equal(t->n_active, 0);
	assert_non_null(chash_lookup(t, 12345));
	for (j = 0; j < CHASH_C_MAX; j++)
		assert_int_equal(chash_lookup(t, 12345)[j], CHASH_NO_BACKEND);
	chash_free(t);
	/* All weights zero: the same. */
	assert_int_equal(chash_build(&t, &cfg, b, 3), 0);
	assert_int_equal(t->c, 0);
	assert_int_equal(t->n, 3);
	assert_int_equal(t->members[1].owned_any, 0);
	chash_free(t);
	/* One backend, C = 2: C_eff = 1, it owns every bucket. */
	b[1].weight = 7;
	assert_int_equal(chash_build(&t, &cfg, b, 3), 0);
	assert_int_equal(t->c, 1);
	for (j = 0; j < t->m; j++)
		assert_int_equal(chash_lookup(t, j)[0], 1);
	assert_int_equal(t->members[1].owned_first, 65537);
	chash_free(t);
	/* C = 4 > N = 3: C_eff = 3, every bucket lists all three. */
	b[0].weight = 1;
	b[1].weight = 1;
	b[2].weight = 1;
	cfg.c = 4;
	cfg.m = 7;
	assert_int_equal(chash_build(&t, &cfg, b, 3), 0);
	assert_int_equal(t->c, 3);
	for (j = 0; j < 7; j++) {
		l = chash_lookup(t, j);
		assert_int_equal((1u << l[0]) | (1u << l[1]) | (1u << l[2]),
				 7);
	}
	chash_free(t);
	free(b);
}

static void
test_bucket_reduction(void **state)
{
	static const uint32_t ms[] = { 7, 11, 4099, 65537, CHASH_M_MAX };
	struct chash_backend *b = make_backends(4, 1);
	uint32_t hashes[64];
	const uint16_t *lists[64];
	struct rng r;
	size_t i;
	int k;

	(void)state;
	rng_seed(&r, 8);
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct chash_config cfg = { .m = ms[i], .c = 1 };
		struct chash_table *t = NULL;
		uint32_t m = ms[i];
		const uint32_t edge[] = { 0, 1, m - 1, m, m + 1, 2 * m - 1,
					  UINT32_MAX, UINT32_MAX - 1,
					  UINT32_MAX / m * m,
					  UINT32_MAX / m * m - 1 };

		assert_int_equal(chash_build(&t, &cfg, b, 4), 0);
		for (k = 0; k < 10; k++)
			assert_int_equal(chash_bucket(t, edge[k]),
					 edge[k] % m);
		for (k = 0; k < 100000; k++) {
			uint32_t h = (uint32_t)rng_next(&r);

			assert_int_equal(chash_bucket(t, h), h % m);
		}
		for (k = 0; k < 64; k++)
			hashes[k] = (uint32_t)rng_next(&r);
		chash_lookup_bulk(t, hashes, lists, 64);
		for (k = 0; k < 64; k++)
			assert_ptr_equal(lists[k], chash_lookup(t, hashes[k]));
		chash_free(t);
	}
	free(b);
}

/*
 * 6LB §III-B1 / figure 7: N = 1000, M = 65537, k random backends removed
 * (drained), failure rate = failures / non-removed entries. The paper
 * averages 20 runs per k; we average REPS runs with a new seed each.
 */
static double
failure_rate(uint32_t c, uint32_t k, int reps, uint64_t seed)
{
	enum { N = 1000 };
	struct chash_backend *b = make_backends(N, 1);
	uint64_t fail_sum = 0, ent_sum = 0;
	struct rng r;
	int rep;

	rng_seed(&r, seed);
	for (rep = 0; rep < reps; rep++) {
		struct chash_config cfg = { .m = 65537, .c = c };
		struct chash_table *t0 = NULL, *t1 = NULL;
		uint64_t fail, ent;
		uint32_t i;

		cfg.seed = rng_next(&r);
		for (i = 0; i < N; i++)
			b[i].weight = 1;
		assert_int_equal(chash_build(&t0, &cfg, b, N), 0);
		for (i = 0; i < k; ) {
			uint32_t v = rng_below(&r, N);

			if (b[v].weight != 0) {
				b[v].weight = 0;
				i++;
			}
		}
		assert_int_equal(chash_build(&t1, &cfg, b, N), 0);
		assert_int_equal(chash_disruption(t0, t1, &fail, &ent), 0);
		fail_sum += fail;
		ent_sum += ent;
		chash_free(t0);
		chash_free(t1);
	}
	free(b);
	return (double)fail_sum / (double)ent_sum;
}

static void
test_resiliency(void **state)
{
#ifdef TEST_SANITIZED
	static const uint32_t ks[] = { 1, 8 };
	const int reps = 2;
#else
	static const uint32_t ks[] = { 1, 2, 4, 8, 16 };
	const int reps = 10;
#endif
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		double f1 = failure_rate(1, ks[i], reps, 100 + ks[i]);
		double f2 = failure_rate(2, ks[i], reps, 100 + ks[i]);

		printf("# k=%2u  C=1 %.4f%%  C=2 %.4f%%  fewer %.1f%%\n",
			      ks[i], 100 * f1, 100 * f2,
			      100 * (1 - f2 / f1));
		/* Maglev: small disruption, a few % at most. */
		assert_true(f1 > 0 && f1 < 0.03);
		assert_true(f2 < f1);
		/* 6LB: ~44 % fewer failures at k = 8; require 25 %. */
		if (ks[i] == 8)
			assert_true(f2 <= 0.75 * f1);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_is_prime),
		cmocka_unit_test(test_validation),
		cmocka_unit_test(test_figure6a),
		cmocka_unit_test(test_figure6b),
		cmocka_unit_test(test_matches_algorithm3_and_maglev),
		cmocka_unit_test(test_distinct_and_balanced),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_small_sets),
		cmocka_unit_test(test_bucket_reduction),
		cmocka_unit_test(test_resiliency),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
