/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Small configurations for the lib/lb unit tests: one port 10.0.0.1/24
 * (2001:db8::1/64) and IPv4 VIPs 10.0.0.N with backends 10.0.0.11,
 * 10.0.0.12, ... (header-only: each test program includes it once).
 */
#ifndef DSRLB_TESTS_LB_FIXTURE_H_
#define DSRLB_TESTS_LB_FIXTURE_H_

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_config.h"
#include "dsrlb/wire.h"

static const uint8_t lbfx_mac[6] = { 2, 0, 0, 0, 0, 0xaa };

static inline void
lbfx_addr4(struct lb_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = 10;
	a->a[3] = last;
}

/* Defaults, one port "wire" (both roles) at 10.0.0.1/24 and
 * 2001:db8::1/64, room for @p max_vips VIPs. */
static inline void
lbfx_config(struct lb_config *c, unsigned int max_vips)
{
	lb_config_defaults(c);
	c->flow_capacity = 1024;
	c->n_ports = 1;
	strcpy(c->port[0].name, "wire");
	strcpy(c->port[0].dev, "net_null0");
	c->port[0].role = LB_ROLE_BOTH;
	lbfx_addr4(&c->port[0].ip4, 1);
	c->port[0].ip4_prefix_len = 24;
	(void)lb_addr_parse("2001:db8::1", &c->port[0].ip6);
	c->port[0].ip6_prefix_len = 64;
	c->vip = calloc(max_vips, sizeof(*c->vip));
}

/* VIP @p name at 10.0.0.@p last:@p port/tcp, @p policy, with @p n
 * backends s1.. at 10.0.0.11.., weight 1. @return the VIP. */
static inline struct lb_vip_conf *
lbfx_vip4(struct lb_config *c, const char *name, uint8_t last,
	  uint16_t port, unsigned int policy, unsigned int n)
{
	struct lb_vip_conf *v = &c->vip[c->n_vips++];

	lb_vip_conf_defaults(v);
	snprintf(v->name, sizeof(v->name), "%s", name);
	lbfx_addr4(&v->addr, last);
	v->port = port;
	v->policy = (uint8_t)policy;
	v->auth = false;
	v->n_backends = n;
	for (unsigned int b = 0; b < n; b++) {
		snprintf(v->backend[b].name, sizeof(v->backend[b].name),
			 "s%u", b + 1);
		lbfx_addr4(&v->backend[b].addr, (uint8_t)(11 + b));
		v->backend[b].weight = 1;
	}
	return v;
}

#endif /* DSRLB_TESTS_LB_FIXTURE_H_ */
