/* SPDX-License-Identifier: BSD-3-Clause */
/* Frames waiting for their next hop's link-layer address (lb_hold.h). */
#include <stdatomic.h>
#include <string.h>

#include "dsrlb/lb_hold.h"
#include "dsrlb/lb_state.h"

static void *
hold_remove(struct lb_hold *h, uint32_t i)
{
	void *pkt = h->e[i].pkt;

	memmove(&h->e[i], &h->e[i + 1], (h->n - i - 1) * sizeof(h->e[0]));
	h->n--;
	return pkt;
}

void *
lb_hold_add(struct lb_worker *w, struct lb_hold *h, void *pkt,
	    uint8_t *frame, const struct lb_out *o, uint64_t now_ns)
{
	uint32_t same = 0, oldest_same = UINT32_MAX;
	void *out = NULL;

	for (uint32_t i = 0; i < h->n; i++)
		if (h->e[i].nh == o->nh) {
			if (oldest_same == UINT32_MAX)
				oldest_same = i;
			same++;
		}
	/* RFC 1122 §2.3.2.2 keeps the latest: room is made by the oldest */
	if (same >= LB_HOLD_PER_NH)
		out = hold_remove(h, oldest_same);
	else if (h->n >= LB_HOLD_MAX)
		out = hold_remove(h, 0);
	if (out != NULL)
		w->cnt[LB_CNT_drop_neigh_hold_full]++;
	h->e[h->n++] = (struct lb_hold_ent){
		.pkt = pkt, .frame = frame, .since_ns = now_ns,
		.nh = o->nh, .counter = o->counter,
	};
	w->cnt[LB_CNT_neigh_held]++;
	return out;
}

uint32_t
lb_hold_sweep(struct lb_worker *w, struct lb_hold *h, uint64_t now_ns,
	      void **send, uint8_t *port, void **expired, uint32_t *n_expired)
{
	const struct lb_nh_table *t = w->st != NULL ? w->st->nht : NULL;
	uint32_t n_send = 0, keep = 0;

	*n_expired = 0;
	for (uint32_t i = 0; i < h->n; i++) {
		struct lb_hold_ent *e = &h->e[i];
		const struct lb_nh *nh = t != NULL && e->nh < LB_NH_MAX ?
					 &t->e[e->nh] : NULL;
		uint64_t mac = nh != NULL ?
			atomic_load_explicit(&nh->mac, memory_order_acquire) : 0;

		if ((mac & LB_NH_VALID) && nh->port < w->st->n_ports) {
			lb_nh_frame_macs(e->frame, mac, nh);
			port[n_send] = nh->port;
			send[n_send++] = e->pkt;
			if (e->counter < LB_CNT_MAX)
				w->cnt[e->counter]++;
			w->cnt[LB_CNT_neigh_hold_sent]++;
		} else if (nh == NULL || now_ns < e->since_ns ||
			   now_ns - e->since_ns >= LB_HOLD_NS) {
			expired[(*n_expired)++] = e->pkt;
			w->cnt[LB_CNT_drop_neigh_unresolved]++;
		} else {
			h->e[keep++] = *e;
		}
	}
	h->n = keep;
	return n_send;
}

uint32_t
lb_hold_flush(struct lb_worker *w, struct lb_hold *h, void **out)
{
	uint32_t n = h->n;

	for (uint32_t i = 0; i < n; i++)
		out[i] = h->e[i].pkt;
	w->cnt[LB_CNT_drop_neigh_unresolved] += n;
	h->n = 0;
	return n;
}
