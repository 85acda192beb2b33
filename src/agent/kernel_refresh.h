/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The kernel's TCP socket table read again and again, off the packet
 * path (issue 17): a thread dumps it (kernel_socks.c) every period into
 * a buffer and hands the buffer to the agent's loop, which applies it a
 * few sockets per turn (agent_worker_seed_flow: seeds a connection the
 * agent does not know, keeps an idle known one alive) and gives it
 * back. So a connection idle for longer than timeout_established_s is
 * not forgotten while its socket lives, and a recovery offer for it after
 * an appliance restart is taken (docs/agent.md "DSR recovery").
 *
 * One writer, one reader, no lock: the thread fills the buffer only
 * while it is free and publishes it with a release store; the loop reads
 * it after an acquire load and frees it the same way.
 */
#ifndef DSRLB_AGENT_KERNEL_REFRESH_H_
#define DSRLB_AGENT_KERNEL_REFRESH_H_

#include <stddef.h>
#include <stdint.h>

#include "kernel_socks.h"

struct kernel_refresh;

/**
 * Start the thread: a dump every @p period_ns (the first one period
 * after the start), at most @p capacity sockets each (the rest of a
 * dump is left out and counted).
 * @return 0, or a negative errno with one line in @p err.
 */
int kernel_refresh_start(struct kernel_refresh **out, uint32_t capacity,
			 uint64_t period_ns, char *err, size_t len);

/**
 * The loop's side: when a dump is ready, give up to @p budget of its
 * sockets to @p fn (in order, from where the previous call stopped);
 * the last one frees the buffer for the next dump.
 * @return the sockets given.
 */
uint32_t kernel_refresh_apply(struct kernel_refresh *r, kernel_sock_fn fn,
			      void *arg, uint32_t budget);

/** Dumps done, and failed (the first failure's reason in @p err). */
uint64_t kernel_refresh_dumps(const struct kernel_refresh *r);
uint64_t kernel_refresh_failures(const struct kernel_refresh *r,
				 char *err, size_t len);

/** Stop the thread and free everything (@p r may be NULL). */
void kernel_refresh_stop(struct kernel_refresh *r);

#endif /* DSRLB_AGENT_KERNEL_REFRESH_H_ */
