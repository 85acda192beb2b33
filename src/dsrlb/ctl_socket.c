/* SPDX-License-Identifier: BSD-3-Clause */
/* The control socket (see ctl_socket.h). */
#include <errno.h>
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "ctl_socket.h"

#define MAX_CLIENTS     8
#define CLIENT_BUF      2048

static int lsock = -1;
static mode_t sock_mode = CTL_SOCKET_MODE_DEFAULT;
static gid_t sock_gid = (gid_t)-1;     /* -1: the process's group */
static ctl_socket_run_fn run;
static struct client {
	int fd;
	size_t len;
	char who[48];           /* the peer (SO_PEERCRED), for the log */
	char buf[CLIENT_BUF];
} clients[MAX_CLIENTS];

void
ctl_socket_out(void *arg, const char *s, size_t n)
{
	int fd = *(int *)arg;

	while (n > 0) {
		ssize_t k = send(fd, s, n, MSG_NOSIGNAL);

		if (k <= 0)
			return;
		s += k;
		n -= (size_t)k;
	}
}


static int
socket_open(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "dsrlb: control socket path too long: %s\n",
			path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	strcpy(sa.sun_path, path);
	/* Never take the socket of a running appliance away from it. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		fprintf(stderr, "dsrlb: another appliance serves %s: no "
			"control socket here (give --ctl-socket PATH)\n",
			path);
		close(fd);
		return -2;
	}
	if (fd >= 0)
		close(fd);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	(void)unlink(path);
	/* Owner and group only (issue 16): whoever can connect can change
	 * the VIPs. The mode and group are set between bind() and listen():
	 * until listen() nobody can connect, so there is no window in which
	 * the umask's wider mode lets someone in. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    chmod(path, sock_mode) != 0 ||
	    (sock_gid != (gid_t)-1 && chown(path, (uid_t)-1, sock_gid) != 0) ||
	    listen(fd, 4) != 0) {
		fprintf(stderr, "dsrlb: control socket %s: %s\n", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* A session: each line is a command; its output ends with a line
 * "\x04 STATUS" (0 ok, 1 error) so that dsrlb-ctl knows it is complete. */
static void
client_input(struct client *c)
{
	ssize_t k = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
			 0);
	char *nl;

	if (k <= 0) {
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->len += (size_t)k;
	c->buf[c->len] = '\0';
	while ((nl = strchr(c->buf, '\n')) != NULL) {
		struct lb_ctl_out o = { ctl_socket_out, &c->fd };
		char status[8];
		int rc;

		*nl = '\0';
		rc = run(c->buf, &o, true, c->who);
		snprintf(status, sizeof(status), "\x04 %d\n", rc < 0);
		ctl_socket_out(&c->fd, status, strlen(status));
		{
			size_t used = (size_t)(nl + 1 - c->buf);

			memmove(c->buf, nl + 1, c->len - used + 1);
			c->len -= used;
		}
		if (rc == 1) {  /* quit: end of the session */
			close(c->fd);
			c->fd = -1;
			return;
		}
	}
	if (c->len == sizeof(c->buf) - 1) {
		struct lb_ctl_out o = { ctl_socket_out, &c->fd };

		lb_ctl_printf(&o, "error: line too long\n\x04 1\n");
		c->len = 0;
	}
}

void
ctl_socket_poll(int timeout_ms)
{
	struct pollfd pf[MAX_CLIENTS + 1];
	int n = 0;

	if (lsock < 0) {
		if (timeout_ms > 0)
			rte_delay_us_sleep((unsigned int)timeout_ms * 1000);
		return;
	}
	pf[n].fd = lsock;
	pf[n++].events = POLLIN;
	for (int i = 0; i < MAX_CLIENTS; i++) {
		pf[n].fd = clients[i].fd;
		pf[n++].events = POLLIN;
	}
	if (poll(pf, (nfds_t)n, timeout_ms) <= 0)
		return;
	if (pf[0].revents & POLLIN) {
		int fd = accept4(lsock, NULL, NULL, SOCK_CLOEXEC);

		for (int i = 0; fd >= 0 && i < MAX_CLIENTS; i++)
			if (clients[i].fd < 0) {
				struct ucred uc;
				socklen_t ul = sizeof(uc);

				if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc,
					       &ul) == 0)
					snprintf(clients[i].who,
						 sizeof(clients[i].who),
						 "socket uid %u pid %d",
						 (unsigned int)uc.uid, (int)uc.pid);
				else
					snprintf(clients[i].who,
						 sizeof(clients[i].who),
						 "socket");
				clients[i].fd = fd;
				clients[i].len = 0;
				fd = -1;
			}
		if (fd >= 0) {
			struct lb_ctl_out o = { ctl_socket_out, &fd };

			lb_ctl_printf(&o, "error: too many sessions\n\x04 1\n");
			close(fd);
		}
	}
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0 &&
		    (pf[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
			client_input(&clients[i]);
}

int
ctl_socket_parse_mode(const char *s, char *err, size_t errlen)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 8);
	if (*s == '\0' || *s == '-' || *s == '+' || *end != '\0' ||
	    errno != 0 || v > 0777) {
		snprintf(err, errlen, "--ctl-socket-mode: '%s' is not an octal "
			 "mode 0..0777", s);
		return -1;
	}
	/* Without the owner's read and write, dsrlb-ctl run as the owner
	 * could not connect: surely a mistake. */
	if ((v & 0600) != 0600) {
		snprintf(err, errlen, "--ctl-socket-mode: '%s' leaves the owner "
			 "without read and write (0600)", s);
		return -1;
	}
	sock_mode = (mode_t)v;
	return 0;
}

int
ctl_socket_parse_group(const char *s, char *err, size_t errlen)
{
	struct group gr, *res = NULL;
	char buf[4096], *end;
	unsigned long v;

	if (*s == '\0') {
		snprintf(err, errlen, "--ctl-socket-group: empty group");
		return -1;
	}
	if (getgrnam_r(s, &gr, buf, sizeof(buf), &res) == 0 && res != NULL) {
		sock_gid = res->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*s >= '0' && *s <= '9' && *end == '\0' && errno == 0 &&
	    v < (unsigned long)(gid_t)-1) {
		sock_gid = (gid_t)v;
		return 0;
	}
	snprintf(err, errlen, "--ctl-socket-group: no group '%s' (a group "
		 "name or a numeric gid)", s);
	return -1;
}

int
ctl_socket_open(const char *path, ctl_socket_run_fn fn)
{
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i].fd = -1;
	run = fn;
	lsock = socket_open(path);
	return lsock >= 0 ? 0 : lsock;
}

void
ctl_socket_close(const char *path)
{
	if (run == NULL)        /* never opened */
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (clients[i].fd >= 0) {
			close(clients[i].fd);
			clients[i].fd = -1;
		}
	if (lsock >= 0) {
		close(lsock);
		lsock = -1;
		if (path != NULL)
			(void)unlink(path);
	}
}
