/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/lb/lb_config.c: names, address/prefix/MAC parsing and formatting,
 * prefix membership, defaults and the validation rules on structs built
 * in code. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/wire.h"

static struct lb_addr
A(const char *s)
{
	struct lb_addr a;

	if (lb_addr_parse(s, &a) != 0) {
		print_error("bad test address %s\n", s);
		fail();
	}
	return a;
}

static void
test_names(void **state)
{
	static const char *const policies[] = {
		"dsr-feedback", "hunt", "maglev", "round-robin", "random",
		"latency-feedback", "polling",
	};
	unsigned int i;

	(void)state;
	assert_int_equal(LB_POLICY_MAX, 7);
	for (i = 0; i < LB_POLICY_MAX; i++) {
		assert_string_equal(lb_policy_name(i), policies[i]);
		assert_int_equal(lb_policy_parse(policies[i]), (int)i);
	}
	assert_int_equal(lb_policy_parse("dsr-feedback"), LB_POLICY_BUSY);
	assert_int_equal(lb_policy_parse("latency-feedback"),
			 LB_POLICY_LATENCY);
	assert_string_equal(lb_policy_name(LB_POLICY_MAX), "?");
	assert_string_equal(lb_policy_name(1000), "?");
	assert_int_equal(lb_policy_parse("Maglev"), -1);
	assert_int_equal(lb_policy_parse("maglev "), -1);
	assert_int_equal(lb_policy_parse(""), -1);
	assert_int_equal(lb_policy_parse(NULL), -1);

	for (i = 0; i < 2; i++) {
		assert_int_equal(lb_transport_parse(lb_transport_name(i)),
				 (int)i);
		assert_int_equal(lb_leg_parse(lb_leg_name(i)), (int)i);
		assert_int_equal(lb_enc_parse(lb_enc_name(i)), (int)i);
	}
	assert_string_equal(lb_transport_name(LB_TRANSPORT_DSR), "dsr");
	assert_string_equal(lb_transport_name(LB_TRANSPORT_SRV6), "srv6");
	assert_string_equal(lb_transport_name(2), "?");
	assert_int_equal(lb_transport_parse("SRv6"), -1);
	assert_string_equal(lb_leg_name(LB_LEG_ROUTED), "routed");
	assert_string_equal(lb_leg_name(LB_LEG_L2), "l2");
	assert_string_equal(lb_leg_name(7), "?");
	assert_int_equal(lb_leg_parse("L2"), -1);
	assert_string_equal(lb_enc_name(IP6EXT_ENC_PAPER), "paper");
	assert_string_equal(lb_enc_name(IP6EXT_ENC_DSTOPT), "dstopt");
	assert_string_equal(lb_enc_name(2), "?");

	assert_string_equal(lb_role_name(LB_ROLE_CLIENT), "client");
	assert_string_equal(lb_role_name(LB_ROLE_SERVER), "server");
	assert_string_equal(lb_role_name(LB_ROLE_BOTH), "both");
	assert_string_equal(lb_role_name(0), "?");
	assert_string_equal(lb_role_name(4), "?");
	assert_int_equal(lb_role_parse("both"), LB_ROLE_BOTH);
	assert_int_equal(lb_role_parse("none"), -1);
	assert_int_equal(lb_role_parse("?"), -1);
}

static void
test_name_valid(void **state)
{
	char n[LB_NAME_LEN + 1];

	(void)state;
	assert_true(lb_name_valid("web-1_A"));
	assert_false(lb_name_valid(""));
	assert_false(lb_name_valid(NULL));
	assert_false(lb_name_valid("a b"));
	assert_false(lb_name_valid("a.b"));
	assert_false(lb_name_valid("é"));
	memset(n, 'x', sizeof(n));
	n[LB_NAME_LEN - 1] = '\0';      /* 31 characters */
	assert_true(lb_name_valid(n));
	n[LB_NAME_LEN - 1] = 'x';
	n[LB_NAME_LEN] = '\0';          /* 32 */
	assert_false(lb_name_valid(n));
}

static void
test_addr_round_trip(void **state)
{
	static const char *const good[] = {
		"10.0.0.1", "0.0.0.0", "255.255.255.255", "192.0.2.100",
		"2001:db8::1", "::", "::1", "fe80::21",
		"2001:db8:c::fe", "ff02::1", "::ffff:192.0.2.1",
		"2001:db8:1:2:3:4:5:6",
	};
	static const char *const bad[] = {
		"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "10.0.0.01",
		" 10.0.0.1", "10.0.0.1 ", "10.0.0.1/24", "0x0a.0.0.1",
		"2001:db8::1::2", "2001:db8::g", "fe80::1%eth0",
		"1:2:3:4:5:6:7:8:9", "abc", "-1.0.0.0", "10.0.0.1\n",
		"2001:0db8:0000:0000:0000:0000:0000:0001:ffff",
	};
	char buf[64];
	struct lb_addr a, b;
	unsigned int i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(lb_addr_parse(good[i], &a), 0);
		assert_int_equal(a.family, strchr(good[i], ':') ? 6 : 4);
		assert_string_equal(lb_addr_fmt(&a, buf, sizeof(buf)),
				    good[i]);
		assert_int_equal(lb_addr_parse(buf, &b), 0);
		assert_true(lb_addr_eq(&a, &b));
	}
	/* IPv4 bytes in a[0..3], the rest zero. */
	a = A("192.0.2.1");
	assert_int_equal(a.a[0], 192);
	assert_int_equal(a.a[3], 1);
	for (i = 4; i < 16; i++)
		assert_int_equal(a.a[i], 0);
	/* Formatting canonicalises IPv6. */
	a = A("2001:0DB8:0:0:0:0:0:0001");
	assert_string_equal(lb_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&a, 0x5A, sizeof(a));
		b = a;
		if (lb_addr_parse(bad[i], &a) != -1) {
			print_error("'%s' parsed\n", bad[i]);
			fail();
		}
		assert_memory_equal(&a, &b, sizeof(a)); /* untouched */
	}
	assert_int_equal(lb_addr_parse(NULL, &a), -1);
	assert_int_equal(lb_addr_parse("10.0.0.1", NULL), -1);
	/* Unset, truncated, NULL. */
	memset(&a, 0, sizeof(a));
	assert_string_equal(lb_addr_fmt(&a, buf, sizeof(buf)), "-");
	assert_string_equal(lb_addr_fmt(NULL, buf, sizeof(buf)), "-");
	a = A("192.0.2.100");
	assert_string_equal(lb_addr_fmt(&a, buf, 5), "192.");
	assert_null(lb_addr_fmt(&a, NULL, 10));
}

static void
test_addr_eq(void **state)
{
	struct lb_addr a = A("10.0.0.1"), b = A("10.0.0.1");
	struct lb_addr c6 = A("::a00:1");

	(void)state;
	assert_true(lb_addr_eq(&a, &b));
	b.a[3] = 2;
	assert_false(lb_addr_eq(&a, &b));
	/* Same bytes, other family. */
	assert_false(lb_addr_eq(&a, &c6));
	assert_false(lb_addr_eq(&a, NULL));
	assert_true(lb_addr_eq(&c6, &c6));
}

static void
test_prefix(void **state)
{
	struct lb_addr a;
	uint8_t plen;

	(void)state;
	assert_int_equal(lb_prefix_parse("10.1.0.0/16", &a, &plen), 0);
	assert_int_equal(a.family, 4);
	assert_int_equal(plen, 16);
	assert_int_equal(lb_prefix_parse("192.0.2.1/24", &a, &plen), 0);
	assert_int_equal(a.a[3], 1);    /* host bits kept */
	assert_int_equal(lb_prefix_parse("0.0.0.0/0", &a, &plen), 0);
	assert_int_equal(plen, 0);
	assert_int_equal(lb_prefix_parse("10.0.0.1/32", &a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(lb_prefix_parse("2001:db8::/48", &a, &plen), 0);
	assert_int_equal(a.family, 6);
	assert_int_equal(plen, 48);
	assert_int_equal(lb_prefix_parse("::1/128", &a, &plen), 0);
	assert_int_equal(plen, 128);
	/* A bare address gets the full length. */
	assert_int_equal(lb_prefix_parse("10.0.0.1", &a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(lb_prefix_parse("2001:db8::1", &a, &plen), 0);
	assert_int_equal(plen, 128);

	plen = 77;
	assert_int_equal(lb_prefix_parse("10.0.0.1/33", &a, &plen), -1);
	assert_int_equal(plen, 77);
	assert_int_equal(lb_prefix_parse("2001:db8::/129", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("/24", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/024", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/+8", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/-1", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/8x", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/1000", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/ 8", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.1/8/8", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.256/8", &a, &plen), -1);
	assert_int_equal(lb_prefix_parse(NULL, &a, &plen), -1);
	assert_int_equal(lb_prefix_parse("10.0.0.0/8", &a, NULL), -1);
}

static void
test_mac(void **state)
{
	static const uint8_t want[6] = { 0x02, 0x00, 0xab, 0xCD, 0x0e, 0xff };
	uint8_t mac[6], keep[6];

	(void)state;
	assert_int_equal(lb_mac_parse("02:00:ab:CD:0e:ff", mac), 0);
	assert_memory_equal(mac, want, 6);
	memcpy(keep, mac, 6);
	assert_int_equal(lb_mac_parse("02:00:ab:cd:0e", mac), -1);
	assert_int_equal(lb_mac_parse("02:00:ab:cd:0e:ff:", mac), -1);
	assert_int_equal(lb_mac_parse("02-00-ab-cd-0e-ff", mac), -1);
	assert_int_equal(lb_mac_parse("2:0:ab:cd:e:ff", mac), -1);
	assert_int_equal(lb_mac_parse("02:00:ab:cd:0e:fg", mac), -1);
	assert_int_equal(lb_mac_parse("0200.abcd.0eff", mac), -1);
	assert_int_equal(lb_mac_parse("", mac), -1);
	assert_int_equal(lb_mac_parse(NULL, mac), -1);
	assert_memory_equal(mac, keep, 6);
}

static void
test_in_prefix(void **state)
{
	struct lb_addr p4 = A("10.1.0.0"), p6 = A("2001:db8:c::");
	struct lb_addr a;

	(void)state;
	a = A("10.1.255.255");
	assert_true(lb_addr_in_prefix(&a, &p4, 16));
	assert_false(lb_addr_in_prefix(&a, &p4, 17));
	a = A("10.2.0.0");
	assert_false(lb_addr_in_prefix(&a, &p4, 16));
	assert_true(lb_addr_in_prefix(&a, &p4, 14));  /* 10.0.0.0/14 */
	assert_true(lb_addr_in_prefix(&a, &p4, 0));
	assert_false(lb_addr_in_prefix(&a, &p4, 33));
	a = A("10.1.0.0");
	assert_true(lb_addr_in_prefix(&a, &p4, 32));
	a = A("10.1.0.1");
	assert_false(lb_addr_in_prefix(&a, &p4, 32));
	assert_true(lb_addr_in_prefix(&a, &p4, 31));
	/* Non-byte boundaries. */
	a = A("192.0.2.130");
	p4 = A("192.0.2.128");
	assert_true(lb_addr_in_prefix(&a, &p4, 25));
	a = A("192.0.2.127");
	assert_false(lb_addr_in_prefix(&a, &p4, 25));
	/* IPv6 and family mismatch. */
	a = A("2001:db8:c::10");
	assert_true(lb_addr_in_prefix(&a, &p6, 64));
	assert_true(lb_addr_in_prefix(&a, &p6, 123));  /* ::10 = ...0001 0000 */
	assert_false(lb_addr_in_prefix(&a, &p6, 124));
	assert_false(lb_addr_in_prefix(&a, &p4, 0));
	a = A("2001:db8:d::10");
	assert_false(lb_addr_in_prefix(&a, &p6, 48));
	assert_true(lb_addr_in_prefix(&a, &p6, 45));
	assert_false(lb_addr_in_prefix(&a, &p6, 129));
	assert_false(lb_addr_in_prefix(NULL, &p6, 0));
}

static void
test_defaults(void **state)
{
	struct lb_config c;
	struct srv6_func_cfg s;

	(void)state;
	memset(&c, 0xA5, sizeof(c));
	lb_config_defaults(&c);
	assert_int_equal(c.flow_capacity, 65536);
	assert_true(c.timeout_new_ns == 5000000000ull);
	assert_true(c.timeout_est_ns == 300000000000ull);
	assert_true(c.timeout_closing_ns == 10000000000ull);
	assert_int_equal(c.idle_sleep_us, 50);
	assert_true(c.chash_seed == 0x5eed);
	assert_true(c.score_max_age_ns == 1000000000ull);
	assert_int_equal(c.score_ewma_w, BUSY_EWMA_ONE);
	assert_int_equal(c.score_max_step, 0);
	assert_true(c.probe_timeout_ns == 100000000ull);
	srv6_func_cfg_default(&s);
	assert_memory_equal(&c.srv6, &s, sizeof(s));
	assert_false(c.has_lb_sid);
	assert_int_equal(c.n_ports, 0);
	assert_int_equal(c.n_neigh, 0);
	assert_int_equal(c.n_routes, 0);
	assert_int_equal(c.n_vips, 0);
	assert_null(c.vip);
	lb_config_free(&c);
	lb_config_free(NULL);
	lb_config_defaults(NULL);
}

/*
 * Validation. A valid base: one client port, one server port, an IPv4 DSR
 * VIP and an IPv6 hunt VIP; each test breaks one thing.
 */
struct vfix {
	struct lb_config c;
	struct lb_vip_conf vip[3];
};

static void
add_port(struct lb_config *c, const char *name, const char *dev,
	 uint8_t role, const char *p4, const char *p6)
{
	struct lb_port_conf *p = &c->port[c->n_ports++];

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->dev, sizeof(p->dev), "%s", dev);
	p->role = role;
	if (p4 != NULL)
		assert_int_equal(lb_prefix_parse(p4, &p->ip4, &p->ip4_prefix_len), 0);
	if (p6 != NULL)
		assert_int_equal(lb_prefix_parse(p6, &p->ip6, &p->ip6_prefix_len), 0);
}

static struct lb_backend_conf *
add_backend(struct lb_vip_conf *v, const char *name, const char *addr,
	    const char *locator)
{
	struct lb_backend_conf *b = &v->backend[v->n_backends++];

	memset(b, 0, sizeof(*b));
	snprintf(b->name, sizeof(b->name), "%s", name);
	b->addr = A(addr);
	b->weight = 1;
	if (locator != NULL) {
		struct lb_addr l = A(locator);

		memcpy(b->locator, l.a, 16);
		b->has_locator = true;
	}
	return b;
}

static void
init_vip(struct lb_vip_conf *v, const char *name, const char *addr,
	 uint8_t policy, uint8_t transport)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->addr = A(addr);
	v->port = 80;
	v->proto = IPPROTO_NUM_TCP;
	v->policy = policy;
	v->transport = transport;
	v->probe_n = 8;
}

static int
setup_vfix(void **state)
{
	struct vfix *f = calloc(1, sizeof(*f));
	struct lb_config *c;
	struct lb_addr sid = A("2001:db8:ff::");

	if (f == NULL)
		return -1;
	c = &f->c;
	lb_config_defaults(c);
	memcpy(c->lb_sid, sid.a, 16);
	c->has_lb_sid = true;
	add_port(c, "lan", "net_pcap0", LB_ROLE_CLIENT, "192.0.2.1/24",
		 "2001:db8:c::1/64");
	add_port(c, "srv", "net_pcap1", LB_ROLE_SERVER, "10.1.0.1/24",
		 "2001:db8:1::1/64");
	c->port[0].gw4 = A("192.0.2.254");
	c->port[0].mtu = 1500;
	c->neigh[0].ip = A("10.1.0.21");
	c->neigh[0].mac[0] = 0x02;
	c->neigh[0].mac[5] = 0x21;
	c->n_neigh = 1;
	c->route[0].prefix = A("10.2.0.0");
	c->route[0].plen = 16;
	c->route[0].via = A("10.1.0.254");
	c->n_routes = 1;
	init_vip(&f->vip[0], "web4", "192.0.2.100", LB_POLICY_BUSY,
		 LB_TRANSPORT_DSR);
	add_backend(&f->vip[0], "a", "10.1.0.21", NULL);
	add_backend(&f->vip[0], "b", "10.2.0.22", NULL);
	init_vip(&f->vip[1], "web6", "2001:db8:c::100", LB_POLICY_HUNT,
		 LB_TRANSPORT_SRV6);
	add_backend(&f->vip[1], "s1", "2001:db8:1::21", "2001:db8:a1::");
	add_backend(&f->vip[1], "s2", "2001:db8:1::22", "2001:db8:a2::");
	c->vip = f->vip;
	c->n_vips = 2;
	*state = f;
	return 0;
}

static int
teardown_vfix(void **state)
{
	free(*state);
	return 0;
}

/* Expect -EINVAL with @phrase in the message and the given location. */
static void
expect_invalid(const struct lb_config *c, const char *phrase, uint8_t obj,
	       uint32_t index, int32_t backend, const char *key)
{
	struct lb_config_where w;
	char err[256];

	assert_int_equal(lb_config_validate_at(c, err, sizeof(err), &w),
			 -EINVAL);
	if (strstr(err, phrase) == NULL) {
		print_error("message '%s' lacks '%s'\n", err, phrase);
		fail();
	}
	assert_null(strchr(err, '\n'));
	assert_int_equal(w.obj, obj);
	assert_int_equal(w.index, index);
	assert_int_equal(w.backend, backend);
	if (key == NULL)
		assert_null(w.key);
	else
		assert_string_equal(w.key, key);
	/* The plain variant agrees. */
	assert_int_equal(lb_config_validate(c, NULL, 0), -EINVAL);
}

static void
test_validate_ok(void **state)
{
	struct vfix *f = *state;
	struct lb_config_where w;
	char err[256] = "junk";

	assert_int_equal(lb_config_validate_at(&f->c, err, sizeof(err), &w),
			 0);
	assert_string_equal(err, "");
	assert_int_equal(w.obj, LB_CFG_OBJ_NONE);
	assert_int_equal(lb_config_validate(&f->c, err, sizeof(err)), 0);
	/* Backends of different VIPs may share an address. */
	init_vip(&f->vip[2], "alt4", "192.0.2.101", LB_POLICY_MAGLEV,
		 LB_TRANSPORT_DSR);
	add_backend(&f->vip[2], "a", "10.1.0.21", NULL);
	f->c.n_vips = 3;
	assert_int_equal(lb_config_validate(&f->c, err, sizeof(err)), 0);
	/* The same address on another port or proto is another VIP. */
	f->vip[2].addr = f->vip[0].addr;
	f->vip[2].proto = IPPROTO_NUM_UDP;
	assert_int_equal(lb_config_validate(&f->c, err, sizeof(err)), 0);
	f->vip[2].proto = IPPROTO_NUM_TCP;
	f->vip[2].port = 0;
	assert_int_equal(lb_config_validate(&f->c, err, sizeof(err)), 0);
	/* A one-armed port serves both. */
	f->c.port[1].role = LB_ROLE_BOTH;
	f->c.port[0].role = LB_ROLE_BOTH;
	assert_int_equal(lb_config_validate(&f->c, err, sizeof(err)), 0);
	assert_int_equal(lb_config_validate(NULL, err, sizeof(err)), -EINVAL);
}

static void
test_validate_family(void **state)
{
	struct vfix *f = *state;

	f->vip[0].backend[1].addr = A("2001:db8:1::22");
	expect_invalid(&f->c, "vip web4: backend b: IPv6 address",
		       LB_CFG_OBJ_VIP, 0, 1, NULL);
}

static void
test_validate_srv6(void **state)
{
	struct vfix *f = *state;

	/* hunt needs srv6 */
	f->vip[1].transport = LB_TRANSPORT_DSR;
	expect_invalid(&f->c, "mode hunt needs transport srv6",
		       LB_CFG_OBJ_VIP, 1, -1, "transport");
	/* srv6 needs an IPv6 VIP (hunt on IPv4) */
	f->vip[1].transport = LB_TRANSPORT_SRV6;
	f->vip[1].addr = A("192.0.2.200");
	expect_invalid(&f->c, "needs an IPv6 VIP", LB_CFG_OBJ_VIP, 1, -1,
		       "address");
	f->vip[1].addr = A("2001:db8:c::100");
	/* a locator on every backend */
	f->vip[1].backend[1].has_locator = false;
	expect_invalid(&f->c, "backend s2: the srv6 transport needs locator",
		       LB_CFG_OBJ_VIP, 1, 1, NULL);
	f->vip[1].backend[1].has_locator = true;
	/* lb_sid */
	f->c.has_lb_sid = false;
	expect_invalid(&f->c, "needs [srv6] lb_sid", LB_CFG_OBJ_VIP, 1, -1,
		       "transport");
	f->c.has_lb_sid = true;
	/* dsr-feedback needs dsr */
	f->vip[0].transport = LB_TRANSPORT_SRV6;
	expect_invalid(&f->c, "dsr-feedback needs transport dsr",
		       LB_CFG_OBJ_VIP, 0, -1, "transport");
	f->vip[0].transport = LB_TRANSPORT_DSR;
	/* shared locator */
	memcpy(f->vip[1].backend[1].locator, f->vip[1].backend[0].locator, 16);
	expect_invalid(&f->c, "same locator as backend s1", LB_CFG_OBJ_VIP,
		       1, 1, NULL);
	/* locator host bits, with /64 locators */
	f->vip[1].backend[1].locator[15] = 1;
	expect_invalid(&f->c, "bits set past locator_bits (/64)",
		       LB_CFG_OBJ_VIP, 1, 1, NULL);
	f->vip[1].backend[1].locator[15] = 0;
	f->vip[1].backend[1].locator[5] = 0xa2;
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	/* lb_sid host bits, and a bad function layout */
	f->c.lb_sid[9] = 1;
	expect_invalid(&f->c, "lb_sid has bits set", LB_CFG_OBJ_SRV6, 0, -1,
		       "lb_sid");
	f->c.lb_sid[9] = 0;
	f->c.srv6.code[2] = f->c.srv6.code[1];
	expect_invalid(&f->c, "[srv6] inconsistent", LB_CFG_OBJ_SRV6, 0, -1,
		       NULL);
}

static void
test_validate_hunt_backends(void **state)
{
	struct vfix *f = *state;

	/* One backend is enough (C = min(2, active)), none is not. */
	f->vip[1].n_backends = 1;
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	f->vip[1].n_backends = 0;
	expect_invalid(&f->c, "vip web6: no backend", LB_CFG_OBJ_VIP, 1, -1,
		       NULL);
	f->vip[1].n_backends = LB_MAX_BACKENDS + 1;
	expect_invalid(&f->c, "at most 256", LB_CFG_OBJ_VIP, 1, -1, NULL);
}

static void
test_validate_duplicates(void **state)
{
	struct vfix *f = *state;

	/* same (address, port, proto) */
	init_vip(&f->vip[2], "dup", "192.0.2.100", LB_POLICY_RR,
		 LB_TRANSPORT_DSR);
	add_backend(&f->vip[2], "x", "10.1.0.30", NULL);
	f->c.n_vips = 3;
	expect_invalid(&f->c, "vip dup: same address, port and proto",
		       LB_CFG_OBJ_VIP, 2, -1, "address");
	f->vip[2].port = 81;
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	/* VIP names */
	snprintf(f->vip[2].name, sizeof(f->vip[2].name), "web4");
	expect_invalid(&f->c, "duplicate VIP name", LB_CFG_OBJ_VIP, 2, -1,
		       NULL);
	snprintf(f->vip[2].name, sizeof(f->vip[2].name), "dup");
	/* backend address within a VIP */
	add_backend(&f->vip[2], "y", "10.1.0.30", NULL);
	expect_invalid(&f->c, "backend y: same address 10.1.0.30 as backend x",
		       LB_CFG_OBJ_VIP, 2, 1, NULL);
	f->vip[2].backend[1].addr = A("10.1.0.31");
	/* backend name within a VIP */
	snprintf(f->vip[2].backend[1].name, LB_NAME_LEN, "x");
	expect_invalid(&f->c, "duplicate backend name", LB_CFG_OBJ_VIP, 2, 1,
		       NULL);
	snprintf(f->vip[2].backend[1].name, LB_NAME_LEN, "y");
	/* port names */
	snprintf(f->c.port[1].name, LB_NAME_LEN, "lan");
	expect_invalid(&f->c, "duplicate port name", LB_CFG_OBJ_PORT, 1, -1,
		       NULL);
	snprintf(f->c.port[1].name, LB_NAME_LEN, "srv");
	/* neighbours, routes */
	f->c.neigh[1] = f->c.neigh[0];
	f->c.n_neigh = 2;
	expect_invalid(&f->c, "listed twice", LB_CFG_OBJ_NEIGH, 1, -1, NULL);
	f->c.n_neigh = 1;
	f->c.route[1] = f->c.route[0];
	f->c.n_routes = 2;
	expect_invalid(&f->c, "route 10.2.0.0/16: listed twice",
		       LB_CFG_OBJ_ROUTE, 1, -1, NULL);
}

static void
test_validate_ports(void **state)
{
	struct vfix *f = *state;
	struct lb_config *c = &f->c;

	c->port[1].role = LB_ROLE_CLIENT;
	expect_invalid(c, "no server-facing port", LB_CFG_OBJ_NONE, 0, -1,
		       NULL);
	c->port[1].role = LB_ROLE_SERVER;
	c->port[0].role = LB_ROLE_SERVER;
	expect_invalid(c, "no client-facing port", LB_CFG_OBJ_NONE, 0, -1,
		       NULL);
	c->port[0].role = 0;
	expect_invalid(c, "role must be", LB_CFG_OBJ_PORT, 0, -1, "role");
	c->port[0].role = LB_ROLE_CLIENT;
	/* gateway */
	c->port[0].gw4 = A("192.0.3.254");
	expect_invalid(c, "port lan: gateway4 192.0.3.254 is outside the "
		       "port's subnet 192.0.2.1/24", LB_CFG_OBJ_PORT, 0, -1,
		       "gateway4");
	c->port[0].gw4 = A("192.0.2.1");
	expect_invalid(c, "own", LB_CFG_OBJ_PORT, 0, -1, "gateway4");
	c->port[0].gw4 = A("192.0.2.254");
	c->port[1].gw6 = A("2001:db8:2::fe");
	expect_invalid(c, "gateway6", LB_CFG_OBJ_PORT, 1, -1, "gateway6");
	c->port[1].gw6.family = 0;
	/* a gateway without an address */
	c->port[1].gw4 = A("10.1.0.254");
	c->port[1].ip4.family = 0;
	expect_invalid(c, "gateway4 needs ipv4", LB_CFG_OBJ_PORT, 1, -1,
		       "gateway4");
	c->port[1].gw4.family = 0;
	c->port[1].ip4 = A("10.1.0.1");
	/* prefix lengths, families */
	c->port[1].ip4_prefix_len = 33;
	expect_invalid(c, "prefix length 33", LB_CFG_OBJ_PORT, 1, -1, "ipv4");
	c->port[1].ip4_prefix_len = 0;
	expect_invalid(c, "prefix length 0", LB_CFG_OBJ_PORT, 1, -1, "ipv4");
	c->port[1].ip4_prefix_len = 24;
	c->port[1].ip6 = A("10.9.9.9");
	expect_invalid(c, "ipv6 is not an IPv6 address", LB_CFG_OBJ_PORT, 1,
		       -1, "ipv6");
	c->port[1].ip6 = A("2001:db8:1::1");
	/* mtu */
	c->port[0].mtu = 9001;
	expect_invalid(c, "mtu 9001 out of range", LB_CFG_OBJ_PORT, 0, -1,
		       "mtu");
	c->port[0].mtu = 1279;
	expect_invalid(c, "below IPv6's minimum", LB_CFG_OBJ_PORT, 0, -1,
		       "mtu");
	c->port[0].ip6.family = 0;
	assert_int_equal(lb_config_validate(c, NULL, 0), 0); /* IPv4 only */
	c->port[0].ip6 = A("2001:db8:c::1");
	c->port[0].mtu = 0;
	/* names, dev */
	c->port[0].name[0] = '\0';
	expect_invalid(c, "bad name", LB_CFG_OBJ_PORT, 0, -1, NULL);
	snprintf(c->port[0].name, LB_NAME_LEN, "lan");
	c->port[1].dev[0] = '\0';
	expect_invalid(c, "dev", LB_CFG_OBJ_PORT, 1, -1, "dev");
	snprintf(c->port[1].dev, LB_DEV_LEN, "net_pcap0");
	expect_invalid(c, "dev net_pcap0 is already port lan's",
		       LB_CFG_OBJ_PORT, 1, -1, "dev");
	snprintf(c->port[1].dev, LB_DEV_LEN, "net_pcap1");
	/* counts */
	c->n_ports = 0;
	expect_invalid(c, "no port", LB_CFG_OBJ_NONE, 0, -1, NULL);
	c->n_ports = LB_MAX_PORTS + 1;
	expect_invalid(c, "at most 8", LB_CFG_OBJ_NONE, 0, -1, NULL);
}

static void
test_validate_vip_addr(void **state)
{
	struct vfix *f = *state;

	f->vip[0].addr = A("192.0.2.1");
	expect_invalid(&f->c, "vip web4: 192.0.2.1 is a port's address",
		       LB_CFG_OBJ_VIP, 0, -1, "address");
	f->vip[0].addr = A("224.0.0.1");
	expect_invalid(&f->c, "not a unicast address", LB_CFG_OBJ_VIP, 0, -1,
		       "address");
	f->vip[0].addr.family = 0;
	expect_invalid(&f->c, "address is required", LB_CFG_OBJ_VIP, 0, -1,
		       "address");
	f->vip[0].addr = A("192.0.2.100");
	f->vip[0].backend[0].addr = A("192.0.2.100");
	expect_invalid(&f->c, "is the VIP's or a port's address",
		       LB_CFG_OBJ_VIP, 0, 0, NULL);
	f->vip[0].backend[0].addr = A("10.1.0.1");
	expect_invalid(&f->c, "is the VIP's or a port's address",
		       LB_CFG_OBJ_VIP, 0, 0, NULL);
}

static void
test_validate_vip_fields(void **state)
{
	struct vfix *f = *state;
	struct lb_vip_conf *v = &f->vip[0];

	v->backend[1].weight = 1001;
	expect_invalid(&f->c, "weight 1001 out of range 0..1000",
		       LB_CFG_OBJ_VIP, 0, 1, NULL);
	v->backend[1].weight = 0;           /* drained: fine */
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	v->chash_m = 65536;
	expect_invalid(&f->c, "chash_m 65536 must be a prime", LB_CFG_OBJ_VIP,
		       0, -1, "chash_m");
	v->chash_m = 5;
	expect_invalid(&f->c, "chash_m", LB_CFG_OBJ_VIP, 0, -1, "chash_m");
	v->chash_m = 65537;
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	v->proto = 1;
	expect_invalid(&f->c, "proto must be tcp or udp", LB_CFG_OBJ_VIP, 0,
		       -1, "proto");
	v->proto = IPPROTO_NUM_UDP;
	v->policy = LB_POLICY_MAX;
	expect_invalid(&f->c, "unknown mode", LB_CFG_OBJ_VIP, 0, -1, "mode");
	v->policy = LB_POLICY_BUSY;
	v->transport = 2;
	expect_invalid(&f->c, "unknown transport", LB_CFG_OBJ_VIP, 0, -1,
		       "transport");
	v->transport = LB_TRANSPORT_DSR;
	v->enc = IP6EXT_ENC_DSTOPT;
	expect_invalid(&f->c, "encoding applies to IPv6", LB_CFG_OBJ_VIP, 0,
		       -1, "encoding");
	v->enc = IP6EXT_ENC_PAPER;
	v->probe_n = 65536;
	expect_invalid(&f->c, "probe_every 65536", LB_CFG_OBJ_VIP, 0, -1,
		       "probe_every");
	v->probe_n = 0;
	/* l2 leg: backends on a server-facing subnet; b is behind a route */
	v->leg = LB_LEG_L2;
	expect_invalid(&f->c, "backend b: the l2 leg needs 10.2.0.22",
		       LB_CFG_OBJ_VIP, 0, 1, NULL);
	v->backend[1].addr = A("10.1.0.22");
	assert_int_equal(lb_config_validate(&f->c, NULL, 0), 0);
	f->vip[1].leg = LB_LEG_L2;
	expect_invalid(&f->c, "leg l2 applies to transport dsr only",
		       LB_CFG_OBJ_VIP, 1, -1, "leg");
	f->vip[1].leg = LB_LEG_ROUTED;
	snprintf(v->backend[0].name, LB_NAME_LEN, "a b");
	expect_invalid(&f->c, "backend 0: bad name", LB_CFG_OBJ_VIP, 0, 0,
		       NULL);
	snprintf(v->backend[0].name, LB_NAME_LEN, "a");
	v->name[0] = '\0';
	expect_invalid(&f->c, "vip 0: bad name", LB_CFG_OBJ_VIP, 0, -1, NULL);
}

static void
test_validate_neigh_routes(void **state)
{
	struct vfix *f = *state;
	struct lb_config *c = &f->c;

	c->neigh[0].ip = A("10.9.0.1");
	expect_invalid(c, "neighbour 10.9.0.1: not in any port's connected",
		       LB_CFG_OBJ_NEIGH, 0, -1, NULL);
	c->neigh[0].ip = A("fe80::1");      /* link-local: fine */
	assert_int_equal(lb_config_validate(c, NULL, 0), 0);
	c->neigh[0].ip = A("10.1.0.1");
	expect_invalid(c, "port's own address", LB_CFG_OBJ_NEIGH, 0, -1, NULL);
	c->neigh[0].ip = A("10.1.0.21");
	c->neigh[0].mac[0] = 0x01;
	expect_invalid(c, "MAC must be unicast", LB_CFG_OBJ_NEIGH, 0, -1,
		       NULL);
	c->neigh[0].mac[0] = 0x02;
	c->route[0].via = A("10.3.0.1");
	expect_invalid(c, "next hop 10.3.0.1 is not in any port's connected",
		       LB_CFG_OBJ_ROUTE, 0, -1, NULL);
	c->route[0].via = A("2001:db8:1::fe");
	expect_invalid(c, "is not IPv4", LB_CFG_OBJ_ROUTE, 0, -1, NULL);
	c->route[0].via = A("10.1.0.254");
	c->route[0].plen = 8;
	expect_invalid(c, "host bits set", LB_CFG_OBJ_ROUTE, 0, -1, NULL);
	c->route[0].plen = 33;
	expect_invalid(c, "bad prefix", LB_CFG_OBJ_ROUTE, 0, -1, NULL);
	c->route[0].plen = 16;
	c->n_neigh = LB_MAX_NEIGHBOURS + 1;
	expect_invalid(c, "neighbours, at most 256", LB_CFG_OBJ_NONE, 0, -1,
		       NULL);
	c->n_neigh = 1;
	c->n_routes = LB_MAX_ROUTES + 1;
	expect_invalid(c, "routes, at most 64", LB_CFG_OBJ_NONE, 0, -1, NULL);
}

static void
test_validate_general(void **state)
{
	struct vfix *f = *state;
	struct lb_config *c = &f->c;

	c->flow_capacity = 0;
	expect_invalid(c, "flow_capacity", LB_CFG_OBJ_GENERAL, 0, -1,
		       "flow_capacity");
	c->flow_capacity = (1u << 27) + 1;
	expect_invalid(c, "flow_capacity", LB_CFG_OBJ_GENERAL, 0, -1,
		       "flow_capacity");
	c->flow_capacity = 1u << 27;
	c->score_ewma_w = 0;
	expect_invalid(c, "score_ewma", LB_CFG_OBJ_GENERAL, 0, -1,
		       "score_ewma");
	c->score_ewma_w = BUSY_EWMA_ONE + 1;
	expect_invalid(c, "score_ewma", LB_CFG_OBJ_GENERAL, 0, -1,
		       "score_ewma");
	c->score_ewma_w = 1;
	c->idle_sleep_us = 100001;
	expect_invalid(c, "idle_sleep_us", LB_CFG_OBJ_GENERAL, 0, -1,
		       "idle_sleep_us");
	c->idle_sleep_us = 0;
	c->probe_timeout_ns = 0;
	expect_invalid(c, "probe_timeout_ms", LB_CFG_OBJ_GENERAL, 0, -1,
		       "probe_timeout_ms");
	c->probe_timeout_ns = 1;
	c->timeout_est_ns = 0;
	expect_invalid(c, "timeout_established_s", LB_CFG_OBJ_GENERAL, 0, -1,
		       "timeout_established_s");
	c->timeout_est_ns = 1;
	c->score_max_step = 65536;
	expect_invalid(c, "score_max_step", LB_CFG_OBJ_GENERAL, 0, -1,
		       "score_max_step");
	c->score_max_step = 65535;
	assert_int_equal(lb_config_validate(c, NULL, 0), 0);
	c->n_vips = LB_MAX_VIPS + 1;
	expect_invalid(c, "VIPs, at most 64", LB_CFG_OBJ_NONE, 0, -1, NULL);
	c->n_vips = 1;
	c->vip = NULL;
	expect_invalid(c, "no VIP array", LB_CFG_OBJ_NONE, 0, -1, NULL);
}

#define VTEST(fn) cmocka_unit_test_setup_teardown(fn, setup_vfix, teardown_vfix)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_addr_round_trip),
		cmocka_unit_test(test_addr_eq),
		cmocka_unit_test(test_prefix),
		cmocka_unit_test(test_mac),
		cmocka_unit_test(test_in_prefix),
		cmocka_unit_test(test_defaults),
		VTEST(test_validate_ok),
		VTEST(test_validate_family),
		VTEST(test_validate_srv6),
		VTEST(test_validate_hunt_backends),
		VTEST(test_validate_duplicates),
		VTEST(test_validate_ports),
		VTEST(test_validate_vip_addr),
		VTEST(test_validate_vip_fields),
		VTEST(test_validate_neigh_routes),
		VTEST(test_validate_general),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
