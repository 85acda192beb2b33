/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NETLINK_SOCK_DIAG dump of TCP sockets (linux/inet_diag.h): one
 * SOCK_DIAG_BY_FAMILY request with NLM_F_DUMP per family, answered by a
 * series of inet_diag_msg ended by NLMSG_DONE. Replies are parsed
 * defensively: every length is checked, NLMSG_ERROR ends the dump with
 * its error, a truncated datagram is an error, a reply that does not
 * answer our request is skipped.
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "kernel_socks.h"

#define RECV_BUF  32768u
#define RECV_WAIT_S 2        /* a dump that stalls this long is an error */

/* The states the kernel still takes the peer's segments in once the
 * handshake ended (RFC 793 §3.2): SYN_RECV is not needed (the agent
 * learns a connection from its SYN), TIME_WAIT holds no socket to
 * deliver data to. */
#define STATES ((1u << TCP_ESTABLISHED) | (1u << TCP_FIN_WAIT1) | \
		(1u << TCP_FIN_WAIT2) | (1u << TCP_CLOSE_WAIT) | \
		(1u << TCP_LAST_ACK) | (1u << TCP_CLOSING))

static bool
v4_mapped(const uint32_t *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					 0xff, 0xff };

	return memcmp(a, pfx, sizeof(pfx)) == 0;
}

/* One inet_diag_msg (@p len bytes from its start) into @p s; false when
 * it is too short or of no family we asked for. */
static bool
parse_msg(const struct inet_diag_msg *d, size_t len, uint8_t family,
	  struct kernel_sock *s)
{
	const uint8_t *src, *dst;

	if (len < sizeof(*d) || d->idiag_family != family)
		return false;
	memset(s, 0, sizeof(*s));
	s->state = d->idiag_state;
	s->lport = ntohs(d->id.idiag_sport);
	s->rport = ntohs(d->id.idiag_dport);
	src = (const uint8_t *)d->id.idiag_src;
	dst = (const uint8_t *)d->id.idiag_dst;
	if (family == AF_INET) {
		s->family = 4;
		memcpy(s->local, src, 4);
		memcpy(s->remote, dst, 4);
	} else if (v4_mapped(d->id.idiag_src) && v4_mapped(d->id.idiag_dst)) {
		/* an IPv4 connection accepted by a dual-stack socket */
		s->family = 4;
		memcpy(s->local, src + 12, 4);
		memcpy(s->remote, dst + 12, 4);
	} else {
		s->family = 6;
		memcpy(s->local, src, 16);
		memcpy(s->remote, dst, 16);
	}
	return true;
}

static int
dump_family(int fd, uint8_t family, uint32_t seq, kernel_sock_fn fn,
	    void *arg, char *err, size_t len)
{
	struct {
		struct nlmsghdr nh;
		struct inet_diag_req_v2 r;
	} req;
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	static union {
		struct nlmsghdr nh;
		uint8_t b[RECV_BUF];
	} buf;
	const char *fam = family == AF_INET ? "IPv4" : "IPv6";
	int n = 0;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = seq;
	req.r.sdiag_family = family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = STATES;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl,
		   sizeof(nl)) != (ssize_t)sizeof(req)) {
		snprintf(err, len, "sock_diag %s request: %s", fam,
			 strerror(errno));
		return -errno;
	}
	for (;;) {
		struct iovec iov = { .iov_base = buf.b, .iov_len = sizeof(buf) };
		struct msghdr mh = { .msg_name = &nl, .msg_namelen = sizeof(nl),
				     .msg_iov = &iov, .msg_iovlen = 1 };
		struct nlmsghdr *h;
		ssize_t got = recvmsg(fd, &mh, 0);
		size_t off;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			snprintf(err, len, "sock_diag %s reply: %s", fam,
				 errno == EAGAIN ? "no answer within 2 s" :
				 strerror(errno));
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			snprintf(err, len, "sock_diag %s reply truncated",
				 fam);
			return -EMSGSIZE;
		}
		if (got == 0) {
			snprintf(err, len, "sock_diag %s reply: end of "
				 "stream before NLMSG_DONE", fam);
			return -EPROTO;
		}
		if (nl.nl_pid != 0)     /* not from the kernel */
			continue;
		/* The walk of NLMSG_OK()/NLMSG_NEXT(), written out: those
		 * macros mix signed and unsigned lengths. */
		for (off = 0;
		     off + sizeof(*h) <= (size_t)got &&
		     (h = (struct nlmsghdr *)(buf.b + off))->nlmsg_len >=
		     sizeof(*h) && h->nlmsg_len <= (size_t)got - off;
		     off += NLMSG_ALIGN(h->nlmsg_len)) {
			struct kernel_sock s;

			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				int code = EPROTO;

				if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e))) {
					if (e->error == 0)  /* an ACK */
						continue;
					if (e->error < 0)
						code = -e->error;
				}
				snprintf(err, len, "sock_diag %s: %s", fam,
					 strerror(code));
				return -code;
			}
			/* NLM_F_DUMP_INTR (sockets came and went during the
			 * dump) may miss or repeat one: seeding is idempotent
			 * and a missed socket is as before, so keep going. */
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY)
				continue;
			if (!parse_msg(NLMSG_DATA(h),
				       h->nlmsg_len - NLMSG_LENGTH(0),
				       family, &s))
				continue;
			fn(arg, &s);
			n++;
		}
		if (off < (size_t)got && (size_t)got - off >= sizeof(*h)) {
			/* a message longer than the datagram */
			snprintf(err, len, "sock_diag %s reply: malformed "
				 "message (%zu bytes left)", fam,
				 (size_t)got - off);
			return -EPROTO;
		}
	}
}

int
kernel_socks_tcp(kernel_sock_fn fn, void *arg, char *err, size_t len)
{
	const struct timeval wait = { .tv_sec = RECV_WAIT_S };
	int fd, n4, n6;

	err[0] = '\0';
	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0) {
		snprintf(err, len, "sock_diag socket: %s", strerror(errno));
		return -errno;
	}
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof(wait));
	n4 = dump_family(fd, AF_INET, 1, fn, arg, err, len);
	if (n4 < 0) {
		close(fd);
		return n4;
	}
	n6 = dump_family(fd, AF_INET6, 2, fn, arg, err, len);
	close(fd);
	return n6 < 0 ? n6 : n4 + n6;
}
