/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ports' kernel interfaces (see kernel_tap.h).
 */
#include <stdio.h>
#include <string.h>

#include <rte_dev.h>
#include <rte_ethdev.h>

#include "kernel_tap.h"

uint16_t ktap_port_id[LB_MAX_PORTS] = {
	[0 ... LB_MAX_PORTS - 1] = UINT16_MAX,
};

int
ktap_setup(uint32_t pi, const struct lb_port_conf *pc, const uint8_t mac[6],
	   uint16_t n_queues, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	char name[32], args[128];
	uint16_t pid;
	int ret;

	if (pc->kernel[0] == '\0')
		return 0;
	snprintf(name, sizeof(name), "net_tap_dsrlb%u", pi);
	/* The kernel interface gets the port's MAC: the router resolves
	 * the port's address to it, and what the kernel sends leaves the
	 * port with the right source. */
	snprintf(args, sizeof(args),
		 "%s,iface=%s,mac=%02x:%02x:%02x:%02x:%02x:%02x", name,
		 pc->kernel, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
	ret = rte_dev_probe(args);
	if (ret != 0) {
		fprintf(stderr, "dsrlb: port %s: kernel interface %s: net_tap "
			"refused (%s)\n", pc->name, pc->kernel,
			rte_strerror(-ret));
		return -1;
	}
	if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
		fprintf(stderr, "dsrlb: port %s: no ethdev %s\n", pc->name,
			name);
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	ret = rte_eth_dev_configure(pid, n_queues, n_queues, &conf);
	for (uint16_t q = 0; ret == 0 && q < n_queues; q++) {
		ret = rte_eth_rx_queue_setup(pid, q, KTAP_DESC,
					     rte_eth_dev_socket_id(pid), NULL,
					     pool);
		if (ret == 0)
			ret = rte_eth_tx_queue_setup(pid, q, KTAP_DESC,
					rte_eth_dev_socket_id(pid), NULL);
	}
	if (ret == 0)
		ret = rte_eth_dev_start(pid);
	if (ret != 0) {
		fprintf(stderr, "dsrlb: port %s: kernel interface %s: %s\n",
			pc->name, pc->kernel, rte_strerror(-ret));
		return -1;
	}
	ktap_port_id[pi] = pid;
	printf("dsrlb: port %s: kernel interface %s (ethdev %u)\n", pc->name,
	       pc->kernel, pid);
	return 0;
}

void
ktap_shutdown(int close)
{
	for (uint32_t p = 0; p < LB_MAX_PORTS; p++) {
		if (ktap_port_id[p] == UINT16_MAX)
			continue;
		if (close)
			(void)rte_eth_dev_close(ktap_port_id[p]);
		else
			(void)rte_eth_dev_stop(ktap_port_id[p]);
	}
}
