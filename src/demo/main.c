/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * dsrlb-demo: read packets from any DPDK port (by default a net_pcap vdev
 * fed with a pcap), run every packet through lib/'s parsers and print what
 * they saw, then send it out unchanged (net_pcap writes tx_pcap).
 *
 * A stand-in for the appliance (issue 4) that already exercises the whole
 * path: EAL, mempool, port, burst I/O, the mbuf <-> pkt_buf adapter, the
 * codecs, per-reason counters, idle back-off, clean shutdown with every
 * mbuf returned to its pool.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../common/cli.h"
#include "../common/pkt_mbuf.h"
#include "dsrlb/pkt_parse.h"
#include "dsrlb/srv6_func.h"
#include "dsrlb/wire.h"

#define BURST 32
#define NB_MBUF 4095
#define RX_DESC 512
#define TX_DESC 512

static volatile bool quit;

struct demo_opts {
	const char *config;     /* INI file, NULL: built-in defaults */
	struct srv6_func_cfg srv6;
	uint32_t print_max;     /* packets printed one per line */
	uint32_t idle_exit_ms;  /* stop after this long without a packet */
	uint32_t idle_sleep_us; /* back-off sleep after an empty poll */
};

struct demo_counters {
	uint64_t rx, tx, tx_dropped, chained;
	uint64_t ipv4, ipv6, other_l3;
	uint64_t msg[PKT_MSG_MAX];
	uint64_t result[WIRE_RESULT_MAX];
};

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

static void
usage(const char *prog)
{
	printf("usage: %s [EAL options] -- [--config FILE] [--print N]"
	       " [--idle-exit-ms MS] [--idle-sleep-us US]\n"
	       "  reads port 0, parses every packet with libdsrlb, prints a\n"
	       "  line per packet (first N, default 64) and the counters,\n"
	       "  sends packets back out of port 0 unchanged\n", prog);
}

static int
parse_args(int argc, char **argv, struct demo_opts *o)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "print", required_argument, NULL, 'p' },
		{ "idle-exit-ms", required_argument, NULL, 'e' },
		{ "idle-sleep-us", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c, idx = 0;

	while ((c = getopt_long(argc, argv, "h", longopts, &idx)) != -1) {
		uint32_t *dst;

		switch (c) {
		case 'c':
			o->config = optarg;
			continue;
		case 'p':
			dst = &o->print_max;
			break;
		case 'e':
			dst = &o->idle_exit_ms;
			break;
		case 's':
			dst = &o->idle_sleep_us;
			break;
		case 'h':
			usage(argv[0]);
			exit(0);
		default:
			usage(argv[0]);
			return -1;
		}
		if (cli_u32(optarg, dst) != 0) {
			fprintf(stderr, "dsrlb-demo: bad value '%s' for --%s\n",
				optarg, longopts[idx].name);
			return -1;
		}
	}
	return 0;
}

/* Load the [srv6] section of @path into @cfg. Every key must be known
 * and every value a number in range; on any error one line names the
 * file, the key and the problem, and nothing is applied. */
static int
load_config(const char *path, struct srv6_func_cfg *out)
{
	struct srv6_func_cfg cfg;
	struct rte_cfgfile *file;
	struct rte_cfgfile_entry entries[32];
	int n, i, ret = -1;
	unsigned int f;

	srv6_func_cfg_default(&cfg);
	file = rte_cfgfile_load(path, 0);
	if (file == NULL) {
		fprintf(stderr, "%s: cannot read or parse the file\n", path);
		return -1;
	}
	n = rte_cfgfile_section_entries(file, "srv6", entries,
					RTE_DIM(entries));
	if (n < 0) {
		fprintf(stderr, "%s: no [srv6] section\n", path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		const char *k = entries[i].name;
		uint64_t v, lo, hi;

		if (srv6_func_cfg_key_range(k, &lo, &hi) != 0) {
			fprintf(stderr, "%s: [srv6] %s: unknown key\n", path,
				k);
			goto out;
		}
		if (cli_u64(entries[i].value, &v) != 0 ||
		    srv6_func_cfg_set_key(&cfg, k, v) != 0) {
			fprintf(stderr, "%s: [srv6] %s: '%s' is not a number"
				" in %" PRIu64 "..%" PRIu64 "\n", path, k,
				entries[i].value, lo, hi);
			goto out;
		}
	}
	for (f = 1; f < SRV6_FUNC_MAX; f++) {
		unsigned int g;

		for (g = 1; g < f; g++)
			if (cfg.code[f] == cfg.code[g]) {
				fprintf(stderr, "%s: [srv6] %s and %s share code"
					" %u\n", path, srv6_func_name(g),
					srv6_func_name(f), cfg.code[f]);
				goto out;
			}
	}
	if (srv6_func_cfg_validate(&cfg) != 0) {
		fprintf(stderr, "%s: [srv6]: inconsistent: locator, function and"
			" argument bits must fit in 128, codes must be nonzero,"
			" distinct and fit in function_bits\n", path);
		goto out;
	}
	*out = cfg;
	ret = 0;
out:
	rte_cfgfile_close(file);
	return ret;
}

static int
port_init(uint16_t port, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	uint16_t nb_rxd = RX_DESC, nb_txd = TX_DESC;
	int ret;

	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (ret != 0)
		return ret;
	ret = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (ret != 0)
		return ret;
	ret = rte_eth_rx_queue_setup(port, 0, nb_rxd,
				     rte_eth_dev_socket_id(port), NULL, pool);
	if (ret != 0)
		return ret;
	ret = rte_eth_tx_queue_setup(port, 0, nb_txd,
				     rte_eth_dev_socket_id(port), NULL);
	if (ret != 0)
		return ret;
	return rte_eth_dev_start(port);
}

static void
inspect(struct rte_mbuf *m, const struct demo_opts *o,
	struct demo_counters *cnt)
{
	struct pkt_buf pb;
	struct pkt_meta meta;
	enum wire_result r;
	char line[256];
	unsigned int i;

	if (pkt_buf_from_mbuf(&pb, m) != 0) {
		cnt->chained++;
		return;
	}
	r = pkt_parse(pkt_buf_data(&pb), pb.len, &meta);
	cnt->result[r]++;
	if (meta.family == 4)
		cnt->ipv4++;
	else if (meta.family == 6)
		cnt->ipv6++;
	else
		cnt->other_l3++;
	for (i = 0; i < PKT_MSG_MAX; i++)
		if (meta.msgs & (1u << i))
			cnt->msg[i]++;
	if (cnt->rx <= o->print_max) {
		int n = pkt_meta_format(&meta, r, line, sizeof(line));

		/* Name the SR function the destination SID designates. */
		if ((meta.msgs & (1u << PKT_MSG_SRH)) && n > 0 &&
		    (size_t)n < sizeof(line))
			snprintf(line + n, sizeof(line) - (size_t)n, " sid=%s",
				 srv6_func_name(srv6_sid_parse(&o->srv6,
							       meta.dst, NULL,
							       NULL)));
		printf("%6" PRIu64 " %s\n", cnt->rx, line);
	}
}

static void
print_counters(const struct demo_counters *cnt)
{
	unsigned int i;

	printf("\n---- dsrlb-demo counters ----\n");
	printf("%-34s %12" PRIu64 "\n", "rx packets", cnt->rx);
	printf("%-34s %12" PRIu64 "\n", "tx packets", cnt->tx);
	printf("%-34s %12" PRIu64 "\n", "tx dropped", cnt->tx_dropped);
	printf("%-34s %12" PRIu64 "\n", "chained mbufs (not parsed)",
	       cnt->chained);
	printf("%-34s %12" PRIu64 "\n", "IPv4", cnt->ipv4);
	printf("%-34s %12" PRIu64 "\n", "IPv6", cnt->ipv6);
	printf("%-34s %12" PRIu64 "\n", "other L3 (ARP, ...)", cnt->other_l3);
	for (i = 0; i < PKT_MSG_MAX; i++)
		printf("msg %-30s %12" PRIu64 "\n", pkt_msg_name(i),
		       cnt->msg[i]);
	for (i = 0; i < WIRE_RESULT_MAX; i++)
		if (cnt->result[i] != 0)
			printf("parse %-28s %12" PRIu64 "  %s\n",
			       wire_result_name(i), cnt->result[i],
			       wire_result_str(i));
}

int
main(int argc, char **argv)
{
	struct demo_opts opts = { .print_max = 64, .idle_exit_ms = 500,
				  .idle_sleep_us = 100 };
	struct demo_counters cnt;
	struct rte_mempool *pool;
	struct rte_mbuf *pkts[BURST];
	uint64_t last_rx, hz;
	unsigned int avail;
	uint16_t port = 0;
	int ret;

	ret = rte_eal_init(argc, argv);
	if (ret < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed: %s\n",
			 rte_strerror(rte_errno));
	argc -= ret;
	argv += ret;
	srv6_func_cfg_default(&opts.srv6);
	if (parse_args(argc, argv, &opts) != 0)
		rte_exit(EXIT_FAILURE, "bad arguments\n");
	if (opts.config != NULL && load_config(opts.config, &opts.srv6) != 0)
		rte_exit(EXIT_FAILURE, "configuration refused, nothing started\n");
	if (rte_eth_dev_count_avail() == 0)
		rte_exit(EXIT_FAILURE, "no port: give one, e.g. --vdev "
			 "net_pcap0,rx_pcap=in.pcap,tx_pcap=out.pcap\n");

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	pool = rte_pktmbuf_pool_create("demo_pool", NB_MBUF, 256, 0,
				       RTE_MBUF_DEFAULT_BUF_SIZE,
				       rte_socket_id());
	if (pool == NULL)
		rte_exit(EXIT_FAILURE, "mbuf pool: %s\n",
			 rte_strerror(rte_errno));
	ret = port_init(port, pool);
	if (ret != 0)
		rte_exit(EXIT_FAILURE, "port %u init: %s\n", port,
			 rte_strerror(-ret));

	memset(&cnt, 0, sizeof(cnt));
	hz = rte_get_timer_hz();
	last_rx = rte_get_timer_cycles();
	while (!quit) {
		uint16_t nb, sent, i;

		nb = rte_eth_rx_burst(port, 0, pkts, BURST);
		if (nb == 0) {
			if (rte_get_timer_cycles() - last_rx >
			    hz / 1000 * opts.idle_exit_ms)
				break;
			/* Idle back-off: give the core to other processes. */
			rte_delay_us_sleep(opts.idle_sleep_us);
			continue;
		}
		last_rx = rte_get_timer_cycles();
		for (i = 0; i < nb; i++) {
			cnt.rx++;
			inspect(pkts[i], &opts, &cnt);
		}
		sent = rte_eth_tx_burst(port, 0, pkts, nb);
		cnt.tx += sent;
		for (i = sent; i < nb; i++) {
			rte_pktmbuf_free(pkts[i]);
			cnt.tx_dropped++;
		}
	}

	print_counters(&cnt);
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	avail = rte_mempool_avail_count(pool);
	printf("%-34s %12u of %u\n", "mbufs back in pool", avail, NB_MBUF);
	ret = avail == NB_MBUF ? EXIT_SUCCESS : EXIT_FAILURE;
	if (ret != EXIT_SUCCESS)
		fprintf(stderr, "dsrlb-demo: %u mbufs leaked\n",
			NB_MBUF - avail);
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return ret;
}
