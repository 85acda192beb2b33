/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pure helpers of flow recovery (lb_recover.h, issue 17).
 */
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "dsrlb/flow_hash.h"
#include "dsrlb/lb_recover.h"

bool
lb_recover_vip(const struct lb_vip_conf *c)
{
	/* IPv4 (option 158) and IPv6 (header 253 or Destination Options
	 * sub-type 4, docs/wire-format.md). A QUIC VIP routes by the server
	 * ID in the connection ID instead (docs/quic.md): its unknown
	 * packets go by consistent hashing. */
	return c->transport == LB_TRANSPORT_DSR &&
	       c->policy != LB_POLICY_MAGLEV && c->policy != LB_POLICY_HUNT &&
	       !c->quic;
}

_Static_assert(LB_RECOVER_D_WIDE <= CHASH_C_MAX, "d beyond the table's lists");

uint32_t
lb_recover_d(const struct lb_vip_conf *c)
{
	if (c->candidates != 0)
		return c->candidates;
	/* Round-robin loses much of its spread when restricted to few
	 * candidates (docs/evaluation.md, "Round-robin among d
	 * candidates"), latency-feedback its weights' exact shares; with
	 * up to 8 backends this keeps their exact choice and every flow
	 * recoverable. */
	if (c->policy == LB_POLICY_RR || c->policy == LB_POLICY_LATENCY)
		return LB_RECOVER_D_WIDE;
	return LB_RECOVER_D_DEFAULT;
}

uint32_t
lb_recover_cookie(uint64_t secret, const struct flow_key *k, uint32_t index)
{
	uint8_t b[sizeof(*k) + 4];
	uint64_t h;

	memcpy(b, k, sizeof(*k));
	b[sizeof(*k)] = (uint8_t)index;
	b[sizeof(*k) + 1] = 0x72;   /* 'r' */
	b[sizeof(*k) + 2] = 0x65;   /* 'e' */
	b[sizeof(*k) + 3] = 0x63;   /* 'c' */
	h = flow_hash_bytes(secret, b, sizeof(b));
	h ^= h >> 32;
	/* Never 0: an IPv6 metric answer's nonce 0 means "none", so a pin
	 * echoing a zero cookie would not count (docs/wire-format.md). */
	return (uint32_t)h != 0 ? (uint32_t)h : 1u;
}

int
lb_recover_index(const uint16_t *cand, uint32_t n, uint32_t be)
{
	for (uint32_t i = 0; i < n; i++)
		if (cand[i] == be)
			return (int)i;
	return -1;
}

uint32_t
lb_recover_rr_among(struct baseline_table *t, const uint16_t *act,
		    uint32_t k, uint32_t tries)
{
	for (uint32_t i = 0; i < tries; i++) {
		const uint32_t b = baseline_rr_pick(t);

		if (b == BASELINE_NONE)
			break;
		if (lb_recover_index(act, k, b) >= 0)
			return b;
	}
	return BASELINE_NONE;
}

uint32_t
lb_recover_table_among(const struct chash_table *t, uint32_t hash,
		       const uint16_t *act, uint32_t k, uint32_t tries)
{
	if (t == NULL || t->c == 0)
		return CHASH_NO_BACKEND;
	for (uint32_t i = 0; i < tries; i++) {
		/* another bucket for each try: the hash xor a multiple of
		 * the 32-bit golden ratio (try 0 is the flow's own) */
		const uint32_t b = chash_lookup(t, hash ^ (i * 0x9e3779b9u))[0];

		if (lb_recover_index(act, k, b) >= 0)
			return b;
	}
	return CHASH_NO_BACKEND;
}

uint64_t
lb_recover_secret_new(void)
{
	uint64_t s = 0;
	struct timespec ts;

	if (getrandom(&s, sizeof(s), GRND_NONBLOCK) == (ssize_t)sizeof(s) &&
	    s != 0)
		return s;
	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec << 30) ^ (uint64_t)ts.tv_nsec ^
	       0x9e3779b97f4a7c15ull;
}
