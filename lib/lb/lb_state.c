/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Run-time state of the appliance, built from a validated configuration:
 * ports, next hops, VIPs with their backends' SIDs and consistent-hash
 * tables, and the lookup maps the data path uses. Built aside and
 * swapped in whole (issue 6); never modified by the workers except the
 * next-hop table, which only grows and whose MACs are atomic words.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/flow_hash.h"
#include "dsrlb/lb_state.h"
#include "dsrlb/lb_recover.h"
#include "dsrlb/wire.h"

static void
errf(char *err, unsigned int len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* ---- lookup map ----------------------------------------------------- */

/* Fixed-width hash of a map key: the 5-tuple hash over (address,
 * address bytes 4..15 or zeros, port, family, protocol), one multiply
 * fold for IPv4 keys (data-path cost, docs/benchmarks.md). */
static uint32_t
map_hash(uint8_t family, const uint8_t *a, uint16_t port, uint8_t proto)
{
	static const uint8_t zero[16];
	uint64_t h = family == 4 ?
		flow_hash_ipv4(0x6c626d6170ull, a, zero, port, family, proto) :
		flow_hash_ipv6(0x6c626d6170ull, a, zero, port, family, proto);

	return (uint32_t)(h ^ (h >> 32));
}

static inline bool
key_eq16(const uint8_t *x, const uint8_t *y)
{
	uint64_t x0, x1, y0, y1;

	memcpy(&x0, x, 8);
	memcpy(&x1, x + 8, 8);
	memcpy(&y0, y, 8);
	memcpy(&y1, y + 8, 8);
	return ((x0 ^ y0) | (x1 ^ y1)) == 0;
}

static int
map_init(struct lb_map *m, uint32_t n)
{
	uint32_t size = 16;

	while (size < 2 * n + 1)
		size <<= 1;
	m->slot = calloc(size, sizeof(*m->slot));
	if (m->slot == NULL)
		return -ENOMEM;
	m->mask = size - 1;
	return 0;
}

static int
map_put(struct lb_map *m, uint8_t family, const uint8_t *a, uint16_t port,
	uint8_t proto, uint32_t value)
{
	uint32_t i = map_hash(family, a, port, proto) & m->mask;

	for (;;) {
		struct lb_map_slot *s = &m->slot[i];

		if (!s->used) {
			s->used = 1;
			s->family = family;
			s->proto = proto;
			s->port = port;
			memcpy(s->a, a, 16);
			s->value = value;
			return 0;
		}
		if (s->family == family && s->proto == proto &&
		    s->port == port && memcmp(s->a, a, 16) == 0)
			return -EEXIST;
		i = (i + 1) & m->mask;
	}
}

/* OR @p bits into the value of (family, a, 0, 0), which must exist. */
static void
map_or(struct lb_map *m, uint8_t family, const uint8_t *a, uint32_t bits)
{
	uint32_t i = map_hash(family, a, 0, 0) & m->mask;

	for (;;) {
		struct lb_map_slot *s = &m->slot[i];

		if (!s->used)
			return;
		if (s->family == family && s->proto == 0 && s->port == 0 &&
		    memcmp(s->a, a, 16) == 0) {
			s->value |= bits;
			return;
		}
		i = (i + 1) & m->mask;
	}
}

uint32_t
lb_map_get(const struct lb_map *m, uint8_t family, const uint8_t *a,
	   uint16_t port, uint8_t proto)
{
	uint32_t i = map_hash(family, a, port, proto) & m->mask;

	for (;;) {
		const struct lb_map_slot *s = &m->slot[i];

		if (!s->used)
			return UINT32_MAX;
		if (s->family == family && s->proto == proto &&
		    s->port == port && key_eq16(s->a, a))
			return s->value;
		i = (i + 1) & m->mask;
	}
}

/* ---- next hops ------------------------------------------------------ */

uint32_t
lb_state_nh_find(const struct lb_state *st, const struct lb_addr *a)
{
	const struct lb_nh_table *t = st->nht;
	uint32_t n = atomic_load_explicit(&t->n, memory_order_acquire);

	for (uint32_t i = 0; i < n; i++)
		if (lb_addr_eq(&t->e[i].ip, a))
			return i;
	return LB_NH_NONE;
}

uint32_t
lb_state_nh_add(const struct lb_state *st, const struct lb_addr *a,
		uint8_t port)
{
	struct lb_nh_table *t = st->nht;
	uint32_t i = lb_state_nh_find(st, a);
	uint32_t slot, expect;

	if (i != LB_NH_NONE)
		return i;
	/* Reserve a slot, fill it, then publish it in order: n only moves
	 * from slot to slot + 1, so readers never see an unfilled entry. */
	slot = atomic_fetch_add(&t->reserved, 1);
	if (slot >= LB_NH_MAX)
		return LB_NH_NONE;
	t->e[slot].ip = *a;
	t->e[slot].port = port;
	memcpy(t->e[slot].src_mac, st->port[port].mac, 6);
	t->e[slot].is_static = 0;
	atomic_store(&t->e[slot].mac, 0);
	atomic_store(&t->e[slot].req_ns, 0);
	expect = slot;
	while (!atomic_compare_exchange_weak_explicit(&t->n, &expect,
						      slot + 1,
						      memory_order_release,
						      memory_order_relaxed))
		expect = slot;
	/* Two workers may add the same address at once; both entries hold
	 * it and find() returns the first: harmless. */
	return slot;
}

static unsigned int
port_role_bits(uint8_t role)
{
	return role;
}

int
lb_state_route(const struct lb_state *st, const struct lb_addr *dst,
	       unsigned int role_mask, uint8_t *port, struct lb_addr *nh_ip)
{
	int best = -1, best_len = -1;
	const struct lb_route_conf *rbest = NULL;

	for (uint32_t p = 0; p < st->n_ports; p++) {
		const struct lb_port_conf *pc = &st->port[p].conf;
		const struct lb_addr *pa = dst->family == 4 ? &pc->ip4 :
						    &pc->ip6;
		uint8_t plen = dst->family == 4 ? pc->ip4_prefix_len : pc->ip6_prefix_len;

		if (pa->family != dst->family)
			continue;
		if (lb_addr_in_prefix(dst, pa, plen) && (int)plen > best_len) {
			best = (int)p;
			best_len = plen;
		}
	}
	if (best >= 0) {
		*port = (uint8_t)best;
		*nh_ip = *dst;
		return 0;
	}
	for (uint32_t r = 0; r < st->cfg.n_routes; r++) {
		const struct lb_route_conf *rc = &st->cfg.route[r];

		if (rc->prefix.family == dst->family &&
		    lb_addr_in_prefix(dst, &rc->prefix, rc->plen) &&
		    (int)rc->plen > best_len) {
			rbest = rc;
			best_len = rc->plen;
		}
	}
	if (rbest != NULL) {
		/* The next hop of a route is on a connected subnet. */
		for (uint32_t p = 0; p < st->n_ports; p++) {
			const struct lb_port_conf *pc = &st->port[p].conf;
			const struct lb_addr *pa = dst->family == 4 ?
				&pc->ip4 : &pc->ip6;
			uint8_t plen = dst->family == 4 ? pc->ip4_prefix_len :
							  pc->ip6_prefix_len;

			if (pa->family == dst->family &&
			    lb_addr_in_prefix(&rbest->via, pa, plen)) {
				*port = (uint8_t)p;
				*nh_ip = rbest->via;
				return 0;
			}
		}
		return -1;
	}
	for (uint32_t p = 0; p < st->n_ports; p++) {
		const struct lb_port_conf *pc = &st->port[p].conf;
		const struct lb_addr *gw = dst->family == 4 ? &pc->gw4 :
						      &pc->gw6;

		if ((port_role_bits(pc->role) & role_mask) == 0)
			continue;
		if (gw->family == dst->family) {
			*port = (uint8_t)p;
			*nh_ip = *gw;
			return 0;
		}
	}
	return -1;
}

/* ---- build ---------------------------------------------------------- */

static uint64_t
be64_at(const uint8_t *a)
{
	return load_be64(a);
}

/* lb_state_client_gw()'s table of @p family: what lb_state_route() with
 * LB_ROLE_CLIENT decides for a client behind a gateway, once per state. */
static void
client_rt_build(struct lb_state *st, uint8_t family, struct lb_client_rt *r)
{
	memset(r, 0, sizeof(*r));
	r->usable = true;
	r->gw_port = LB_MAX_PORTS;
	r->gw_nh = LB_NH_NONE;
	for (uint32_t i = 0; i < st->cfg.n_routes; i++)
		if (st->cfg.route[i].prefix.family == family)
			r->usable = false;
	for (uint32_t p = 0; p < st->n_ports; p++) {
		const struct lb_port_conf *pc = &st->port[p].conf;
		const struct lb_addr *pa = family == 4 ? &pc->ip4 : &pc->ip6;
		const struct lb_addr *gw = family == 4 ? &pc->gw4 : &pc->gw6;
		unsigned int plen = family == 4 ? pc->ip4_prefix_len :
						  pc->ip6_prefix_len;
		uint32_t nh = family == 4 ? st->port_gw4_nh[p] :
					    st->port_gw6_nh[p];

		if (pa->family == family) {
			unsigned int k = r->n_conn++;

			if (plen > (family == 4 ? 32u : 128u))
				r->usable = false;   /* not a prefix */
			r->conn[k].m0 = plen >= 64 ? ~(uint64_t)0 :
				plen == 0 ? 0 : ~(uint64_t)0 << (64 - plen);
			r->conn[k].m1 = plen <= 64 ? 0 :
				plen >= 128 ? ~(uint64_t)0 :
				~(uint64_t)0 << (128 - plen);
			r->conn[k].a0 = be64_at(pa->a) & r->conn[k].m0;
			r->conn[k].a1 = be64_at(pa->a + 8) & r->conn[k].m1;
		}
		/* lb_state_route()'s last resort: the first port of the
		 * role with a gateway of the family. */
		if (r->gw_port == LB_MAX_PORTS &&
		    (pc->role & LB_ROLE_CLIENT) && gw->family == family) {
			r->gw_port = (uint8_t)p;
			r->gw_nh = nh;
			if (nh == LB_NH_NONE)
				r->usable = false;
		}
	}
}

/* Whether VIP @p vi of @p prev had the table that @p cb and @p cc would
 * build now: then the new state shares it (chash_ref()) instead of
 * building it again, so that a live change rebuilds only the tables it
 * changed (issue 13). A latency-feedback VIP's C = 1 table follows its
 * controller and is never shared (lb_latency_carry()). */
static bool
same_table(const struct lb_state *prev, uint32_t vi,
	   const struct chash_backend *cb, uint32_t n,
	   const struct chash_config *cc, const struct chash_table *t)
{
	const struct lb_vip_rt *pv;
	struct chash_backend *pcb;
	bool same;

	if (prev == NULL || vi >= prev->n_vips || t == NULL)
		return false;
	pv = &prev->vip[vi];
	if (pv->conf.removed || t->m != (cc->m ? cc->m : CHASH_M_DEFAULT) ||
	    t->seed != cc->seed || t->c_conf != cc->c ||
	    t->n != n || pv->conf.n_backends != n)
		return false;
	pcb = calloc(t->n ? t->n : 1, sizeof(*pcb));
	if (pcb == NULL)
		return false;
	lb_state_chash_input(pv, NULL, pcb);
	same = memcmp(pcb, cb, t->n * sizeof(*cb)) == 0;
	free(pcb);
	return same;
}

static int
build_vip(struct lb_state *st, uint32_t vi, const struct lb_state *prev,
	  char *err, unsigned int len)
{
	struct lb_vip_rt *v = &st->vip[vi];
	const struct lb_vip_conf *vc = &st->cfg.vip[vi];
	struct chash_backend *cb;
	struct chash_config cc = { 0 };
	uint32_t n_up = 0, n_down = 0;
	char ab[64];
	int rc;

	v->conf = *vc;
	v->quic_vkey = lb_quic_cid_vkey(vc->addr.family, vc->addr.a, vc->port);
	if (vc->has_quic_lb_key)
		quic_lb_crypt_init(&v->quic_crypt, vc->quic_lb_key);
	v->be = calloc(vc->n_backends ? vc->n_backends : 1, sizeof(*v->be));
	cb = calloc(vc->n_backends ? vc->n_backends : 1, sizeof(*cb));
	if (v->be == NULL || cb == NULL) {
		free(cb);
		errf(err, len, "vip %s: out of memory", vc->name);
		return -ENOMEM;
	}
	/* Health (lb_health.h): a down backend is drained for new flows,
	 * unless every active backend is down: then the VIP fails open and
	 * keeps forwarding by its tables (counted by the monitor). */
	for (uint32_t b = 0; b < vc->n_backends; b++) {
		const struct lb_backend_conf *bc = &vc->backend[b];

		if (vc->removed || bc->removed || bc->weight == 0)
			continue;
		if (bc->health_down || bc->check_down)
			n_down++;
		else
			n_up++;
	}
	v->fail_open = n_down > 0 && n_up == 0;
	for (uint32_t b = 0; b < vc->n_backends; b++) {
		struct lb_backend_rt *be = &v->be[b];
		const struct lb_backend_conf *bc = &vc->backend[b];
		struct lb_addr nh_ip;
		uint8_t port;

		be->conf = *bc;
		/* The routed leg's checksum delta VIP -> backend, the same for
		 * every packet (issue 19). */
		be->dst_delta_ok = bc->addr.family == vc->addr.family &&
			memcmp(bc->addr.a, vc->addr.a,
			       vc->addr.family == 4 ? 4 : 16) != 0;
		be->dst_delta16 = be->dst_delta_ok ?
			csum_delta_fold16(csum_delta_bytes(vc->addr.a,
				bc->addr.a, vc->addr.family == 4 ? 4 : 16)) : 0;
		be->state = bc->removed || vc->removed ?
				SELECT_BACKEND_REMOVED :
			    bc->weight ? SELECT_BACKEND_ACTIVE :
					 SELECT_BACKEND_DRAINED;
		if (be->state == SELECT_BACKEND_ACTIVE &&
		    (bc->health_down || bc->check_down) && !v->fail_open) {
			be->state = SELECT_BACKEND_DRAINED;
			/* trial flows only for the in-band signal: failed
			 * checks are lifted by checks that pass */
			be->health_down = bc->health_down;
			be->check_down = bc->check_down;
			v->n_down++;
		}
		if (be->state == SELECT_BACKEND_ACTIVE)
			v->n_active++;
		/* A removed backend owns no bucket and answers nothing, but
		 * its pinned flows still reach it until they end. */
		if (lb_state_route(st, &bc->addr, LB_ROLE_SERVER, &port,
				   &nh_ip) != 0) {
			if (be->state == SELECT_BACKEND_REMOVED) {
				be->nh = LB_NH_NONE;
				continue;
			}
			free(cb);
			errf(err, len, "vip %s backend %s: no route to %s",
			     vc->name, bc->name,
			     lb_addr_fmt(&bc->addr, ab, sizeof(ab)));
			return -EINVAL;
		}
		/* An L2 leg delivers to the backend's own MAC: it must be
		 * on a connected subnet. */
		if (vc->leg == LB_LEG_L2 && !lb_addr_eq(&nh_ip, &bc->addr)) {
			free(cb);
			errf(err, len, "vip %s backend %s: leg l2 needs the "
			     "backend on a connected subnet", vc->name,
			     bc->name);
			return -EINVAL;
		}
		be->port = port;
		be->mtu = st->port[port].mtu;
		be->via_router = !lb_addr_eq(&nh_ip, &bc->addr);
		be->nh = lb_state_nh_add(st, &nh_ip, port);
		if (be->nh == LB_NH_NONE) {
			free(cb);
			errf(err, len, "too many next hops");
			return -EINVAL;
		}
		be->loc_ok = bc->has_locator &&
			     srv6_locator_words(&st->cfg.srv6, bc->locator,
						be->loc_w, be->loc_m);
		if (bc->has_locator) {
			for (unsigned int f = 1; f < SRV6_FUNC_MAX; f++)
				if (srv6_sid_make(&st->cfg.srv6, bc->locator,
						  (enum srv6_func)f, 0,
						  be->sid[f]) != 0) {
					free(cb);
					errf(err, len, "vip %s backend %s: "
					     "bad SRv6 locator", vc->name,
					     bc->name);
					return -EINVAL;
				}
		}
		if (be->state == SELECT_BACKEND_REMOVED)
			continue;
		if (vc->has_quic_lb && bc->has_quic_sid) {
			uint8_t key[16] = { 0 };

			memcpy(key, bc->quic_sid, vc->quic_lb.server_id_len);
			(void)map_put(&st->quic_map, LB_MAP_QUIC_FAMILY, key,
				      (uint16_t)vi, 0, b);
		}
		/* Answers are matched VIP first, then backend. */
		(void)map_put(&st->backend_map, bc->addr.family, bc->addr.a,
			      (uint16_t)vi, LB_MAP_BACKEND_PROTO, b);
		/* On a routed DSR leg the agent knows the VIP only from the
		 * destination address and port: (address, port, protocol)
		 * must name one VIP (docs/wire-format.md, "The DSR leg"). */
		if (vc->transport == LB_TRANSPORT_DSR &&
		    vc->leg == LB_LEG_ROUTED) {
			rc = map_put(&st->leg_map, bc->addr.family, bc->addr.a,
				     vc->port, vc->proto, vi);
			if (rc != 0) {
				free(cb);
				errf(err, len, "vip %s backend %s: address %s "
				     "already receives the routed DSR leg of "
				     "another VIP on port %u: give the server "
				     "one address per VIP, or use leg = l2",
				     vc->name, bc->name,
				     lb_addr_fmt(&bc->addr, ab, sizeof(ab)),
				     vc->port);
				return rc;
			}
		}
	}
	if (vc->removed) {
		/* A removed VIP receives nothing: no table, no map entry. */
		free(cb);
		return 0;
	}
	lb_state_chash_input(v, NULL, cb);
	cc.m = vc->chash_m;
	cc.seed = st->seed;
	cc.c = 1;
	{
		struct chash_table *t1 = NULL;

		if (vc->policy != LB_POLICY_LATENCY && prev != NULL &&
		    vi < prev->n_vips &&
		    prev->vip[vi].conf.policy != LB_POLICY_LATENCY &&
		    same_table(prev, vi, cb, vc->n_backends, &cc,
			       atomic_load(&prev->vip[vi].ch1))) {
			t1 = chash_ref(atomic_load(&prev->vip[vi].ch1));
			rc = 0;
		} else {
			rc = chash_build(&t1, &cc, cb, vc->n_backends);
		}
		atomic_store(&v->ch1, t1);
	}
	/* Recovery (issue 17): drained backends (by the operator or the
	 * health monitor) keep their place in the candidate tables, the
	 * C = 2 one of the SRv6 transport (recoverStickiness) and the
	 * C = d one of the DSR transport, so that their flows stay
	 * recoverable; new flows skip them (recover_pick(), hunt_offer()). */
	if (rc == 0 && (vc->transport == LB_TRANSPORT_SRV6 ||
			lb_recover_vip(vc)))
		for (uint32_t b = 0; b < vc->n_backends; b++)
			if (v->be[b].state == SELECT_BACKEND_DRAINED)
				cb[b].weight = vc->backend[b].weight ?
					       vc->backend[b].weight : 1;
	if (rc == 0 && vc->transport == LB_TRANSPORT_SRV6) {
		cc.c = vc->chash_c ? vc->chash_c : 2;
		if (prev != NULL && vi < prev->n_vips &&
		    same_table(prev, vi, cb, vc->n_backends, &cc,
			       prev->vip[vi].ch2))
			v->ch2 = chash_ref(prev->vip[vi].ch2);
		else
			rc = chash_build(&v->ch2, &cc, cb, vc->n_backends);
	}
	if (rc == 0 && lb_recover_vip(vc)) {
		cc.c = lb_recover_d(vc);
		rc = chash_build(&v->chd, &cc, cb, vc->n_backends);
	}
	free(cb);
	if (rc != 0) {
		errf(err, len, "vip %s: consistent-hash table: %s", vc->name,
		     strerror(-rc));
		return rc;
	}
	rc = map_put(&st->vip_map, vc->addr.family, vc->addr.a, vc->port,
		     vc->proto, vi);
	if (rc != 0) {
		errf(err, len, "vip %s: duplicate address/port/protocol",
		     vc->name);
		return rc;
	}
	/* The address map says "a VIP address" once per address. */
	(void)map_put(&st->addr_map, vc->addr.family, vc->addr.a, 0, 0,
		      LB_ADDR_VIP | vi);
	/* ARP/ND answers for the address when any of its VIPs wants them
	 * (issue 18: behind a router a VIP is routed, never resolved). */
	if (vc->announce == LB_ANNOUNCE_ARP)
		map_or(&st->addr_map, vc->addr.family, vc->addr.a,
		       LB_ADDR_VIP_NEIGH);
	return 0;
}

static const uint8_t zero16[16];

int
lb_state_build(struct lb_state **out, const struct lb_config *cfg,
	       const uint8_t (*port_mac)[6], char *err, unsigned int len)
{
	return lb_state_build_next(out, cfg, port_mac, NULL, err, len);
}

void
lb_state_chash_input(const struct lb_vip_rt *v, const uint32_t *weights,
		     struct chash_backend *cb)
{
	for (uint32_t b = 0; b < v->conf.n_backends; b++) {
		const struct lb_backend_rt *be = &v->be[b];

		memcpy(cb[b].key, be->conf.addr.a, 16);
		cb[b].key_len = be->conf.addr.family == 4 ? 4 : 16;
		cb[b].weight = be->state != SELECT_BACKEND_ACTIVE ? 0 :
			       weights != NULL ? (uint16_t)weights[b] :
						 be->conf.weight;
		if (be->state == SELECT_BACKEND_REMOVED) {
			/* A key no live backend can have (2 bytes), so that
			 * the address may come back in another slot. */
			cb[b].key[0] = 0xff;
			cb[b].key[1] = (uint8_t)b;
			cb[b].key_len = 2;
		}
	}
}

int
lb_state_build_next(struct lb_state **out, const struct lb_config *cfg,
		    const uint8_t (*port_mac)[6], const struct lb_state *prev,
		    char *err, unsigned int len)
{
	struct lb_state *st;
	uint32_t n_be = 0;
	int rc;

	if (out == NULL || cfg == NULL || port_mac == NULL) {
		errf(err, len, "invalid arguments");
		return -EINVAL;
	}
	rc = lb_config_validate(cfg, err, len);
	if (rc != 0)
		return rc;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		errf(err, len, "out of memory");
		return -ENOMEM;
	}
	st->cfg = *cfg;
	st->cfg.vip = calloc(cfg->n_vips ? cfg->n_vips : 1,
			     sizeof(*cfg->vip));
	st->vip = calloc(cfg->n_vips ? cfg->n_vips : 1, sizeof(*st->vip));
	/* Next hops (and the MACs learned for them) carry over from the
	 * state this one replaces. */
	st->nht = prev != NULL ? prev->nht : calloc(1, sizeof(*st->nht));
	if (st->nht != NULL)
		atomic_fetch_add(&st->nht->refs, 1);
	if (st->cfg.vip == NULL || st->vip == NULL || st->nht == NULL)
		goto nomem;
	/* Learned QUIC CIDs too (lb_quic_cid.h): allocated with the first
	 * state that has a learning VIP, then kept. */
	st->qcid = prev != NULL ? prev->qcid : NULL;
	for (uint32_t v = 0; st->qcid == NULL && v < cfg->n_vips; v++)
		if (cfg->vip[v].quic_cid_len != 0 && !cfg->vip[v].removed) {
			st->qcid = lb_quic_cids_new();
			if (st->qcid == NULL)
				goto nomem;
		}
	if (st->qcid != NULL)
		atomic_fetch_add(&st->qcid->refs, 1);
	memcpy(st->cfg.vip, cfg->vip, cfg->n_vips * sizeof(*cfg->vip));
	st->n_vips = cfg->n_vips;
	st->n_ports = cfg->n_ports;
	st->seed = cfg->chash_seed;
	st->recover_secret = cfg->recover_secret != 0 ?
		cfg->recover_secret : prev != NULL ? prev->recover_secret :
		lb_recover_secret_new();
	st->has_lb_sid = cfg->has_lb_sid;
	memcpy(st->lb_sid, cfg->lb_sid, 16);
	for (uint32_t v = 0; v < cfg->n_vips; v++)
		n_be += cfg->vip[v].n_backends;
	if (map_init(&st->vip_map, cfg->n_vips) != 0 ||
	    map_init(&st->addr_map, cfg->n_vips + 2 * cfg->n_ports) != 0 ||
	    map_init(&st->backend_map, n_be) != 0 ||
	    map_init(&st->leg_map, n_be) != 0 ||
	    map_init(&st->quic_map, n_be) != 0)
		goto nomem;

	for (uint32_t p = 0; p < cfg->n_ports; p++) {
		struct lb_port_rt *pr = &st->port[p];

		pr->conf = cfg->port[p];
		memcpy(pr->mac, port_mac[p], 6);
		pr->mtu = pr->conf.mtu ? pr->conf.mtu : 1500;
		if (pr->conf.ip4.family == 4 &&
		    map_put(&st->addr_map, 4, pr->conf.ip4.a, 0, 0,
			    LB_ADDR_PORT | p) != 0) {
			errf(err, len, "port %s: address used twice",
			     pr->conf.name);
			lb_state_free(st);
			return -EINVAL;
		}
		if (pr->conf.ip6.family == 6 &&
		    map_put(&st->addr_map, 6, pr->conf.ip6.a, 0, 0,
			    LB_ADDR_PORT | p) != 0) {
			errf(err, len, "port %s: address used twice",
			     pr->conf.name);
			lb_state_free(st);
			return -EINVAL;
		}
	}
	/* Static neighbours first: their MACs are valid from the start. */
	for (uint32_t i = 0; i < cfg->n_neigh; i++) {
		const struct lb_neigh_conf *nc = &cfg->neigh[i];
		struct lb_addr nh_ip;
		uint8_t port;
		uint32_t idx;
		uint64_t mac = 0;

		if (lb_state_route(st, &nc->ip, LB_ROLE_BOTH, &port,
				   &nh_ip) != 0 || !lb_addr_eq(&nh_ip, &nc->ip)) {
			char ab[64];

			errf(err, len, "neighbour %s is on no connected subnet",
			     lb_addr_fmt(&nc->ip, ab, sizeof(ab)));
			lb_state_free(st);
			return -EINVAL;
		}
		idx = lb_state_nh_add(st, &nc->ip, port);
		if (idx == LB_NH_NONE)
			goto nomem;
		for (int b = 0; b < 6; b++)
			mac = mac << 8 | nc->mac[b];
		st->nht->e[idx].is_static = 1;
		atomic_store(&st->nht->e[idx].mac, mac | LB_NH_VALID);
	}
	for (uint32_t p = 0; p < cfg->n_ports; p++) {
		const struct lb_port_conf *pc = &cfg->port[p];

		st->port_gw4_nh[p] = pc->gw4.family == 4 ?
			lb_state_nh_add(st, &pc->gw4, (uint8_t)p) : LB_NH_NONE;
		st->port_gw6_nh[p] = pc->gw6.family == 6 ?
			lb_state_nh_add(st, &pc->gw6, (uint8_t)p) : LB_NH_NONE;
	}
	client_rt_build(st, 4, &st->client_rt[0]);
	client_rt_build(st, 6, &st->client_rt[1]);
	for (uint32_t v = 0; v < cfg->n_vips; v++) {
		rc = build_vip(st, v, prev, err, len);
		if (rc != 0) {
			lb_state_free(st);
			return rc;
		}
	}
	if (st->has_lb_sid && memcmp(st->lb_sid, zero16, 16) == 0)
		st->has_lb_sid = false;
	if (st->has_lb_sid &&
	    srv6_sid_matcher_init(&st->lb_sid_match, &st->cfg.srv6,
				  st->lb_sid) != 0)
		st->has_lb_sid = false; /* geometry checked by validation */
	*out = st;
	return 0;
nomem:
	errf(err, len, "out of memory");
	lb_state_free(st);
	return -ENOMEM;
}

void
lb_state_free(struct lb_state *st)
{
	if (st == NULL)
		return;
	for (uint32_t v = 0; st->vip != NULL && v < st->n_vips; v++) {
		free(st->vip[v].be);
		chash_free(atomic_load(&st->vip[v].ch1));
		free(atomic_load(&st->vip[v].poll));
		chash_free(st->vip[v].ch2);
		chash_free(st->vip[v].chd);
	}
	free(st->vip);
	free(st->cfg.vip);
	free(st->vip_map.slot);
	free(st->addr_map.slot);
	free(st->backend_map.slot);
	free(st->quic_map.slot);
	free(st->leg_map.slot);
	if (st->nht != NULL && atomic_fetch_sub(&st->nht->refs, 1) == 1)
		free(st->nht);
	if (st->qcid != NULL && atomic_fetch_sub(&st->qcid->refs, 1) == 1)
		free(st->qcid);
	free(st);
}
