/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include <rte_log.h>

#include "log.h"

RTE_LOG_REGISTER(dsrlb_logtype_lb, user.dsrlb.lb, INFO);
RTE_LOG_REGISTER(dsrlb_logtype_console, user.dsrlb.console, INFO);

static void
tee_write(void *arg, const char *s, size_t n)
{
	struct log_change *lc = arg;

	if (lc->inner.write != NULL)
		lc->inner.write(lc->inner.arg, s, n);
	for (size_t i = 0; i < n && !lc->done; i++) {
		if (s[i] == '\n') {
			lc->done = 1;
			break;
		}
		if (lc->n + 1 < sizeof(lc->first))
			lc->first[lc->n++] = s[i] == '\t' ? ' ' : s[i];
	}
	lc->first[lc->n] = '\0';
}

struct lb_ctl_out
log_change_begin(struct log_change *lc, const struct lb_ctl_out *out)
{
	memset(lc, 0, sizeof(*lc));
	lc->inner = *out;
	return (struct lb_ctl_out){ tee_write, lc };
}

void
log_change_end(struct log_change *lc, const char *who, const char *line,
	       int rc)
{
	size_t skip = strspn(line, " \t");
	size_t len = strcspn(line + skip, "\r\n");
	size_t w0 = strcspn(line + skip, " \t");
	bool read = (w0 == 4 && strncmp(line + skip, "show", 4) == 0) ||
		    (w0 == 4 && strncmp(line + skip, "help", 4) == 0);

	/* trailing blanks (the console pads missing words) */
	while (len > 0 && (line[skip + len - 1] == ' ' ||
			   line[skip + len - 1] == '\t'))
		len--;
	if (rc < 0)
		rte_log(RTE_LOG_WARNING, dsrlb_logtype_console,
			"dsrlb: control: %s: \"%.*s\": refused: %s\n", who,
			(int)len, line + skip, lc->first);
	else
		rte_log(read ? RTE_LOG_DEBUG : RTE_LOG_INFO,
			dsrlb_logtype_console,
			"dsrlb: control: %s: \"%.*s\": ok%s%s\n", who, (int)len,
			line + skip, lc->n && !read ? ": " : "",
			read ? "" : lc->first);
}
