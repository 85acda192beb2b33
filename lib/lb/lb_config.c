/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dsrlb/bytes.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/wire.h"

/* Names as written in configuration files; index = enum value. */
static const char *const policy_names[LB_POLICY_MAX] = {
	[LB_POLICY_BUSY] = "dsr-feedback",
	[LB_POLICY_HUNT] = "hunt",
	[LB_POLICY_MAGLEV] = "maglev",
	[LB_POLICY_RR] = "round-robin",
	[LB_POLICY_RANDOM] = "random",
	[LB_POLICY_LATENCY] = "latency-feedback",
	[LB_POLICY_POLL] = "polling",
};

static const char *const transport_names[] = {
	[LB_TRANSPORT_DSR] = "dsr",
	[LB_TRANSPORT_SRV6] = "srv6",
};

static const char *const leg_names[] = {
	[LB_LEG_ROUTED] = "routed",
	[LB_LEG_L2] = "l2",
};

static const char *const role_names[] = {
	[0] = NULL,
	[LB_ROLE_CLIENT] = "client",
	[LB_ROLE_SERVER] = "server",
	[LB_ROLE_BOTH] = "both",
};

static const char *const enc_names[] = {
	[IP6EXT_ENC_PAPER] = "paper",
	[IP6EXT_ENC_DSTOPT] = "dstopt",
};

static const char *const announce_names[] = {
	[LB_ANNOUNCE_ARP] = "arp",
	[LB_ANNOUNCE_BGP] = "bgp",
	[LB_ANNOUNCE_NONE] = "none",
};

#define DIM(a) (sizeof(a) / sizeof((a)[0]))

static const char *
name_of(const char *const *tab, unsigned int n, unsigned int v)
{
	return v < n && tab[v] != NULL ? tab[v] : "?";
}

static int
parse_of(const char *const *tab, unsigned int n, const char *s)
{
	unsigned int i;

	if (s == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (tab[i] != NULL && strcmp(tab[i], s) == 0)
			return (int)i;
	return -1;
}

const char *
lb_policy_name(unsigned int p)
{
	return name_of(policy_names, DIM(policy_names), p);
}

const char *
lb_transport_name(unsigned int t)
{
	return name_of(transport_names, DIM(transport_names), t);
}

const char *
lb_leg_name(unsigned int l)
{
	return name_of(leg_names, DIM(leg_names), l);
}

const char *
lb_role_name(unsigned int r)
{
	return name_of(role_names, DIM(role_names), r);
}

const char *
lb_enc_name(unsigned int e)
{
	return name_of(enc_names, DIM(enc_names), e);
}

int
lb_policy_parse(const char *s)
{
	return parse_of(policy_names, DIM(policy_names), s);
}

int
lb_transport_parse(const char *s)
{
	return parse_of(transport_names, DIM(transport_names), s);
}

int
lb_leg_parse(const char *s)
{
	return parse_of(leg_names, DIM(leg_names), s);
}

const char *
lb_announce_name(unsigned int a)
{
	return name_of(announce_names, DIM(announce_names), a);
}

int
lb_announce_parse(const char *s)
{
	return parse_of(announce_names, DIM(announce_names), s);
}

int
lb_role_parse(const char *s)
{
	return parse_of(role_names, DIM(role_names), s);
}

int
lb_enc_parse(const char *s)
{
	return parse_of(enc_names, DIM(enc_names), s);
}

bool
lb_name_valid(const char *s)
{
	size_t i;

	if (s == NULL || s[0] == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++) {
		char ch = s[i];

		if (i >= LB_NAME_LEN - 1)
			return false;
		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '-'))
			return false;
	}
	return true;
}

/* Addresses */

static unsigned int
addr_len(uint8_t family)
{
	return family == 4 ? 4 : family == 6 ? 16 : 0;
}

static unsigned int
addr_bits(uint8_t family)
{
	return 8 * addr_len(family);
}

int
lb_addr_parse(const char *s, struct lb_addr *a)
{
	struct lb_addr r;
	size_t n;

	if (s == NULL || a == NULL)
		return -1;
	n = strlen(s);
	/* inet_pton() takes neither blanks nor zone ids; the bound keeps
	 * absurd inputs out of it. */
	if (n == 0 || n >= INET6_ADDRSTRLEN)
		return -1;
	memset(&r, 0, sizeof(r));
	if (strchr(s, ':') != NULL) {
		if (inet_pton(AF_INET6, s, r.a) != 1)
			return -1;
		r.family = 6;
	} else {
		if (inet_pton(AF_INET, s, r.a) != 1)
			return -1;
		r.family = 4;
	}
	*a = r;
	return 0;
}

int
lb_prefix_parse(const char *s, struct lb_addr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN];
	const char *slash, *d;
	struct lb_addr r;
	unsigned int len = 0;
	size_t n;

	if (s == NULL || a == NULL || plen == NULL)
		return -1;
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (lb_addr_parse(s, &r) != 0)
			return -1;
		*a = r;
		*plen = (uint8_t)addr_bits(r.family);
		return 0;
	}
	n = (size_t)(slash - s);
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (lb_addr_parse(buf, &r) != 0)
		return -1;
	d = slash + 1;
	/* One to three digits, no sign, no leading zero. */
	n = strlen(d);
	if (n == 0 || n > 3 || (d[0] == '0' && n > 1))
		return -1;
	for (; *d != '\0'; d++) {
		if (*d < '0' || *d > '9')
			return -1;
		len = len * 10 + (unsigned int)(*d - '0');
	}
	if (len > addr_bits(r.family))
		return -1;
	*a = r;
	*plen = (uint8_t)len;
	return 0;
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

int
lb_mac_parse(const char *s, uint8_t mac[6])
{
	uint8_t r[6];
	unsigned int i;

	if (s == NULL || mac == NULL || strlen(s) != 17)
		return -1;
	for (i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		r[i] = (uint8_t)(hi << 4 | lo);
	}
	memcpy(mac, r, sizeof(r));
	return 0;
}

const char *
lb_addr_fmt(const struct lb_addr *a, char *buf, unsigned int len)
{
	char tmp[INET6_ADDRSTRLEN];
	const char *s = "-";

	if (buf == NULL || len == 0)
		return buf;
	if (a != NULL && a->family == 4)
		s = inet_ntop(AF_INET, a->a, tmp, sizeof(tmp));
	else if (a != NULL && a->family == 6)
		s = inet_ntop(AF_INET6, a->a, tmp, sizeof(tmp));
	snprintf(buf, len, "%s", s != NULL ? s : "?");
	return buf;
}

bool
lb_addr_in_prefix(const struct lb_addr *a, const struct lb_addr *p,
		  uint8_t plen)
{
	uint64_t m0, m1, x, y;

	if (a == NULL || p == NULL || a->family != p->family ||
	    addr_len(a->family) == 0 || plen > addr_bits(a->family))
		return false;
	/* Two big-endian 64-bit words under the prefix's mask: every
	 * server message routes its client through here (issue 19). */
	m0 = plen >= 64 ? ~(uint64_t)0 :
	     plen == 0 ? 0 : ~(uint64_t)0 << (64 - plen);
	m1 = plen <= 64 ? 0 : ~(uint64_t)0 << (128 - plen);
	x = load_be64(a->a) ^ load_be64(p->a);
	y = load_be64(a->a + 8) ^ load_be64(p->a + 8);
	return ((x & m0) | (y & m1)) == 0;
}

bool
lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b)
{
	uint64_t a0, a1, b0, b1;
	uint32_t x, y;

	if (a == NULL || b == NULL || a->family != b->family)
		return false;
	if (a->family == 4) {
		memcpy(&x, a->a, 4);
		memcpy(&y, b->a, 4);
		return x == y;
	}
	if (a->family != 6)
		return memcmp(a->a, b->a, addr_len(a->family)) == 0;
	memcpy(&a0, a->a, 8);
	memcpy(&a1, a->a + 8, 8);
	memcpy(&b0, b->a, 8);
	memcpy(&b1, b->a + 8, 8);
	return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

/* Configuration */

void
lb_config_defaults(struct lb_config *c)
{
	if (c == NULL)
		return;
	memset(c, 0, sizeof(*c));
	c->flow_capacity = 65536;
	c->timeout_new_ns = FLOW_TABLE_TIMEOUT_NEW_NS;
	c->timeout_est_ns = FLOW_TABLE_TIMEOUT_ESTABLISHED_NS;
	c->timeout_closing_ns = FLOW_TABLE_TIMEOUT_CLOSING_NS;
	c->idle_sleep_us = 50;
	c->chash_seed = 0x5eed;
	c->score_max_age_ns = 1000000000ull;
	c->score_ewma_w = BUSY_EWMA_ONE;
	c->score_max_step = 0;
	c->probe_timeout_ns = 100000000ull;
	c->poll_interval_ms = LB_POLL_INTERVAL_DEFAULT_MS;
	c->withdraw_wait_ms = 2000;
	lb_health_conf_default(&c->health);
	c->icmp_rate = 100;
	c->icmp_echo_vip = false;
	c->neigh_solicit = true;
	srv6_func_cfg_default(&c->srv6);
	c->vip = NULL;
}

void
lb_vip_conf_defaults(struct lb_vip_conf *v)
{
	memset(v, 0, sizeof(*v));
	v->proto = IPPROTO_NUM_TCP;
	v->leg = LB_LEG_ROUTED;
	v->enc = IP6EXT_ENC_PAPER;
	v->auth = true;         /* issue 16: authenticated unless said so */
	v->probe_n = 8;
	v->quic_lb.nonce_len = 8;   /* a 12-octet CID with a 3-octet ID */
	sr_accept_conf_default(&v->accept_hint);
	lb_check_conf_default(&v->check);
}

void
lb_config_free(struct lb_config *c)
{
	if (c == NULL)
		return;
	free(c->vip);
	c->vip = NULL;
	c->n_vips = 0;
}

/* Validation */

struct vctx {
	char *err;
	unsigned int len;
	struct lb_config_where *where;
};

__attribute__((format(printf, 6, 7)))
static int
fail(struct vctx *v, uint8_t obj, uint32_t index, int32_t backend,
     const char *key, const char *fmt, ...)
{
	va_list ap;

	if (v->err != NULL && v->len > 0) {
		va_start(ap, fmt);
		vsnprintf(v->err, v->len, fmt, ap);
		va_end(ap);
	}
	if (v->where != NULL) {
		v->where->obj = obj;
		v->where->index = index;
		v->where->backend = backend;
		v->where->key = key;
	}
	return -EINVAL;
}

static const char *
fam_name(uint8_t family)
{
	return family == 4 ? "IPv4" : family == 6 ? "IPv6" : "no";
}

/* An address a host may have: not unspecified, multicast or broadcast. */
static bool
addr_unicast(const struct lb_addr *a)
{
	static const uint8_t zero[16];

	if (addr_len(a->family) == 0 ||
	    memcmp(a->a, zero, addr_len(a->family)) == 0)
		return false;
	if (a->family == 4)
		return a->a[0] < 224;  /* 224/4 multicast, 240/4 reserved */
	return a->a[0] != 0xff;
}

static bool
host_bits_zero(const uint8_t *a, unsigned int bytes, unsigned int plen)
{
	unsigned int i;

	for (i = 0; i < bytes; i++) {
		unsigned int lo = 8 * i;
		uint8_t m;

		if (lo + 8 <= plen)
			continue;
		m = lo >= plen ? 0xFF : (uint8_t)(0xFFu >> (plen - lo));
		if (a[i] & m)
			return false;
	}
	return true;
}

static bool
is_port_addr(const struct lb_config *c, const struct lb_addr *a)
{
	uint32_t i;

	for (i = 0; i < c->n_ports && i < LB_MAX_PORTS; i++)
		if (lb_addr_eq(a, &c->port[i].ip4) ||
		    lb_addr_eq(a, &c->port[i].ip6))
			return true;
	return false;
}

/* Index of a port (with a role in @roles) whose connected subnet holds
 * @a, or -1. */
static int
on_link(const struct lb_config *c, const struct lb_addr *a, unsigned int roles)
{
	uint32_t i;

	for (i = 0; i < c->n_ports && i < LB_MAX_PORTS; i++) {
		const struct lb_port_conf *p = &c->port[i];

		if (!(p->role & roles))
			continue;
		if ((a->family == 4 && p->ip4.family == 4 &&
		     lb_addr_in_prefix(a, &p->ip4, p->ip4_prefix_len)) ||
		    (a->family == 6 && p->ip6.family == 6 &&
		     lb_addr_in_prefix(a, &p->ip6, p->ip6_prefix_len)))
			return (int)i;
	}
	return -1;
}

static int
check_general(const struct lb_config *c, struct vctx *v)
{
	const char *hkey = NULL;

	if (c->flow_capacity < 1 || c->flow_capacity > FLOW_TABLE_CAPACITY_MAX)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "flow_capacity",
			    "[general] flow_capacity %u out of range 1..%u",
			    c->flow_capacity, FLOW_TABLE_CAPACITY_MAX);
	if (c->timeout_new_ns == 0)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "timeout_new_ms",
			    "[general] timeout_new_ms must be > 0");
	if (c->timeout_est_ns == 0)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1,
			    "timeout_established_s",
			    "[general] timeout_established_s must be > 0");
	if (c->timeout_closing_ns == 0)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "timeout_closing_ms",
			    "[general] timeout_closing_ms must be > 0");
	if (c->idle_sleep_us > 100000)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "idle_sleep_us",
			    "[general] idle_sleep_us %u out of range 0..100000",
			    c->idle_sleep_us);
	if (c->score_ewma_w < 1 || c->score_ewma_w > BUSY_EWMA_ONE)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "score_ewma",
			    "[general] score_ewma must be in (0, 1]");
	if (c->score_max_step > 65535)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "score_max_step",
			    "[general] score_max_step %u out of range 0..65535",
			    c->score_max_step);
	if (c->poll_interval_ms < LB_POLL_INTERVAL_MIN_MS ||
	    c->poll_interval_ms > LB_POLL_INTERVAL_MAX_MS)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "poll_interval_ms",
			    "[general] poll_interval_ms %u out of range %u..%u",
			    c->poll_interval_ms, LB_POLL_INTERVAL_MIN_MS,
			    LB_POLL_INTERVAL_MAX_MS);
	if (c->probe_timeout_ns == 0)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "probe_timeout_ms",
			    "[general] probe_timeout_ms must be > 0");
	if (c->has_auth_key_prev && !c->has_auth_key)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, "auth_key_previous",
			    "[general] auth_key_previous without auth_key: "
			    "the previous key only verifies, a current one "
			    "must sign");
	if (lb_health_conf_check(&c->health, &hkey) != NULL)
		return fail(v, LB_CFG_OBJ_GENERAL, 0, -1, hkey, "[general] %s",
			    lb_health_conf_check(&c->health, NULL));
	if (srv6_func_cfg_validate(&c->srv6) != 0)
		return fail(v, LB_CFG_OBJ_SRV6, 0, -1, NULL,
			    "[srv6] inconsistent: locator_bits 8..127, "
			    "function_bits 1..64, argument_bits 0..64, their "
			    "sum <= 128; codes nonzero, distinct and fitting "
			    "in function_bits");
	if (c->has_lb_sid &&
	    !host_bits_zero(c->lb_sid, 16, c->srv6.locator_bits))
		return fail(v, LB_CFG_OBJ_SRV6, 0, -1, "lb_sid",
			    "[srv6] lb_sid has bits set past locator_bits (/%u)",
			    c->srv6.locator_bits);
	return 0;
}

static int
check_port_addr(const struct lb_port_conf *p, uint32_t i, struct vctx *v,
		const struct lb_addr *ip, uint8_t plen, const struct lb_addr *gw,
		uint8_t fam, const char *kip, const char *kgw)
{
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];

	if (ip->family != 0) {
		if (ip->family != fam)
			return fail(v, LB_CFG_OBJ_PORT, i, -1, kip,
				    "port %s: %s is not an %s address", p->name,
				    kip, fam_name(fam));
		if (!addr_unicast(ip))
			return fail(v, LB_CFG_OBJ_PORT, i, -1, kip,
				    "port %s: %s %s is not a unicast address",
				    p->name, kip, lb_addr_fmt(ip, b1, sizeof(b1)));
		if (plen < 1 || plen > addr_bits(fam))
			return fail(v, LB_CFG_OBJ_PORT, i, -1, kip,
				    "port %s: %s prefix length %u out of range "
				    "1..%u", p->name, kip, plen, addr_bits(fam));
	}
	if (gw->family == 0)
		return 0;
	if (gw->family != fam)
		return fail(v, LB_CFG_OBJ_PORT, i, -1, kgw,
			    "port %s: %s is not an %s address", p->name, kgw,
			    fam_name(fam));
	if (ip->family == 0)
		return fail(v, LB_CFG_OBJ_PORT, i, -1, kgw,
			    "port %s: %s needs %s", p->name, kgw, kip);
	if (!lb_addr_in_prefix(gw, ip, plen))
		return fail(v, LB_CFG_OBJ_PORT, i, -1, kgw,
			    "port %s: %s %s is outside the port's subnet %s/%u",
			    p->name, kgw, lb_addr_fmt(gw, b1, sizeof(b1)),
			    lb_addr_fmt(ip, b2, sizeof(b2)), plen);
	if (lb_addr_eq(gw, ip) || !addr_unicast(gw))
		return fail(v, LB_CFG_OBJ_PORT, i, -1, kgw,
			    "port %s: %s %s cannot be the port's own or a "
			    "non-unicast address", p->name, kgw,
			    lb_addr_fmt(gw, b1, sizeof(b1)));
	return 0;
}

static int
check_ports(const struct lb_config *c, struct vctx *v)
{
	bool client = false, server = false;
	uint32_t i, j;
	int ret;

	if (c->n_ports == 0)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "no port: at least one [port NAME] is required");
	if (c->n_ports > LB_MAX_PORTS)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "%u ports, at most %u", c->n_ports, LB_MAX_PORTS);
	for (i = 0; i < c->n_ports; i++) {
		const struct lb_port_conf *p = &c->port[i];

		if (memchr(p->name, '\0', sizeof(p->name)) == NULL ||
		    !lb_name_valid(p->name))
			return fail(v, LB_CFG_OBJ_PORT, i, -1, NULL,
				    "port %u: bad name: 1..%u characters of "
				    "A-Z a-z 0-9 _ -", i, LB_NAME_LEN - 1);
		for (j = 0; j < i; j++)
			if (strcmp(c->port[j].name, p->name) == 0)
				return fail(v, LB_CFG_OBJ_PORT, i, -1, NULL,
					    "port %s: duplicate port name",
					    p->name);
		if (memchr(p->kernel, '\0', sizeof(p->kernel)) == NULL)
			return fail(v, LB_CFG_OBJ_PORT, i, -1, "kernel",
				    "port %s: kernel: interface name longer "
				    "than %u characters", p->name,
				    LB_KERNEL_IF_LEN - 1);
		for (j = 0; j < i && p->kernel[0] != '\0'; j++)
			if (strcmp(c->port[j].kernel, p->kernel) == 0)
				return fail(v, LB_CFG_OBJ_PORT, i, -1,
					    "kernel", "port %s: kernel "
					    "interface %s is port %s's too",
					    p->name, p->kernel,
					    c->port[j].name);
		if (memchr(p->dev, '\0', sizeof(p->dev)) == NULL ||
		    p->dev[0] == '\0')
			return fail(v, LB_CFG_OBJ_PORT, i, -1, "dev",
				    "port %s: dev (ethdev name or PCI "
				    "address) is required", p->name);
		for (j = 0; j < i; j++)
			if (strcmp(c->port[j].dev, p->dev) == 0)
				return fail(v, LB_CFG_OBJ_PORT, i, -1, "dev",
					    "port %s: dev %s is already port "
					    "%s's", p->name, p->dev,
					    c->port[j].name);
		if (p->role < LB_ROLE_CLIENT || p->role > LB_ROLE_BOTH)
			return fail(v, LB_CFG_OBJ_PORT, i, -1, "role",
				    "port %s: role must be client, server or "
				    "both", p->name);
		ret = check_port_addr(p, i, v, &p->ip4, p->ip4_prefix_len,
				      &p->gw4, 4, "ipv4", "gateway4");
		if (ret != 0)
			return ret;
		ret = check_port_addr(p, i, v, &p->ip6, p->ip6_prefix_len,
				      &p->gw6, 6, "ipv6", "gateway6");
		if (ret != 0)
			return ret;
		if (p->mtu != 0 && (p->mtu < 576 || p->mtu > 9000))
			return fail(v, LB_CFG_OBJ_PORT, i, -1, "mtu",
				    "port %s: mtu %u out of range 576..9000",
				    p->name, p->mtu);
		if (p->mtu != 0 && p->mtu < 1280 && p->ip6.family == 6)
			return fail(v, LB_CFG_OBJ_PORT, i, -1, "mtu",
				    "port %s: mtu %u below IPv6's minimum 1280",
				    p->name, p->mtu);
		for (j = 0; j < i; j++) {
			const struct lb_port_conf *q = &c->port[j];

			if ((p->ip4.family && lb_addr_eq(&p->ip4, &q->ip4)) ||
			    (p->ip6.family && lb_addr_eq(&p->ip6, &q->ip6)))
				return fail(v, LB_CFG_OBJ_PORT, i, -1,
					    p->ip4.family &&
					    lb_addr_eq(&p->ip4, &q->ip4) ?
					    "ipv4" : "ipv6",
					    "port %s: same address as port %s",
					    p->name, q->name);
		}
		client |= (p->role & LB_ROLE_CLIENT) != 0;
		server |= (p->role & LB_ROLE_SERVER) != 0;
	}
	if (!client)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "no client-facing port: one port needs role "
			    "client or both");
	if (!server)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "no server-facing port: one port needs role "
			    "server or both");
	return 0;
}

static bool
ip6_link_local(const struct lb_addr *a)
{
	return a->family == 6 && a->a[0] == 0xfe && (a->a[1] & 0xc0) == 0x80;
}

static int
check_neigh_routes(const struct lb_config *c, struct vctx *v)
{
	char b1[INET6_ADDRSTRLEN], b2[INET6_ADDRSTRLEN];
	uint32_t i, j;

	if (c->n_neigh > LB_MAX_NEIGHBOURS)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "%u neighbours, at most %u", c->n_neigh,
			    LB_MAX_NEIGHBOURS);
	for (i = 0; i < c->n_neigh; i++) {
		const struct lb_neigh_conf *n = &c->neigh[i];
		static const uint8_t zero[6];

		lb_addr_fmt(&n->ip, b1, sizeof(b1));
		if (!addr_unicast(&n->ip))
			return fail(v, LB_CFG_OBJ_NEIGH, i, -1, NULL,
				    "neighbour %s: not a unicast address", b1);
		if (is_port_addr(c, &n->ip))
			return fail(v, LB_CFG_OBJ_NEIGH, i, -1, NULL,
				    "neighbour %s: is a port's own address",
				    b1);
		if (on_link(c, &n->ip, LB_ROLE_BOTH) < 0 &&
		    !ip6_link_local(&n->ip))
			return fail(v, LB_CFG_OBJ_NEIGH, i, -1, NULL,
				    "neighbour %s: not in any port's connected "
				    "subnet", b1);
		if ((n->mac[0] & 1) || memcmp(n->mac, zero, 6) == 0)
			return fail(v, LB_CFG_OBJ_NEIGH, i, -1, NULL,
				    "neighbour %s: MAC must be unicast and "
				    "nonzero", b1);
		for (j = 0; j < i; j++)
			if (lb_addr_eq(&c->neigh[j].ip, &n->ip))
				return fail(v, LB_CFG_OBJ_NEIGH, i, -1, NULL,
					    "neighbour %s: listed twice", b1);
	}
	if (c->n_routes > LB_MAX_ROUTES)
		return fail(v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "%u routes, at most %u", c->n_routes,
			    LB_MAX_ROUTES);
	for (i = 0; i < c->n_routes; i++) {
		const struct lb_route_conf *r = &c->route[i];

		lb_addr_fmt(&r->prefix, b1, sizeof(b1));
		if (addr_len(r->prefix.family) == 0 ||
		    r->plen > addr_bits(r->prefix.family))
			return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
				    "route %s: bad prefix", b1);
		if (!host_bits_zero(r->prefix.a, addr_len(r->prefix.family),
				    r->plen))
			return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
				    "route %s/%u: host bits set in the prefix",
				    b1, r->plen);
		lb_addr_fmt(&r->via, b2, sizeof(b2));
		if (r->via.family != r->prefix.family)
			return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
				    "route %s/%u: next hop %s is not %s", b1,
				    r->plen, b2, fam_name(r->prefix.family));
		if (!addr_unicast(&r->via) || is_port_addr(c, &r->via))
			return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
				    "route %s/%u: next hop %s must be another "
				    "host's unicast address", b1, r->plen, b2);
		if (on_link(c, &r->via, LB_ROLE_BOTH) < 0 &&
		    !ip6_link_local(&r->via))
			return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
				    "route %s/%u: next hop %s is not in any "
				    "port's connected subnet", b1, r->plen, b2);
		for (j = 0; j < i; j++)
			if (c->route[j].plen == r->plen &&
			    lb_addr_eq(&c->route[j].prefix, &r->prefix))
				return fail(v, LB_CFG_OBJ_ROUTE, i, -1, NULL,
					    "route %s/%u: listed twice", b1,
					    r->plen);
	}
	return 0;
}

static int
check_backend(const struct lb_config *c, const struct lb_vip_conf *vp,
	      uint32_t i, uint32_t j, struct vctx *v)
{
	const struct lb_backend_conf *b = &vp->backend[j];
	char buf[INET6_ADDRSTRLEN];
	uint32_t k;

	/* A removed slot (console) stays only so that its pinned flows keep
	 * their index; it takes part in nothing else. */
	if (b->removed)
		return 0;

	if (memchr(b->name, '\0', sizeof(b->name)) == NULL ||
	    !lb_name_valid(b->name))
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %u: bad name: 1..%u characters "
			    "of A-Z a-z 0-9 _ -", vp->name, j,
			    LB_NAME_LEN - 1);
	lb_addr_fmt(&b->addr, buf, sizeof(buf));
	if (b->addr.family != vp->addr.family)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: %s address %s for an %s VIP",
			    vp->name, b->name, fam_name(b->addr.family), buf,
			    fam_name(vp->addr.family));
	if (!addr_unicast(&b->addr))
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: %s is not a unicast address",
			    vp->name, b->name, buf);
	if (lb_addr_eq(&b->addr, &vp->addr) || is_port_addr(c, &b->addr))
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: %s is the VIP's or a port's "
			    "address", vp->name, b->name, buf);
	if (b->weight > CHASH_WEIGHT_MAX)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: weight %u out of range 0..%u",
			    vp->name, b->name, b->weight, CHASH_WEIGHT_MAX);
	if (vp->transport == LB_TRANSPORT_SRV6 && !b->has_locator)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: the srv6 transport needs "
			    "locator=IPV6", vp->name, b->name);
	if (b->has_locator) {
		if (!host_bits_zero(b->locator, 16, c->srv6.locator_bits))
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: locator has bits set "
				    "past locator_bits (/%u)", vp->name,
				    b->name, c->srv6.locator_bits);
		if (c->has_lb_sid &&
		    srv6_sid_same_locator(&c->srv6, b->locator, c->lb_sid))
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: locator is the "
				    "appliance's lb_sid", vp->name, b->name);
	}
	if (b->has_quic_sid && !vp->has_quic_lb)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: quic_sid needs the VIP's "
			    "quic_lb_server_id_len (proto quic)", vp->name,
			    b->name);
	if (vp->has_quic_lb && !b->has_quic_sid)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: quic_sid=HEX (%u octets) is "
			    "required: the VIP routes QUIC-LB server IDs",
			    vp->name, b->name, vp->quic_lb.server_id_len);
	if (vp->leg == LB_LEG_L2 && on_link(c, &b->addr, LB_ROLE_SERVER) < 0)
		return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
			    "vip %s: backend %s: the l2 leg needs %s in a "
			    "server-facing port's subnet", vp->name, b->name,
			    buf);
	for (k = 0; k < j; k++) {
		const struct lb_backend_conf *o = &vp->backend[k];

		if (o->removed)
			continue;
		if (strcmp(o->name, b->name) == 0)
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: duplicate backend "
				    "name", vp->name, b->name);
		if (lb_addr_eq(&o->addr, &b->addr))
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: same address %s as "
				    "backend %s", vp->name, b->name, buf,
				    o->name);
		if (o->has_quic_sid && b->has_quic_sid &&
		    memcmp(o->quic_sid, b->quic_sid,
			   vp->quic_lb.server_id_len) == 0)
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: same quic_sid as "
				    "backend %s", vp->name, b->name, o->name);
		if (o->has_locator && b->has_locator &&
		    memcmp(o->locator, b->locator, 16) == 0)
			return fail(v, LB_CFG_OBJ_VIP, i, (int32_t)j, NULL,
				    "vip %s: backend %s: same locator as "
				    "backend %s", vp->name, b->name, o->name);
	}
	return 0;
}

static int
check_vip(const struct lb_config *c, uint32_t i, struct vctx *v)
{
	const struct lb_vip_conf *vp = &c->vip[i];
	char buf[INET6_ADDRSTRLEN];
	uint32_t j;
	int ret;

	if (vp->removed)
		return 0;

	if (memchr(vp->name, '\0', sizeof(vp->name)) == NULL ||
	    !lb_name_valid(vp->name))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, NULL,
			    "vip %u: bad name: 1..%u characters of "
			    "A-Z a-z 0-9 _ -", i, LB_NAME_LEN - 1);
	for (j = 0; j < i; j++)
		if (strcmp(c->vip[j].name, vp->name) == 0)
			return fail(v, LB_CFG_OBJ_VIP, i, -1, NULL,
				    "vip %s: duplicate VIP name", vp->name);
	lb_addr_fmt(&vp->addr, buf, sizeof(buf));
	if (addr_len(vp->addr.family) == 0)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "address",
			    "vip %s: address is required", vp->name);
	if (!addr_unicast(&vp->addr))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "address",
			    "vip %s: %s is not a unicast address", vp->name,
			    buf);
	if (is_port_addr(c, &vp->addr))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "address",
			    "vip %s: %s is a port's address", vp->name, buf);
	if (vp->announce > LB_ANNOUNCE_NONE)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "announce",
			    "vip %s: announce must be arp, bgp or none",
			    vp->name);
	if (vp->announce == LB_ANNOUNCE_BGP && (memchr(c->bird_socket, '\0',
	    sizeof(c->bird_socket)) == NULL || c->bird_socket[0] == '\0'))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "announce",
			    "vip %s: announce = bgp needs [bgp] bird_socket "
			    "(the routing daemon's control socket)", vp->name);
	if (vp->proto != IPPROTO_NUM_TCP && vp->proto != IPPROTO_NUM_UDP)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "proto",
			    "vip %s: proto must be tcp or udp", vp->name);
	if (vp->quic && vp->proto != IPPROTO_NUM_UDP)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "proto",
			    "vip %s: QUIC runs over UDP", vp->name);
	if (vp->has_quic_lb) {
		const char *why = NULL;

		if (!vp->quic)
			return fail(v, LB_CFG_OBJ_VIP, i, -1,
				    "quic_lb_server_id_len",
				    "vip %s: QUIC-LB keys need proto quic",
				    vp->name);
		if (quic_lb_conf_check(&vp->quic_lb, &why) != 0)
			return fail(v, LB_CFG_OBJ_VIP, i, -1,
				    "quic_lb_server_id_len",
				    "vip %s: QUIC-LB: %s", vp->name, why);
	}
	if (vp->has_quic_lb_key && !vp->has_quic_lb)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "quic_lb_key",
			    "vip %s: quic_lb_key needs quic_lb_server_id_len",
			    vp->name);
	if (vp->quic_cid_len != 0) {
		if (!vp->quic)
			return fail(v, LB_CFG_OBJ_VIP, i, -1, "quic_cid_len",
				    "vip %s: quic_cid_len needs proto quic",
				    vp->name);
		if (vp->quic_cid_len > QUIC_LB_CID_MAX)
			return fail(v, LB_CFG_OBJ_VIP, i, -1, "quic_cid_len",
				    "vip %s: quic_cid_len must be 0..20",
				    vp->name);
		if (vp->has_quic_lb &&
		    vp->quic_cid_len != quic_lb_cid_len(&vp->quic_lb))
			return fail(v, LB_CFG_OBJ_VIP, i, -1, "quic_cid_len",
				    "vip %s: quic_cid_len %u differs from the "
				    "QUIC-LB connection IDs' length %u",
				    vp->name, vp->quic_cid_len,
				    quic_lb_cid_len(&vp->quic_lb));
		/* The CIDs ride on metric answers (docs/quic.md). */
		if (vp->transport != LB_TRANSPORT_DSR)
			return fail(v, LB_CFG_OBJ_VIP, i, -1, "quic_cid_len",
				    "vip %s: quic_cid_len needs transport dsr "
				    "(the agent's answers carry the learning)",
				    vp->name);
	}
	if (vp->policy >= LB_POLICY_MAX)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "mode",
			    "vip %s: unknown mode %u", vp->name, vp->policy);
	if (vp->transport > LB_TRANSPORT_SRV6)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "transport",
			    "vip %s: unknown transport %u", vp->name,
			    vp->transport);
	if ((vp->policy == LB_POLICY_BUSY || vp->policy == LB_POLICY_POLL) &&
	    vp->transport != LB_TRANSPORT_DSR)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "transport",
			    "vip %s: mode %s needs transport dsr",
			    vp->name, lb_policy_name(vp->policy));
	if (vp->policy == LB_POLICY_HUNT &&
	    vp->transport != LB_TRANSPORT_SRV6)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "transport",
			    "vip %s: mode hunt needs transport srv6",
			    vp->name);
	if (vp->transport == LB_TRANSPORT_SRV6 && vp->addr.family != 6)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "address",
			    "vip %s: transport srv6 (mode %s) needs an IPv6 "
			    "VIP, %s is IPv4", vp->name,
			    lb_policy_name(vp->policy), buf);
	if (vp->transport == LB_TRANSPORT_SRV6 && !c->has_lb_sid)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "transport",
			    "vip %s: transport srv6 needs [srv6] lb_sid",
			    vp->name);
	if (vp->leg > LB_LEG_L2)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "leg",
			    "vip %s: unknown leg %u", vp->name, vp->leg);
	if (vp->leg == LB_LEG_L2 && vp->transport != LB_TRANSPORT_DSR)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "leg",
			    "vip %s: leg l2 applies to transport dsr only",
			    vp->name);
	if (vp->enc > IP6EXT_ENC_DSTOPT)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "encoding",
			    "vip %s: unknown encoding %u", vp->name, vp->enc);
	if (vp->enc != IP6EXT_ENC_PAPER &&
	    (vp->addr.family != 6 || vp->transport != LB_TRANSPORT_DSR))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "encoding",
			    "vip %s: encoding applies to IPv6 VIPs with "
			    "transport dsr only", vp->name);
	if (vp->probe_n > 65535)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "probe_every",
			    "vip %s: probe_every %u out of range 0..65535",
			    vp->name, vp->probe_n);
	if (vp->chash_m != 0 &&
	    (vp->chash_m < CHASH_M_MIN || vp->chash_m > CHASH_M_MAX ||
	     !chash_is_prime(vp->chash_m)))
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "chash_m",
			    "vip %s: chash_m %u must be a prime in %u..%u",
			    vp->name, vp->chash_m, CHASH_M_MIN, CHASH_M_MAX);
	if (vp->candidates > CHASH_C_MAX)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, "candidates",
			    "vip %s: candidates %u out of range 1..%u",
			    vp->name, vp->candidates, CHASH_C_MAX);
	if (vp->n_backends == 0 && !c->allow_empty_vips)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, NULL,
			    "vip %s: no backend: at least one backend.NAME "
			    "is required", vp->name);
	if (vp->n_backends > LB_MAX_BACKENDS)
		return fail(v, LB_CFG_OBJ_VIP, i, -1, NULL,
			    "vip %s: %u backends, at most %u", vp->name,
			    vp->n_backends, LB_MAX_BACKENDS);
	for (j = 0; j < i; j++) {
		const struct lb_vip_conf *o = &c->vip[j];

		if (o->removed)
			continue;
		if (lb_addr_eq(&o->addr, &vp->addr) && o->port == vp->port &&
		    o->proto == vp->proto)
			return fail(v, LB_CFG_OBJ_VIP, i, -1, "address",
				    "vip %s: same address, port and proto "
				    "(%s %u %s) as vip %s", vp->name, buf,
				    vp->port,
				    vp->proto == IPPROTO_NUM_TCP ? "tcp" : "udp",
				    o->name);
	}
	for (j = 0; j < vp->n_backends; j++) {
		ret = check_backend(c, vp, i, j, v);
		if (ret != 0)
			return ret;
	}
	return 0;
}

int
lb_config_validate_at(const struct lb_config *c, char *err, unsigned int len,
		      struct lb_config_where *where)
{
	struct vctx v = { .err = err, .len = len, .where = where };
	uint32_t i;
	int ret;

	if (err != NULL && len > 0)
		err[0] = '\0';
	if (where != NULL) {
		where->obj = LB_CFG_OBJ_NONE;
		where->index = 0;
		where->backend = -1;
		where->key = NULL;
	}
	if (c == NULL)
		return fail(&v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "no configuration");
	ret = check_general(c, &v);
	if (ret == 0)
		ret = check_ports(c, &v);
	if (ret == 0)
		ret = check_neigh_routes(c, &v);
	if (ret != 0)
		return ret;
	if (c->n_vips > LB_MAX_VIPS)
		return fail(&v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "%u VIPs, at most %u", c->n_vips, LB_MAX_VIPS);
	if (c->n_vips > 0 && c->vip == NULL)
		return fail(&v, LB_CFG_OBJ_NONE, 0, -1, NULL,
			    "%u VIPs but no VIP array", c->n_vips);
	for (i = 0; i < c->n_vips; i++) {
		ret = check_vip(c, i, &v);
		if (ret != 0)
			return ret;
	}
	/* Issue 16: the nonce of an authenticated request is keyed. Last,
	 * so that every other mistake of a file is named first. */
	for (i = 0; i < c->n_vips; i++) {
		const struct lb_vip_conf *vp = &c->vip[i];

		if (!vp->removed && vp->auth &&
		    vp->transport == LB_TRANSPORT_DSR && !c->has_auth_key)
			return fail(&v, LB_CFG_OBJ_VIP, i, -1, "auth",
				    "vip %s: auth = yes (the default) needs "
				    "[general] auth_key (32 hex digits), or "
				    "set auth = no", vp->name);
	}
	return 0;
}

int
lb_config_validate(const struct lb_config *c, char *err, unsigned int len)
{
	return lb_config_validate_at(c, err, len, NULL);
}
