/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lb_config_load() on the .ini files of this folder (argv[1] or
 * $DSRLB_CONFIG_DIR). Good files give the expected struct; each bad file
 * gives "FILE:LINE: reason" where LINE is the line marked "<-- error" in
 * the file (no marker: "FILE: reason"), and leaves the struct zeroed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "dsrlb/busy_select.h"
#include "dsrlb/lb_config.h"
#include "dsrlb/lb_config_save.h"
#include "dsrlb/wire.h"
#include "lb_config_load.h"

static const char *dir = ".";

static void
path_of(const char *file, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", dir, file);
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Line of the "<-- error" marker in @path, 0 if none. */
static unsigned int
marked_line(const char *path)
{
	char buf[1024];
	unsigned int line = 0, found = 0;
	FILE *f = fopen(path, "r");

	if (f == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		if (strstr(buf, "<-- error") != NULL && found == 0)
			found = line;
	}
	fclose(f);
	return found;
}

static void
addr_is(const struct lb_addr *a, const char *s)
{
	struct lb_addr e;

	assert_int_equal(lb_addr_parse(s, &e), 0);
	if (!lb_addr_eq(a, &e)) {
		char buf[64];

		print_error("address %s, expected %s\n",
			    lb_addr_fmt(a, buf, sizeof(buf)), s);
		fail();
	}
}

static void
locator_is(const uint8_t loc[16], const char *s)
{
	struct lb_addr e;

	assert_int_equal(lb_addr_parse(s, &e), 0);
	assert_memory_equal(loc, e.a, 16);
}

static void
load_ok(const char *file, struct lb_config *c)
{
	char path[1024], err[512] = "";

	path_of(file, path, sizeof(path));
	if (lb_config_load(path, c, err, sizeof(err)) != 0) {
		print_error("%s\n", err);
		fail();
	}
	assert_string_equal(err, "");
}

static void
test_good_full(void **state)
{
	struct lb_config c;
	const struct lb_vip_conf *v;
	uint8_t mac[6];

	(void)state;
	load_ok("good-full.ini", &c);
	assert_true(c.has_auth_key);
	assert_false(c.has_auth_key_prev);
	assert_int_equal(c.auth_key[0], 0x00);
	assert_int_equal(c.auth_key[15], 0xff);
	/* [general] */
	assert_int_equal(c.flow_capacity, 131072);
	assert_true(c.timeout_new_ns == 4000000000ull);
	assert_true(c.timeout_est_ns == 600000000000ull);
	assert_true(c.timeout_closing_ns == 8000000000ull);
	assert_int_equal(c.idle_sleep_us, 20);
	assert_true(c.chash_seed == 0xdeadbeefcafeull);
	assert_true(c.score_max_age_ns == 500000000ull);
	assert_int_equal(c.score_ewma_w, 16384);
	assert_int_equal(c.score_max_step, 100);
	assert_true(c.probe_timeout_ns == 250000000ull);
	assert_true(c.health.enabled);
	assert_int_equal(c.health.rise, 4);
	assert_int_equal(c.health.fall, 5);
	assert_true(c.health.timeout_ns == 300000000ull);
	assert_true(c.health.trial_ns == 700000000ull);
	assert_int_equal(c.icmp_rate, 500);
	assert_int_equal(c.poll_interval_ms, 25);
	assert_true(c.icmp_echo_vip);
	/* [srv6] */
	assert_int_equal(c.srv6.locator_bits, 64);
	assert_int_equal(c.srv6.func_bits, 16);
	assert_int_equal(c.srv6.arg_bits, 8);
	assert_int_equal(c.srv6.code[SRV6_FUNC_CONNECT_AVAIL], 11);
	assert_int_equal(c.srv6.code[SRV6_FUNC_CONNECT_FORCE], 12);
	assert_int_equal(c.srv6.code[SRV6_FUNC_CREATE_STICKINESS], 13);
	assert_int_equal(c.srv6.code[SRV6_FUNC_ACK_STICKINESS], 14);
	assert_int_equal(c.srv6.code[SRV6_FUNC_REMOVE_STICKINESS], 15);
	assert_int_equal(c.srv6.code[SRV6_FUNC_RECOVER_STICKINESS], 16);
	assert_true(c.has_lb_sid);
	locator_is(c.lb_sid, "2001:db8:ff::");
	/* ports, in file order */
	assert_int_equal(c.n_ports, 2);
	assert_string_equal(c.port[0].name, "lan");
	assert_string_equal(c.port[0].dev, "net_pcap0");
	assert_int_equal(c.port[0].role, LB_ROLE_CLIENT);
	addr_is(&c.port[0].ip4, "192.0.2.1");
	assert_int_equal(c.port[0].ip4_prefix_len, 24);
	addr_is(&c.port[0].ip6, "2001:db8:c::1");
	assert_int_equal(c.port[0].ip6_prefix_len, 64);
	addr_is(&c.port[0].gw4, "192.0.2.254");
	addr_is(&c.port[0].gw6, "2001:db8:c::fe");
	assert_int_equal(c.port[0].mtu, 1500);
	assert_string_equal(c.port[0].kernel, "klan");
	assert_string_equal(c.port[1].kernel, "");
	/* [bgp] */
	assert_string_equal(c.bird_socket, "/run/bird/bird.ctl");
	assert_int_equal(c.withdraw_wait_ms, 3000);
	assert_string_equal(c.port[1].name, "srv-1");
	assert_string_equal(c.port[1].dev, "0000:03:00.1");
	assert_int_equal(c.port[1].role, LB_ROLE_SERVER);
	assert_int_equal(c.port[1].gw4.family, 0);
	assert_int_equal(c.port[1].gw6.family, 0);
	assert_int_equal(c.port[1].mtu, 9000);
	/* neighbours and routes */
	assert_int_equal(c.n_neigh, 4);
	addr_is(&c.neigh[1].ip, "2001:db8:c::10");
	assert_int_equal(lb_mac_parse("02:00:00:00:00:11", mac), 0);
	assert_memory_equal(c.neigh[1].mac, mac, 6);
	addr_is(&c.neigh[3].ip, "fe80::21");
	assert_int_equal(lb_mac_parse("02:ab:cd:00:01:21", mac), 0);
	assert_memory_equal(c.neigh[3].mac, mac, 6);
	assert_int_equal(c.n_routes, 3);
	addr_is(&c.route[0].prefix, "10.2.0.0");
	assert_int_equal(c.route[0].plen, 16);
	addr_is(&c.route[0].via, "10.1.0.254");
	addr_is(&c.route[1].prefix, "2001:db8:2::");
	assert_int_equal(c.route[1].plen, 48);
	assert_int_equal(c.route[2].plen, 0);
	/* VIPs, in file order */
	assert_int_equal(c.n_vips, 6);
	assert_non_null(c.vip);
	v = &c.vip[0];
	assert_string_equal(v->name, "web4");
	addr_is(&v->addr, "192.0.2.100");
	assert_int_equal(v->port, 80);
	assert_int_equal(v->proto, IPPROTO_NUM_TCP);
	assert_int_equal(v->policy, LB_POLICY_BUSY);
	assert_int_equal(v->transport, LB_TRANSPORT_DSR);
	assert_int_equal(v->leg, LB_LEG_L2);
	assert_int_equal(v->enc, IP6EXT_ENC_PAPER);
	assert_true(v->auth);
	assert_int_equal(v->probe_n, 16);
	assert_true(v->probe_adaptive);
	assert_int_equal(v->chash_m, 251);
	assert_int_equal(v->announce, LB_ANNOUNCE_ARP); /* default */
	assert_int_equal(c.vip[3].announce, LB_ANNOUNCE_BGP);
	assert_int_equal(c.vip[4].announce, LB_ANNOUNCE_NONE);
	assert_int_equal(v->candidates, 3);
	assert_int_equal(v->score_window, 4);
	assert_int_equal(v->lat_alpha_ppm, 200000);
	assert_int_equal(v->chash_c, 1);
	assert_int_equal(v->n_backends, 3);
	assert_string_equal(v->backend[0].name, "a");
	addr_is(&v->backend[0].addr, "10.1.0.21");
	assert_int_equal(v->backend[0].weight, 3);
	assert_false(v->backend[0].has_locator);
	assert_string_equal(v->backend[1].name, "b");
	assert_int_equal(v->backend[1].weight, 1);
	assert_string_equal(v->backend[2].name, "c");
	assert_int_equal(v->backend[2].weight, 0);

	v = &c.vip[1];
	assert_string_equal(v->name, "web6");
	assert_int_equal(v->policy, LB_POLICY_HUNT);
	assert_int_equal(v->transport, LB_TRANSPORT_SRV6); /* default */
	assert_int_equal(v->proto, IPPROTO_NUM_TCP);
	assert_int_equal(v->leg, LB_LEG_ROUTED);
	assert_true(v->auth); /* default since issue 16 */
	assert_int_equal(v->probe_n, 8);
	assert_false(v->probe_adaptive);
	assert_int_equal(v->chash_m, 0);
	assert_int_equal(v->n_backends, 2);
	assert_true(v->backend[0].has_locator);
	locator_is(v->backend[0].locator, "2001:db8:a1::");
	assert_string_equal(v->backend[1].name, "s2");
	addr_is(&v->backend[1].addr, "2001:db8:1::22");
	assert_int_equal(v->backend[1].weight, 5);
	locator_is(v->backend[1].locator, "2001:db8:a2::");

	v = &c.vip[2];
	assert_string_equal(v->name, "dns6");
	assert_int_equal(v->proto, IPPROTO_NUM_UDP);
	assert_int_equal(v->policy, LB_POLICY_MAGLEV);
	assert_int_equal(v->transport, LB_TRANSPORT_DSR);
	assert_int_equal(v->enc, IP6EXT_ENC_DSTOPT);
	assert_int_equal(v->probe_n, 0);

	v = &c.vip[3];
	assert_string_equal(v->name, "rr4");
	assert_int_equal(v->policy, LB_POLICY_RR);
	assert_int_equal(v->port, 8080);
	assert_int_equal(v->backend[1].weight, 1000);

	v = &c.vip[4];
	assert_string_equal(v->name, "any4");
	assert_int_equal(v->policy, LB_POLICY_RANDOM);
	assert_int_equal(v->port, 0);

	v = &c.vip[5];
	assert_string_equal(v->name, "lat6");
	assert_int_equal(v->policy, LB_POLICY_LATENCY);
	assert_int_equal(v->transport, LB_TRANSPORT_SRV6);

	assert_int_equal(lb_config_validate(&c, NULL, 0), 0);
	lb_config_free(&c);
	assert_null(c.vip);
}

static void
test_good_minimal(void **state)
{
	struct lb_config c, d;

	(void)state;
	load_ok("good-minimal.ini", &c);
	lb_config_defaults(&d);
	/* Everything but the port is the defaults. */
	assert_int_equal(c.n_ports, 1);
	assert_string_equal(c.port[0].name, "p0");
	assert_string_equal(c.port[0].dev, "net_pcap0");
	assert_int_equal(c.port[0].role, LB_ROLE_BOTH);
	assert_int_equal(c.port[0].ip4.family, 0);
	assert_int_equal(c.port[0].mtu, 0);
	memset(&c.port[0], 0, sizeof(c.port[0]));
	c.n_ports = 0;
	assert_memory_equal(&c, &d, sizeof(c));
	assert_int_equal(c.flow_capacity, 65536);
	assert_int_equal(c.score_ewma_w, BUSY_EWMA_ONE);
	assert_true(c.chash_seed == 0x5eed);
	assert_true(c.probe_timeout_ns == 100000000ull);
	assert_int_equal(c.icmp_rate, 100);
	assert_int_equal(c.poll_interval_ms, LB_POLL_INTERVAL_DEFAULT_MS);
	assert_false(c.icmp_echo_vip);
	assert_int_equal(c.n_vips, 0);
	assert_null(c.vip);
	lb_config_free(&c);
}

static void
test_good_onearm(void **state)
{
	struct lb_config c;

	(void)state;
	load_ok("good-onearm.ini", &c);
	assert_string_equal(c.port[0].name, "p0");
	assert_string_equal(c.port[0].dev, "net_ring0");
	assert_int_equal(c.n_vips, 1);
	assert_string_equal(c.vip[0].name, "v");
	assert_int_equal(c.vip[0].n_backends, 2);
	assert_int_equal(c.vip[0].backend[1].weight, 2);
	lb_config_free(&c);
	/* Loading again into the freed struct works. */
	load_ok("good-onearm.ini", &c);
	lb_config_free(&c);
}

struct bad_case {
	const char *file;
	const char *phrase;
};

static const struct bad_case bad_cases[] = {
	{ "bad-unknown-key.ini", "colour: unknown key" },
	{ "bad-bad-address.ini", "is not an IPv4 address/prefix" },
	{ "bad-prefix33.ini", "prefix length 0..32" },
	{ "bad-gateway-outside.ini", "outside the port's subnet" },
	{ "bad-dup-vip.ini", "same address, port and proto" },
	{ "bad-auth-missing.ini", "vip v: auth = yes (the default) needs "
	  "[general] auth_key (32 hex digits), or set auth = no" },
	{ "bad-auth-key.ini", "[general] auth_key: not 32 hex digits, or "
	  "all zero" },
	{ "bad-auth-zero.ini", "[general] auth_key: not 32 hex digits" },
	{ "bad-auth-prev-only.ini", "[general] auth_key_previous without "
	  "auth_key" },
	{ "bad-hunt-ipv4.ini", "needs an IPv6 VIP" },
	{ "bad-srv6-no-locator.ini", "backend y: the srv6 transport needs "
	  "locator" },
	{ "bad-weight.ini", "weight '1001' is not a number in 0..1000" },
	{ "bad-health-fall.ini", "bad-health-fall.ini:3: [general] "
	  "health_fall: '0' is not in 1..100" },
	{ "bad-health-flag.ini", "bad-health-flag.ini:2: [general] health: "
	  "'maybe' is not on or off (yes or no)" },
	{ "bad-health-key.ini", "bad-health-key.ini:2: [general] "
	  "health_rize: unknown key" },
	{ "bad-chash-m.ini", "65535 is not prime" },
	{ "bad-candidates.ini", "[vip v] candidates: '9' is not in 1..8" },
	{ "bad-mode.ini", "[vip v] mode: 'fastest' is not one of "
	  "dsr-feedback, hunt, maglev, round-robin, random, "
	  "latency-feedback" },
	/* cfg_num.h: a leading zero is refused, not read as octal or
	 * decimal */
	{ "bad-leading-zero.ini", "[vip v] probe_every: '010' is not a "
	  "decimal number without a leading zero in 0..65535" },
	{ "bad-window.ini", "[vip v] window: '65536' is not in 0..65535" },
	{ "bad-general-octal.ini", "[general] idle_sleep_us: '0x10' is not "
	  "a number (decimal digits only) in 0..100000" },
	{ "bad-no-server.ini", "no server-facing port" },
	{ "bad-family.ini", "backend y: IPv6 address" },
	{ "bad-garbage-number.ini", "'12abc' is not a number" },
	{ "bad-missing-dev.ini", "dev is required" },
	{ "bad-unknown-section.ini", "unknown section [vips v]" },
	{ "bad-dup-backend-addr.ini", "same address 10.0.0.11 as backend x" },
	{ "bad-no-equals.ini", "neither a [section] nor a 'key = value'" },
	{ "bad-busy-srv6.ini", "dsr-feedback needs transport dsr" },
	{ "bad-route-nexthop.ini", "not in any port's connected subnet" },
	{ "bad-route-hostbits.ini", "host bits set" },
	{ "bad-mtu-ipv6.ini", "below IPv6's minimum 1280" },
	{ "bad-mtu-range.ini", "[port p0] mtu: '9001' is not in 576..9000" },
	{ "bad-dup-key.ini", "dev: given twice (first on line 2)" },
	{ "bad-port-name.ini", "bad or missing name" },
	{ "bad-vip-is-port-addr.ini", "is a port's address" },
	{ "bad-neigh-mac.ini", "is not a MAC address" },
	{ "bad-neigh-offlink.ini", "not in any port's connected subnet" },
	{ "bad-no-lb-sid.ini", "needs [srv6] lb_sid" },
	{ "bad-no-backend.ini", "no backend" },
	{ "bad-dup-section.ini", "duplicate section [port p0] (first on "
	  "line 1)" },
	{ "bad-ewma.ini", "not a decimal number in (0, 1]" },
	{ "bad-icmp-echo.ini", "icmp_echo_vip: 'maybe' is not on or off (yes or no)" },
	{ "bad-icmp-rate.ini", "icmp_rate: '100001' is not in 0..100000" },
	{ "bad-poll-interval.ini", "poll_interval_ms: '0' is not in 1..60000" },
	{ "bad-poll-srv6.ini", "mode polling needs transport dsr" },
	{ "bad-encoding-ipv4.ini", "encoding applies to IPv6 VIPs" },
	{ "bad-srv6-code-dup.ini", "createStickiness: code 2 is also "
	  "connectForce's" },
	{ "bad-empty-value.ini", "[port p0] dev: empty value" },
	{ "bad-lb-sid-host-bits.ini", "bits set past locator_bits (/48)" },
	{ "bad-no-port.ini", "no port" },
	{ "bad-key-outside.ini", "before any [section]" },
	{ "bad-bracket.ini", "without closing ']'" },
	{ "bad-proto.ini", "'sctp' is not tcp, udp or quic" },
	{ "bad-quic-lb-udp.ini", "quic_lb_* keys need proto = quic" },
	{ "bad-quic-sid-len.ini", "quic_sid must have quic_lb_server_id_len (2)" },
	{ "bad-quic-sid-hex.ini", "quic_sid 'zz' is not 1..15 octets" },
	{ "bad-quic-lb-size.ini", "server ID + nonce must fit a 20-octet" },
	{ "bad-quic-cid-len.ini", "quic_cid_len 8 differs from the QUIC-LB "
	  "connection IDs' length 9" },
	{ "bad-quic-cid-hunt.ini", "quic_cid_len needs transport dsr" },
	{ "bad-quic-lb-key.ini", "quic_lb_key: not 32 hex digits" },
	{ "bad-backend-option.ini", "unknown or repeated option 'wieght=2'" },
	{ "bad-vip-no-mode.ini", "mode is required" },
	{ "bad-leg-l2-offlink.ini", "l2 leg needs 10.2.0.12" },
	{ "bad-dup-port-dev.ini", "dev net_pcap0 is already port p0's" },
	{ "bad-announce.ini", "announce: 'ospf' is not one of arp, bgp, none" },
	{ "bad-bgp-no-socket.ini", "announce = bgp needs [bgp] bird_socket" },
	{ "bad-bgp-socket.ini", "bird_socket: 'bird.ctl' is not an absolute "
	  "path" },
	{ "bad-kernel-ifname.ini", "kernel: 'a/b' is not an interface name" },
};

/* Load @path, expect failure with "@path:@line: ...@phrase..." (or
 * "@path: " when @line is 0), and a zeroed struct. */
static void
expect_bad(const char *path, unsigned int line, const char *phrase)
{
	struct lb_config c;
	char err[512], want[1200];

	memset(&c, 0xA5, sizeof(c));
	memset(err, 'x', sizeof(err));
	assert_int_equal(lb_config_load(path, &c, err, sizeof(err)), -1);
	assert_true(all_zero(&c, sizeof(c)));
	assert_null(strchr(err, '\n'));
	if (line > 0)
		snprintf(want, sizeof(want), "%s:%u: ", path, line);
	else
		snprintf(want, sizeof(want), "%s: ", path);
	if (strncmp(err, want, strlen(want)) != 0 ||
	    strstr(err, phrase) == NULL) {
		print_error("got      '%s'\nexpected '%s...%s...'\n", err, want,
			    phrase);
		fail();
	}
}

/* One cmocka test per bad file; the case is the initial state. */
static void
test_bad_file(void **state)
{
	const struct bad_case *bc = *state;
	char path[1024];

	path_of(bc->file, path, sizeof(path));
	expect_bad(path, marked_line(path), bc->phrase);
}

static void
test_unreadable(void **state)
{
	char path[1024];

	(void)state;
	path_of("no-such-file.ini", path, sizeof(path));
	expect_bad(path, 0, "cannot open: No such file or directory");
	/* A directory opens but does not read. */
	expect_bad(dir, 0, "cannot read");
}

static void
test_err_buffers(void **state)
{
	struct lb_config c;
	char path[1024], err[16];

	(void)state;
	path_of("bad-weight.ini", path, sizeof(path));
	/* No error buffer, a tiny one: still -1, truncated, terminated. */
	assert_int_equal(lb_config_load(path, &c, NULL, 0), -1);
	assert_int_equal(lb_config_load(path, &c, err, sizeof(err)), -1);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_int_equal(lb_config_load(path, NULL, err, sizeof(err)), -1);
	assert_int_equal(lb_config_load(NULL, &c, err, sizeof(err)), -1);
}

/* Issue 20, "save": the text lb_config_save() writes loads back to the
 * same configuration, and writing that gives the same text. */
struct sbuf {
	char b[65536];
	size_t n;
};

static void
sbuf_write(void *arg, const char *s, size_t n)
{
	struct sbuf *sb = arg;

	assert_true(sb->n + n < sizeof(sb->b));
	memcpy(sb->b + sb->n, s, n);
	sb->n += n;
	sb->b[sb->n] = '\0';
}

static void
save_to(const struct lb_config *c, struct sbuf *sb, const char *path)
{
	FILE *f;

	sb->n = 0;
	sb->b[0] = '\0';
	lb_config_save(c, &(struct lb_ctl_out){ sbuf_write, sb });
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(sb->b, 1, sb->n, f), sb->n);
	assert_int_equal(fclose(f), 0);
}

static void
round_trip(const char *file)
{
	static struct sbuf one, two;
	struct lb_config c, back;
	char err[512] = "", tmp[] = "/tmp/dsrlb-save-XXXXXX";
	int fd = mkstemp(tmp);

	assert_true(fd >= 0);
	close(fd);
	load_ok(file, &c);
	save_to(&c, &one, tmp);
	if (lb_config_load(tmp, &back, err, sizeof(err)) != 0) {
		print_error("%s: saved text does not load: %s\n%s\n", file,
			    err, one.b);
		fail();
	}
	save_to(&back, &two, tmp);
	unlink(tmp);
	assert_string_equal(one.b, two.b);
	/* the parts that matter, field by field */
	assert_int_equal(back.n_ports, c.n_ports);
	assert_int_equal(back.n_vips, c.n_vips);
	assert_int_equal(back.n_neigh, c.n_neigh);
	assert_int_equal(back.n_routes, c.n_routes);
	assert_memory_equal(&back.health, &c.health, sizeof(c.health));
	assert_memory_equal(&back.srv6, &c.srv6, sizeof(c.srv6));
	assert_true(back.chash_seed == c.chash_seed &&
		    back.score_ewma_w == c.score_ewma_w &&
		    back.timeout_est_ns == c.timeout_est_ns &&
		    back.has_auth_key == c.has_auth_key &&
		    memcmp(back.auth_key, c.auth_key, 16) == 0 &&
		    back.metrics_port == c.metrics_port);
	for (uint32_t v = 0; v < c.n_vips; v++) {
		const struct lb_vip_conf *a = &c.vip[v], *b = &back.vip[v];

		assert_string_equal(a->name, b->name);
		assert_true(a->policy == b->policy &&
			    a->transport == b->transport &&
			    a->leg == b->leg && a->enc == b->enc &&
			    a->auth == b->auth && a->probe_n == b->probe_n &&
			    a->announce == b->announce &&
			    a->candidates == b->candidates &&
			    a->quic == b->quic && a->port == b->port &&
			    a->quic_cid_len == b->quic_cid_len &&
			    a->has_quic_lb_key == b->has_quic_lb_key &&
			    memcmp(a->quic_lb_key, b->quic_lb_key, 16) == 0 &&
			    a->n_backends == b->n_backends);
		for (uint32_t k = 0; k < a->n_backends; k++)
			assert_true(a->backend[k].weight ==
				    b->backend[k].weight &&
				    memcmp(&a->backend[k].addr,
					   &b->backend[k].addr,
					   sizeof(a->backend[k].addr)) == 0);
	}
	lb_config_free(&c);
	lb_config_free(&back);
}

static void
test_save_round_trip(void **state)
{
	(void)state;
	round_trip("good-full.ini");
	round_trip("good-minimal.ini");
	round_trip("good-onearm.ini");
	round_trip("good-quic.ini");
}

/* QUIC VIPs: the encrypted QUIC-LB key and the learned CIDs' length. */
static void
test_good_quic(void **state)
{
	static const uint8_t key[16] = { 0x8f, 0x95, 0xf0, 0x92, 0x45, 0x76,
					 0x5f, 0x80, 0x25, 0x69, 0x34, 0xe5,
					 0x0c, 0x66, 0x20, 0x7f };
	struct lb_config c;

	(void)state;
	load_ok("good-quic.ini", &c);
	assert_int_equal(c.n_vips, 2);
	assert_true(c.vip[0].quic && c.vip[0].has_quic_lb &&
		    c.vip[0].has_quic_lb_key);
	assert_memory_equal(c.vip[0].quic_lb_key, key, 16);
	assert_int_equal(c.vip[0].quic_cid_len, 8);
	assert_false(c.vip[1].has_quic_lb || c.vip[1].has_quic_lb_key);
	assert_int_equal(c.vip[1].quic_cid_len, 18);
	lb_config_free(&c);
}

int
main(int argc, char **argv)
{
	enum { N_BAD = sizeof(bad_cases) / sizeof(bad_cases[0]) };
	struct CMUnitTest tests[7 + N_BAD] = {
		cmocka_unit_test(test_save_round_trip),
		cmocka_unit_test(test_good_full),
		cmocka_unit_test(test_good_minimal),
		cmocka_unit_test(test_good_onearm),
		cmocka_unit_test(test_good_quic),
		cmocka_unit_test(test_unreadable),
		cmocka_unit_test(test_err_buffers),
	};
	size_t i;

	for (i = 0; i < N_BAD; i++) {
		tests[7 + i].name = bad_cases[i].file;
		tests[7 + i].test_func = test_bad_file;
		tests[7 + i].initial_state = (void *)(uintptr_t)&bad_cases[i];
	}
	if (argc > 1)
		dir = argv[1];
	else if (getenv("DSRLB_CONFIG_DIR") != NULL)
		dir = getenv("DSRLB_CONFIG_DIR");
	return cmocka_run_group_tests_name("config_load", tests, NULL, NULL);
}
