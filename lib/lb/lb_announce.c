/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The announcer's decision and its commands (see lb_announce.h). The
 * rule follows what Maglev (NSDI'16 §3.1) and Katran/GLB deployments do:
 * a balancer announces a VIP to its router only while it can serve it,
 * and withdraws it before it stops, so that the router's ECMP moves the
 * VIP's traffic to the other balancers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dsrlb/chash.h"
#include "dsrlb/lb_announce.h"
#include "dsrlb/lb_ctl.h"

static const char *const why_names[] = {
#define LB_ANN_WHY_NAME(n, d) #n,
	LB_ANNOUNCE_WHY_LIST(LB_ANN_WHY_NAME)
#undef LB_ANN_WHY_NAME
};

static const char *const why_descs[] = {
#define LB_ANN_WHY_DESC(n, d) d,
	LB_ANNOUNCE_WHY_LIST(LB_ANN_WHY_DESC)
#undef LB_ANN_WHY_DESC
};

const char *
lb_announce_why_name(unsigned int w)
{
	return w < LB_ANN_WHY_MAX ? why_names[w] : "?";
}

const char *
lb_announce_why_desc(unsigned int w)
{
	return w < LB_ANN_WHY_MAX ? why_descs[w] : "?";
}

void
lb_announce_init(struct lb_announce *a)
{
	memset(a, 0, sizeof(*a));
}

enum lb_announce_why
lb_announce_decide(const struct lb_announce *a, const struct lb_state *st,
		   uint32_t v)
{
	const struct lb_vip_rt *vr = &st->vip[v];

	if (vr->conf.announce != LB_ANNOUNCE_BGP)
		return LB_ANN_WHY_not_bgp;
	if (vr->conf.removed)
		return LB_ANN_WHY_removed;
	if (a->stopping)
		return LB_ANN_WHY_stopping;
	if (a->appliance_drained)
		return LB_ANN_WHY_appliance_drained;
	if (v < LB_MAX_VIPS && a->vip_drained[v])
		return LB_ANN_WHY_vip_drained;
	/* n_active: backends that take new flows (not drained, not removed;
	 * the health checks mark the failed ones down the same way). */
	if (vr->n_active == 0)
		return LB_ANN_WHY_no_backend;
	return LB_ANN_WHY_announced;
}

void
lb_announce_proto(const struct lb_vip_conf *v, char *buf, size_t len)
{
	size_t i;

	snprintf(buf, len, "vip_%s", v->name);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] == '-')
			buf[i] = '_';
}

unsigned int
lb_announce_sync(struct lb_announce *a, const struct lb_state *st,
		 lb_announce_send_fn send, void *arg, uint64_t now_ns,
		 bool refresh)
{
	unsigned int fails = 0;

	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++) {
		const struct lb_vip_conf *vc = &st->vip[v].conf;
		enum lb_announce_why why = lb_announce_decide(a, st, v);
		uint8_t want;
		char proto[LB_NAME_LEN + 8], err[sizeof(a->last_err)];

		a->why[v] = (uint8_t)why;
		if (why == LB_ANN_WHY_not_bgp)
			continue;
		want = why == LB_ANN_WHY_announced ? LB_ANN_TOLD_UP :
						     LB_ANN_TOLD_DOWN;
		if (a->told[v] == want && !refresh)
			continue;
		lb_announce_proto(vc, proto, sizeof(proto));
		err[0] = '\0';
		if (send(arg, proto, want == LB_ANN_TOLD_UP, err,
			 sizeof(err)) != 0) {
			a->n_fail++;
			snprintf(a->last_err, sizeof(a->last_err), "%s: %s",
				 proto, err);
			a->told[v] = LB_ANN_TOLD_NOTHING;
			fails++;
			continue;
		}
		if (a->told[v] != want) {
			if (want == LB_ANN_TOLD_UP)
				a->n_announce++;
			else
				a->n_withdraw++;
			a->since_ns[v] = now_ns;
		}
		a->told[v] = want;
	}
	return fails;
}

bool
lb_announce_all_down(const struct lb_announce *a, const struct lb_state *st)
{
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++)
		if (st->vip[v].conf.announce == LB_ANNOUNCE_BGP &&
		    a->told[v] == LB_ANN_TOLD_UP)
			return false;
	return true;
}

bool
lb_announce_any_bgp(const struct lb_config *c)
{
	for (uint32_t v = 0; v < c->n_vips; v++)
		if (!c->vip[v].removed && c->vip[v].announce == LB_ANNOUNCE_BGP)
			return true;
	return false;
}

int
lb_announce_bird_conf(const struct lb_config *c, char *buf, size_t len)
{
	size_t off = 0;
	int n;

	n = snprintf(buf, len, "# dsrlb --bird-conf: one static protocol per "
		     "VIP with announce = bgp.\n# dsrlb enables it while it "
		     "serves the VIP (birdc enable/disable).\n");
	if (n < 0)
		return -1;
	off = (size_t)n;
	for (uint32_t v = 0; v < c->n_vips; v++) {
		const struct lb_vip_conf *vc = &c->vip[v];
		char proto[LB_NAME_LEN + 8], ab[64];

		if (vc->removed || vc->announce != LB_ANNOUNCE_BGP)
			continue;
		lb_announce_proto(vc, proto, sizeof(proto));
		n = snprintf(buf != NULL && off < len ? buf + off : NULL,
			     buf != NULL && off < len ? len - off : 0,
			     "protocol static %s {\n\tdisabled;\n\t%s;\n"
			     "\troute %s/%u blackhole;\n}\n", proto,
			     vc->addr.family == 4 ? "ipv4" : "ipv6",
			     lb_addr_fmt(&vc->addr, ab, sizeof(ab)),
			     vc->addr.family == 4 ? 32u : 128u);
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return (int)off;
}

/* ---- commands ------------------------------------------------------------ */

static int
cmd_err(struct lb_ctl_out *o, const char *msg, const char *arg)
{
	lb_ctl_printf(o, "error: %s%s%s\n", msg, arg ? arg : "",
		      arg ? "'" : "");
	return -1;
}

static int
find_vip(const struct lb_state *st, const char *name)
{
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++)
		if (!st->vip[v].conf.removed &&
		    strcmp(st->vip[v].conf.name, name) == 0)
			return (int)v;
	return -1;
}

static void
show(const struct lb_announce *a, const struct lb_state *st,
     const char *daemon, struct lb_ctl_out *o)
{
	lb_ctl_printf(o, "  appliance %s, daemon %s\n",
		      a->stopping ? "stopping" :
		      a->appliance_drained ? "drained" : "serving",
		      daemon && daemon[0] ? daemon : "(none: no [bgp])");
	lb_ctl_printf(o, "  announce %" PRIu64 ", withdraw %" PRIu64
		      ", failures %" PRIu64 "%s%s\n", a->n_announce,
		      a->n_withdraw, a->n_fail, a->n_fail ? ", last: " : "",
		      a->n_fail ? a->last_err : "");
	lb_ctl_printf(o, "  %-12s %-26s %-5s %-10s %-18s %s\n", "vip",
		      "address", "mode", "state", "why", "chash_digest");
	for (uint32_t v = 0; v < st->n_vips && v < LB_MAX_VIPS; v++) {
		const struct lb_vip_rt *vr = &st->vip[v];
		const struct chash_table *t = atomic_load(&vr->ch1);
		enum lb_announce_why why = lb_announce_decide(a, st, v);
		const char *state;
		char ab[64];

		if (vr->conf.removed)
			continue;
		if (vr->conf.announce != LB_ANNOUNCE_BGP)
			state = vr->conf.announce == LB_ANNOUNCE_ARP ? "arp" :
								       "-";
		else if (a->told[v] == LB_ANN_TOLD_UP)
			state = "announced";
		else if (a->told[v] == LB_ANN_TOLD_DOWN)
			state = "withdrawn";
		else
			state = "unknown";
		lb_ctl_printf(o, "  %-12s %-26s %-5s %-10s %-18s %016" PRIx64
			      "\n", vr->conf.name,
			      lb_addr_fmt(&vr->conf.addr, ab, sizeof(ab)),
			      lb_announce_name(vr->conf.announce), state,
			      lb_announce_why_name(why),
			      t ? chash_digest(t) : 0);
	}
}

int
lb_announce_cmd(struct lb_announce *a, const struct lb_state *st,
		const char *daemon, struct lb_ctl_out *o, int argc,
		char **argv)
{
	if (a == NULL)
		return cmd_err(o, "announcer: not available here", NULL);
	if (strcmp(argv[0], "show") == 0) {
		if (argc != 2)
			return cmd_err(o, "show announce: no argument", NULL);
		show(a, st, daemon, o);
		return 0;
	}
	if (strcmp(argv[0], "appliance") == 0) {
		if (argc != 2 || (strcmp(argv[1], "drain") != 0 &&
				  strcmp(argv[1], "serve") != 0))
			return cmd_err(o, "appliance drain|serve", NULL);
		if (a->stopping)
			return cmd_err(o, "appliance: stopping already", NULL);
		a->appliance_drained = strcmp(argv[1], "drain") == 0;
		lb_ctl_printf(o, "appliance %s: every VIP with announce = "
			      "bgp is %s\n", a->appliance_drained ? "drained" :
			      "serving", a->appliance_drained ? "withdrawn" :
			      "announced while it has a usable backend");
		return 0;
	}
	if (strcmp(argv[0], "vip") == 0 && argc >= 2 &&
	    (strcmp(argv[1], "drain") == 0 || strcmp(argv[1], "undrain") == 0)) {
		bool drain = strcmp(argv[1], "drain") == 0;
		int v;

		if (argc != 3)
			return cmd_err(o, drain ? "vip drain NAME" :
				       "vip undrain NAME", NULL);
		v = find_vip(st, argv[2]);
		if (v < 0)
			return cmd_err(o, "no VIP '", argv[2]);
		if (st->vip[v].conf.announce != LB_ANNOUNCE_BGP)
			return cmd_err(o, "vip drain: announce is not bgp for "
				       "'", argv[2]);
		a->vip_drained[v] = drain;
		lb_ctl_printf(o, "vip %s: %s\n", argv[2], drain ?
			      "drained: withdrawn from the router; its flows "
			      "still served here" :
			      "undrained: announced while it has a usable "
			      "backend");
		return 0;
	}
	return cmd_err(o, "announcer: unknown command '", argv[0]);
}
