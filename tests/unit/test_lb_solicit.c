/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Proactive neighbour resolution (issue 15, item 7; lb_solicit.h): the
 * unresolved next hops are asked for ahead of traffic, each at most every
 * LB_SOLICIT_INTERVAL_NS, shared with send_via()'s own requests; resolved
 * ones and a configuration with neigh_solicit off ask nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dsrlb/bytes.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_solicit.h"
#include "lb_fixture.h"

#define BUFSZ 256
#define MS 1000000ull

struct fx {
	struct lb_config cfg;
	struct lb_state *st;
	struct lb_worker w;
	uint8_t buf[BUFSZ];
	struct pkt_buf pb;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[200];

	assert_non_null(f);
	lbfx_config(&f->cfg, 1);
	(void)lbfx_vip4(&f->cfg, "web", 100, 80, LB_POLICY_MAGLEV, 2);
	if (lb_state_build(&f->st, &f->cfg, &lbfx_mac, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 7), 0);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	lb_config_free(&f->cfg);
	free(f);
	return 0;
}

/* One call at @p now: the target address of the ARP request written, or
 * 0 when nothing was due. */
static uint8_t
ask(struct fx *f, uint64_t now)
{
	uint8_t port = 0xff;

	memset(f->buf, 0, sizeof(f->buf));
	assert_int_equal(pkt_buf_init(&f->pb, f->buf, BUFSZ, 64, 0),
			 WIRE_OK);
	if (!lb_worker_solicit(&f->w, &f->pb, now, &port))
		return 0;
	assert_int_equal(port, 0);
	assert_int_equal(f->pb.len, 60);
	/* broadcast ARP request from our MAC for 10.0.0.X */
	assert_memory_equal(pkt_buf_data(&f->pb) + 6, lbfx_mac, 6);
	assert_int_equal(load_be16(pkt_buf_data(&f->pb) + 12), ETH_TYPE_ARP);
	assert_int_equal(load_be16(pkt_buf_data(&f->pb) + 20), 1);
	return pkt_buf_data(&f->pb)[14 + 24 + 3];
}

static void
test_ahead_of_traffic(void **state)
{
	struct fx *f = *state;
	uint8_t a, b;

	/* both backends, one per call, then nothing for 200 ms */
	a = ask(f, 1000 * MS);
	b = ask(f, 1001 * MS);
	assert_true((a == 11 && b == 12) || (a == 12 && b == 11));
	assert_int_equal(ask(f, 1002 * MS), 0);
	assert_int_equal(ask(f, 1150 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 2);
	/* s1 answers; s2 is asked again once its interval passed */
	atomic_store(&f->st->nht->e[lb_state_nh_find(
		f->st, &f->cfg.vip[0].backend[0].addr)].mac,
		LB_NH_VALID | 0x020000000011ull);
	assert_int_equal(ask(f, 1250 * MS), 12);
	assert_int_equal(ask(f, 1260 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 3);
}

static void
test_off(void **state)
{
	struct fx *f = *state;
	struct lb_state *st2 = NULL;
	char err[200];

	f->cfg.neigh_solicit = false;
	assert_int_equal(lb_state_build(&st2, &f->cfg, &lbfx_mac, err,
					sizeof(err)), 0);
	lb_worker_fini(&f->w);
	lb_state_free(f->st);
	f->st = st2;
	assert_int_equal(lb_worker_init(&f->w, f->st, 0, 1, 7), 0);
	assert_int_equal(ask(f, 1000 * MS), 0);
	assert_int_equal(f->w.cnt[LB_CNT_neigh_solicit_sent], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ahead_of_traffic, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_off, setup, teardown),
	};

	return cmocka_run_group_tests_name("lb_solicit", tests, NULL, NULL);
}
