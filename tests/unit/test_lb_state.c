/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/lb/lb_state.c: the route back to clients (lb_state_client_gw()
 * against lb_state_route()). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dsrlb/lb_state.h"
#include "dsrlb/rng.h"
#include "lb_fixture.h"

static const uint8_t lb_macs[LB_MAX_PORTS][6];

/* A random address of @p family, mostly near @p near (the same first
 * bytes, then random), so that connected subnets are hit and missed. */
static void
rand_addr(struct rng *r, uint8_t family, const struct lb_addr *near,
	  struct lb_addr *a)
{
	unsigned int keep = (unsigned int)rng_below(r, family == 4 ? 5 : 17);

	memset(a, 0, sizeof(*a));
	a->family = family;
	for (unsigned int i = 0; i < (family == 4 ? 4u : 16u); i++)
		a->a[i] = i < keep && near != NULL && near->family == family ?
			  near->a[i] : (uint8_t)rng_next(r);
	/* a few bits flipped around the prefix boundary */
	if (rng_below(r, 2) == 0)
		a->a[rng_below(r, family == 4 ? 4 : 16)] ^=
			(uint8_t)(1u << rng_below(r, 8));
}

/* Every answer of lb_state_client_gw() is lb_state_route()'s with
 * LB_ROLE_CLIENT (port, and the gateway as next hop), and when the
 * family has no static route it answers every client on no connected
 * subnet: @return how many it answered. */
static unsigned int
check_state(const struct lb_config *c, unsigned int seed, bool usable4,
	    bool usable6)
{
	struct lb_state *st = NULL;
	unsigned int hits = 0;
	char err[256];
	struct rng r;

	if (lb_state_build(&st, c, lb_macs, err, sizeof(err)) != 0)
		fail_msg("lb_state_build: %s", err);
	rng_seed(&r, seed);
	for (unsigned int it = 0; it < 20000; it++) {
		const uint8_t family = (it & 1) ? 6 : 4;
		const struct lb_port_conf *pc =
			&c->port[rng_below(&r, c->n_ports)];
		struct lb_addr a, nh_ip;
		uint8_t port = 0xee, rport = 0xdd;
		uint32_t nh;
		int rc;

		rand_addr(&r, family, family == 4 ? &pc->ip4 : &pc->ip6, &a);
		nh = lb_state_client_gw(st, &a, &port);
		rc = lb_state_route(st, &a, LB_ROLE_CLIENT, &rport, &nh_ip);
		if (nh != LB_NH_NONE) {
			hits++;
			assert_int_equal(rc, 0);
			assert_int_equal(port, rport);
			assert_true(lb_addr_eq(&st->nht->e[nh].ip, &nh_ip));
			assert_false(lb_addr_eq(&nh_ip, &a));
		} else if (family == 4 ? usable4 : usable6) {
			/* only an on-link client is left to the search */
			assert_int_equal(rc, 0);
			assert_true(lb_addr_eq(&nh_ip, &a));
		}
	}
	lb_state_free(st);
	return hits;
}

static void
test_client_gw_one_port(void **state)
{
	struct lb_config c;

	(void)state;
	lbfx_config(&c, 1);
	(void)lbfx_vip4(&c, "v", 100, 80, LB_POLICY_MAGLEV, 2);
	(void)lb_addr_parse("10.0.0.254", &c.port[0].gw4);
	(void)lb_addr_parse("2001:db8::fe", &c.port[0].gw6);
	assert_true(check_state(&c, 1, true, true) > 1000);
	lb_config_free(&c);
}

/* Two ports: servers on port 0 (a gateway of its own, not for
 * clients), clients on port 1 (/16 and /48; gateways); then a static
 * IPv4 route: IPv4 is left to lb_state_route(), IPv6 not. */
static void
test_client_gw_two_ports_and_routes(void **state)
{
	struct lb_config c;

	(void)state;
	lbfx_config(&c, 1);
	(void)lbfx_vip4(&c, "v", 100, 80, LB_POLICY_MAGLEV, 2);
	c.port[0].role = LB_ROLE_SERVER;
	(void)lb_addr_parse("10.0.0.253", &c.port[0].gw4);
	c.n_ports = 2;
	strcpy(c.port[1].name, "front");
	strcpy(c.port[1].dev, "net_null1");
	c.port[1].role = LB_ROLE_CLIENT;
	(void)lb_addr_parse("192.168.1.1", &c.port[1].ip4);
	c.port[1].ip4_prefix_len = 16;
	(void)lb_addr_parse("2001:db8:1::1", &c.port[1].ip6);
	c.port[1].ip6_prefix_len = 48;
	(void)lb_addr_parse("192.168.0.254", &c.port[1].gw4);
	(void)lb_addr_parse("2001:db8:1::fe", &c.port[1].gw6);
	assert_true(check_state(&c, 2, true, true) > 1000);
	c.n_routes = 1;
	(void)lb_addr_parse("172.16.0.0", &c.route[0].prefix);
	c.route[0].plen = 12;
	(void)lb_addr_parse("10.0.0.200", &c.route[0].via);
	assert_true(check_state(&c, 3, false, true) > 500);
	lb_config_free(&c);
}

/* No gateway of the family: every client is left to the search. */
static void
test_client_gw_none(void **state)
{
	struct lb_config c;

	(void)state;
	lbfx_config(&c, 1);
	(void)lbfx_vip4(&c, "v", 100, 80, LB_POLICY_MAGLEV, 2);
	assert_int_equal(check_state(&c, 4, false, false), 0);
	lb_config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_gw_one_port),
		cmocka_unit_test(test_client_gw_two_ports_and_routes),
		cmocka_unit_test(test_client_gw_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
