/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The learned QUIC connection-ID table (lib/lb/lb_quic_cid.c): learning,
 * lookups per VIP and CID length, replacement of the oldest entry, and
 * the sequence lock: a reader racing a writer never returns a mix of two
 * entries.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/lb_quic_cid.h"

static const uint8_t vip4[4] = { 10, 0, 0, 140 };
static const uint8_t vip6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x40 };
static const uint8_t s1[4] = { 10, 0, 0, 11 };
static const uint8_t s2[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x22 };

static void
cid_n(uint8_t *cid, unsigned int len, uint32_t n)
{
	memset(cid, 0x5a, len);
	cid[0] = (uint8_t)(n >> 24);
	cid[1] = (uint8_t)(n >> 16);
	cid[2] = (uint8_t)(n >> 8);
	cid[3] = (uint8_t)n;
}

static void
test_learn_lookup(void **state)
{
	struct lb_quic_cids *t = lb_quic_cids_new();
	uint64_t k4 = lb_quic_cid_vkey(4, vip4, 443);
	uint64_t k6 = lb_quic_cid_vkey(6, vip6, 443);
	uint8_t cid[20], out[16];

	(void)state;
	assert_non_null(t);
	assert_int_not_equal(k4, k6);
	assert_int_not_equal(k4, lb_quic_cid_vkey(4, vip4, 444));
	cid_n(cid, 18, 1);
	assert_int_equal(lb_quic_cids_lookup(t, k4, cid, 18, out), 0);
	assert_int_equal(lb_quic_cids_learn(t, k4, cid, 18, 4, s1, 1), 0);
	memset(out, 0xff, sizeof(out));
	assert_int_equal(lb_quic_cids_lookup(t, k4, cid, 18, out), 4);
	assert_memory_equal(out, s1, 4);
	/* another VIP, another length, another CID: not this entry */
	assert_int_equal(lb_quic_cids_lookup(t, k6, cid, 18, out), 0);
	assert_int_equal(lb_quic_cids_lookup(t, k4, cid, 17, out), 0);
	cid[17] ^= 1;
	assert_int_equal(lb_quic_cids_lookup(t, k4, cid, 18, out), 0);
	cid[17] ^= 1;
	/* relearned: the newer backend wins, no duplicate */
	assert_int_equal(lb_quic_cids_learn(t, k4, cid, 18, 6, s2, 2), 0);
	assert_int_equal(lb_quic_cids_lookup(t, k4, cid, 18, out), 6);
	assert_memory_equal(out, s2, 16);
	/* IPv6 VIP, 20-octet CID */
	cid_n(cid, 20, 2);
	assert_int_equal(lb_quic_cids_learn(t, k6, cid, 20, 6, s2, 3), 0);
	assert_int_equal(lb_quic_cids_lookup(t, k6, cid, 20, out), 6);
	assert_memory_equal(out, s2, 16);
	/* refused */
	assert_int_equal(lb_quic_cids_learn(t, k4, cid, 0, 4, s1, 1), -EINVAL);
	assert_int_equal(lb_quic_cids_learn(t, k4, cid, 21, 4, s1, 1),
			 -EINVAL);
	assert_int_equal(lb_quic_cids_learn(t, k4, cid, 8, 5, s1, 1), -EINVAL);
	assert_int_equal(lb_quic_cids_lookup(NULL, k4, cid, 8, out), 0);
	free(t);
}

/* Bounded: twice the table's slots learned, the newest are all there
 * (each bucket replaces its oldest), and nothing was allocated. */
static void
test_bounded_oldest_replaced(void **state)
{
	struct lb_quic_cids *t = lb_quic_cids_new();
	uint64_t k = lb_quic_cid_vkey(4, vip4, 443);
	const uint32_t n = 2 * LB_QUIC_CID_SLOTS;
	uint8_t cid[8], out[16];
	uint32_t found_old = 0;

	(void)state;
	assert_non_null(t);
	for (uint32_t i = 0; i < n; i++) {
		cid_n(cid, 8, i);
		assert_int_equal(lb_quic_cids_learn(t, k, cid, 8, 4, s1,
						    i / 64), 0);
	}
	/* the last 512 were learned after everything else in their
	 * buckets: never the oldest of a full one */
	for (uint32_t i = n - 512; i < n; i++) {
		cid_n(cid, 8, i);
		assert_int_equal(lb_quic_cids_lookup(t, k, cid, 8, out), 4);
	}
	for (uint32_t i = 0; i < 4096; i++) {
		cid_n(cid, 8, i);
		found_old += lb_quic_cids_lookup(t, k, cid, 8, out) != 0;
	}
	assert_true(found_old < 64);
	free(t);
}

struct race {
	struct lb_quic_cids *t;
	uint64_t k;
	_Atomic int stop;
	uint64_t writes;
};

static void *
writer(void *arg)
{
	struct race *r = arg;
	uint8_t cid[8];

	cid_n(cid, 8, 7);
	while (!atomic_load(&r->stop)) {
		/* alternately s1 (IPv4) and s2 (IPv6) */
		if (r->writes & 1)
			(void)lb_quic_cids_learn(r->t, r->k, cid, 8, 6, s2, 1);
		else
			(void)lb_quic_cids_learn(r->t, r->k, cid, 8, 4, s1, 1);
		r->writes++;
	}
	return NULL;
}

static void
test_seqlock_race(void **state)
{
	struct race r = { .t = lb_quic_cids_new() };
	uint8_t cid[8], out[16], zero12[12] = { 0 };
	uint32_t hits = 0;
	pthread_t th;

	(void)state;
	assert_non_null(r.t);
	r.k = lb_quic_cid_vkey(4, vip4, 443);
	cid_n(cid, 8, 7);
	assert_int_equal(lb_quic_cids_learn(r.t, r.k, cid, 8, 4, s1, 1), 0);
	assert_int_equal(pthread_create(&th, NULL, writer, &r), 0);
	for (uint32_t i = 0; i < 2000000 && (hits < 1000 || r.writes < 1000);
	     i++) {
		uint8_t f = lb_quic_cids_lookup(r.t, r.k, cid, 8, out);

		if (f == 0)
			continue;       /* being written: a miss */
		hits++;
		/* a whole entry: family and address agree */
		if (f == 4) {
			assert_memory_equal(out, s1, 4);
			assert_memory_equal(out + 4, zero12, 12);
		} else {
			assert_int_equal(f, 6);
			assert_memory_equal(out, s2, 16);
		}
	}
	atomic_store(&r.stop, 1);
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_true(hits > 0);
	free(r.t);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_learn_lookup),
		cmocka_unit_test(test_bounded_oldest_replaced),
		cmocka_unit_test(test_seqlock_race),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
