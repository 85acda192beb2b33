/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server's TCP sockets, read from the kernel of the agent's network
 * namespace with NETLINK_SOCK_DIAG (inet_diag, as ss(8) does), so that
 * an agent that restarted knows which connections its server holds
 * (issue 17: recovery offers; docs/agent.md "DSR recovery").
 */
#ifndef DSRLB_AGENT_KERNEL_SOCKS_H_
#define DSRLB_AGENT_KERNEL_SOCKS_H_

#include <stddef.h>
#include <stdint.h>

/** One connected TCP socket: its family (4 or 6; an IPv4 connection on
 *  a dual-stack IPv6 socket, with v4-mapped addresses, is given as 4),
 *  local and remote address (IPv4 in the first 4 bytes) and port (host
 *  order), and its TCP state (TCP_ESTABLISHED ...). */
struct kernel_sock {
	uint8_t family;
	uint8_t state;
	uint16_t lport;
	uint16_t rport;
	uint8_t local[16];
	uint8_t remote[16];
};

typedef void (*kernel_sock_fn)(void *arg, const struct kernel_sock *s);

/**
 * Call @p fn for every TCP socket of the namespace, IPv4 and IPv6, in a
 * state where it still receives the peer's segments after the handshake
 * (ESTABLISHED, FIN_WAIT1, FIN_WAIT2, CLOSE_WAIT, LAST_ACK, CLOSING).
 * @return the number of sockets given to @p fn, or a negative errno with
 * one line in @p err (what was given before the failure stays given).
 */
int kernel_socks_tcp(kernel_sock_fn fn, void *arg, char *err, size_t len);

#endif /* DSRLB_AGENT_KERNEL_SOCKS_H_ */
