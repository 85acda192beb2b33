/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running under systemd (Type=notify, sd_notify(3)): READY=1 once the
 * ports run, STOPPING=1 on the way out, WATCHDOG=1 at half the unit's
 * WatchdogSec= from the loop that must keep turning. Outside systemd
 * (no NOTIFY_SOCKET) every call does nothing.
 */
#ifndef DSRLB_SERVICE_H_
#define DSRLB_SERVICE_H_

#include <stdint.h>

/** Next watchdog ping (ns of clock_tsc_ns()); UINT64_MAX: no watchdog. */
extern uint64_t service_wd_next_ns;

/** Read the watchdog interval (WATCHDOG_USEC) and tell READY=1 with
 *  @p status as STATUS=. @p now_ns: clock_tsc_ns(). */
void service_ready(const char *status, uint64_t now_ns);

/** STOPPING=1. */
void service_stopping(void);

/** Ping the watchdog and schedule the next ping. */
void service_watchdog_ping(uint64_t now_ns);

/** Call from the loop that proves the program alive: one compare when
 *  no ping is due. */
static inline void
service_watchdog(uint64_t now_ns)
{
	if (__builtin_expect(now_ns >= service_wd_next_ns, 0))
		service_watchdog_ping(now_ns);
}

#endif /* DSRLB_SERVICE_H_ */
