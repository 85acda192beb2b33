/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance's log types (rte_log): user.dsrlb.lb (start-up, services,
 * the data path's control events) and user.dsrlb.console (every control
 * change: who, what, result). EAL writes rte_log lines to stdout and to
 * syslog, so under systemd they are in the journal
 * (journalctl -u dsrlb); --log-level=user.dsrlb.console:debug and the
 * like tune them (docs/operations.md).
 */
#ifndef DSRLB_LOG_H_
#define DSRLB_LOG_H_

#include <stddef.h>

#include <rte_log.h>

#include "dsrlb/lb_ctl.h"

extern int dsrlb_logtype_lb;
extern int dsrlb_logtype_console;

/** rte_log() with a "dsrlb: " prefix on log type @p type (lb, console). */
#define DSRLB_LOG(level, type, ...) \
	rte_log(RTE_LOG_##level, dsrlb_logtype_##type, "dsrlb: " __VA_ARGS__)

/** One command's output passed through, its first line kept for the log. */
struct log_change {
	struct lb_ctl_out inner;
	char first[200];
	size_t n;
	int done;                   /* the first line is complete */
};

/** Wrap @p out: the returned sink writes to @p out and records. */
struct lb_ctl_out log_change_begin(struct log_change *lc,
				   const struct lb_ctl_out *out);

/**
 * Log command @p line of @p who ("console", "uid 1000 pid 42",
 * "script FILE") with its result @p rc (lb_ctl_exec()) on
 * user.dsrlb.console: changes at INFO (errors at WARNING), reads
 * ("show", "help") at DEBUG.
 */
void log_change_end(struct log_change *lc, const char *who, const char *line,
		    int rc);

#endif /* DSRLB_LOG_H_ */
