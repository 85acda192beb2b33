/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Configuration of the server agent (dsrlb-agent), as loaded from its INI
 * file by src/agent/agent_config_load.c. Plain data, no EAL; docs/agent.md
 * describes every key.
 */
#ifndef DSRLB_AGENT_CONFIG_H_
#define DSRLB_AGENT_CONFIG_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/ip6ext.h"
#include "dsrlb/sr_accept.h"
#include "dsrlb/srv6_func.h"

/** Most VIPs one agent serves. */
#define AGENT_MAX_VIPS      64u
/** Ports: the wire and the kernel. */
#define AGENT_PORT_WIRE     0u
#define AGENT_PORT_KERNEL   1u
#define AGENT_N_PORTS       2u
#define AGENT_NAME_LEN      32u
#define AGENT_PATH_LEN      256u
/** Most [wire] appliance_mac entries. */
#define AGENT_MAX_APPLIANCE_MACS 8u

/** Where the busy count (and so the score) comes from. */
enum agent_busy_source {
	AGENT_BUSY_CONNECTIONS = 0, /**< flows opened by a SYN, not closed */
	AGENT_BUSY_SHM,             /**< a shared-memory file (busy_publish.h) */
	AGENT_BUSY_SOCKET,          /**< a Unix datagram socket */
};

struct agent_vip_conf {
	char name[AGENT_NAME_LEN];
	uint8_t family;             /**< 4 or 6 */
	uint8_t proto;              /**< 6 (TCP) or 17 (UDP) */
	uint16_t port;              /**< VIP port */
	uint8_t addr[16];           /**< VIP address (IPv4 in 4 bytes) */
	bool has_leg;               /**< a routed-leg address is set */
	uint8_t leg[16];            /**< this server's address for the VIP */
};

struct agent_port_conf {
	char dev[64];               /**< ethdev name (net_tap0, ...) */
	uint16_t mtu;               /**< L3 MTU, 0: 1500 */
};

struct agent_config {
	uint32_t flow_capacity;     /**< flows remembered (1024) */
	uint64_t timeout_new_ns;    /**< idle timeout, SYN only seen (5 s) */
	uint64_t timeout_established_ns; /**< idle timeout (300 s) */
	uint64_t timeout_closing_ns;     /**< removeStickiness hold (10 s) */
	uint32_t idle_sleep_us;     /**< sleep after empty polls (100) */
	enum agent_busy_source busy_source;
	char busy_path[AGENT_PATH_LEN];
	struct sr_accept_conf accept; /**< SR_c / SR_dyn */
	struct srv6_func_cfg srv6;
	bool has_locator;
	uint8_t locator[16];        /**< this server's SRv6 locator */
	struct agent_port_conf port[AGENT_N_PORTS];
	uint8_t gateway_mac[6];     /**< destination MAC of what the agent
				     *   sends out of the wire itself */
	bool has_gateway_mac;
	/** Issue 16: source MACs dsrlb messages (client tuple, metric
	 *  request, SR functions) are taken from: the appliances' (l2 leg)
	 *  or the routers' through which they reach this server (routed
	 *  leg). At least one is required. */
	uint32_t n_appliance_macs;
	uint8_t appliance_mac[AGENT_MAX_APPLIANCE_MACS][6];
	/** The appliances' SRv6 locators ([srv6] lb_sid of each): a 6LB
	 *  message whose lb segment is in none is refused. 0: any. */
	uint32_t n_appliance_locators;
	uint8_t appliance_locator[AGENT_MAX_APPLIANCE_MACS][16];
	uint32_t n_vips;
	struct agent_vip_conf vip[AGENT_MAX_VIPS];
};

/** Fill @p c with the defaults (no VIP, no locator, connections). */
void agent_config_defaults(struct agent_config *c);

/**
 * Cross-checks after loading: at least one VIP, distinct VIPs, leg
 * addresses of the VIP's family and not another VIP's address, a
 * gateway MAC, SR functions and acceptance policy valid, a locator when
 * an IPv6 VIP is served by hunt (optional otherwise).
 * @return 0, or -1 with one line in @p err.
 */
int agent_config_validate(const struct agent_config *c, char *err,
			  unsigned int len);

#endif /* DSRLB_AGENT_CONFIG_H_ */
