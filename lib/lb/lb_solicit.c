/* SPDX-License-Identifier: BSD-3-Clause */
/* Proactive neighbour resolution (see lb_solicit.h). */
#include <stdatomic.h>

#include "dsrlb/lb_solicit.h"
#include "dsrlb/neigh.h"

static bool
request_due(const struct lb_state *st, struct lb_nh *e, uint64_t now_ns,
	    uint64_t *last)
{
	if (atomic_load_explicit(&e->mac, memory_order_acquire) &
	    LB_NH_VALID || e->port >= st->n_ports)
		return false;
	*last = atomic_load_explicit(&e->req_ns, memory_order_relaxed);
	return *last == 0 || now_ns < *last ||
	       now_ns - *last >= LB_SOLICIT_INTERVAL_NS;
}

/* Claim next hop @p e's request slot (at most one request per
 * LB_SOLICIT_INTERVAL_NS, whoever sends it: compare-and-swap on req_ns)
 * and write the ARP request or neighbour solicitation into @p pb. */
static bool
request_build(const struct lb_state *st, struct lb_nh *e, struct pkt_buf *pb,
	      uint64_t now_ns)
{
	const struct lb_port_rt *p;
	uint64_t last;

	if (!request_due(st, e, now_ns, &last) ||
	    !atomic_compare_exchange_strong(&e->req_ns, &last,
					    now_ns ? now_ns : 1))
		return false;
	p = &st->port[e->port];
	if (e->ip.family == 4 && p->conf.ip4.family == 4)
		return neigh_build_arp_request(pb, p->mac, p->conf.ip4.a,
					       e->ip.a) == WIRE_OK;
	if (e->ip.family == 6 && p->conf.ip6.family == 6)
		return neigh_build_ns(pb, p->mac, p->conf.ip6.a,
				      e->ip.a) == WIRE_OK;
	return false;
}

bool
lb_worker_solicit(struct lb_worker *w, struct pkt_buf *pb, uint64_t now_ns,
		  uint8_t *port)
{
	const struct lb_state *st = w->st;
	uint32_t n;

	if (st == NULL || st->nht == NULL || !st->cfg.neigh_solicit)
		return false;
	n = atomic_load_explicit(&st->nht->n, memory_order_acquire);
	for (uint32_t k = 0; k < LB_SOLICIT_SCAN && k < n; k++) {
		struct lb_nh *e = &st->nht->e[w->solicit_cursor++ % n];

		if (!request_build(st, e, pb, now_ns))
			continue;
		*port = e->port;
		w->cnt[LB_CNT_neigh_solicit_sent]++;
		return true;
	}
	return false;
}

static struct lb_nh *
nh_slot(const struct lb_worker *w, uint16_t nh)
{
	const struct lb_state *st = w->st;

	if (st == NULL || st->nht == NULL || nh >=
	    atomic_load_explicit(&st->nht->n, memory_order_acquire))
		return NULL;
	return &st->nht->e[nh];
}

bool
lb_worker_request_due(const struct lb_worker *w, uint16_t nh,
		      uint64_t now_ns)
{
	struct lb_nh *e = nh_slot(w, nh);
	uint64_t last;

	return e != NULL && request_due(w->st, e, now_ns, &last);
}

bool
lb_worker_request(struct lb_worker *w, struct pkt_buf *pb, uint16_t nh,
		  uint64_t now_ns, uint8_t *port)
{
	struct lb_nh *e = nh_slot(w, nh);

	if (e == NULL || !request_build(w->st, e, pb, now_ns))
		return false;
	*port = e->port;
	w->cnt[LB_CNT_neigh_request_sent]++;
	return true;
}
