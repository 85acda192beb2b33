/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-bench-replay: the appliance's own lcore pipeline on a replayed
 * pcap, and dpdk-testpmd on the same device in the same run
 * (docs/benchmarks.md, issue 8).
 *
 *   dsrlb-bench-replay [EAL options] -- --config INI --trace PCAP
 *       [--warmup PCAP] [--flow-capacity N] [--duration S] [--case NAME]
 *       [--result FILE] [--one-by-one] [--timeout-new-ms MS]
 *       [--testpmd "CMD PREFIX"] [--target-cpp N]
 *   dsrlb-bench-replay --micro-flow-table N [--duration S] [--result FILE]
 *
 * The EAL options name the device of the configuration's port, normally
 * --vdev net_pcap0,rx_pcap=PCAP,infinite_rx=1: the pcap driver loops over
 * the capture and drops what is sent back (no tx_pcap).
 *
 * No packet logic is written here: src/dsrlb/main.c is compiled into this
 * program (its main() renamed), so the loop measured is the appliance's
 * worker_poll() -> process() -> lb_worker_burst() -> TX, with its ports,
 * mempool, clock and counters. What this file adds: a mempool large
 * enough for the capture the pcap driver holds, the warm-up that fills
 * the flow table through lb_worker_burst(), the timed loop on one lcore,
 * testpmd as a subprocess (io and macswap forwarding, before the EAL of
 * this process starts so that both use the same memory), and the report.
 *
 * --one-by-one makes process() call lb_worker_burst() once per packet
 * (the path of --clock pcap), which takes away the burst's bulk flow
 * lookup and its prefetches: the ablation of docs/benchmarks.md.
 * --micro-flow-table N times flow_table_lookup() against
 * flow_table_lookup_bulk() on a table of N random flows (no EAL).
 *
 * Several workers (issue 19): --split-rss N --split-out PREFIX (no EAL)
 * writes the trace as N captures PREFIX-0.pcap ... by the queue a NIC's
 * RSS with the appliance's key would give each frame (its own 5-tuple:
 * a client packet reaches the lcore owning its flow, a server message
 * most often another one, which hands it over through its ring); then
 * --workers N with one rx_pcap per queue (net_pcap0,rx_pcap=PREFIX-0.pcap,
 * rx_pcap=PREFIX-1.pcap,infinite_rx=1) and N + 1 lcores... or N lcores:
 * worker 0 runs on the main lcore, the others on the next ones. Every
 * worker is warmed with the whole warm-up capture (each keeps its own
 * flows); the rate is the device's RX count over the run.
 */
#define main dsrlb_appliance_main
int dsrlb_appliance_main(int argc, char **argv);
#include "../dsrlb/main.c"
#undef main

#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>

#include <pcap/pcap.h>

#include "dsrlb/bytes.h"
#include "dsrlb/flow_hash.h"

#define WARM_BURST   32u
#define WARM_BUFSZ   2048u
#define WARM_HEAD    RTE_PKTMBUF_HEADROOM
#define TP_MAX_SAMPLES 64

struct bench_opts {
	const char *config;
	const char *trace;
	const char *warmup;
	const char *result;
	const char *case_name;
	const char *testpmd;        /* command prefix: program + EAL args */
	uint32_t flow_capacity;     /* 0: the configuration's */
	double duration;
	bool one_by_one;
	int64_t timeout_new_ms;     /* < 0: the configuration's */
	uint32_t micro;             /* --micro-flow-table N */
	double target_cpp;
	uint16_t workers;           /* --workers N (1) */
	uint16_t split;             /* --split-rss N */
	const char *split_out;      /* --split-out PREFIX */
};

static struct bench_opts bo = {
	.duration = 2.0, .case_name = "case", .timeout_new_ms = -1,
	.workers = 1,
};

struct tp_result {
	const char *mode;
	double mpps;                /* mean of the full seconds */
	double best;                /* best full second */
	unsigned int samples;
	bool ok;
};

static void
bench_usage(void)
{
	printf("usage: dsrlb-bench-replay [EAL options] -- --config INI "
	       "--trace PCAP [options]\n"
	       "  --config INI          the appliance's configuration\n"
	       "  --trace PCAP          the capture the EAL's net_pcap device "
	       "replays (for the pool size)\n"
	       "  --warmup PCAP         fed through lb_worker_burst() first "
	       "(fills the flow table)\n"
	       "  --flow-capacity N     flow table per lcore (default: the "
	       "INI's)\n"
	       "  --duration S          seconds measured (2)\n"
	       "  --case NAME           name in the report\n"
	       "  --result FILE         key=value results\n"
	       "  --one-by-one          one lb_worker_burst() per packet "
	       "(no bulk lookup)\n"
	       "  --timeout-new-ms MS   SYN-only flow timeout (churn cases)\n"
	       "  --testpmd \"CMD\"       dpdk-testpmd and its EAL options "
	       "(same device); run in io and macswap mode first\n"
	       "  --target-cpp N        print the cycles-per-packet target\n"
	       "  --workers N           N workers, one rx queue each (1)\n"
	       "usage: dsrlb-bench-replay --split-rss N --split-out PREFIX "
	       "--trace PCAP\n"
	       "  write PREFIX-q.pcap: the frames RSS would give queue q\n"
	       "usage: dsrlb-bench-replay --micro-flow-table N [--duration S]"
	       " [--result FILE]\n");
}

static int
bench_parse(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "trace", required_argument, NULL, 't' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "result", required_argument, NULL, 'r' },
		{ "case", required_argument, NULL, 'n' },
		{ "testpmd", required_argument, NULL, 'p' },
		{ "flow-capacity", required_argument, NULL, 'f' },
		{ "duration", required_argument, NULL, 'd' },
		{ "one-by-one", no_argument, NULL, '1' },
		{ "timeout-new-ms", required_argument, NULL, 'T' },
		{ "micro-flow-table", required_argument, NULL, 'M' },
		{ "target-cpp", required_argument, NULL, 'C' },
		{ "workers", required_argument, NULL, 'W' },
		{ "split-rss", required_argument, NULL, 'S' },
		{ "split-out", required_argument, NULL, 'O' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c': bo.config = optarg; break;
		case 't': bo.trace = optarg; break;
		case 'w': bo.warmup = optarg; break;
		case 'r': bo.result = optarg; break;
		case 'n': bo.case_name = optarg; break;
		case 'p': bo.testpmd = optarg; break;
		case 'f':
			bo.flow_capacity = (uint32_t)strtoul(optarg, NULL, 10);
			break;
		case 'd': bo.duration = strtod(optarg, NULL); break;
		case '1': bo.one_by_one = true; break;
		case 'T': bo.timeout_new_ms = strtoll(optarg, NULL, 10); break;
		case 'M': bo.micro = (uint32_t)strtoul(optarg, NULL, 10); break;
		case 'C': bo.target_cpp = strtod(optarg, NULL); break;
		case 'W':
			bo.workers = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			bo.split = (uint16_t)strtoul(optarg, NULL, 10);
			break;
		case 'O': bo.split_out = optarg; break;
		case 'h': bench_usage(); exit(0);
		default: bench_usage(); return -1;
		}
	}
	if (bo.duration <= 0 || bo.duration > 600)
		return -1;
	if (bo.workers < 1 || bo.workers > 16 || bo.split > 16 ||
	    (bo.split != 0 && (bo.split_out == NULL || bo.trace == NULL))) {
		fprintf(stderr, "bench: --workers 1..16, --split-rss 1..16 "
			"with --split-out and --trace\n");
		return -1;
	}
	if (bo.split != 0)
		return 0;
	if (bo.micro == 0 && (bo.config == NULL || bo.trace == NULL)) {
		fprintf(stderr, "bench: --config and --trace are required\n");
		return -1;
	}
	return 0;
}

/* ---- time without the EAL ---------------------------------------------- */

static double
mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* TSC frequency measured against CLOCK_MONOTONIC (before the EAL). */
static double
tsc_hz_measure(void)
{
	double t0 = mono_s(), t1;
	uint64_t c0 = rte_rdtsc(), c1;

	do
		t1 = mono_s();
	while (t1 - t0 < 0.05);
	c1 = rte_rdtsc();
	return (double)(c1 - c0) / (t1 - t0);
}

/* ---- the result file ---------------------------------------------------- */

static FILE *res;

static void
kv_s(const char *k, const char *v)
{
	if (res != NULL)
		fprintf(res, "%s=%s\n", k, v);
}

static void
kv_f(const char *k, double v)
{
	if (res != NULL)
		fprintf(res, "%s=%.4f\n", k, v);
}

static void
kv_u(const char *k, uint64_t v)
{
	if (res != NULL)
		fprintf(res, "%s=%" PRIu64 "\n", k, v);
}

/* ---- flow-table micro-benchmark (ablation) ------------------------------- */

static int
micro_flow_table(uint32_t n)
{
	struct flow_table_config fc = { .capacity = n };
	struct flow_table t;
	const uint32_t q = 1u << 20;      /* lookups per pass */
	struct flow_key *keys;
	uint32_t *hash, *idx, slots[32];
	uint64_t now = 1000000000ull, hits[2] = { 0, 0 };
	double hz = tsc_hz_measure(), best[2] = { 1e30, 1e30 };
	double deadline;
	int rc;

	keys = malloc(sizeof(*keys) * n);
	hash = malloc(sizeof(*hash) * n);
	idx = malloc(sizeof(*idx) * q);
	if (keys == NULL || hash == NULL || idx == NULL)
		return 1;
	rc = flow_table_init(&t, &fc, NULL, 0);
	if (rc != 0) {
		fprintf(stderr, "bench: flow_table_init: %s\n", strerror(-rc));
		return 1;
	}
	for (uint32_t i = 0; i < n; i++) {
		uint8_t s[4], d[4] = { 10, 0, 0, 101 };
		struct flow_value v = { .backend = (uint16_t)(i & 3),
					.state = FLOW_STATE_ESTABLISHED };

		store_be32(s, 0xc6120000u + (i & 0x1ffffu));
		flow_key_ipv4(&keys[i], s, d, (uint16_t)(1024 + (i >> 17)), 80,
			      IPPROTO_NUM_TCP);
		hash[i] = (uint32_t)flow_hash_ipv4(0x5eed, s, d, keys[i].sport,
						   80, IPPROTO_NUM_TCP);
		(void)flow_table_insert(&t, &keys[i], hash[i], &v, now, NULL);
	}
	for (uint32_t i = 0, x = 0x12345678u; i < q; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		idx[i] = x % n;
	}
	/* Alternate the two ways until the time is up; keep the best pass
	 * of each (the machine is shared). */
	deadline = mono_s() + bo.duration;
	do {
		for (int way = 0; way < 2; way++) {
			uint64_t c0 = rte_rdtsc(), h = 0;

			for (uint32_t i = 0; i < q; i += 32) {
				struct flow_key kb[32];
				uint32_t hb[32];

				for (uint32_t k = 0; k < 32; k++) {
					kb[k] = keys[idx[i + k]];
					hb[k] = hash[idx[i + k]];
				}
				if (way == 0) {
					for (uint32_t k = 0; k < 32; k++)
						h += flow_table_lookup(&t,
							&kb[k], hb[k], now) !=
						     FLOW_TABLE_MISS;
				} else {
					h += flow_table_lookup_bulk(&t, kb, hb,
								    32, now,
								    slots);
				}
			}
			hits[way] = h;
			best[way] = fmin(best[way],
					 (double)(rte_rdtsc() - c0) / q);
		}
	} while (mono_s() < deadline);
	printf("flow table of %u flows (%zu bytes, %.1f bytes/flow): "
	       "lookup one by one %.1f cycles, bulk of 32 with prefetch "
	       "%.1f cycles (%.2fx), hits %" PRIu64 "/%" PRIu64 " of %u\n",
	       n, flow_table_mem_size(&fc),
	       (double)flow_table_mem_size(&fc) / n, best[0], best[1],
	       best[0] / best[1], hits[0], hits[1], q);
	kv_u("micro_flows", n);
	kv_f("micro_tsc_hz", hz);
	kv_f("micro_lookup_single_cycles", best[0]);
	kv_f("micro_lookup_bulk_cycles", best[1]);
	kv_f("micro_bulk_gain", best[0] / best[1]);
	kv_f("flow_table_bytes_per_flow",
	     (double)flow_table_mem_size(&fc) / n);
	flow_table_fini(&t);
	free(keys);
	free(hash);
	free(idx);
	return 0;
}

/* ---- dpdk-testpmd ----------------------------------------------------------- */

static volatile pid_t tp_child;

static int
testpmd_run(const char *mode, uint64_t n_mbufs, struct tp_result *r)
{
	char cmd[4096], line[1024];
	double samples[TP_MAX_SAMPLES], deadline, sum = 0;
	unsigned int ns = 0, want = (unsigned int)ceil(bo.duration) + 1;
	int pfd[2], status;
	FILE *f;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	r->mode = mode;
	if (want > TP_MAX_SAMPLES)
		want = TP_MAX_SAMPLES;
	/* stdbuf: testpmd's statistics come line by line through the
	 * pipe. */
	snprintf(cmd, sizeof(cmd),
		 "exec stdbuf -oL %s -- --forward-mode=%s --port-topology=loop"
		 " --nb-cores=1 --rxq=1 --txq=1 --burst=%u --rxd=%u --txd=%u"
		 " --mbcache=%u --total-num-mbufs=%" PRIu64
		 " --stats-period 1 </dev/null 2>&1",
		 bo.testpmd, mode, BURST, RX_DESC, TX_DESC, MBUF_CACHE,
		 n_mbufs);
	if (pipe(pfd) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(pfd[1], 1);
		close(pfd[0]);
		close(pfd[1]);
		setpgid(0, 0);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	tp_child = pid;
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	deadline = mono_s() + 30 + bo.duration;
	fprintf(stderr, "[%s] testpmd %s: starting\n", bo.case_name, mode);
	while (mono_s() < deadline) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		const char *s;

		if (poll(&p, 1, 500) <= 0)
			continue;
		if (fgets(line, sizeof(line), f) == NULL)
			break;
		s = strstr(line, "Rx-pps:");
		if (s == NULL)
			continue;
		{
			double pps = strtod(s + 7, NULL);

			if (pps <= 0 && ns == 0)
				continue;
			fprintf(stderr, "\r[%s] testpmd %-7s %2u s: %7.3f Mpps",
				bo.case_name, mode, ns, pps / 1e6);
			samples[ns++] = pps;
			if (ns >= want)
				break;
		}
	}
	fprintf(stderr, "\n");
	kill(pid, SIGINT);
	{
		/* Drain the output so that testpmd can exit. */
		double t_end = mono_s() + 10;

		while (mono_s() < t_end && fgets(line, sizeof(line), f) != NULL)
			;
	}
	fclose(f);
	if (waitpid(pid, &status, WNOHANG) == 0) {
		sleep(1);
		if (waitpid(pid, &status, WNOHANG) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
		}
	}
	tp_child = 0;
	/* The first sample covers the start: the full seconds after it. */
	for (unsigned int i = 1; i < ns; i++) {
		sum += samples[i];
		if (samples[i] / 1e6 > r->best)
			r->best = samples[i] / 1e6;
	}
	r->samples = ns > 1 ? ns - 1 : 0;
	r->mpps = r->samples ? sum / r->samples / 1e6 : 0;
	r->ok = r->samples > 0;
	if (!r->ok)
		fprintf(stderr, "[%s] testpmd %s: no rate (command: %s)\n",
			bo.case_name, mode, cmd);
	return r->ok ? 0 : -1;
}

/* ---- traces ------------------------------------------------------------------ */

static int64_t
pcap_count(const char *path)
{
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	int64_t n = 0;
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, err);
		return -1;
	}
	while (pcap_next_ex(p, &h, &d) == 1)
		n++;
	pcap_close(p);
	return n;
}

/* Feed @p path through the engine of worker @p c, in bursts, as if it
 * arrived on port 0. @return frames fed, or -1. */
static int64_t
warmup(struct worker_ctx *c, const char *path)
{
	static uint8_t bufs[WARM_BURST][WARM_BUFSZ] __rte_cache_aligned;
	char err[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct pkt_buf pb[WARM_BURST];
	struct lb_out out[WARM_BURST];
	uint32_t n = 0;
	int64_t total = 0;
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, err);
		return -1;
	}
	for (;;) {
		int more = pcap_next_ex(p, &h, &d) == 1;

		if (more && h->caplen <= WARM_BUFSZ - WARM_HEAD) {
			memcpy(bufs[n] + WARM_HEAD, d, h->caplen);
			(void)pkt_buf_init(&pb[n], bufs[n], WARM_BUFSZ,
					   WARM_HEAD, h->caplen);
			n++;
		}
		if (n == WARM_BURST || (!more && n > 0)) {
			lb_worker_burst(&c->w, pb, 0, n, clock_tsc_ns(), out);
			total += n;
			n = 0;
		}
		if (!more)
			break;
	}
	pcap_close(p);
	return total;
}

/* ---- several workers (issue 19) --------------------------------------------- */

/* --split-rss: each frame of the trace to the capture of the queue that
 * RSS with the appliance's symmetric key gives its own 5-tuple (what
 * owner_rss() computes for a flow key; frames without one: queue 0). */
static int
split_rss(const char *path, uint16_t nq, const char *prefix)
{
	char err[PCAP_ERRBUF_SIZE], name[4096];
	pcap_dumper_t *dump[16];
	uint64_t count[16] = { 0 };
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, err);

	if (p == NULL) {
		fprintf(stderr, "bench: %s: %s\n", path, err);
		return 1;
	}
	n_workers = nq;
	rss_owner_init();
	for (uint16_t q = 0; q < nq; q++) {
		snprintf(name, sizeof(name), "%s-%u.pcap", prefix, q);
		dump[q] = pcap_dump_open(p, name);
		if (dump[q] == NULL) {
			fprintf(stderr, "bench: %s: %s\n", name,
				pcap_geterr(p));
			return 1;
		}
	}
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct pkt_meta m;
		struct flow_key k;
		uint16_t q = 0;

		if (pkt_parse(d, h->caplen, &m) == WIRE_OK &&
		    (m.l4_proto == IPPROTO_NUM_TCP ||
		     m.l4_proto == IPPROTO_NUM_UDP)) {
			if (m.family == 4)
				flow_key_ipv4(&k, m.src, m.dst, m.sport,
					      m.dport, m.l4_proto);
			else
				flow_key_ipv6(&k, m.src, m.dst, m.sport,
					      m.dport, m.l4_proto);
			q = owner_rss(NULL, &k);
		}
		pcap_dump((u_char *)dump[q], h, d);
		count[q]++;
	}
	for (uint16_t q = 0; q < nq; q++) {
		pcap_dump_close(dump[q]);
		printf("%s-%u.pcap: %" PRIu64 " frames\n", prefix, q,
		       count[q]);
	}
	pcap_close(p);
	return 0;
}

static _Atomic bool bench_stop;
static double bench_cpu_s[16];   /* CPU time each worker's thread got */

/* CPU time of the calling thread: on a shared machine an lcore does not
 * get its core all the time, and this says how much it got. */
static double
thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The loop of a worker lcore other than the measuring one: the
 * appliance's worker_poll() until told to stop. */
static int
bench_worker_main(void *arg)
{
	struct worker_ctx *ctx = arg;
	double c0 = thread_cpu_s();

	while (!atomic_load_explicit(&bench_stop, memory_order_relaxed))
		(void)worker_poll(ctx);
	bench_cpu_s[ctx->index] = thread_cpu_s() - c0;
	return 0;
}

/* Frames the device has given all queues so far. */
static uint64_t
dev_rx(void)
{
	struct rte_eth_stats es;
	uint64_t n = 0;

	for (uint32_t p = 0; p < cfg.n_ports; p++)
		if (rte_eth_stats_get(port_id[p], &es) == 0)
			n += es.ipackets;
	return n;
}

/* --workers N > 1: worker 0 here, the others on the next lcores; the
 * rate is what the device delivered (a handed-over frame counts once).
 * Prints and records the figures. */
static void
measure_workers(uint64_t hz)
{
	uint64_t rx0, rx1, t0, t1, last, win0, drops = 0, handoff = 0;
	uint64_t notes = 0, counted = 0, tx_client = 0;
	uint64_t ring_full = 0;
	uint64_t c0[16][LB_CNT_MAX], rxq0[16], rxq[16];
	double best = 0, secs, mpps, cpu0, cpu = 0;
	unsigned int lcore, i = 1;
	struct rte_eth_stats es;

	for (uint16_t k = 0; k < n_workers; k++)
		memcpy(c0[k], wk[k]->w.cnt, sizeof(c0[k]));
	memset(rxq0, 0, sizeof(rxq0));
	if (rte_eth_stats_get(port_id[0], &es) == 0)
		for (uint16_t k = 0; k < n_workers && k < 16; k++)
			rxq0[k] = es.q_ipackets[k];
	atomic_store(&bench_stop, false);
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i >= n_workers)
			break;
		wk[i]->lcore = lcore;
		if (rte_eal_remote_launch(bench_worker_main, wk[i], lcore) != 0)
			rte_exit(EXIT_FAILURE, "bench: lcore %u busy\n", lcore);
		i++;
	}
	if (i < n_workers)
		rte_exit(EXIT_FAILURE, "bench: %u workers need %u lcores "
			 "(-l)\n", n_workers, n_workers);
	rx0 = dev_rx();
	t0 = rte_rdtsc();
	cpu0 = thread_cpu_s();
	last = t0;
	win0 = rx0;
	for (;;) {
		uint64_t now_c;

		(void)worker_poll(wk[0]);
		now_c = rte_rdtsc();
		if (now_c - t0 >= (uint64_t)(bo.duration * (double)hz))
			break;
		if (now_c - last >= hz / 4) {
			uint64_t r = dev_rx();
			double wm = (double)(r - win0) /
				    ((double)(now_c - last) / (double)hz) / 1e6;

			if (wm > best)
				best = wm;
			fprintf(stderr, "\r[%s] %u workers %5.2f s: %8.3f Mpps",
				bo.case_name, n_workers,
				(double)(now_c - t0) / (double)hz,
				(double)(r - rx0) / ((double)(now_c - t0) /
						     (double)hz) / 1e6);
			last = now_c;
			win0 = r;
		}
		if (quit)
			break;
	}
	rx1 = dev_rx();
	t1 = rte_rdtsc();
	bench_cpu_s[0] = thread_cpu_s() - cpu0;
	atomic_store(&bench_stop, true);
	rte_eal_mp_wait_lcore();
	fprintf(stderr, "\n");
	secs = (double)(t1 - t0) / (double)hz;
	mpps = (double)(rx1 - rx0) / secs / 1e6;
	if (best < mpps)
		best = mpps;
	memset(rxq, 0, sizeof(rxq));
	if (rte_eth_stats_get(port_id[0], &es) == 0)
		for (uint16_t k = 0; k < n_workers && k < 16; k++)
			rxq[k] = es.q_ipackets[k] - rxq0[k];
	printf("\n%-24s %9s %9s %10s %10s %10s %10s %10s\n", bo.case_name,
	       "Mpps", "(mean)", "rx frames", "handoffs", "notes",
	       "ring full", "drops");
	for (uint16_t k = 0; k < n_workers; k++) {
		uint64_t d = 0;

		for (unsigned int c = 0; c < LB_CNT_MAX; c++)
			if (strncmp(lb_counter_name(c), "drop_", 5) == 0)
				d += wk[k]->w.cnt[c] - c0[k][c];
		d += wk[k]->tx_full + wk[k]->handoff_full + wk[k]->chained;
		drops += d;
		handoff += wk[k]->w.cnt[LB_CNT_handoff] -
			   c0[k][LB_CNT_handoff];
		notes += wk[k]->w.cnt[LB_CNT_msg_noted] -
			 c0[k][LB_CNT_msg_noted];
		/* every answer ends in one of these where its flow is,
		 * from its frame or from its note */
		static const unsigned int ends[] = {
			LB_CNT_answer_accepted, LB_CNT_answer_unsolicited,
			LB_CNT_answer_bad_nonce, LB_CNT_recover_pinned,
			LB_CNT_recover_pin_bad };

		for (unsigned int e = 0; e < RTE_DIM(ends); e++)
			counted += wk[k]->w.cnt[ends[e]] - c0[k][ends[e]];
		tx_client += wk[k]->w.cnt[LB_CNT_tx_client] -
			     c0[k][LB_CNT_tx_client];
		ring_full += wk[k]->handoff_full + wk[k]->notes_full;
		printf("worker %u (lcore %u)%*s %9s %9s %10" PRIu64
		       " %10" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10" PRIu64
		       "\n", k, wk[k]->lcore, k < 10 ? 5 : 4, "", "", "",
		       rxq[k],
		       wk[k]->w.cnt[LB_CNT_handoff] - c0[k][LB_CNT_handoff],
		       wk[k]->w.cnt[LB_CNT_msg_noted] -
		       c0[k][LB_CNT_msg_noted],
		       wk[k]->handoff_full + wk[k]->notes_full, d);
	}
	printf("%-24s %9.3f %9.3f %10" PRIu64 " %10" PRIu64 " %10" PRIu64
	       " %10" PRIu64 " %10" PRIu64 "\n", "all workers", best, mpps,
	       rx1 - rx0, handoff, notes, ring_full, drops);
	kv_u("workers_handoff_ring_full", ring_full);
	for (uint16_t k = 0; k < n_workers; k++)
		cpu += bench_cpu_s[k];
	/* What the lcores got of their cores, and the rate per second of
	 * CPU they got: the scaling without the other jobs' share. */
	printf("CPU time of the workers' threads: %.2f s in %.2f s (%.0f%% of "
	       "%u cores); %.3f Mpps per CPU second\n", cpu, secs,
	       100.0 * cpu / (secs * n_workers), n_workers,
	       (double)(rx1 - rx0) / cpu / 1e6);
	kv_f("workers_cpu_s", cpu);
	kv_f("workers_mpps_per_cpu_s", (double)(rx1 - rx0) / cpu / 1e6);
	kv_u("lcores", n_workers);
	kv_f("duration_s", secs);
	kv_u("workers_rx", rx1 - rx0);
	kv_f("workers_mpps", mpps);
	kv_f("workers_mpps_best", best);
	kv_u("workers_handoffs", handoff);
	kv_u("workers_notes", notes);
	kv_u("workers_tx_client", tx_client);
	kv_u("workers_answers_counted", counted);
	kv_u("workers_drops", drops);
	for (uint16_t k = 0; k < n_workers; k++) {
		char key[64];

		snprintf(key, sizeof(key), "worker%u_rx", k);
		kv_u(key, rxq[k]);
	}
}

/* ---- report -------------------------------------------------------------------- */

static uint64_t
sum_drops(const uint64_t *cnt)
{
	uint64_t d = 0;

	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		if (strncmp(lb_counter_name(k), "drop_", 5) == 0)
			d += cnt[k];
	return d;
}

int
main(int argc, char **argv)
{
	uint8_t macs[LB_MAX_PORTS][6];
	struct tp_result tp[2];
	char err[256];
	char **bargv;
	int dd = -1, bargc, ret;
	int64_t trace_pkts, warm_n = 0;
	uint64_t n_mbufs, cnt0[LB_CNT_MAX], cnt1[LB_CNT_MAX];
	uint64_t tx_full0, t0, t1, hz, rx, drops, last_print, build_cyc;
	uint64_t win_rx0;
	double secs, mpps, cpp, warm_s = 0, best_mpps = 0, best_cpp, cpu1;
	struct worker_ctx *c;
	struct flow_table_config fc;
	size_t ft_bytes;
	uint32_t flows_live;
	int socket;
	static unsigned int bw_lcore[MAX_WORKERS];

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	/* Options after "--", parsed on a copy before the EAL starts
	 * (testpmd runs first). Without "--": --micro-flow-table or
	 * --help. */
	bargc = dd >= 0 ? argc - dd : argc;
	bargv = calloc((size_t)bargc + 1, sizeof(char *));
	if (bargv == NULL)
		return 1;
	bargv[0] = argv[0];
	for (int i = 1; i < bargc; i++)
		bargv[i] = argv[(dd >= 0 ? dd : 0) + i];
	if (bench_parse(bargc, bargv) != 0)
		return 2;
	if (bo.result != NULL) {
		res = fopen(bo.result, "w");
		if (res == NULL) {
			fprintf(stderr, "bench: %s: %s\n", bo.result,
				strerror(errno));
			return 1;
		}
	}
	kv_s("case", bo.case_name);
	if (bo.micro) {
		ret = micro_flow_table(bo.micro);
		if (res != NULL)
			fclose(res);
		return ret;
	}
	if (bo.split) {
		ret = split_rss(bo.trace, bo.split, bo.split_out);
		if (res != NULL)
			fclose(res);
		return ret;
	}
	if (dd < 0) {
		bench_usage();
		return 2;
	}
	trace_pkts = pcap_count(bo.trace);
	if (trace_pkts <= 0)
		return 1;
	/* The pcap driver keeps the whole capture in mbufs of the queue's
	 * pool and copies each into a fresh one: capture + the appliance's
	 * own budget. */
	n_mbufs = (uint64_t)trace_pkts + 2 * bo.workers * (RX_DESC + TX_DESC) +
		  bo.workers * (HANDOFF_RING + MBUF_CACHE + 4 * BURST) + 1024;

	/* 1. dpdk-testpmd, io and macswap, on the same device. */
	if (bo.testpmd != NULL) {
		(void)testpmd_run("io", n_mbufs, &tp[0]);
		(void)testpmd_run("macswap", n_mbufs, &tp[1]);
	} else {
		memset(tp, 0, sizeof(tp));
	}

	/* 2. The appliance: EAL, configuration, port, state, worker. */
	ret = rte_eal_init(dd, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_strerror(rte_errno));
	hz = rte_get_tsc_hz();
	opt.config = bo.config;
	opt.quiet = true;
	opt.clock = bo.one_by_one ? CLOCK_PCAP : CLOCK_TSC;
	if (lb_config_load(opt.config, &cfg, err, sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "%s\n", err);
	if (bo.flow_capacity)
		cfg.flow_capacity = bo.flow_capacity;
	if (bo.timeout_new_ms >= 0)
		cfg.timeout_new_ns = (uint64_t)bo.timeout_new_ms * 1000000ull;
	n_workers = bo.workers;
	socket = (int)rte_socket_id();
	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		socket = 0;
	pools[socket] = rte_pktmbuf_pool_create("dsrlb_mbuf_bench",
						(unsigned int)n_mbufs,
						MBUF_CACHE, 0,
						RTE_MBUF_DEFAULT_BUF_SIZE,
						socket);
	if (pools[socket] == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool of %" PRIu64 ": %s (give "
			 "the EAL more memory, -m)\n", n_mbufs,
			 rte_strerror(rte_errno));
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		if (port_setup(p, macs[p]) != 0)
			rte_exit(EXIT_FAILURE, "port %s refused\n",
				 cfg.port[p].name);
	/* Build time of the run-time state (consistent-hash tables of
	 * every VIP included): the best of a few builds. */
	build_cyc = UINT64_MAX;
	for (int k = 0; k < 5; k++) {
		struct lb_state *st = NULL;
		uint64_t b0 = rte_rdtsc();

		if (lb_state_build(&st, &cfg, (const uint8_t (*)[6])macs, err,
				   sizeof(err)) != 0)
			rte_exit(EXIT_FAILURE, "%s: %s\n", opt.config, err);
		b0 = rte_rdtsc() - b0;
		if (b0 < build_cyc)
			build_cyc = b0;
		if (state == NULL)
			state = st;
		else
			lb_state_free(st);
	}
	/* Worker 0 on this lcore, the others on the next ones
	 * (measure_workers()): each one's memory on its lcore's node, as
	 * the appliance places it. */
	{
		unsigned int lc, k = 1;

		bw_lcore[0] = rte_lcore_id();
		RTE_LCORE_FOREACH_WORKER(lc) {
			if (k >= n_workers)
				break;
			bw_lcore[k++] = lc;
		}
		while (k < n_workers)
			bw_lcore[k++] = rte_lcore_id();
	}
	for (uint16_t i = 0; i < n_workers; i++) {
		wk[i] = worker_ctx_alloc(i, bw_lcore[i]);
		c = wk[i];
		worker_rings_create(c);
		ret = worker_init_on_lcore(&c->w, state, i, n_workers,
					   0x5eedull + i, bw_lcore[i],
					   &c->flow_mem, "bench");
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "worker: %s\n",
				 strerror(-ret));
		/* as the appliance: the owner of a flow by the RSS hash */
		if (n_workers > 1) {
			rss_owner_init();
			c->w.owner = owner_rss;
			c->w.owner_arg = NULL;
		}
		c->running = true;
		c->lcore = rte_lcore_id();
	}
	c = wk[0];
	memset(&fc, 0, sizeof(fc));
	fc.capacity = cfg.flow_capacity;
	ft_bytes = flow_table_mem_size(&fc);

	/* 3. Warm-up: pin the flows through the engine. */
	if (bo.warmup != NULL) {
		double w0 = mono_s();

		/* every worker sees every frame and keeps its own flows
		 * (the others' are handed off, i.e. ignored here) */
		for (uint16_t i = 0; i < n_workers && warm_n >= 0; i++)
			warm_n = warmup(wk[i], bo.warmup);
		warm_s = mono_s() - w0;
		if (warm_n < 0)
			rte_exit(EXIT_FAILURE, "warm-up failed\n");
	}
	flows_live = 0;
	for (uint16_t i = 0; i < n_workers; i++)
		flows_live += flow_table_count(&wk[i]->w.ft);
	printf("[%s] %s, trace %s (%" PRId64 " frames), flow table %u of %u "
	       "(%zu bytes, %.1f bytes/flow), warm-up %" PRId64 " frames in "
	       "%.2f s, state build %.3f ms\n", bo.case_name, opt.config,
	       bo.trace, trace_pkts, flows_live, cfg.flow_capacity, ft_bytes,
	       (double)ft_bytes / cfg.flow_capacity, warm_n, warm_s,
	       (double)build_cyc * 1e3 / (double)hz);
	fflush(stdout);

	if (n_workers > 1) {
		measure_workers(hz);
		goto shutdown;
	}
	/* 4. The measured loop: the appliance's worker_poll() on this
	 * lcore (it is the only worker). */
	memcpy(cnt0, c->w.cnt, sizeof(cnt0));
	tx_full0 = c->tx_full;
	cpu1 = thread_cpu_s();
	t0 = rte_rdtsc();
	last_print = t0;
	win_rx0 = cnt0[LB_CNT_rx];
	for (;;) {
		uint64_t now_c;

		if (bo.one_by_one)
			c->pcap_now = clock_tsc_ns();
		(void)worker_poll(c);
		now_c = rte_rdtsc();
		if (now_c - t0 >= (uint64_t)(bo.duration * (double)hz))
			break;
		if (now_c - last_print >= hz / 4) {
			uint64_t n = c->w.cnt[LB_CNT_rx] - cnt0[LB_CNT_rx];
			double s = (double)(now_c - t0) / (double)hz;

			double wm = (double)(c->w.cnt[LB_CNT_rx] - win_rx0) /
				    ((double)(now_c - last_print) /
				     (double)hz) / 1e6;

			if (wm > best_mpps)
				best_mpps = wm;
			fprintf(stderr, "\r[%s] dsrlb %5.2f/%.2f s: %8.3f Mpps "
				"%7.1f cycles/packet", bo.case_name, s,
				bo.duration, (double)n / s / 1e6,
				n ? (double)(now_c - t0) / (double)n : 0.0);
			last_print = now_c;
			win_rx0 = c->w.cnt[LB_CNT_rx];
		}
		if (quit)
			break;
	}
	t1 = rte_rdtsc();
	cpu1 = thread_cpu_s() - cpu1;
	fprintf(stderr, "\n");
	memcpy(cnt1, c->w.cnt, sizeof(cnt1));
	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		cnt1[k] -= cnt0[k];
	rx = cnt1[LB_CNT_rx];
	drops = sum_drops(cnt1) + (c->tx_full - tx_full0) + c->handoff_full +
		c->chained;
	secs = (double)(t1 - t0) / (double)hz;
	mpps = (double)rx / secs / 1e6;
	cpp = rx ? (double)(t1 - t0) / (double)rx : 0;
	/* The machine may be shared: the best quarter second is the
	 * figure compared (testpmd: its best second). */
	if (best_mpps < mpps)
		best_mpps = mpps;
	best_cpp = best_mpps > 0 ? (double)hz / (best_mpps * 1e6) : 0;

	/* 5. Report: best window (mean in brackets); ratio and increment
	 * from the best figures of both. */
	printf("\n%-24s %9s %9s %11s %9s %8s %8s %12s\n", bo.case_name,
	       "Mpps", "(mean)", "cycles/pkt", "(mean)", "ratio", "drops",
	       "+cycles/pkt");
	printf("%-24s %9.3f %9.3f %11.1f %9.1f %8s %8" PRIu64 " %12s\n",
	       "dsrlb lcore 0", best_mpps, mpps, best_cpp, cpp, "", drops, "");
	for (int k = 0; k < 2; k++) {
		char name[64];

		if (!tp[k].ok)
			continue;
		snprintf(name, sizeof(name), "dpdk-testpmd %s", tp[k].mode);
		printf("%-24s %9.3f %9.3f %11.1f %9.1f %8.3f %8s %+12.1f\n",
		       name, tp[k].best, tp[k].mpps,
		       (double)hz / (tp[k].best * 1e6),
		       (double)hz / (tp[k].mpps * 1e6), best_mpps / tp[k].best,
		       "", best_cpp - (double)hz / (tp[k].best * 1e6));
	}
	if (bo.target_cpp > 0)
		printf("target: at most %.0f cycles/packet: %.1f, %s\n",
		       bo.target_cpp, best_cpp,
		       best_cpp <= bo.target_cpp ? "met" : "MISSED");
	printf("counters:");
	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		if (cnt1[k] != 0)
			printf(" %s=%" PRIu64, lb_counter_name(k), cnt1[k]);
	printf("\n");

	kv_s("config", bo.config);
	kv_s("trace", bo.trace);
	kv_s("lookup", bo.one_by_one ? "one-by-one" : "bulk");
	kv_u("trace_packets", (uint64_t)trace_pkts);
	kv_u("flow_capacity", cfg.flow_capacity);
	kv_u("flows_pinned", flows_live);
	kv_u("flow_table_bytes", ft_bytes);
	kv_f("flow_table_bytes_per_flow", (double)ft_bytes / cfg.flow_capacity);
	kv_f("state_build_ms", (double)build_cyc * 1e3 / (double)hz);
	kv_u("warmup_frames", (uint64_t)warm_n);
	kv_f("warmup_s", warm_s);
	kv_u("tsc_hz", hz);
	kv_u("lcores", 1);
	{
		const char *memmode = "hugepages";

		for (int i = 1; i < dd; i++)
			if (strcmp(argv[i], "--no-huge") == 0)
				memmode = "no-huge";
		kv_s("eal_memory", memmode);
	}
	kv_f("duration_s", secs);
	kv_u("lcore0_rx", rx);
	kv_f("lcore0_mpps", mpps);
	kv_f("lcore0_cycles_per_pkt", cpp);
	kv_f("lcore0_mpps_best", best_mpps);
	kv_f("lcore0_cycles_per_pkt_best", best_cpp);
	kv_f("lcore0_cpu_s", cpu1);
	kv_f("lcore0_mpps_per_cpu_s", cpu1 > 0 ? (double)rx / cpu1 / 1e6 : 0);
	kv_u("lcore0_drops", drops);
	for (int k = 0; k < 2; k++) {
		char key[64];
		double tcpp = tp[k].ok ? (double)hz / (tp[k].mpps * 1e6) : 0;
		double tbest = tp[k].ok ? (double)hz / (tp[k].best * 1e6) : 0;
		const char *m = k == 0 ? "io" : "macswap";

		snprintf(key, sizeof(key), "testpmd_%s_mpps", m);
		kv_f(key, tp[k].mpps);
		snprintf(key, sizeof(key), "testpmd_%s_cycles_per_pkt", m);
		kv_f(key, tcpp);
		snprintf(key, sizeof(key), "ratio_%s", m);
		kv_f(key, tp[k].ok ? mpps / tp[k].mpps : 0);
		snprintf(key, sizeof(key), "increment_cycles_%s", m);
		kv_f(key, tp[k].ok ? cpp - tcpp : 0);
		snprintf(key, sizeof(key), "testpmd_%s_mpps_best", m);
		kv_f(key, tp[k].best);
		snprintf(key, sizeof(key), "testpmd_%s_cycles_per_pkt_best", m);
		kv_f(key, tbest);
		snprintf(key, sizeof(key), "ratio_%s_best", m);
		kv_f(key, tp[k].ok ? best_mpps / tp[k].best : 0);
		snprintf(key, sizeof(key), "increment_cycles_%s_best", m);
		kv_f(key, tp[k].ok ? best_cpp - tbest : 0);
	}
	if (bo.target_cpp > 0)
		kv_f("target_cycles_per_pkt", bo.target_cpp);
	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		if (cnt1[k] != 0) {
			char key[96];

			snprintf(key, sizeof(key), "counter.%s",
				 lb_counter_name(k));
			kv_u(key, cnt1[k]);
		}
shutdown:
	if (res != NULL)
		fclose(res);

	/* 6. Shutdown as the appliance does; every mbuf back. */
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		(void)rte_eth_dev_stop(port_id[p]);
	for (uint16_t i = 0; i < n_workers; i++)
		handoff_drain(wk[i]);
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		(void)rte_eth_dev_close(port_id[p]);
	for (uint16_t i = 0; i < n_workers; i++) {
		lb_worker_fini(&wk[i]->w);
		rte_free(wk[i]->flow_mem);
		rte_ring_free(wk[i]->handoff);
		rte_free(wk[i]);
	}
	lb_state_free(state);
	lb_config_free(&cfg);
	rte_eal_cleanup();
	free(bargv);
	return 0;
}
