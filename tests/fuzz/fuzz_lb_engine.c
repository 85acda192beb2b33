/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's whole packet path on hostile input: every VIP mode
 * (dsr-feedback IPv4/IPv6 with authentication, hunt, Maglev over SRv6),
 * ARP/ND, answers and stickiness messages. The input is split into up to
 * four frames processed as one burst on a one-armed port; the first byte
 * picks a time step. The engine must never read or write outside a
 * frame's buffer (ASan), must put every frame in one final counter, and
 * must keep every rewritten frame inside its buffer.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_hold.h"
#include "dsrlb/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HEADROOM 128
#define BUFSZ    2048

static struct lb_config cfg;
static struct lb_state *st;
static struct lb_worker w;
static uint64_t now = 1000000000ull;

static void
a4(struct lb_addr *a, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = 10;
	a->a[3] = last;
}

static void
a6(struct lb_addr *a, uint8_t b2, uint8_t last)
{
	memset(a, 0, sizeof(*a));
	a->family = 6;
	a->a[0] = 0x20;
	a->a[1] = 0x01;
	a->a[2] = 0x0d;
	a->a[3] = 0xb8;
	a->a[5] = b2;
	a->a[15] = last;
}

static void
vip(struct lb_vip_conf *v, const char *name, int family, uint8_t last,
    uint8_t transport, uint8_t policy)
{
	strcpy(v->name, name);
	if (family == 4)
		a4(&v->addr, last);
	else
		a6(&v->addr, 0, last);
	v->port = 80;
	v->proto = 6;
	v->transport = transport;
	v->policy = policy;
	v->probe_n = 2;
	v->auth = true;
	v->n_backends = 2;
	for (unsigned int b = 0; b < 2; b++) {
		struct lb_backend_conf *be = &v->backend[b];

		strcpy(be->name, b ? "s2" : "s1");
		if (family == 4)
			a4(&be->addr, (uint8_t)(11 + b));
		else
			a6(&be->addr, 0, (uint8_t)(0x21 + b));
		be->weight = 1;
		if (transport == LB_TRANSPORT_SRV6) {
			struct lb_addr l;

			a6(&l, (uint8_t)(0xa1 + b), 0);
			be->has_locator = true;
			memcpy(be->locator, l.a, 16);
		}
	}
}

/* Odd-sized inputs run as worker 0 of 2, where the flows of odd client
 * ports are the other worker's: their client packets are handed over,
 * their answers sent on with a note, which this worker then applies as
 * their owner would (lb_worker_notes()). */
static uint16_t
fuzz_owner(void *arg, const struct flow_key *k)
{
	(void)arg;
	return k->sport & 1u;
}

static void
init(void)
{
	static const uint8_t mac[1][6] = { { 2, 0x70, 0x63, 0x61, 0x70, 0 } };
	struct lb_addr l;
	char err[256];

	lb_config_defaults(&cfg);
	/* authenticated VIPs need a key (issue 16) */
	memset(cfg.auth_key, 0x5a, sizeof(cfg.auth_key));
	cfg.has_auth_key = true;
	cfg.flow_capacity = 64;
	cfg.n_ports = 1;
	strcpy(cfg.port[0].name, "wire");
	strcpy(cfg.port[0].dev, "net_null0");
	cfg.port[0].role = LB_ROLE_BOTH;
	a4(&cfg.port[0].ip4, 1);
	cfg.port[0].ip4_prefix_len = 24;
	a6(&cfg.port[0].ip6, 0, 1);
	cfg.port[0].ip6_prefix_len = 64;
	a6(&l, 0xff, 0);
	cfg.has_lb_sid = true;
	memcpy(cfg.lb_sid, l.a, 16);
	cfg.n_vips = 4;
	cfg.vip = calloc(4, sizeof(*cfg.vip));
	if (cfg.vip == NULL)
		abort();
	vip(&cfg.vip[0], "v4", 4, 100, LB_TRANSPORT_DSR, LB_POLICY_BUSY);
	vip(&cfg.vip[1], "v6", 6, 0x64, LB_TRANSPORT_DSR, LB_POLICY_BUSY);
	vip(&cfg.vip[2], "h6", 6, 0x65, LB_TRANSPORT_SRV6, LB_POLICY_HUNT);
	vip(&cfg.vip[3], "m6", 6, 0x66, LB_TRANSPORT_SRV6, LB_POLICY_MAGLEV);
	cfg.vip[3].port = 81;
	if (lb_state_build(&st, &cfg, mac, err, sizeof(err)) != 0 ||
	    lb_worker_init(&w, st, 0, 1, 1) != 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t bufs[4][BUFSZ];
	static struct lb_hold hold;
	struct pkt_buf pb[4];
	struct lb_out out[4];
	unsigned int n = 0;
	uint64_t before = 0, after = 0;
	const bool two = (size & 1) != 0;
	uint8_t nic;

	if (st == NULL)
		init();
	if (size < 1)
		return 0;
	now += (uint64_t)data[0] << 20; /* up to ~0.27 s per input */
	/* and what a NIC said of each frame's IPv4 header checksum (none,
	 * good, bad, both bits): two bits of it a frame */
	nic = data[0];
	data++;
	size--;
	/* frames separated by the two bytes "\xde\xad" (easy for the
	 * fuzzer to learn), at most 4, each at most 1500 bytes */
	while (size > 0 && n < 4) {
		size_t len = 0;

		while (len + 1 < size &&
		       !(data[len] == 0xde && data[len + 1] == 0xad))
			len++;
		if (len + 1 >= size)
			len = size;
		if (len > 1500)
			len = 1500;
		memset(bufs[n], 0xa5, BUFSZ);
		memcpy(bufs[n] + HEADROOM, data, len);
		if (pkt_buf_init(&pb[n], bufs[n], BUFSZ, HEADROOM,
				 (uint32_t)len) != WIRE_OK)
			abort();
		pb[n].rx_flags = (nic >> (2 * n)) & 3u;
		n++;
		if (len + 2 > size)
			break;
		data += len + 2;
		size -= len + 2;
	}
	for (unsigned int c = 0; c < LB_CNT_MAX; c++)
		before += w.cnt[c];
	w.n_workers = two ? 2 : 1;
	w.owner = two ? fuzz_owner : NULL;
	lb_worker_burst(&w, pb, 0, n, now, out);
	if (w.n_notes > n)
		abort();
	lb_worker_notes(&w, w.note, w.n_notes, now);
	lb_worker_maintain(&w, now, 4);
	for (unsigned int i = 0; i < n; i++) {
		if ((out[i].action > LB_ACT_HANDOFF &&
		     out[i].action != LB_ACT_HOLD) ||
		    pb[i].off + pb[i].len > BUFSZ)
			abort();
		/* held: the driver's hold queue (lb_hold.h) counts its end */
		if (out[i].action == LB_ACT_HOLD)
			(void)lb_hold_add(&w, &hold, &pb[i],
					  pkt_buf_data(&pb[i]), &out[i], now);
	}
	{
		void *sent[LB_HOLD_MAX], *gone[LB_HOLD_MAX];
		uint8_t port[LB_HOLD_MAX];
		uint32_t n_gone;

		(void)lb_hold_sweep(&w, &hold, now, sent, port, gone, &n_gone);
		(void)lb_hold_flush(&w, &hold, gone);
	}
	/* every frame: rx once, and exactly one final counter */
	for (unsigned int c = 0; c < LB_CNT_MAX; c++) {
		const char *nm = lb_counter_name(c);

		if (c == LB_CNT_rx || strncmp(nm, "tx_", 3) == 0 ||
		    strncmp(nm, "drop_", 5) == 0 ||
		    strcmp(nm, "handoff") == 0 ||
		    strcmp(nm, "neigh_consumed") == 0)
			after += w.cnt[c];
	}
	(void)before;
	{
		uint64_t rx = w.cnt[LB_CNT_rx], ends = after - rx;

		if (ends != rx)
			abort();
	}
	return 0;
}
