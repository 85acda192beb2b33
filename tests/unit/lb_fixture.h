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

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
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

/* A 20-byte TCP header without payload at @p tcp; checksum left 0. */
static inline void
lbfx_tcp_hdr(uint8_t *tcp, uint16_t sport, uint16_t dport, uint8_t flags)
{
	store_be16(tcp, sport);
	store_be16(tcp + 2, dport);
	store_be32(tcp + 4, 1000);
	tcp[12] = 5 << 4;
	tcp[13] = flags;
	store_be16(tcp + 14, 8192);
}

/* Write an Ethernet + IPv4 + TCP frame (no options, no payload) from
 * @p smac to @p dmac at @p p. @return its length. */
static inline uint32_t
lbfx_tcp4(uint8_t *p, const uint8_t dmac[6], const uint8_t *smac,
	  const uint8_t src[4], const uint8_t dst[4], uint16_t sport,
	  uint16_t dport, uint8_t flags)
{
	uint8_t *ip = p + ETH_HDR_LEN, *tcp = ip + 20;
	uint32_t ps;

	memset(p, 0, ETH_HDR_LEN + 40);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	store_be16(p + 12, ETH_TYPE_IPV4);
	ip[0] = 0x45;
	store_be16(ip + 2, 40);
	ip[6] = 0x40;
	ip[8] = 64;
	ip[9] = IPPROTO_NUM_TCP;
	memcpy(ip + 12, src, 4);
	memcpy(ip + 16, dst, 4);
	store_be16(ip + 10, csum_ipv4_hdr(ip, 20));
	lbfx_tcp_hdr(tcp, sport, dport, flags);
	ps = csum_pseudo_ipv4(load_be32(src), load_be32(dst), IPPROTO_NUM_TCP,
			      20);
	store_be16(tcp + 16, csum_l4(ps, tcp, 20));
	return ETH_HDR_LEN + 40;
}

/* The same over IPv6 (no extension header). @return its length. */
static inline uint32_t
lbfx_tcp6(uint8_t *p, const uint8_t dmac[6], const uint8_t *smac,
	  const uint8_t src[16], const uint8_t dst[16], uint16_t sport,
	  uint16_t dport, uint8_t flags)
{
	uint8_t *ip = p + ETH_HDR_LEN, *tcp = ip + 40;

	memset(p, 0, ETH_HDR_LEN + 60);
	memcpy(p, dmac, 6);
	memcpy(p + 6, smac, 6);
	store_be16(p + 12, ETH_TYPE_IPV6);
	ip[0] = 0x60;
	store_be16(ip + 4, 20);
	ip[6] = IPPROTO_NUM_TCP;
	ip[7] = 64;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, dst, 16);
	lbfx_tcp_hdr(tcp, sport, dport, flags);
	store_be16(tcp + 16, csum_l4(csum_pseudo_ipv6(src, dst,
						      IPPROTO_NUM_TCP, 20),
				     tcp, 20));
	return ETH_HDR_LEN + 60;
}

#endif /* DSRLB_TESTS_LB_FIXTURE_H_ */
