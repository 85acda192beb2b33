/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_quic_cid.h"

#define BUCKETS (LB_QUIC_CID_SLOTS / LB_QUIC_CID_WAYS)

/* splitmix64's finaliser: the keys (server-chosen CIDs, learned only from
 * authenticated answers) are not the client's to choose, so an unkeyed
 * mix is enough to spread them. */
static uint64_t
mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static void
words(const uint8_t *b, unsigned int len, uint64_t *w, unsigned int n)
{
	uint8_t buf[24] = { 0 };

	memcpy(buf, b, len);
	for (unsigned int i = 0; i < n; i++) {
		uint64_t x = 0;

		for (unsigned int j = 0; j < 8; j++)
			x = x << 8 | buf[8 * i + j];
		w[i] = x;
	}
}

struct lb_quic_cids *
lb_quic_cids_new(void)
{
	struct lb_quic_cids *t = calloc(1, sizeof(*t));

	if (t != NULL)
		t->mask = BUCKETS - 1;
	return t;
}

uint64_t
lb_quic_cid_vkey(uint8_t family, const uint8_t *vip_addr, uint16_t vip_port)
{
	uint64_t w[2];
	uint64_t h;

	words(vip_addr, family == 4 ? 4 : 16, w, 2);
	h = mix(w[0] ^ mix(w[1] ^ mix((uint64_t)family << 16 | vip_port)));
	return h != 0 ? h : 1;
}

static uint32_t
bucket(const struct lb_quic_cids *t, uint64_t vkey, const uint64_t *cw,
       unsigned int len)
{
	return (uint32_t)mix(vkey ^ mix(cw[0] ^ mix(cw[1] ^ mix(cw[2] ^
							    len)))) & t->mask;
}

int
lb_quic_cids_learn(struct lb_quic_cids *t, uint64_t vkey, const uint8_t *cid,
		   unsigned int len, uint8_t family, const uint8_t *be_addr,
		   uint32_t now_s)
{
	struct lb_quic_cid_slot *b, *s = NULL;
	uint64_t cw[3], bw[2], seq, oldest = UINT64_MAX;

	if (t == NULL || len < 1 || len > LB_QUIC_CID_MAX ||
	    (family != 4 && family != 6))
		return -EINVAL;
	words(cid, len, cw, 3);
	words(be_addr, family == 4 ? 4 : 16, bw, 2);
	b = &t->slot[(size_t)bucket(t, vkey, cw, len) * LB_QUIC_CID_WAYS];
	for (unsigned int i = 0; i < LB_QUIC_CID_WAYS; i++) {
		uint64_t k = atomic_load_explicit(&b[i].vkey,
						  memory_order_relaxed);
		uint64_t m = atomic_load_explicit(&b[i].meta,
						  memory_order_relaxed);

		if (k == vkey && (m & 0xff) == len &&
		    atomic_load_explicit(&b[i].cid[0],
					 memory_order_relaxed) == cw[0] &&
		    atomic_load_explicit(&b[i].cid[1],
					 memory_order_relaxed) == cw[1] &&
		    atomic_load_explicit(&b[i].cid[2],
					 memory_order_relaxed) == cw[2]) {
			s = &b[i];
			break;
		}
		/* empty slots first, then the one learned longest ago */
		if (k == 0)
			m = 0;
		else
			m = (m >> 32) + 1;
		if (m < oldest) {
			oldest = m;
			s = &b[i];
		}
	}
	/* Sequence lock: odd while written. Another worker writing the
	 * same slot wins; this entry is learned at the next answer. */
	seq = atomic_load_explicit(&s->seq, memory_order_relaxed);
	if ((seq & 1) ||
	    !atomic_compare_exchange_strong_explicit(&s->seq, &seq, seq + 1,
						     memory_order_acquire,
						     memory_order_relaxed))
		return -EBUSY;
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->vkey, vkey, memory_order_relaxed);
	for (unsigned int i = 0; i < 3; i++)
		atomic_store_explicit(&s->cid[i], cw[i], memory_order_relaxed);
	atomic_store_explicit(&s->be[0], bw[0], memory_order_relaxed);
	atomic_store_explicit(&s->be[1], bw[1], memory_order_relaxed);
	atomic_store_explicit(&s->meta, (uint64_t)now_s << 32 |
			      (uint64_t)family << 8 | len,
			      memory_order_relaxed);
	atomic_store_explicit(&s->seq, seq + 2, memory_order_release);
	return 0;
}

uint8_t
lb_quic_cids_lookup(const struct lb_quic_cids *t, uint64_t vkey,
		    const uint8_t *cid, unsigned int len, uint8_t *be_addr)
{
	const struct lb_quic_cid_slot *b;
	uint64_t cw[3];

	if (t == NULL || len < 1 || len > LB_QUIC_CID_MAX)
		return 0;
	words(cid, len, cw, 3);
	b = &t->slot[(size_t)bucket(t, vkey, cw, len) * LB_QUIC_CID_WAYS];
	for (unsigned int i = 0; i < LB_QUIC_CID_WAYS; i++) {
		const struct lb_quic_cid_slot *s = &b[i];
		uint64_t s1, s2, m, w0, w1;

		s1 = atomic_load_explicit(&s->seq, memory_order_acquire);
		if (s1 & 1)
			continue;
		if (atomic_load_explicit(&s->vkey, memory_order_relaxed) !=
			    vkey ||
		    atomic_load_explicit(&s->cid[0], memory_order_relaxed) !=
			    cw[0] ||
		    atomic_load_explicit(&s->cid[1], memory_order_relaxed) !=
			    cw[1] ||
		    atomic_load_explicit(&s->cid[2], memory_order_relaxed) !=
			    cw[2])
			continue;
		m = atomic_load_explicit(&s->meta, memory_order_relaxed);
		w0 = atomic_load_explicit(&s->be[0], memory_order_relaxed);
		w1 = atomic_load_explicit(&s->be[1], memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		s2 = atomic_load_explicit(&s->seq, memory_order_relaxed);
		/* rewritten meanwhile: the words may mix two entries */
		if (s1 != s2 || (m & 0xff) != len)
			continue;
		for (unsigned int j = 0; j < 8; j++) {
			be_addr[j] = (uint8_t)(w0 >> (56 - 8 * j));
			be_addr[8 + j] = (uint8_t)(w1 >> (56 - 8 * j));
		}
		return (uint8_t)(m >> 8);
	}
	return 0;
}
