/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-agent: the server agent. A thin DPDK driver around lib/agent
 * (agent_engine.h): EAL, the two ports (wire, kernel), one loop with
 * burst I/O and idle back-off on the main lcore, the busy source (shared
 * memory or a Unix datagram socket), clean shutdown with counters and a
 * mempool check (exit code 2 on a leak).
 *
 *   dsrlb-agent [EAL options] -- --config FILE [--clock tsc|pcap]
 *               [--idle-exit-ms MS] [--stats-file FILE] [--quiet]
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mbuf_dyn.h>
#include <rte_mempool.h>
#include <rte_pause.h>

#include "../common/cli.h"
#include "../common/dp_clock.h"
#include "../common/mbuf_size.h"
#include "../common/pkt_mbuf.h"
#include "../common/service.h"
#include "agent_config_load.h"
#include "agent_xdp.h"
#include "kernel_refresh.h"
#include "kernel_socks.h"
#include "dsrlb/agent_engine.h"
#include "dsrlb/busy_publish.h"

#define BURST           32
#define RX_DESC         1024
#define TX_DESC         1024
#define MBUF_CACHE      256
#define IDLE_POLLS      64      /* empty polls before sleeping */
#define GC_BUDGET       16      /* flow-table slots per loop */
#define PEND_MAX        4096    /* --clock pcap: frames held per port */
#define BUSY_POLL_NS    1000000ull  /* read the busy source every 1 ms */

enum clock_mode { CLOCK_TSC, CLOCK_PCAP };

static struct {
	const char *config;
	const char *stats_file;
	enum clock_mode clock;
	uint32_t idle_exit_ms;
	bool quiet;
} opt = { .clock = CLOCK_TSC };

static volatile bool quit;
static struct agent_config cfg;

/* Largest L3 MTU of the two ports (0 means 1500). */
static uint32_t
agent_max_mtu(void)
{
	uint32_t m = 1500;

	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		if (cfg.port[p].mtu > m)
			m = cfg.port[p].mtu;
	return m;
}
static struct agent_worker wk;
static uint16_t port_id[AGENT_N_PORTS];
static struct rte_mempool *pool;
static int ts_off = -1;
static uint64_t ts_flag;
static uint64_t tx_full, chained;
static uint64_t busy_updates, busy_errors;
static uint32_t busy_total;
static const struct dsrlb_busy_shm *busy_shm;
static int busy_sock = -1;
static const char *const port_names[AGENT_N_PORTS] = { "wire", "kernel" };
static struct agent_xdp xdp;     /* the wire port on net_af_xdp */

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- --config FILE [options]\n"
	       "  --config FILE       INI configuration (docs/agent.md)\n"
	       "  --clock tsc|pcap    data-path clock: the TSC (default) or the\n"
	       "                      pcap timestamps of net_pcap ports (tests;\n"
	       "                      the ports' frames are merged in time order)\n"
	       "  --idle-exit-ms MS   stop after MS ms without a received packet\n"
	       "  --stats-file FILE   write every counter as 'name value' lines\n"
	       "  --quiet             print only the summary at exit\n",
	       prog);
}

static int
parse_args(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "clock", required_argument, NULL, 'k' },
		{ "idle-exit-ms", required_argument, NULL, 'e' },
		{ "stats-file", required_argument, NULL, 's' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			opt.config = optarg;
			break;
		case 'k':
			if (strcmp(optarg, "tsc") == 0) {
				opt.clock = CLOCK_TSC;
			} else if (strcmp(optarg, "pcap") == 0) {
				opt.clock = CLOCK_PCAP;
			} else {
				fprintf(stderr, "dsrlb-agent: --clock: '%s' is "
					"neither tsc nor pcap\n", optarg);
				return -1;
			}
			break;
		case 'e':
			if (cli_u32(optarg, &opt.idle_exit_ms) != 0) {
				fprintf(stderr, "dsrlb-agent: --idle-exit-ms: "
					"'%s' is not a number\n", optarg);
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
		fprintf(stderr, "dsrlb-agent: --config FILE is required\n");
		return -1;
	}
	return 0;
}


/* ---- ports ------------------------------------------------------------------ */

static int
port_setup(unsigned int pi, uint8_t mac[6], const uint8_t wire_mac[6])
{
	const struct agent_port_conf *pc = &cfg.port[pi];
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	struct rte_ether_addr ea;
	uint16_t pid, nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int ret;

	if (rte_eth_dev_get_port_by_name(pc->dev, &pid) != 0) {
		fprintf(stderr, "dsrlb-agent: port %s: no ethdev '%s' (give "
			"it with --vdev or -a)\n", port_names[pi], pc->dev);
		return -1;
	}
	port_id[pi] = pid;
	ret = rte_eth_dev_info_get(pid, &info);
	if (ret != 0)
		return ret;
	memset(&conf, 0, sizeof(conf));
	if (opt.clock == CLOCK_PCAP &&
	    (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TIMESTAMP))
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TIMESTAMP;
	ret = rte_eth_dev_configure(pid, 1, 1, &conf);
	if (ret != 0) {
		fprintf(stderr, "dsrlb-agent: port %s: configure: %s\n",
			port_names[pi], rte_strerror(-ret));
		return ret;
	}
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(pid, &nb_rxd, &nb_txd);
	if (ret == 0)
		ret = rte_eth_rx_queue_setup(pid, 0, nb_rxd,
					     rte_eth_dev_socket_id(pid), NULL,
					     pool);
	if (ret == 0)
		ret = rte_eth_tx_queue_setup(pid, 0, nb_txd,
					     rte_eth_dev_socket_id(pid), NULL);
	if (ret != 0) {
		fprintf(stderr, "dsrlb-agent: port %s: queues: %s\n",
			port_names[pi], rte_strerror(-ret));
		return ret;
	}
	if (pc->mtu != 0) {
		ret = rte_eth_dev_set_mtu(pid, pc->mtu);
		if (ret != 0 && ret != -ENOTSUP)
			fprintf(stderr, "dsrlb-agent: port %s: MTU %u not "
				"set: %s\n", port_names[pi], pc->mtu,
				rte_strerror(-ret));
	}
	/* A net_tap the agent creates for the server's kernel takes the
	 * wire's MAC: the kernel answers ARP/ND with it, so the appliance's
	 * neighbour entry stays right when the agent restarts (a new tap
	 * would otherwise get a new random MAC, and the agent drops frames
	 * to another MAC: drop_l2_other). */
	if (pi == AGENT_PORT_KERNEL && strcmp(info.driver_name, "net_tap") == 0) {
		struct rte_ether_addr wm;

		memcpy(wm.addr_bytes, wire_mac, 6);
		ret = rte_eth_dev_default_mac_addr_set(pid, &wm);
		if (ret != 0)
			fprintf(stderr, "dsrlb-agent: port %s: MAC of the wire "
				"not set: %s\n", port_names[pi],
				rte_strerror(-ret));
	}
	ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		fprintf(stderr, "dsrlb-agent: port %s: start: %s\n",
			port_names[pi], rte_strerror(-ret));
		return ret;
	}
	/* The kernel must see the frames of the wire as they are (ARP
	 * for the server's own addresses, multicast ND). */
	(void)rte_eth_promiscuous_enable(pid);
	rte_eth_macaddr_get(pid, &ea);
	memcpy(mac, ea.addr_bytes, 6);
	return 0;
}

/* ---- busy source ---------------------------------------------------------------- */

static int
busy_setup(void)
{
	if (cfg.busy_source == AGENT_BUSY_SOCKET) {
		struct sockaddr_un sa;

		busy_sock = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK |
				   SOCK_CLOEXEC, 0);
		if (busy_sock < 0)
			return -errno;
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		if (strlen(cfg.busy_path) >= sizeof(sa.sun_path)) {
			close(busy_sock);
			busy_sock = -1;
			return -ENAMETOOLONG;
		}
		memcpy(sa.sun_path, cfg.busy_path, strlen(cfg.busy_path));
		(void)unlink(cfg.busy_path);
		if (bind(busy_sock, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			int e = -errno;

			close(busy_sock);
			busy_sock = -1;
			return e;
		}
	}
	return 0;
}

static void
busy_poll(void)
{
	uint32_t busy, total;

	if (cfg.busy_source == AGENT_BUSY_SHM) {
		if (busy_shm == NULL &&
		    dsrlb_busy_shm_map_ro(cfg.busy_path, &busy_shm) != 0) {
			/* Not published yet: the busy value stays 0. */
			busy_shm = NULL;
			return;
		}
		if (dsrlb_busy_shm_read(busy_shm, &busy, &total) == 0) {
			if (busy != agent_worker_busy(&wk))
				busy_updates++;
			agent_worker_set_busy(&wk, busy);
			busy_total = total;
		}
	} else if (cfg.busy_source == AGENT_BUSY_SOCKET && busy_sock >= 0) {
		uint8_t buf[64];
		ssize_t n;

		while ((n = recv(busy_sock, buf, sizeof(buf), 0)) >= 0) {
			if (dsrlb_busy_msg_decode(buf, (size_t)n, &busy,
						  &total) != 0) {
				busy_errors++;
				continue;
			}
			agent_worker_set_busy(&wk, busy);
			busy_total = total;
			busy_updates++;
		}
	}
}

/* ---- data path ---------------------------------------------------------------- */

struct txq {
	struct rte_mbuf *m[AGENT_N_PORTS][BURST];
	uint16_t n[AGENT_N_PORTS];
};

static void
txq_flush(struct txq *q)
{
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++) {
		uint16_t n = q->n[p], sent;

		if (n == 0)
			continue;
		sent = rte_eth_tx_burst(port_id[p], 0, q->m[p], n);
		if (sent < n) {
			tx_full += n - sent;
			rte_pktmbuf_free_bulk(q->m[p] + sent, n - sent);
		}
		q->n[p] = 0;
	}
}

static void
process_one(struct txq *q, uint8_t pi, struct rte_mbuf *mb, uint64_t now)
{
	struct pkt_buf pb;
	struct agent_out out;

	if (pkt_buf_from_mbuf(&pb, mb) != 0) {
		chained++;
		rte_pktmbuf_free(mb);
		return;
	}
	agent_worker_process(&wk, &pb, pi, now, &out);
	if (out.action != AGENT_ACT_TX || out.port >= AGENT_N_PORTS) {
		rte_pktmbuf_free(mb);
		return;
	}
	pkt_buf_to_mbuf(&pb, mb);
	q->m[out.port][q->n[out.port]++] = mb;
	if (q->n[out.port] == BURST)
		txq_flush(q);
}

/* --clock pcap: frames held until every port went quiet, then handled
 * in capture-time order across the ports (ties: the wire first), so a
 * test can interleave wire and application traffic. */
static struct rte_mbuf *pend[AGENT_N_PORTS][PEND_MAX];
static uint32_t pend_head[AGENT_N_PORTS], pend_n[AGENT_N_PORTS];
static uint64_t pcap_now;

static uint32_t
poll_pcap(void)
{
	struct txq q = { .n = { 0 } };
	uint32_t got = 0;

	for (unsigned int p = 0; p < AGENT_N_PORTS; p++) {
		while (pend_n[p] + BURST <= PEND_MAX) {
			struct rte_mbuf *m[BURST];
			uint16_t n = rte_eth_rx_burst(port_id[p], 0, m, BURST);

			for (uint16_t i = 0; i < n; i++)
				pend[p][(pend_head[p] + pend_n[p]++) %
					PEND_MAX] = m[i];
			got += n;
			if (n == 0)
				break;
		}
	}
	if (got != 0 && pend_n[0] + BURST <= PEND_MAX &&
	    pend_n[1] + BURST <= PEND_MAX)
		return got;     /* more may come: wait for a quiet round */
	for (;;) {
		int best = -1;
		uint64_t bt = 0;
		struct rte_mbuf *mb;

		for (unsigned int p = 0; p < AGENT_N_PORTS; p++) {
			uint64_t t;

			if (pend_n[p] == 0)
				continue;
			t = clock_mbuf_ns(pend[p][pend_head[p]], ts_off,
					  ts_flag, pcap_now);
			if (best < 0 || t < bt) {
				best = (int)p;
				bt = t;
			}
		}
		if (best < 0)
			break;
		mb = pend[best][pend_head[best]];
		pend_head[best] = (pend_head[best] + 1) % PEND_MAX;
		pend_n[best]--;
		if (bt > pcap_now)
			pcap_now = bt;
		process_one(&q, (uint8_t)best, mb, pcap_now);
		got++;
	}
	txq_flush(&q);
	agent_worker_maintain(&wk, pcap_now, GC_BUDGET);
	return got;
}

static uint32_t
poll_tsc(void)
{
	struct txq q = { .n = { 0 } };
	uint64_t now = clock_tsc_ns();
	uint32_t got = 0;

	for (unsigned int p = 0; p < AGENT_N_PORTS; p++) {
		struct rte_mbuf *m[BURST];
		uint16_t n = rte_eth_rx_burst(port_id[p], 0, m, BURST);

		for (uint16_t i = 0; i < n; i++)
			process_one(&q, (uint8_t)p, m[i], now);
		got += n;
	}
	txq_flush(&q);
	agent_worker_maintain(&wk, now, GC_BUDGET);
	return got;
}

/* ---- the kernel's sockets (issue 17) ---------------------------------------- */

struct seed_ctx {
	uint64_t now;
	uint32_t seeded, full;
};

static void
seed_one(void *arg, const struct kernel_sock *s)
{
	struct seed_ctx *c = arg;
	int r = agent_worker_seed_flow(&wk, s->family, s->remote, s->rport,
				       s->local, s->lport, c->now);

	if (r > 0)
		c->seeded++;
	else if (r < 0)
		c->full++;
}

/* The connections the server's kernel holds on our TCP VIPs become DSR
 * flows, so that an agent that restarted takes the recovery offers of
 * idle connections (docs/agent.md "DSR recovery"). Once, before the
 * loop: the packet path never waits for netlink. A failure is logged;
 * the agent runs without. --clock pcap (tests replaying captures) skips
 * it: the host's sockets are not the capture's. */
static void
seed_from_kernel(void)
{
	struct seed_ctx c = { .now = clock_tsc_ns() };
	char err[160];
	int n;

	if (opt.clock == CLOCK_PCAP)
		return;
	n = kernel_socks_tcp(seed_one, &c, err, sizeof(err));
	if (n < 0)
		printf("dsrlb-agent: kernel socket table not read (%s): "
		       "seeded %u flows, offers of other idle connections "
		       "are passed back\n", err, c.seeded);
	else
		printf("dsrlb-agent: seeded %u flows from the kernel's "
		       "socket table (%d TCP sockets)%s\n", c.seeded, n,
		       c.full ? ", flow table full" : "");
}

/* After the dump at start, the table again every third of
 * timeout_established_s (at least every second), by a thread: a
 * connection idle for longer than the timeout stays known while its
 * socket lives. The loop applies it a few sockets per turn. */
#define REFRESH_BUDGET 64u
static struct kernel_refresh *refresh;

static void
refresh_start(void)
{
	uint64_t period = cfg.timeout_established_ns / 3;
	char err[160];

	if (opt.clock == CLOCK_PCAP)
		return;
	if (period < 1000000000ull)
		period = 1000000000ull;
	if (kernel_refresh_start(&refresh, cfg.flow_capacity, period, err,
				 sizeof(err)) != 0)
		printf("dsrlb-agent: %s: idle connections are forgotten "
		       "after timeout_established_s\n", err);
	else
		printf("dsrlb-agent: kernel socket table read every %.1f s\n",
		       (double)period / 1e9);
}

static void
refresh_apply(void)
{
	struct seed_ctx c = { .now = clock_tsc_ns() };

	(void)kernel_refresh_apply(refresh, seed_one, &c, REFRESH_BUDGET);
}

static void
refresh_stop(void)
{
	char err[160];
	uint64_t failed = kernel_refresh_failures(refresh, err, sizeof(err));

	if (refresh != NULL)
		printf("dsrlb-agent: kernel socket table read %" PRIu64
		       " times%s%s\n", kernel_refresh_dumps(refresh),
		       failed ? ", failed: " : "", failed ? err : "");
	kernel_refresh_stop(refresh);
	refresh = NULL;
}

/* ---- counters ------------------------------------------------------------------- */

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
	char name[96];

	if (opt.stats_file != NULL) {
		f = fopen(opt.stats_file, "w");
		if (f == NULL)
			fprintf(stderr, "dsrlb-agent: cannot write %s: %s\n",
				opt.stats_file, strerror(errno));
	}
	printf("\n---- dsrlb-agent counters ----\n");
	for (unsigned int k = 0; k < AGENT_CNT_MAX; k++)
		emit(f, agent_counter_name(k), wk.cnt[k], k == AGENT_CNT_rx);
	emit(f, "tx_queue_full", tx_full, false);
	emit(f, "drop_chained", chained, false);
	for (unsigned int k = 0; k < WIRE_RESULT_MAX; k++) {
		snprintf(name, sizeof(name), "wire.%s", wire_result_name(k));
		emit(f, name, wk.wire[k], false);
	}
	emit(f, "busy", agent_worker_busy(&wk), true);
	emit(f, "busy_total", busy_total, false);
	emit(f, "busy_updates", busy_updates, false);
	emit(f, "busy_errors", busy_errors, false);
	emit(f, "score", agent_worker_score(&wk), true);
	emit(f, "connections", wk.connections, true);
	emit(f, "half_open", wk.half_open, true);
	emit(f, "flows.live", agent_worker_flows(&wk), true);
	emit(f, "accept.c", sr_accept_get_c(&wk.accept), true);
	emit(f, "accept.accepted", wk.accept.n_accepted, false);
	emit(f, "accept.passed", wk.accept.n_passed, false);
	emit(f, "accept.forced", wk.accept.n_forced, false);
	emit(f, "accept.windows", wk.accept.n_windows, false);
	if (xdp.filter) {
		uint64_t xc[AGENT_XDP_CNT_MAX];

		if (agent_xdp_counters(&xdp, xc) == 0)
			for (unsigned int k = 0; k < AGENT_XDP_CNT_MAX; k++) {
				snprintf(name, sizeof(name), "xdp.%s",
					 agent_xdp_counter_name(k));
				emit(f, name, xc[k], true);
			}
	}
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(port_id[p], &es) != 0)
			continue;
		snprintf(name, sizeof(name), "port.%s.ipackets",
			 port_names[p]);
		emit(f, name, es.ipackets, true);
		snprintf(name, sizeof(name), "port.%s.opackets",
			 port_names[p]);
		emit(f, name, es.opackets, true);
	}
	if (f != NULL)
		fclose(f);
	fflush(stdout);
}

/* The live counters, for the netns test and operators: SIGUSR1 asks for
 * them (written to --stats-file, printed). */
static volatile bool dump_req;

static void
on_usr1(int sig)
{
	(void)sig;
	dump_req = true;
}

int
main(int argc, char **argv)
{
	uint8_t macs[AGENT_N_PORTS][6];
	char err[512];
	uint64_t last_rx, last_busy = 0;
	uint32_t idle = 0;
	unsigned int n_mbufs;
	int ret, rc = 0;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	if (parse_args(argc, argv) != 0)
		rte_exit(EXIT_FAILURE, "bad arguments\n");
	if (agent_config_load(opt.config, &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		rte_exit(EXIT_FAILURE, "configuration refused, nothing "
			 "started\n");
	}
	n_mbufs = AGENT_N_PORTS * (RX_DESC + TX_DESC + PEND_MAX) +
		  MBUF_CACHE + 4 * BURST + 1024;
	pool = rte_pktmbuf_pool_create("agent_mbuf", n_mbufs, MBUF_CACHE, 0,
				       mbuf_data_room(agent_max_mtu()),
				       rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "no mbuf pool: %s\n",
			 rte_strerror(rte_errno));
	if (agent_xdp_clear_stale(cfg.port[AGENT_PORT_WIRE].dev, err,
				  sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "port wire: %s\n", err);
	if (err[0] != '\0')
		printf("dsrlb-agent: port wire: %s\n", err);
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		if (port_setup(p, macs[p], macs[AGENT_PORT_WIRE]) != 0)
			rte_exit(EXIT_FAILURE, "port %s refused, nothing "
				 "started\n", port_names[p]);
	/* net_af_xdp: the filter sends the agent only its frames once its
	 * maps hold the configuration; until then the kernel keeps them. */
	if (agent_xdp_setup(port_id[AGENT_PORT_WIRE], &cfg, &xdp, err,
			    sizeof(err)) != 0)
		rte_exit(EXIT_FAILURE, "port wire: %s\n", err);
	if (xdp.on && xdp.filter)
		printf("dsrlb-agent: port wire on %s: XDP filter (program %u) "
		       "with %u destinations, %u locator%s; everything else "
		       "stays with the kernel\n", xdp.iface, xdp.prog_id,
		       xdp.n_dst, xdp.n_loc, xdp.n_loc == 1 ? "" : "s");
	else if (xdp.on)
		printf("dsrlb-agent: port wire on %s: the PMD's own XDP "
		       "program (no xdp_prog=): every frame of the queue goes "
		       "to the agent\n", xdp.iface);
	if (opt.clock == CLOCK_PCAP &&
	    rte_mbuf_dyn_rx_timestamp_register(&ts_off, &ts_flag) != 0)
		ts_off = -1;
	ret = agent_worker_init(&wk, &cfg, (const uint8_t (*)[6])macs);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "agent: %s\n", strerror(-ret));
	seed_from_kernel();
	refresh_start();
	ret = busy_setup();
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "busy socket %s: %s\n", cfg.busy_path,
			 strerror(-ret));
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_usr1);
	printf("dsrlb-agent: %u VIP%s, busy source %s%s%s, accept %s "
	       "(n %u, c %u), clock %s\n", cfg.n_vips,
	       cfg.n_vips == 1 ? "" : "s",
	       cfg.busy_source == AGENT_BUSY_CONNECTIONS ? "connections" :
	       cfg.busy_source == AGENT_BUSY_SHM ? "shm:" : "socket:",
	       cfg.busy_path, "", cfg.accept.dynamic ? "sr_dyn" : "sr_c",
	       cfg.accept.n_workers, cfg.accept.c_init,
	       opt.clock == CLOCK_TSC ? "tsc" : "pcap");
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		printf("dsrlb-agent: port %s = ethdev %u (%s), MAC "
		       "%02x:%02x:%02x:%02x:%02x:%02x\n", port_names[p],
		       port_id[p], cfg.port[p].dev, macs[p][0], macs[p][1],
		       macs[p][2], macs[p][3], macs[p][4], macs[p][5]);
	fflush(stdout);

	service_ready("running", clock_tsc_ns());
	last_rx = rte_rdtsc();
	while (!quit) {
		uint32_t got;

		service_watchdog(clock_tsc_ns());
		if (cfg.busy_source != AGENT_BUSY_CONNECTIONS) {
			uint64_t now = clock_tsc_ns();

			if (now - last_busy >= BUSY_POLL_NS) {
				busy_poll();
				last_busy = now;
			}
		}
		if (dump_req) {
			dump_req = false;
			print_counters();
		}
		if (refresh != NULL)
			refresh_apply();
		got = opt.clock == CLOCK_PCAP ? poll_pcap() : poll_tsc();
		if (got != 0) {
			idle = 0;
			last_rx = rte_rdtsc();
			continue;
		}
		if (opt.idle_exit_ms &&
		    (rte_rdtsc() - last_rx) * 1000 / rte_get_tsc_hz() >=
		    opt.idle_exit_ms)
			break;
		/* idle_sleep_us = 0: busy polling, never sleep (issue 19) */
		if (++idle >= IDLE_POLLS) {
			if (cfg.idle_sleep_us != 0)
				rte_delay_us_sleep(cfg.idle_sleep_us);
			else
				rte_pause();
		}
	}

	service_stopping();
	refresh_stop();
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		(void)rte_eth_dev_stop(port_id[p]);
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		while (pend_n[p] > 0) {
			rte_pktmbuf_free(pend[p][pend_head[p]]);
			pend_head[p] = (pend_head[p] + 1) % PEND_MAX;
			pend_n[p]--;
		}
	print_counters();
	for (unsigned int p = 0; p < AGENT_N_PORTS; p++)
		(void)rte_eth_dev_close(port_id[p]);
	{
		unsigned int avail = rte_mempool_avail_count(pool);
		/* DPDK 22.11's net_af_xdp does not give back, at close, the
		 * mbufs it put in its umem's fill ring (2048) and those left
		 * in its RX ring: the kernel owns them until the umem goes. */
		unsigned int held = xdp.on ? AGENT_XDP_PMD_FILL + RX_DESC : 0;

		printf("mempool %s: %u/%u mbufs free", pool->name, avail,
		       pool->size);
		if (held != 0)
			printf(" (up to %u held by net_af_xdp's rings)", held);
		printf("%s\n", avail + held >= pool->size ? "" : " -- LEAK");
		if (avail + held < pool->size)
			rc = 2;
	}
	if (busy_sock >= 0) {
		close(busy_sock);
		(void)unlink(cfg.busy_path);
	}
	if (busy_shm != NULL)
		dsrlb_busy_shm_close(busy_shm);
	agent_xdp_close(&xdp);
	agent_worker_fini(&wk);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return rc;
}
