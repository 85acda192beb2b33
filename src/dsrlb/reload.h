/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * "reload" (console, dsrlb-ctl) and SIGHUP: re-read the configuration
 * file and apply only the difference (lb_reload.h) through the live-change
 * path; a file that does not load is refused with file:line and nothing
 * changes.
 */
#ifndef DSRLB_RELOAD_H_
#define DSRLB_RELOAD_H_

#include <stdatomic.h>
#include <stdbool.h>

#include "dsrlb/lb_ctl.h"

/** Set by the SIGHUP handler, taken by the control thread. */
extern atomic_bool reload_requested;

/** Reload @p path into @p env (the control plane's lock held).
 *  @return 0, or -1 after one "error: ..." line. */
int reload_run(struct lb_ctl_env *env, const char *path,
	       struct lb_ctl_out *o);

/** "save [FILE]": write the running configuration to @p file (default
 *  @p path, the --config file) as INI, through a temporary file that
 *  must load back to the running configuration before it replaces
 *  @p file (mode 0600: it holds the auth keys).
 *  @return 0, or -1 after one "error: ..." line (nothing written). */
int save_run(struct lb_ctl_env *env, const char *path, const char *file,
	     struct lb_ctl_out *o);

#endif /* DSRLB_RELOAD_H_ */
