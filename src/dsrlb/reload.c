/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "dsrlb/lb_reload.h"
#include "lb_config_load.h"
#include "reload.h"

atomic_bool reload_requested;

int
reload_run(struct lb_ctl_env *env, const char *path, struct lb_ctl_out *o)
{
	struct lb_config file, next;
	struct lb_reload_diff d;
	char err[512];
	int ret;

	if (path == NULL) {
		lb_ctl_printf(o, "error: reload: no configuration file\n");
		return -1;
	}
	if (lb_config_load(path, &file, err, sizeof(err)) != 0) {
		lb_ctl_printf(o, "error: reload refused, nothing changed: "
			      "%s\n", err);
		return -1;
	}
	ret = lb_reload_merge(&next, env->cfg, &file, &d, err, sizeof(err));
	lb_config_free(&file);
	if (ret < 0) {
		lb_ctl_printf(o, "error: %s: %s; nothing changed\n", path, err);
		return -1;
	}
	if (ret == 0) {
		lb_ctl_printf(o, "reload %s: no change\n", path);
		return 0;
	}
	/* the console's own path: state built aside, adopted by every
	 * worker between bursts; on error it changed nothing */
	if (env->apply(env->arg, &next, err, sizeof(err)) != 0) {
		lb_config_free(&next);
		lb_ctl_printf(o, "error: reload refused, nothing changed: "
			      "%s: %s\n", path, err);
		return -1;
	}
	lb_ctl_printf(o, "reload %s: VIPs %u added, %u removed, %u changed; "
		      "backends %u added, %u removed, %u changed\n", path,
		      d.vip_added, d.vip_removed, d.vip_changed, d.be_added,
		      d.be_removed, d.be_changed);
	return 0;
}
