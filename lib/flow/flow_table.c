/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "dsrlb/flow_table.h"

#define BE FLOW_TABLE_BUCKET_ENTRIES

/* struct flow_bucket and struct flow_kv: dsrlb/flow_table_slot.h (the
 * layout the inline slot accessors read). */

_Static_assert(sizeof(struct flow_key) == 38, "flow_key has padding");
_Static_assert(sizeof(struct flow_bucket) == 64, "bucket is a cache line");
_Static_assert(sizeof(struct flow_kv) == 40, "kv is 40 bytes");

#define SLOT_BYTES (sizeof(struct flow_kv) + sizeof(struct flow_bucket) / BE)

/* Bulk lookups work on groups of this many keys (stack arrays). */
#define BULK_GROUP 32u

static const uint64_t default_timeout_ns[FLOW_STATE_MAX] = {
	0,
	FLOW_TABLE_TIMEOUT_NEW_NS,
	FLOW_TABLE_TIMEOUT_ESTABLISHED_NS,
	FLOW_TABLE_TIMEOUT_CLOSING_NS,
	FLOW_TABLE_TIMEOUT_ESTABLISHED_NS,
	FLOW_TABLE_TIMEOUT_ESTABLISHED_NS,
	FLOW_TABLE_TIMEOUT_ESTABLISHED_NS,
	FLOW_TABLE_TIMEOUT_ESTABLISHED_NS,
};

static uint32_t
n_buckets_of(uint32_t capacity)
{
	/* 1.25 slots per flow: room for the two-choice placement to reach
	 * capacity without a failed insert in practice (see the docs). */
	return (uint32_t)(((uint64_t)capacity * 5 + 8 * 4 - 1) / (8 * 4));
}

/* ceil(ns / 2^shift), or UINT64_MAX past the 2^31-tick age window. */
static uint64_t
ns_to_ticks(uint64_t ns, uint32_t shift)
{
	uint64_t ticks = (ns >> shift) + ((ns & ((1ull << shift) - 1)) != 0);

	return ticks > INT32_MAX ? UINT64_MAX : ticks;
}

static int
config_check(const struct flow_table_config *cfg, uint32_t *shift_out)
{
	uint32_t shift;
	unsigned int s;

	if (cfg == NULL || cfg->capacity == 0 ||
	    cfg->capacity > FLOW_TABLE_CAPACITY_MAX ||
	    cfg->tick_shift > FLOW_TABLE_TICK_SHIFT_MAX)
		return -EINVAL;
	shift = cfg->tick_shift != 0 ? cfg->tick_shift :
		FLOW_TABLE_TICK_SHIFT_DEFAULT;
	for (s = 1; s < FLOW_STATE_MAX; s++)
		if (cfg->timeout_ns[s] != 0 &&
		    ns_to_ticks(cfg->timeout_ns[s], shift) == UINT64_MAX)
			return -EINVAL;
	if (ns_to_ticks(cfg->new_min_age_ns, shift) == UINT64_MAX)
		return -EINVAL;
	*shift_out = shift;
	return 0;
}

size_t
flow_table_mem_size(const struct flow_table_config *cfg)
{
	uint32_t shift;

	if (config_check(cfg, &shift) != 0)
		return 0;
	return (size_t)n_buckets_of(cfg->capacity) * BE * SLOT_BYTES;
}

int
flow_table_init(struct flow_table *t, const struct flow_table_config *cfg,
		void *mem, size_t mem_len)
{
	size_t size = flow_table_mem_size(cfg);
	uint32_t shift = 0, nb, s;
	void *owned = NULL;

	if (t == NULL || size == 0 || config_check(cfg, &shift) != 0)
		return -EINVAL;
	if (mem == NULL) {
		owned = aligned_alloc(FLOW_TABLE_ALIGN, size);
		if (owned == NULL)
			return -ENOMEM;
		mem = owned;
	} else if (((uintptr_t)mem & (FLOW_TABLE_ALIGN - 1)) != 0 ||
		   mem_len < size) {
		return -EINVAL;
	}
	memset(mem, 0, size);
	nb = n_buckets_of(cfg->capacity);

	memset(t, 0, sizeof(*t));
	t->buckets = mem;
	t->kv = (struct flow_kv *)((uint8_t *)mem +
				   (size_t)nb * sizeof(struct flow_bucket));
	t->owned = owned;
	t->n_buckets = nb;
	t->capacity = cfg->capacity;
	t->tick_shift = shift;
	for (s = 1; s < FLOW_STATE_MAX; s++)
		t->timeout_ticks[s] = (uint32_t)ns_to_ticks(
			cfg->timeout_ns[s] != 0 ? cfg->timeout_ns[s] :
			default_timeout_ns[s], shift);
	t->new_min_age_ticks = (uint32_t)ns_to_ticks(
		cfg->new_min_age_ns != 0 ? cfg->new_min_age_ns :
		FLOW_TABLE_NEW_MIN_AGE_NS, shift);
	return 0;
}

void
flow_table_fini(struct flow_table *t)
{
	if (t == NULL)
		return;
	free(t->owned);
	memset(t, 0, sizeof(*t));
}

int
flow_table_init_like(struct flow_table *dst, const struct flow_table *src)
{
	size_t size;
	void *mem;

	if (dst == NULL || src == NULL || src->n_buckets == 0)
		return -EINVAL;
	size = (size_t)src->n_buckets * BE * SLOT_BYTES;
	mem = aligned_alloc(FLOW_TABLE_ALIGN, size);
	if (mem == NULL)
		return -ENOMEM;
	memset(mem, 0, size);
	*dst = *src;
	dst->buckets = mem;
	dst->kv = (struct flow_kv *)((uint8_t *)mem + (size_t)src->n_buckets *
				     sizeof(struct flow_bucket));
	dst->owned = mem;
	dst->count = 0;
	dst->gc_cursor = 0;
	dst->epoch = 0;
	memset(&dst->stats, 0, sizeof(dst->stats));
	return 0;
}

int
flow_table_copy(struct flow_table *dst, const struct flow_table *src)
{
	struct flow_bucket *b;
	struct flow_kv *kv;
	void *owned;

	if (dst == NULL || src == NULL || dst->n_buckets != src->n_buckets ||
	    dst->buckets == NULL)
		return -EINVAL;
	memcpy(dst->buckets, src->buckets,
	       (size_t)src->n_buckets * sizeof(struct flow_bucket));
	memcpy(dst->kv, src->kv,
	       (size_t)src->n_buckets * BE * sizeof(struct flow_kv));
	b = dst->buckets;
	kv = dst->kv;
	owned = dst->owned;
	*dst = *src;
	dst->buckets = b;
	dst->kv = kv;
	dst->owned = owned;
	return 0;
}

void
flow_table_clear(struct flow_table *t)
{
	memset(t->buckets, 0, (size_t)t->n_buckets * sizeof(*t->buckets));
	t->count = 0;
	t->gc_cursor = 0;
	t->epoch++;
}

static inline uint32_t
tick_of(const struct flow_table *t, uint64_t now_ns)
{
	return (uint32_t)(now_ns >> t->tick_shift);
}

/* Age in ticks modulo 2^32; a last-seen tick in the future is age 0. */
static inline uint32_t
age_of(const struct flow_bucket *b, unsigned int i, uint32_t now_tick)
{
	uint32_t age = now_tick - b->tick[i];

	return (int32_t)age < 0 ? 0 : age;
}

static inline int
is_expired(const struct flow_table *t, const struct flow_bucket *b,
	   unsigned int i, uint32_t now_tick)
{
	return age_of(b, i, now_tick) > t->timeout_ticks[b->state[i]];
}

static inline uint16_t
sig_of(uint32_t hash)
{
	/* Low 16 bits: the primary bucket comes from the high bits. */
	uint16_t sig = (uint16_t)hash;

	return sig != 0 ? sig : 1;
}

static inline uint32_t
primary_of(const struct flow_table *t, uint32_t hash)
{
	/* Lemire's multiply-shift range reduction: no power of two needed. */
	return (uint32_t)(((uint64_t)hash * t->n_buckets) >> 32);
}

/* The other candidate bucket: (f(sig) - b) mod n, an involution, so a
 * stored entry finds its alternative from its bucket and signature
 * (cuckoo hashing, Pagh & Rodler, J. Algorithms 2004). */
static inline uint32_t
alt_of(const struct flow_table *t, uint32_t b, uint16_t sig)
{
	uint32_t f = (uint32_t)(((uint64_t)sig * t->n_buckets) >> 16);

	return f >= b ? f - b : f + t->n_buckets - b;
}

/* 38 bytes compared as four overlapping 8-byte words and a 6-byte tail,
 * branch-free: cheaper than a call to memcmp() for every hit. */
static inline int
key_eq(const struct flow_key *a, const struct flow_key *b)
{
	const uint8_t *x = (const uint8_t *)a, *y = (const uint8_t *)b;
	uint64_t d = 0, u, v;

	_Static_assert(sizeof(*a) == 38, "key_eq covers 38 bytes");
	for (unsigned int o = 0; o < 32; o += 8) {
		memcpy(&u, x + o, 8);
		memcpy(&v, y + o, 8);
		d |= u ^ v;
	}
	memcpy(&u, x + 30, 8);
	memcpy(&v, y + 30, 8);
	return (d | (u ^ v)) == 0;
}

static inline void
reclaim(struct flow_table *t, struct flow_bucket *b, unsigned int i)
{
	b->sig[i] = 0;
	b->state[i] = FLOW_STATE_FREE;
	b->flags[i] = 0;
	b->tick[i] = 0;
	t->count--;
	t->epoch++;
}

/* Bit i set when slot i's signature is @p sig. With SSE2 (every x86-64)
 * the 8 signatures are one 16-byte compare, as DPDK's rte_hash compares
 * its bucket signatures; elsewhere a loop the compiler may vectorise. */
static inline uint32_t
match_mask(const struct flow_bucket *b, uint16_t sig)
{
#if defined(__SSE2__)
	_Static_assert(BE == 8, "one 16-byte compare covers a bucket");
	__m128i v = _mm_load_si128((const __m128i *)(const void *)b->sig);
	__m128i eq = _mm_cmpeq_epi16(v, _mm_set1_epi16((short)sig));

	/* one bit per slot: pack the 16-bit lanes' results to bytes */
	return (uint32_t)_mm_movemask_epi8(_mm_packs_epi16(eq,
							   _mm_setzero_si128()));
#else
	uint32_t m = 0;
	unsigned int i;

	for (i = 0; i < BE; i++)
		m |= (uint32_t)(b->sig[i] == sig) << i;
	return m;
#endif
}

/* Slot of the occupied entry of @p key in bucket @p bi, or MISS: the
 * slots whose signature matches, lowest first, by one compare of the
 * bucket's signatures (issue 19: a byte loop cost about 50 instructions
 * per bucket on every insert). */
static inline uint32_t
find_in(const struct flow_table *t, uint32_t bi, uint16_t sig,
	const struct flow_key *key)
{
	uint32_t m = match_mask(&t->buckets[bi], sig);

	while (m != 0) {
		unsigned int i = (unsigned int)__builtin_ctz(m);

		if (key_eq(&t->kv[bi * BE + i].key, key))
			return bi * BE + i;
		m &= m - 1;
	}
	return FLOW_TABLE_MISS;
}

static inline uint32_t
find(const struct flow_table *t, const struct flow_key *key, uint32_t hash)
{
	uint16_t sig = sig_of(hash);
	uint32_t b1 = primary_of(t, hash);
	uint32_t b2 = alt_of(t, b1, sig);
	uint32_t slot = find_in(t, b1, sig, key);

	if (slot == FLOW_TABLE_MISS && b2 != b1)
		slot = find_in(t, b2, sig, key);
	return slot;
}

/* Expired entries are absent: reclaim on sight. */
static inline uint32_t
hit_or_reclaim(struct flow_table *t, uint32_t slot, uint32_t now_tick)
{
	struct flow_bucket *b = &t->buckets[slot / BE];

	if (is_expired(t, b, slot % BE, now_tick)) {
		reclaim(t, b, slot % BE);
		t->stats.lookup_reclaimed++;
		return FLOW_TABLE_MISS;
	}
	t->stats.hits++;
	return slot;
}

uint32_t
flow_table_lookup(struct flow_table *t, const struct flow_key *key,
		  uint32_t hash, uint64_t now_ns)
{
	uint32_t slot = find(t, key, hash);

	t->stats.lookups++;
	if (slot == FLOW_TABLE_MISS)
		return slot;
	return hit_or_reclaim(t, slot, tick_of(t, now_ns));
}

static inline void
prefetch_kv(const struct flow_kv *kv)
{
	/* 40-byte entries: some straddle two cache lines. */
	__builtin_prefetch(kv, 0, 3);
	__builtin_prefetch((const uint8_t *)kv + sizeof(*kv) - 1, 0, 3);
}

void
flow_table_prefetch(const struct flow_table *t, uint32_t hash)
{
	const uint32_t b1 = primary_of(t, hash);

	__builtin_prefetch(&t->buckets[b1], 0, 3);
	__builtin_prefetch(&t->buckets[alt_of(t, b1, sig_of(hash))], 0, 3);
}

void
flow_table_prefetch_key(const struct flow_table *t, uint32_t hash)
{
	const uint16_t sig = sig_of(hash);
	const uint32_t b1 = primary_of(t, hash), b2 = alt_of(t, b1, sig);
	uint32_t m = match_mask(&t->buckets[b1], sig), bi = b1;

	if (m == 0 && b2 != b1) {
		m = match_mask(&t->buckets[b2], sig);
		bi = b2;
	}
	if (m != 0)
		prefetch_kv(&t->kv[bi * BE +
				   (unsigned int)__builtin_ctz(m)]);
}

uint32_t
flow_table_peek(const struct flow_table *t, const struct flow_key *key,
		uint32_t hash, uint64_t now_ns, struct flow_value *v,
		uint64_t *age_ns)
{
	uint32_t slot = find(t, key, hash);
	const struct flow_bucket *b;
	uint32_t now_tick = tick_of(t, now_ns);

	if (slot == FLOW_TABLE_MISS)
		return FLOW_TABLE_MISS;
	b = &t->buckets[slot / BE];
	if (is_expired(t, b, slot % BE, now_tick))
		return FLOW_TABLE_MISS;
	if (v != NULL)
		(void)flow_table_get(t, slot, v);
	if (age_ns != NULL)
		*age_ns = (uint64_t)age_of(b, slot % BE, now_tick)
			  << t->tick_shift;
	return slot;
}

uint64_t
flow_table_foreach(const struct flow_table *t, uint64_t now_ns,
		   int (*cb)(void *arg, const struct flow_key *k,
			     const struct flow_value *v, uint64_t age_ns),
		   void *arg)
{
	uint32_t now_tick = tick_of(t, now_ns);
	uint64_t n = 0;

	for (uint32_t bi = 0; bi < t->n_buckets; bi++) {
		const struct flow_bucket *b = &t->buckets[bi];

		for (unsigned int i = 0; i < BE; i++) {
			struct flow_value v;
			struct flow_key k;
			uint32_t slot = bi * BE + i;

			if (b->sig[i] == 0 || is_expired(t, b, i, now_tick))
				continue;
			/* Copies: the owner may rewrite the slot meanwhile. */
			k = t->kv[slot].key;
			v.backend = t->kv[slot].backend;
			v.state = b->state[i];
			v.flags = b->flags[i];
			n++;
			if (cb != NULL &&
			    cb(arg, &k, &v, (uint64_t)age_of(b, i, now_tick)
					    << t->tick_shift) != 0)
				return n;
		}
	}
	return n;
}

uint32_t
flow_table_lookup_bulk_ptrs(struct flow_table *t,
			    const struct flow_key *const *keys,
			    const uint32_t *hashes, uint32_t n,
			    uint64_t now_ns, uint32_t *slots)
{
	uint32_t b1[BULK_GROUP], b2[BULK_GROUP], mask[BULK_GROUP];
	uint16_t sig[BULK_GROUP];
	uint32_t now_tick = tick_of(t, now_ns);
	uint32_t base, g, i, hits = 0;

	memset(t->placed, 0, sizeof(t->placed));
	for (base = 0; base < n; base += g) {
		g = n - base < BULK_GROUP ? n - base : BULK_GROUP;

		/* Stage 1: both candidate buckets of the whole group. */
		for (i = 0; i < g; i++) {
			sig[i] = sig_of(hashes[base + i]);
			b1[i] = primary_of(t, hashes[base + i]);
			b2[i] = alt_of(t, b1[i], sig[i]);
			__builtin_prefetch(&t->buckets[b1[i]], 0, 3);
			__builtin_prefetch(&t->buckets[b2[i]], 0, 3);
		}
		/* Stage 2: signature filter; prefetch the first match. */
		for (i = 0; i < g; i++) {
			mask[i] = match_mask(&t->buckets[b1[i]], sig[i]);
			if (b2[i] != b1[i])
				mask[i] |= match_mask(&t->buckets[b2[i]],
						      sig[i]) << BE;
			if (mask[i] != 0) {
				unsigned int j = (unsigned int)
					__builtin_ctz(mask[i]);
				uint32_t bi = j < BE ? b1[i] : b2[i];

				prefetch_kv(&t->kv[bi * BE + j % BE]);
			}
		}
		/* Stage 3: compare keys. A slot reclaimed by an earlier key of
		 * the group has lost its signature: recheck it, so the result
		 * is that of single lookups in order. */
		t->stats.lookups += g;
		for (i = 0; i < g; i++) {
			uint32_t m = mask[i], slot = FLOW_TABLE_MISS;

			while (m != 0) {
				unsigned int j = (unsigned int)__builtin_ctz(m);
				uint32_t bi = j < BE ? b1[i] : b2[i];
				uint32_t s = bi * BE + j % BE;

				m &= m - 1;
				if (t->buckets[bi].sig[j % BE] == sig[i] &&
				    key_eq(&t->kv[s].key, keys[base + i])) {
					slot = hit_or_reclaim(t, s, now_tick);
					break;
				}
			}
			if (slot != FLOW_TABLE_MISS)
				hits++;
			slots[base + i] = slot;
		}
	}
	return hits;
}

uint32_t
flow_table_lookup_bulk(struct flow_table *t, const struct flow_key *keys,
		       const uint32_t *hashes, uint32_t n, uint64_t now_ns,
		       uint32_t *slots)
{
	const struct flow_key *kp[BULK_GROUP];
	uint32_t base, g, i, hits = 0;

	for (base = 0; base < n; base += g) {
		g = n - base < BULK_GROUP ? n - base : BULK_GROUP;
		for (i = 0; i < g; i++)
			kp[i] = &keys[base + i];
		hits += flow_table_lookup_bulk_ptrs(t, kp, hashes + base, g,
						    now_ns, slots + base);
	}
	return hits;
}

static int
key_valid(const struct flow_key *k)
{
	uint64_t s8, d8;
	uint32_t s4, d4;

	if (k->family == FLOW_KEY_IPV6)
		return 1;
	/* An IPv4 key's address bytes 4-15 are zero: two loads each, not
	 * memcmp() calls (issue 19: every insert checks). */
	memcpy(&s8, k->saddr + 4, 8);
	memcpy(&s4, k->saddr + 12, 4);
	memcpy(&d8, k->daddr + 4, 8);
	memcpy(&d4, k->daddr + 12, 4);
	return k->family == FLOW_KEY_IPV4 && (s8 | d8 | s4 | d4) == 0;
}

static inline int
state_valid(uint8_t s)
{
	return s > FLOW_STATE_FREE && s < FLOW_STATE_MAX;
}

/* Population count of every byte value: PC(i) = PC(i / 2) + (i & 1). */
#define POP2(n) (n), (n) + 1, (n) + 1, (n) + 2
#define POP4(n) POP2(n), POP2((n) + 1), POP2((n) + 1), POP2((n) + 2)
#define POP6(n) POP4(n), POP4((n) + 1), POP4((n) + 1), POP4((n) + 2)
_Static_assert(FLOW_TABLE_BUCKET_ENTRIES <= 8, "a bucket's mask fits pop8[]");
static const uint8_t pop8[256] = {
	POP6(0), POP6(1), POP6(1), POP6(2)
};
#undef POP2
#undef POP4
#undef POP6

/* Number of free slots of @p b (signature 0) and the lowest in @p first
 * (BE if none): the mask of the signatures equal to 0 (issue 19). */
static unsigned int
free_slots(const struct flow_bucket *b, unsigned int *first)
{
	uint32_t m = match_mask(b, 0);

	*first = m != 0 ? (unsigned int)__builtin_ctz(m) : BE;
	/* The 8-bit population count, one load from a table
	 * (__builtin_popcount() is a libgcc call without -mpopcnt; the
	 * three-step count cost 10 instructions a bucket, issue 19 round
	 * 4). */
	return pop8[m & 0xFFu];
}

static uint32_t
place(struct flow_table *t, uint32_t bi, unsigned int i, uint16_t sig,
      const struct flow_key *key, const struct flow_value *v,
      uint32_t now_tick)
{
	struct flow_bucket *b = &t->buckets[bi];
	struct flow_kv *kv = &t->kv[bi * BE + i];

	b->sig[i] = sig;
	b->state[i] = v->state;
	b->flags[i] = v->flags;
	b->tick[i] = now_tick;
	kv->key = *key;
	kv->backend = v->backend;
	t->count++;
	t->stats.inserts++;
	return bi * BE + i;
}

/* One cuckoo step: move an entry of bucket @p bi to a free slot of its
 * other bucket. Returns the freed index in @p bi, or BE. */
static unsigned int
displace_one(struct flow_table *t, uint32_t bi)
{
	struct flow_bucket *b = &t->buckets[bi];
	unsigned int i, j;

	for (i = 0; i < BE; i++) {
		uint32_t ai = alt_of(t, bi, b->sig[i]);
		struct flow_bucket *a = &t->buckets[ai];

		if (ai == bi || free_slots(a, &j) == 0)
			continue;
		a->sig[j] = b->sig[i];
		a->state[j] = b->state[i];
		a->flags[j] = b->flags[i];
		a->tick[j] = b->tick[i];
		t->kv[ai * BE + j] = t->kv[bi * BE + i];
		b->sig[i] = 0;
		b->state[i] = FLOW_STATE_FREE;
		b->flags[i] = 0;
		b->tick[i] = 0;
		t->stats.displaced++;
		t->epoch++;
		return i;
	}
	return BE;
}

/* flow_table_insert(); @p absent: the caller vouches that the key has no
 * entry, live or expired (flow_table_insert_absent()), and the search
 * for one is skipped. Inlined into both (gcc kept one out-of-line copy
 * behind two calls): each new flow's insert then has @p absent as a
 * constant and no second call (issue 19, round 6: 9 instructions). */
static inline __attribute__((always_inline)) enum flow_insert_result
insert(struct flow_table *t, const struct flow_key *key, uint32_t hash,
       const struct flow_value *v, uint64_t now_ns, uint32_t *slot,
       bool absent)
{
	uint32_t now_tick = tick_of(t, now_ns);
	uint16_t sig = sig_of(hash);
	uint32_t cand[2], found, best_age = 0, best_b = 0, s;
	unsigned int nc, c, i, f1, f2 = BE, n1, n2, best_i = BE;

	if (!key_valid(key) || !state_valid(v->state))
		return FLOW_INSERT_INVALID;
	cand[0] = primary_of(t, hash);
	cand[1] = alt_of(t, cand[0], sig);
	nc = cand[1] != cand[0] ? 2 : 1;

	found = absent ? FLOW_TABLE_MISS : find(t, key, hash);
	if (found != FLOW_TABLE_MISS) {
		struct flow_bucket *b = &t->buckets[found / BE];

		if (!is_expired(t, b, found % BE, now_tick)) {
			if (slot != NULL)
				*slot = found;
			return FLOW_INSERT_EXISTS;
		}
		/* An expired entry of the key is absent: reclaim it. */
		reclaim(t, b, found % BE);
		t->stats.lookup_reclaimed++;
	}

	if (t->count < t->capacity) {
		/* Two-choice placement: the less loaded candidate. */
		n1 = free_slots(&t->buckets[cand[0]], &f1);
		n2 = nc == 2 ? free_slots(&t->buckets[cand[1]], &f2) : 0;
		if (n1 != 0 || n2 != 0) {
			if (n1 >= n2)
				s = place(t, cand[0], f1, sig, key, v,
					  now_tick);
			else
				s = place(t, cand[1], f2, sig, key, v,
					  now_tick);
			goto done;
		}
	}

	/* No room: an expired entry of the candidates goes first. */
	for (c = 0; c < nc; c++) {
		struct flow_bucket *b = &t->buckets[cand[c]];

		for (i = 0; i < BE; i++)
			if (b->sig[i] != 0 && is_expired(t, b, i, now_tick)) {
				reclaim(t, b, i);
				t->stats.evictions_expired++;
				s = place(t, cand[c], i, sig, key, v, now_tick);
				goto done;
			}
	}

	/* Under capacity with both candidates full: move one entry to its
	 * other bucket (its slot id changes, its value does not). Never at
	 * capacity, so a flood past capacity moves nothing. */
	if (t->count < t->capacity) {
		for (c = 0; c < nc; c++) {
			i = displace_one(t, cand[c]);
			if (i < BE) {
				s = place(t, cand[c], i, sig, key, v, now_tick);
				goto done;
			}
		}
	}

	/* Then the oldest SYN-only entry past its minimum age: a SYN flood
	 * displaces only other unanswered SYNs, never a steered flow. */
	for (c = 0; c < nc; c++) {
		struct flow_bucket *b = &t->buckets[cand[c]];

		for (i = 0; i < BE; i++) {
			uint32_t age = age_of(b, i, now_tick);

			if (b->sig[i] != 0 && b->state[i] == FLOW_STATE_NEW &&
			    age > t->new_min_age_ticks &&
			    (best_i == BE || age > best_age)) {
				best_i = i;
				best_b = cand[c];
				best_age = age;
			}
		}
	}
	if (best_i < BE) {
		reclaim(t, &t->buckets[best_b], best_i);
		t->stats.evictions_new++;
		s = place(t, best_b, best_i, sig, key, v, now_tick);
		goto done;
	}

	t->stats.insert_full++;
	return FLOW_INSERT_FULL;
done:
	t->placed[(hash >> 24) & 3] |= 1ull << ((hash >> 26) & 63);
	if (slot != NULL)
		*slot = s;
	return FLOW_INSERT_NEW;
}

enum flow_insert_result
flow_table_insert(struct flow_table *t, const struct flow_key *key,
		  uint32_t hash, const struct flow_value *v, uint64_t now_ns,
		  uint32_t *slot)
{
	return insert(t, key, hash, v, now_ns, slot, false);
}

enum flow_insert_result
flow_table_insert_absent(struct flow_table *t, const struct flow_key *key,
			 uint32_t hash, const struct flow_value *v,
			 uint64_t now_ns, uint32_t *slot)
{
	return insert(t, key, hash, v, now_ns, slot, true);
}

int
flow_table_delete(struct flow_table *t, const struct flow_key *key,
		  uint32_t hash, uint64_t now_ns)
{
	uint32_t slot = find(t, key, hash);
	struct flow_bucket *b;
	int expired;

	if (slot == FLOW_TABLE_MISS)
		return -ENOENT;
	b = &t->buckets[slot / BE];
	expired = is_expired(t, b, slot % BE, tick_of(t, now_ns));
	reclaim(t, b, slot % BE);
	if (expired) {
		t->stats.lookup_reclaimed++;
		return -ENOENT;
	}
	return 0;
}

static inline int
slot_valid(const struct flow_table *t, uint32_t slot)
{
	return slot / BE < t->n_buckets &&
	       t->buckets[slot / BE].sig[slot % BE] != 0;
}

int
flow_table_get_key(const struct flow_table *t, uint32_t slot,
		   struct flow_key *key)
{
	if (!slot_valid(t, slot))
		return -EINVAL;
	*key = t->kv[slot].key;
	return 0;
}

uint32_t
flow_table_gc_step(struct flow_table *t, uint64_t now_ns, uint32_t budget)
{
	uint32_t now_tick = tick_of(t, now_ns);
	uint32_t n = 0, k;
	unsigned int i;

	if (budget > t->n_buckets)
		budget = t->n_buckets;
	for (k = 0; k < budget; k++) {
		struct flow_bucket *b = &t->buckets[t->gc_cursor];

		if (++t->gc_cursor == t->n_buckets)
			t->gc_cursor = 0;
		__builtin_prefetch(&t->buckets[t->gc_cursor], 1, 3);
		for (i = 0; i < BE; i++)
			if (b->sig[i] != 0 && is_expired(t, b, i, now_tick)) {
				reclaim(t, b, i);
				n++;
			}
	}
	t->stats.gc_reclaimed += n;
	return n;
}

uint32_t
flow_table_count(const struct flow_table *t)
{
	return t->count;
}
