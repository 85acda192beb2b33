/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-engine-replay: the appliance's engine (lib/lb) alone over a pcap,
 * without the EAL, a NIC driver or a clock: the deterministic half of the
 * performance figures (issue 19, docs/benchmarks.md "Instructions per
 * packet").
 *
 *   dsrlb-engine-replay --config INI --trace PCAP [--warmup PCAP]
 *       [--flow-capacity N] [--loops N] [--burst N] [--no-engine]
 *       [--workers 1|2] [--nic-csum]
 *
 * The configuration is loaded by the appliance's own loader; the state and
 * one worker are built as the appliance builds them. The warm-up capture
 * (dsrlb-trace-gen --kind warmup) pins every flow; then the traffic
 * capture is replayed --loops times in bursts of --burst frames, each
 * frame copied into a buffer with the headroom an mbuf has, as the
 * driver's RX does. Time is synthetic (100 ns per frame), so two runs of
 * the same captures execute the same instructions.
 *
 * The measured traffic goes through replay_measured_burst() alone, so
 * that Valgrind's cache simulator counts exactly the engine's work:
 * valgrind --tool=callgrind --cache-sim=yes
 * --toggle-collect=replay_measured_burst (callgrind runs cachegrind's
 * simulator throughout, with the warm-up's cache state, and collects only
 * inside that function; scripts/cachegrind-engine.sh). --no-engine skips
 * the engine on the measured traffic (the harness alone).
 *
 * --workers 2: two workers as the appliance runs them on two lcores,
 * each frame to the worker that RSS with the appliance's symmetric key
 * gives its own 5-tuple (the receive queue of a NIC, as
 * dsrlb-bench-replay --split-rss), the owner of a flow by the same hash
 * (lib/flow/toeplitz.c, src/dsrlb/main.c owner_rss()); what a worker
 * hands over (LB_ACT_HANDOFF) goes on its owner's ring, which the owner
 * takes as one burst after its port's, as main.c's worker_poll() does
 * (replay_measured_handoff(): --toggle-collect it too), then the notes
 * of server messages the other worker sent on for its flows
 * (replay_measured_notes(), likewise). Both workers' calls are
 * measured: the figure per packet includes the hand-offs and notes,
 * counted in measured_handoff and measured_notes (issue 19, "Two
 * workers").
 *
 * --nic-csum: every IPv4 frame arrives with the verdict on its header
 * checksum that a NIC with RTE_ETH_RX_OFFLOAD_IPV4_CKSUM gives
 * (pkt_buf.rx_flags), computed here outside the measured call: what the
 * engine costs behind such a NIC (net_pcap, the benchmarks' device,
 * gives none).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>

#include "../common/cli.h"
#include "dsrlb/ipv4opt.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/toeplitz.h"
#include "lb_config_load.h"

#define REPLAY_HEADROOM 128u   /* RTE_PKTMBUF_HEADROOM */
#define REPLAY_BUFSZ    2176u  /* an mbuf's default data room */
#define REPLAY_NS_PER_FRAME 100u

/* net_pcap0's MAC (DPDK 22.11 net_pcap without a MAC argument): the
 * address dsrlb-trace-gen writes as the destination of every frame. */
static const uint8_t replay_port_mac[6] = { 0x02, 0x70, 0x63, 0x61, 0x70,
					    0x00 };

struct frame {
	uint32_t len;
	uint8_t *data;
};

struct capture {
	uint32_t n;
	uint32_t cap;
	struct frame *f;
};

struct replay {
	struct lb_worker w;
	uint8_t (*buf)[REPLAY_BUFSZ];
	struct pkt_buf pb[LB_BURST_MAX];
	struct lb_out out[LB_BURST_MAX];
	uint64_t now_ns;
	uint64_t frames;
	uint64_t act[3];            /* enum lb_action */
};

/* --workers 2 */
#define REPLAY_WORKERS 2u
struct replay2 {
	struct replay *r[REPLAY_WORKERS];   /* r[0] holds the counters */
	uint32_t n[REPLAY_WORKERS];         /* frames in each burst */
	/* each worker's hand-off ring: frames given to it */
	uint8_t (*hbuf[REPLAY_WORKERS])[REPLAY_BUFSZ];
	struct pkt_buf hpb[REPLAY_WORKERS][LB_BURST_MAX];
	uint32_t hn[REPLAY_WORKERS];
	struct lb_out hout[LB_BURST_MAX];
	uint64_t handoffs;
	/* notes for each worker: server messages others sent on */
	struct lb_note note[REPLAY_WORKERS][LB_BURST_MAX];
	uint32_t nn[REPLAY_WORKERS];
	uint64_t notes;
};

/* The appliance's RSS key (src/dsrlb/main.c rss_key: 0x6d5a repeated,
 * symmetric) and RETA size: the owner of a flow as owner_rss(). */
static struct toeplitz replay_tz;

static uint16_t
replay_owner(void *arg, const struct flow_key *k)
{
	(void)arg;
	return (uint16_t)((toeplitz_flow_key(&replay_tz, k) & 63u) %
			  REPLAY_WORKERS);
}

/* The receive queue of a frame: its own 5-tuple's owner (queue 0 for
 * frames without ports), as dsrlb-bench-replay --split-rss. */
static uint16_t
replay_queue(const struct frame *f)
{
	struct pkt_meta m;
	struct flow_key k;

	if (pkt_parse(f->data, f->len, &m) != WIRE_OK ||
	    (m.l4_proto != IPPROTO_NUM_TCP && m.l4_proto != IPPROTO_NUM_UDP))
		return 0;
	if (m.family == 4)
		flow_key_ipv4(&k, m.src, m.dst, m.sport, m.dport, m.l4_proto);
	else
		flow_key_ipv6(&k, m.src, m.dst, m.sport, m.dport, m.l4_proto);
	return replay_owner(NULL, &k);
}

static int
capture_read(const char *path, struct capture *c)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p;
	int r;

	p = pcap_open_offline(path, err);
	if (p == NULL) {
		fprintf(stderr, "dsrlb-engine-replay: %s: %s\n", path, err);
		return -1;
	}
	while ((r = pcap_next_ex(p, &h, &d)) == 1) {
		if (h->caplen > REPLAY_BUFSZ - REPLAY_HEADROOM)
			continue;   /* no mbuf of the driver takes it either */
		if (c->n == c->cap) {
			uint32_t nc = c->cap ? 2 * c->cap : 4096;
			struct frame *nf = realloc(c->f, nc * sizeof(*nf));

			if (nf == NULL)
				goto nomem;
			c->f = nf;
			c->cap = nc;
		}
		c->f[c->n].len = h->caplen;
		c->f[c->n].data = malloc(h->caplen);
		if (c->f[c->n].data == NULL)
			goto nomem;
		memcpy(c->f[c->n].data, d, h->caplen);
		c->n++;
	}
	pcap_close(p);
	if (r != PCAP_ERROR_BREAK) {
		fprintf(stderr, "dsrlb-engine-replay: %s: read error\n", path);
		return -1;
	}
	return 0;
nomem:
	pcap_close(p);
	fprintf(stderr, "dsrlb-engine-replay: out of memory reading %s\n",
		path);
	return -1;
}

static void
capture_free(struct capture *c)
{
	for (uint32_t i = 0; i < c->n; i++)
		free(c->f[i].data);
	free(c->f);
}

/* Copy frames [i, i + n) of @p c into the burst buffers (the driver's
 * RX): not measured. */
static bool replay_nic_csum;   /* --nic-csum */

/* What a NIC checking IPv4 header checksums says of the frame in @p pb
 * (Ethernet II, no VLAN tag: the traces of dsrlb-trace-gen). */
static void
nic_csum(struct pkt_buf *pb)
{
	const uint8_t *f = pkt_buf_data(pb);
	uint32_t hl;

	if (!replay_nic_csum || pb->len < 34 || f[12] != 0x08 || f[13] != 0)
		return;
	hl = (uint32_t)(f[14] & 0x0f) * 4u;
	if (hl < 20 || pb->len < 14 + hl)
		return;
	pb->rx_flags = ipv4_hdr_csum_verify(f + 14, hl) == WIRE_OK ?
		PKT_RX_IP_CSUM_GOOD : PKT_RX_IP_CSUM_BAD;
}

static void
burst_fill(struct replay *r, const struct capture *c, uint32_t i, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct frame *f = &c->f[i + k];

		memcpy(r->buf[k] + REPLAY_HEADROOM, f->data, f->len);
		(void)pkt_buf_init(&r->pb[k], r->buf[k], REPLAY_BUFSZ,
				   REPLAY_HEADROOM, f->len);
		nic_csum(&r->pb[k]);
	}
}

static void
burst_account(struct replay *r, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++)
		if (r->out[k].action < 3)
			r->act[r->out[k].action]++;
	r->frames += n;
}

/* The measured call (callgrind's --toggle-collect names it). */
__attribute__((noinline)) void replay_measured_burst(struct replay *r,
						     uint32_t n);
__attribute__((noinline)) void
replay_measured_burst(struct replay *r, uint32_t n)
{
	lb_worker_burst(&r->w, r->pb, 0, n, r->now_ns, r->out);
}

/* The frames handed to a worker, as one burst from its ring (measured
 * like the port's bursts). */
__attribute__((noinline)) void replay_measured_handoff(struct replay *r,
						       struct pkt_buf *pb,
						       uint32_t n,
						       struct lb_out *out);
__attribute__((noinline)) void
replay_measured_handoff(struct replay *r, struct pkt_buf *pb, uint32_t n,
			struct lb_out *out)
{
	lb_worker_burst(&r->w, pb, 0, n, r->now_ns, out);
}

/* The notes of server messages other workers sent on, as a burst from
 * the worker's ring (measured like the port's bursts). */
__attribute__((noinline)) void replay_measured_notes(struct replay *r,
						     const struct lb_note *n,
						     uint32_t count);
__attribute__((noinline)) void
replay_measured_notes(struct replay *r, const struct lb_note *n,
		      uint32_t count)
{
	lb_worker_notes(&r->w, n, count, r->now_ns);
}

static void replay2_ring(struct replay2 *x, uint16_t q, bool measured);

/* Count the fate of @p n frames of worker @p w's burst; put what was
 * handed over on its owner's ring (a copy: the mbuf as the giver left
 * it), and the burst's notes for their owners. */
static void
replay2_sort(struct replay2 *x, const struct lb_worker *w,
	     const struct pkt_buf *pb, const struct lb_out *out, uint32_t n,
	     bool measured)
{
	for (uint32_t k = 0; k < w->n_notes; k++) {
		uint16_t o = w->note_owner[k];

		x->notes++;
		if (o >= REPLAY_WORKERS)
			continue;
		if (x->nn[o] == LB_BURST_MAX)
			replay2_ring(x, o, measured);
		x->note[o][x->nn[o]++] = w->note[k];
	}
	for (uint32_t k = 0; k < n; k++) {
		uint16_t o = out[k].owner;
		uint32_t h;

		if (out[k].action != LB_ACT_HANDOFF) {
			if (out[k].action < 3)
				x->r[0]->act[out[k].action]++;
			continue;
		}
		x->handoffs++;
		if (o >= REPLAY_WORKERS) {
			x->r[0]->act[LB_ACT_DROP]++;
			continue;
		}
		if (x->hn[o] == LB_BURST_MAX)
			replay2_ring(x, o, measured);
		h = x->hn[o]++;
		memcpy(x->hbuf[o][h] + pb[k].off, pkt_buf_data(&pb[k]),
		       pb[k].len);
		(void)pkt_buf_init(&x->hpb[o][h], x->hbuf[o][h], REPLAY_BUFSZ,
				   pb[k].off, pb[k].len);
	}
}

/* Worker @p q takes its ring (src/dsrlb/main.c worker_poll()). */
static void
replay2_ring(struct replay2 *x, uint16_t q, bool measured)
{
	struct replay *r = x->r[q];
	uint32_t n = x->hn[q], nn = x->nn[q];

	r->now_ns = x->r[0]->now_ns;
	if (n != 0) {
		x->hn[q] = 0;
		memset(x->hout, 0, n * sizeof(x->hout[0]));
		if (measured)
			replay_measured_handoff(r, x->hpb[q], n, x->hout);
		else
			lb_worker_burst(&r->w, x->hpb[q], 0, n, r->now_ns,
					x->hout);
		replay2_sort(x, &r->w, x->hpb[q], x->hout, n, measured);
	}
	/* then its notes, as worker_poll() takes them */
	if (nn != 0) {
		x->nn[q] = 0;
		if (measured)
			replay_measured_notes(r, x->note[q], nn);
		else
			lb_worker_notes(&r->w, x->note[q], nn, r->now_ns);
	}
}

/* Worker @p q's poll: its port's burst, then its ring. */
static void
replay2_flush(struct replay2 *x, uint16_t q, bool measured)
{
	struct replay *r = x->r[q];
	uint32_t n = x->n[q];

	if (n != 0) {
		x->n[q] = 0;
		r->now_ns = x->r[0]->now_ns;
		if (measured)
			replay_measured_burst(r, n);
		else
			lb_worker_burst(&r->w, r->pb, 0, n, r->now_ns,
					r->out);
		replay2_sort(x, &r->w, r->pb, r->out, n, measured);
	}
	replay2_ring(x, q, measured);
}

/* --workers 2: each frame to its receive queue's burst. */
static void
replay2_run(struct replay2 *x, const struct capture *c, uint32_t burst,
	    bool measured)
{
	for (uint32_t i = 0; i < c->n; i++) {
		const struct frame *f = &c->f[i];
		uint16_t q = replay_queue(f);
		struct replay *r = x->r[q];
		uint32_t k = x->n[q]++;

		memcpy(r->buf[k] + REPLAY_HEADROOM, f->data, f->len);
		(void)pkt_buf_init(&r->pb[k], r->buf[k], REPLAY_BUFSZ,
				   REPLAY_HEADROOM, f->len);
		nic_csum(&r->pb[k]);
		x->r[0]->now_ns += REPLAY_NS_PER_FRAME;
		x->r[0]->frames++;
		if (x->n[q] == burst)
			replay2_flush(x, q, measured);
	}
	for (unsigned int pass = 0; pass < 2; pass++)
		for (uint16_t q = 0; q < REPLAY_WORKERS; q++)
			replay2_flush(x, q, measured);
}

static void
replay_run(struct replay *r, const struct capture *c, uint32_t burst,
	   bool engine, bool measured)
{
	for (uint32_t i = 0; i < c->n; i += burst) {
		uint32_t n = c->n - i < burst ? c->n - i : burst;

		burst_fill(r, c, i, n);
		r->now_ns += (uint64_t)n * REPLAY_NS_PER_FRAME;
		if (engine && measured)
			replay_measured_burst(r, n);
		else if (engine)
			lb_worker_burst(&r->w, r->pb, 0, n, r->now_ns, r->out);
		else
			memset(r->out, 0, n * sizeof(r->out[0]));
		burst_account(r, n);
	}
}

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: dsrlb-engine-replay --config INI --trace PCAP "
		"[--warmup PCAP]\n"
		"           [--flow-capacity N] [--loops N] [--burst N] "
		"[--no-engine] [--workers 1|2]\n"
		"           [--nic-csum]\n");
}

int
main(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "trace", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "flow-capacity", required_argument, NULL, 'f' },
		{ "loops", required_argument, NULL, 'l' },
		{ "burst", required_argument, NULL, 'b' },
		{ "no-engine", no_argument, NULL, 'n' },
		{ "workers", required_argument, NULL, 'W' },
		{ "nic-csum", no_argument, NULL, 'N' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *trace = NULL, *warmup = NULL;
	uint64_t capacity = 0, loops = 1, burst = 32, workers = 1;
	struct replay2 x = { 0 };
	struct capture tr = { 0 }, wu = { 0 };
	uint8_t macs[LB_MAX_PORTS][6];
	struct lb_config cfg;
	struct lb_state *st = NULL;
	struct replay *r;
	uint64_t warm_frames;
	bool engine = true;
	char err[256];
	int o, rc = 1;

	while ((o = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (o) {
		case 'c': config = optarg; break;
		case 't': trace = optarg; break;
		case 'w': warmup = optarg; break;
		case 'f':
			if (cli_u64(optarg, &capacity) != 0 || capacity < 1 ||
			    capacity > UINT32_MAX) {
				fprintf(stderr, "dsrlb-engine-replay: "
					"--flow-capacity: 1..%u\n", UINT32_MAX);
				return 2;
			}
			break;
		case 'l':
			if (cli_u64(optarg, &loops) != 0 || loops < 1 ||
			    loops > 1000000) {
				fprintf(stderr, "dsrlb-engine-replay: "
					"--loops: 1..1000000\n");
				return 2;
			}
			break;
		case 'b':
			if (cli_u64(optarg, &burst) != 0 || burst < 1 ||
			    burst > LB_BURST_MAX) {
				fprintf(stderr, "dsrlb-engine-replay: "
					"--burst: 1..%u\n", LB_BURST_MAX);
				return 2;
			}
			break;
		case 'n': engine = false; break;
		case 'N': replay_nic_csum = true; break;
		case 'W':
			if (cli_u64(optarg, &workers) != 0 || workers < 1 ||
			    workers > REPLAY_WORKERS) {
				fprintf(stderr, "dsrlb-engine-replay: "
					"--workers: 1..%u\n", REPLAY_WORKERS);
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || trace == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (lb_config_load(config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "dsrlb-engine-replay: %s\n", err);
		return 1;
	}
	if (capacity != 0)
		cfg.flow_capacity = (uint32_t)capacity;
	for (unsigned int i = 0; i < LB_MAX_PORTS; i++)
		memcpy(macs[i], replay_port_mac, 6);
	r = calloc(1, sizeof(*r));
	if (r != NULL)
		r->buf = aligned_alloc(64, LB_BURST_MAX * REPLAY_BUFSZ);
	if (r == NULL || r->buf == NULL) {
		fprintf(stderr, "dsrlb-engine-replay: out of memory\n");
		goto out_cfg;
	}
	if (lb_state_build(&st, &cfg, (const uint8_t (*)[6])macs, err,
			   sizeof(err)) != 0) {
		fprintf(stderr, "dsrlb-engine-replay: %s\n", err);
		goto out_cfg;
	}
	if (lb_worker_init(&r->w, st, 0, (uint16_t)workers,
			   cfg.chash_seed) != 0) {
		fprintf(stderr, "dsrlb-engine-replay: worker: out of memory\n");
		goto out_state;
	}
	if (workers > 1) {
		static const uint8_t key[2] = { 0x6d, 0x5a };
		uint8_t k40[40];

		for (unsigned int i = 0; i < sizeof(k40); i++)
			k40[i] = key[i % 2];
		toeplitz_init(&replay_tz, k40);
		x.r[0] = r;
		x.r[1] = calloc(1, sizeof(*x.r[1]));
		x.hbuf[0] = aligned_alloc(64, LB_BURST_MAX * REPLAY_BUFSZ);
		x.hbuf[1] = aligned_alloc(64, LB_BURST_MAX * REPLAY_BUFSZ);
		if (x.r[1] == NULL || x.hbuf[0] == NULL || x.hbuf[1] == NULL ||
		    (x.r[1]->buf = aligned_alloc(64, LB_BURST_MAX *
						 REPLAY_BUFSZ)) == NULL ||
		    lb_worker_init(&x.r[1]->w, st, 1, (uint16_t)workers,
				   cfg.chash_seed) != 0) {
			fprintf(stderr, "dsrlb-engine-replay: worker: out of "
				"memory\n");
			goto out_worker;
		}
		for (unsigned int i = 0; i < REPLAY_WORKERS; i++) {
			x.r[i]->w.owner = replay_owner;
			x.r[i]->w.owner_arg = NULL;
		}
	}
	if (capture_read(trace, &tr) != 0 ||
	    (warmup != NULL && capture_read(warmup, &wu) != 0))
		goto out_worker;
	r->now_ns = 1000000000ull;
	if (workers > 1)
		replay2_run(&x, &wu, (uint32_t)burst, false);
	else
		replay_run(r, &wu, (uint32_t)burst, true, false);
	warm_frames = r->frames;
	memset(r->act, 0, sizeof(r->act));
	r->frames = 0;
	x.handoffs = 0;
	x.notes = 0;
	for (uint64_t l = 0; l < loops; l++)
		if (workers > 1)
			replay2_run(&x, &tr, (uint32_t)burst, engine);
		else
			replay_run(r, &tr, (uint32_t)burst, engine, true);
	printf("warmup_frames=%" PRIu64 "\n", warm_frames);
	printf("flows_live=%" PRIu32 "\n", flow_table_count(&r->w.ft));
	printf("measured_frames=%" PRIu64 "\n", r->frames);
	printf("measured_tx=%" PRIu64 "\n", r->act[LB_ACT_TX]);
	printf("measured_drop=%" PRIu64 "\n", r->act[LB_ACT_DROP]);
	printf("measured_handoff=%" PRIu64 "\n",
	       workers > 1 ? x.handoffs : r->act[LB_ACT_HANDOFF]);
	printf("measured_notes=%" PRIu64 "\n", x.notes);
	for (unsigned int k = 0; k < LB_CNT_MAX; k++) {
		uint64_t v = r->w.cnt[k];

		if (workers > 1)
			v += x.r[1]->w.cnt[k];
		if (v != 0)
			printf("counter.%s=%" PRIu64 "\n", lb_counter_name(k),
			       v);
	}
	rc = 0;
out_worker:
	capture_free(&tr);
	capture_free(&wu);
	if (x.r[1] != NULL) {
		if (x.r[1]->w.st != NULL)
			lb_worker_fini(&x.r[1]->w);
		free(x.r[1]->buf);
		free(x.r[1]);
	}
	free(x.hbuf[0]);
	free(x.hbuf[1]);
	lb_worker_fini(&r->w);
out_state:
	lb_state_free(st);
out_cfg:
	if (r != NULL)
		free(r->buf);
	free(r);
	lb_config_free(&cfg);
	return rc;
}
