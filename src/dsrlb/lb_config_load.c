/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cfgfile.h>

#include "dsrlb/auth_key.h"
#include "dsrlb/busy_select.h"
#include "dsrlb/cfg_num.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/lb_keys.h"
#include "dsrlb/wire.h"

#include "dsrlb/lb_endpoint.h"
#include "lb_config_load.h"

/* The largest file read: far above any real configuration. */
#define LOAD_FILE_MAX (4u << 20)
/* rte_cfgfile_load() reads lines with fgets() into a buffer of this
 * size and fails on a longer line. */
#define CFG_LINE_BUF (CFG_NAME_LEN + CFG_VALUE_LEN + 4)

/*
 * rte_cfgfile does not keep line numbers, so the loader scans the file
 * text once itself with rte_cfgfile's rules (';' comment unless escaped,
 * blanks stripped, "[name]" or "key = value") and keeps where each section
 * and key is. The scan is also stricter than rte_cfgfile: a line that is
 * neither (which rte_cfgfile skips silently) is an error.
 */
struct scan_ent {
	unsigned int line;
	char key[CFG_NAME_LEN];
};

struct scan_sec {
	unsigned int line;
	char name[CFG_NAME_LEN];
	unsigned int first;   /* index of its first entry in ent[] */
	unsigned int n;
};

struct scan {
	struct scan_sec *sec;
	unsigned int n_sec, cap_sec;
	struct scan_ent *ent;
	unsigned int n_ent, cap_ent;
};

enum sec_kind {
	SEC_GENERAL,
	SEC_SRV6,
	SEC_PORT,
	SEC_NEIGH,
	SEC_ROUTES,
	SEC_BGP,
	SEC_VIP,
};

struct ld {
	const char *path;
	char *err;
	size_t errlen;
	struct scan sc;
	bool lines_ok;          /* sc matches rte_cfgfile index for index */
	struct rte_cfgfile *cf;
	unsigned int n_sec;
	char **names;           /* rte_cfgfile's section names */
	uint8_t *kind;          /* enum sec_kind of each section */
	struct lb_config *c;
	int general_sec, srv6_sec;
	int port_sec[LB_MAX_PORTS];
	int *vip_sec;
	unsigned int neigh_line[LB_MAX_NEIGHBOURS];
	unsigned int route_line[LB_MAX_ROUTES];
	/* the section being read */
	int cur;
	struct rte_cfgfile_entry *ents;
	int n_ents;
};

__attribute__((format(printf, 3, 4)))
static int
lerr(struct ld *l, unsigned int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err == NULL || l->errlen == 0)
		return -1;
	if (line > 0)
		snprintf(l->err, l->errlen, "%s:%u: %s", l->path, line, msg);
	else
		snprintf(l->err, l->errlen, "%s: %s", l->path, msg);
	return -1;
}

/* Scanner */

static int
scan_add_sec(struct scan *s, unsigned int line, const char *name)
{
	if (s->n_sec == s->cap_sec) {
		unsigned int cap = s->cap_sec ? 2 * s->cap_sec : 16;
		struct scan_sec *p = realloc(s->sec, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->sec = p;
		s->cap_sec = cap;
	}
	s->sec[s->n_sec].line = line;
	snprintf(s->sec[s->n_sec].name, CFG_NAME_LEN, "%s", name);
	s->sec[s->n_sec].first = s->n_ent;
	s->sec[s->n_sec].n = 0;
	s->n_sec++;
	return 0;
}

static int
scan_add_ent(struct scan *s, unsigned int line, const char *key)
{
	if (s->n_ent == s->cap_ent) {
		unsigned int cap = s->cap_ent ? 2 * s->cap_ent : 64;
		struct scan_ent *p = realloc(s->ent, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->ent = p;
		s->cap_ent = cap;
	}
	s->ent[s->n_ent].line = line;
	snprintf(s->ent[s->n_ent].key, CFG_NAME_LEN, "%s", key);
	s->n_ent++;
	s->sec[s->n_sec - 1].n++;
	return 0;
}

static void
scan_free(struct scan *s)
{
	free(s->sec);
	free(s->ent);
	memset(s, 0, sizeof(*s));
}

/* Strip blanks at both ends of b[0..n) in place; returns the new start. */
static char *
strip(char *b, size_t *n)
{
	while (*n > 0 && isspace((unsigned char)b[*n - 1]))
		(*n)--;
	b[*n] = '\0';
	while (*n > 0 && isspace((unsigned char)*b)) {
		b++;
		(*n)--;
	}
	return b;
}

/* Length of a value once rte_cfgfile has turned each "\;" into ";". */
static size_t
value_len(const char *v)
{
	size_t n = 0;

	for (; *v != '\0'; v++)
		if (!(v[0] == '\\' && v[1] == ';'))
			n++;
	return n;
}

static int
scan_text(struct ld *l, char *text, size_t size)
{
	unsigned int line = 0;
	size_t pos = 0;

	while (pos < size) {
		char *b = text + pos, *nl, *eq, *end;
		size_t n, full;

		line++;
		nl = memchr(b, '\n', size - pos);
		full = nl != NULL ? (size_t)(nl - b) : size - pos;
		pos += full + 1;
		if (memchr(b, '\0', full) != NULL)
			return lerr(l, line, "NUL byte in the line");
		if (full >= CFG_LINE_BUF - 1)
			return lerr(l, line, "line too long (at most %u "
				    "characters)", CFG_LINE_BUF - 2);
		b[full] = '\0';
		/* rte_cfgfile: the first ';' starts a comment unless it is
		 * escaped as "\;". */
		end = strchr(b, ';');
		n = full;
		if (end != NULL && (end == b || end[-1] != '\\'))
			n = (size_t)(end - b);
		b = strip(b, &n);
		if (n == 0)
			continue;
		if (b[0] == '[') {
			char *name;
			size_t k;

			end = strchr(b, ']');
			if (end == NULL)
				return lerr(l, line, "section header without "
					    "closing ']'");
			if (end[1] != '\0')
				return lerr(l, line, "text after the section "
					    "header's ']'");
			k = (size_t)(end - b - 1);
			name = strip(b + 1, &k);
			if (k == 0)
				return lerr(l, line, "empty section name");
			if (k >= CFG_NAME_LEN)
				return lerr(l, line, "section name too long "
					    "(at most %u characters)",
					    CFG_NAME_LEN - 1);
			if (scan_add_sec(&l->sc, line, name) != 0)
				return lerr(l, 0, "out of memory");
			continue;
		}
		eq = strchr(b, '=');
		if (eq == NULL)
			return lerr(l, line, "'%s' is neither a [section] nor "
				    "a 'key = value' line (comments start "
				    "with ';')", b);
		{
			size_t kn = (size_t)(eq - b), vn = strlen(eq + 1);
			char *key = strip(b, &kn), *val = strip(eq + 1, &vn);
			const char *sn;

			if (l->sc.n_sec == 0)
				return lerr(l, line, "'%s' before any [section]",
					    key);
			if (kn == 0)
				return lerr(l, line, "no key before '='");
			if (kn >= CFG_NAME_LEN)
				return lerr(l, line, "key too long (at most %u "
					    "characters)", CFG_NAME_LEN - 1);
			sn = l->sc.sec[l->sc.n_sec - 1].name;
			if (vn == 0)
				return lerr(l, line, "[%s] %s: empty value",
					    sn, key);
			if (value_len(val) >= CFG_VALUE_LEN)
				return lerr(l, line, "[%s] %s: value too long "
					    "(at most %u characters)", sn, key,
					    CFG_VALUE_LEN - 1);
			if (scan_add_ent(&l->sc, line, key) != 0)
				return lerr(l, 0, "out of memory");
		}
	}
	return 0;
}

static int
read_and_scan(struct ld *l)
{
	char *text = NULL;
	size_t size = 0;
	FILE *f;
	int ret;

	f = fopen(l->path, "r");
	if (f == NULL)
		return lerr(l, 0, "cannot open: %s", strerror(errno));
	text = malloc(LOAD_FILE_MAX + 1);
	if (text == NULL) {
		fclose(f);
		return lerr(l, 0, "out of memory");
	}
	size = fread(text, 1, LOAD_FILE_MAX + 1, f);
	if (ferror(f)) {
		int e = errno;

		fclose(f);
		free(text);
		return lerr(l, 0, "cannot read: %s", strerror(e));
	}
	fclose(f);
	if (size > LOAD_FILE_MAX) {
		free(text);
		return lerr(l, 0, "larger than %u bytes", LOAD_FILE_MAX);
	}
	ret = scan_text(l, text, size);
	free(text);
	return ret;
}

/* Lines */

static unsigned int
sec_line(struct ld *l, int s)
{
	unsigned int i;

	if (s < 0)
		return 0;
	if (l->lines_ok)
		return l->sc.sec[s].line;
	for (i = 0; i < l->sc.n_sec; i++)
		if (strcmp(l->sc.sec[i].name, l->names[s]) == 0)
			return l->sc.sec[i].line;
	return 0;
}

/* Line of the key @key of section @s (the first if given twice); 0 when
 * the section does not have it. */
static unsigned int
key_line(struct ld *l, int s, const char *key)
{
	unsigned int i, j;

	if (s < 0 || key == NULL)
		return 0;
	for (i = 0; i < l->sc.n_sec; i++) {
		const struct scan_sec *ss = &l->sc.sec[i];

		if (l->lines_ok ? i != (unsigned int)s :
		    strcmp(ss->name, l->names[s]) != 0)
			continue;
		for (j = 0; j < ss->n; j++)
			if (strcmp(l->sc.ent[ss->first + j].key, key) == 0)
				return l->sc.ent[ss->first + j].line;
		return 0;
	}
	return 0;
}

/* Line of entry @j of the current section. */
static unsigned int
ent_line(struct ld *l, int j)
{
	unsigned int line;

	if (l->lines_ok)
		return l->sc.ent[l->sc.sec[l->cur].first + j].line;
	line = key_line(l, l->cur, l->ents[j].name);
	return line != 0 ? line : sec_line(l, l->cur);
}

/* Numbers: cfg_num.h; settings: lb_keys.h. */

/* Sections */

/* Entry @j with value @v failed: "[sec] key: '...' <why>". */
#define EBAD(l, j, ...) lerr((l), ent_line((l), (j)), __VA_ARGS__)

static int
num_key(struct ld *l, int j, uint64_t min, uint64_t max, uint64_t *out)
{
	const struct rte_cfgfile_entry *e = &l->ents[j];
	enum cfg_num_err ne = cfg_num_parse(e->value, min, max, out);
	char msg[256];

	if (ne != CFG_NUM_OK)
		return EBAD(l, j, "[%s] %s", l->names[l->cur],
			    cfg_num_strerror(ne, e->name, e->value, min, max,
					     msg, sizeof(msg)));
	return 0;
}

/* A setting of the key table (lb_keys.h) in [general] or [vip NAME]. */
static int
table_key(struct ld *l, int j, const struct lb_key *k, struct lb_vip_conf *v)
{
	const struct rte_cfgfile_entry *e = &l->ents[j];
	char msg[256];

	if (lb_key_set(k, l->c, v, e->value, msg, sizeof(msg)) != 0)
		return EBAD(l, j, "[%s] %s", l->names[l->cur], msg);
	return 0;
}

static int
sec_general(struct ld *l)
{
	char names[512];
	int j;

	for (j = 0; j < l->n_ents; j++) {
		const char *k = l->ents[j].name;
		const char *val = l->ents[j].value;
		const struct lb_key *key = lb_key_find(LB_KEY_GENERAL, k);

		/* Secrets and endpoints are not table settings: a key is
		 * never repeated in a message (auth_key.h), and the metrics
		 * endpoint is bound at start. */
		if (strcmp(k, "auth_key") == 0 ||
		    strcmp(k, "auth_key_previous") == 0) {
			bool cur = strcmp(k, "auth_key") == 0;

			if (auth_key_parse(val, cur ? l->c->auth_key :
						l->c->auth_key_prev) != 0)
				return EBAD(l, j, "[general] %s: not %u hex "
					    "digits, or all zero (a 128-bit "
					    "key: od -An -tx1 -N16 "
					    "/dev/urandom | tr -d ' \\n')",
					    k, AUTH_KEY_HEX_LEN);
			if (cur)
				l->c->has_auth_key = true;
			else
				l->c->has_auth_key_prev = true;
			continue;
		}
		if (strcmp(k, "metrics") == 0) {
			struct lb_endpoint ep;

			if (lb_endpoint_parse(val, &ep) != 0)
				return EBAD(l, j, "[general] metrics: '%s' is "
					    "neither ADDRESS:PORT ([IPV6]:PORT) "
					    "nor off", val);
			l->c->metrics_addr = ep.addr;
			l->c->metrics_port = ep.port;
			continue;
		}
		if (key == NULL)
			return EBAD(l, j, "[general] %s: unknown key (auth_key, "
				    "auth_key_previous, metrics, %s)", k,
				    lb_key_names(LB_KEY_GENERAL, names,
						 sizeof(names)));
		if (table_key(l, j, key, NULL) != 0)
			return -1;
	}
	return 0;
}

static int
sec_srv6(struct ld *l)
{
	struct lb_config *c = l->c;
	struct srv6_func_cfg *s = &c->srv6;
	int j, line[SRV6_FUNC_MAX];
	unsigned int f, g;

	for (f = 0; f < SRV6_FUNC_MAX; f++)
		line[f] = -1;
	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		const char *k = e->name;
		uint64_t v, lo, hi;

		if (strcmp(k, "lb_sid") == 0) {
			struct lb_addr a;

			if (lb_addr_parse(e->value, &a) != 0 || a.family != 6)
				return EBAD(l, j, "[srv6] lb_sid: '%s' is not "
					    "an IPv6 address", e->value);
			memcpy(c->lb_sid, a.a, 16);
			c->has_lb_sid = true;
			continue;
		}
		if (srv6_func_cfg_key_range(k, &lo, &hi) != 0)
			return EBAD(l, j, "[srv6] %s: unknown key", k);
		if (num_key(l, j, lo, hi, &v))
			return -1;
		(void)srv6_func_cfg_set_key(s, k, v);
		for (f = 1; f < SRV6_FUNC_MAX; f++)
			if (strcmp(k, srv6_func_name(f)) == 0)
				line[f] = j;
	}
	/* Name the function at fault rather than "inconsistent": of two
	 * sharing a code, the one given later in the file. */
	for (f = 1; f < SRV6_FUNC_MAX; f++) {
		if (line[f] < 0)
			continue;
		if (s->func_bits < 16 && (s->code[f] >> s->func_bits) != 0)
			return EBAD(l, line[f], "[srv6] %s: code %u does not "
				    "fit in function_bits = %u",
				    srv6_func_name(f), s->code[f],
				    s->func_bits);
	}
	for (f = 1; f < SRV6_FUNC_MAX; f++)
		for (g = 1; g < SRV6_FUNC_MAX; g++)
			if (g != f && s->code[g] == s->code[f] &&
			    line[f] > line[g])
				return EBAD(l, line[f], "[srv6] %s: code %u is "
					    "also %s's", srv6_func_name(f),
					    s->code[f], srv6_func_name(g));
	if ((unsigned int)s->locator_bits + s->func_bits + s->arg_bits > 128)
		return lerr(l, sec_line(l, l->cur), "[srv6] locator_bits + "
			    "function_bits + argument_bits = %u exceeds 128",
			    (unsigned int)s->locator_bits + s->func_bits +
			    s->arg_bits);
	return 0;
}

static const char *
sec_suffix(const char *name)
{
	const char *sp = name;

	while (*sp != '\0' && !isspace((unsigned char)*sp))
		sp++;
	while (isspace((unsigned char)*sp))
		sp++;
	return sp;
}

static int
addr_key(struct ld *l, int j, uint8_t fam, struct lb_addr *a, uint8_t *plen)
{
	const struct rte_cfgfile_entry *e = &l->ents[j];
	struct lb_addr r;
	uint8_t p;

	if (plen != NULL) {
		if (strchr(e->value, '/') == NULL ||
		    lb_prefix_parse(e->value, &r, &p) != 0 || r.family != fam)
			return EBAD(l, j, "[%s] %s: '%s' is not an IPv%u "
				    "address/prefix (prefix length 0..%u)",
				    l->names[l->cur], e->name, e->value, fam,
				    fam == 4 ? 32 : 128);
		*plen = p;
	} else if (lb_addr_parse(e->value, &r) != 0 ||
		   (fam != 0 && r.family != fam)) {
		return EBAD(l, j, "[%s] %s: '%s' is not an %s address",
			    l->names[l->cur], e->name, e->value,
			    fam == 4 ? "IPv4" : fam == 6 ? "IPv6" :
			    "IPv4 or IPv6");
	}
	*a = r;
	return 0;
}

static int
sec_port(struct ld *l)
{
	struct lb_port_conf *p = &l->c->port[l->c->n_ports];
	bool has_dev = false, has_role = false;
	int j;

	l->port_sec[l->c->n_ports] = l->cur;
	snprintf(p->name, sizeof(p->name), "%s", sec_suffix(l->names[l->cur]));
	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		const char *k = e->name;
		uint64_t v;
		int r;

		if (strcmp(k, "dev") == 0) {
			if (strlen(e->value) >= sizeof(p->dev))
				return EBAD(l, j, "[%s] dev: longer than %u "
					    "characters", l->names[l->cur],
					    LB_DEV_LEN - 1);
			snprintf(p->dev, sizeof(p->dev), "%s", e->value);
			has_dev = true;
		} else if (strcmp(k, "role") == 0) {
			r = lb_role_parse(e->value);
			if (r < 0)
				return EBAD(l, j, "[%s] role: '%s' is not "
					    "client, server or both",
					    l->names[l->cur], e->value);
			p->role = (uint8_t)r;
			has_role = true;
		} else if (strcmp(k, "ipv4") == 0) {
			if (addr_key(l, j, 4, &p->ip4, &p->ip4_prefix_len))
				return -1;
		} else if (strcmp(k, "ipv6") == 0) {
			if (addr_key(l, j, 6, &p->ip6, &p->ip6_prefix_len))
				return -1;
		} else if (strcmp(k, "gateway4") == 0) {
			if (addr_key(l, j, 4, &p->gw4, NULL))
				return -1;
		} else if (strcmp(k, "gateway6") == 0) {
			if (addr_key(l, j, 6, &p->gw6, NULL))
				return -1;
		} else if (strcmp(k, "mtu") == 0) {
			if (num_key(l, j, 576, 9000, &v))
				return -1;
			p->mtu = (uint16_t)v;
		} else if (strcmp(k, "kernel") == 0) {
			if (strlen(e->value) == 0 ||
			    strlen(e->value) >= sizeof(p->kernel) ||
			    strpbrk(e->value, " /,=:") != NULL)
				return EBAD(l, j, "[%s] kernel: '%s' is not an "
					    "interface name (1..%u characters, "
					    "no space / , = :)",
					    l->names[l->cur], e->value,
					    LB_KERNEL_IF_LEN - 1);
			snprintf(p->kernel, sizeof(p->kernel), "%s", e->value);
		} else {
			return EBAD(l, j, "[%s] %s: unknown key",
				    l->names[l->cur], k);
		}
	}
	if (!has_dev)
		return lerr(l, sec_line(l, l->cur), "[%s] dev is required "
			    "(ethdev name or PCI address)", l->names[l->cur]);
	if (!has_role)
		return lerr(l, sec_line(l, l->cur), "[%s] role is required "
			    "(client, server or both)", l->names[l->cur]);
	l->c->n_ports++;
	return 0;
}

static int
sec_neigh(struct ld *l)
{
	struct lb_config *c = l->c;
	int j;

	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		struct lb_neigh_conf *n;

		if (c->n_neigh >= LB_MAX_NEIGHBOURS)
			return EBAD(l, j, "[neighbours] more than %u entries",
				    LB_MAX_NEIGHBOURS);
		n = &c->neigh[c->n_neigh];
		if (lb_addr_parse(e->name, &n->ip) != 0)
			return EBAD(l, j, "[neighbours] '%s' is not an IPv4 or "
				    "IPv6 address", e->name);
		if (lb_mac_parse(e->value, n->mac) != 0)
			return EBAD(l, j, "[neighbours] %s: '%s' is not a MAC "
				    "address (xx:xx:xx:xx:xx:xx)", e->name,
				    e->value);
		l->neigh_line[c->n_neigh] = ent_line(l, j);
		c->n_neigh++;
	}
	return 0;
}

/* [bgp]: the routing daemon that announces the VIPs (issue 18). */
static int
sec_bgp(struct ld *l)
{
	struct lb_config *c = l->c;
	int j;

	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		const char *k = e->name;
		uint64_t v;

		if (strcmp(k, "bird_socket") == 0) {
			if (e->value[0] != '/' ||
			    strlen(e->value) >= sizeof(c->bird_socket))
				return EBAD(l, j, "[bgp] bird_socket: '%s' is "
					    "not an absolute path of at most "
					    "%u characters", e->value,
					    LB_SOCK_PATH_LEN - 1);
			snprintf(c->bird_socket, sizeof(c->bird_socket), "%s",
				 e->value);
		} else if (strcmp(k, "withdraw_wait_ms") == 0) {
			if (num_key(l, j, 0, 600000, &v))
				return -1;
			c->withdraw_wait_ms = (uint32_t)v;
		} else {
			return EBAD(l, j, "[bgp] %s: unknown key", k);
		}
	}
	return 0;
}

static int
sec_routes(struct ld *l)
{
	struct lb_config *c = l->c;
	int j;

	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		struct lb_route_conf *r;

		if (c->n_routes >= LB_MAX_ROUTES)
			return EBAD(l, j, "[routes] more than %u entries",
				    LB_MAX_ROUTES);
		r = &c->route[c->n_routes];
		if (strchr(e->name, '/') == NULL ||
		    lb_prefix_parse(e->name, &r->prefix, &r->plen) != 0)
			return EBAD(l, j, "[routes] '%s' is not a prefix "
				    "(ADDRESS/LENGTH, length 0..32 or 0..128)",
				    e->name);
		if (lb_addr_parse(e->value, &r->via) != 0)
			return EBAD(l, j, "[routes] %s: next hop '%s' is not an "
				    "address", e->name, e->value);
		l->route_line[c->n_routes] = ent_line(l, j);
		c->n_routes++;
	}
	return 0;
}

/* A QUIC-LB server ID: 1..15 octets as hex digits, "0a1b" (no 0x). */
static int
parse_hex_sid(const char *s, uint8_t *out, unsigned int *n)
{
	size_t len = strlen(s);

	if (len == 0 || len % 2 != 0 || len / 2 > QUIC_LB_SID_MAX)
		return -1;
	for (size_t i = 0; i < len; i++)
		if (!isxdigit((unsigned char)s[i]))
			return -1;
	for (size_t i = 0; i < len / 2; i++) {
		char pair[3] = { s[2 * i], s[2 * i + 1], '\0' };

		out[i] = (uint8_t)strtoul(pair, NULL, 16);
	}
	*n = (unsigned int)(len / 2);
	return 0;
}

/* "ADDRESS [weight=W] [locator=IPV6] [quic_sid=HEX]" */
static int
backend_value(struct ld *l, int j, struct lb_backend_conf *b)
{
	const struct rte_cfgfile_entry *e = &l->ents[j];
	char buf[CFG_VALUE_LEN], *tok, *save = NULL;
	bool has_w = false;
	const char *vip = l->names[l->cur];

	snprintf(buf, sizeof(buf), "%s", e->value);
	tok = strtok_r(buf, " \t", &save);
	if (tok == NULL || lb_addr_parse(tok, &b->addr) != 0)
		return EBAD(l, j, "[%s] %s: '%s' is not an IPv4 or IPv6 "
			    "address", vip, e->name, tok != NULL ? tok : "");
	b->weight = 1;
	while ((tok = strtok_r(NULL, " \t", &save)) != NULL) {
		uint64_t v;

		if (strncmp(tok, "weight=", 7) == 0 && !has_w) {
			if (cfg_num_parse(tok + 7, 0, CHASH_WEIGHT_MAX,
					  &v) != CFG_NUM_OK)
				return EBAD(l, j, "[%s] %s: weight '%s' is not "
					    "a number in 0..%u", vip, e->name,
					    tok + 7, CHASH_WEIGHT_MAX);
			b->weight = (uint16_t)v;
			has_w = true;
		} else if (strncmp(tok, "locator=", 8) == 0 &&
			   !b->has_locator) {
			struct lb_addr a;

			if (lb_addr_parse(tok + 8, &a) != 0 || a.family != 6)
				return EBAD(l, j, "[%s] %s: locator '%s' is not "
					    "an IPv6 address", vip, e->name,
					    tok + 8);
			memcpy(b->locator, a.a, 16);
			b->has_locator = true;
		} else if (strncmp(tok, "quic_sid=", 9) == 0 &&
			   !b->has_quic_sid) {
			unsigned int n = 0;

			if (parse_hex_sid(tok + 9, b->quic_sid, &n) != 0)
				return EBAD(l, j, "[%s] %s: quic_sid '%s' is not "
					    "1..%u octets of hex digits", vip,
					    e->name, tok + 9, QUIC_LB_SID_MAX);
			b->has_quic_sid = true;
			b->quic_sid_len = (uint8_t)n;
		} else {
			return EBAD(l, j, "[%s] %s: unknown or repeated option "
				    "'%s' (weight=W, locator=IPV6, "
				    "quic_sid=HEX)", vip, e->name, tok);
		}
	}
	return 0;
}

static int
sec_vip(struct ld *l)
{
	struct lb_vip_conf *v = &l->c->vip[l->c->n_vips];
	int j, mode_j = -1, transport_j = -1, enc_j = -1, leg_j = -1;
	int quic_j = -1;
	bool has_addr = false;
	char names[512];
	uint8_t transport = 0;
	const char *sn = l->names[l->cur];

	l->vip_sec[l->c->n_vips] = l->cur;
	lb_vip_conf_defaults(v);
	snprintf(v->name, sizeof(v->name), "%s", sec_suffix(sn));
	for (j = 0; j < l->n_ents; j++) {
		const struct rte_cfgfile_entry *e = &l->ents[j];
		const char *k = e->name;
		const struct lb_key *key;
		uint64_t n;

		if (strncmp(k, "backend.", 8) == 0) {
			struct lb_backend_conf *b;

			if (v->n_backends >= LB_MAX_BACKENDS)
				return EBAD(l, j, "[%s] more than %u backends",
					    sn, LB_MAX_BACKENDS);
			if (!lb_name_valid(k + 8))
				return EBAD(l, j, "[%s] %s: bad backend name "
					    "'%s': 1..%u characters of A-Z a-z "
					    "0-9 _ -", sn, k, k + 8,
					    LB_NAME_LEN - 1);
			b = &v->backend[v->n_backends];
			snprintf(b->name, sizeof(b->name), "%s", k + 8);
			if (backend_value(l, j, b) != 0)
				return -1;
			v->n_backends++;
		} else if (strcmp(k, "address") == 0) {
			if (addr_key(l, j, 0, &v->addr, NULL))
				return -1;
			has_addr = true;
		} else if (strcmp(k, "port") == 0) {
			if (num_key(l, j, 0, 65535, &n))
				return -1;
			v->port = (uint16_t)n;
		} else if (strcmp(k, "proto") == 0) {
			v->quic = false;
			if (strcmp(e->value, "tcp") == 0) {
				v->proto = IPPROTO_NUM_TCP;
			} else if (strcmp(e->value, "udp") == 0) {
				v->proto = IPPROTO_NUM_UDP;
			} else if (strcmp(e->value, "quic") == 0) {
				v->proto = IPPROTO_NUM_UDP;
				v->quic = true;
			} else {
				return EBAD(l, j, "[%s] proto: '%s' is not tcp, "
					    "udp or quic", sn, e->value);
			}
		} else if (strcmp(k, "quic_lb_key") == 0) {
			/* a secret, as auth_key: not a table setting */
			if (auth_key_parse(e->value, v->quic_lb_key) != 0)
				return EBAD(l, j, "[%s] quic_lb_key: not %u hex "
					    "digits, or all zero (the QUIC-LB "
					    "configuration's AES-128 key)", sn,
					    AUTH_KEY_HEX_LEN);
			v->has_quic_lb_key = true;
			quic_j = j;
		} else if ((key = lb_key_find(LB_KEY_VIP, k)) != NULL) {
			if (table_key(l, j, key, v) != 0)
				return -1;
			if (strcmp(k, "mode") == 0)
				mode_j = j;
			else if (strcmp(k, "quic_lb_server_id_len") == 0)
				quic_j = j;
			else if (strcmp(k, "transport") == 0) {
				transport_j = j;
				transport = v->transport;
			}
			else if (strcmp(k, "leg") == 0)
				leg_j = j;
			else if (strcmp(k, "encoding") == 0)
				enc_j = j;
		} else {
			return EBAD(l, j, "[%s] %s: unknown key (address, "
				    "port, proto, backend.NAME, quic_lb_key, %s)",
				    sn, k,
				    lb_key_names(LB_KEY_VIP, names,
						 sizeof(names)));
		}
	}
	if (!has_addr)
		return lerr(l, sec_line(l, l->cur), "[%s] address is required",
			    sn);
	if (mode_j < 0)
		return lerr(l, sec_line(l, l->cur), "[%s] mode is required "
			    "(dsr-feedback, hunt, maglev, round-robin, "
			    "random, latency-feedback, polling)", sn);
	/* "mode" set the transport that goes with it; a "transport" line
	 * says otherwise, before or after the mode. */
	if (transport_j >= 0)
		v->transport = transport;
	if (enc_j >= 0 && (v->addr.family != 6 ||
			   v->transport != LB_TRANSPORT_DSR))
		return EBAD(l, enc_j, "[%s] encoding applies to IPv6 VIPs with "
			    "transport dsr only", sn);
	if (leg_j >= 0 && v->transport != LB_TRANSPORT_DSR)
		return EBAD(l, leg_j, "[%s] leg applies to transport dsr only",
			    sn);
	if (quic_j >= 0 && !v->quic)
		return EBAD(l, quic_j, "[%s] quic_lb_* keys need proto = quic",
			    sn);
	for (uint32_t b = 0; b < v->n_backends; b++)
		if (v->backend[b].has_quic_sid &&
		    (!v->has_quic_lb ||
		     v->backend[b].quic_sid_len != v->quic_lb.server_id_len))
			return lerr(l, sec_line(l, l->cur), "[%s] backend %s: "
				    "quic_sid must have quic_lb_server_id_len "
				    "(%u) octets", sn, v->backend[b].name,
				    v->quic_lb.server_id_len);
	l->c->n_vips++;
	return 0;
}

/* Sort out the sections: known kinds, names, duplicates, counts. */
static int
classify(struct ld *l, unsigned int *n_vip)
{
	unsigned int i, j, n_port = 0;

	*n_vip = 0;
	for (i = 0; i < l->n_sec; i++) {
		const char *s = l->names[i], *name = NULL;
		unsigned int line = sec_line(l, (int)i);

		if (strcmp(s, "general") == 0) {
			l->kind[i] = SEC_GENERAL;
		} else if (strcmp(s, "srv6") == 0) {
			l->kind[i] = SEC_SRV6;
		} else if (strcmp(s, "neighbours") == 0) {
			l->kind[i] = SEC_NEIGH;
		} else if (strcmp(s, "routes") == 0) {
			l->kind[i] = SEC_ROUTES;
		} else if (strcmp(s, "bgp") == 0) {
			l->kind[i] = SEC_BGP;
		} else if (strncmp(s, "port", 4) == 0 &&
			   (s[4] == '\0' || isspace((unsigned char)s[4]))) {
			l->kind[i] = SEC_PORT;
			name = sec_suffix(s);
			if (++n_port > LB_MAX_PORTS)
				return lerr(l, line, "more than %u [port] "
					    "sections", LB_MAX_PORTS);
		} else if (strncmp(s, "vip", 3) == 0 &&
			   (s[3] == '\0' || isspace((unsigned char)s[3]))) {
			l->kind[i] = SEC_VIP;
			name = sec_suffix(s);
			if (++*n_vip > LB_MAX_VIPS)
				return lerr(l, line, "more than %u [vip] "
					    "sections", LB_MAX_VIPS);
		} else {
			return lerr(l, line, "unknown section [%s] (general, "
				    "srv6, port NAME, neighbours, routes, "
				    "bgp, vip NAME)", s);
		}
		if (name != NULL && !lb_name_valid(name))
			return lerr(l, line, "[%s]: bad or missing name: 1..%u "
				    "characters of A-Z a-z 0-9 _ -", s,
				    LB_NAME_LEN - 1);
		for (j = 0; j < i; j++)
			if (l->kind[j] == l->kind[i] &&
			    strcmp(name != NULL ? name : s,
				   name != NULL ? sec_suffix(l->names[j]) :
				   l->names[j]) == 0)
				return lerr(l, line, "duplicate section [%s] "
					    "(first on line %u)", s,
					    sec_line(l, (int)j));
	}
	return 0;
}

/* Whether the scan saw what rte_cfgfile parsed, section by section and
 * key by key. */
static bool
scan_matches(struct ld *l)
{
	struct rte_cfgfile_entry *ents = NULL;
	unsigned int i, j;
	bool ok = l->sc.n_sec == l->n_sec;

	for (i = 0; ok && i < l->n_sec; i++) {
		const struct scan_sec *ss = &l->sc.sec[i];
		char secname[CFG_NAME_LEN];
		int n = rte_cfgfile_section_num_entries_by_index(l->cf,
								 secname,
								 (int)i);

		if (strcmp(ss->name, l->names[i]) != 0 || n < 0 ||
		    (unsigned int)n != ss->n) {
			ok = false;
			break;
		}
		if (n == 0)
			continue;
		ents = calloc((size_t)n, sizeof(*ents));
		if (ents == NULL) {
			ok = false;
			break;
		}
		if (rte_cfgfile_section_entries_by_index(l->cf, (int)i,
				secname, ents, n) != n)
			ok = false;
		for (j = 0; ok && j < ss->n; j++)
			if (strcmp(ents[j].name,
				   l->sc.ent[ss->first + j].key) != 0)
				ok = false;
		free(ents);
		ents = NULL;
	}
	return ok;
}

static unsigned int
where_line(struct ld *l, const struct lb_config_where *w)
{
	unsigned int line = 0;
	int s = -1;

	switch (w->obj) {
	case LB_CFG_OBJ_GENERAL:
		s = l->general_sec;
		break;
	case LB_CFG_OBJ_SRV6:
		s = l->srv6_sec;
		break;
	case LB_CFG_OBJ_PORT:
		if (w->index < LB_MAX_PORTS)
			s = l->port_sec[w->index];
		break;
	case LB_CFG_OBJ_NEIGH:
		return w->index < LB_MAX_NEIGHBOURS ?
		       l->neigh_line[w->index] : 0;
	case LB_CFG_OBJ_ROUTE:
		return w->index < LB_MAX_ROUTES ? l->route_line[w->index] : 0;
	case LB_CFG_OBJ_VIP:
		if (w->index >= l->c->n_vips)
			return 0;
		s = l->vip_sec[w->index];
		if (w->backend >= 0 &&
		    (uint32_t)w->backend < l->c->vip[w->index].n_backends) {
			char key[8 + LB_NAME_LEN];

			snprintf(key, sizeof(key), "backend.%s",
				 l->c->vip[w->index].backend[w->backend].name);
			line = key_line(l, s, key);
		} else if (w->key != NULL) {
			line = key_line(l, s, w->key);
			/* the transport defaulted from the mode */
			if (line == 0 && strcmp(w->key, "transport") == 0)
				line = key_line(l, s, "mode");
		}
		return line != 0 ? line : sec_line(l, s);
	default:
		return 0;
	}
	if (w->key != NULL)
		line = key_line(l, s, w->key);
	return line != 0 ? line : sec_line(l, s);
}

static int
load(struct ld *l)
{
	struct lb_config_where w;
	unsigned int i, n_vip;
	char msg[400];
	int n;

	if (read_and_scan(l) != 0)
		return -1;
	l->cf = rte_cfgfile_load(l->path, 0);
	if (l->cf == NULL)
		return lerr(l, 0, "rte_cfgfile cannot parse the file");
	n = rte_cfgfile_num_sections(l->cf, "", 0);
	if (n < 0)
		return lerr(l, 0, "rte_cfgfile cannot count the sections");
	l->n_sec = (unsigned int)n;
	l->names = calloc(l->n_sec + 1, sizeof(*l->names));
	l->kind = calloc(l->n_sec + 1, sizeof(*l->kind));
	if (l->names == NULL || l->kind == NULL)
		return lerr(l, 0, "out of memory");
	for (i = 0; i < l->n_sec; i++) {
		l->names[i] = calloc(1, CFG_NAME_LEN);
		if (l->names[i] == NULL)
			return lerr(l, 0, "out of memory");
	}
	if (l->n_sec > 0 &&
	    rte_cfgfile_sections(l->cf, l->names, (int)l->n_sec) != n)
		return lerr(l, 0, "rte_cfgfile cannot list the sections");
	l->lines_ok = scan_matches(l);
	if (classify(l, &n_vip) != 0)
		return -1;
	if (n_vip > 0) {
		l->c->vip = calloc(n_vip, sizeof(*l->c->vip));
		l->vip_sec = calloc(n_vip, sizeof(*l->vip_sec));
		if (l->c->vip == NULL || l->vip_sec == NULL)
			return lerr(l, 0, "out of memory");
	}
	for (i = 0; i < l->n_sec; i++) {
		int ret = 0;

		l->cur = (int)i;
		n = rte_cfgfile_section_num_entries(l->cf, l->names[i]);
		if (n < 0)
			return lerr(l, sec_line(l, (int)i), "rte_cfgfile lost "
				    "section [%s]", l->names[i]);
		l->ents = calloc((size_t)n + 1, sizeof(*l->ents));
		if (l->ents == NULL)
			return lerr(l, 0, "out of memory");
		l->n_ents = rte_cfgfile_section_entries(l->cf, l->names[i],
							l->ents, n);
		if (l->n_ents != n)
			ret = lerr(l, sec_line(l, (int)i), "rte_cfgfile lost "
				   "entries of [%s]", l->names[i]);
		for (int j = 0; ret == 0 && j < l->n_ents; j++)
			for (int k = 0; k < j; k++)
				if (strcmp(l->ents[k].name,
					   l->ents[j].name) == 0) {
					ret = EBAD(l, j, "[%s] %s: given twice "
						   "(first on line %u)",
						   l->names[i],
						   l->ents[j].name,
						   ent_line(l, k));
					break;
				}
		if (ret == 0) {
			switch (l->kind[i]) {
			case SEC_GENERAL:
				l->general_sec = (int)i;
				ret = sec_general(l);
				break;
			case SEC_SRV6:
				l->srv6_sec = (int)i;
				ret = sec_srv6(l);
				break;
			case SEC_PORT:
				ret = sec_port(l);
				break;
			case SEC_NEIGH:
				ret = sec_neigh(l);
				break;
			case SEC_ROUTES:
				ret = sec_routes(l);
				break;
			case SEC_BGP:
				ret = sec_bgp(l);
				break;
			default:
				ret = sec_vip(l);
				break;
			}
		}
		free(l->ents);
		l->ents = NULL;
		if (ret != 0)
			return -1;
	}
	if (lb_config_validate_at(l->c, msg, sizeof(msg), &w) != 0)
		return lerr(l, where_line(l, &w), "%s", msg);
	return 0;
}

int
lb_config_load(const char *path, struct lb_config *c, char *err,
	       size_t errlen)
{
	struct lb_config *tmp;
	struct ld l;
	unsigned int i;
	int ret;

	memset(&l, 0, sizeof(l));
	l.path = path != NULL ? path : "(null)";
	l.err = err;
	l.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (c == NULL || path == NULL)
		return lerr(&l, 0, "no path or no configuration to fill");
	memset(c, 0, sizeof(*c));
	tmp = malloc(sizeof(*tmp));
	if (tmp == NULL)
		return lerr(&l, 0, "out of memory");
	lb_config_defaults(tmp);
	l.c = tmp;
	l.general_sec = -1;
	l.srv6_sec = -1;
	for (i = 0; i < LB_MAX_PORTS; i++)
		l.port_sec[i] = -1;
	ret = load(&l);
	if (ret == 0)
		*c = *tmp;
	else
		lb_config_free(tmp);
	free(tmp);
	free(l.ents);
	free(l.vip_sec);
	if (l.names != NULL)
		for (i = 0; i < l.n_sec; i++)
			free(l.names[i]);
	free(l.names);
	free(l.kind);
	if (l.cf != NULL)
		rte_cfgfile_close(l.cf);
	scan_free(&l.sc);
	return ret == 0 ? 0 : -1;
}
