/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server agent's engine without EAL: DSR in both families (both IPv6
 * encodings, answers with and without nonce), every transition of 6LB
 * Table III, the busy sources, the flow table, traffic that is not the
 * agent's, and malformed or random input (never a crash, every frame
 * accounted once).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>

#include "dsrlb/agent_engine.h"
#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire.h"

#define CAP  2048u
#define HEAD 256u
#define SEC  1000000000ull

static const uint8_t MAC_W[6] = { 2, 0x70, 0x63, 0x61, 0x70, 0 };
static const uint8_t MAC_K[6] = { 2, 0x70, 0x63, 0x61, 0x70, 1 };
static const uint8_t MAC_GW[6] = { 2, 0, 0, 0, 0, 0xfe };

struct pkt {
	uint8_t buf[CAP];
	struct pkt_buf pb;
};

static void
a4(uint8_t *out, const char *s)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(AF_INET, s, out), 1);
}

static void
a6(uint8_t *out, const char *s)
{
	assert_int_equal(inet_pton(AF_INET6, s, out), 1);
}

/* An Ethernet + IPv4/IPv6 + TCP frame with correct checksums. */
static void
mk(struct pkt *p, uint8_t family, const char *src, const char *dst,
   uint16_t sport, uint16_t dport, uint8_t flags, const char *data)
{
	uint8_t *f = p->buf + HEAD;
	uint32_t dl = data ? (uint32_t)strlen(data) : 0;
	uint32_t l3 = ETH_HDR_LEN, l4, len;
	uint8_t s[16], d[16];
	uint8_t *t;

	memset(p->buf, 0, sizeof(p->buf));
	memcpy(f, MAC_W, 6);
	memcpy(f + 6, MAC_GW, 6);
	if (family == 4) {
		a4(s, src);
		a4(d, dst);
		store_be16(f + 12, ETH_TYPE_IPV4);
		l4 = l3 + 20;
		f[l3] = 0x45;
		store_be16(f + l3 + 2, (uint16_t)(20 + 20 + dl));
		store_be16(f + l3 + 4, 0x1234);
		store_be16(f + l3 + 6, IPV4_FLAG_DF);
		f[l3 + 8] = 64;
		f[l3 + 9] = IPPROTO_NUM_TCP;
		memcpy(f + l3 + 12, s, 4);
		memcpy(f + l3 + 16, d, 4);
		store_be16(f + l3 + 10, csum_ipv4_hdr(f + l3, 20));
	} else {
		a6(s, src);
		a6(d, dst);
		store_be16(f + 12, ETH_TYPE_IPV6);
		l4 = l3 + 40;
		f[l3] = 0x60;
		store_be16(f + l3 + 4, (uint16_t)(20 + dl));
		f[l3 + 6] = IPPROTO_NUM_TCP;
		f[l3 + 7] = 64;
		memcpy(f + l3 + 8, s, 16);
		memcpy(f + l3 + 24, d, 16);
	}
	t = f + l4;
	store_be16(t, sport);
	store_be16(t + 2, dport);
	store_be32(t + 4, 1000);
	store_be32(t + 8, (flags & TCP_FLAG_ACK) ? 2000 : 0);
	t[12] = 0x50;
	t[13] = flags;
	store_be16(t + 14, 8192);
	if (dl)
		memcpy(t + 20, data, dl);
	len = l4 + 20 + dl;
	store_be16(t + 16, csum_l4(family == 4 ?
				   csum_pseudo_ipv4(load_be32(s), load_be32(d),
						    IPPROTO_NUM_TCP,
						    (uint16_t)(20 + dl)) :
				   csum_pseudo_ipv6(s, d, IPPROTO_NUM_TCP,
						    20 + dl), t, 20 + dl));
	assert_int_equal(pkt_buf_init(&p->pb, p->buf, CAP, HEAD, len), WIRE_OK);
}

/* The transport checksum of the frame is right (over the final
 * destination) and, for IPv4, the header checksum too. */
static void
assert_csums(const struct pkt *p)
{
	const uint8_t *f = pkt_buf_data(&p->pb);
	struct pkt_meta m;
	uint32_t l4len;

	assert_int_equal(pkt_parse(f, p->pb.len, &m), WIRE_OK);
	if (m.family == 4) {
		uint32_t ihl = (uint32_t)(f[m.l3_off] & 0xf) * 4;

		assert_int_equal(ipv4_hdr_csum_verify(f + m.l3_off, ihl),
				 WIRE_OK);
		l4len = m.l3_off + load_be16(f + m.l3_off + 2) - m.l4_off;
		assert_int_equal(csum_l4(csum_pseudo_ipv4(
			load_be32(m.src), load_be32(m.dst), m.l4_proto,
			(uint16_t)l4len), f + m.l4_off, l4len), 0);
	} else {
		struct ip6ext_info info;

		assert_int_equal(ip6ext_walk(f, p->pb.len, m.l3_off, 0, &info),
				 WIRE_OK);
		l4len = info.end - m.l4_off;
		assert_int_equal(csum_l4(csum_pseudo_ipv6(
			m.src, ip6ext_final_dst(f, m.l3_off, &info),
			m.l4_proto, l4len), f + m.l4_off, l4len), 0);
	}
}

static void
meta(const struct pkt *p, struct pkt_meta *m)
{
	assert_int_equal(pkt_parse(pkt_buf_data(&p->pb), p->pb.len, m),
			 WIRE_OK);
}

static void
assert_addr(const uint8_t *got, uint8_t family, const char *want)
{
	uint8_t w[16];

	if (family == 4)
		a4(w, want);
	else
		a6(w, want);
	assert_memory_equal(got, w, family == 4 ? 4 : 16);
}

/* ---- set-up ---------------------------------------------------------------- */

static struct agent_config cfg;
static struct agent_worker wk;

static void
vip(const char *name, const char *addr, const char *leg)
{
	struct agent_vip_conf *v = &cfg.vip[cfg.n_vips++];

	snprintf(v->name, sizeof(v->name), "%s", name);
	v->family = strchr(addr, ':') ? 6 : 4;
	v->proto = 6;
	v->port = 80;
	if (v->family == 4)
		a4(v->addr, addr);
	else
		a6(v->addr, addr);
	if (leg != NULL) {
		v->has_leg = true;
		if (v->family == 4)
			a4(v->leg, leg);
		else
			a6(v->leg, leg);
	}
}

static void
setup_cfg(enum agent_busy_source src, uint32_t c)
{
	agent_config_defaults(&cfg);
	cfg.flow_capacity = 64;
	cfg.busy_source = src;
	if (src != AGENT_BUSY_CONNECTIONS)
		snprintf(cfg.busy_path, sizeof(cfg.busy_path), "/x");
	cfg.accept.n_workers = 4;
	cfg.accept.c_init = c;
	cfg.accept.dynamic = false;
	a6(cfg.locator, "2001:db8:1::");
	cfg.has_locator = true;
	snprintf(cfg.port[0].dev, sizeof(cfg.port[0].dev), "w");
	snprintf(cfg.port[1].dev, sizeof(cfg.port[1].dev), "k");
	memcpy(cfg.gateway_mac, MAC_GW, 6);
	cfg.has_gateway_mac = true;
	memcpy(cfg.appliance_mac[0], MAC_GW, 6);
	cfg.n_appliance_macs = 1;
	vip("web4", "10.0.0.100", "10.0.0.11");
	vip("l2v4", "10.0.0.103", NULL);
	vip("web6", "2001:db8::100", "2001:db8::11");
}

static int
setup(void **state)
{
	uint8_t macs[2][6];

	(void)state;
	memcpy(macs[0], MAC_W, 6);
	memcpy(macs[1], MAC_K, 6);
	if (cfg.n_vips == 0)
		setup_cfg(AGENT_BUSY_CONNECTIONS, 1);
	assert_int_equal(agent_config_validate(&cfg, NULL, 0), 0);
	assert_int_equal(agent_worker_init(&wk, &cfg,
					   (const uint8_t (*)[6])macs), 0);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	agent_worker_fini(&wk);
	memset(&cfg, 0, sizeof(cfg));
	return 0;
}

static int
setup_shm(void **state)
{
	setup_cfg(AGENT_BUSY_SHM, 1);
	return setup(state);
}

static struct agent_out
run(struct pkt *p, uint8_t port, uint64_t now)
{
	struct agent_out o;

	memset(&o, 0xff, sizeof(o));
	agent_worker_process(&wk, &p->pb, port, now, &o);
	return o;
}

static void
expect(struct agent_out o, enum agent_action a, uint8_t port,
       enum agent_counter c)
{
	assert_int_equal(o.action, a);
	if (a == AGENT_ACT_TX)
		assert_int_equal(o.port, port);
	assert_string_equal(agent_counter_name(o.counter),
			    agent_counter_name(c));
}

/* A client packet (an offer taken, a DSR packet) delivered to the
 * kernel: messages gone, the VIP 10.0.0.100 restored, checksums right. */
static void
expect_delivered4(struct pkt *p, struct pkt_meta *m)
{
	struct agent_out o = run(p, AGENT_PORT_WIRE, 2 * SEC);

	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(p, m);
	assert_int_equal(m->msgs, 0);
	assert_addr(m->dst, 4, "10.0.0.100");
	assert_csums(p);
}

/* The server's next reply on client port @p cport is the pin of an
 * offer taken: a metric answer echoing @p cookie (more checks on @p m). */
static void
expect_pin4(struct pkt *p, uint16_t cport, uint32_t cookie,
	    struct pkt_meta *m)
{
	struct agent_out o;

	mk(p, 4, "10.0.0.100", "10.0.0.2", 80, cport, TCP_FLAG_ACK, "200");
	o = run(p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(p, m);
	assert_true(m->msgs & (1u << PKT_MSG_METRIC_ANS));
	assert_int_equal(m->nonce, cookie);
}

/* ---- DSR --------------------------------------------------------------------- */

/* Issue 16: the wire side's trust rules, each counted. */
static void
test_trust(void **state)
{
	static const uint8_t other[6] = { 2, 0, 0, 0, 0, 0x33 };
	static const char *const bad4[] = { "0.0.0.0", "127.0.0.1",
					    "239.1.2.3", "255.255.255.255" };
	struct pkt p;
	struct agent_out o;
	uint8_t a[16];

	(void)state;
	/* flooded: for another host's MAC */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	memcpy(pkt_buf_data(&p.pb), other, 6);
	o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_l2_other);
	/* a client's own metric request: no answer due */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	memcpy(pkt_buf_data(&p.pb) + 6, other, 6);
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, false, 0),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_untrusted_mac);
	assert_int_equal(wk.cnt[AGENT_CNT_request_seen], 0);
	assert_int_equal(agent_worker_flows(&wk), 0);
	/* tuples no client can have, from the appliance itself */
	for (unsigned int i = 0; i < 5; i++) {
		a4(a, i < 4 ? bad4[i] : "10.0.0.2");
		mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN,
		   NULL);
		assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0,
			load_be32(a), i < 4 ? 40000 : 0), WIRE_OK);
		o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
		expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_martian);
	}
	assert_int_equal(wk.connections + wk.half_open, 0);
	/* a plain frame with no message is not the appliance's concern:
	 * SSH to the server's own address from anywhere */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 22, TCP_FLAG_SYN, NULL);
	memcpy(pkt_buf_data(&p.pb) + 6, other, 6);
	o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_pass);
}

/* Issue 16: a SYN burst makes no server look busy under busy =
 * connections; half-open connections have their own gauge. */
static void
test_syn_burst(void **state)
{
	char c[32];
	struct pkt p;
	struct agent_out o;

	(void)state;
	for (unsigned int i = 0; i < 40; i++) {
		uint8_t ca[16];

		snprintf(c, sizeof(c), "10.9.%u.%u", i / 200, 1 + i % 200);
		a4(ca, c);
		mk(&p, 4, c, "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
		/* as the appliance sends it: with the client tuple */
		assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0,
						       load_be32(ca), 40000),
				 WIRE_OK);
		o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
		expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL,
		       AGENT_CNT_tx_kernel_dsr);
	}
	assert_int_equal(wk.half_open, 40);
	assert_int_equal(wk.connections, 0);
	assert_int_equal(agent_worker_busy(&wk), 0);
	assert_int_equal(agent_worker_score(&wk), 0);
	/* three clients finish the handshake: three connections */
	for (unsigned int i = 0; i < 3; i++) {
		snprintf(c, sizeof(c), "10.9.0.%u", 1 + i);
		mk(&p, 4, c, "10.0.0.11", 40000, 80, TCP_FLAG_ACK, NULL);
		(void)run(&p, AGENT_PORT_WIRE, 2 * SEC);
	}
	assert_int_equal(wk.connections, 3);
	assert_int_equal(wk.half_open, 37);
	assert_int_equal(agent_worker_busy(&wk), 3);
	assert_int_equal(wk.cnt[AGENT_CNT_conn_established], 3);
	/* the half-open ones expire with timeout_new, the others stay */
	agent_worker_maintain(&wk, 2 * SEC + cfg.timeout_new_ns + 1, 1u << 20);
	assert_int_equal(wk.half_open, 0);
	assert_int_equal(wk.connections, 3);
	/* FIN ends an established one */
	mk(&p, 4, "10.9.0.1", "10.0.0.11", 40000, 80,
	   TCP_FLAG_FIN | TCP_FLAG_ACK, NULL);
	(void)run(&p, AGENT_PORT_WIRE, 3 * SEC);
	assert_int_equal(wk.connections, 2);
}

/* Issue 16: a connection to the server's own address (the leg address)
 * that did not come through the appliance (no client tuple on its SYN)
 * reaches the kernel unchanged, both ways; a mid-stream packet of no
 * known connection is still taken for a DSR one (agent restarted). */
static void
test_direct_to_leg(void **state)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;

	(void)state;
	mk(&p, 4, "192.0.2.9", "10.0.0.11", 41000, 80, TCP_FLAG_SYN, NULL);
	o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_own);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.11");
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_K, 6);
	assert_int_equal(wk.connections + wk.half_open, 0);
	/* its next packet: still unchanged */
	mk(&p, 4, "192.0.2.9", "10.0.0.11", 41000, 80, TCP_FLAG_ACK, "GET");
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_own);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.11");
	/* the server's reply from its own address goes out untouched */
	mk(&p, 4, "10.0.0.11", "192.0.2.9", 80, 41000, TCP_FLAG_ACK, "200");
	o = run(&p, AGENT_PORT_KERNEL, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_pass);
	/* another client's mid-stream packet, unknown: a DSR one */
	mk(&p, 4, "192.0.2.10", "10.0.0.11", 41001, 80, TCP_FLAG_ACK, "x");
	o = run(&p, AGENT_PORT_WIRE, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.100");
}

static void
test_dsr4(void **state)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c1[16];

	(void)state;
	a4(c1, "10.0.0.2");
	/* SYN + client tuple on the routed leg. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40000), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 1 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_addr(m.src, 4, "10.0.0.2");
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_K, 6);
	assert_int_equal(p.pb.len, 14 + 40);
	assert_csums(&p);
	assert_int_equal(wk.connections + wk.half_open, 1);
	assert_int_equal(agent_worker_flows(&wk), 1);

	/* Request with nonce. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_ACK, "GET");
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, true,
						0xdeadbeef), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_csums(&p);

	/* The reply is the answer. */
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40000, TCP_FLAG_ACK, "200");
	o = run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_int_equal(m.sport, 80);
	assert_int_equal(m.dport, 40000);
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_ANS));
	assert_true(m.msgs & (1u << PKT_MSG_NONCE));
	assert_memory_equal(m.client_addr, c1, 4);
	assert_int_equal(m.client_port, 40000);
	assert_int_equal(m.score, 1);
	assert_int_equal(m.nonce, 0xdeadbeef);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_GW, 6);
	assert_memory_equal(pkt_buf_data(&p.pb) + 6, MAC_W, 6);
	assert_csums(&p);

	/* Only one answer per request. */
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40000, TCP_FLAG_ACK, "more");
	o = run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_W, 6); /* untouched */

	/* Request without nonce: 125 of 4 bytes. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, false, 0),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 4 * SEC);
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40000, TCP_FLAG_ACK, "x");
	o = run(&p, AGENT_PORT_KERNEL, 4 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_false(m.msgs & (1u << PKT_MSG_NONCE));
	assert_int_equal(m.score, 1);
	assert_int_equal(p.pb.len, 14 + 20 + 12 + 20 + 1);

	/* FIN from the client closes the connection and the flow. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80,
	   TCP_FLAG_FIN | TCP_FLAG_ACK, NULL);
	run(&p, AGENT_PORT_WIRE, 5 * SEC);
	assert_int_equal(wk.connections + wk.half_open, 0);
	assert_int_equal(agent_worker_flows(&wk), 0);
	assert_int_equal(wk.cnt[AGENT_CNT_conn_open], 1);
	assert_int_equal(wk.cnt[AGENT_CNT_conn_close], 1);
	/* Stateless afterwards: the VIP is still restored. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_ACK, NULL);
	o = run(&p, AGENT_PORT_WIRE, 5 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_csums(&p);
}

/* With two appliances on the segment, the answer goes back to the MAC of
 * the request it answers, not to the gateway: the appliance that asked
 * hears it (its scores and passive health depend on it) whatever the
 * route to the VIP says. */
static void
test_answer_to_requester(void **state)
{
	static const uint8_t MAC_LB2[6] = { 2, 0, 0, 0, 0, 0xb2 };
	struct pkt p;
	struct pkt_meta m;
	uint8_t c1[16];

	(void)state;
	memcpy(cfg.appliance_mac[1], MAC_LB2, 6);
	cfg.n_appliance_macs = 2;
	a4(c1, "10.0.0.2");
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40030, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40030), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	for (int k = 0; k < 2; k++) {
		const uint8_t *from = k == 0 ? MAC_LB2 : MAC_GW;

		mk(&p, 4, "10.0.0.2", "10.0.0.11", 40030, 80, TCP_FLAG_ACK,
		   "GET");
		memcpy(pkt_buf_data(&p.pb) + 6, from, 6);
		assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0,
						       load_be32(c1), 40030),
				 WIRE_OK);
		assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, true,
							0x600d + k), WIRE_OK);
		expect_delivered4(&p, &m);
		expect_pin4(&p, 40030, (uint32_t)(0x600d + k), &m);
		assert_memory_equal(pkt_buf_data(&p.pb), from, 6);
		assert_memory_equal(pkt_buf_data(&p.pb) + 6, MAC_W, 6);
		assert_addr(m.dst, 4, "10.0.0.100");
	}
}

/* Issue 17: an offer (158) for a flow this server holds is delivered and
 * pinned by the next reply (an answer echoing the cookie, to the MAC the
 * offer came from); one for a flow it does not hold goes back to that
 * appliance (leg address -> VIP, tuple and marker kept). */
static void
test_recover(void **state)
{
	static const uint8_t MAC_LB2[6] = { 2, 0, 0, 0, 0, 0xb2 };
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c1[16];

	(void)state;
	/* the other appliance is a configured one (trust, docs/agent.md) */
	memcpy(cfg.appliance_mac[1], MAC_LB2, 6);
	cfg.n_appliance_macs = 2;
	a4(c1, "10.0.0.2");
	/* The connection opened through this server. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40000), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	/* A restarted appliance (another MAC) offers a mid-stream packet. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_ACK, "x");
	memcpy(pkt_buf_data(&p.pb) + 6, MAC_LB2, 6);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40000), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 1, 2,
						0x12345678), WIRE_OK);
	expect_delivered4(&p, &m);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 1);
	/* The next reply is the pin: answer + cookie, to that appliance. */
	expect_pin4(&p, 40000, 0x12345678, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_true(m.msgs & (1u << PKT_MSG_NONCE));
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_LB2, 6);
	assert_memory_equal(pkt_buf_data(&p.pb) + 6, MAC_W, 6);
	assert_csums(&p);
	/* Later answers go to the gateway again. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, false, 0),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 4 * SEC);
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40000, TCP_FLAG_ACK, "y");
	o = run(&p, AGENT_PORT_KERNEL, 4 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_GW, 6);

	/* A flow this server does not hold: passed back, nothing else
	 * changed (the appliance strips and restores). */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40001, 80, TCP_FLAG_ACK, "z");
	memcpy(pkt_buf_data(&p.pb) + 6, MAC_LB2, 6);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40001), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 0, 2,
						0xcafef00d), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 5 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	meta(&p, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_int_equal(m.sport, 40001);
	assert_int_equal(m.dport, 80);
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_int_equal(m.rec_index, 0);
	assert_int_equal(m.rec_count, 2);
	assert_int_equal(m.rec_cookie, 0xcafef00d);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_LB2, 6);
	assert_memory_equal(pkt_buf_data(&p.pb) + 6, MAC_W, 6);
	assert_csums(&p);
	assert_int_equal(agent_worker_flows(&wk), 1);

	/* Without a leg address there is no way back: dropped, counted. */
	mk(&p, 4, "10.0.0.2", "10.0.0.103", 40002, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40002), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 0, 2, 1),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 6 * SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_recover_no_leg);
	/* An offer without the tuple is malformed. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40003, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 0, 2, 1),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 6 * SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_malformed);
}

/* Set the TCP sequence and acknowledgement numbers of a frame built by
 * mk() (before any message is inserted), checksum recomputed. */
static void
set_seq(struct pkt *p, uint32_t seq, uint32_t ack)
{
	uint8_t *f = pkt_buf_data(&p->pb);
	struct pkt_meta m;
	uint8_t *t;
	uint32_t l4len;

	meta(p, &m);
	t = f + m.l4_off;
	l4len = p->pb.len - m.l4_off;
	store_be32(t + 4, seq);
	store_be32(t + 8, ack);
	store_be16(t + 16, 0);
	store_be16(t + 16, csum_l4(m.family == 4 ?
				   csum_pseudo_ipv4(load_be32(m.src),
						    load_be32(m.dst),
						    IPPROTO_NUM_TCP,
						    (uint16_t)l4len) :
				   csum_pseudo_ipv6(m.src, m.dst,
						    IPPROTO_NUM_TCP, l4len),
				   t, l4len));
}

/* An offer (tuple + marker) of the client's segment (@p seq, @p ack,
 * ACK set) on 10.0.0.2:40010 -> 10.0.0.11:80, at @p now. */
static struct agent_out
offer_seq(struct pkt *p, uint32_t seq, uint32_t ack, uint64_t now)
{
	uint8_t c1[16];

	a4(c1, "10.0.0.2");
	mk(p, 4, "10.0.0.2", "10.0.0.11", 40010, 80, TCP_FLAG_ACK, "x");
	set_seq(p, seq, ack);
	assert_int_equal(ipv4opt_insert_client(&p->pb, 14, 0, load_be32(c1),
					       40010), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p->pb, 14, 0, 0, 2,
						0x0badcafe), WIRE_OK);
	return run(p, AGENT_PORT_WIRE, now);
}

/* Issue 17, known limit 1: an entry left by a connection that broke
 * unseen (its RST went elsewhere) must not take the offers of a new
 * connection on the same tuple, whose kernel socket the server does not
 * have: the offer's TCP numbers must fit what the server sent (its ACK
 * within AGENT_RECOVER_SEQ_WINDOW behind the server's highest segment,
 * its sequence number within it of the server's last ACK). A SYN after
 * the handshake replaces the entry. */
static void
test_recover_stale(void **state)
{
	const uint32_t win = AGENT_RECOVER_SEQ_WINDOW;
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c1[16];

	(void)state;
	a4(c1, "10.0.0.2");
	/* The old connection: SYN 5000, SYN-ACK 9000, 3 bytes of data. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40010, 80, TCP_FLAG_SYN, NULL);
	set_seq(&p, 5000, 0);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40010), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40010,
	   TCP_FLAG_SYN | TCP_FLAG_ACK, NULL);
	set_seq(&p, 9000, 5001);
	run(&p, AGENT_PORT_KERNEL, 1 * SEC);
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40010, TCP_FLAG_ACK, "abc");
	set_seq(&p, 9001, 5001);
	o = run(&p, AGENT_PORT_KERNEL, 1 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	/* server: srv_nxt 9004, srv_ack 5001 */

	/* A new connection on the tuple (other initial numbers): passed
	 * back, tuple and marker kept, the entry kept. */
	o = offer_seq(&p, 0x7777777u, 0x12345678u, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	meta(&p, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_int_equal(m.rec_cookie, 0x0badcafe);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_stale], 1);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 0);
	assert_int_equal(agent_worker_flows(&wk), 1);
	/* The edges: an ACK past what the server sent, or a window and
	 * one byte behind it; a sequence number a window and one byte
	 * from the server's ACK. */
	expect(offer_seq(&p, 5001, 9005, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_WIRE, AGENT_CNT_tx_wire_recover_pass);
	expect(offer_seq(&p, 5001, 9004 - win - 1, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_WIRE, AGENT_CNT_tx_wire_recover_pass);
	expect(offer_seq(&p, 5001 + win + 1, 9004, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_WIRE, AGENT_CNT_tx_wire_recover_pass);
	expect(offer_seq(&p, 5001 - win - 1, 9004, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_WIRE, AGENT_CNT_tx_wire_recover_pass);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_stale], 5);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 0);
	/* Within the windows: the held connection's own segments. */
	expect(offer_seq(&p, 5001 + win, 9004 - win, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	expect(offer_seq(&p, 5001 - win, 9001, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	expect(offer_seq(&p, 5001, 9004, 2 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 3);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_stale], 5);

	/* A SYN on the tuple after the handshake: a new connection, the
	 * entry replaced (nothing of the old one kept, still one flow). */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40010, 80, TCP_FLAG_SYN, NULL);
	set_seq(&p, 0x40000000u, 0);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40010), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	assert_int_equal(wk.cnt[AGENT_CNT_flow_replaced], 1);
	assert_int_equal(agent_worker_flows(&wk), 1);
	assert_int_equal(wk.half_open, 1);
	assert_int_equal(wk.connections, 0);
	/* its SYN-ACK, then its own segments are taken */
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40010,
	   TCP_FLAG_SYN | TCP_FLAG_ACK, NULL);
	set_seq(&p, 0x80000000u, 0x40000001u);
	run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(offer_seq(&p, 0x40000001u, 0x80000001u, 4 * SEC),
	       AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	expect(offer_seq(&p, 5001, 9004, 4 * SEC), AGENT_ACT_TX,
	       AGENT_PORT_WIRE, AGENT_CNT_tx_wire_recover_pass);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 4);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_stale], 6);
}

/* The same over IPv6 (its payload length counts the server's bytes). */
/* Issue 17: an agent that restarted seeds its flow table from the
 * kernel's TCP socket table (src/agent/kernel_socks.c). A seeded flow's
 * offer is taken (delivered to the kernel, pinned by the next reply);
 * an offer for a tuple the kernel holds no socket on is passed back.
 * Only TCP VIPs of ours are seeded, once. */
static void
test_seed(void **state)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	const struct agent_flow *f;
	uint8_t c1[16], v4[16], v6[16], c6[16];

	(void)state;
	a4(c1, "10.0.0.2");
	a4(v4, "10.0.0.100");
	a6(c6, "2001:db8:c::2");
	a6(v6, "2001:db8::100");
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40020, v4, 80,
						1 * SEC), 1);
	/* known already (refreshed), another port, not a VIP, a bad
	 * family */
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40020, v4, 80,
						1 * SEC), 2);
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40021, v4, 81,
						1 * SEC), 0);
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40021, c1, 80,
						1 * SEC), 0);
	assert_int_equal(agent_worker_seed_flow(&wk, 5, c1, 40021, v4, 80,
						1 * SEC), 0);
	assert_int_equal(agent_worker_seed_flow(&wk, 6, c6, 40022, v6, 80,
						1 * SEC), 1);
	assert_int_equal(wk.cnt[AGENT_CNT_flows_seeded], 2);
	assert_int_equal(agent_worker_flows(&wk), 2);
	f = agent_worker_flow(&wk, 4, c1, 40020, v4, 80, IPPROTO_NUM_TCP,
			      1 * SEC);
	assert_non_null(f);
	assert_int_equal(f->state, AGENT_FLOW_DSR);
	assert_true(f->flags & AGENT_FF_ESTAB);
	assert_false(f->flags & (AGENT_FF_SEQ | AGENT_FF_COUNTED));
	assert_int_equal(wk.connections + wk.half_open, 0);
	assert_non_null(agent_worker_flow(&wk, 6, c6, 40022, v6, 80,
					  IPPROTO_NUM_TCP, 1 * SEC));

	/* An offer for the seeded flow (any sequence numbers: no state
	 * yet) is taken, the VIP restored, the next reply pins it. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40020, 80, TCP_FLAG_ACK, "GET");
	set_seq(&p, 0x7a000000, 0x13572468);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40020), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 0, 2,
						0x5eed5eed), WIRE_OK);
	expect_delivered4(&p, &m);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 1);
	expect_pin4(&p, 40020, 0x5eed5eed, &m);

	/* An unseeded tuple (the kernel holds no socket): passed back. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40023, 80, TCP_FLAG_ACK, "GET");
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40023), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover(&p.pb, 14, 0, 0, 2, 7),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 1);

	/* A seeded flow lives by the established idle timeout. */
	assert_non_null(agent_worker_flow(&wk, 6, c6, 40022, v6, 80,
					  IPPROTO_NUM_TCP, 1 * SEC +
					  cfg.timeout_established_ns));
	assert_null(agent_worker_flow(&wk, 6, c6, 40022, v6, 80,
				      IPPROTO_NUM_TCP, 2 * SEC +
				      cfg.timeout_established_ns));

	/* Read again while its socket lives (src/agent/kernel_refresh.c):
	 * an idle flow is refreshed and outlives the timeout; one that
	 * was forgotten is seeded anew; a flow in its handshake is not
	 * touched (its SYN's timeout stands). */
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40020, v4, 80,
				1 * SEC + cfg.timeout_established_ns / 2), 2);
	assert_int_equal(wk.cnt[AGENT_CNT_flows_refreshed], 2);
	assert_non_null(agent_worker_flow(&wk, 4, c1, 40020, v4, 80,
					  IPPROTO_NUM_TCP, 2 * SEC +
					  cfg.timeout_established_ns));
	assert_int_equal(agent_worker_seed_flow(&wk, 6, c6, 40022, v6, 80,
				3 * SEC + cfg.timeout_established_ns), 1);
	assert_int_equal(wk.cnt[AGENT_CNT_flows_seeded], 3);
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40030, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40030), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 4 * SEC);
	assert_int_equal(agent_worker_seed_flow(&wk, 4, c1, 40030, v4, 80,
						4 * SEC), 0);
	assert_int_equal(wk.cnt[AGENT_CNT_flows_refreshed], 2);
}

static void
test_recover6_stale(void **state)
{
	struct pkt p;
	struct agent_out o;
	uint8_t c[16];

	(void)state;
	a6(c, "2001:db8::2");
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40012, 80, TCP_FLAG_SYN,
	   NULL);
	set_seq(&p, 5000, 0);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, IP6EXT_ENC_PAPER,
					      c, 40012), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40012,
	   TCP_FLAG_SYN | TCP_FLAG_ACK, NULL);
	set_seq(&p, 9000, 5001);
	run(&p, AGENT_PORT_KERNEL, 1 * SEC);
	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40012, TCP_FLAG_ACK,
	   "abcd");
	set_seq(&p, 9001, 5001);
	run(&p, AGENT_PORT_KERNEL, 1 * SEC);
	/* srv_nxt 9005: an ACK of 9006 is past it, 9005 fits */
	for (unsigned int i = 0; i < 2; i++) {
		mk(&p, 6, "2001:db8::2", "2001:db8::11", 40012, 80,
		   TCP_FLAG_ACK, NULL);
		set_seq(&p, 5001, i == 0 ? 9006 : 9005);
		assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0,
						      IP6EXT_ENC_PAPER, c,
						      40012), WIRE_OK);
		assert_int_equal(ip6ext_insert_recover(&p.pb, 14, 0,
						       IP6EXT_ENC_PAPER, 0, 2,
						       7), WIRE_OK);
		o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
		expect(o, AGENT_ACT_TX, i == 0 ? AGENT_PORT_WIRE :
		       AGENT_PORT_KERNEL, i == 0 ?
		       AGENT_CNT_tx_wire_recover_pass :
		       AGENT_CNT_tx_kernel_dsr);
	}
	assert_int_equal(wk.cnt[AGENT_CNT_recover_stale], 1);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 1);
}

/* Issue 17, known limit 2: an offer whose marker carries a return address
 * (the offering appliance behind a router): the pin and the pass-back go
 * to that address, the marker naming the VIP (docs/wire-format.md,
 * "Recovery through a router"). */
static void
test_recover_return(void **state)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c1[16];

	(void)state;
	a4(c1, "10.0.0.2");
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40020, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40020), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	/* taken: the pin goes to 10.9.0.1 with (1, 2, cookie, VIP) */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40020, 80, TCP_FLAG_ACK, "x");
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40020), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover_addr(&p.pb, 14, 0, 1, 2,
						     0x12345678, 0x0a090001),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_csums(&p);
	expect_pin4(&p, 40020, 0x12345678, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.9.0.1");
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_true(m.rec_has_addr);
	assert_addr(m.rec_addr, 4, "10.0.0.100");
	assert_int_equal(m.rec_index, 1);
	assert_int_equal(m.rec_count, 2);
	assert_int_equal(m.rec_cookie, 0x12345678);
	assert_csums(&p);
	/* later answers: to the VIP again, no marker */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40020, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, false, 0),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 4 * SEC);
	mk(&p, 4, "10.0.0.100", "10.0.0.2", 80, 40020, TCP_FLAG_ACK, "y");
	o = run(&p, AGENT_PORT_KERNEL, 4 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_false(m.msgs & (1u << PKT_MSG_RECOVER));
	/* passed back: to 10.9.0.1, the marker naming the VIP */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40021, 80, TCP_FLAG_ACK, "z");
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c1),
					       40021), WIRE_OK);
	assert_int_equal(ipv4opt_insert_recover_addr(&p.pb, 14, 0, 0, 2,
						     0xcafef00d, 0x0a090001),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 5 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	meta(&p, &m);
	assert_addr(m.src, 4, "10.0.0.11");
	assert_addr(m.dst, 4, "10.9.0.1");
	assert_int_equal(m.sport, 40021);
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.rec_has_addr);
	assert_addr(m.rec_addr, 4, "10.0.0.100");
	assert_int_equal(m.rec_index, 0);
	assert_int_equal(m.rec_cookie, 0xcafef00d);
	assert_csums(&p);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_return], 2);
}

/* Issue 17 over IPv6 (web6, leg 2001:db8::11), in encoding @p enc: an
 * offer (tuple + recover marker) for a connection this server holds is
 * delivered stripped and pinned by the next reply in the same encoding,
 * to the offering MAC; one it does not hold is passed back with the
 * marker kept. */
static void
recover6_enc(enum ip6ext_encoding enc)
{
	static const uint8_t MAC_LB2[6] = { 2, 0, 0, 0, 0, 0xb2 };
	const bool dstopt = enc == IP6EXT_ENC_DSTOPT;
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c[16];

	memcpy(cfg.appliance_mac[1], MAC_LB2, 6);
	cfg.n_appliance_macs = 2;
	a6(c, "2001:db8::2");
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40000),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	/* the offer from the other appliance */
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40000, 80, TCP_FLAG_ACK, "x");
	memcpy(pkt_buf_data(&p.pb) + 6, MAC_LB2, 6);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40000),
			 WIRE_OK);
	assert_int_equal(ip6ext_insert_recover(&p.pb, 14, 0, enc, 1, 2,
					       0x12345678), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_int_equal(p.pb.len, 14 + 60 + 1);
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_csums(&p);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_take], 1);
	/* the pin: answer echoing the cookie, offer's encoding, its MAC */
	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40000, TCP_FLAG_ACK,
	   "200");
	o = run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_addr(m.src, 6, "2001:db8::11");
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_ANS));
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), dstopt);
	assert_int_equal(m.nonce, 0x12345678);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_LB2, 6);
	assert_csums(&p);
	/* a flow it does not hold: passed back to the offering MAC */
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40001, 80, TCP_FLAG_ACK, "z");
	memcpy(pkt_buf_data(&p.pb) + 6, MAC_LB2, 6);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40001),
			 WIRE_OK);
	assert_int_equal(ip6ext_insert_recover(&p.pb, 14, 0, enc, 0, 2,
					       0xcafef00d), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 5 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	meta(&p, &m);
	assert_addr(m.src, 6, "2001:db8::11");
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_int_equal(m.sport, 40001);
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), dstopt);
	assert_int_equal(m.rec_index, 0);
	assert_int_equal(m.rec_count, 2);
	assert_int_equal(m.rec_cookie, 0xcafef00d);
	assert_memory_equal(m.client_addr, c, 16);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_LB2, 6);
	assert_memory_equal(pkt_buf_data(&p.pb) + 6, MAC_W, 6);
	assert_csums(&p);
	assert_int_equal(agent_worker_flows(&wk), 1);
}

/* The long marker over IPv6 (return address 2001:db8::1), in @p enc: the
 * pin and the pass-back go there, in the offer's encoding, the marker
 * naming the VIP. */
static void
recover6_return(enum ip6ext_encoding enc)
{
	const bool dstopt = enc == IP6EXT_ENC_DSTOPT;
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c[16], ra[16];

	a6(c, "2001:db8::2");
	a6(ra, "2001:db8::1");
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40010, 80, TCP_FLAG_SYN,
	   NULL);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40010),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, 1 * SEC);
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40010, 80, TCP_FLAG_ACK, "x");
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40010),
			 WIRE_OK);
	assert_int_equal(ip6ext_insert_recover_addr(&p.pb, 14, 0, enc, 1, 2,
						    0x12345678, ra), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_csums(&p);
	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40010, TCP_FLAG_ACK,
	   "200");
	o = run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_addr(m.src, 6, "2001:db8::11");
	assert_addr(m.dst, 6, "2001:db8::1");
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_ANS));
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_RECOVER));
	assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), dstopt);
	assert_int_equal(m.nonce, 0x12345678);
	assert_true(m.rec_has_addr);
	assert_addr(m.rec_addr, 6, "2001:db8::100");
	assert_int_equal(m.rec_cookie, 0x12345678);
	assert_csums(&p);
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40011, 80, TCP_FLAG_ACK, "z");
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40011),
			 WIRE_OK);
	assert_int_equal(ip6ext_insert_recover_addr(&p.pb, 14, 0, enc, 0, 2,
						    0xcafef00d, ra), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, 5 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_recover_pass);
	meta(&p, &m);
	assert_addr(m.src, 6, "2001:db8::11");
	assert_addr(m.dst, 6, "2001:db8::1");
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)), dstopt);
	assert_true(m.rec_has_addr);
	assert_addr(m.rec_addr, 6, "2001:db8::100");
	assert_int_equal(m.rec_cookie, 0xcafef00d);
	assert_memory_equal(m.client_addr, c, 16);
	assert_csums(&p);
	assert_int_equal(wk.cnt[AGENT_CNT_recover_return], 2);
}

static void
test_recover6_return(void **state)
{
	(void)state;
	recover6_return(IP6EXT_ENC_PAPER);
}

static void
test_recover6_return_dstopt(void **state)
{
	(void)state;
	recover6_return(IP6EXT_ENC_DSTOPT);
}

static void
test_recover6_paper(void **state)
{
	(void)state;
	recover6_enc(IP6EXT_ENC_PAPER);
}

static void
test_recover6_dstopt(void **state)
{
	(void)state;
	recover6_enc(IP6EXT_ENC_DSTOPT);
}

static void
test_dsr4_l2_and_nat(void **state)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c[16];

	(void)state;
	/* l2 leg: destination is the VIP already. */
	a4(c, "10.0.0.3");
	mk(&p, 4, "10.0.0.3", "10.0.0.103", 41000, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c),
					       41000), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_addr(m.dst, 4, "10.0.0.103");
	assert_csums(&p);
	/* An answer due on a VIP without leg_address: sent direct. */
	mk(&p, 4, "10.0.0.3", "10.0.0.103", 41000, 80, TCP_FLAG_ACK, NULL);
	assert_int_equal(ipv4opt_insert_request(&p.pb, 14, 0, false, 0),
			 WIRE_OK);
	run(&p, AGENT_PORT_WIRE, SEC);
	mk(&p, 4, "10.0.0.103", "10.0.0.3", 80, 41000, TCP_FLAG_ACK, "r");
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	assert_int_equal(wk.cnt[AGENT_CNT_answer_no_leg], 1);

	/* A translated client: the tuple restores address and port. */
	a4(c, "10.0.0.4");
	mk(&p, 4, "10.0.0.250", "10.0.0.11", 5555, 80, TCP_FLAG_SYN, NULL);
	assert_int_equal(ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c),
					       42000), WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_addr(m.src, 4, "10.0.0.4");
	assert_int_equal(m.sport, 42000);
	assert_addr(m.dst, 4, "10.0.0.100");
	assert_csums(&p);
	assert_non_null(agent_worker_flow(&wk, 4, c, 42000, cfg.vip[0].addr,
					  80, 6, SEC));
}

static void
dsr6_enc(enum ip6ext_encoding enc)
{
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t c[16];

	a6(c, "2001:db8::2");
	mk(&p, 6, "2001:db8::2", "2001:db8::11", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	assert_int_equal(ip6ext_insert_client(&p.pb, 14, 0, enc, c, 40000),
			 WIRE_OK);
	assert_int_equal(ip6ext_insert_request(&p.pb, 14, 0, enc, 77),
			 WIRE_OK);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_dsr);
	meta(&p, &m);
	assert_int_equal(m.msgs, 0);
	assert_int_equal(p.pb.len, 14 + 60);
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_csums(&p);
	assert_int_equal(wk.connections + wk.half_open, 1);

	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40000,
	   TCP_FLAG_SYN | TCP_FLAG_ACK, NULL);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_addr(m.src, 6, "2001:db8::11");
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_true(m.msgs & (1u << PKT_MSG_CLIENT_TUPLE));
	assert_true(m.msgs & (1u << PKT_MSG_METRIC_ANS));
	assert_int_equal(!!(m.msgs & (1u << PKT_MSG_DSTOPT_ENC)),
			 enc == IP6EXT_ENC_DSTOPT);
	assert_memory_equal(m.client_addr, c, 16);
	assert_int_equal(m.client_port, 40000);
	/* only a SYN seen: half-open, not busy (issue 16) */
	assert_int_equal(m.score, 0);
	assert_int_equal(m.nonce, 77);
	assert_csums(&p);

	/* RST from the application closes it. */
	mk(&p, 6, "2001:db8::100", "2001:db8::2", 80, 40000, TCP_FLAG_RST,
	   NULL);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	assert_int_equal(wk.connections + wk.half_open, 0);
	assert_int_equal(agent_worker_flows(&wk), 0);
}

static void
test_dsr6_paper(void **state)
{
	(void)state;
	dsr6_enc(IP6EXT_ENC_PAPER);
}

static void
test_dsr6_dstopt(void **state)
{
	(void)state;
	dsr6_enc(IP6EXT_ENC_DSTOPT);
}

/* ---- hunt (Table III) -------------------------------------------------------- */

static void
sidf(uint8_t out[16], const char *loc, enum srv6_func f)
{
	uint8_t l[16];

	a6(l, loc);
	assert_int_equal(srv6_sid_make(&cfg.srv6, l, f, 0, out), 0);
}

/* Client packet @p p with the SRH (lb, s_a::fa, [s_b::fb,] VIP), sent
 * to segment @p first (reading order). */
static void
with_srh(struct pkt *p, const char *lb, const char *sa, enum srv6_func fa,
	 const char *sb, enum srv6_func fb, unsigned int first)
{
	uint8_t segs[4][16];
	unsigned int n = 0;

	a6(segs[n++], lb);
	sidf(segs[n++], sa, fa);
	if (sb != NULL)
		sidf(segs[n++], sb, fb);
	a6(segs[n++], "2001:db8::100");
	assert_int_equal(srh_insert(&p->pb, 14, 0,
				    (const uint8_t (*)[16])segs, n, first),
			 WIRE_OK);
}

/* What the agent sent is (s1, lb::f, client) to lb::f. */
static void
assert_stick(const struct pkt *p, const char *lb, enum srv6_func f,
	     const char *client)
{
	const uint8_t *fr = pkt_buf_data(&p->pb);
	struct pkt_meta m;
	struct srh_view sv;
	uint8_t want[16];

	meta(p, &m);
	assert_true(m.msgs & (1u << PKT_MSG_SRH));
	assert_int_equal(srh_parse(fr, p->pb.len, m.srh_off, &sv), WIRE_OK);
	assert_int_equal(sv.last_entry, 2);
	assert_int_equal(sv.segments_left, 1);
	sidf(want, lb, f);
	assert_memory_equal(m.dst, want, 16);
	assert_memory_equal(srh_segment(fr, &sv, 1), want, 16);
	a6(want, client);
	assert_memory_equal(srh_segment(fr, &sv, 0), want, 16);
	a6(want, "2001:db8:1::");
	assert_memory_equal(srh_segment(fr, &sv, 2), want, 16);
	assert_addr(m.src, 6, "2001:db8::100");
	assert_memory_equal(fr, MAC_GW, 6);
	assert_memory_equal(fr + 6, MAC_W, 6);
	assert_csums(p);
}

static const struct agent_flow *
flow_of(const char *client, uint16_t port, uint64_t now)
{
	uint8_t c[16], v[16];

	a6(c, client);
	a6(v, "2001:db8::100");
	return agent_worker_flow(&wk, 6, c, port, v, 80, 6, now);
}

static void
assert_kernel_plain(const struct pkt *p)
{
	struct pkt_meta m;

	meta(p, &m);
	assert_false(m.msgs & (1u << PKT_MSG_SRH));
	assert_addr(m.dst, 6, "2001:db8::100");
	assert_memory_equal(pkt_buf_data(&p->pb), MAC_K, 6);
	assert_csums(p);
}

static void
test_hunt_table3(void **state)
{
	const char *LB = "2001:db8:ff::", *LB2 = "2001:db8:fe::";
	const char *S1 = "2001:db8:1::", *S2 = "2001:db8:2::";
	const char *C = "2001:db8::2";
	const struct agent_flow *f;
	struct pkt p;
	struct agent_out o;
	uint8_t lb[16];

	(void)state;
	/* LISTEN, connectAvail (available) -> WAIT(lb), SRH removed. */
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_SYN, NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_CONNECT_AVAIL, S2,
		 SRV6_FUNC_CONNECT_FORCE, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_kernel_plain(&p);
	assert_int_equal(p.pb.len, 14 + 60);
	f = flow_of(C, 40000, SEC);
	assert_non_null(f);
	assert_int_equal(f->state, AGENT_FLOW_WAIT);
	a6(lb, LB);
	assert_memory_equal(f->lb, lb, 16);
	assert_int_equal(wk.connections + wk.half_open, 1);
	assert_int_equal(wk.cnt[AGENT_CNT_hunt_accept], 1);

	/* WAIT, data from app -> lb::createStickiness. */
	mk(&p, 6, "2001:db8::100", C, 80, 40000, TCP_FLAG_SYN | TCP_FLAG_ACK,
	   NULL);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_stick_create);
	assert_stick(&p, LB, SRV6_FUNC_CREATE_STICKINESS, C);

	/* WAIT, connectAvail again -> WAIT. */
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_SYN, NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_CONNECT_AVAIL, S2,
		 SRV6_FUNC_CONNECT_FORCE, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_int_equal(flow_of(C, 40000, SEC)->state, AGENT_FLOW_WAIT);
	assert_int_equal(wk.cnt[AGENT_CNT_hunt_again], 1);
	assert_int_equal(wk.connections + wk.half_open, 1);

	/* WAIT, ackStickiness -> DIRECT. */
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_ACK, NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_ACK_STICKINESS, NULL, 0, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_kernel_plain(&p);
	assert_int_equal(flow_of(C, 40000, SEC)->state, AGENT_FLOW_DIRECT);

	/* DIRECT, data from app -> direct, untouched. */
	mk(&p, 6, "2001:db8::100", C, 80, 40000, TCP_FLAG_ACK, "data");
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	assert_int_equal(p.pb.len, 14 + 60 + 4);

	/* DIRECT, ackStickiness -> DIRECT. */
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_ACK, "more");
	with_srh(&p, LB, S1, SRV6_FUNC_ACK_STICKINESS, NULL, 0, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_int_equal(flow_of(C, 40000, SEC)->state, AGENT_FLOW_DIRECT);

	/* DIRECT(lb), recoverStickiness(lb2) (local) -> WAIT(lb2). */
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_ACK, NULL);
	with_srh(&p, LB2, S1, SRV6_FUNC_RECOVER_STICKINESS, S2,
		 SRV6_FUNC_RECOVER_STICKINESS, 1);
	o = run(&p, AGENT_PORT_WIRE, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_kernel_plain(&p);
	f = flow_of(C, 40000, 2 * SEC);
	assert_int_equal(f->state, AGENT_FLOW_WAIT);
	a6(lb, LB2);
	assert_memory_equal(f->lb, lb, 16);
	mk(&p, 6, "2001:db8::100", C, 80, 40000, TCP_FLAG_ACK, "d");
	o = run(&p, AGENT_PORT_KERNEL, 2 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_stick_create);
	assert_stick(&p, LB2, SRV6_FUNC_CREATE_STICKINESS, C);
	mk(&p, 6, C, "2001:db8::100", 40000, 80, TCP_FLAG_ACK, NULL);
	with_srh(&p, LB2, S1, SRV6_FUNC_ACK_STICKINESS, NULL, 0, 1);
	run(&p, AGENT_PORT_WIRE, 2 * SEC);
	assert_int_equal(flow_of(C, 40000, 2 * SEC)->state,
			 AGENT_FLOW_DIRECT);

	/* DIRECT, FIN from app -> lb2::removeStickiness, forgotten 10 s
	 * later (not restarted by traffic). */
	mk(&p, 6, "2001:db8::100", C, 80, 40000, TCP_FLAG_FIN | TCP_FLAG_ACK,
	   NULL);
	o = run(&p, AGENT_PORT_KERNEL, 3 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE,
	       AGENT_CNT_tx_wire_stick_remove);
	assert_stick(&p, LB2, SRV6_FUNC_REMOVE_STICKINESS, C);
	assert_int_equal(wk.connections + wk.half_open, 0);
	assert_int_equal(flow_of(C, 40000, 3 * SEC)->state,
			 AGENT_FLOW_CLOSING);
	mk(&p, 6, "2001:db8::100", C, 80, 40000, TCP_FLAG_ACK, NULL);
	o = run(&p, AGENT_PORT_KERNEL, 12 * SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_direct);
	assert_non_null(flow_of(C, 40000, 13 * SEC - 1));
	agent_worker_maintain(&wk, 13 * SEC + 10000000, 1024);
	assert_null(flow_of(C, 40000, 13 * SEC + 10000000));
	assert_int_equal(agent_worker_flows(&wk), 0);
	assert_int_equal(wk.cnt[AGENT_CNT_flow_expired], 1);
}

static void
test_hunt_busy(void **state)
{
	const char *LB = "2001:db8:ff::";
	const char *S1 = "2001:db8:1::", *S2 = "2001:db8:2::";
	struct pkt p;
	struct pkt_meta m;
	struct agent_out o;
	uint8_t want[16];

	(void)state;
	/* 5 busy (shared memory), c = 1: connectAvail passes on. */
	agent_worker_set_busy(&wk, 5);
	assert_int_equal(agent_worker_busy(&wk), 5);
	assert_int_equal(agent_worker_score(&wk), 5);
	mk(&p, 6, "2001:db8::2", "2001:db8::100", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_CONNECT_AVAIL, S2,
		 SRV6_FUNC_CONNECT_FORCE, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_hunt_pass);
	meta(&p, &m);
	sidf(want, S2, SRV6_FUNC_CONNECT_FORCE);
	assert_memory_equal(m.dst, want, 16);
	assert_int_equal(m.srh_segments_left, 1);
	assert_memory_equal(pkt_buf_data(&p.pb), MAC_GW, 6);
	assert_csums(&p);
	assert_null(flow_of("2001:db8::2", 40000, SEC));

	/* connectForce always accepts. */
	mk(&p, 6, "2001:db8::3", "2001:db8::100", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	with_srh(&p, LB, S2, SRV6_FUNC_CONNECT_AVAIL, S1,
		 SRV6_FUNC_CONNECT_FORCE, 2);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_int_equal(wk.cnt[AGENT_CNT_hunt_force], 1);
	assert_int_equal(flow_of("2001:db8::3", 40000, SEC)->state,
			 AGENT_FLOW_WAIT);

	/* connectAvail as the last candidate (SL 1): taken. */
	mk(&p, 6, "2001:db8::4", "2001:db8::100", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_CONNECT_AVAIL, NULL, 0, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_int_equal(wk.cnt[AGENT_CNT_hunt_force], 2);

	/* recoverStickiness, not local -> passed on; at the last
	 * candidate -> taken (WAIT). */
	mk(&p, 6, "2001:db8::5", "2001:db8::100", 40000, 80, TCP_FLAG_ACK,
	   NULL);
	with_srh(&p, LB, S1, SRV6_FUNC_RECOVER_STICKINESS, S2,
		 SRV6_FUNC_RECOVER_STICKINESS, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_hunt_pass);
	mk(&p, 6, "2001:db8::5", "2001:db8::100", 40000, 80, TCP_FLAG_ACK,
	   NULL);
	with_srh(&p, LB, S2, SRV6_FUNC_RECOVER_STICKINESS, S1,
		 SRV6_FUNC_RECOVER_STICKINESS, 2);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_hunt);
	assert_int_equal(wk.cnt[AGENT_CNT_hunt_recover_last], 1);
	assert_int_equal(flow_of("2001:db8::5", 40000, SEC)->state,
			 AGENT_FLOW_WAIT);

	/* The external value is the score of answers. */
	mk(&p, 6, "2001:db8::9", "2001:db8::11", 40000, 80, TCP_FLAG_ACK,
	   NULL);
	assert_int_equal(ip6ext_insert_request(&p.pb, 14, 0, IP6EXT_ENC_PAPER,
					       0), WIRE_OK);
	run(&p, AGENT_PORT_WIRE, SEC);
	agent_worker_set_busy(&wk, 70000);
	mk(&p, 6, "2001:db8::100", "2001:db8::9", 80, 40000, TCP_FLAG_ACK,
	   NULL);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_answer);
	meta(&p, &m);
	assert_int_equal(m.score, 65535);
	assert_false(m.msgs & (1u << PKT_MSG_NONCE));
}

/* ---- not ours, malformed, random ------------------------------------------------ */

static void
test_passthrough(void **state)
{
	struct pkt p;
	uint8_t copy[CAP];
	uint32_t len;
	struct agent_out o;

	(void)state;
	/* ARP */
	memset(&p, 0, sizeof(p));
	memset(p.buf + HEAD, 0xff, 6);
	store_be16(p.buf + HEAD + 12, ETH_TYPE_ARP);
	pkt_buf_init(&p.pb, p.buf, CAP, HEAD, 60);
	memcpy(copy, p.buf + HEAD, 60);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_pass);
	assert_memory_equal(pkt_buf_data(&p.pb), copy, 60);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_pass);
	/* SSH to the leg address (the server's own), both ways. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 50000, 22, TCP_FLAG_ACK, "SSH");
	len = p.pb.len;
	memcpy(copy, pkt_buf_data(&p.pb), len);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_pass);
	assert_memory_equal(pkt_buf_data(&p.pb), copy, len);
	mk(&p, 6, "2001:db8::11", "2001:db8::2", 22, 50000, TCP_FLAG_ACK,
	   "SSH");
	len = p.pb.len;
	memcpy(copy, pkt_buf_data(&p.pb), len);
	o = run(&p, AGENT_PORT_KERNEL, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_WIRE, AGENT_CNT_tx_wire_pass);
	assert_memory_equal(pkt_buf_data(&p.pb), copy, len);
	assert_int_equal(agent_worker_flows(&wk), 0);
}

static void
test_malformed(void **state)
{
	struct pkt p;
	struct agent_out o;
	uint8_t *f;
	uint8_t c[16];

	(void)state;
	a4(c, "10.0.0.2");
	/* 155 with length 6. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c), 40000);
	pkt_buf_data(&p.pb)[14 + 21] = 6;
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_malformed);
	assert_int_equal(wk.wire[WIRE_ERR_IPV4_OPT_FORMAT], 1);
	/* Bad IPv4 header checksum on the leg. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	pkt_buf_data(&p.pb)[14 + 10] ^= 1;
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_ipv4_csum);
	/* A non-first fragment to the leg address: the VIP restored (and
	 * the header checksum with it), to the kernel, which reassembles. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	f = pkt_buf_data(&p.pb);
	store_be16(f + 14 + 6, 0x0010);
	store_be16(f + 14 + 10, 0);
	store_be16(f + 14 + 10, csum_ipv4_hdr(f + 14, 20));
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL, AGENT_CNT_tx_kernel_frag);
	f = pkt_buf_data(&p.pb);
	assert_int_equal(f[14 + 16], 10);
	assert_int_equal(f[14 + 19], 100);
	assert_int_equal(ipv4_hdr_csum_verify(f + 14, 20), WIRE_OK);
	/* ... and one of another protocol (no UDP VIP there): dropped. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	f = pkt_buf_data(&p.pb);
	store_be16(f + 14 + 6, 0x0010);
	f[14 + 9] = 17;
	store_be16(f + 14 + 10, 0);
	store_be16(f + 14 + 10, csum_ipv4_hdr(f + 14, 20));
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_fragment);
	/* SRH with Segments Left beyond Last Entry + 1. */
	mk(&p, 6, "2001:db8::2", "2001:db8::100", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	with_srh(&p, "2001:db8:ff::", "2001:db8:1::", SRV6_FUNC_CONNECT_AVAIL,
		 NULL, 0, 1);
	pkt_buf_data(&p.pb)[14 + 40 + 3] = 9;
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_malformed);
	assert_int_equal(wk.wire[WIRE_ERR_SRH_SEGLEFT], 1);
	/* Our SID without an SRH. */
	mk(&p, 6, "2001:db8::2", "2001:db8:1:0:1::", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_malformed);
	assert_int_equal(wk.wire[WIRE_ERR_NOT_FOUND], 1);
	/* A function servers do not serve. */
	mk(&p, 6, "2001:db8::2", "2001:db8::100", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	with_srh(&p, "2001:db8:ff::", "2001:db8:1::",
		 SRV6_FUNC_REMOVE_STICKINESS, NULL, 0, 1);
	o = run(&p, AGENT_PORT_WIRE, SEC);
	expect(o, AGENT_ACT_DROP, 0, AGENT_CNT_drop_sid_function);
	/* Truncated frames of every length: never a crash. */
	mk(&p, 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	ipv4opt_insert_client(&p.pb, 14, 0, load_be32(c), 40000);
	for (uint32_t n = 0; n < 14 + 48; n++) {
		struct pkt q;

		memcpy(&q, &p, sizeof(q));
		q.pb.base = q.buf;
		q.pb.len = n;
		run(&q, AGENT_PORT_WIRE, SEC);
		run(&q, AGENT_PORT_KERNEL, SEC);
	}
	assert_int_equal(wk.connections + wk.half_open, 0);
}

/* Random corruption of valid frames of every kind, into both ports:
 * every frame ends in exactly one tx_* / drop_* counter. */
static void
test_fuzz(void **state)
{
	uint64_t ends = 0, seed = 12345;
	struct pkt base[4], p;
	uint8_t c[16];

	(void)state;
	a4(c, "10.0.0.2");
	mk(&base[0], 4, "10.0.0.2", "10.0.0.11", 40000, 80, TCP_FLAG_SYN, NULL);
	ipv4opt_insert_client(&base[0].pb, 14, 0, load_be32(c), 40000);
	ipv4opt_insert_request(&base[0].pb, 14, 0, true, 5);
	mk(&base[1], 6, "2001:db8::2", "2001:db8::11", 40000, 80, TCP_FLAG_SYN,
	   NULL);
	a6(c, "2001:db8::2");
	ip6ext_insert_client(&base[1].pb, 14, 0, IP6EXT_ENC_DSTOPT, c, 40000);
	ip6ext_insert_request(&base[1].pb, 14, 0, IP6EXT_ENC_PAPER, 9);
	mk(&base[2], 6, "2001:db8::2", "2001:db8::100", 40000, 80,
	   TCP_FLAG_SYN, NULL);
	with_srh(&base[2], "2001:db8:ff::", "2001:db8:1::",
		 SRV6_FUNC_CONNECT_AVAIL, "2001:db8:2::",
		 SRV6_FUNC_CONNECT_FORCE, 1);
	mk(&base[3], 4, "10.0.0.100", "10.0.0.2", 80, 40000, TCP_FLAG_ACK,
	   "reply");
	for (int i = 0; i < 20000; i++) {
		const struct pkt *b;
		uint32_t flips;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		b = &base[(seed >> 33) % 4];
		memcpy(&p, b, sizeof(p));
		p.pb.base = p.buf;
		flips = 1 + (uint32_t)((seed >> 40) % 4);
		for (uint32_t k = 0; k < flips; k++) {
			seed = seed * 6364136223846793005ull + 1;
			pkt_buf_data(&p.pb)[(seed >> 33) % p.pb.len] ^=
				(uint8_t)(1u << ((seed >> 20) % 8));
		}
		if ((seed >> 50) % 8 == 0)
			p.pb.len = (uint32_t)((seed >> 24) % p.pb.len);
		run(&p, (uint8_t)((seed >> 45) & 1), (uint64_t)i * 1000000ull);
		if (i % 64 == 0)
			agent_worker_maintain(&wk, (uint64_t)i * 1000000ull, 8);
	}
	for (unsigned int k = 0; k < AGENT_CNT_MAX; k++) {
		const char *n = agent_counter_name(k);

		if (strncmp(n, "tx_", 3) == 0 || strncmp(n, "drop_", 5) == 0)
			ends += wk.cnt[k];
	}
	assert_int_equal(ends, wk.cnt[AGENT_CNT_rx]);
	assert_int_equal(wk.cnt[AGENT_CNT_rx], 20000);
	assert_true(wk.cnt[AGENT_CNT_drop_malformed] > 0);
	assert_true(wk.ft.count <= cfg.flow_capacity);
}

/* ---- flow table --------------------------------------------------------------- */

static void
test_flow_table(void **state)
{
	struct pkt p;
	char a[64];
	struct agent_out o;

	(void)state;
	/* Fill past capacity with SYNs: 64 remembered, the rest counted. */
	for (int i = 0; i < 80; i++) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, i % 200 + 1);
		mk(&p, 4, a, "10.0.0.103", 40000, 80, TCP_FLAG_SYN, NULL);
		o = run(&p, AGENT_PORT_WIRE, SEC);
		expect(o, AGENT_ACT_TX, AGENT_PORT_KERNEL,
		       AGENT_CNT_tx_kernel_dsr);
	}
	assert_int_equal(agent_worker_flows(&wk), 64);
	assert_int_equal(wk.connections + wk.half_open, 64);
	assert_int_equal(wk.cnt[AGENT_CNT_flow_table_full], 16);
	/* Close every other one; the rest are all still found. */
	for (int i = 0; i < 64; i += 2) {
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, i % 200 + 1);
		mk(&p, 4, a, "10.0.0.103", 40000, 80, TCP_FLAG_RST, NULL);
		run(&p, AGENT_PORT_WIRE, SEC);
	}
	assert_int_equal(agent_worker_flows(&wk), 32);
	assert_int_equal(wk.connections + wk.half_open, 32);
	for (int i = 1; i < 64; i += 2) {
		uint8_t c[16], v[16];

		snprintf(a, sizeof(a), "10.1.%d.%d", i / 200, i % 200 + 1);
		a4(c, a);
		a4(v, "10.0.0.103");
		assert_non_null(agent_worker_flow(&wk, 4, c, 40000, v, 80, 6,
						  SEC));
	}
	/* SYN-only flows expire after timeout_new (5 s) through the GC;
	 * their connections are no longer counted. */
	agent_worker_maintain(&wk, 7 * SEC, 4096);
	assert_int_equal(agent_worker_flows(&wk), 0);
	assert_int_equal(wk.connections + wk.half_open, 0);
	assert_int_equal(wk.cnt[AGENT_CNT_flow_expired], 32);
}

static void
test_config_validate(void **state)
{
	struct agent_config c;
	char err[128];

	(void)state;
	agent_config_defaults(&c);
	assert_int_equal(agent_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "vip"));
	c = cfg;
	c.has_gateway_mac = false;
	assert_int_equal(agent_config_validate(&c, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "gateway_mac"));
	c = cfg;
	memcpy(c.vip[1].addr, c.vip[0].leg, 4);
	assert_int_equal(agent_config_validate(&c, err, sizeof(err)), -1);
	c = cfg;
	c.accept.c_init = 99;
	assert_int_equal(agent_config_validate(&c, err, sizeof(err)), -1);
	assert_string_equal(agent_counter_name(AGENT_CNT_rx), "rx");
	assert_string_equal(agent_counter_name(AGENT_CNT_MAX), "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_trust, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_burst, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dsr4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_to_leg, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_answer_to_requester, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_stale, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover6_stale, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_seed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover_return, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover6_return, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover6_return_dstopt,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_recover6_paper, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_recover6_dstopt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dsr4_l2_and_nat, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dsr6_paper, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_dsr6_dstopt, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hunt_table3, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_hunt_busy, setup_shm,
						teardown),
		cmocka_unit_test_setup_teardown(test_passthrough, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_fuzz, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_table, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_config_validate, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
