/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The agent's INI loader. rte_cfgfile parses; a small scan of the text
 * finds the line of every section and key, so that each error names
 * "file:line". Unknown sections and keys are errors: a typo must not
 * leave the agent half-configured.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <rte_cfgfile.h>

#include "dsrlb/cfg_num.h"

#include "agent_config_load.h"

struct ld {
	const char *path;
	char *err;
	size_t errlen;
	FILE *f;                  /* the text, scanned for line numbers */
	struct agent_config *c;
};

__attribute__((format(printf, 3, 4)))
static int
lerr(struct ld *l, unsigned int line, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err != NULL && l->errlen > 0) {
		if (line > 0)
			snprintf(l->err, l->errlen, "%s:%u: %s", l->path, line,
				 msg);
		else
			snprintf(l->err, l->errlen, "%s: %s", l->path, msg);
	}
	return -1;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Line of key @p key in section @p sec (@p key NULL: the section
 * header); 0 when not found. */
static unsigned int
line_of(struct ld *l, const char *sec, const char *key)
{
	char buf[1024], cur[256] = "";
	unsigned int line = 0;

	if (l->f == NULL)
		return 0;
	rewind(l->f);
	while (fgets(buf, sizeof(buf), l->f) != NULL) {
		char *s, *c;

		line++;
		c = strchr(buf, ';');
		if (c != NULL)
			*c = '\0';
		s = trim(buf);
		if (*s == '[') {
			char *e = strchr(s, ']');

			if (e != NULL)
				*e = '\0';
			snprintf(cur, sizeof(cur), "%s", trim(s + 1));
			if (key == NULL && strcmp(cur, sec) == 0)
				return line;
			continue;
		}
		if (key != NULL && strcmp(cur, sec) == 0) {
			char *eq = strchr(s, '=');

			if (eq == NULL)
				continue;
			*eq = '\0';
			if (strcmp(trim(s), key) == 0)
				return line;
		}
	}
	return 0;
}

#define KERR(l, sec, key, ...) lerr(l, line_of(l, sec, key), __VA_ARGS__)

static int
num(struct ld *l, const char *sec, const char *key, const char *v,
    uint64_t lo, uint64_t hi, uint64_t *out)
{
	enum cfg_num_err ne = cfg_num_parse(v, lo, hi, out);
	char msg[256];

	if (ne != CFG_NUM_OK)
		return KERR(l, sec, key, "[%s] %s", sec,
			    cfg_num_strerror(ne, key, v, lo, hi, msg,
					     sizeof(msg)));
	return 0;
}

static int
addr(const char *v, uint8_t *family, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, v, out) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, v, out) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

static int
mac(const char *v, uint8_t out[6])
{
	unsigned int b[6];
	char tail;

	if (sscanf(v, "%x:%x:%x:%x:%x:%x%c", &b[0], &b[1], &b[2], &b[3], &b[4],
		   &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++) {
		if (b[i] > 0xff)
			return -1;
		out[i] = (uint8_t)b[i];
	}
	return 0;
}

/* "MAC [MAC ...]": the appliances' MACs (issue 16). */
static int
appliance_macs(const char *v, struct agent_config *c)
{
	char buf[256], *save = NULL, *tok;
	uint32_t n = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (n == AGENT_MAX_APPLIANCE_MACS ||
		    mac(tok, c->appliance_mac[n]) != 0)
			return -1;
		n++;
	}
	if (n == 0)
		return -1;
	c->n_appliance_macs = n;
	return 0;
}

/* "IPV6 [IPV6 ...]": the appliances' lb locators (issue 16). */
static int
appliance_locators(const char *v, struct agent_config *c)
{
	char buf[512], *save = NULL, *tok;
	uint32_t n = 0;

	if (strlen(v) >= sizeof(buf))
		return -1;
	strcpy(buf, v);
	for (tok = strtok_r(buf, " \t,", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t,", &save)) {
		if (n == AGENT_MAX_APPLIANCE_MACS ||
		    inet_pton(AF_INET6, tok, c->appliance_locator[n]) != 1)
			return -1;
		n++;
	}
	if (n == 0)
		return -1;
	c->n_appliance_locators = n;
	return 0;
}

static int
load_general(struct ld *l, const char *sec, const char *k, const char *v)
{
	struct agent_config *c = l->c;
	uint64_t x;

	if (strcmp(k, "flow_capacity") == 0) {
		if (num(l, sec, k, v, 1, 1u << 24, &x))
			return -1;
		c->flow_capacity = (uint32_t)x;
	} else if (strcmp(k, "timeout_new_ms") == 0) {
		if (num(l, sec, k, v, 1, 3600000, &x))
			return -1;
		c->timeout_new_ns = x * 1000000ull;
	} else if (strcmp(k, "timeout_established_s") == 0) {
		if (num(l, sec, k, v, 1, 86400, &x))
			return -1;
		c->timeout_established_ns = x * 1000000000ull;
	} else if (strcmp(k, "timeout_closing_ms") == 0) {
		if (num(l, sec, k, v, 1, 3600000, &x))
			return -1;
		c->timeout_closing_ns = x * 1000000ull;
	} else if (strcmp(k, "idle_sleep_us") == 0) {
		if (num(l, sec, k, v, 0, 1000000, &x))
			return -1;
		c->idle_sleep_us = (uint32_t)x;
	} else if (strcmp(k, "busy") == 0) {
		const char *p = NULL;

		if (strcmp(v, "connections") == 0) {
			c->busy_source = AGENT_BUSY_CONNECTIONS;
		} else if (strncmp(v, "shm:", 4) == 0) {
			c->busy_source = AGENT_BUSY_SHM;
			p = v + 4;
		} else if (strncmp(v, "socket:", 7) == 0) {
			c->busy_source = AGENT_BUSY_SOCKET;
			p = v + 7;
		} else {
			return KERR(l, sec, k, "[general] busy: '%s' is none "
				    "of connections, shm:PATH, socket:PATH",
				    v);
		}
		if (p != NULL && (*p == '\0' || strlen(p) >= 108))
			return KERR(l, sec, k, "[general] busy: a path of "
				    "1..107 characters is required");
		snprintf(c->busy_path, sizeof(c->busy_path), "%s",
			 p ? p : "");
	} else if (strcmp(k, "workers") == 0) {
		if (num(l, sec, k, v, 1, SR_ACCEPT_MAX_WORKERS, &x))
			return -1;
		c->accept.n_workers = (uint32_t)x;
	} else if (strcmp(k, "accept") == 0) {
		if (strcmp(v, "sr_c") == 0)
			c->accept.dynamic = false;
		else if (strcmp(v, "sr_dyn") == 0)
			c->accept.dynamic = true;
		else
			return KERR(l, sec, k, "[general] accept: '%s' is "
				    "neither sr_c nor sr_dyn", v);
	} else if (strcmp(k, "c") == 0) {
		if (num(l, sec, k, v, 0, SR_ACCEPT_MAX_WORKERS + 1, &x))
			return -1;
		c->accept.c_init = (uint32_t)x;
	} else if (strcmp(k, "window") == 0) {
		if (num(l, sec, k, v, 1, 1000000, &x))
			return -1;
		c->accept.window = (uint32_t)x;
	} else if (strcmp(k, "epsilon") == 0) {
		char *end;
		double d = strtod(v, &end);

		if (*v == '\0' || *end != '\0' || !(d >= 0.0 && d <= 0.5))
			return KERR(l, sec, k, "[general] epsilon: '%s' is "
				    "not a number in 0..0.5", v);
		c->accept.epsilon_ppm = (uint32_t)(d * 1e6 + 0.5);
	} else {
		return KERR(l, sec, k, "[general] %s: unknown key", k);
	}
	return 0;
}

static int
load_srv6(struct ld *l, const char *sec, const char *k, const char *v)
{
	struct agent_config *c = l->c;
	uint64_t x, lo, hi;

	if (strcmp(k, "locator") == 0) {
		uint8_t fam;

		if (addr(v, &fam, c->locator) != 0 || fam != 6)
			return KERR(l, sec, k, "[srv6] locator: '%s' is not "
				    "an IPv6 address", v);
		c->has_locator = true;
	} else {
		if (srv6_func_cfg_key_range(k, &lo, &hi) != 0)
			return KERR(l, sec, k, "[srv6] %s: unknown key", k);
		if (num(l, sec, k, v, lo, hi, &x))
			return -1;
		(void)srv6_func_cfg_set_key(&c->srv6, k, x);
	}
	return 0;
}

static int
load_vip(struct ld *l, const char *sec, const char *name,
	 struct rte_cfgfile_entry *e, int n)
{
	struct agent_config *c = l->c;
	struct agent_vip_conf *v;
	bool has_addr = false;
	uint8_t leg_fam = 0;

	if (c->n_vips >= AGENT_MAX_VIPS)
		return KERR(l, sec, NULL, "more than %u VIPs", AGENT_MAX_VIPS);
	if (*name == '\0' || strlen(name) >= AGENT_NAME_LEN)
		return KERR(l, sec, NULL, "[%s]: a name of 1..%u characters "
			    "is required", sec, AGENT_NAME_LEN - 1);
	v = &c->vip[c->n_vips];
	memset(v, 0, sizeof(*v));
	snprintf(v->name, sizeof(v->name), "%s", name);
	v->proto = 6;
	for (int j = 0; j < n; j++) {
		const char *k = e[j].name, *val = e[j].value;
		uint64_t x;
		uint8_t fam;

		if (strcmp(k, "address") == 0) {
			if (addr(val, &v->family, v->addr) != 0)
				return KERR(l, sec, k, "[%s] address: '%s' is "
					    "not an address", sec, val);
			has_addr = true;
		} else if (strcmp(k, "port") == 0) {
			if (num(l, sec, k, val, 1, 65535, &x))
				return -1;
			v->port = (uint16_t)x;
		} else if (strcmp(k, "proto") == 0) {
			if (strcasecmp(val, "tcp") == 0)
				v->proto = 6;
			else if (strcasecmp(val, "udp") == 0)
				v->proto = 17;
			else
				return KERR(l, sec, k, "[%s] proto: '%s' is "
					    "neither tcp nor udp", sec, val);
		} else if (strcmp(k, "leg_address") == 0) {
			if (addr(val, &fam, v->leg) != 0)
				return KERR(l, sec, k, "[%s] leg_address: '%s' "
					    "is not an address", sec, val);
			v->has_leg = true;
			leg_fam = fam;
		} else {
			return KERR(l, sec, k, "[%s] %s: unknown key", sec, k);
		}
	}
	if (!has_addr)
		return KERR(l, sec, NULL, "[%s]: address is required", sec);
	if (v->port == 0)
		return KERR(l, sec, NULL, "[%s]: port is required", sec);
	if (v->has_leg && leg_fam != v->family)
		return KERR(l, sec, "leg_address", "[%s] leg_address: not of "
			    "the VIP's family", sec);
	c->n_vips++;
	return 0;
}

int
agent_config_load(const char *path, struct agent_config *c, char *err,
		  size_t errlen)
{
	struct ld l = { .path = path, .err = err, .errlen = errlen, .c = c };
	struct rte_cfgfile *cf;
	struct rte_cfgfile_entry *ents = NULL;
	char **names = NULL;
	int n_sec, rc = -1;

	agent_config_defaults(c);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	l.f = fopen(path, "r");
	if (l.f == NULL)
		return lerr(&l, 0, "cannot read: %s", strerror(errno));
	cf = rte_cfgfile_load(path, 0);
	if (cf == NULL) {
		fclose(l.f);
		return lerr(&l, 0, "not a valid INI file");
	}
	n_sec = rte_cfgfile_num_sections(cf, NULL, 0);
	names = calloc(n_sec > 0 ? (size_t)n_sec : 1, sizeof(*names));
	if (names == NULL)
		goto out;
	for (int i = 0; i < n_sec; i++) {
		names[i] = calloc(1, CFG_NAME_LEN);
		if (names[i] == NULL)
			goto out;
	}
	rte_cfgfile_sections(cf, names, n_sec);
	for (int i = 0; i < n_sec; i++) {
		const char *sec = names[i];
		int n = rte_cfgfile_section_num_entries(cf, sec);

		free(ents);
		ents = calloc(n > 0 ? (size_t)n : 1, sizeof(*ents));
		if (ents == NULL)
			goto out;
		n = rte_cfgfile_section_entries(cf, sec, ents, n);
		if (n < 0) {
			lerr(&l, line_of(&l, sec, NULL), "[%s]: unreadable",
			     sec);
			goto out;
		}
		if (strcmp(sec, "general") == 0 || strcmp(sec, "srv6") == 0 ||
		    strcmp(sec, "wire") == 0) {
			for (int j = 0; j < n; j++) {
				const char *k = ents[j].name;
				const char *v = ents[j].value;

				if (sec[0] == 'g') {
					if (load_general(&l, sec, k, v))
						goto out;
				} else if (sec[0] == 's') {
					if (load_srv6(&l, sec, k, v))
						goto out;
				} else if (strcmp(k, "gateway_mac") == 0) {
					if (mac(v, c->gateway_mac) != 0) {
						KERR(&l, sec, k, "[wire] "
						     "gateway_mac: '%s' is not "
						     "a MAC address", v);
						goto out;
					}
					c->has_gateway_mac = true;
				} else if (strcmp(k, "appliance_locator") == 0) {
					if (appliance_locators(v, c) != 0) {
						KERR(&l, sec, k, "[wire] "
						     "appliance_locator: '%s' is "
						     "not 1..%u IPv6 addresses "
						     "separated by blanks", v,
						     AGENT_MAX_APPLIANCE_MACS);
						goto out;
					}
				} else if (strcmp(k, "appliance_mac") == 0) {
					if (appliance_macs(v, c) != 0) {
						KERR(&l, sec, k, "[wire] "
						     "appliance_mac: '%s' is not "
						     "1..%u MAC addresses "
						     "separated by blanks", v,
						     AGENT_MAX_APPLIANCE_MACS);
						goto out;
					}
				} else {
					KERR(&l, sec, k, "[wire] %s: unknown "
					     "key", k);
					goto out;
				}
			}
		} else if (strcmp(sec, "port wire") == 0 ||
			   strcmp(sec, "port kernel") == 0) {
			struct agent_port_conf *p =
				&c->port[sec[5] == 'w' ? AGENT_PORT_WIRE :
							 AGENT_PORT_KERNEL];

			for (int j = 0; j < n; j++) {
				const char *k = ents[j].name;
				const char *v = ents[j].value;
				uint64_t x;

				if (strcmp(k, "dev") == 0 && *v != '\0' &&
				    strlen(v) < sizeof(p->dev)) {
					snprintf(p->dev, sizeof(p->dev), "%s",
						 v);
				} else if (strcmp(k, "mtu") == 0) {
					if (num(&l, sec, k, v, 68, 9000, &x))
						goto out;
					p->mtu = (uint16_t)x;
				} else {
					KERR(&l, sec, k, "[%s] %s: unknown key "
					     "or bad value", sec, k);
					goto out;
				}
			}
		} else if (strncmp(sec, "vip ", 4) == 0) {
			if (load_vip(&l, sec, trim(names[i] + 4), ents, n))
				goto out;
		} else {
			lerr(&l, line_of(&l, sec, NULL), "[%s]: unknown "
			     "section", sec);
			goto out;
		}
	}
	{
		char why[256];

		if (agent_config_validate(c, why, sizeof(why)) != 0) {
			lerr(&l, 0, "%s", why);
			goto out;
		}
	}
	rc = 0;
out:
	if (rc != 0 && err != NULL && errlen > 0 && err[0] == '\0')
		lerr(&l, 0, "out of memory");
	if (names != NULL)
		for (int i = 0; i < n_sec; i++)
			free(names[i]);
	free(names);
	free(ents);
	rte_cfgfile_close(cf);
	fclose(l.f);
	if (rc != 0)
		agent_config_defaults(c);
	return rc;
}
