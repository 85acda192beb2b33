/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <string.h>

#include "dsrlb/lb_endpoint.h"

int
lb_endpoint_parse(const char *s, struct lb_endpoint *ep)
{
	char host[64];
	const char *colon, *h = s;
	size_t hl;
	unsigned long port = 0;
	struct lb_endpoint r;

	if (s == NULL || ep == NULL)
		return -1;
	memset(&r, 0, sizeof(r));
	if (strcmp(s, "off") == 0) {
		*ep = r;
		return 0;
	}
	if (s[0] == '[') {
		const char *rb = strchr(s, ']');

		if (rb == NULL || rb[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strchr(s, ':');
		/* An IPv6 address needs brackets: "::1:80" is ambiguous. */
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return -1;
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (lb_addr_parse(host, &r.addr) != 0 ||
	    (s[0] == '[') != (r.addr.family == 6))
		return -1;
	if (colon[1] == '\0' || strlen(colon + 1) > 5)
		return -1;
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return -1;
	r.port = (uint16_t)port;
	*ep = r;
	return 0;
}

const char *
lb_endpoint_fmt(const struct lb_endpoint *ep, char *buf, unsigned int len)
{
	char ab[64];

	if (ep->port == 0)
		snprintf(buf, len, "off");
	else
		snprintf(buf, len, ep->addr.family == 6 ? "[%s]:%u" : "%s:%u",
			 lb_addr_fmt(&ep->addr, ab, sizeof(ab)), ep->port);
	return buf;
}
