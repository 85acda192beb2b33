/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active health checks: settings, schedule, HTTP request and status line
 * (lb_check.h, docs/health.md "Active checks").
 */
#include <stdio.h>
#include <string.h>

#include "dsrlb/lb_check.h"

void
lb_check_conf_default(struct lb_check_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->type = LB_CHECK_NONE;
	c->status = LB_CHECK_STATUS_DEFAULT;
	c->interval_ms = LB_CHECK_INTERVAL_DEFAULT;
	c->timeout_ms = LB_CHECK_TIMEOUT_DEFAULT;
	c->path[0] = '/';
}

const char *
lb_check_type_name(unsigned int t)
{
	static const char *const n[] = { "none", "tcp", "http" };

	return t < 3 ? n[t] : "?";
}

bool
lb_check_path_ok(const char *p)
{
	size_t n = 0;

	if (p == NULL || p[0] != '/')
		return false;
	for (; p[n] != '\0'; n++)
		if (p[n] <= ' ' || p[n] > '~' || n + 1 >= LB_CHECK_PATH_LEN)
			return false;
	return true;
}

size_t
lb_check_http_request(const struct lb_check_conf *c, const char *host,
		      char *buf, size_t len)
{
	int r;

	/* HTTP/1.0 and Connection: close: the server closes after its
	 * reply, whatever it is (RFC 9112 §9.3) */
	r = snprintf(buf, len, "GET %s HTTP/1.0\r\nHost: %s\r\n"
		     "User-Agent: dsrlb-check\r\nConnection: close\r\n\r\n",
		     c->path, host);
	if (r < 0 || (size_t)r >= len)
		return 0;
	return (size_t)r;
}

int
lb_check_http_status(const char *buf, size_t n, unsigned int *status)
{
	/* status-line = HTTP-version SP status-code SP [ reason-phrase ]
	 * HTTP-version = "HTTP/" DIGIT "." DIGIT (RFC 9112 §2.3, §4) */
	static const char proto[] = "HTTP/";
	unsigned int s = 0;
	size_t i;

	for (i = 0; i < 5; i++) {
		if (i >= n)
			return 0;
		if (buf[i] != proto[i])
			return -1;
	}
	/* DIGIT "." DIGIT SP DIGIT DIGIT DIGIT */
	for (i = 5; i < 12; i++) {
		char ch;

		if (i >= n)
			return 0;
		ch = buf[i];
		if (i == 6 ? ch != '.' : i == 8 ? ch != ' ' :
		    ch < '0' || ch > '9')
			return -1;
		if (i >= 9)
			s = s * 10 + (unsigned int)(ch - '0');
	}
	if (s < 100)
		return -1;
	/* then SP and a reason, or the line's end */
	if (i >= n)
		return 0;
	if (buf[i] != ' ' && buf[i] != '\r' && buf[i] != '\n')
		return -1;
	for (; i < n; i++)
		if (buf[i] == '\n') {
			*status = s;
			return 1;
		}
	return 0;
}

bool
lb_check_due(struct lb_check_slot *s, const struct lb_check_conf *c,
	     uint32_t v, uint32_t b, uint64_t now_ns)
{
	const uint64_t iv = (uint64_t)c->interval_ms * 1000000ull;

	if (s->running)
		return false;
	if (s->next_ns == 0) {
		/* spread the first checks: a multiplicative hash of (v, b)
		 * picks the offset within the interval */
		uint32_t h = (v * 0x9e3779b1u) ^ (b * 0x85ebca6bu);

		h ^= h >> 15;
		s->next_ns = now_ns + (iv ? (uint64_t)h % iv : 0) + 1;
	}
	return now_ns >= s->next_ns;
}

void
lb_check_start(struct lb_check_slot *s, const struct lb_check_conf *c,
	       uint64_t now_ns)
{
	const uint64_t iv = (uint64_t)c->interval_ms * 1000000ull;

	s->running = true;
	s->deadline_ns = now_ns + (uint64_t)c->timeout_ms * 1000000ull;
	/* the next one an interval after this one's start, late checks do
	 * not pile up: never before this one's deadline */
	s->next_ns = now_ns + iv;
	if (s->next_ns < s->deadline_ns)
		s->next_ns = s->deadline_ns;
}

int
lb_check_http_outcome(const struct lb_check_conf *c, const char *buf,
		      size_t n, bool closed, unsigned int *status)
{
	unsigned int s = 0;
	int r = lb_check_http_status(buf, n, &s);

	if (r == 0 && !closed)
		return -1;
	if (r <= 0)
		return LB_CHECK_BAD_REPLY;
	*status = s;
	return s == c->status ? LB_CHECK_OK : LB_CHECK_STATUS;
}

const char *
lb_check_describe(enum lb_check_outcome o, unsigned int status, char *buf,
		  size_t len)
{
	switch (o) {
	case LB_CHECK_OK:
		snprintf(buf, len, "ok");
		break;
	case LB_CHECK_REFUSED:
		snprintf(buf, len, "connect refused");
		break;
	case LB_CHECK_CONNECT_TIMEOUT:
		snprintf(buf, len, "connect timeout");
		break;
	case LB_CHECK_REPLY_TIMEOUT:
		snprintf(buf, len, "reply timeout");
		break;
	case LB_CHECK_STATUS:
		snprintf(buf, len, "HTTP %u", status);
		break;
	case LB_CHECK_BAD_REPLY:
		snprintf(buf, len, "no HTTP status");
		break;
	default:
		snprintf(buf, len, "local error");
		break;
	}
	return buf;
}
