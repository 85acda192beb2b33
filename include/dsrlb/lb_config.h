/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The appliance's configuration model: ports and their addresses, static
 * neighbours and routes, VIPs with their mode and backends, the SRv6
 * function layout and the data-path limits. Plain structs, no DPDK: the
 * INI loader (src/dsrlb/lb_config_load.c, rte_cfgfile) fills them, the
 * console (issue 6) edits copies of them, the engine (lb_engine.h) runs
 * them. docs/configuration.md describes every key.
 */
#ifndef DSRLB_LB_CONFIG_H_
#define DSRLB_LB_CONFIG_H_

#include <stdbool.h>
#include <stdint.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/ip6ext.h"
#include "dsrlb/lb_check.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/probe_sched.h"
#include "dsrlb/sr_accept.h"
#include "dsrlb/quic_lb.h"
#include "dsrlb/srv6_func.h"

#define LB_MAX_PORTS         8u
#define LB_MAX_VIPS          64u
#define LB_MAX_BACKENDS      256u  /**< per VIP */
#define LB_MAX_NEIGHBOURS    256u  /**< static entries */
#define LB_MAX_ROUTES        64u
/** [general] poll_interval_ms (mode polling): default and range */
#define LB_POLL_INTERVAL_DEFAULT_MS 10u
#define LB_POLL_INTERVAL_MIN_MS     1u
#define LB_POLL_INTERVAL_MAX_MS     60000u
#define LB_NAME_LEN          32u
#define LB_DEV_LEN           128u
#define LB_KERNEL_IF_LEN     16u   /**< IFNAMSIZ */
#define LB_SOCK_PATH_LEN     108u  /**< sun_path */

/** An IPv4 or IPv6 address; IPv4 in a[0..3], rest zero. */
struct lb_addr {
	uint8_t family;        /**< 4 or 6; 0: unset */
	uint8_t a[16];         /**< network order */
};

/** What a port faces. Feedback and stickiness messages are accepted only
 *  on server-facing ports (issue 4, "Trust"). */
enum lb_port_role {
	LB_ROLE_CLIENT = 1,    /**< clients: VIP traffic comes in here */
	LB_ROLE_SERVER = 2,    /**< servers: legs go out, answers come in */
	LB_ROLE_BOTH = 3,      /**< one-armed */
};

struct lb_port_conf {
	char name[LB_NAME_LEN];  /**< section name suffix: [port NAME] */
	char dev[LB_DEV_LEN];    /**< ethdev name or PCI address */
	uint8_t role;            /**< enum lb_port_role */
	struct lb_addr ip4;      /**< port address (family 0: none) */
	uint8_t ip4_prefix_len;        /**< connected prefix length */
	struct lb_addr ip6;
	uint8_t ip6_prefix_len;
	struct lb_addr gw4;      /**< default IPv4 gateway (0: none) */
	struct lb_addr gw6;
	uint16_t mtu;            /**< L3 MTU; 0: 1500 */
	char kernel[LB_KERNEL_IF_LEN]; /**< kernel interface of the port's
				  *   exception path (a net_tap carrying the
				  *   port's MAC); "": none */
};

struct lb_neigh_conf {
	struct lb_addr ip;
	uint8_t mac[6];
};

/** A static route: @c prefix / @c plen via @c via (which must resolve
 *  through a connected subnet). */
struct lb_route_conf {
	struct lb_addr prefix;
	uint8_t plen;
	struct lb_addr via;
};

/** How client packets reach the backends (the "transport"). */
enum lb_transport {
	LB_TRANSPORT_DSR = 0,  /**< dynamic-DSR leg with 155/124 or 27/28 */
	LB_TRANSPORT_SRV6 = 1, /**< 6LB SRH steering with stickiness */
};

/** How a new flow picks its backend (the "policy"). */
enum lb_policy {
	LB_POLICY_BUSY = 0,    /**< lowest busyness score (dsr-feedback) */
	LB_POLICY_HUNT,        /**< 6LB: C = 2 candidates, server decides */
	LB_POLICY_MAGLEV,      /**< consistent hash, C = 1 */
	LB_POLICY_RR,          /**< weighted round-robin */
	LB_POLICY_RANDOM,      /**< weighted random */
	LB_POLICY_LATENCY,     /**< Maglev, weights steered by latency */
	LB_POLICY_POLL,        /**< lowest polled score (lb_poll.h) */
	LB_POLICY_MAX
};

/** How a VIP is made reachable (issue 18). */
enum lb_announce_mode {
	LB_ANNOUNCE_ARP = 0,   /**< answer ARP/ND for it on every port */
	LB_ANNOUNCE_BGP = 1,   /**< a route by the routing daemon ([bgp]);
				*   no ARP/ND answers */
	LB_ANNOUNCE_NONE = 2,  /**< neither (the operator routes it) */
};

/** Addressing of the appliance-to-server DSR leg (docs/wire-format.md). */
enum lb_leg {
	LB_LEG_ROUTED = 0,     /**< destination := backend address */
	LB_LEG_L2 = 1,         /**< IP untouched, MAC := backend's MAC */
};

struct lb_backend_conf {
	char name[LB_NAME_LEN];
	struct lb_addr addr;   /**< the server's address for this VIP (the
				*   DSR leg destination); same family as the
				*   VIP */
	uint16_t weight;       /**< 0..CHASH_WEIGHT_MAX; 0: drained */
	bool has_locator;
	uint8_t locator[16];   /**< SRv6 locator (srv6 transport) */
	bool removed;          /**< console: removed; the slot stays so that
				*   the index of every other backend, which
				*   pinned flows hold, never changes */
	bool has_quic_sid;
	uint8_t quic_sid_len;  /**< as written (the loader checks it) */
	uint8_t quic_sid[QUIC_LB_SID_MAX]; /**< QUIC-LB server ID (quic VIPs
					    *   with quic_lb; server_id_len
					    *   octets) */
	bool health_down;      /**< the health monitor took it out of
				*   rotation (lb_health.h); never from a
				*   file */
	bool check_down;       /**< its active checks fail (lb_check.h):
				*   out of rotation, no trial flows; never
				*   from a file */
};

struct lb_vip_conf {
	char name[LB_NAME_LEN];
	struct lb_addr addr;
	uint16_t port;         /**< host order; 0: every port */
	uint8_t proto;         /**< IPPROTO_NUM_TCP or _UDP */
	uint8_t transport;     /**< enum lb_transport */
	uint8_t policy;        /**< enum lb_policy */
	uint8_t leg;           /**< enum lb_leg */
	uint8_t enc;           /**< enum ip6ext_encoding (IPv6 DSR) */
	bool auth;             /**< metric requests carry a keyed nonce
				*   (default; needs [general] auth_key) */
	uint32_t probe_n;      /**< metric request every N-th packet of a
				*   backend; 0: never */
	bool probe_adaptive;
	uint32_t chash_m;      /**< buckets (prime); 0: default */
	struct sr_accept_conf accept_hint; /**< unused by the LB; kept for
					    *   the console's show */
	bool removed;          /**< console: removed (index kept) */
	uint8_t chash_c;       /**< hunt candidates C, 1..2; 0: 2 */
	uint8_t announce;      /**< enum lb_announce_mode */
	uint8_t candidates;    /**< recovery (issue 17): d of the C = d
				*   table a new flow picks among and an
				*   unknown one is offered to, 1..8;
				*   0: LB_RECOVER_D_DEFAULT */
	uint32_t lat_alpha_ppm; /**< latency-feedback: share moved per
				 *   step; 0: the controller's default */
	bool quic;             /**< proto quic: UDP carrying QUIC (docs/quic.md) */
	bool has_quic_lb;      /**< QUIC-LB server IDs in connection IDs */
	struct quic_lb_conf quic_lb;
	bool has_quic_lb_key;  /**< QUIC-LB connection IDs are encrypted
				*   (quic_lb_crypt.h) with quic_lb_key */
	uint8_t quic_lb_key[16];
	uint8_t quic_cid_len;  /**< quic: learn the servers' connection IDs
				*   of this length (lb_quic_cid.h); 0: off */
	uint32_t score_window; /**< a fresh score moves by 1/window of the
				*   difference to a new sample; 0: [general]
				*   score_ewma */
	struct lb_check_conf check; /**< active health checks (lb_check.h) */
	uint32_t n_backends;
	struct lb_backend_conf backend[LB_MAX_BACKENDS];
};

struct lb_config {
	/* [general] */
	uint32_t flow_capacity;     /**< per lcore */
	uint64_t timeout_new_ns;    /**< SYN-only flows */
	uint64_t timeout_est_ns;    /**< established / pinned */
	uint64_t timeout_closing_ns;/**< after FIN/RST or removeStickiness */
	uint32_t idle_sleep_us;     /**< back-off after empty polls */
	uint64_t chash_seed;
	uint64_t recover_secret;    /**< key of recovery cookies; 0: random
				     *   (lb_recover.h) */
	uint64_t score_max_age_ns;  /**< busy_conf.max_age_ns */
	uint32_t score_ewma_w;      /**< busy_conf.ewma_w (Q16) */
	uint32_t score_max_step;    /**< busy_conf.max_step */
	uint64_t probe_timeout_ns;  /**< probe_conf.timeout_ns */
	uint32_t poll_interval_ms;  /**< mode polling: one poll round per
				     *   interval (lb_poll.h) */
	/** Authenticated feedback (auth_key.h): the current key signs every
	 *  new metric request and verifies answers; the previous one only
	 *  verifies answers (rotation without loss). */
	bool has_auth_key;
	bool has_auth_key_prev;
	uint8_t auth_key[16];
	uint8_t auth_key_prev[16];
	struct lb_addr metrics_addr;/**< Prometheus endpoint (metrics.c) */
	uint16_t metrics_port;      /**< 0: no metrics endpoint */
	struct lb_health_conf health; /**< health_* keys (lb_health.h) */
	uint32_t icmp_rate;         /**< ICMP errors sent per second per
				     *   lcore (0: none) */
	bool icmp_echo_vip;         /**< answer echo requests to VIPs */
	bool neigh_solicit;         /**< resolve every next hop ahead of
				     *   traffic (lb_solicit.h) */
	/* [srv6] */
	struct srv6_func_cfg srv6;
	bool has_lb_sid;
	uint8_t lb_sid[16];         /**< this appliance's locator ("lb") */
	/* [bgp] */
	char bird_socket[LB_SOCK_PATH_LEN]; /**< BIRD's control socket;
					     *   "": no announcer */
	uint32_t withdraw_wait_ms;  /**< SIGTERM: wait after withdrawing */
	/* sections */
	uint32_t n_ports;
	struct lb_port_conf port[LB_MAX_PORTS];
	uint32_t n_neigh;
	struct lb_neigh_conf neigh[LB_MAX_NEIGHBOURS];
	uint32_t n_routes;
	struct lb_route_conf route[LB_MAX_ROUTES];
	bool allow_empty_vips;      /**< console: a VIP may have no
				     *   backend yet */
	uint32_t n_vips;
	struct lb_vip_conf *vip;    /**< n_vips entries (heap) */
};

/** Defaults of [general] and [srv6]; no port, VIP or neighbour. */
void lb_config_defaults(struct lb_config *c);

/** Defaults of a [vip] before its keys (tcp, routed leg, paper encoding,
 *  authenticated, a request every 8 packets); no name, address or mode:
 *  the file, the console's "vip add" and "save" agree through it. */
void lb_vip_conf_defaults(struct lb_vip_conf *v);

/**
 * Check a whole configuration for consistency (families, backends in
 * range, duplicate VIPs, SRv6 locators present for the srv6 transport,
 * hunt only on IPv6, a server-facing and a client-facing port...).
 * @param err  receives one line naming the problem.
 * @return 0 or -EINVAL.
 */
int lb_config_validate(const struct lb_config *c, char *err, unsigned int len);

/** Free what lb_config_defaults()/the loader allocated (the VIP array). */
void lb_config_free(struct lb_config *c);

/** Names used in files, counters and the console. */
const char *lb_policy_name(unsigned int p);
const char *lb_transport_name(unsigned int t);
const char *lb_leg_name(unsigned int l);
/** Parse a name; @return the value or -1. */
int lb_policy_parse(const char *s);
int lb_transport_parse(const char *s);
int lb_leg_parse(const char *s);

/** Parse "10.0.0.1" or "2001:db8::1" into @p a. @return 0 or -1. */
int lb_addr_parse(const char *s, struct lb_addr *a);
/** Parse "10.0.0.0/24"; a bare address gets the full length. */
int lb_prefix_parse(const char *s, struct lb_addr *a, uint8_t *plen);
/** Parse "02:00:00:00:00:01". @return 0 or -1. */
int lb_mac_parse(const char *s, uint8_t mac[6]);
/** Format @p a ("10.0.0.1", "2001:db8::1"); returns @p buf. */
const char *lb_addr_fmt(const struct lb_addr *a, char *buf, unsigned int len);
/** True when @p a lies in @p p / @p plen (same family). */
bool lb_addr_in_prefix(const struct lb_addr *a, const struct lb_addr *p,
		       uint8_t plen);
bool lb_addr_eq(const struct lb_addr *a, const struct lb_addr *b);

/** Names of enum lb_port_role ("client", "server", "both") and of enum
 *  ip6ext_encoding ("paper", "dstopt"); "?" when out of range. */
const char *lb_role_name(unsigned int r);
const char *lb_enc_name(unsigned int e);
/** Parse those names; @return the value or -1. */
int lb_role_parse(const char *s);
/** Name of enum lb_announce_mode ("arp", "bgp", "none") and its parser. */
const char *lb_announce_name(unsigned int a);
int lb_announce_parse(const char *s);
int lb_enc_parse(const char *s);

/** True for a port, VIP or backend name: 1..LB_NAME_LEN-1 characters of
 *  A-Z a-z 0-9 _ -. */
bool lb_name_valid(const char *s);

/** What lb_config_validate_at() found at fault. */
enum lb_config_obj {
	LB_CFG_OBJ_NONE = 0,   /**< the configuration as a whole */
	LB_CFG_OBJ_GENERAL,    /**< [general] */
	LB_CFG_OBJ_SRV6,       /**< [srv6] */
	LB_CFG_OBJ_PORT,       /**< port[index] */
	LB_CFG_OBJ_NEIGH,      /**< neigh[index] */
	LB_CFG_OBJ_ROUTE,      /**< route[index] */
	LB_CFG_OBJ_VIP,        /**< vip[index], backend[backend] if >= 0 */
};

/** Where lb_config_validate_at() found a problem, so that a loader can
 *  name the line of a file. */
struct lb_config_where {
	uint8_t obj;           /**< enum lb_config_obj */
	uint32_t index;        /**< port, neighbour, route or VIP index */
	int32_t backend;       /**< backend index of the VIP, -1: none */
	const char *key;       /**< the key of the section at fault (a static
				*   string, e.g. "gateway4"); NULL: the
				*   object (section or backend) as a whole */
};

/** lb_config_validate() that also tells where the problem is (@p where
 *  may be NULL; set to LB_CFG_OBJ_NONE on success). */
int lb_config_validate_at(const struct lb_config *c, char *err,
			  unsigned int len, struct lb_config_where *where);

#endif /* DSRLB_LB_CONFIG_H_ */
