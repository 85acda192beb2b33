/* SPDX-License-Identifier: BSD-3-Clause */
/* The table of configuration keys (see lb_keys.h, docs/configuration.md,
 * docs/console.md). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dsrlb/cfg_num.h"
#include "dsrlb/chash.h"
#include "dsrlb/flow_table.h"
#include "dsrlb/lb_check.h"
#include "dsrlb/lb_health.h"
#include "dsrlb/lb_keys.h"
#include "dsrlb/wire.h"

enum key_id {
	K_FLOW_CAPACITY,
	K_TIMEOUT_NEW,
	K_TIMEOUT_EST,
	K_TIMEOUT_CLOSING,
	K_IDLE_SLEEP,
	K_CHASH_SEED,
	K_SCORE_MAX_AGE,
	K_SCORE_EWMA,
	K_SCORE_MAX_STEP,
	K_PROBE_TIMEOUT,
	K_MODE,
	K_TRANSPORT,
	K_LEG,
	K_ENCODING,
	K_AUTH,
	K_PROBE_EVERY,
	K_PROBE_ADAPTIVE,
	K_WINDOW,
	K_C,
	K_ALPHA,
	K_CHASH_M,
	K_QUIC_LB_SID_LEN,
	K_QUIC_LB_NONCE_LEN,
	K_QUIC_LB_CONFIG_ID,
	K_QUIC_LB_ENCODE_LEN,
	K_QUIC_CID_LEN,
	K_RECOVER_SECRET,
	K_HEALTH,
	K_HEALTH_RISE,
	K_HEALTH_FALL,
	K_HEALTH_TIMEOUT,
	K_HEALTH_TRIAL,
	K_ICMP_RATE,
	K_ICMP_ECHO_VIP,
	K_ANNOUNCE,
	K_CANDIDATES,
	K_NEIGH_SOLICIT,
	K_POLL_INTERVAL,
	K_CHECK,
	K_CHECK_PORT,
	K_CHECK_PATH,
	K_CHECK_STATUS,
	K_CHECK_INTERVAL,
	K_CHECK_TIMEOUT,
};

#define QUIC_FILE "the backends' server IDs (backend.NAME quic_sid=) are " \
		  "given in the file only"

#define AT_START "read when the workers set up their tables at start " \
		 "(restart to change)"

/* 8< keys */
const struct lb_key lb_keys[] = {
	{ LB_KEY_GENERAL, K_FLOW_CAPACITY, LB_KEY_UINT, "flow_capacity",
	  1, FLOW_TABLE_CAPACITY_MAX, NULL, "N",
	  "sizes every lcore's flow table at start (restart to change)",
	  "flows per lcore" },
	{ LB_KEY_GENERAL, K_TIMEOUT_NEW, LB_KEY_UINT, "timeout_new_ms",
	  1, 3600000, NULL, "MS", AT_START,
	  "idle timeout of a flow that saw only a SYN" },
	{ LB_KEY_GENERAL, K_TIMEOUT_EST, LB_KEY_UINT, "timeout_established_s",
	  1, 604800, NULL, "S", AT_START,
	  "idle timeout of an established or pinned flow" },
	{ LB_KEY_GENERAL, K_TIMEOUT_CLOSING, LB_KEY_UINT, "timeout_closing_ms",
	  1, 3600000, NULL, "MS", AT_START,
	  "idle timeout after FIN, RST or removeStickiness" },
	{ LB_KEY_GENERAL, K_IDLE_SLEEP, LB_KEY_UINT, "idle_sleep_us",
	  0, 100000, NULL, "US", NULL,
	  "workers' sleep after empty polls" },
	{ LB_KEY_GENERAL, K_CHASH_SEED, LB_KEY_SEED, "chash_seed",
	  0, UINT64_MAX, NULL, "SEED",
	  "a new seed moves the flows of every VIP, and appliances that "
	  "share VIPs must share it (6LB §III)",
	  "seed of the consistent-hash tables (decimal, or hex after 0x)" },
	{ LB_KEY_GENERAL, K_SCORE_MAX_AGE, LB_KEY_UINT, "score_max_age_ms",
	  0, 3600000, NULL, "MS", AT_START,
	  "a busyness score older than this is stale" },
	{ LB_KEY_GENERAL, K_SCORE_EWMA, LB_KEY_FRACTION, "score_ewma",
	  0, 0, NULL, "W", AT_START,
	  "weight of a new answer in a fresh score, in (0, 1]" },
	{ LB_KEY_GENERAL, K_SCORE_MAX_STEP, LB_KEY_UINT, "score_max_step",
	  0, 65535, NULL, "N", AT_START,
	  "largest change of a score per answer (0: no limit)" },
	{ LB_KEY_GENERAL, K_PROBE_TIMEOUT, LB_KEY_UINT, "probe_timeout_ms",
	  1, 60000, NULL, "MS", AT_START,
	  "a metric request unanswered this long is forgotten" },
	{ LB_KEY_GENERAL, K_RECOVER_SECRET, LB_KEY_SEED, "recover_secret",
	  0, UINT64_MAX, NULL, "SEED",
	  "the cookies of recovery offers in flight would no longer match "
	  "(restart to change)",
	  "key of the cookies of recovery offers (0: random at start; set "
	  "it only to make captures reproducible)" },
	{ LB_KEY_GENERAL, K_HEALTH, LB_KEY_BOOL, "health", 0, 0, "on|off",
	  "on|off", NULL, "passive in-band health of the backends "
	  "(docs/health.md)" },
	{ LB_KEY_GENERAL, K_HEALTH_RISE, LB_KEY_UINT, "health_rise",
	  1, LB_HEALTH_COUNT_MAX, NULL, "N", NULL,
	  "good observations in a row that bring a down backend back" },
	{ LB_KEY_GENERAL, K_HEALTH_FALL, LB_KEY_UINT, "health_fall",
	  1, LB_HEALTH_COUNT_MAX, NULL, "N", NULL,
	  "bad observations in a row that take a backend down" },
	{ LB_KEY_GENERAL, K_HEALTH_TIMEOUT, LB_KEY_UINT, "health_timeout_ms",
	  1, LB_HEALTH_MS_MAX, NULL, "MS", NULL,
	  "a request on a SYN, or a 6LB offer, unconfirmed this long is a "
	  "bad observation" },
	{ LB_KEY_GENERAL, K_HEALTH_TRIAL, LB_KEY_UINT, "health_trial_ms",
	  1, LB_HEALTH_MS_MAX, NULL, "MS", NULL,
	  "one trial new flow to each down backend this often" },
	{ LB_KEY_GENERAL, K_ICMP_RATE, LB_KEY_UINT, "icmp_rate",
	  0, 100000, NULL, "N", NULL,
	  "ICMP errors (fragmentation needed, packet too big) each lcore "
	  "sends per second at most (0: none)" },
	{ LB_KEY_GENERAL, K_ICMP_ECHO_VIP, LB_KEY_BOOL, "icmp_echo_vip", 0, 0,
	  "on|off", "on|off", NULL,
	  "answer echo requests to the VIPs too (port addresses always)" },
	{ LB_KEY_GENERAL, K_NEIGH_SOLICIT, LB_KEY_BOOL, "neigh_solicit", 0, 0,
	  "on|off", "on|off", NULL,
	  "resolve every next hop (backends, gateways) from the start, so "
	  "that the first packet to a backend is not the one turned into "
	  "the ARP request" },
	{ LB_KEY_GENERAL, K_POLL_INTERVAL, LB_KEY_UINT, "poll_interval_ms",
	  LB_POLL_INTERVAL_MIN_MS, LB_POLL_INTERVAL_MAX_MS, NULL, "MS", NULL,
	  "mode polling: one poll of every server's load this often "
	  "(docs/architecture.md)" },
	{ LB_KEY_VIP, K_MODE, LB_KEY_ENUM, "mode", 0, 0,
	  "dsr-feedback|hunt|maglev|round-robin|random|latency-feedback|"
	  "polling",
	  "MODE", NULL,
	  "the policy for new flows (pinned flows stay); hunt sets transport "
	  "srv6, dsr-feedback and latency-feedback set dsr" },
	{ LB_KEY_VIP, K_TRANSPORT, LB_KEY_ENUM, "transport", 0, 0,
	  "dsr|srv6", "dsr|srv6", NULL,
	  "how client packets reach the backends (default: from the mode)" },
	{ LB_KEY_VIP, K_LEG, LB_KEY_ENUM, "leg", 0, 0, "routed|l2",
	  "routed|l2", NULL, "addressing of the DSR leg" },
	{ LB_KEY_VIP, K_ENCODING, LB_KEY_ENUM, "encoding", 0, 0,
	  "paper|dstopt", "paper|dstopt", NULL,
	  "IPv6 messages as headers 27/28/29 or option 0x1E" },
	{ LB_KEY_VIP, K_AUTH, LB_KEY_BOOL, "auth", 0, 0, "on|off", "on|off",
	  NULL, "metric requests carry a nonce the answer must echo" },
	{ LB_KEY_VIP, K_PROBE_EVERY, LB_KEY_UINT, "probe_every",
	  0, PROBE_N_MAX, NULL, "N", NULL,
	  "metric request every N-th packet of the VIP per lcore (0: never)" },
	{ LB_KEY_VIP, K_PROBE_ADAPTIVE, LB_KEY_BOOL, "probe_adaptive", 0, 0,
	  "on|off", "on|off", NULL,
	  "adapt the probe interval around probe_every to the scores' "
	  "dispersion" },
	{ LB_KEY_VIP, K_WINDOW, LB_KEY_UINT, "window", 0, 65535, NULL, "N",
	  NULL, "score smoothing: a fresh score moves by 1/N towards each "
	  "answer (1: as reported; 0: [general] score_ewma)" },
	{ LB_KEY_VIP, K_C, LB_KEY_UINT, "c", 1, 2, NULL, "1|2", NULL,
	  "hunt: candidates offered a new flow" },
	{ LB_KEY_VIP, K_ALPHA, LB_KEY_UINT, "alpha", 1, 100, NULL, "PERCENT",
	  NULL, "latency-feedback: share of the slowest backend's weight "
	  "moved per step" },
	{ LB_KEY_VIP, K_CHASH_M, LB_KEY_PRIME, "chash_m", CHASH_M_MIN,
	  CHASH_M_MAX, NULL, "M", NULL,
	  "buckets of the consistent-hash table, a prime (default 65537)" },
	{ LB_KEY_VIP, K_QUIC_LB_SID_LEN, LB_KEY_UINT, "quic_lb_server_id_len",
	  1, QUIC_LB_SID_MAX, NULL, "N", QUIC_FILE,
	  "quic VIPs: QUIC-LB server IDs of N octets in the servers' "
	  "connection IDs; every backend then needs quic_sid=" },
	{ LB_KEY_VIP, K_QUIC_LB_NONCE_LEN, LB_KEY_UINT, "quic_lb_nonce_len",
	  QUIC_LB_NONCE_MIN, QUIC_LB_CID_MAX - 2, NULL, "N", QUIC_FILE,
	  "octets after the server ID (server ID + nonce <= 19)" },
	{ LB_KEY_VIP, K_QUIC_LB_CONFIG_ID, LB_KEY_UINT, "quic_lb_config_id",
	  0, QUIC_LB_CR_UNROUTABLE - 1, NULL, "N", QUIC_FILE,
	  "config rotation bits of the connection IDs routed" },
	{ LB_KEY_VIP, K_QUIC_LB_ENCODE_LEN, LB_KEY_BOOL, "quic_lb_encode_len",
	  0, 0, "on|off", "on|off", QUIC_FILE,
	  "the first octet's low 5 bits carry the CID length - 1" },
	{ LB_KEY_VIP, K_QUIC_CID_LEN, LB_KEY_UINT, "quic_cid_len",
	  0, QUIC_LB_CID_MAX, NULL, "N", NULL,
	  "quic VIPs (transport dsr): learn the servers' connection IDs "
	  "of N octets from their long headers and route short headers by "
	  "them (0: off)" },
	{ LB_KEY_VIP, K_ANNOUNCE, LB_KEY_ENUM, "announce", 0, 0,
	  "arp|bgp|none", "arp|bgp|none", NULL,
	  "how routers learn the VIP: ARP/ND answers, a BGP announcement "
	  "through [bgp] bird_socket, or neither (docs/operations.md)" },
	{ LB_KEY_VIP, K_CANDIDATES, LB_KEY_UINT, "candidates", 1, CHASH_C_MAX,
	  NULL, "N", NULL,
	  "recovery: d candidates per flow of a dsr VIP (not maglev, hunt, "
	  "quic; default 8 for round-robin and latency-feedback, else 2): "
	  "new flows pick among them, unknown ones are offered to them in "
	  "turn" },
	{ LB_KEY_VIP, K_CHECK, LB_KEY_ENUM, "check", 0, 0, "none|tcp|http",
	  "none|tcp|http", NULL,
	  "active health check of every backend's own address from the "
	  "control plane, through the server port's kernel interface "
	  "(docs/health.md)" },
	{ LB_KEY_VIP, K_CHECK_PORT, LB_KEY_UINT, "check_port", 0, 65535, NULL,
	  "PORT", NULL, "port the checks connect to (0: the VIP's port)" },
	{ LB_KEY_VIP, K_CHECK_PATH, LB_KEY_PATH, "check_path", 0, 0, NULL,
	  "PATH", NULL, "http checks: the path asked for (default /)" },
	{ LB_KEY_VIP, K_CHECK_STATUS, LB_KEY_UINT, "check_status", 100, 599,
	  NULL, "STATUS", NULL,
	  "http checks: the status a healthy backend answers (default 200)" },
	{ LB_KEY_VIP, K_CHECK_INTERVAL, LB_KEY_UINT, "check_interval_ms",
	  LB_CHECK_MS_MIN, LB_CHECK_MS_MAX, NULL, "MS", NULL,
	  "one check per backend this often (default 1000); [general] "
	  "health_rise / health_fall results in a row change its health" },
	{ LB_KEY_VIP, K_CHECK_TIMEOUT, LB_KEY_UINT, "check_timeout_ms",
	  LB_CHECK_MS_MIN, LB_CHECK_MS_MAX, NULL, "MS", NULL,
	  "a check not connected and answered within this fails "
	  "(default 500)" },
	{ 0, 0, 0, NULL, 0, 0, NULL, NULL, NULL, NULL },
};
/* >8 keys */

const struct lb_key *
lb_key_find(unsigned int sec, const char *name)
{
	for (const struct lb_key *k = lb_keys; k->name != NULL; k++)
		if (k->sec == sec && strcmp(k->name, name) == 0)
			return k;
	return NULL;
}

const char *
lb_key_names(unsigned int sec, char *buf, size_t len)
{
	size_t n = 0;

	if (len > 0)
		buf[0] = '\0';
	for (const struct lb_key *k = lb_keys; k->name != NULL; k++) {
		int r;

		if (k->sec != sec)
			continue;
		r = snprintf(buf + n, len - n, "%s%s", n ? ", " : "", k->name);
		if (r < 0 || (size_t)r >= len - n)
			break;
		n += (size_t)r;
	}
	return buf;
}

/* The index of @p s among the "|"-separated @p words, or -1. */
static int
word_index(const char *words, const char *s)
{
	size_t n = strlen(s);
	int i = 0;

	for (const char *w = words; *w != '\0'; i++) {
		size_t wl = strcspn(w, "|");

		if (wl == n && strncmp(w, s, n) == 0)
			return i;
		w += wl;
		if (*w == '|')
			w++;
	}
	return -1;
}

/* A decimal fraction in (0, 1] ("1", "1.0", "0.25") as Q16, rounded to
 * nearest, at least 1. Parsed by hand: no locale, no "nan". */
static int
parse_q16(const char *s, uint32_t *out)
{
	uint64_t ip, frac = 0, scale = 1, q;
	const char *dot = strchr(s, '.');
	char ibuf[4];
	size_t n;

	n = dot != NULL ? (size_t)(dot - s) : strlen(s);
	if (n == 0 || n >= sizeof(ibuf))
		return -1;
	memcpy(ibuf, s, n);
	ibuf[n] = '\0';
	if (cfg_num_parse(ibuf, 0, 1, &ip) != CFG_NUM_OK)
		return -1;
	if (dot != NULL) {
		const char *f = dot + 1;

		if (*f == '\0' || strlen(f) > 9)
			return -1;
		for (; *f != '\0'; f++) {
			if (*f < '0' || *f > '9')
				return -1;
			frac = frac * 10 + (uint64_t)(*f - '0');
			scale *= 10;
		}
	}
	frac += ip * scale;
	if (frac == 0 || frac > scale)
		return -1;
	q = (frac * BUSY_EWMA_ONE + scale / 2) / scale;
	*out = q == 0 ? 1 : (uint32_t)q;
	return 0;
}

/* Decimal (cfg_num.h), or hex after "0x": the one key given in hex. */
static int
parse_seed(const char *s, uint64_t *out)
{
	uint64_t v = 0;
	int d;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return cfg_num_parse(s, 0, UINT64_MAX, out) == CFG_NUM_OK ?
		       0 : -1;
	s += 2;
	if (*s == '\0' || strlen(s) > 16)
		return -1;
	for (; *s != '\0'; s++) {
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -1;
		v = v << 4 | (uint64_t)d;
	}
	*out = v;
	return 0;
}

static int
enum_parse(const struct lb_key *k, const char *s)
{
	switch (k->id) {
	case K_MODE: return lb_policy_parse(s);
	case K_TRANSPORT: return lb_transport_parse(s);
	case K_LEG: return lb_leg_parse(s);
	case K_ENCODING: return lb_enc_parse(s);
	case K_ANNOUNCE: return lb_announce_parse(s);
	default: return word_index(k->values, s);
	}
}

static void
list_of(const char *words, char *buf, size_t len)
{
	size_t n = 0;

	for (const char *w = words; *w != '\0' && n + 1 < len; w++)
		if (*w == '|' && n + 3 < len) {
			buf[n++] = ',';
			buf[n++] = ' ';
		} else {
			buf[n++] = *w;
		}
	buf[n < len ? n : len - 1] = '\0';
}

int
lb_key_set(const struct lb_key *k, struct lb_config *c,
	   struct lb_vip_conf *v, const char *value, char *err, size_t len)
{
	uint64_t n = 0;
	uint32_t q = 0;
	bool b = false;
	int x = 0;
	char words[128];
	enum cfg_num_err ne;

	if (k == NULL || value == NULL || (k->sec == LB_KEY_GENERAL ?
					   c == NULL : v == NULL)) {
		snprintf(err, len, "no such key");
		return -1;
	}
	switch (k->type) {
	case LB_KEY_UINT:
	case LB_KEY_PRIME:
		ne = cfg_num_parse(value, k->min, k->max, &n);
		if (ne != CFG_NUM_OK) {
			cfg_num_strerror(ne, k->name, value, k->min, k->max,
					 err, len);
			return -1;
		}
		if (k->type == LB_KEY_PRIME && !chash_is_prime((uint32_t)n)) {
			snprintf(err, len, "%s: %s is not prime", k->name,
				 value);
			return -1;
		}
		break;
	case LB_KEY_BOOL:
		if (cfg_bool_parse(value, &b) != 0) {
			snprintf(err, len, "%s: '%s' is not on or off (yes or "
				 "no)", k->name, value);
			return -1;
		}
		break;
	case LB_KEY_ENUM:
		x = enum_parse(k, value);
		if (x < 0) {
			list_of(k->values, words, sizeof(words));
			snprintf(err, len, "%s: '%s' is not one of %s",
				 k->name, value, words);
			return -1;
		}
		break;
	case LB_KEY_FRACTION:
		if (parse_q16(value, &q) != 0) {
			snprintf(err, len, "%s: '%s' is not a decimal number "
				 "in (0, 1]", k->name, value);
			return -1;
		}
		break;
	case LB_KEY_SEED:
		if (parse_seed(value, &n) != 0) {
			snprintf(err, len, "%s: '%s' is not a 64-bit number "
				 "(decimal, or hex after 0x)", k->name, value);
			return -1;
		}
		break;
	case LB_KEY_PATH:
		if (!lb_check_path_ok(value)) {
			snprintf(err, len, "%s: '%s' is not a path (/ then at "
				 "most %u printable characters, no spaces)",
				 k->name, value, LB_CHECK_PATH_LEN - 2);
			return -1;
		}
		break;
	default:
		snprintf(err, len, "%s: no such type", k->name);
		return -1;
	}
	switch (k->id) {
	case K_FLOW_CAPACITY: c->flow_capacity = (uint32_t)n; break;
	case K_TIMEOUT_NEW: c->timeout_new_ns = n * 1000000ull; break;
	case K_TIMEOUT_EST: c->timeout_est_ns = n * 1000000000ull; break;
	case K_TIMEOUT_CLOSING: c->timeout_closing_ns = n * 1000000ull; break;
	case K_IDLE_SLEEP: c->idle_sleep_us = (uint32_t)n; break;
	case K_CHASH_SEED: c->chash_seed = n; break;
	case K_SCORE_MAX_AGE: c->score_max_age_ns = n * 1000000ull; break;
	case K_SCORE_EWMA: c->score_ewma_w = q; break;
	case K_SCORE_MAX_STEP: c->score_max_step = (uint32_t)n; break;
	case K_PROBE_TIMEOUT: c->probe_timeout_ns = n * 1000000ull; break;
	case K_MODE:
		v->policy = (uint8_t)x;
		/* the transport follows the modes that work with one only */
		if (x == LB_POLICY_HUNT)
			v->transport = LB_TRANSPORT_SRV6;
		else if (x == LB_POLICY_BUSY || x == LB_POLICY_LATENCY ||
			 x == LB_POLICY_POLL)
			v->transport = LB_TRANSPORT_DSR;
		break;
	case K_TRANSPORT: v->transport = (uint8_t)x; break;
	case K_LEG: v->leg = (uint8_t)x; break;
	case K_ENCODING: v->enc = (uint8_t)x; break;
	case K_AUTH: v->auth = b; break;
	case K_PROBE_EVERY: v->probe_n = (uint32_t)n; break;
	case K_PROBE_ADAPTIVE: v->probe_adaptive = b; break;
	case K_WINDOW: v->score_window = (uint32_t)n; break;
	case K_C: v->chash_c = (uint8_t)n; break;
	case K_ALPHA: v->lat_alpha_ppm = (uint32_t)n * 10000u; break;
	case K_CHASH_M: v->chash_m = (uint32_t)n; break;
	case K_QUIC_LB_SID_LEN:
		v->quic_lb.server_id_len = (uint8_t)n;
		v->has_quic_lb = true;
		break;
	case K_QUIC_LB_NONCE_LEN: v->quic_lb.nonce_len = (uint8_t)n; break;
	case K_QUIC_LB_CONFIG_ID: v->quic_lb.config_id = (uint8_t)n; break;
	case K_QUIC_LB_ENCODE_LEN: v->quic_lb.encode_len = b; break;
	case K_QUIC_CID_LEN: v->quic_cid_len = (uint8_t)n; break;
	case K_RECOVER_SECRET: c->recover_secret = n; break;
	case K_HEALTH: c->health.enabled = b; break;
	case K_HEALTH_RISE: c->health.rise = (uint32_t)n; break;
	case K_HEALTH_FALL: c->health.fall = (uint32_t)n; break;
	case K_HEALTH_TIMEOUT: c->health.timeout_ns = n * 1000000ull; break;
	case K_HEALTH_TRIAL: c->health.trial_ns = n * 1000000ull; break;
	case K_ICMP_RATE: c->icmp_rate = (uint32_t)n; break;
	case K_ICMP_ECHO_VIP: c->icmp_echo_vip = b; break;
	case K_NEIGH_SOLICIT: c->neigh_solicit = b; break;
	case K_POLL_INTERVAL: c->poll_interval_ms = (uint32_t)n; break;
	case K_ANNOUNCE: v->announce = (uint8_t)x; break;
	case K_CANDIDATES: v->candidates = (uint8_t)n; break;
	case K_CHECK: v->check.type = (uint8_t)x; break;
	case K_CHECK_PORT: v->check.port = (uint16_t)n; break;
	case K_CHECK_PATH:
		snprintf(v->check.path, sizeof(v->check.path), "%s", value);
		break;
	case K_CHECK_STATUS: v->check.status = (uint16_t)n; break;
	case K_CHECK_INTERVAL: v->check.interval_ms = (uint32_t)n; break;
	case K_CHECK_TIMEOUT: v->check.timeout_ms = (uint32_t)n; break;
	default:
		snprintf(err, len, "%s: no such key", k->name);
		return -1;
	}
	return 0;
}

/* The name of enum key @p k's value @p x. */
static const char *
enum_name(const struct lb_key *k, unsigned int x, char *buf, size_t len)
{
	const char *w = k->values;

	switch (k->id) {
	case K_MODE: return lb_policy_name(x);
	case K_TRANSPORT: return lb_transport_name(x);
	case K_LEG: return lb_leg_name(x);
	case K_ENCODING: return lb_enc_name(x);
	case K_ANNOUNCE: return lb_announce_name(x);
	default:
		break;
	}
	for (unsigned int i = 0; i < x && *w != '\0'; i++) {
		w += strcspn(w, "|");
		if (*w == '|')
			w++;
	}
	snprintf(buf, len, "%.*s", (int)strcspn(w, "|"), w);
	return buf;
}

int
lb_key_get(const struct lb_key *k, const struct lb_config *c,
	   const struct lb_vip_conf *v, char *buf, size_t len)
{
	uint64_t n = 0;
	bool b = false;
	char w[32];

	if (k == NULL || (k->sec == LB_KEY_GENERAL ? c == NULL : v == NULL))
		return -1;
	switch (k->id) {
	case K_FLOW_CAPACITY: n = c->flow_capacity; break;
	case K_TIMEOUT_NEW: n = c->timeout_new_ns / 1000000ull; break;
	case K_TIMEOUT_EST: n = c->timeout_est_ns / 1000000000ull; break;
	case K_TIMEOUT_CLOSING: n = c->timeout_closing_ns / 1000000ull; break;
	case K_IDLE_SLEEP: n = c->idle_sleep_us; break;
	case K_CHASH_SEED: n = c->chash_seed; break;
	case K_SCORE_MAX_AGE: n = c->score_max_age_ns / 1000000ull; break;
	case K_SCORE_EWMA: n = c->score_ewma_w; break;
	case K_SCORE_MAX_STEP: n = c->score_max_step; break;
	case K_PROBE_TIMEOUT: n = c->probe_timeout_ns / 1000000ull; break;
	case K_RECOVER_SECRET: n = c->recover_secret; break;
	case K_HEALTH: b = c->health.enabled; break;
	case K_HEALTH_RISE: n = c->health.rise; break;
	case K_HEALTH_FALL: n = c->health.fall; break;
	case K_HEALTH_TIMEOUT: n = c->health.timeout_ns / 1000000ull; break;
	case K_HEALTH_TRIAL: n = c->health.trial_ns / 1000000ull; break;
	case K_ICMP_RATE: n = c->icmp_rate; break;
	case K_ICMP_ECHO_VIP: b = c->icmp_echo_vip; break;
	case K_NEIGH_SOLICIT: b = c->neigh_solicit; break;
	case K_POLL_INTERVAL: n = c->poll_interval_ms; break;
	case K_MODE: n = v->policy; break;
	case K_TRANSPORT: n = v->transport; break;
	case K_LEG: n = v->leg; break;
	case K_ENCODING: n = v->enc; break;
	case K_AUTH: b = v->auth; break;
	case K_PROBE_EVERY: n = v->probe_n; break;
	case K_PROBE_ADAPTIVE: b = v->probe_adaptive; break;
	case K_WINDOW: n = v->score_window; break;
	case K_C: n = v->chash_c; break;
	case K_ALPHA: n = v->lat_alpha_ppm / 10000u; break;
	case K_CHASH_M: n = v->chash_m; break;
	case K_ANNOUNCE: n = v->announce; break;
	case K_CANDIDATES: n = v->candidates; break;
	case K_CHECK: n = v->check.type; break;
	case K_CHECK_PORT: n = v->check.port; break;
	case K_CHECK_PATH:
		snprintf(buf, len, "%s", v->check.path);
		return lb_check_path_ok(v->check.path) ? 0 : -1;
	case K_CHECK_STATUS: n = v->check.status; break;
	case K_CHECK_INTERVAL: n = v->check.interval_ms; break;
	case K_CHECK_TIMEOUT: n = v->check.timeout_ms; break;
	case K_QUIC_CID_LEN: n = v->quic_cid_len; break;
	case K_QUIC_LB_SID_LEN:
	case K_QUIC_LB_NONCE_LEN:
	case K_QUIC_LB_CONFIG_ID:
	case K_QUIC_LB_ENCODE_LEN:
		if (!v->has_quic_lb)
			return -1;
		n = k->id == K_QUIC_LB_SID_LEN ? v->quic_lb.server_id_len :
		    k->id == K_QUIC_LB_NONCE_LEN ? v->quic_lb.nonce_len :
		    k->id == K_QUIC_LB_CONFIG_ID ? v->quic_lb.config_id : 0;
		b = v->quic_lb.encode_len;
		break;
	default:
		return -1;
	}
	switch (k->type) {
	case LB_KEY_UINT:
	case LB_KEY_PRIME:
		/* 0 below the range: the default is kept as 0 */
		if (n < k->min || n > k->max)
			return -1;
		snprintf(buf, len, "%" PRIu64, n);
		return 0;
	case LB_KEY_BOOL:
		snprintf(buf, len, "%s", b ? "on" : "off");
		return 0;
	case LB_KEY_ENUM:
		snprintf(buf, len, "%s", enum_name(k, (unsigned int)n, w,
						   sizeof(w)));
		return 0;
	case LB_KEY_FRACTION:
		/* nine decimals read back to the same Q16 (parse_q16) */
		snprintf(buf, len, "%.9f", (double)n / BUSY_EWMA_ONE);
		return 0;
	case LB_KEY_SEED:
		snprintf(buf, len, "0x%" PRIx64, n);
		return 0;
	default:
		return -1;
	}
}
