/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-engine-replay: the appliance's engine (lib/lb) alone over a pcap,
 * without the EAL, a NIC driver or a clock: the deterministic half of the
 * performance figures (issue 19, docs/benchmarks.md "Instructions per
 * packet").
 *
 *   dsrlb-engine-replay --config INI --trace PCAP [--warmup PCAP]
 *       [--flow-capacity N] [--loops N] [--burst N] [--no-engine]
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
#include "dsrlb/lb_engine.h"
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
static void
burst_fill(struct replay *r, const struct capture *c, uint32_t i, uint32_t n)
{
	for (uint32_t k = 0; k < n; k++) {
		const struct frame *f = &c->f[i + k];

		memcpy(r->buf[k] + REPLAY_HEADROOM, f->data, f->len);
		(void)pkt_buf_init(&r->pb[k], r->buf[k], REPLAY_BUFSZ,
				   REPLAY_HEADROOM, f->len);
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
		"[--no-engine]\n");
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *trace = NULL, *warmup = NULL;
	uint64_t capacity = 0, loops = 1, burst = 32;
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
	if (lb_worker_init(&r->w, st, 0, 1, cfg.chash_seed) != 0) {
		fprintf(stderr, "dsrlb-engine-replay: worker: out of memory\n");
		goto out_state;
	}
	if (capture_read(trace, &tr) != 0 ||
	    (warmup != NULL && capture_read(warmup, &wu) != 0))
		goto out_worker;
	r->now_ns = 1000000000ull;
	replay_run(r, &wu, (uint32_t)burst, true, false);
	warm_frames = r->frames;
	memset(r->act, 0, sizeof(r->act));
	r->frames = 0;
	for (uint64_t l = 0; l < loops; l++)
		replay_run(r, &tr, (uint32_t)burst, engine, true);
	printf("warmup_frames=%" PRIu64 "\n", warm_frames);
	printf("flows_live=%" PRIu32 "\n", flow_table_count(&r->w.ft));
	printf("measured_frames=%" PRIu64 "\n", r->frames);
	printf("measured_tx=%" PRIu64 "\n", r->act[LB_ACT_TX]);
	printf("measured_drop=%" PRIu64 "\n", r->act[LB_ACT_DROP]);
	printf("measured_handoff=%" PRIu64 "\n", r->act[LB_ACT_HANDOFF]);
	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		if (r->w.cnt[k] != 0)
			printf("counter.%s=%" PRIu64 "\n", lb_counter_name(k),
			       r->w.cnt[k]);
	rc = 0;
out_worker:
	capture_free(&tr);
	capture_free(&wu);
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
