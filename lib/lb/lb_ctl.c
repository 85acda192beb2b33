/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The operator commands of the appliance (see lb_ctl.h, docs/console.md).
 * Reads of the workers' counters and tables are best-effort snapshots from
 * another thread (no lock, no write to worker memory); every change goes
 * through a copy of the configuration and the driver's apply hook.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dsrlb/auth_key.h"
#include "dsrlb/cfg_num.h"
#include "dsrlb/chash.h"
#include "dsrlb/lb_announce.h"
#include "dsrlb/lb_ctl.h"
#include "dsrlb/lb_keys.h"
#include "dsrlb/lb_poll.h"
#include "dsrlb/wire.h"

#define MAX_ARGS 16

/* The parameters of every command's handler. */
#define CMD_PARAMS struct lb_ctl_env *e, struct lb_ctl_out *o, \
	int argc __attribute__((unused)), char **argv __attribute__((unused))

void
lb_ctl_printf(struct lb_ctl_out *o, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(buf))
		n = sizeof(buf) - 1;
	o->write(o->arg, buf, (size_t)n);
}

static int
err(struct lb_ctl_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int
err(struct lb_ctl_out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	lb_ctl_printf(o, "error: %s\n", buf);
	return -1;
}

int
lb_config_copy(struct lb_config *dst, const struct lb_config *src)
{
	*dst = *src;
	dst->vip = NULL;
	if (src->n_vips > 0) {
		dst->vip = malloc(LB_MAX_VIPS * sizeof(*dst->vip));
		if (dst->vip == NULL)
			return -ENOMEM;
		memcpy(dst->vip, src->vip, src->n_vips * sizeof(*src->vip));
	}
	return 0;
}

/* ---- parsing helpers ------------------------------------------------- */

/* A count or port: cfg_num.h's rule (decimal, no leading zero). */
static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	return cfg_num_parse(s, 0, max, out) == CFG_NUM_OK ? 0 : -1;
}

static int
vip_find(const struct lb_config *c, const char *name)
{
	for (uint32_t v = 0; v < c->n_vips; v++)
		if (!c->vip[v].removed && strcmp(c->vip[v].name, name) == 0)
			return (int)v;
	return -1;
}

static int
backend_find(const struct lb_vip_conf *v, const char *name)
{
	for (uint32_t b = 0; b < v->n_backends; b++)
		if (!v->backend[b].removed &&
		    strcmp(v->backend[b].name, name) == 0)
			return (int)b;
	return -1;
}

static const char *
proto_name(uint8_t p)
{
	return p == IPPROTO_NUM_TCP ? "tcp" : p == IPPROTO_NUM_UDP ? "udp" :
								      "?";
}

static const char *
state_name(uint8_t s)
{
	return s == SELECT_BACKEND_ACTIVE ? "active" :
	       s == SELECT_BACKEND_DRAINED ? "drained" : "removed";
}

static const char *
flow_state_name(uint8_t s)
{
	switch (s) {
	case FLOW_STATE_NEW: return "new";
	case FLOW_STATE_ESTABLISHED: return "established";
	case FLOW_STATE_CLOSING: return "closing";
	case LB_FLOW_HUNTING: return "hunting";
	case LB_FLOW_STEER: return "steer";
	case LB_FLOW_RECOVERING: return "recovering";
	default: return "?";
	}
}

/* "10.0.0.1:80" or "[2001:db8::1]:80" */
static const char *
addr_port(const struct lb_addr *a, uint16_t port, char *buf, unsigned int len)
{
	char ab[64];

	lb_addr_fmt(a, ab, sizeof(ab));
	snprintf(buf, len, a->family == 6 ? "[%s]:%u" : "%s:%u", ab, port);
	return buf;
}

/* ---- counters ------------------------------------------------------------ */

static uint64_t
cnt_total(const struct lb_ctl_env *e, unsigned int c)
{
	uint64_t t = 0;

	for (unsigned int i = 0; i < e->n_w; i++)
		t += e->w[i]->cnt[c] - (e->base ? e->base[i].cnt[c] : 0);
	return t;
}

static void
vip_cnt(const struct lb_ctl_env *e, uint32_t v, struct lb_vip_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < e->n_w; i++) {
		const struct lb_vip_counters *c = &e->w[i]->vip[v].cnt;
		const struct lb_vip_counters *b = e->base ? &e->base[i].vip[v] :
							    NULL;
#define ADD_V(n, d) out->n += c->n - (b ? b->n : 0);
		LB_VIP_COUNTER_LIST(ADD_V)
#undef ADD_V
	}
}

static void
be_cnt(const struct lb_ctl_env *e, uint32_t v, uint32_t be,
       struct lb_be_counters *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned int i = 0; i < e->n_w; i++) {
		const struct lb_be_counters *c;
		const struct lb_be_counters *b =
			e->base ? &e->base[i].be[v][be] : NULL;

		if (e->w[i]->vip[v].be_cnt == NULL)
			continue;
		c = &e->w[i]->vip[v].be_cnt[be];
#define ADD_B(n, d) out->n += c->n - (b ? b->n : 0);
		LB_BE_COUNTER_LIST(ADD_B)
#undef ADD_B
	}
}

static void
clear_counters(struct lb_ctl_env *e)
{
	for (unsigned int i = 0; e->base != NULL && i < e->n_w; i++) {
		const struct lb_worker *w = e->w[i];
		struct lb_ctl_base *b = &e->base[i];

		memcpy(b->cnt, w->cnt, sizeof(b->cnt));
		memcpy(b->wire, w->wire, sizeof(b->wire));
		for (uint32_t v = 0; v < LB_MAX_VIPS; v++) {
			if (w->vip[v].be_cnt == NULL)
				continue;
			b->vip[v] = w->vip[v].cnt;
			memcpy(b->be[v], w->vip[v].be_cnt,
			       sizeof(b->be[v]));
		}
	}
}

/* ---- flows --------------------------------------------------------------- */

struct flow_scan {
	const struct lb_ctl_env *e;
	struct lb_ctl_out *o;
	uint32_t vip;                    /* per-backend live-flow count */
	uint64_t per_be[LB_MAX_BACKENDS];
	uint32_t sample_left;
	unsigned int lcore;
};

static int
vip_of_key(const struct lb_state *st, const struct flow_key *k)
{
	uint32_t v = lb_map_get(&st->vip_map, k->family, k->daddr, k->dport,
				k->proto);

	if (v == UINT32_MAX)
		v = lb_map_get(&st->vip_map, k->family, k->daddr, 0, k->proto);
	return v == UINT32_MAX ? -1 : (int)v;
}

static void
key_addrs(const struct flow_key *k, struct lb_addr *c, struct lb_addr *d)
{
	memset(c, 0, sizeof(*c));
	memset(d, 0, sizeof(*d));
	c->family = d->family = k->family;
	memcpy(c->a, k->saddr, 16);
	memcpy(d->a, k->daddr, 16);
}

static int
count_backend_flows(void *arg, const struct flow_key *k,
		    const struct flow_value *v, uint64_t age_ns)
{
	struct flow_scan *s = arg;

	(void)age_ns;
	if (vip_of_key(s->e->st, k) == (int)s->vip &&
	    v->backend < LB_MAX_BACKENDS)
		s->per_be[v->backend]++;
	return 0;
}

static void
print_flow(struct lb_ctl_out *o, const struct lb_state *st, unsigned int lcore,
	   const struct flow_key *k, const struct flow_value *v,
	   uint64_t age_ns)
{
	struct lb_addr c, d;
	char cb[64], db[64];
	int vi = vip_of_key(st, k);
	const char *be = "?";

	key_addrs(k, &c, &d);
	if (vi >= 0 && v->backend < st->vip[vi].conf.n_backends)
		be = st->vip[vi].be[v->backend].conf.name;
	lb_ctl_printf(o, "  lcore %-3u %-40s -> %-40s %-4s %-9s %-11s "
		      "%8.1f s%s\n", lcore,
		      addr_port(&c, k->sport, cb, sizeof(cb)),
		      addr_port(&d, k->dport, db, sizeof(db)),
		      proto_name(k->proto), be, flow_state_name(v->state),
		      (double)age_ns / 1e9,
		      (v->flags & LB_FLAG_ANSWER_DUE) ? " answer-due" : "");
}

static int
sample_flow(void *arg, const struct flow_key *k, const struct flow_value *v,
	    uint64_t age_ns)
{
	struct flow_scan *s = arg;

	if (s->sample_left == 0)
		return 1;
	s->sample_left--;
	print_flow(s->o, s->e->st, s->lcore, k, v, age_ns);
	return s->sample_left == 0;
}

/* ---- show ------------------------------------------------------------------ */

static int
need_vip(const struct lb_ctl_env *e, struct lb_ctl_out *o, int argc,
	 char **argv, int at)
{
	int v;

	if (argc <= at)
		return err(o, "%s %s: which VIP? (show vips lists them)",
			   argv[0], argv[1]) - 1;
	v = vip_find(e->cfg, argv[at]);
	if (v < 0)
		return err(o, "no VIP named '%s' (show vips lists them)",
			   argv[at]) - 1;
	return v;
}

static void
show_backends(const struct lb_ctl_env *e, struct lb_ctl_out *o, uint32_t v)
{
	const struct lb_vip_rt *vr = &e->st->vip[v];
	struct flow_scan scan;

	memset(&scan, 0, sizeof(scan));
	scan.e = e;
	scan.vip = v;
	for (unsigned int i = 0; i < e->n_w; i++)
		(void)flow_table_foreach(&e->w[i]->ft, e->now_ns,
					 count_backend_flows, &scan);
	lb_ctl_printf(o, "  %-12s %-26s %6s %-8s %6s %9s %8s %10s %7s %7s "
		      "%9s %s\n", "backend", "address", "weight", "state",
		      "score", "age", "flows", "packets", "probes", "answers",
		      "latency", "health");
	for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
		const struct lb_backend_rt *be = &vr->be[b];
		const struct lb_health_be *hb;
		struct lb_be_counters bc;
		char ab[64], age[32] = "-", score[16] = "-", lat[32] = "-";
		uint64_t newest = 0, l;
		uint16_t sc = 0;
		bool chk;

		if (be->conf.removed && scan.per_be[b] == 0)
			continue;
		be_cnt(e, v, b, &bc);
		/* the freshest score any lcore holds */
		for (unsigned int i = 0; i < e->n_w; i++) {
			const struct busy_table *t = e->w[i]->vip[v].busy;

			if (t == NULL || !t->e[b].known)
				continue;
			if (t->e[b].updated_ns >= newest) {
				newest = t->e[b].updated_ns;
				sc = t->e[b].score;
			}
		}
		if (newest != 0) {
			snprintf(score, sizeof(score), "%u", sc);
			snprintf(age, sizeof(age), "%.1fms",
				 e->now_ns > newest ?
				 (double)(e->now_ns - newest) / 1e6 : 0.0);
		}
		l = lb_latency_estimate(e->w, e->n_w, v, b, e->now_ns);
		if (l != 0)
			snprintf(lat, sizeof(lat), "%.0fus", (double)l / 1e3);
		hb = e->health != NULL ? lb_health_get(e->health, v, b) : NULL;
		chk = hb != NULL && vr->conf.check.type != LB_CHECK_NONE &&
		      hb->chk_why[0] != '\0';
		/* the operator's state; health has its own column */
		lb_ctl_printf(o, "  %-12s %-26s %6u %-8s %6s %9s %8" PRIu64
			      " %10" PRIu64 " %7" PRIu64 " %7" PRIu64 " %9s"
			      " %s%s%s%s%s\n", be->conf.name,
			      lb_addr_fmt(&be->conf.addr, ab, sizeof(ab)),
			      be->conf.weight,
			      state_name(be->health_down || be->check_down ?
					 SELECT_BACKEND_ACTIVE : be->state),
			      score, age, scan.per_be[b], bc.packets,
			      bc.probes, bc.answers, lat,
			      hb != NULL ? lb_health_label(hb) : "-",
			      vr->fail_open && hb != NULL &&
			      lb_health_is_down(hb) ? "(fail-open)" : "",
			      /* the last active check's result */
			      chk ? " (check: " : "", chk ? hb->chk_why : "",
			      chk ? ")" : "");
	}
}

static int
show_vip(const struct lb_ctl_env *e, struct lb_ctl_out *o, uint32_t v)
{
	const struct lb_vip_rt *vr = &e->st->vip[v];
	const struct lb_vip_conf *c = &vr->conf;
	struct lb_vip_counters vc;
	char ap[80];

	vip_cnt(e, v, &vc);
	lb_ctl_printf(o, "vip %s %s/%s mode %s transport %s\n", c->name,
		      addr_port(&c->addr, c->port, ap, sizeof(ap)),
		      proto_name(c->proto), lb_policy_name(c->policy),
		      lb_transport_name(c->transport));
	if (c->transport == LB_TRANSPORT_DSR)
		lb_ctl_printf(o, "  leg %s, encoding %s, probe_every %u%s, "
			      "auth %s, window %u\n", lb_leg_name(c->leg),
			      lb_enc_name(c->enc), c->probe_n,
			      c->probe_adaptive ? " (adaptive)" : "",
			      c->auth ? "on" : "off", c->score_window);
	if (vr->chd != NULL)
		/* the effective d: the key, or the mode's default, at most
		 * the backends in the table (lb_recover.h) */
		lb_ctl_printf(o, "  recovery: %u candidates per flow\n",
			      vr->chd->c);
	if (c->transport != LB_TRANSPORT_DSR)
		lb_ctl_printf(o, "  candidates %u\n",
			      vr->ch2 != NULL ? vr->ch2->c : 0);
	lb_ctl_printf(o, "  packets %" PRIu64 ", bytes %" PRIu64 ", flows %"
		      PRIu64 ", stateless %" PRIu64 "\n", vc.packets,
		      vc.bytes, vc.flows, vc.stateless);
	show_backends(e, o, v);
	return 0;
}

static int
show_ports(CMD_PARAMS)
{
	if (e->show_ports == NULL)
		return err(o, "no ports here");
	e->show_ports(e->arg, o);
	return 0;
}

static int
show_lcores(CMD_PARAMS)
{
	lb_ctl_printf(o, "  %-6s %-6s %12s %12s %12s %10s %10s\n",
		      "worker", "lcore", "rx", "tx", "handoff",
		      "flows", "table");
	for (unsigned int i = 0; i < e->n_w; i++) {
		const struct lb_worker *w = e->w[i];
		const uint64_t *b = e->base ? e->base[i].cnt : NULL;

#define C(x) (w->cnt[LB_CNT_##x] - (b ? b[LB_CNT_##x] : 0))
		lb_ctl_printf(o, "  %-6u %-6u %12" PRIu64 " %12" PRIu64
			      " %12" PRIu64 " %10u %10u\n", i,
			      e->w_lcore ? e->w_lcore[i] : i, C(rx),
			      C(tx_backend) + C(tx_client) + C(tx_neigh),
			      C(handoff), flow_table_count(&w->ft),
			      w->ft.capacity);
#undef C
	}
	return 0;
}

static int
show_vips(CMD_PARAMS)
{
	lb_ctl_printf(o, "  %-12s %-30s %-5s %-17s %-5s %9s %12s %10s\n",
		      "vip", "address", "proto", "mode", "trans",
		      "backends", "packets", "flows");
	for (uint32_t i = 0; i < e->st->n_vips; i++) {
		const struct lb_vip_rt *vr = &e->st->vip[i];
		struct lb_vip_counters vc;
		uint32_t live = 0;
		char ap[80], nb[16];

		if (vr->conf.removed)
			continue;
		for (uint32_t b = 0; b < vr->conf.n_backends; b++)
			live += !vr->be[b].conf.removed;
		vip_cnt(e, i, &vc);
		snprintf(nb, sizeof(nb), "%u/%u", vr->n_active, live);
		lb_ctl_printf(o, "  %-12s %-30s %-5s %-17s %-5s %9s "
			      "%12" PRIu64 " %10" PRIu64 "\n",
			      vr->conf.name,
			      addr_port(&vr->conf.addr, vr->conf.port,
					ap, sizeof(ap)),
			      proto_name(vr->conf.proto),
			      lb_policy_name(vr->conf.policy),
			      lb_transport_name(vr->conf.transport),
			      nb, vc.packets, vc.flows);
	}
	return 0;
}

static int
cmd_show_vip(CMD_PARAMS)
{
	int v;

	v = need_vip(e, o, argc, argv, 2);
	return v < 0 ? -1 : show_vip(e, o, (uint32_t)v);
}

static int
cmd_show_backends(CMD_PARAMS)
{
	int v;

	v = need_vip(e, o, argc, argv, 2);
	if (v < 0)
		return -1;
	show_backends(e, o, (uint32_t)v);
	return 0;
}

static int
show_chash(CMD_PARAMS)
{
	const struct chash_table *t1, *t2;
	const struct lb_vip_rt *vr;
	int v;

	v = need_vip(e, o, argc, argv, 2);
	if (v < 0)
		return -1;
	vr = &e->st->vip[v];
	t1 = atomic_load(&vr->ch1);
	t2 = vr->ch2;
	lb_ctl_printf(o, "  M %u, digest %016" PRIx64 "%s\n",
		      t1 ? t1->m : 0, t1 ? chash_digest(t1) : 0,
		      t2 ? " (C = 1 table; C = 2 below)" : "");
	lb_ctl_printf(o, "  %-12s %-26s %6s %10s%s\n", "backend",
		      "address", "weight", "share",
		      t2 ? "  first (C=2)   any (C=2)" : "");
	for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
		char ab[64];

		if (vr->be[b].conf.removed)
			continue;
		lb_ctl_printf(o, "  %-12s %-26s %6u %9.2f%%",
			      vr->be[b].conf.name,
			      lb_addr_fmt(&vr->be[b].conf.addr, ab,
					  sizeof(ab)),
			      vr->be[b].conf.weight,
			      t1 && t1->m ? 100.0 *
			      t1->members[b].owned_first / t1->m : 0);
		if (t2 != NULL && t2->m)
			lb_ctl_printf(o, "  %9.2f%%   %9.2f%%",
				      100.0 * t2->members[b].owned_first /
				      t2->m, 100.0 *
				      t2->members[b].owned_any / t2->m);
		lb_ctl_printf(o, "\n");
	}
	return 0;
}

static int
show_flows(CMD_PARAMS)
{
	struct flow_scan scan;
	uint64_t n = 10;

	if (argc > 2 && parse_uint(argv[2], 1000000, &n) != 0)
		return err(o, "show flows: '%s' is not a count "
			   "(0..1000000)", argv[2]);
	memset(&scan, 0, sizeof(scan));
	scan.e = e;
	scan.o = o;
	for (unsigned int i = 0; i < e->n_w; i++)
		lb_ctl_printf(o, "  lcore %u: %u flows in the table "
			      "(capacity %u)\n",
			      e->w_lcore ? e->w_lcore[i] : i,
			      flow_table_count(&e->w[i]->ft),
			      e->w[i]->ft.capacity);
	for (unsigned int i = 0; i < e->n_w && n > 0; i++) {
		scan.sample_left = (uint32_t)n;
		scan.lcore = e->w_lcore ? e->w_lcore[i] : i;
		(void)flow_table_foreach(&e->w[i]->ft, e->now_ns,
					 sample_flow, &scan);
		n = scan.sample_left;
	}
	return 0;
}

static int
show_flow(CMD_PARAMS)
{
	struct lb_addr c, d;
	struct flow_key k;
	uint64_t cp, dp;
	uint8_t proto = IPPROTO_NUM_TCP;
	bool found = false;

	if (argc < 6)
		return err(o, "show flow CLIENT CPORT VIP VPORT "
			   "[tcp|udp]: %d of 4 arguments", argc - 2);
	if (lb_addr_parse(argv[2], &c) != 0)
		return err(o, "show flow: '%s' is not an address",
			   argv[2]);
	if (lb_addr_parse(argv[4], &d) != 0 || d.family != c.family)
		return err(o, "show flow: '%s' is not an address of "
			   "the client's family", argv[4]);
	if (parse_uint(argv[3], 65535, &cp) != 0 ||
	    parse_uint(argv[5], 65535, &dp) != 0)
		return err(o, "show flow: ports are 0..65535");
	if (argc > 6) {
		if (strcmp(argv[6], "udp") == 0)
			proto = IPPROTO_NUM_UDP;
		else if (strcmp(argv[6], "tcp") != 0)
			return err(o, "show flow: '%s' is neither tcp "
				   "nor udp", argv[6]);
	}
	if (c.family == 4)
		flow_key_ipv4(&k, c.a, d.a, (uint16_t)cp, (uint16_t)dp,
			      proto);
	else
		flow_key_ipv6(&k, c.a, d.a, (uint16_t)cp, (uint16_t)dp,
			      proto);
	for (unsigned int i = 0; i < e->n_w; i++) {
		struct flow_value fv;
		uint64_t age;

		if (flow_table_peek(&e->w[i]->ft, &k,
				    lb_key_hash(e->st, &k), e->now_ns,
				    &fv, &age) == FLOW_TABLE_MISS)
			continue;
		print_flow(o, e->st, e->w_lcore ? e->w_lcore[i] : i,
			   &k, &fv, age);
		found = true;
	}
	if (!found)
		lb_ctl_printf(o, "  no such flow in any lcore's table\n");
	return 0;
}

static int
show_busy(CMD_PARAMS)
{
	const struct lb_vip_rt *vr;
	int v;

	v = need_vip(e, o, argc, argv, 2);
	if (v < 0)
		return -1;
	vr = &e->st->vip[v];
	for (unsigned int i = 0; i < e->n_w; i++) {
		const struct busy_table *t = e->w[i]->vip[v].busy;

		lb_ctl_printf(o, "  lcore %u, probe interval %u:\n",
			      e->w_lcore ? e->w_lcore[i] : i,
			      probe_sched_get_n(e->w[i]->vip[v].probe));
		for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
			uint16_t sc = 0;
			int fresh;

			if (vr->be[b].conf.removed)
				continue;
			fresh = busy_select_score(t, b, e->now_ns, &sc);
			lb_ctl_printf(o, "    %-12s score %5u %s\n",
				      vr->be[b].conf.name, sc,
				      fresh > 0 ? "fresh" :
				      t->e[b].known ? "stale" :
						      "unknown");
		}
	}
	return 0;
}

static int
show_latency(CMD_PARAMS)
{
	const struct lb_vip_rt *vr;
	const struct chash_table *t;
	int v;

	v = need_vip(e, o, argc, argv, 2);
	if (v < 0)
		return -1;
	vr = &e->st->vip[v];
	t = atomic_load(&vr->ch1);
	lb_ctl_printf(o, "  %-12s %12s %10s\n", "backend", "latency",
		      "share");
	for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
		uint64_t l = lb_latency_estimate(e->w, e->n_w, v, b,
						 e->now_ns);

		if (vr->be[b].conf.removed)
			continue;
		lb_ctl_printf(o, "  %-12s %9.0f us %9.2f%%\n",
			      vr->be[b].conf.name, (double)l / 1e3,
			      t && t->m ? 100.0 *
			      t->members[b].owned_first / t->m : 0);
	}
	return 0;
}

/* Mode polling (lb_poll.h): what the poller last heard from every
 * server of the polling VIPs. */
static int
show_poll(CMD_PARAMS)
{
	struct timespec ts;
	int v = INT_MAX;

	if (argc > 2) {
		v = need_vip(e, o, argc, argv, 2);
		if (v < 0)
			return -1;
		if (e->st->vip[v].conf.policy != LB_POLICY_POLL)
			return err(o, "show poll: vip %s is not in mode "
				   "polling", argv[2]);
	}
	/* the poller's clock (src/dsrlb/poller.c) */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	if (lb_poll_show(e->poll, e->st,
			 v == INT_MAX ? UINT32_MAX : (uint32_t)v,
			 e->cfg->poll_interval_ms,
			 (uint64_t)ts.tv_sec * 1000000000ull +
			 (uint64_t)ts.tv_nsec, o) == 0 && e->poll != NULL)
		lb_ctl_printf(o, "  no VIP in mode polling\n");
	return 0;
}

static int
show_health(CMD_PARAMS)
{
	int v = INT_MAX;

	if (e->health == NULL)
		return err(o, "show health: not available here");
	if (argc > 2) {
		v = need_vip(e, o, argc, argv, 2);
		if (v < 0)
			return -1;
	}
	lb_health_show(e->health, e->cfg, e->st,
		       v == INT_MAX ? UINT32_MAX : (uint32_t)v, e->now_ns, o);
	return 0;
}

/* BGP announcements (lb_announce.h): show announce, vip drain|undrain,
 * appliance drain|serve. */
static int
cmd_announce(CMD_PARAMS)
{
	return lb_announce_cmd(e->ann, e->st, e->ann_daemon, o, argc, argv);
}

static int
show_counters(CMD_PARAMS)
{
	bool all = argc > 2 && strcmp(argv[2], "all") == 0;

	if (argc > 2 && !all)
		return err(o, "show counters: '%s': only 'all' may "
			   "follow", argv[2]);
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		uint64_t t = cnt_total(e, c);

		if (t != 0 || all)
			lb_ctl_printf(o, "  %-24s %14" PRIu64 "  %s\n",
				      lb_counter_name(c), t,
				      lb_counter_desc(c));
	}
	for (unsigned int r = 0; r < WIRE_RESULT_MAX; r++) {
		uint64_t t = 0;

		for (unsigned int i = 0; i < e->n_w; i++)
			t += e->w[i]->wire[r] -
			     (e->base ? e->base[i].wire[r] : 0);
		if (t != 0 || (all && r != WIRE_OK))
			lb_ctl_printf(o, "  wire.%-19s %14" PRIu64
				      "  %s\n", wire_result_name(r),
				      t, wire_result_str(r));
	}
	return 0;
}

/* ---- changes ----------------------------------------------------------------- */

static int
apply(struct lb_ctl_env *e, struct lb_ctl_out *o, struct lb_config *next,
      const char *done)
{
	char msg[256];

	if (e->apply == NULL) {
		lb_config_free(next);
		return err(o, "this appliance cannot be changed live");
	}
	next->allow_empty_vips = true;
	if (e->apply(e->arg, next, msg, sizeof(msg)) != 0) {
		lb_config_free(next);
		return err(o, "%s", msg);
	}
	lb_ctl_printf(o, "%s\n", done);
	return 0;
}


/* ---- vip ------------------------------------------------------------------ */

static int
cmd_vip_add(CMD_PARAMS)
{
	struct lb_config next;
	struct lb_vip_conf *vc;
	struct lb_addr a;
	uint64_t port;
	char done[160], msg[256];

	(void)argc;
	if (!lb_name_valid(argv[2]))
		return err(o, "vip add: '%s' is not a name (1..31 of "
			   "A-Z a-z 0-9 _ -)", argv[2]);
	if (vip_find(e->cfg, argv[2]) >= 0)
		return err(o, "vip add: a VIP named '%s' exists", argv[2]);
	if (lb_addr_parse(argv[3], &a) != 0)
		return err(o, "vip add: '%s' is not an IPv4 or IPv6 address",
			   argv[3]);
	if (parse_uint(argv[4], 65535, &port) != 0)
		return err(o, "vip add: port '%s' is not 0..65535", argv[4]);
	if (strcmp(argv[5], "tcp") != 0 && strcmp(argv[5], "udp") != 0)
		return err(o, "vip add: '%s' is neither tcp nor udp", argv[5]);
	if (e->cfg->n_vips >= LB_MAX_VIPS)
		return err(o, "vip add: %u VIP slots used (removed ones "
			   "included), at most %u", e->cfg->n_vips,
			   LB_MAX_VIPS);
	if (lb_config_copy(&next, e->cfg) != 0 ||
	    (next.vip == NULL &&
	     (next.vip = malloc(LB_MAX_VIPS * sizeof(*next.vip))) == NULL))
		return err(o, "out of memory");
	vc = &next.vip[next.n_vips];
	lb_vip_conf_defaults(vc);
	/* the mode, through the key table: the transport goes with it */
	if (lb_key_set(lb_key_find(LB_KEY_VIP, "mode"), &next, vc, argv[6],
		       msg, sizeof(msg)) != 0) {
		lb_config_free(&next);
		return err(o, "vip add: %s", msg);
	}
	next.n_vips++;
	snprintf(vc->name, sizeof(vc->name), "%s", argv[2]);
	vc->addr = a;
	vc->port = (uint16_t)port;
	vc->proto = strcmp(argv[5], "tcp") == 0 ? IPPROTO_NUM_TCP :
						  IPPROTO_NUM_UDP;
	snprintf(done, sizeof(done), "vip %s added (no backend yet)",
		 argv[2]);
	return apply(e, o, &next, done);
}

static int
cmd_vip_del(CMD_PARAMS)
{
	struct lb_config next;
	char done[160];
	int v = need_vip(e, o, argc, argv, 2);

	if (v < 0)
		return -1;
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	next.vip[v].removed = true;
	snprintf(done, sizeof(done), "vip %s removed", argv[2]);
	return apply(e, o, &next, done);
}

static int
cmd_vip_set(CMD_PARAMS)
{
	const struct lb_key *k;
	struct lb_config next;
	char done[160], msg[256], names[512];
	int v = need_vip(e, o, argc, argv, 2);

	if (v < 0)
		return -1;
	k = lb_key_find(LB_KEY_VIP, argv[3]);
	if (k == NULL && (strcmp(argv[3], "address") == 0 ||
			  strcmp(argv[3], "port") == 0 ||
			  strcmp(argv[3], "proto") == 0))
		return err(o, "vip set: %s is part of the VIP's identity: "
			   "vip del, then vip add", argv[3]);
	if (k == NULL)
		return err(o, "vip set: unknown setting '%s' (%s)", argv[3],
			   lb_key_names(LB_KEY_VIP, names, sizeof(names)));
	if (k->not_live != NULL)
		return err(o, "vip set: %s is not settable live: %s", k->name,
			   k->not_live);
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	if (lb_key_set(k, &next, &next.vip[v], argv[4], msg,
		       sizeof(msg)) != 0) {
		lb_config_free(&next);
		return err(o, "vip set: %s", msg);
	}
	snprintf(done, sizeof(done), "vip %s: %s = %s", argv[2], k->name,
		 argv[4]);
	return apply(e, o, &next, done);
}

/* ---- backend -------------------------------------------------------------- */

/* The backend argv[3] of VIP argv[2] into *v, *b; -1 after an error. */
static int
need_backend(const struct lb_ctl_env *e, struct lb_ctl_out *o, int argc,
	     char **argv, int *v, int *b)
{
	*v = need_vip(e, o, argc, argv, 2);
	if (*v < 0)
		return -1;
	*b = backend_find(&e->cfg->vip[*v], argv[3]);
	if (*b < 0)
		return err(o, "vip %s has no backend named '%s' (show backends "
			   "%s)", argv[2], argv[3], argv[2]);
	return 0;
}

static int
cmd_backend_add(CMD_PARAMS)
{
	struct lb_config next;
	struct lb_vip_conf *vc;
	struct lb_backend_conf bc;
	struct lb_addr a;
	char done[160];
	uint64_t n;
	int v = need_vip(e, o, argc, argv, 2);

	if (v < 0)
		return -1;
	if ((argc - 5) % 2 != 0)
		return err(o, "backend add: options come in pairs (weight W, "
			   "locator IPV6)");
	if (!lb_name_valid(argv[3]))
		return err(o, "backend add: '%s' is not a name", argv[3]);
	if (backend_find(&e->cfg->vip[v], argv[3]) >= 0)
		return err(o, "backend add: vip %s already has a backend named "
			   "'%s'", argv[2], argv[3]);
	if (lb_addr_parse(argv[4], &a) != 0)
		return err(o, "backend add: '%s' is not an address", argv[4]);
	memset(&bc, 0, sizeof(bc));
	snprintf(bc.name, sizeof(bc.name), "%s", argv[3]);
	bc.addr = a;
	bc.weight = 1;
	for (int i = 5; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "weight") == 0) {
			if (parse_uint(argv[i + 1], CHASH_WEIGHT_MAX, &n) != 0)
				return err(o, "backend add: weight '%s' is not "
					   "0..%u", argv[i + 1],
					   CHASH_WEIGHT_MAX);
			bc.weight = (uint16_t)n;
		} else if (strcmp(argv[i], "locator") == 0) {
			struct lb_addr l;

			if (lb_addr_parse(argv[i + 1], &l) != 0 ||
			    l.family != 6)
				return err(o, "backend add: locator '%s' is "
					   "not an IPv6 address", argv[i + 1]);
			bc.has_locator = true;
			memcpy(bc.locator, l.a, 16);
		} else {
			return err(o, "backend add: unknown option '%s' "
				   "(weight, locator)", argv[i]);
		}
	}
	if (e->cfg->vip[v].n_backends >= LB_MAX_BACKENDS)
		return err(o, "backend add: vip %s has used its %u backend "
			   "slots (removed ones included)", argv[2],
			   LB_MAX_BACKENDS);
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	vc = &next.vip[v];
	vc->backend[vc->n_backends++] = bc;
	snprintf(done, sizeof(done), "vip %s: backend %s added", argv[2],
		 argv[3]);
	return apply(e, o, &next, done);
}

static int
cmd_backend_del(CMD_PARAMS)
{
	struct lb_config next;
	char done[160];
	int v, b;

	if (need_backend(e, o, argc, argv, &v, &b) != 0)
		return -1;
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	next.vip[v].backend[b].removed = true;
	snprintf(done, sizeof(done), "vip %s: backend %s removed (its pinned "
		 "flows go on until they end)", argv[2], argv[3]);
	return apply(e, o, &next, done);
}

/* An operator override of the passive health (lb_health.h): the control
 * thread's health view changes, the next health step publishes it. */
static int
cmd_backend_health(CMD_PARAMS)
{
	int v, b;

	if (need_backend(e, o, argc, argv, &v, &b) != 0)
		return -1;
	if (e->health == NULL ||
	    lb_health_override(e->health, (uint32_t)v, (uint32_t)b, argv[4],
			       e->now_ns) != 0)
		return err(o, "backend health VIP NAME up|down|auto");
	lb_ctl_printf(o, "vip %s: backend %s health %s\n", argv[2], argv[3],
		      argv[4]);
	return 0;
}

/* Key rotation of the authenticated mode (auth_key.h): the new key signs,
 * the one it replaces keeps verifying answers to requests already sent,
 * so no sample is lost; "auth forget" ends the rotation. */
static int
cmd_auth_key(CMD_PARAMS)
{
	struct lb_config next;
	uint8_t key[AUTH_KEY_LEN];

	/* The key is a secret: never echoed. */
	if (auth_key_parse(argv[2], key) != 0)
		return err(o, "auth key: not %u hex digits, or all zero",
			   AUTH_KEY_HEX_LEN);
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	if (next.has_auth_key) {
		memcpy(next.auth_key_prev, next.auth_key, AUTH_KEY_LEN);
		next.has_auth_key_prev = true;
	}
	memcpy(next.auth_key, key, AUTH_KEY_LEN);
	next.has_auth_key = true;
	return apply(e, o, &next, next.has_auth_key_prev ?
		     "auth key replaced (the previous one still verifies "
		     "answers until 'auth forget')" : "auth key set");
}

static int
cmd_auth_forget(CMD_PARAMS)
{
	struct lb_config next;

	if (!e->cfg->has_auth_key_prev)
		return err(o, "auth forget: no previous key");
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	memset(next.auth_key_prev, 0, AUTH_KEY_LEN);
	next.has_auth_key_prev = false;
	return apply(e, o, &next, "previous auth key forgotten");
}

static int
cmd_backend_drain(CMD_PARAMS)
{
	struct lb_config next;
	char done[160];
	int v, b;

	if (need_backend(e, o, argc, argv, &v, &b) != 0)
		return -1;
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	next.vip[v].backend[b].weight = 0;
	snprintf(done, sizeof(done), "vip %s: backend %s drained (no new "
		 "flows)", argv[2], argv[3]);
	return apply(e, o, &next, done);
}

static int
cmd_backend_weight(CMD_PARAMS)
{
	struct lb_config next;
	char done[160];
	uint64_t n;
	int v, b;

	if (need_backend(e, o, argc, argv, &v, &b) != 0)
		return -1;
	if (parse_uint(argv[4], CHASH_WEIGHT_MAX, &n) != 0)
		return err(o, "backend weight: '%s' is not 0..%u", argv[4],
			   CHASH_WEIGHT_MAX);
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	next.vip[v].backend[b].weight = (uint16_t)n;
	snprintf(done, sizeof(done), "vip %s: backend %s weight %u", argv[2],
		 argv[3], (unsigned int)n);
	return apply(e, o, &next, done);
}

/* ---- set, clear, capture, quit ---------------------------------------------- */

static int
cmd_set(CMD_PARAMS)
{
	const struct lb_key *k = lb_key_find(LB_KEY_GENERAL, argv[1]);
	struct lb_config next;
	char msg[256], names[512];

	(void)argc;
	if (k == NULL)
		return err(o, "set: unknown setting '%s' ([general]: %s; VIP "
			   "settings are 'vip set')", argv[1],
			   lb_key_names(LB_KEY_GENERAL, names, sizeof(names)));
	if (k->not_live != NULL)
		return err(o, "set: %s is not settable live: %s", k->name,
			   k->not_live);
	if (strcmp(k->name, "idle_sleep_us") == 0) {
		/* read by the worker loop as it is: no new state */
		if (lb_key_set(k, e->cfg, NULL, argv[2], msg,
			       sizeof(msg)) != 0)
			return err(o, "set: %s", msg);
		if (e->set_idle_sleep != NULL)
			e->set_idle_sleep(e->arg, e->cfg->idle_sleep_us);
		lb_ctl_printf(o, "idle_sleep_us = %u\n",
			      e->cfg->idle_sleep_us);
		return 0;
	}
	if (lb_config_copy(&next, e->cfg) != 0)
		return err(o, "out of memory");
	if (lb_key_set(k, &next, NULL, argv[2], msg, sizeof(msg)) != 0) {
		lb_config_free(&next);
		return err(o, "set: %s", msg);
	}
	snprintf(msg, sizeof(msg), "%s = %s", k->name, argv[2]);
	return apply(e, o, &next, msg);
}

static int
cmd_clear_counters(CMD_PARAMS)
{
	(void)argc;
	(void)argv;
	if (e->base == NULL)
		return err(o, "clear counters: not available here");
	clear_counters(e);
	lb_ctl_printf(o, "counters cleared\n");
	return 0;
}

static int
cmd_capture_start(CMD_PARAMS)
{
	char msg[256];
	uint64_t snap = 0;

	if (e->capture == NULL)
		return err(o, "capture: not available here");
	if (argc == 5 && (parse_uint(argv[4], 65535, &snap) != 0 || snap < 64))
		return err(o, "capture start: snaplen '%s' is not 64..65535",
			   argv[4]);
	if (e->capture(e->arg, 1, argv[2], argv[3], (uint32_t)snap, msg,
		       sizeof(msg)) != 0)
		return err(o, "%s", msg);
	lb_ctl_printf(o, "%s\n", msg);
	return 0;
}

static int
cmd_capture_stop(CMD_PARAMS)
{
	char msg[256];

	(void)argc;
	(void)argv;
	if (e->capture == NULL)
		return err(o, "capture: not available here");
	if (e->capture(e->arg, 0, NULL, NULL, 0, msg, sizeof(msg)) != 0)
		return err(o, "%s", msg);
	lb_ctl_printf(o, "%s\n", msg);
	return 0;
}

static int cmd_help(CMD_PARAMS);

static int
cmd_save(CMD_PARAMS)
{
	if (e->save == NULL)
		return err(o, "save: not available here");
	return e->save(e->arg, argc > 1 ? argv[1] : NULL, o);
}

static int
cmd_reload(CMD_PARAMS)
{
	if (e->reload == NULL)
		return err(o, "reload: no configuration file here");
	return e->reload(e->arg, o);
}

static int
cmd_quit(CMD_PARAMS)
{
	(void)o;
	(void)argc;
	(void)argv;
	if (e->quit != NULL)
		e->quit(e->arg);
	return 1;
}

/* ---- the command table ------------------------------------------------------ */

/*
 * Every command, once: its group (for "help GROUP"), its syntax (leading
 * lower-case words are the keywords that select it; UPPER-CASE words are
 * arguments, [...] optional, a|b alternatives: the argument count is
 * checked against it), its help and its handler. Help, dispatch, the
 * rte_cmdline completion (src/dsrlb/console.c) and the reference in
 * docs/console.md (lb_ctl_reference(), checked by tests/unit/test_lb_ctl.c)
 * all come from here. "KEY VALUE" rows expand to one line per key of the
 * key table (lb_keys.h).
 */
/* 8< commands */
const struct lb_ctl_cmd lb_ctl_cmds[] = {
	{ "show", "show ports", "ports: link, packets in and out, drops",
	  show_ports },
	{ "show", "show lcores", "workers: lcore, packets, hand-offs, flows",
	  show_lcores },
	{ "show", "show vips", "every VIP: address, mode, backends, traffic",
	  show_vips },
	{ "show", "show vip NAME", "one VIP: settings, counters, backends",
	  cmd_show_vip },
	{ "show", "show backends VIP",
	  "backends of VIP: weight, state, score and its age, live flows, "
	  "packets, probes, answers, latency", cmd_show_backends },
	{ "show", "show chash VIP",
	  "consistent-hash table of VIP: share of buckets per backend",
	  show_chash },
	{ "show", "show flows [N]",
	  "flow-table size per lcore and a sample of N flows (default 10)",
	  show_flows },
	{ "show", "show flow CLIENT CPORT VIP VPORT [tcp|udp]",
	  "one flow by its tuple: lcore, backend, state, age", show_flow },
	{ "show", "show busy VIP",
	  "busyness scores of VIP's backends, per lcore", show_busy },
	{ "show", "show latency VIP",
	  "in-band latency estimate and table share per backend",
	  show_latency },
	{ "show", "show poll [VIP]",
	  "mode polling: per server of the polling VIPs its last polled "
	  "load, the age of that answer, polls outstanding, timeouts",
	  show_poll },
	{ "show", "show health [VIP]",
	  "passive health: settings, and per backend up/suspect/down, since "
	  "when and why, answers and losses seen", show_health },
	{ "show", "show counters [all]",
	  "counters since start or the last clear (all: zeros too)",
	  show_counters },
	{ "show", "show announce",
	  "BGP announcements: per VIP announced or withdrawn and why, "
	  "consistent-hash digest; announce/withdraw counters",
	  cmd_announce },
	{ "vip", "vip add NAME ADDRESS PORT tcp|udp MODE",
	  "new VIP (MODE: dsr-feedback, hunt, maglev, round-robin, random, "
	  "latency-feedback, polling); add backends next", cmd_vip_add },
	{ "vip", "vip del NAME",
	  "remove VIP: its traffic is no longer accepted", cmd_vip_del },
	{ "vip", "vip set NAME KEY VALUE", "change one setting of the VIP",
	  cmd_vip_set },
	{ "vip", "vip drain NAME",
	  "withdraw VIP's route (announce = bgp): the router moves its "
	  "traffic to the other appliances", cmd_announce },
	{ "vip", "vip undrain NAME", "announce VIP again", cmd_announce },
	{ "appliance", "appliance drain",
	  "withdraw every VIP (before an upgrade); flows still served",
	  cmd_announce },
	{ "appliance", "appliance serve", "announce the VIPs again",
	  cmd_announce },
	{ "backend", "backend add VIP NAME ADDRESS [weight W] [locator IPV6]",
	  "new backend (weight 0..1000, default 1)", cmd_backend_add },
	{ "backend", "backend del VIP NAME",
	  "remove: no new flows; its pinned flows go on until they end",
	  cmd_backend_del },
	{ "backend", "backend weight VIP NAME W", "change a weight (0..1000)",
	  cmd_backend_weight },
	{ "backend", "backend drain VIP NAME",
	  "weight 0: no new flows, pinned flows kept", cmd_backend_drain },
	{ "backend", "backend health VIP NAME up|down|auto",
	  "override the passive health (auto: follow it again)",
	  cmd_backend_health },
	{ "auth", "auth key HEX",
	  "rotate the feedback key: HEX (32 hex digits) signs new requests, "
	  "the key it replaces still verifies answers", cmd_auth_key },
	{ "auth", "auth forget",
	  "stop accepting the previous key (rotation over)", cmd_auth_forget },
	{ "set", "set KEY VALUE", "change a [general] setting", cmd_set },
	{ "counters", "clear counters", "start the shown counters from zero",
	  cmd_clear_counters },
	{ "capture", "capture start PORT FILE [SNAPLEN]",
	  "write PORT's packets, both directions, to FILE (pcapng)",
	  cmd_capture_start },
	{ "capture", "capture stop", "close the capture file",
	  cmd_capture_stop },
	{ "config", "reload",
	  "re-read the configuration file and apply what changed (as "
	  "SIGHUP); a file that does not load changes nothing", cmd_reload },
	{ "config", "save [FILE]",
	  "write the running configuration as INI to FILE (default: the "
	  "--config file), so that console changes survive a restart",
	  cmd_save },
	{ "help", "help [GROUP]", "this list, or one group's commands",
	  cmd_help },
	{ "quit", "quit", "stop the appliance (or leave a control session)",
	  cmd_quit },
	{ "quit", "exit", "the same as quit", cmd_quit },
	{ NULL, NULL, NULL, NULL },
};
/* >8 commands */

/* The i-th word of @p syntax into @p buf; false past the end. */
static bool
syntax_word(const char *syntax, unsigned int i, char *buf, size_t len)
{
	const char *p = syntax;

	for (;;) {
		size_t n;

		p += strspn(p, " ");
		if (*p == '\0')
			return false;
		n = strcspn(p, " ");
		if (i-- == 0) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return true;
		}
		p += n;
	}
}

/* A keyword: lower case letters and '_' only (not an argument, not
 * optional, not a choice). */
static bool
is_keyword(const char *w)
{
	if (*w == '\0')
		return false;
	for (; *w != '\0'; w++)
		if (!((*w >= 'a' && *w <= 'z') || *w == '_'))
			return false;
	return true;
}

/* Number of leading keywords of @p c. */
static unsigned int
n_keywords(const struct lb_ctl_cmd *c)
{
	char w[64];
	unsigned int n = 0;

	while (syntax_word(c->syntax, n, w, sizeof(w)) && is_keyword(w))
		n++;
	return n;
}

/* Least and most words of @p c's syntax (a [...] group is optional). */
static void
arity(const struct lb_ctl_cmd *c, int *min, int *max)
{
	char w[64];
	int depth = 0;

	*min = *max = 0;
	for (unsigned int i = 0; syntax_word(c->syntax, i, w, sizeof(w));
	     i++) {
		if (w[0] == '[')
			depth++;
		(*max)++;
		if (depth == 0)
			(*min)++;
		if (w[strlen(w) - 1] == ']')
			depth--;
	}
}

/* Whether the leading keywords of @p c are argv[0..]. */
static bool
cmd_matches(const struct lb_ctl_cmd *c, int argc, char **argv)
{
	unsigned int n = n_keywords(c);
	char w[64];

	if ((unsigned int)argc < n)
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (!syntax_word(c->syntax, i, w, sizeof(w)) ||
		    strcmp(w, argv[i]) != 0)
			return false;
	return true;
}

/* Append @p w to the @p sep separated list in @p buf unless it is in. */
static void
list_add(char *buf, size_t len, const char *sep, const char *w)
{
	size_t n = strlen(buf), wl = strlen(w), sl = strlen(sep);

	for (const char *p = buf; *p != '\0';) {
		size_t k = strcspn(p, sep[0] == '#' ? "#" : ",");

		if (k == wl && strncmp(p, w, wl) == 0)
			return;
		p += k;
		p += strspn(p, sep);
	}
	if (n + (n ? sl : 0) + wl + 1 > len)
		return;
	snprintf(buf + n, len - n, "%s%s", n ? sep : "", w);
}

int
lb_ctl_heads(char *buf, size_t len)
{
	char w[64];
	int n = 0;

	buf[0] = '\0';
	for (const struct lb_ctl_cmd *c = lb_ctl_cmds; c->group; c++) {
		size_t before = strlen(buf);

		if (syntax_word(c->syntax, 0, w, sizeof(w))) {
			list_add(buf, len, "#", w);
			n += strlen(buf) != before;
		}
	}
	return n;
}

int
lb_ctl_subwords(const char *head, char *buf, size_t len)
{
	char w[64];
	int n = 0;

	buf[0] = '\0';
	if (strcmp(head, "help") == 0) {
		/* help's argument is a group */
		for (const struct lb_ctl_cmd *c = lb_ctl_cmds; c->group; c++)
			list_add(buf, len, "#", c->group);
		return buf[0] != '\0';
	}
	for (const struct lb_ctl_cmd *c = lb_ctl_cmds; c->group; c++) {
		if (!syntax_word(c->syntax, 0, w, sizeof(w)) ||
		    strcmp(w, head) != 0)
			continue;
		if (n_keywords(c) >= 2 &&
		    syntax_word(c->syntax, 1, w, sizeof(w))) {
			list_add(buf, len, "#", w);
			n++;
		}
	}
	if (strcmp(head, "set") == 0)
		for (const struct lb_key *k = lb_keys; k->name; k++)
			/* every [general] key: "set" explains the ones it
			 * cannot change live */
			if (k->sec == LB_KEY_GENERAL) {
				list_add(buf, len, "#", k->name);
				n++;
			}
	return n;
}

/* The lines of the reference: each row, "KEY VALUE" rows once per key. */
static void
each_line(const char *group, void (*fn)(void *arg, const char *syntax,
					  const char *help), void *arg)
{
	char syn[128];

	for (const struct lb_ctl_cmd *c = lb_ctl_cmds; c->group; c++) {
		const char *kv = strstr(c->syntax, "KEY VALUE");

		if (group != NULL && strcmp(group, c->group) != 0)
			continue;
		if (kv == NULL) {
			fn(arg, c->syntax, c->help);
			continue;
		}
		for (const struct lb_key *k = lb_keys; k->name; k++) {
			if (k->sec != (strncmp(c->syntax, "vip", 3) == 0 ?
				       LB_KEY_VIP : LB_KEY_GENERAL) ||
			    k->not_live != NULL)
				continue;
			snprintf(syn, sizeof(syn), "%.*s%s %s",
				 (int)(kv - c->syntax), c->syntax, k->name,
				 k->syntax);
			fn(arg, syn, k->help);
		}
	}
}

struct help_ctx {
	struct lb_ctl_out *o;
	unsigned int n;
};

static void
help_line(void *arg, const char *syntax, const char *help)
{
	struct help_ctx *h = arg;

	lb_ctl_printf(h->o, "  %-52s %s\n", syntax, help);
	h->n++;
}

static int
cmd_help(CMD_PARAMS)
{
	struct help_ctx h = { o, 0 };
	char groups[256] = "";

	(void)e;
	each_line(argc > 1 ? argv[1] : NULL, help_line, &h);
	if (h.n == 0) {
		for (const struct lb_ctl_cmd *c = lb_ctl_cmds; c->group; c++)
			list_add(groups, sizeof(groups), ", ", c->group);
		return err(o, "help: no group '%s' (%s)", argv[1], groups);
	}
	return 0;
}

const char *
lb_ctl_usage(const char *head, char *buf, size_t len)
{
	char sub[512];

	if (lb_ctl_subwords(head, sub, sizeof(sub)) == 0) {
		snprintf(buf, len, "%s", head);
		return buf;
	}
	for (char *p = sub; *p != '\0'; p++)
		if (*p == '#')
			*p = '|';
	snprintf(buf, len, "%s %s ...", head, sub);
	return buf;
}

static void
key_table(struct lb_ctl_out *o, unsigned int sec)
{
	lb_ctl_printf(o, "| key | values | meaning | live |\n"
		      "| --- | --- | --- | --- |\n");
	for (const struct lb_key *k = lb_keys; k->name; k++) {
		char vals[128];

		if (k->sec != sec)
			continue;
		if (k->type == LB_KEY_UINT || k->type == LB_KEY_PRIME)
			snprintf(vals, sizeof(vals), "%s%" PRIu64 "..%" PRIu64,
				 k->type == LB_KEY_PRIME ? "prime in " : "",
				 k->min, k->max);
		else if (k->values != NULL)
			snprintf(vals, sizeof(vals), "%s", k->values);
		else if (k->type == LB_KEY_FRACTION)
			snprintf(vals, sizeof(vals), "(0, 1]");
		else if (k->type == LB_KEY_PATH)
			snprintf(vals, sizeof(vals), "/PATH, at most 63 "
				 "characters");
		else
			snprintf(vals, sizeof(vals), "0..2^64-1, or 0x hex");
		for (char *p = vals; *p != '\0'; p++)
			if (*p == '|')
				*p = '/';
		lb_ctl_printf(o, "| `%s` | %s | %s | %s%s |\n", k->name,
			      vals, k->help,
			      k->not_live != NULL ? "no: " : "yes",
			      k->not_live != NULL ? k->not_live : "");
	}
}

void
lb_ctl_reference(struct lb_ctl_out *o)
{
	struct help_ctx h = { o, 0 };

	lb_ctl_printf(o, "```\ndsrlb> help\n");
	each_line(NULL, help_line, &h);
	lb_ctl_printf(o, "```\n\n`vip set NAME KEY VALUE` (`[vip NAME]` in "
		      "the configuration file):\n\n");
	key_table(o, LB_KEY_VIP);
	lb_ctl_printf(o, "\n`set KEY VALUE` (`[general]` in the "
		      "configuration file):\n\n");
	key_table(o, LB_KEY_GENERAL);
}

/* ---- dispatch ------------------------------------------------------------------ */

int
lb_ctl_exec(struct lb_ctl_env *e, const char *line, struct lb_ctl_out *o)
{
	char buf[1024], *argv[MAX_ARGS], *save = NULL, *tok;
	char subs[512], list[600], w[64];
	const struct lb_ctl_cmd *c;
	int argc = 0, min, max;

	if (strlen(line) >= sizeof(buf))
		return err(o, "line too long (at most %zu characters)",
			   sizeof(buf) - 1);
	strcpy(buf, line);
	for (tok = strtok_r(buf, " \t\r\n", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (*tok == '#' && argc == 0)
			return 0; /* a comment line */
		if (argc == MAX_ARGS)
			return err(o, "too many words (at most %d)", MAX_ARGS);
		argv[argc++] = tok;
	}
	if (argc == 0)
		return 0;
	for (c = lb_ctl_cmds; c->group; c++)
		if (cmd_matches(c, argc, argv))
			break;
	if (c->group == NULL) {
		for (c = lb_ctl_cmds; c->group; c++)
			if (syntax_word(c->syntax, 0, w, sizeof(w)) &&
			    strcmp(w, argv[0]) == 0)
				break;
		if (c->group == NULL)
			return err(o, "unknown command '%s' (help lists the "
				   "commands)", argv[0]);
		(void)lb_ctl_subwords(argv[0], subs, sizeof(subs));
		list[0] = '\0';
		for (char *p = strtok_r(subs, "#", &save); p != NULL;
		     p = strtok_r(NULL, "#", &save))
			list_add(list, sizeof(list), ", ", p);
		return err(o, "%s what? %s%s%s", argv[0], list,
			   argc > 1 ? " -- not " : "", argc > 1 ? argv[1] : "");
	}
	arity(c, &min, &max);
	if (argc < min || argc > max)
		return err(o, "usage: %s", c->syntax);
	return c->fn(e, o, argc, argv);
}
