/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The agent's INI loader (rte_cfgfile; docs/agent.md lists every key).
 */
#ifndef DSRLB_AGENT_CONFIG_LOAD_H_
#define DSRLB_AGENT_CONFIG_LOAD_H_

#include <stddef.h>

#include "dsrlb/agent_config.h"

/*
 * Load and validate PATH into c. On any error returns -1 with c reset to
 * the defaults (never half-configured) and ONE line in err:
 * "PATH:LINE: reason", or "PATH: reason" when no line applies. No EAL
 * needed.
 */
int agent_config_load(const char *path, struct agent_config *c, char *err,
		      size_t errlen);

#endif /* DSRLB_AGENT_CONFIG_LOAD_H_ */
