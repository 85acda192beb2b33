/* SPDX-License-Identifier: BSD-3-Clause */
/* Defaults and cross-checks of the agent's configuration. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "dsrlb/agent_config.h"

void
agent_config_defaults(struct agent_config *c)
{
	memset(c, 0, sizeof(*c));
	c->flow_capacity = 1024;
	c->timeout_new_ns = 5000000000ull;
	c->timeout_established_ns = 300000000000ull;
	c->timeout_closing_ns = 10000000000ull;
	c->idle_sleep_us = 100;
	c->busy_source = AGENT_BUSY_CONNECTIONS;
	sr_accept_conf_default(&c->accept);
	srv6_func_cfg_default(&c->srv6);
}

__attribute__((format(printf, 3, 4)))
static int
verr(char *err, unsigned int len, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
agent_config_validate(const struct agent_config *c, char *err,
		      unsigned int len)
{
	struct sr_accept s;

	if (c->flow_capacity == 0 || c->flow_capacity > (1u << 24))
		return verr(err, len, "flow_capacity must be 1..16777216");
	if (c->n_vips == 0)
		return verr(err, len, "no [vip NAME] section");
	if (!c->has_gateway_mac)
		return verr(err, len, "[wire] gateway_mac is required");
	if (c->n_appliance_macs == 0)
		return verr(err, len, "[wire] appliance_mac is required: the "
			    "MACs dsrlb messages may come from (the "
			    "appliance's server port, or the router a routed "
			    "leg arrives through)");
	if (srv6_func_cfg_validate(&c->srv6) != 0)
		return verr(err, len, "[srv6]: invalid function layout or "
			    "codes");
	if (sr_accept_init(&s, &c->accept) != 0)
		return verr(err, len, "[general]: invalid acceptance policy "
			    "(workers, c, window, epsilon)");
	if ((c->busy_source == AGENT_BUSY_SHM ||
	     c->busy_source == AGENT_BUSY_SOCKET) && c->busy_path[0] == '\0')
		return verr(err, len, "busy: a path is required");
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		if (c->port[p].dev[0] == '\0')
			return verr(err, len, "[port %s] dev is required",
				    p == AGENT_PORT_WIRE ? "wire" : "kernel");
	for (uint32_t i = 0; i < c->n_vips; i++) {
		const struct agent_vip_conf *v = &c->vip[i];
		unsigned int n = v->family == 4 ? 4 : 16;

		if (v->family != 4 && v->family != 6)
			return verr(err, len, "vip %s: no address", v->name);
		if (v->proto != 6 && v->proto != 17)
			return verr(err, len, "vip %s: proto must be tcp or "
				    "udp", v->name);
		if (v->port == 0)
			return verr(err, len, "vip %s: port is required",
				    v->name);
		for (uint32_t j = 0; j < c->n_vips; j++) {
			const struct agent_vip_conf *o = &c->vip[j];

			if (j != i && o->family == v->family &&
			    o->port == v->port && o->proto == v->proto &&
			    memcmp(o->addr, v->addr, n) == 0)
				return verr(err, len, "vip %s: same address, "
					    "port and proto as vip %s",
					    v->name, o->name);
			if (j < i && v->has_leg && o->has_leg &&
			    o->family == v->family && o->port == v->port &&
			    o->proto == v->proto &&
			    memcmp(o->leg, v->leg, n) == 0)
				return verr(err, len, "vip %s: leg_address, "
					    "port and proto as vip %s "
					    "(ambiguous)", v->name, o->name);
			if (v->has_leg && o->family == v->family &&
			    memcmp(o->addr, v->leg, n) == 0)
				return verr(err, len, "vip %s: leg_address is "
					    "the address of vip %s", v->name,
					    o->name);
		}
	}
	return 0;
}
