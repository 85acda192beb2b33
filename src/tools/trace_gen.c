/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-trace-gen: write benchmark pcaps for the appliance, deterministic
 * from --seed (docs/benchmarks.md).
 *
 * The VIPs (address, port, protocol, mode, backends, locators) come from
 * a dsrlb INI file through the appliance's own loader, so the frames are
 * what that configuration accepts: destination MAC of the appliance's
 * port (net_pcap0: 02:70:63:61:70:00 by default), valid IPv4 header and
 * TCP/UDP checksums, and the server-to-appliance messages of each mode
 * built with lib/'s codecs (docs/wire-format.md), sent from the
 * backend's MAC (its [neighbours] entry, which the appliance checks):
 *  - dsr transport: metric answers from a backend address of the VIP,
 *    carrying the client tuple and the answer (155 + 125, or 27 + 29);
 *  - srv6 transport: createStickiness, (VIP -> lb::cs) with SRH
 *    (s::cs, lb::cs, client).
 *
 * Two kinds of trace:
 *  - warmup: every flow once as a SYN, then (srv6 VIPs) a
 *    createStickiness for it, then an ACK: the flow table ends with every
 *    flow pinned (ESTABLISHED, or STEER for hunt);
 *  - traffic: --packets packets over the --flows flows, picked uniformly
 *    or by Zipf(s) popularity; a share of SYNs of flows never seen
 *    (--syn-share), of metric answers (--answer-share, dsr VIPs) and of
 *    createStickiness messages (--sticky-share, srv6 VIPs).
 *
 * Flow i has client address 198.18.0.0/15 (IPv4) or 2001:db8:c1::/48
 * (IPv6), reached by the appliance through its gateway.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../common/cli.h"

#include "dsrlb/bytes.h"
#include "dsrlb/csum.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/pkt_buf.h"
#include "dsrlb/srh.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire.h"
#include "lb_config_load.h"

#define BUF_SIZE  2048u
#define HEADROOM  256u
#define MAX_SEL   LB_MAX_VIPS

enum kind { KIND_TRAFFIC, KIND_WARMUP };

struct gen_opts {
	const char *config;
	const char *vips;
	const char *out;
	uint64_t seed;
	uint32_t flows;
	uint64_t packets;
	enum kind kind;
	double ipv6_share;
	double syn_share;
	double answer_share;
	double sticky_share;
	double zipf_s;            /* 0: uniform */
	uint32_t size_min, size_max;
	uint8_t dst_mac[6];
	uint8_t src_mac[6];
	uint16_t score;
};

static struct gen_opts o = {
	.seed = 1, .flows = 10000, .packets = 65536, .kind = KIND_TRAFFIC,
	.ipv6_share = 0.5, .size_min = 64, .size_max = 64,
	.dst_mac = { 0x02, 0x70, 0x63, 0x61, 0x70, 0x00 },
	.src_mac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0xfe },
	.score = 100,
};

static struct lb_config cfg;
static const struct lb_vip_conf *sel4[MAX_SEL], *sel6[MAX_SEL];
static unsigned int n4, n6;
static pcap_dumper_t *dumper;
static uint64_t written, ts_us;
static uint64_t rng_s;

/* ---- random numbers ---------------------------------------------------- */

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t
rnd(void)
{
	rng_s += 0x9e3779b97f4a7c15ull;
	return mix64(rng_s);
}

static double
rnd01(void)
{
	return (double)(rnd() >> 11) * (1.0 / 9007199254740992.0);
}

/* A fixed per-flow value (independent of the packet order). */
static uint64_t
flow_rand(uint64_t i, uint64_t salt)
{
	return mix64(o.seed * 0x2545f4914f6cdd1dull ^ (i * 0x9e3779b97f4a7c15ull)
		     ^ salt);
}

/* ---- flows --------------------------------------------------------------- */

struct flow {
	const struct lb_vip_conf *v;
	uint8_t family;
	uint8_t client[16];
	uint16_t cport;
	uint16_t vport;
};

static void
flow_of(uint64_t i, struct flow *f)
{
	uint64_t r = flow_rand(i, 1);
	bool six;

	if (n4 == 0)
		six = true;
	else if (n6 == 0)
		six = false;
	else
		six = (double)(r >> 11) * (1.0 / 9007199254740992.0) <
		      o.ipv6_share;
	memset(f, 0, sizeof(*f));
	if (six) {
		uint64_t lo = (o.seed & 0xffffu) << 32 | (i & 0xffffffffu);

		f->family = 6;
		f->v = sel6[flow_rand(i, 2) % n6];
		f->client[0] = 0x20;
		f->client[1] = 0x01;
		f->client[2] = 0x0d;
		f->client[3] = 0xb8;
		f->client[4] = 0x00;
		f->client[5] = 0xc1;
		for (int k = 0; k < 8; k++)
			f->client[8 + k] = (uint8_t)(lo >> (56 - 8 * k));
		f->client[7] = (uint8_t)(i >> 32);
		f->cport = (uint16_t)(1024 + (i + o.seed) % 60000);
	} else {
		/* 198.18.0.0/15: 2^17 addresses, then the port. */
		uint32_t a = (uint32_t)((i + o.seed * 2654435761u) & 0x1ffffu);

		f->family = 4;
		f->v = sel4[flow_rand(i, 2) % n4];
		store_be32(f->client, 0xc6120000u | a);
		f->cport = (uint16_t)(1024 + ((i >> 17) + o.seed) % 60000);
	}
	f->vport = f->v->port ? f->v->port : 80;
}

/* ---- frames --------------------------------------------------------------- */

static uint32_t
frame_payload(uint32_t hdrs)
{
	uint32_t size = o.size_min;

	if (o.size_max > o.size_min)
		size += (uint32_t)(rnd() % (o.size_max - o.size_min + 1));
	return size > hdrs ? size - hdrs : 0;
}

/* Ethernet + IP + TCP/UDP from @p src:@p sp to @p dst:@p dp, checksums
 * valid. */
static void
build_l4(struct pkt_buf *pb, uint8_t family, uint8_t proto,
	 const uint8_t *src, const uint8_t *dst, uint16_t sp, uint16_t dp,
	 uint8_t flags, uint64_t seq)
{
	uint8_t *d = pkt_buf_data(pb);
	uint32_t l3 = family == 4 ? IPV4_HDR_MIN_LEN : IPV6_HDR_LEN;
	uint32_t l4h = proto == IPPROTO_NUM_TCP ? 20u : 8u;
	uint32_t plen = frame_payload(ETH_HDR_LEN + l3 + l4h);
	uint8_t *ip = d + ETH_HDR_LEN, *t = ip + l3;
	uint16_t l4len = (uint16_t)(l4h + plen);
	uint32_t ps;

	memcpy(d, o.dst_mac, 6);
	memcpy(d + 6, o.src_mac, 6);
	store_be16(d + 12, family == 4 ? ETH_TYPE_IPV4 : ETH_TYPE_IPV6);
	memset(t, 0, l4h);
	store_be16(t, sp);
	store_be16(t + 2, dp);
	if (proto == IPPROTO_NUM_TCP) {
		store_be32(t + 4, (uint32_t)seq);
		store_be32(t + 8, flags & TCP_FLAG_ACK ? 0x0a0b0c0du : 0);
		t[12] = 5 << 4;
		t[13] = flags;
		store_be16(t + 14, 64240);
	} else {
		store_be16(t + 4, l4len);
	}
	for (uint32_t k = 0; k < plen; k++)
		t[l4h + k] = (uint8_t)(k * 7 + 1);
	if (family == 4) {
		memset(ip, 0, IPV4_HDR_MIN_LEN);
		ip[0] = 0x45;
		store_be16(ip + 2, (uint16_t)(IPV4_HDR_MIN_LEN + l4len));
		store_be16(ip + 4, (uint16_t)seq);
		store_be16(ip + 6, IPV4_FLAG_DF);
		ip[8] = 64;
		ip[9] = proto;
		memcpy(ip + 12, src, 4);
		memcpy(ip + 16, dst, 4);
		store_be16(ip + 10, csum_ipv4_hdr(ip, IPV4_HDR_MIN_LEN));
		ps = csum_pseudo_ipv4(load_be32(src), load_be32(dst), proto,
				      l4len);
	} else {
		memset(ip, 0, IPV6_HDR_LEN);
		store_be32(ip, 0x60000000u);
		store_be16(ip + 4, l4len);
		ip[6] = proto;
		ip[7] = 64;
		memcpy(ip + 8, src, 16);
		memcpy(ip + 24, dst, 16);
		ps = csum_pseudo_ipv6(src, dst, proto, l4len);
	}
	{
		uint8_t *c = t + (proto == IPPROTO_NUM_TCP ? 16 : 6);
		uint16_t s = csum_l4(ps, t, l4len);

		if (proto == IPPROTO_NUM_UDP && s == 0)
			s = 0xffff;
		store_be16(c, s);
	}
	pb->len = ETH_HDR_LEN + l3 + l4len;
}

/* Server messages come from the backend's own MAC (the [neighbours]
 * entry of its address): the appliance takes a metric answer or a
 * stickiness message only from the MAC its backend is reached at
 * (docs/architecture.md "Trust"). Without an entry, the gateway's
 * (--src-mac) is kept. */
static void
src_mac_of(struct pkt_buf *pb, const struct lb_addr *a)
{
	for (uint32_t k = 0; k < cfg.n_neigh; k++)
		if (cfg.neigh[k].ip.family == a->family &&
		    memcmp(cfg.neigh[k].ip.a, a->a,
			   a->family == 4 ? 4 : 16) == 0) {
			memcpy(pkt_buf_data(pb) + 6, cfg.neigh[k].mac, 6);
			return;
		}
}

static int
emit(const struct pkt_buf *pb)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(1700000000 + ts_us / 1000000);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000);
	h.caplen = h.len = pb->len;
	pcap_dump((u_char *)dumper, &h, pkt_buf_data(pb));
	ts_us++;
	written++;
	return 0;
}

static void
pb_reset(struct pkt_buf *pb, uint8_t *buf)
{
	(void)pkt_buf_init(pb, buf, BUF_SIZE, HEADROOM, 0);
}

/* A client packet of flow @p f. */
static int
client_pkt(uint8_t *buf, const struct flow *f, uint8_t flags, uint64_t seq)
{
	struct pkt_buf pb;

	pb_reset(&pb, buf);
	build_l4(&pb, f->family, f->v->proto, f->client, f->v->addr.a,
		 f->cport, f->vport, flags, seq);
	return emit(&pb);
}

/* A metric answer (dsr transport) of flow @p f from backend @p b. */
static int
answer_pkt(uint8_t *buf, const struct flow *f, uint32_t b, uint64_t seq)
{
	const struct lb_backend_conf *be = &f->v->backend[b];
	struct pkt_buf pb;
	enum wire_result r;

	pb_reset(&pb, buf);
	build_l4(&pb, f->family, f->v->proto, be->addr.a, f->v->addr.a,
		 f->vport, f->cport, TCP_FLAG_ACK | TCP_FLAG_PSH, seq);
	if (f->family == 4) {
		r = ipv4opt_insert_client(&pb, ETH_HDR_LEN, 0,
					  load_be32(f->client), f->cport);
		if (r == WIRE_OK)
			r = ipv4opt_insert_answer(&pb, ETH_HDR_LEN, 0, o.score,
						  false, 0);
	} else {
		enum ip6ext_encoding enc = (enum ip6ext_encoding)f->v->enc;

		r = ip6ext_insert_client(&pb, ETH_HDR_LEN, 0, enc, f->client,
					 f->cport);
		if (r == WIRE_OK)
			r = ip6ext_insert_answer(&pb, ETH_HDR_LEN, 0, enc,
						 o.score, 0);
	}
	if (r != WIRE_OK) {
		fprintf(stderr, "trace-gen: answer: %s\n",
			wire_result_name(r));
		return -1;
	}
	src_mac_of(&pb, &be->addr);
	return emit(&pb);
}

/* createStickiness (srv6 transport) of flow @p f from backend @p b:
 * (VIP -> lb::cs) with SRH (s::cs, lb::cs, client). */
static int
sticky_pkt(uint8_t *buf, const struct flow *f, uint32_t b, uint64_t seq)
{
	const struct lb_backend_conf *be = &f->v->backend[b];
	uint8_t segs[3][16];
	struct pkt_buf pb;
	enum wire_result r;

	if (srv6_sid_make(&cfg.srv6, be->locator, SRV6_FUNC_CREATE_STICKINESS,
			  0, segs[0]) != 0 ||
	    srv6_sid_make(&cfg.srv6, cfg.lb_sid, SRV6_FUNC_CREATE_STICKINESS,
			  0, segs[1]) != 0) {
		fprintf(stderr, "trace-gen: bad [srv6] or locator\n");
		return -1;
	}
	memcpy(segs[2], f->client, 16);
	pb_reset(&pb, buf);
	build_l4(&pb, 6, f->v->proto, f->v->addr.a, f->client, f->vport,
		 f->cport, TCP_FLAG_SYN | TCP_FLAG_ACK, seq);
	r = srh_insert(&pb, ETH_HDR_LEN, 0, (const uint8_t (*)[16])segs, 3, 1);
	if (r != WIRE_OK) {
		fprintf(stderr, "trace-gen: createStickiness: %s\n",
			wire_result_name(r));
		return -1;
	}
	src_mac_of(&pb, &be->addr);
	return emit(&pb);
}

/* ---- popularity ------------------------------------------------------------ */

static double *zipf_cdf;

static int
zipf_init(uint32_t n, double s)
{
	double sum = 0;

	zipf_cdf = malloc(sizeof(double) * n);
	if (zipf_cdf == NULL)
		return -1;
	for (uint32_t k = 0; k < n; k++) {
		sum += 1.0 / pow((double)k + 1.0, s);
		zipf_cdf[k] = sum;
	}
	for (uint32_t k = 0; k < n; k++)
		zipf_cdf[k] /= sum;
	return 0;
}

static uint64_t
pick_flow(void)
{
	uint32_t lo = 0, hi = o.flows - 1;
	double u;

	if (zipf_cdf == NULL)
		return rnd() % o.flows;
	u = rnd01();
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;

		if (zipf_cdf[mid] < u)
			lo = mid + 1;
		else
			hi = mid;
	}
	/* Rank k is flow (k * odd) mod n: popular flows spread out. */
	return ((uint64_t)lo * 0x9e3779b1u) % o.flows;
}

/* ---- command line ------------------------------------------------------------ */

static void
usage(void)
{
	printf("usage: dsrlb-trace-gen --config INI --vips NAME[,NAME...] "
	       "--out FILE.pcap [options]\n"
	       "  --kind traffic|warmup  traffic (default) or every flow "
	       "pinned (SYN, [createStickiness], ACK)\n"
	       "  --seed N               (1)\n"
	       "  --flows N              flows (10000)\n"
	       "  --packets N            traffic packets (65536)\n"
	       "  --ipv6-share F         share of flows on the IPv6 VIPs "
	       "when both families are given (0.5)\n"
	       "  --syn-share F          share of SYNs of new flows (0)\n"
	       "  --answer-share F       share of metric answers, dsr VIPs (0)\n"
	       "  --sticky-share F       share of createStickiness, srv6 "
	       "VIPs (0)\n"
	       "  --zipf S               Zipf(S) popularity (0: uniform)\n"
	       "  --size A[-B]           frame bytes, uniform in A..B (64)\n"
	       "  --dst-mac MAC          the appliance's MAC "
	       "(02:70:63:61:70:00, net_pcap0)\n"
	       "  --score N              busyness score in answers (100)\n");
}

static int
parse_share(const char *s, double *d)
{
	char *e;

	*d = strtod(s, &e);
	return (*e != '\0' || *d < 0 || *d > 1) ? -1 : 0;
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "vips", required_argument, NULL, 'v' },
		{ "out", required_argument, NULL, 'o' },
		{ "kind", required_argument, NULL, 'k' },
		{ "seed", required_argument, NULL, 's' },
		{ "flows", required_argument, NULL, 'f' },
		{ "packets", required_argument, NULL, 'p' },
		{ "ipv6-share", required_argument, NULL, '6' },
		{ "syn-share", required_argument, NULL, 'S' },
		{ "answer-share", required_argument, NULL, 'A' },
		{ "sticky-share", required_argument, NULL, 'T' },
		{ "zipf", required_argument, NULL, 'z' },
		{ "size", required_argument, NULL, 'l' },
		{ "dst-mac", required_argument, NULL, 'm' },
		{ "score", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	char *e;

	while ((c = getopt_long(argc, argv, "c:v:o:h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': o.config = optarg; break;
		case 'v': o.vips = optarg; break;
		case 'o': o.out = optarg; break;
		case 'k':
			if (strcmp(optarg, "warmup") == 0)
				o.kind = KIND_WARMUP;
			else if (strcmp(optarg, "traffic") == 0)
				o.kind = KIND_TRAFFIC;
			else
				return -1;
			break;
		case 's': if (cli_u64(optarg, &o.seed)) return -1; break;
		case 'f':
			if (cli_u32(optarg, &o.flows) || o.flows == 0)
				return -1;
			break;
		case 'p': if (cli_u64(optarg, &o.packets)) return -1; break;
		case '6': if (parse_share(optarg, &o.ipv6_share)) return -1; break;
		case 'S': if (parse_share(optarg, &o.syn_share)) return -1; break;
		case 'A': if (parse_share(optarg, &o.answer_share)) return -1; break;
		case 'T': if (parse_share(optarg, &o.sticky_share)) return -1; break;
		case 'z': if (cli_double(optarg, &o.zipf_s)) return -1; break;
		case 'l':
			o.size_min = (uint32_t)strtoul(optarg, &e, 10);
			o.size_max = *e == '-' ?
				     (uint32_t)strtoul(e + 1, NULL, 10) :
				     o.size_min;
			if (o.size_max < o.size_min || o.size_max > 1514)
				return -1;
			break;
		case 'm':
			if (lb_mac_parse(optarg, o.dst_mac) != 0)
				return -1;
			break;
		case 'r': {
			uint32_t sc;

			if (cli_u32(optarg, &sc) || sc > 65535)
				return -1;
			o.score = (uint16_t)sc;
			break;
		}
		case 'h': usage(); exit(0);
		default: return -1;
		}
	}
	if (o.config == NULL || o.vips == NULL || o.out == NULL)
		return -1;
	return 0;
}

static int
select_vips(void)
{
	char *list = strdup(o.vips), *save = NULL;

	for (char *n = strtok_r(list, ",", &save); n != NULL;
	     n = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		for (v = 0; v < cfg.n_vips; v++)
			if (strcmp(cfg.vip[v].name, n) == 0)
				break;
		if (v == cfg.n_vips) {
			fprintf(stderr, "trace-gen: no [vip %s] in %s\n", n,
				o.config);
			free(list);
			return -1;
		}
		if (cfg.vip[v].n_backends == 0) {
			fprintf(stderr, "trace-gen: vip %s has no backend\n",
				n);
			free(list);
			return -1;
		}
		if (cfg.vip[v].addr.family == 4 && n4 < MAX_SEL)
			sel4[n4++] = &cfg.vip[v];
		else if (cfg.vip[v].addr.family == 6 && n6 < MAX_SEL)
			sel6[n6++] = &cfg.vip[v];
	}
	free(list);
	return n4 + n6 > 0 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[BUF_SIZE];
	char err[256];
	pcap_t *dead;
	struct flow f;
	uint64_t syns = 0, answers = 0, stickies = 0, data = 0;
	int rc = 0;

	if (parse_args(argc, argv) != 0) {
		usage();
		return 2;
	}
	if (lb_config_load(o.config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (select_vips() != 0)
		return 1;
	rng_s = mix64(o.seed ^ 0x7472616365ull);
	if (o.zipf_s > 0 && zipf_init(o.flows, o.zipf_s) != 0)
		return 1;
	dead = pcap_open_dead(DLT_EN10MB, 65535);
	dumper = pcap_dump_open(dead, o.out);
	if (dumper == NULL) {
		fprintf(stderr, "trace-gen: %s: %s\n", o.out,
			pcap_geterr(dead));
		return 1;
	}
	if (o.kind == KIND_WARMUP) {
		for (uint64_t i = 0; i < o.flows && rc == 0; i++, syns++) {
			flow_of(i, &f);
			rc = client_pkt(buf, &f, TCP_FLAG_SYN, i);
		}
		for (uint64_t i = 0; i < o.flows && rc == 0; i++) {
			flow_of(i, &f);
			if (f.v->transport != LB_TRANSPORT_SRV6)
				continue;
			rc = sticky_pkt(buf, &f, (uint32_t)(flow_rand(i, 3) %
						 f.v->n_backends), i);
			stickies++;
		}
		for (uint64_t i = 0; i < o.flows && rc == 0; i++, data++) {
			flow_of(i, &f);
			rc = client_pkt(buf, &f, TCP_FLAG_ACK, i);
		}
	} else {
		for (uint64_t p = 0; p < o.packets && rc == 0; p++) {
			double u = rnd01();
			uint64_t i;

			if (u < o.syn_share) {
				/* A flow never seen: ids past the pinned
				 * set. */
				flow_of((uint64_t)o.flows + syns, &f);
				rc = client_pkt(buf, &f, TCP_FLAG_SYN, p);
				syns++;
				continue;
			}
			u = (u - o.syn_share) / (1.0 - o.syn_share + 1e-12);
			i = pick_flow();
			flow_of(i, &f);
			if (f.v->transport == LB_TRANSPORT_DSR &&
			    u < o.answer_share) {
				rc = answer_pkt(buf, &f, (uint32_t)(
					flow_rand(i, 3) % f.v->n_backends), p);
				answers++;
			} else if (f.v->transport == LB_TRANSPORT_SRV6 &&
				   u < o.sticky_share) {
				rc = sticky_pkt(buf, &f, (uint32_t)(
					flow_rand(i, 3) % f.v->n_backends), p);
				stickies++;
			} else {
				rc = client_pkt(buf, &f, TCP_FLAG_ACK |
						TCP_FLAG_PSH, p);
				data++;
			}
		}
	}
	pcap_dump_close(dumper);
	pcap_close(dead);
	free(zipf_cdf);
	lb_config_free(&cfg);
	if (rc != 0)
		return 1;
	printf("trace-gen: %s: %" PRIu64 " frames (%" PRIu64 " data, %" PRIu64
	       " SYN, %" PRIu64 " answers, %" PRIu64 " createStickiness), "
	       "%u flows, seed %" PRIu64 "\n", o.out, written, data, syns,
	       answers, stickies, o.flows, o.seed);
	return 0;
}
