/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dsrlb/lb_config_save.h"
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

static void
fd_write(void *arg, const char *s, size_t n)
{
	int *fd = arg;

	while (*fd >= 0 && n > 0) {
		ssize_t k = write(*fd, s, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			close(*fd);
			*fd = -2;       /* failed: reported by save_run */
			return;
		}
		s += k;
		n -= (size_t)k;
	}
}

int
save_run(struct lb_ctl_env *env, const char *path, const char *file,
	 struct lb_ctl_out *o)
{
	struct lb_config back, next;
	struct lb_reload_diff d;
	char tmp[4200], err[512];
	int fd, ret;

	if (file == NULL)
		file = path;
	if (file == NULL) {
		lb_ctl_printf(o, "error: save: no configuration file: give "
			      "one (save FILE)\n");
		return -1;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.saving", file) >=
	    (int)sizeof(tmp)) {
		lb_ctl_printf(o, "error: save: path too long\n");
		return -1;
	}
	/* the keys are secrets: owner only */
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		lb_ctl_printf(o, "error: save: %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	lb_config_save(env->cfg, &(struct lb_ctl_out){ fd_write, &fd });
	if (fd < 0 || fsync(fd) != 0 || close(fd) != 0) {
		if (fd >= 0)
			close(fd);
		(void)unlink(tmp);
		lb_ctl_printf(o, "error: save: %s: write failed, nothing "
			      "saved\n", tmp);
		return -1;
	}
	/* What is written must load back to the running configuration,
	 * or the file is not replaced. */
	if (lb_config_load(tmp, &back, err, sizeof(err)) != 0) {
		(void)unlink(tmp);
		lb_ctl_printf(o, "error: save: the running configuration "
			      "does not make a valid file (%s); nothing "
			      "saved\n", err);
		return -1;
	}
	ret = lb_reload_merge(&next, env->cfg, &back, &d, err, sizeof(err));
	lb_config_free(&back);
	if (ret != 0) {
		if (ret > 0)
			lb_config_free(&next);
		(void)unlink(tmp);
		lb_ctl_printf(o, "error: save: the written file would not load "
			      "back to the running configuration%s%s; nothing "
			      "saved\n", ret < 0 ? ": " : "",
			      ret < 0 ? err : "");
		return -1;
	}
	if (rename(tmp, file) != 0) {
		lb_ctl_printf(o, "error: save: %s: %s\n", file,
			      strerror(errno));
		(void)unlink(tmp);
		return -1;
	}
	lb_ctl_printf(o, "saved %s\n", file);
	return 0;
}
