/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The control socket dsrlb-ctl talks to: a unix stream socket, one
 * command per line, each answer ending with a line "\x04 STATUS".
 */
#ifndef DSRLB_CTL_SOCKET_H_
#define DSRLB_CTL_SOCKET_H_

#include <stdbool.h>

#include "dsrlb/lb_ctl.h"

/** Runs one command line of a session; @p who names the peer for the
 *  change log. @return lb_ctl_exec()'s value. */
typedef int (*ctl_socket_run_fn)(const char *line, struct lb_ctl_out *o,
				 bool session, const char *who);

/** Default permissions of the socket file: owner and group only. */
#define CTL_SOCKET_MODE_DEFAULT 0660

/** Set the socket file's mode from @p s (octal, 0..0777, with at least
 *  the owner's 0600). Call before ctl_socket_open(). @return 0; -1 with
 *  the reason in @p err, nothing changed. */
int ctl_socket_parse_mode(const char *s, char *err, size_t errlen);

/** Set the socket file's group from @p s (a name or a numeric gid).
 *  Call before ctl_socket_open(). @return 0; -1 with the reason in
 *  @p err, nothing changed. */
int ctl_socket_parse_group(const char *s, char *err, size_t errlen);

/** Listen on @p path (mode CTL_SOCKET_MODE_DEFAULT unless set). @return 0; -1 (error, printed); -2: another
 *  appliance serves @p path, no socket here. */
int ctl_socket_open(const char *path, ctl_socket_run_fn run);

/** Serve the socket and its sessions, waiting at most @p timeout_ms
 *  (sleeps that long when there is no socket). */
void ctl_socket_poll(int timeout_ms);

/** Close the sessions and the socket (unlinking @p path). */
void ctl_socket_close(const char *path);

/** lb_ctl_out writer to a socket (@p arg: int *fd). */
void ctl_socket_out(void *arg, const char *s, size_t n);

#endif /* DSRLB_CTL_SOCKET_H_ */
