/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's control plane thread: the interactive console
 * (rte_cmdline on the terminal, with completion), the control socket that
 * dsrlb-ctl talks to, the --cmdline-file script, DPDK telemetry endpoints,
 * live reconfiguration (state built aside, adopted by every worker between
 * bursts), the latency-feedback controllers and pcapng captures. Every
 * command is lib/lb's lb_ctl_exec(); this file only wires it to DPDK.
 */
#ifndef DSRLB_CONSOLE_H_
#define DSRLB_CONSOLE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dsrlb/lb_engine.h"

/** What the driver shares with the control plane. */
struct console_driver {
	struct lb_config *cfg;          /* live configuration */
	struct lb_state **state;        /* current state (replaced live) */
	struct lb_worker **w;           /* workers */
	unsigned int *w_lcore;
	unsigned int n_w;
	const uint16_t *port_id;        /* ethdev id per configured port */
	const uint8_t (*port_mac)[6];
	uint64_t (*now_ns)(void);       /* the data path's clock */
	volatile bool *quit;
};

/** Options of the control plane. */
struct console_opts {
	bool interactive;               /* -i: console on the terminal */
	const char *cmdline_file;       /* run at start */
	const char *socket_path;        /* NULL: no control socket */
	const char *config_path;        /* re-read by reload / SIGHUP */
};

/** Published state generation; workers adopt when theirs differs. */
extern _Atomic uint64_t console_gen;
extern struct lb_state *_Atomic console_next_state;
/** Port index being captured, -1: none. */
extern _Atomic int console_capture_port;

/** A worker tells it runs generation @p gen (lb_worker_adopt done). */
void console_worker_ack(unsigned int w, uint64_t gen);

/** Start the control thread. @return 0 or -1 (message printed). */
int console_start(const struct console_driver *d, const struct console_opts *o);

/** The lock every command holds: readers of the state and the
 *  configuration from other threads (metrics.c) take it too. */
void console_lock(void);
void console_unlock(void);

/** Stop it (closes the socket, restores the terminal, ends a capture). */
void console_stop(void);

/** Worker side of a capture: copy @p n mbufs of port index @p pi in
 *  direction @p tx (0: received). Cheap when no capture runs. */
void console_capture(uint8_t pi, uint16_t queue, struct rte_mbuf **m,
		     uint16_t n, int tx);

#endif /* DSRLB_CONSOLE_H_ */
