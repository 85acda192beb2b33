/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb: the appliance. A thin DPDK driver around lib/lb (lb_engine.h):
 * EAL, ports and queues, mempools per NUMA socket, one worker per lcore
 * with burst I/O and idle back-off, hand-off rings between workers, the
 * clock, the latency-feedback control loop, clean shutdown with counters
 * and a mempool check.
 *
 *   dsrlb [EAL options] -- --config FILE [--clock tsc|pcap]
 *         [--idle-exit-ms MS] [--stats-file FILE] [--quiet]
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>
#include <rte_thash.h>

#include "../common/cli.h"
#include "../common/dp_clock.h"
#include "../common/mbuf_size.h"
#include "../common/pkt_mbuf.h"
#include "../common/service.h"
#include "../common/tsan.h"
#include "../common/worker_mem.h"
#include "dsrlb/chash.h"
#include "dsrlb/latency_ctl.h"
#include "dsrlb/lb_engine.h"
#include "dsrlb/lb_hold.h"
#include "dsrlb/lb_solicit.h"
#include "dsrlb/toeplitz.h"
#include "dsrlb/wire.h"
#include "announce.h"
#include "capture.h"
#include "console.h"
#include "ctl_socket.h"
#include "kernel_tap.h"
#include "poller.h"
#include "lb_config_load.h"
#include "log.h"
#include "metrics.h"
#include "reload.h"
#include "publish.h"

#define BURST           32
/* A worker's own drop counter: metrics.c reads it from its thread. */
#define DROP_ADD(c, n) __atomic_store_n(&(c), (c) + (n), __ATOMIC_RELAXED)
#define RX_DESC         1024
#define TX_DESC         1024
#define MBUF_CACHE      256
#define HANDOFF_RING    1024
/* Frames and notes for other workers wait in the worker's stage until a
 * burst's worth is there, the lcore has slack (a port gave less than a
 * burst), or HANDOFF_HOLD_POLLS polls have passed: each enqueue moves
 * the ring's cache lines between the lcores, whatever it carries (issue
 * 19, two workers; VPP's handoff queues frames per vector likewise). A
 * call of process() adds at most a burst to fewer than a burst. */
#define HANDOFF_STAGE   (2 * BURST)
#define HANDOFF_HOLD_POLLS 8
#define IDLE_POLLS      64      /* empty polls before sleeping */
/* A worker whose loop has not turned for this long is stalled: the
 * watchdog is no longer pinged (its back-off sleeps at most 0.1 s). */
#define WORKER_STALL_NS 2000000000ull
/* Worker 0 sends one proactive neighbour request at most this often. */
#define SOLICIT_STEP_NS 1000000ull
#define GC_BUDGET       8       /* flow-table buckets per loop */
#define MAX_WORKERS     RTE_MAX_LCORE

enum clock_mode { CLOCK_TSC, CLOCK_PCAP };

struct opts {
	const char *config;
	const char *stats_file;
	const char *cmdline_file;
	const char *ctl_socket;
	bool interactive;
	enum clock_mode clock;
	uint32_t idle_exit_ms;
	bool quiet;
};

/* What a worker gives another through its ring, in the order the worker
 * received them (a note never passes a frame it came after): a frame
 * whose flow is the other's (m), or the note of a server message it sent
 * on itself (m NULL; lb_worker_notes()). One cache line each. */
struct handoff_elem {
	struct lb_note note;
	struct rte_mbuf *m;
};
_Static_assert(sizeof(struct handoff_elem) == 64, "one cache line");

struct worker_ctx {
	struct lb_worker w;
	unsigned int lcore;
	uint16_t index;
	void *flow_mem;                      /* its flow table (worker_mem.h) */
	struct rte_ring *handoff;           /* what other workers give us
					     * (struct handoff_elem) */
	uint64_t tx_full;                    /* frames a TX queue refused */
	uint64_t handoff_full;               /* frames a hand-off ring refused */
	uint64_t chained;                    /* multi-segment frames dropped */
	_Atomic uint64_t last_rx_tsc;        /* read by the main lcore */
	_Atomic uint64_t loops;              /* turns of its loop (watchdog) */
	uint64_t solicit_ns;                 /* last lb_worker_solicit() */
	struct rte_mempool *pool;            /* its requests' mbufs */
	struct lb_hold hold;                 /* frames awaiting a next hop's
					      * MAC (lb_hold.h) */
	uint64_t n_loops;                    /* the worker's own copy */
	_Atomic uint64_t pcap_now;           /* --clock pcap: latest time
					      * (read by the control thread) */
	uint32_t polls;                      /* for the GC's pace */
	uint64_t idle_sleeps;                /* idle back-off sleeps taken */
	volatile bool running;
	uint16_t n_ho;                       /* staged for other workers
					      * (handoff_flush()) */
	uint16_t ho_polls;                   /* polls they have waited */
	uint16_t ho_owner[HANDOFF_STAGE];
	struct handoff_elem ho[HANDOFF_STAGE];
	uint64_t notes_full;                 /* notes a ring refused */
} __rte_cache_aligned;

static _Atomic bool quit;
static struct opts opt = { .idle_exit_ms = 0, .clock = CLOCK_TSC,
			   .ctl_socket = "/run/dsrlb.sock" };
static struct lb_config cfg;
static struct lb_state *state;
static uint16_t port_id[LB_MAX_PORTS];
static uint16_t n_workers;
static struct worker_ctx *wk[MAX_WORKERS];
static struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
static int ts_off = -1;                      /* pcap timestamp dynfield */
static uint64_t ts_flag;
static uint8_t rss_key[40] = {
	/* Symmetric Toeplitz key (0x6d5a repeated): a flow and its reverse
	 * hash alike, so a server's message for a flow can be owned by the
	 * same lcore as the client direction. */
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};
static bool rss_on;
static bool rx_csum_on[LB_MAX_PORTS];  /* the NIC checks IPv4 headers */
static uint16_t reta_size = 64;
/* rss_key's Toeplitz tables (rss_owner_init()): the owner of a flow in
 * two table lookups instead of rte_softrss()'s walk of every bit, which
 * every packet pays with several workers (issue 19). */
static struct toeplitz rss_tz;

static void
on_signal(int sig)
{
	/* SIGTERM with VIPs announced: withdraw, wait, then stop (the
	 * control thread does it, announce.c). */
	if (sig == SIGTERM && announce_sigterm())
		return;
	quit = true;
}

/* SIGHUP: the control thread re-reads the configuration (reload.c). */
static void
on_hup(int sig)
{
	(void)sig;
	atomic_store(&reload_requested, true);
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --config FILE [options]\n"
	       "  --config FILE       INI configuration (docs/configuration.md)\n"
	       "  --clock tsc|pcap    data-path clock: the TSC (default) or the\n"
	       "                      pcap timestamps of net_pcap ports (tests)\n"
	       "  --idle-exit-ms MS   stop after MS ms without a received packet\n"
	       "  --stats-file FILE   write every counter as 'name value' lines\n"
	       "  --quiet             print only the summary at exit\n"
	       "  -i, --interactive   operator console on this terminal\n"
	       "  --cmdline-file FILE run the console commands of FILE at start\n"
	       "  --ctl-socket PATH   control socket for dsrlb-ctl (default\n"
	       "                      /run/dsrlb.sock; 'none': no socket)\n"
	       "  --ctl-socket-mode MODE   its permissions, octal (default\n"
	       "                      0660: owner and group only)\n"
	       "  --ctl-socket-group GROUP its group, a name or a gid\n"
	       "                      (default: the process's group)\n"
	       "usage: %s --check-config FILE\n"
	       "  load and check FILE, print what would run, exit (no EAL)\n"
	       "usage: %s --bird-conf FILE\n"
	       "  print BIRD's static protocols for FILE's VIPs with\n"
	       "  announce = bgp (no EAL)\n",
	       prog, prog, prog);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "clock", required_argument, NULL, 'k' },
		{ "idle-exit-ms", required_argument, NULL, 'e' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "cmdline-file", required_argument, NULL, 'f' },
		{ "ctl-socket", required_argument, NULL, 'S' },
		{ "ctl-socket-mode", required_argument, NULL, 'M' },
		{ "ctl-socket-group", required_argument, NULL, 'G' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "hi", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
			opt.interactive = true;
			break;
		case 'f':
			opt.cmdline_file = optarg;
			break;
		case 'S':
			opt.ctl_socket = strcmp(optarg, "none") == 0 ? NULL :
									optarg;
			break;
		case 'M':
		case 'G': {
			char err[128];

			if ((c == 'M' ? ctl_socket_parse_mode(optarg, err,
							     sizeof(err)) :
			     ctl_socket_parse_group(optarg, err,
						    sizeof(err))) != 0) {
				fprintf(stderr, "dsrlb: %s\n", err);
				return -1;
			}
			break;
		}
		case 'c':
			opt.config = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "tsc") == 0)
				opt.clock = CLOCK_TSC;
			else if (strcmp(optarg, "pcap") == 0)
				opt.clock = CLOCK_PCAP;
			else {
				fprintf(stderr, "dsrlb: --clock: '%s' is "
					"neither tsc nor pcap\n", optarg);
				return -1;
			}
			break;
		case 'e':
			if (cli_u32(optarg, &opt.idle_exit_ms) != 0) {
				fprintf(stderr, "dsrlb: --idle-exit-ms: '%s' "
					"is not a number\n", optarg);
				return -1;
			}
			break;
		case 's':
			opt.stats_file = optarg;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
	}
	if (opt.config == NULL) {
		fprintf(stderr, "dsrlb: --config FILE is required\n");
		return -1;
	}
	return 0;
}

/* ---- the clock (src/common/dp_clock.h) ---------------------------------- */

/* The data path's time as the control plane sees it. */
static uint64_t
data_now_ns(void)
{
	return opt.clock == CLOCK_TSC || wk[0] == NULL ? clock_tsc_ns() :
		atomic_load_explicit(&wk[0]->pcap_now, memory_order_relaxed);
}

/* ---- ports ---------------------------------------------------------------- */

/* rte_softrss() of a flow key: what a port's RSS computes, the check of
 * the tables at start (rss_owner_init()). */
static uint32_t
rss_soft(const struct flow_key *k)
{
	union rte_thash_tuple t;

	memset(&t, 0, sizeof(t));
	if (k->family == FLOW_KEY_IPV4) {
		t.v4.src_addr = (uint32_t)k->saddr[0] << 24 |
				(uint32_t)k->saddr[1] << 16 |
				(uint32_t)k->saddr[2] << 8 | k->saddr[3];
		t.v4.dst_addr = (uint32_t)k->daddr[0] << 24 |
				(uint32_t)k->daddr[1] << 16 |
				(uint32_t)k->daddr[2] << 8 | k->daddr[3];
		t.v4.sport = k->sport;
		t.v4.dport = k->dport;
		return rte_softrss((uint32_t *)&t, RTE_THASH_V4_L4_LEN,
				   rss_key);
	} else {
		struct rte_ipv6_hdr ip6;

		memcpy(ip6.src_addr, k->saddr, 16);
		memcpy(ip6.dst_addr, k->daddr, 16);
		rte_thash_load_v6_addrs(&ip6, &t);
		t.v6.sport = k->sport;
		t.v6.dport = k->dport;
		return rte_softrss((uint32_t *)&t, RTE_THASH_V6_L4_LEN,
				   rss_key);
	}
}

/* Fill rss_tz (before any worker or split uses owner_rss()) and check
 * it against rte_softrss() on a few keys of both families. */
static void
rss_owner_init(void)
{
	static bool done;
	struct flow_key k;
	uint8_t a[16], b[16];

	if (done)
		return;
	toeplitz_init(&rss_tz, rss_key);
	for (unsigned int i = 0; i < 64; i++) {
		for (unsigned int j = 0; j < 16; j++) {
			a[j] = (uint8_t)(i * 37 + j * 11 + 1);
			b[j] = (uint8_t)(i * 91 + j * 7 + 3);
		}
		if (i & 1)
			flow_key_ipv6(&k, a, b, (uint16_t)(i * 977),
				      (uint16_t)(80 + i), 6);
		else
			flow_key_ipv4(&k, a, b, (uint16_t)(i * 977),
				      (uint16_t)(80 + i), 6);
		if (toeplitz_flow_key(&rss_tz, &k) != rss_soft(&k)) {
			fprintf(stderr, "dsrlb: RSS tables differ from "
				"rte_softrss()\n");
			exit(EXIT_FAILURE);
		}
	}
	done = true;
}

static uint16_t
owner_rss(void *arg, const struct flow_key *k)
{
	uint32_t h = toeplitz_flow_key(&rss_tz, k);

	(void)arg;
	/* RETA entry i holds queue i % n_workers (set by port_setup). */
	return (uint16_t)((h & (reta_size - 1u)) % n_workers);
}

/* The ring other workers give @p c frames and notes through
 * (multi-producer, single-consumer); exits when out of memory. */
static void
worker_rings_create(struct worker_ctx *c)
{
	char rname[32];

	snprintf(rname, sizeof(rname), "dsrlb_handoff_%u", c->index);
	c->handoff = rte_ring_create_elem(rname, sizeof(struct handoff_elem),
					  HANDOFF_RING, rte_socket_id(),
					  RING_F_SC_DEQ);
	if (c->handoff == NULL)
		rte_exit(EXIT_FAILURE, "ring: %s\n", rte_strerror(rte_errno));
}

/* Worker @p index's context, on the NUMA node of @p lcore, which will run
 * it (anywhere when that node has no room); exits when out of memory. */
static struct worker_ctx *
worker_ctx_alloc(uint16_t index, unsigned int lcore)
{
	struct worker_ctx *c;

	c = rte_zmalloc_socket("dsrlb_worker", sizeof(*c), RTE_CACHE_LINE_SIZE,
			       (int)rte_lcore_to_socket_id(lcore));
	if (c == NULL)
		c = rte_zmalloc("dsrlb_worker", sizeof(*c),
				RTE_CACHE_LINE_SIZE);
	if (c == NULL)
		rte_exit(EXIT_FAILURE, "out of memory\n");
	c->index = index;
	c->lcore = lcore;
	return c;
}

/* Largest L3 MTU of the configured ports (1500 for an unset one). */
static uint32_t
max_port_mtu(void)
{
	uint32_t m = 1500;

	for (uint32_t p = 0; p < cfg.n_ports; p++)
		if (cfg.port[p].mtu > m)
			m = cfg.port[p].mtu;
	return m;
}

static struct rte_mempool *
pool_for_socket(int socket)
{
	char name[32];
	unsigned int n_mbufs;

	if (socket < 0 || socket >= RTE_MAX_NUMA_NODES)
		socket = 0;
	if (pools[socket] != NULL)
		return pools[socket];
	/* Enough for every RX and TX ring, the hand-off rings, the
	 * per-lcore caches and the bursts in flight. */
	n_mbufs = cfg.n_ports * n_workers * (RX_DESC + TX_DESC +
					     2 * KTAP_DESC) +
		  n_workers * (HANDOFF_RING + MBUF_CACHE + 4 * BURST) + 1024;
	snprintf(name, sizeof(name), "dsrlb_mbuf_%d", socket);
	pools[socket] = rte_pktmbuf_pool_create(name, n_mbufs, MBUF_CACHE, 0,
						mbuf_data_room(max_port_mtu()),
						socket);
	return pools[socket];
}

static int
port_setup(uint32_t pi, uint8_t mac[6])
{
	const struct lb_port_conf *pc = &cfg.port[pi];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_ether_addr ea;
	uint16_t pid, nb_rxd = RX_DESC, nb_txd = TX_DESC, max_mtu;
	struct rte_mempool *pool;
	int ret, socket;

	if (rte_eth_dev_get_port_by_name(pc->dev, &pid) != 0) {
		fprintf(stderr, "dsrlb: port %s: no ethdev '%s' (give it with "
			"--vdev or -a)\n", pc->name, pc->dev);
		return -1;
	}
	port_id[pi] = pid;
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ret;
	memset(&conf, 0, sizeof(conf));
	if (n_workers > 1 && info.flow_type_rss_offloads != 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = rss_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(rss_key);
		conf.rx_adv_conf.rss_conf.rss_hf =
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP) &
			info.flow_type_rss_offloads;
		rss_on = true;
	}
	if (opt.clock == CLOCK_PCAP &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	/* The NIC checks the IPv4 header checksum when it can: the engine
	 * then takes its verdict instead of summing the header again
	 * (pkt_buf_from_mbuf(); issue 19). */
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) {
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
		rx_csum_on[pi] = true;
	}
	/* The device's MTU: the configured one when the device takes it.
	 * A virtual device (af_packet: 1500) may refuse a jumbo MTU that
	 * its ring frames still carry; the appliance then keeps enforcing
	 * the configured L3 MTU on what it adds, and says so. */
	conf.rxmode.mtu = pc->mtu ? pc->mtu : 1500;
	max_mtu = info.max_mtu;
	if (info.max_rx_pktlen > RTE_ETHER_HDR_LEN + RTE_ETHER_CRC_LEN &&
	    info.max_rx_pktlen - RTE_ETHER_HDR_LEN - RTE_ETHER_CRC_LEN <
	    max_mtu)
		max_mtu = (uint16_t)(info.max_rx_pktlen - RTE_ETHER_HDR_LEN -
				     RTE_ETHER_CRC_LEN);
	if (max_mtu != 0 && conf.rxmode.mtu > max_mtu) {
		fprintf(stderr, "dsrlb: port %s: the device's MTU is at most "
			"%u; headers are still added up to mtu = %u\n",
			pc->name, max_mtu, conf.rxmode.mtu);
		conf.rxmode.mtu = max_mtu;
	}
	ret = rte_eth_dev_configure(pid, n_workers, n_workers, &conf);
	if (ret != 0) {
		fprintf(stderr, "dsrlb: port %s: configure with %u queues: "
			"%s\n", pc->name, n_workers, rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	socket = rte_eth_dev_socket_id(pid);
	pool = pool_for_socket(socket);
	if (pool == NULL) {
		fprintf(stderr, "dsrlb: no mbuf pool on socket %d: %s\n",
			socket, rte_strerror(rte_errno));
		return -1;
	}
	for (uint16_t q = 0; q < n_workers; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, nb_rxd, socket, NULL,
					     pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, nb_txd, socket,
						     NULL);
		if (ret != 0) {
			fprintf(stderr, "dsrlb: port %s: queue %u: %s\n",
				pc->name, q, rte_strerror(-ret));
			return ret;
		}
	}
	if (pc->mtu != 0 && (max_mtu == 0 || pc->mtu <= max_mtu)) {
		ret = rte_eth_dev_set_mtu(pid, pc->mtu);
		if (ret != 0 && ret != -ENOTSUP)
			fprintf(stderr, "dsrlb: port %s: MTU %u not set: %s\n",
				pc->name, pc->mtu, rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		fprintf(stderr, "dsrlb: port %s: start: %s\n", pc->name,
			rte_strerror(-ret));
		return ret;
	}
	if (rss_on && info.reta_size > 0) {
		struct rte_eth_rss_reta_entry64 reta[RTE_ETH_RSS_RETA_SIZE_512 /
						     RTE_ETH_RETA_GROUP_SIZE];

		reta_size = info.reta_size;
		memset(reta, 0, sizeof(reta));
		for (uint16_t i = 0; i < reta_size &&
		     i < RTE_ETH_RSS_RETA_SIZE_512; i++) {
			reta[i / RTE_ETH_RETA_GROUP_SIZE].mask |=
				1ull << (i % RTE_ETH_RETA_GROUP_SIZE);
			reta[i / RTE_ETH_RETA_GROUP_SIZE]
				.reta[i % RTE_ETH_RETA_GROUP_SIZE] =
				i % n_workers;
		}
		(void)rte_eth_dev_rss_reta_update(pid, reta, reta_size);
	}
	rte_eth_macaddr_get(pid, &ea);
	memcpy(mac, ea.addr_bytes, 6);
	return 0;
}

/* ---- the worker loop ------------------------------------------------------- */

static void
tx_or_free(uint16_t pid, uint16_t q, struct rte_mbuf **m, uint16_t n,
	   struct worker_ctx *ctx)
{
	uint16_t sent = n ? rte_eth_tx_burst(pid, q, m, n) : 0;

	if (sent < n) {
		DROP_ADD(ctx->tx_full, n - sent);
		rte_pktmbuf_free_bulk(m + sent, n - sent);
	}
}

/* An ARP request / neighbour solicitation in an mbuf of its own: for
 * next hop @p nh, for which a frame is held (lb_worker_request(), rate-
 * limited per next hop), or with @p nh < 0 for the next one due ahead of
 * traffic (lb_worker_solicit(), worker 0). */
static void
neigh_request(struct worker_ctx *ctx, int32_t nh, uint64_t now)
{
	struct rte_mbuf *mb;
	struct pkt_buf pb;
	uint8_t port = 0;

	if (ctx->pool == NULL ||
	    (nh >= 0 && !lb_worker_request_due(&ctx->w, (uint16_t)nh, now)) ||
	    (mb = rte_pktmbuf_alloc(ctx->pool)) == NULL)
		return;
	if (pkt_buf_from_mbuf(&pb, mb) != 0 ||
	    !(nh >= 0 ? lb_worker_request(&ctx->w, &pb, (uint16_t)nh, now,
					  &port) :
		        lb_worker_solicit(&ctx->w, &pb, now, &port)) ||
	    port >= ctx->w.st->n_ports) {
		rte_pktmbuf_free(mb);
		return;
	}
	pkt_buf_to_mbuf(&pb, mb);
	capture_burst(port, ctx->index, &mb, 1, 1);
	tx_or_free(port_id[port], ctx->index, &mb, 1, ctx);
}

/* Send the held frames whose next hop resolved (in the order they were
 * held, before anything newer to the same next hop), free those held too
 * long, and ask again for the next hops still unresolved (each at most
 * every 200 ms). */
static void
hold_release(struct worker_ctx *ctx, uint64_t now)
{
	struct rte_mbuf *send[LB_HOLD_MAX], *gone[LB_HOLD_MAX];
	uint8_t port[LB_HOLD_MAX];
	uint32_t n_gone, n;

	n = lb_hold_sweep(&ctx->w, &ctx->hold, now, (void **)send, port,
			  (void **)gone, &n_gone);
	for (uint32_t i = 0; i < n; i++) {
		capture_burst(port[i], ctx->index, &send[i], 1, 1);
		tx_or_free(port_id[port[i]], ctx->index, &send[i], 1, ctx);
	}
	if (n_gone)
		rte_pktmbuf_free_bulk(gone, n_gone);
	for (uint32_t i = 0; i < ctx->hold.n; i++)
		neigh_request(ctx, ctx->hold.e[i].nh, now);
}

/* A refused element's end: a frame is freed, a note lost (counted). */
static void
handoff_refused(struct worker_ctx *ctx, const struct handoff_elem *e,
		unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		if (e[i].m != NULL) {
			DROP_ADD(ctx->handoff_full, 1);
			rte_pktmbuf_free(e[i].m);
		} else {
			DROP_ADD(ctx->notes_full, 1);
		}
	}
}

/* What is staged for other workers, each owner's in one enqueue: one
 * exchange of the ring's cache lines between the lcores per flush, not
 * per frame (issue 19, two workers). What a full ring refuses is
 * counted (handoff_refused()). */
static void
handoff_flush(struct worker_ctx *ctx)
{
	struct handoff_elem run[HANDOFF_STAGE];
	uint16_t n = ctx->n_ho;

	while (n > 0) {
		const struct handoff_elem *send = ctx->ho;
		uint16_t o = ctx->ho_owner[0], k = 0, rest = 0;
		unsigned int sent;

		while (k < n && ctx->ho_owner[k] == o)
			k++;
		if (k < n) {
			/* several owners (three workers or more): this
			 * one's in order, the others stay for the next
			 * pass */
			k = 0;
			for (uint16_t i = 0; i < n; i++) {
				if (ctx->ho_owner[i] == o) {
					run[k++] = ctx->ho[i];
				} else {
					ctx->ho[rest] = ctx->ho[i];
					ctx->ho_owner[rest++] =
						ctx->ho_owner[i];
				}
			}
			send = run;
		}
		TSAN_RELEASE(wk[o]->handoff);
		sent = rte_ring_enqueue_burst_elem(wk[o]->handoff, send,
						   sizeof(*send), k, NULL);
		if (sent < k)
			handoff_refused(ctx, &send[sent], k - sent);
		n = rest;
	}
	ctx->n_ho = 0;
	ctx->ho_polls = 0;
}

/* Shutdown (the workers stopped): free what @p ctx staged for others
 * and what they handed it. */
static void
handoff_drain(struct worker_ctx *ctx)
{
	struct handoff_elem e;

	for (uint16_t i = 0; i < ctx->n_ho; i++)
		if (ctx->ho[i].m != NULL)
			rte_pktmbuf_free(ctx->ho[i].m);
	ctx->n_ho = 0;
	while (rte_ring_dequeue_elem(ctx->handoff, &e, sizeof(e)) == 0)
		if (e.m != NULL)
			rte_pktmbuf_free(e.m);
}

/* process()'s frames for port @p p so far: byte p of @p ntx. */
#define TX_COUNT(ntx, p) ((uint16_t)(((ntx) >> (8 * (p))) & 0xFF))
_Static_assert(BURST <= 0xFF && LB_MAX_PORTS <= 8, "a byte per port");

/* Run one burst of @p n mbufs from port index @p pi through the engine
 * and send each where it says. */
static void
process(struct worker_ctx *ctx, uint8_t pi, struct rte_mbuf **m, uint16_t n,
	uint64_t now)
{
	struct pkt_buf pb[BURST];
	struct lb_out out[BURST];
	struct rte_mbuf *txq[LB_MAX_PORTS][BURST];
	/* Each port's count in a byte of one register: as an array on the
	 * stack, every frame's increment waited for the previous frame's
	 * store (perf, issue 19 round 9). */
	uint64_t ntx = 0;
	struct rte_mbuf *ok[BURST];
	struct rte_mbuf *tok[BURST];
	uint16_t nok = 0, ntok = 0;

	if (opt.clock == CLOCK_PCAP && n > 1) {
		/* Tests: one packet at a time at its own timestamp, the
		 * engine and what it says (sent, held, released) before the
		 * next, so that timers and the hold queue follow the capture
		 * exactly (each port's output keeps its order). */
		for (uint16_t i = 0; i < n; i++)
			process(ctx, pi, &m[i], 1, now);
		return;
	}
	capture_burst(pi, ctx->index, m, n, 0);
	for (uint16_t i = 0; i < n; i++) {
		if (pkt_buf_from_mbuf(&pb[nok], m[i]) != 0) {
			DROP_ADD(ctx->chained, 1);
			rte_pktmbuf_free(m[i]);
			continue;
		}
		ok[nok++] = m[i];
	}
	if (opt.clock == CLOCK_PCAP && nok == 1)
		now = clock_mbuf_ns(ok[0], ts_off, ts_flag, now);
	lb_worker_burst(&ctx->w, pb, pi, nok, now, out);
	for (uint16_t i = 0; i < nok; i++) {
		struct rte_mbuf *mb = ok[i];

		switch (out[i].action) {
		case LB_ACT_TX:
			pkt_buf_to_mbuf(&pb[i], mb);
			txq[out[i].port][TX_COUNT(ntx, out[i].port)] = mb;
			ntx += 1ull << (8 * out[i].port);
			break;
		case LB_ACT_KERNEL:
			tok[ntok++] = mb;
			break;
		case LB_ACT_HOLD: {
			struct rte_mbuf *old;

			pkt_buf_to_mbuf(&pb[i], mb);
			old = lb_hold_add(&ctx->w, &ctx->hold, mb,
					  rte_pktmbuf_mtod(mb, uint8_t *),
					  &out[i], now);
			if (old != NULL)
				rte_pktmbuf_free(old);
			neigh_request(ctx, out[i].nh, now);
			break;
		}
		case LB_ACT_HANDOFF:
			mb->port = pi; /* remembered for the owner */
			if (out[i].owner >= n_workers) {
				DROP_ADD(ctx->handoff_full, 1);
				rte_pktmbuf_free(mb);
				break;
			}
			/* fits: fewer than BURST were staged before */
			ctx->ho[ctx->n_ho].m = mb;
			ctx->ho_owner[ctx->n_ho++] = out[i].owner;
			break;
		default:
			rte_pktmbuf_free(mb);
			break;
		}
	}
	/* The server messages sent on for other lcores' flows: their
	 * notes, after the burst's frames (a frame and a message of one
	 * flow in one burst: the message cannot answer the frame; a
	 * frame and a note each take one place of the burst, so they
	 * fit). */
	for (uint32_t k = 0; k < ctx->w.n_notes; k++) {
		ctx->ho[ctx->n_ho].note = ctx->w.note[k];
		ctx->ho[ctx->n_ho].m = NULL;
		ctx->ho_owner[ctx->n_ho++] = ctx->w.note_owner[k];
	}
	/* (--clock pcap: at once, each frame at its own time) */
	if (ctx->n_ho >= BURST || (ctx->n_ho && opt.clock == CLOCK_PCAP))
		handoff_flush(ctx);
	/* Held frames whose next hop this burst resolved leave before the
	 * burst's own frames to it. */
	if (ctx->hold.n)
		hold_release(ctx, now);
	for (uint32_t p = 0; p < ctx->w.st->n_ports; p++)
		if (TX_COUNT(ntx, p)) {
			capture_burst((uint8_t)p, ctx->index, txq[p],
				      TX_COUNT(ntx, p), 1);
			tx_or_free(port_id[p], ctx->index, txq[p],
				   TX_COUNT(ntx, p), ctx);
		}
	if (ntok)
		tx_or_free(ktap_port_id[pi], ctx->index, tok, ntok, ctx);
}

/* One pass over every port and the hand-off ring. @return the packets
 * handled. */
static uint32_t
worker_poll(struct worker_ctx *ctx)
{
	struct rte_mbuf *m[BURST];
	struct handoff_elem he[BURST];
	uint32_t got = 0;
	unsigned int nh;
	bool full = false;      /* a port gave a whole burst */
	uint64_t now;

	/* Between two bursts, the quiescent point: adopt what the control
	 * plane published, fill its view when asked (publish.h). */
	pub_worker_poll(ctx->index, &ctx->w);
	now = opt.clock == CLOCK_TSC ? clock_tsc_ns() :
	      atomic_load_explicit(&ctx->pcap_now, memory_order_relaxed);
	for (uint32_t p = 0; p < ctx->w.st->n_ports; p++) {
		uint16_t n = rte_eth_rx_burst(port_id[p], ctx->index, m, BURST);

		if (n == 0)
			continue;
		got += n;
		full |= n == BURST;
		if (opt.clock == CLOCK_PCAP)
			atomic_store_explicit(&ctx->pcap_now,
				clock_mbuf_ns(m[n - 1], ts_off, ts_flag,
					      atomic_load_explicit(
						&ctx->pcap_now,
						memory_order_relaxed)),
				memory_order_relaxed);
		process(ctx, (uint8_t)p, m, n, now);
	}
	/* What the ports' kernels send (BGP, BFD, ARP) leaves unchanged.
	 * (The worker's state, not the control plane's cfg: ports never
	 * change live, and cfg is rewritten by every change.) */
	for (uint32_t p = 0; p < ctx->w.st->n_ports; p++) {
		uint16_t n;

		if (ktap_port_id[p] == UINT16_MAX)
			continue;
		n = rte_eth_rx_burst(ktap_port_id[p], ctx->index, m, BURST);
		if (n == 0)
			continue;
		got += n;
		capture_burst((uint8_t)p, ctx->index, m, n, 1);
		tx_or_free(port_id[p], ctx->index, m, n, ctx);
	}
	/* What other workers handed us, in their order: frames (their
	 * port is in m->port) and notes of server messages they sent on
	 * for our flows. */
	nh = rte_ring_dequeue_burst_elem(ctx->handoff, he, sizeof(he[0]),
					 BURST, NULL);
	if (nh) {
		TSAN_ACQUIRE(ctx->handoff);
		/* The frames come from another lcore's cache: every header
		 * on its way at once, then every frame (perf: the first
		 * read of each was a quarter of worker_poll()). */
		for (unsigned int i = 0; i < nh; i++)
			if (he[i].m != NULL)
				rte_prefetch0(he[i].m);
		for (unsigned int i = 0; i < nh; i++)
			if (he[i].m != NULL)
				rte_prefetch0(rte_pktmbuf_mtod(he[i].m,
							       void *));
	}
	for (unsigned int i = 0, j; i < nh; i = j) {
		uint16_t k = 0;

		if (he[i].m == NULL) {
			lb_worker_notes(&ctx->w, &he[i].note, 1, now);
			j = i + 1;
			continue;
		}
		/* Frames of one port in a row as one burst (issue 19: the
		 * burst's VIP cache and loops, not one call per frame). */
		for (j = i; j < nh && he[j].m != NULL &&
		     he[j].m->port == he[i].m->port; j++)
			m[k++] = he[j].m;
		process(ctx, (uint8_t)m[0]->port, m, k, now);
	}
	got += nh;
	/* What this lcore staged for others leaves when it has slack,
	 * else after a few polls (HANDOFF_HOLD_POLLS). */
	if (ctx->n_ho && (!full || ++ctx->ho_polls >= HANDOFF_HOLD_POLLS))
		handoff_flush(ctx);
	/* Incremental GC: every poll while the lcore has slack, every 16th
	 * under full load (its cost per packet then drops 16 times, and a
	 * sweep of a million-flow table still takes about a second). */
	if (got < BURST || (++ctx->polls & 15) == 0)
		lb_worker_maintain(&ctx->w, now, GC_BUDGET);
	/* Worker 0 resolves the next hops ahead of traffic (lb_solicit.h):
	 * at most one request per step. */
	if (ctx->index == 0 && now - ctx->solicit_ns >= SOLICIT_STEP_NS) {
		ctx->solicit_ns = now;
		neigh_request(ctx, -1, now);
	}
	/* resolved by another lcore, expired, or due another request */
	if (ctx->hold.n)
		hold_release(ctx, now);
	if (got)
		atomic_store_explicit(&ctx->last_rx_tsc, rte_rdtsc(),
				      memory_order_relaxed);
	return got;
}

/* After IDLE_POLLS empty polls in a row, sleep idle_sleep_us; 0 means
 * busy polling: never sleep, only the CPU's spin-wait hint (issue 19). */
static inline void
idle_backoff(struct worker_ctx *ctx, uint32_t *idle)
{
	uint32_t us;

	if (++*idle < IDLE_POLLS)
		return;
	us = pub_idle_sleep_us();
	if (us == 0) {
		rte_pause();
		return;
	}
	ctx->idle_sleeps++;
	rte_delay_us_sleep(us);
}

static int
worker_main(void *arg)
{
	struct worker_ctx *ctx = arg;
	uint32_t idle = 0;

	/* rte_eal_remote_launch()'s hand-over, which TSan cannot see */
	TSAN_ACQUIRE(ctx);
	ctx->last_rx_tsc = rte_rdtsc();
	while (!quit) {
		uint32_t got = worker_poll(ctx);

		atomic_store_explicit(&ctx->loops, ++ctx->n_loops,
				      memory_order_relaxed);
		if (got)
			idle = 0;
		else
			idle_backoff(ctx, &idle);
	}
	ctx->running = false;
	TSAN_RELEASE(ctx);      /* for rte_eal_mp_wait_lcore() */
	return 0;
}

/* The workers' views for metrics.c (called under the console's lock). */
static struct lb_worker *const *
metrics_views(unsigned int mask)
{
	(void)pub_views_refresh(state, mask, CONSOLE_VIEW_TIMEOUT_MS);
	return pub_views();
}

/* The driver's own drops of worker @p i, for metrics.c. */
static void
worker_drops(unsigned int i, struct metrics_worker_drops *d)
{
	d->tx_queue_full = __atomic_load_n(&wk[i]->tx_full, __ATOMIC_RELAXED);
	d->handoff_ring_full = __atomic_load_n(&wk[i]->handoff_full,
					       __ATOMIC_RELAXED);
	d->chained = __atomic_load_n(&wk[i]->chained, __ATOMIC_RELAXED);
}

/* ---- counters ----------------------------------------------------------------- */

static void
emit(FILE *f, const char *name, uint64_t v, bool always)
{
	if (f != NULL)
		fprintf(f, "%s %" PRIu64 "\n", name, v);
	if (!opt.quiet && (v != 0 || always))
		printf("  %-34s %14" PRIu64 "\n", name, v);
}

static void
print_counters(void)
{
	FILE *f = NULL;
	uint64_t tot[LB_CNT_MAX] = { 0 }, wire[WIRE_RESULT_MAX] = { 0 };
	uint64_t tx_full = 0, ho_full = 0, no_full = 0, chained = 0;
	struct flow_table_stats fts = { 0 };
	uint64_t flows = 0;
	char name[160], ab[64];

	if (opt.stats_file != NULL) {
		f = fopen(opt.stats_file, "w");
		if (f == NULL)
			fprintf(stderr, "dsrlb: cannot write %s: %s\n",
				opt.stats_file, strerror(errno));
	}
	for (uint16_t i = 0; i < n_workers; i++) {
		const struct worker_ctx *c = wk[i];

		for (unsigned int k = 0; k < LB_CNT_MAX; k++)
			tot[k] += c->w.cnt[k];
		for (unsigned int k = 0; k < WIRE_RESULT_MAX; k++)
			wire[k] += c->w.wire[k];
		tx_full += c->tx_full;
		ho_full += c->handoff_full;
		no_full += c->notes_full;
		chained += c->chained;
		flows += flow_table_count(&c->w.ft);
#define ADD_FT(n) fts.n += c->w.ft.stats.n;
		FLOW_TABLE_STATS(ADD_FT)
#undef ADD_FT
	}
	printf("\n---- dsrlb counters (%u worker%s) ----\n", n_workers,
	       n_workers == 1 ? "" : "s");
	for (unsigned int k = 0; k < LB_CNT_MAX; k++)
		emit(f, lb_counter_name(k), tot[k], k == LB_CNT_rx);
	emit(f, "tx_queue_full", tx_full, false);
	emit(f, "handoff_ring_full", ho_full, false);
	emit(f, "notes_ring_full", no_full, false);
	emit(f, "drop_chained", chained, false);
	{
		uint64_t sl = 0;

		for (uint16_t i = 0; i < n_workers; i++)
			sl += wk[i]->idle_sleeps;
		emit(f, "idle_sleeps", sl, false);
	}
	for (unsigned int k = 0; k < WIRE_RESULT_MAX; k++) {
		snprintf(name, sizeof(name), "wire.%s", wire_result_name(k));
		emit(f, name, wire[k], false);
	}
	/* Per lcore: what each worker received and sent, and its flows. */
	for (uint16_t i = 0; i < n_workers; i++) {
		static const enum lb_counter per[] = {
			LB_CNT_rx, LB_CNT_tx_backend, LB_CNT_tx_client,
			LB_CNT_handoff, LB_CNT_flow_new,
		};

		for (unsigned int k = 0; k < RTE_DIM(per); k++) {
			snprintf(name, sizeof(name), "lcore.%u.%s",
				 wk[i]->lcore, lb_counter_name(per[k]));
			emit(f, name, wk[i]->w.cnt[per[k]], false);
		}
		snprintf(name, sizeof(name), "lcore.%u.flows", wk[i]->lcore);
		emit(f, name, flow_table_count(&wk[i]->w.ft), false);
	}
	if (!opt.quiet)
		printf("  flow table:\n");
	emit(f, "flows.live", flows, true);
#define EMIT_FT(n) emit(f, "flows." #n, fts.n, false);
	FLOW_TABLE_STATS(EMIT_FT)
#undef EMIT_FT
	for (uint32_t v = 0; v < state->n_vips; v++) {
		const struct lb_vip_rt *vr = &state->vip[v];
		struct lb_vip_counters vc = { 0 };

		for (uint16_t i = 0; i < n_workers; i++) {
#define ADD_V(n, d) vc.n += wk[i]->w.vip[v].cnt.n;
			LB_VIP_COUNTER_LIST(ADD_V)
#undef ADD_V
		}
		if (!opt.quiet)
			printf("  vip %s %s:%u/%s %s over %s:\n", vr->conf.name,
			       lb_addr_fmt(&vr->conf.addr, ab, sizeof(ab)),
			       vr->conf.port,
			       vr->conf.proto == 6 ? "tcp" : "udp",
			       lb_policy_name(vr->conf.policy),
			       lb_transport_name(vr->conf.transport));
#define EMIT_V(n, d) \
		snprintf(name, sizeof(name), "vip.%s." #n, vr->conf.name); \
		emit(f, name, vc.n, false);
		LB_VIP_COUNTER_LIST(EMIT_V)
#undef EMIT_V
		for (uint32_t b = 0; b < vr->conf.n_backends; b++) {
			struct lb_be_counters bc = { 0 };
			uint16_t score = 0;
			int fresh;

			for (uint16_t i = 0; i < n_workers; i++) {
#define ADD_B(n, d) bc.n += wk[i]->w.vip[v].be_cnt[b].n;
				LB_BE_COUNTER_LIST(ADD_B)
#undef ADD_B
			}
			fresh = busy_select_score(wk[0]->w.vip[v].busy, b,
						  wk[0]->w.last_now_ns, &score);
#define EMIT_B(n, d) \
			snprintf(name, sizeof(name), "vip.%s.backend.%s." #n, \
				 vr->conf.name, vr->be[b].conf.name); \
			emit(f, name, bc.n, false);
			LB_BE_COUNTER_LIST(EMIT_B)
#undef EMIT_B
			snprintf(name, sizeof(name), "vip.%s.backend.%s.score",
				 vr->conf.name, vr->be[b].conf.name);
			emit(f, name, fresh > 0 ? score : 0, false);
		}
	}
	for (uint32_t p = 0; p < cfg.n_ports; p++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(port_id[p], &es) != 0)
			continue;
		snprintf(name, sizeof(name), "port.%s.ipackets",
			 cfg.port[p].name);
		emit(f, name, es.ipackets, true);
		snprintf(name, sizeof(name), "port.%s.opackets",
			 cfg.port[p].name);
		emit(f, name, es.opackets, true);
		snprintf(name, sizeof(name), "port.%s.imissed",
			 cfg.port[p].name);
		emit(f, name, es.imissed, false);
	}
	if (f != NULL)
		fclose(f);
}

/* Every mbuf back in its pool? (The test suite checks this line.) */
static int
check_pools(void)
{
	int leaks = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		unsigned int avail, size;

		if (pools[s] == NULL)
			continue;
		avail = rte_mempool_avail_count(pools[s]);
		size = pools[s]->size;
		printf("mempool %s: %u/%u mbufs free%s\n", pools[s]->name,
		       avail, size, avail == size ? "" : " -- LEAK");
		if (avail != size)
			leaks++;
	}
	return leaks;
}

/* --check-config FILE: load, validate and build the run-time state
 * (routes, next hops, consistent-hash tables) without EAL or ports, print
 * what would run, and exit: 0 when the file would start the appliance. */
static int
check_config(const char *path)
{
	uint8_t macs[LB_MAX_PORTS][6] = { { 0 } };
	struct lb_config c;
	struct lb_state *st = NULL;
	char err[256], ab[64];

	if (lb_config_load(path, &c, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (lb_state_build(&st, &c, (const uint8_t (*)[6])macs, err,
			   sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", path, err);
		lb_config_free(&c);
		return 1;
	}
	printf("%s: ok: %u port%s, %u VIP%s\n", path, c.n_ports,
	       c.n_ports == 1 ? "" : "s", c.n_vips, c.n_vips == 1 ? "" : "s");
	for (uint32_t v = 0; v < st->n_vips; v++) {
		const struct lb_vip_rt *vr = &st->vip[v];
		const struct chash_table *t = atomic_load(&vr->ch1);

		printf("  vip %s %s:%u %s over %s, %u backend%s\n",
		       vr->conf.name, lb_addr_fmt(&vr->conf.addr, ab, sizeof(ab)),
		       vr->conf.port, lb_policy_name(vr->conf.policy),
		       lb_transport_name(vr->conf.transport),
		       vr->conf.n_backends, vr->conf.n_backends == 1 ? "" : "s");
		for (uint32_t b = 0; b < vr->conf.n_backends; b++)
			printf("    %-12s %-24s weight %-4u table share %.2f%%\n",
			       vr->be[b].conf.name,
			       lb_addr_fmt(&vr->be[b].conf.addr, ab, sizeof(ab)),
			       vr->be[b].conf.weight,
			       t && t->m ? 100.0 * t->members[b].owned_first /
					   t->m : 0.0);
	}
	lb_state_free(st);
	lb_config_free(&c);
	return 0;
}

int
main(int argc, char **argv)
{
	uint8_t macs[LB_MAX_PORTS][6];
	char err[256];
	unsigned int lcore;
	uint16_t idx = 0;
	int ret, rc = 0;
	unsigned int w_lcore[MAX_WORKERS];
	struct lb_worker *w_list[MAX_WORKERS];

	for (int i = 1; i + 1 < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0)
			return check_config(argv[i + 1]);
		if (strcmp(argv[i], "--bird-conf") == 0)
			return announce_print_bird_conf(argv[i + 1]);
	}
	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	/* From here on a stop is clean whenever it comes: a signal during
	 * the set-up sets quit, the loop then ends at once (counters
	 * printed, mbufs back in their pools). */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGHUP, on_hup);
	if (parse_args(argc, argv) != 0)
		rte_exit(EXIT_FAILURE, "bad arguments\n");
	if (lb_config_load(opt.config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rte_exit(EXIT_FAILURE, "configuration refused, nothing "
			 "started\n");
	}
	/* One worker per worker lcore; the main lcore works too when it is
	 * alone. */
	n_workers = (uint16_t)(rte_lcore_count() > 1 ?
			       rte_lcore_count() - 1 : 1);
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		if (port_setup(p, macs[p]) != 0)
			rte_exit(EXIT_FAILURE, "port %s refused, nothing "
				 "started\n", cfg.port[p].name);
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		if (ktap_setup(p, &cfg.port[p], macs[p], n_workers,
			       pool_for_socket(rte_eth_dev_socket_id(
				       port_id[p]))) != 0)
			rte_exit(EXIT_FAILURE, "port %s: kernel interface "
				 "refused, nothing started\n",
				 cfg.port[p].name);
	if (opt.clock == CLOCK_PCAP &&
	    rte_mbuf_dyn_rx_timestamp_register(&ts_off, &ts_flag) != 0)
		ts_off = -1;
	ret = lb_state_build(&state, &cfg, (const uint8_t (*)[6])macs, err,
			     sizeof(err));
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "%s: %s\nconfiguration refused, "
			 "nothing started\n", opt.config, err);
	/* Which lcore runs which worker: its memory goes on that lcore's
	 * NUMA node. */
	if (rte_lcore_count() > 1) {
		RTE_LCORE_FOREACH_WORKER(lcore) {
			if (idx >= n_workers)
				break;
			w_lcore[idx++] = lcore;
		}
	} else {
		w_lcore[0] = rte_lcore_id();
	}
	for (uint16_t i = 0; i < n_workers; i++) {
		wk[i] = worker_ctx_alloc(i, w_lcore[i]);
		wk[i]->pool = cfg.n_ports > 0 ? pool_for_socket(
			rte_eth_dev_socket_id(port_id[0])) : NULL;
		worker_rings_create(wk[i]);
		ret = worker_init_on_lcore(&wk[i]->w, state, i, n_workers,
					   rte_rdtsc() ^ ((uint64_t)i << 56) ^
					   (uint64_t)getpid(), wk[i]->lcore,
					   &wk[i]->flow_mem, "dsrlb");
		if (ret != 0)
			rte_exit(EXIT_FAILURE, "worker %u: %s\n", i,
				 strerror(-ret));
		/* With several workers every one computes the owner of a
		 * flow as the ports' RSS does (a port without RSS uses the
		 * same software hash), and hands packets of other lcores'
		 * flows over through their rings. */
		if (n_workers > 1) {
			rss_owner_init();
			wk[i]->w.owner = owner_rss;
			wk[i]->w.owner_arg = NULL;
		}
		wk[i]->running = true;
	}
	printf("dsrlb: %u port%s, %u VIP%s, %u worker%s, clock %s\n",
	       cfg.n_ports, cfg.n_ports == 1 ? "" : "s", state->n_vips,
	       state->n_vips == 1 ? "" : "s", n_workers,
	       n_workers == 1 ? "" : "s",
	       opt.clock == CLOCK_TSC ? "tsc" : "pcap");
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		printf("dsrlb: port %s = ethdev %u (%s), MAC "
		       "%02x:%02x:%02x:%02x:%02x:%02x, role %s, RSS %s, "
		       "IPv4 checksums checked by %s\n",
		       cfg.port[p].name, port_id[p], cfg.port[p].dev,
		       macs[p][0], macs[p][1], macs[p][2], macs[p][3],
		       macs[p][4], macs[p][5],
		       cfg.port[p].role == LB_ROLE_CLIENT ? "client" :
		       cfg.port[p].role == LB_ROLE_SERVER ? "server" : "both",
		       rss_on ? "on" : "off",
		       rx_csum_on[p] ? "the NIC" : "dsrlb");
	fflush(stdout);

	for (uint16_t i = 0; i < n_workers; i++) {
		w_list[i] = &wk[i]->w;
		wk[i]->last_rx_tsc = rte_rdtsc();
	}
	{
		struct console_driver d = {
			.cfg = &cfg, .state = &state, .w = w_list,
			.w_lcore = w_lcore, .n_w = n_workers,
			.port_id = port_id,
			.port_mac = (const uint8_t (*)[6])macs,
			.now_ns = data_now_ns, .quit = &quit,
		};
		struct console_opts co = {
			.interactive = opt.interactive,
			.cmdline_file = opt.cmdline_file,
			.socket_path = opt.ctl_socket,
			.config_path = opt.config,
		};

		struct metrics_driver md = {
			.cfg = &cfg, .state = &state, .views = metrics_views,
			.w_lcore = w_lcore, .n_w = n_workers,
			.port_id = port_id, .now_ns = data_now_ns,
			.lock = console_lock, .unlock = console_unlock,
			.worker_drops = worker_drops,
			.health = console_health(), .ann = announce_get(),
		};

		struct poller_driver pd = {
			.cfg = &cfg, .state = &state,
			.lock = console_lock, .unlock = console_unlock,
		};

		if (console_start(&d, &co) != 0 || metrics_start(&md) != 0 ||
		    poller_start(&pd) != 0)
			rte_exit(EXIT_FAILURE, "control plane refused to "
				 "start, nothing started\n");
	}

	{
		char status[96];

		snprintf(status, sizeof(status), "%u ports, %u VIPs, %u "
			 "workers", cfg.n_ports, state->n_vips, n_workers);
		service_ready(status, clock_tsc_ns());
	}
	if (rte_lcore_count() > 1) {
		for (uint16_t i = 0; i < n_workers; i++) {
			TSAN_RELEASE(wk[i]);
			rte_eal_remote_launch(worker_main, wk[i], wk[i]->lcore);
		}
		/* The main lcore watches for idleness (the control plane has
		 * its own thread) and pings systemd's watchdog while every
		 * worker's loop turns (issue 20): a stalled lcore stops the
		 * pings, and systemd restarts the appliance. */
		uint64_t seen[MAX_WORKERS] = { 0 }, moved[MAX_WORKERS];
		bool stalled[MAX_WORKERS] = { false };

		for (uint16_t i = 0; i < n_workers; i++)
			moved[i] = clock_tsc_ns();
		while (!quit) {
			uint64_t newest = 0, now = clock_tsc_ns();
			bool alive = true;

			for (uint16_t i = 0; i < n_workers; i++) {
				uint64_t l = atomic_load_explicit(
					&wk[i]->loops, memory_order_relaxed);

				if (l != seen[i]) {
					seen[i] = l;
					moved[i] = now;
					stalled[i] = false;
				} else if (now - moved[i] > WORKER_STALL_NS) {
					alive = false;
					if (!stalled[i])
						DSRLB_LOG(ERR, lb, "worker "
							  "lcore %u stalled: "
							  "watchdog not "
							  "pinged\n",
							  wk[i]->lcore);
					stalled[i] = true;
				}
			}
			if (alive)
				service_watchdog(now);
			for (uint16_t i = 0; i < n_workers; i++)
				if (atomic_load_explicit(&wk[i]->last_rx_tsc,
						memory_order_relaxed) > newest)
					newest = atomic_load_explicit(
						&wk[i]->last_rx_tsc,
						memory_order_relaxed);
			if (opt.idle_exit_ms && newest &&
			    (rte_rdtsc() - newest) * 1000 / rte_get_tsc_hz() >=
			    opt.idle_exit_ms)
				quit = true;
			rte_delay_us_sleep(1000);
		}
		rte_eal_mp_wait_lcore();
		for (uint16_t i = 0; i < n_workers; i++)
			TSAN_ACQUIRE(wk[i]);
	} else {
		/* A single lcore: the worker loop runs here, and stops on
		 * idleness itself. */
		{
			struct worker_ctx *c = wk[0];
			uint32_t idle = 0;

			while (!quit) {
				service_watchdog(clock_tsc_ns());
				if (worker_poll(c) != 0) {
					idle = 0;
					continue;
				}
				if (opt.idle_exit_ms &&
				    (rte_rdtsc() - atomic_load_explicit(
					&c->last_rx_tsc, memory_order_relaxed)) *
				    1000 /
				    rte_get_tsc_hz() >= opt.idle_exit_ms)
					break;
				idle_backoff(c, &idle);
			}
		}
	}

	/* Shutdown: stop the control plane and the ports, drain the
	 * hand-off rings, print the counters, give everything back, check
	 * the pools. */
	quit = true;
	service_stopping();
	poller_stop();
	metrics_stop();
	console_stop();
	for (uint32_t p = 0; p < cfg.n_ports; p++) {
		(void)rte_eth_dev_stop(port_id[p]);
	}
	ktap_shutdown(0);
	for (uint16_t i = 0; i < n_workers; i++) {
		void *held[LB_HOLD_MAX];
		uint32_t n;

		handoff_drain(wk[i]);
		n = lb_hold_flush(&wk[i]->w, &wk[i]->hold, held);
		if (n)
			rte_pktmbuf_free_bulk((struct rte_mbuf **)held, n);
	}
	print_counters();
	for (uint32_t p = 0; p < cfg.n_ports; p++)
		(void)rte_eth_dev_close(port_id[p]);
	ktap_shutdown(1);
	if (check_pools() != 0)
		rc = 2;
	for (uint16_t i = 0; i < n_workers; i++) {
		lb_worker_fini(&wk[i]->w);
		rte_free(wk[i]->flow_mem);
		rte_ring_free(wk[i]->handoff);
		rte_free(wk[i]);
	}
	lb_state_free(state);
	lb_config_free(&cfg);
	rte_eal_cleanup();
	return rc;
}
