/* SPDX-License-Identifier: BSD-3-Clause */
/* Proactive neighbour resolution (see lb_solicit.h). */
#include <stdatomic.h>

#include "dsrlb/lb_solicit.h"
#include "dsrlb/neigh.h"

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
		uint32_t i = w->solicit_cursor++ % n;
		struct lb_nh *e = &st->nht->e[i];
		const struct lb_port_rt *p;
		uint64_t last;
		enum wire_result r = WIRE_ERR_INVAL;

		if (atomic_load_explicit(&e->mac, memory_order_acquire) &
		    LB_NH_VALID || e->port >= st->n_ports)
			continue;
		last = atomic_load_explicit(&e->req_ns, memory_order_relaxed);
		if (last != 0 && now_ns >= last &&
		    now_ns - last < LB_SOLICIT_INTERVAL_NS)
			continue;
		if (!atomic_compare_exchange_strong(&e->req_ns, &last,
						    now_ns ? now_ns : 1))
			continue;
		p = &st->port[e->port];
		if (e->ip.family == 4 && p->conf.ip4.family == 4)
			r = neigh_build_arp_request(pb, p->mac, p->conf.ip4.a,
						    e->ip.a);
		else if (e->ip.family == 6 && p->conf.ip6.family == 6)
			r = neigh_build_ns(pb, p->mac, p->conf.ip6.a, e->ip.a);
		if (r != WIRE_OK)
			continue;
		*port = e->port;
		w->cnt[LB_CNT_neigh_solicit_sent]++;
		return true;
	}
	return false;
}
