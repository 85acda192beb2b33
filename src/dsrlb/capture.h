/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pcapng capture of one port (console "capture start|stop"): the workers
 * copy frames into a ring (rte_pcapng_copy), the control thread writes
 * them to the file.
 */
#ifndef DSRLB_CAPTURE_H_
#define DSRLB_CAPTURE_H_

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "dsrlb/lb_config.h"

/** Port index being captured, -1: none. */
extern _Atomic int capture_port;

/** The ethdev id of each configured port (kept, not copied). */
void capture_init(const uint16_t *port_id);

/** The console's "capture start|stop" (lb_ctl_env.capture) over the
 *  ports of @p cfg. @return 0 or -1 with @p err. */
int capture_cmd(const struct lb_config *cfg, int start, const char *port,
		const char *file, uint32_t snaplen, char *err, size_t len);

/** Control thread: write what the workers copied. */
void capture_drain(void);

/** Stop a running capture (at exit). */
void capture_fini(void);

/** Worker side: copy @p n mbufs of port index @p pi in direction @p tx
 *  (0: received). Cheap when no capture runs. */
void capture_burst(uint8_t pi, uint16_t queue, struct rte_mbuf **m,
		   uint16_t n, int tx);

#endif /* DSRLB_CAPTURE_H_ */
