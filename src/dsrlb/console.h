/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's control plane thread: the interactive console
 * (rte_cmdline on the terminal, with completion) and the --cmdline-file
 * script here; the control socket dsrlb-ctl talks to (ctl_socket.h), DPDK
 * telemetry endpoints (telemetry.h), the hand-over of live changes to the
 * workers (publish.h), the latency-feedback controllers (latency_loop.h)
 * and pcapng captures (capture.h) in their modules. Every command is
 * lib/lb's lb_ctl_exec(); these files only wire it to DPDK.
 */
#ifndef DSRLB_CONSOLE_H_
#define DSRLB_CONSOLE_H_

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

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
	_Atomic bool *quit;
};

/** Options of the control plane. */
struct console_opts {
	bool interactive;               /* -i: console on the terminal */
	const char *cmdline_file;       /* run at start */
	const char *socket_path;        /* NULL: no control socket */
	const char *config_path;        /* re-read by reload / SIGHUP */
};

/** Live changes applied since start (the metrics' state generation). */
extern _Atomic uint64_t console_changes;

/** The passive health view of the control thread (lb_health.h); read it
 *  under console_lock(). */
struct lb_health *console_health(void);

/** How long a command waits for the workers' views (publish.h). */
#define CONSOLE_VIEW_TIMEOUT_MS 1000u

/** The lock every command and telemetry callback holds; readers of the
 *  state and the configuration from other threads (metrics.c) take it
 *  too. */
void console_lock(void);
void console_unlock(void);

/** Start the control thread. @return 0 or -1 (message printed). */
int console_start(const struct console_driver *d, const struct console_opts *o);

/** Stop it (closes the socket, restores the terminal, ends a capture,
 *  frees the hand-over): call once the workers have stopped. */
void console_stop(void);

#endif /* DSRLB_CONSOLE_H_ */
