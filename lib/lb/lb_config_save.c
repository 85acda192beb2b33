/* SPDX-License-Identifier: BSD-3-Clause */
/* The running configuration as INI (see lb_config_save.h). */
#include <stdio.h>
#include <string.h>

#include "dsrlb/lb_config_save.h"
#include "dsrlb/lb_keys.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire.h"

/* "key = value" for every key of @p sec whose value differs from the
 * default's (@p dc, @p dv); @p skip says which keys do not apply. */
static void
table_keys(struct lb_ctl_out *o, unsigned int sec, const struct lb_config *c,
	   const struct lb_vip_conf *v, const struct lb_config *dc,
	   const struct lb_vip_conf *dv,
	   bool (*skip)(const struct lb_key *k, const struct lb_vip_conf *v))
{
	for (const struct lb_key *k = lb_keys; k->name != NULL; k++) {
		char val[64], def[64];

		if (k->sec != sec || (skip != NULL && skip(k, v)))
			continue;
		if (lb_key_get(k, c, v, val, sizeof(val)) != 0)
			continue;
		if (lb_key_get(k, dc, dv, def, sizeof(def)) == 0 &&
		    strcmp(val, def) == 0 && strcmp(k->name, "mode") != 0)
			continue;
		lb_ctl_printf(o, "%s = %s\n", k->name, val);
	}
}

/* Keys the loader refuses where they have no effect. */
static bool
vip_skip(const struct lb_key *k, const struct lb_vip_conf *v)
{
	if (strcmp(k->name, "leg") == 0)
		return v->transport != LB_TRANSPORT_DSR;
	if (strcmp(k->name, "encoding") == 0)
		return v->transport != LB_TRANSPORT_DSR || v->addr.family != 6;
	return false;
}

static void
hex(struct lb_ctl_out *o, const uint8_t *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		lb_ctl_printf(o, "%02x", b[i]);
}

static void
addr_line(struct lb_ctl_out *o, const char *key, const struct lb_addr *a,
	  int plen)
{
	char ab[64];

	if (a->family == 0)
		return;
	lb_ctl_printf(o, "%s = %s", key, lb_addr_fmt(a, ab, sizeof(ab)));
	if (plen >= 0)
		lb_ctl_printf(o, "/%d", plen);
	lb_ctl_printf(o, "\n");
}

static void
save_general(const struct lb_config *c, const struct lb_config *dc,
	     struct lb_ctl_out *o)
{
	char ab[64];

	lb_ctl_printf(o, "[general]\n");
	table_keys(o, LB_KEY_GENERAL, c, NULL, dc, NULL, NULL);
	if (c->has_auth_key) {
		lb_ctl_printf(o, "auth_key = ");
		hex(o, c->auth_key, sizeof(c->auth_key));
		lb_ctl_printf(o, "\n");
	}
	if (c->has_auth_key_prev) {
		lb_ctl_printf(o, "auth_key_previous = ");
		hex(o, c->auth_key_prev, sizeof(c->auth_key_prev));
		lb_ctl_printf(o, "\n");
	}
	if (c->metrics_port != 0)
		lb_ctl_printf(o, c->metrics_addr.family == 6 ?
			      "metrics = [%s]:%u\n" : "metrics = %s:%u\n",
			      lb_addr_fmt(&c->metrics_addr, ab, sizeof(ab)),
			      c->metrics_port);
	lb_ctl_printf(o, "\n");
}

static void
save_srv6(const struct lb_config *c, const struct lb_config *dc,
	  struct lb_ctl_out *o)
{
	const struct srv6_func_cfg *s = &c->srv6, *d = &dc->srv6;
	struct lb_addr a = { .family = 6 };

	if (!c->has_lb_sid && memcmp(s, d, sizeof(*s)) == 0)
		return;
	lb_ctl_printf(o, "[srv6]\n");
	if (c->has_lb_sid) {
		memcpy(a.a, c->lb_sid, 16);
		addr_line(o, "lb_sid", &a, -1);
	}
	if (s->locator_bits != d->locator_bits)
		lb_ctl_printf(o, "locator_bits = %u\n", s->locator_bits);
	if (s->func_bits != d->func_bits)
		lb_ctl_printf(o, "function_bits = %u\n", s->func_bits);
	if (s->arg_bits != d->arg_bits)
		lb_ctl_printf(o, "argument_bits = %u\n", s->arg_bits);
	for (unsigned int f = 1; f < SRV6_FUNC_MAX; f++)
		if (s->code[f] != d->code[f])
			lb_ctl_printf(o, "%s = %u\n",
				      srv6_func_name((enum srv6_func)f),
				      s->code[f]);
	lb_ctl_printf(o, "\n");
}

static void
save_net(const struct lb_config *c, const struct lb_config *dc,
	 struct lb_ctl_out *o)
{
	char ab[64], vb[64];

	if (c->bird_socket[0] != '\0' ||
	    c->withdraw_wait_ms != dc->withdraw_wait_ms) {
		lb_ctl_printf(o, "[bgp]\n");
		if (c->bird_socket[0] != '\0')
			lb_ctl_printf(o, "bird_socket = %s\n", c->bird_socket);
		if (c->withdraw_wait_ms != dc->withdraw_wait_ms)
			lb_ctl_printf(o, "withdraw_wait_ms = %u\n",
				      c->withdraw_wait_ms);
		lb_ctl_printf(o, "\n");
	}
	for (uint32_t p = 0; p < c->n_ports; p++) {
		const struct lb_port_conf *pc = &c->port[p];

		lb_ctl_printf(o, "[port %s]\ndev = %s\nrole = %s\n", pc->name,
			      pc->dev, lb_role_name(pc->role));
		addr_line(o, "ipv4", &pc->ip4, pc->ip4_prefix_len);
		addr_line(o, "ipv6", &pc->ip6, pc->ip6_prefix_len);
		addr_line(o, "gateway4", &pc->gw4, -1);
		addr_line(o, "gateway6", &pc->gw6, -1);
		if (pc->mtu != 0)
			lb_ctl_printf(o, "mtu = %u\n", pc->mtu);
		if (pc->kernel[0] != '\0')
			lb_ctl_printf(o, "kernel = %s\n", pc->kernel);
		lb_ctl_printf(o, "\n");
	}
	if (c->n_neigh > 0) {
		lb_ctl_printf(o, "[neighbours]\n");
		for (uint32_t i = 0; i < c->n_neigh; i++) {
			const uint8_t *m = c->neigh[i].mac;

			lb_ctl_printf(o, "%s = %02x:%02x:%02x:%02x:%02x:%02x\n",
				      lb_addr_fmt(&c->neigh[i].ip, ab,
						  sizeof(ab)),
				      m[0], m[1], m[2], m[3], m[4], m[5]);
		}
		lb_ctl_printf(o, "\n");
	}
	if (c->n_routes > 0) {
		lb_ctl_printf(o, "[routes]\n");
		for (uint32_t i = 0; i < c->n_routes; i++)
			lb_ctl_printf(o, "%s/%u = %s\n",
				      lb_addr_fmt(&c->route[i].prefix, ab,
						  sizeof(ab)),
				      c->route[i].plen,
				      lb_addr_fmt(&c->route[i].via, vb,
						  sizeof(vb)));
		lb_ctl_printf(o, "\n");
	}
}

static void
save_vip(const struct lb_vip_conf *v, struct lb_ctl_out *o)
{
	const struct lb_key *mode = lb_key_find(LB_KEY_VIP, "mode");
	struct lb_vip_conf d;
	char ab[64], err[128];

	/* the defaults of a VIP of this mode (the transport goes with it) */
	lb_vip_conf_defaults(&d);
	(void)lb_key_set(mode, NULL, &d, lb_policy_name(v->policy), err,
			 sizeof(err));
	lb_ctl_printf(o, "[vip %s]\naddress = %s\nport = %u\nproto = %s\n",
		      v->name, lb_addr_fmt(&v->addr, ab, sizeof(ab)), v->port,
		      v->quic ? "quic" :
		      v->proto == IPPROTO_NUM_UDP ? "udp" : "tcp");
	table_keys(o, LB_KEY_VIP, NULL, v, NULL, &d, vip_skip);
	if (v->has_quic_lb_key) {
		lb_ctl_printf(o, "quic_lb_key = ");
		hex(o, v->quic_lb_key, sizeof(v->quic_lb_key));
		lb_ctl_printf(o, "\n");
	}
	for (uint32_t b = 0; b < v->n_backends; b++) {
		const struct lb_backend_conf *be = &v->backend[b];
		struct lb_addr loc = { .family = 6 };

		if (be->removed)
			continue;
		lb_ctl_printf(o, "backend.%s = %s", be->name,
			      lb_addr_fmt(&be->addr, ab, sizeof(ab)));
		if (be->weight != 1)
			lb_ctl_printf(o, " weight=%u", be->weight);
		if (be->has_locator) {
			memcpy(loc.a, be->locator, 16);
			lb_ctl_printf(o, " locator=%s",
				      lb_addr_fmt(&loc, ab, sizeof(ab)));
		}
		if (be->has_quic_sid) {
			lb_ctl_printf(o, " quic_sid=");
			hex(o, be->quic_sid, be->quic_sid_len);
		}
		lb_ctl_printf(o, "\n");
	}
	lb_ctl_printf(o, "\n");
}

void
lb_config_save(const struct lb_config *c, struct lb_ctl_out *o)
{
	struct lb_config dc;

	lb_config_defaults(&dc);
	lb_ctl_printf(o, "; dsrlb configuration, written by \"save\" from the "
		      "running appliance\n; (docs/configuration.md; settings "
		      "at their default are left out)\n\n");
	save_general(c, &dc, o);
	save_srv6(c, &dc, o);
	save_net(c, &dc, o);
	for (uint32_t v = 0; v < c->n_vips; v++)
		if (!c->vip[v].removed)
			save_vip(&c->vip[v], o);
}
