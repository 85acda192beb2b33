/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "service.h"

uint64_t service_wd_next_ns = UINT64_MAX;
static uint64_t wd_period_ns;

void
service_ready(const char *status, uint64_t now_ns)
{
	uint64_t usec = 0;

	/* sd_watchdog_enabled() > 0 only for our own pid (WATCHDOG_PID). */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) {
		/* sd_watchdog_enabled(3): ping at half the interval */
		wd_period_ns = usec * 1000ull / 2;
		service_wd_next_ns = now_ns;
	}
	(void)sd_notifyf(0, "READY=1\nSTATUS=%s", status);
	if (service_wd_next_ns != UINT64_MAX)
		service_watchdog_ping(now_ns);
}

void
service_stopping(void)
{
	(void)sd_notify(0, "STOPPING=1\nSTATUS=stopping");
}

void
service_watchdog_ping(uint64_t now_ns)
{
	(void)sd_notify(0, "WATCHDOG=1");
	service_wd_next_ns = now_ns + wd_period_ns;
}
