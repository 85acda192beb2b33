#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end, issue 18: two appliances behind an ECMP router, the VIPs
(IPv4 and IPv6) announced by BGP (BIRD 2 beside each dsrlb, BFD 100 ms x 3), on the
testbed of test_e2e.py (its Testbed class builds client, router, switch,
servers with agents, nginx and slowserver; this adds a second appliance
and the routing daemons).

    client -- brc --+-- router (rc, BIRD: ECMP, BFD) -- brs -- s1 s2 s3
                    +-- lb1 lan (dsrlb, net_tap klan + BIRD)   lb1 farm
                    +-- lb2 lan (dsrlb, net_tap klan + BIRD)   lb2 farm

Each appliance's kernel sees its port's address on klan (the exception
path) and peers from there with the router; dsrlb enables the VIP's
static protocol in its BIRD while it serves the VIP; the IPv6 VIPs ride
the same BGP session (an ipv6 channel, next hop the appliance's IPv6 lan
address). The router installs a multipath route over both, hashing the
L4 tuple of the packet's headers (fib_multipath_hash_policy = 3 for IPv4
and IPv6: a retransmitted SYN keeps its appliance, as behind a real
router; see Bgpbed.up).

Scenarios, each asserted: the route to every VIP address appears over
both appliances, which show the same consistent-hash digest, and each
appliance polls every server of the polling VIPs through its farm
port's kernel interface; traffic is spread over both; "appliance drain"
on one moves new and existing flows to the other with no failed request
and every download intact; SIGTERM withdraws, waits, stops cleanly with
no failed request; SIGKILL: the router drops the appliance within 1 s
(BFD; the figure is printed) and the downloads that crossed it complete.

The downloads moved by the drain, SIGTERM and SIGKILL go through every mode,
IPv4 and IPv6 (issue 17, MODES): maglev (the same table on both
appliances), dsr-feedback, round-robin, random, latency-feedback and
polling (the survivor offers the unknown flow to its candidates: option
158, IPv6 header 253; the last four place new flows on 2 of the 4
servers, their candidates), and IPv6 hunt (6LB over SRv6: the survivor
sends recoverStickiness to the flow's 2 candidates; each appliance has
its own lb_sid, routed to it by the server-side router, so the
candidate's createStickiness reaches the one that asked). Per mode one
download goes through the appliance that goes and one through the
other: IPv4 by client ports "ip route get" shows the router sending
there, IPv6 by downloads started in batches, read with "show flow" and
stopped when not wanted (see mode_downloads); each flow is checked with
"show flow" before the move and on the survivor after it (the same
server), and each body with sha256.

usage: test_bgp.py DSRLB AGENT DSRLB_CTL SLOWSERVER DSRLB_BUSY MEMARGS WORK
       [SCENARIO...]
Prints TAP; skips (exit 77) when not root or a tool is missing.

DSRLB_E2E_BREAK=seed gives lb2 another consistent-hash seed, to show
that the checks fail when the survivor cannot find the servers that hold
the moved flows (its candidates and maglev's table differ).

For debugging: DSRLB_BGP_DRAIN_N=N runs the drain N times (default 1);
DSRLB_BGP_TRACE=1 captures every hop of the drain's flows with dumpcap
(WORK/tr-drainI-NS-DEV.pcapng) and saves both appliances' counters and
flow samples after each drain.
"""
import hashlib
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as t  # noqa: E402  (reads the same arguments)

t.P = "bg" + t.ID                  # our own namespace prefix
P = t.P
tap, sh, nsx = t.tap, t.sh, t.nsx
WORK = t.WORK
MAG4 = t.MAG4
URL = "http://%s:81/" % MAG4
# the dsr-feedback VIP: a flow that moves to the other appliance is
# unknown there and recovered (option 158, issue 17)
URL_FB = "http://%s/" % t.VIP4
BIG = 48 << 20
WITHDRAW_WAIT_MS = 2000

# their IPv6 port addresses (lan, farm)
LBS6 = {"lb1": ("2001:db8:c::1", "2001:db8::1"),
        "lb2": ("2001:db8:c::3", "2001:db8::2")}
# their SRv6 locators ([srv6] lb_sid; the router routes lb1's /64 there
# already, t.Testbed.up)
SIDS = {"lb1": "2001:db8:ff::", "lb2": "2001:db8:ff:1::"}
# (namespace, lan address, farm address, lan MAC, farm MAC)
LBS = {
    "lb1": ("lb", "192.0.2.1", "10.0.0.1", "02:00:00:00:01:01",
            "02:00:00:00:01:02"),
    "lb2": ("lb2", "192.0.2.3", "10.0.0.2", "02:00:00:00:02:01",
            "02:00:00:00:02:02"),
}
# the agents take dsrlb messages from both appliances' farm ports
t.EXTRA_APPLIANCE_MACS.append(LBS["lb2"][4])
# the IPv6 polling VIP (pol6) is this file's: the agents' section and
# nginx's socket, unless test_e2e.py has them
if "[vip pol6]" not in t.AGENT_INI:
    t.AGENT_INI += ("\n[vip pol6]\naddress = 2001:db8:100::12\nport = 85\n"
                    "leg_address = {v6}\n")
if "[2001:db8:100::12]:85;" not in t.NGINX:
    t.NGINX = t.NGINX.replace(
        "listen [2001:db8:100::12]:84;",
        "listen [2001:db8:100::12]:84;\n        "
        "listen [2001:db8:100::12]:85;")

LB_INI = """
[general]
auth_key = 6e2e6e2e0123456789abcdef6e2e6e2e
flow_capacity = 65536
idle_sleep_us = 200
chash_seed = 0x5eed
; the polling VIPs (pol4, pol6): every server asked every 100 ms, through
; the farm port's exception path (kfarm)
poll_interval_ms = 100

[srv6]
; the appliance's own locator (hunt6): each appliance its own, which the
; servers' stickiness messages reach through the server-side router
lb_sid = {sid}

[bgp]
bird_socket = {work}/bird-{name}.ctl
withdraw_wait_ms = {wait}

[port lan]
dev = net_af_packet0
role = client
ipv4 = {lan}/24
gateway4 = 192.0.2.254
ipv6 = {lan6}/64
gateway6 = 2001:db8:c::fe
kernel = klan

[port farm]
dev = net_af_packet1
role = server
mtu = 9000
ipv4 = {farm}/24
ipv6 = {farm6}/64
; the exception path: the polls' sockets (pol4, pol6)
kernel = kfarm

[routes]
10.2.0.0/16 = 10.0.0.254
2001:db8:2::/48 = 2001:db8::fe

[vip mag4]
address = 198.51.100.11
port = 81
mode = maglev
probe_every = 0
announce = bgp
{backends}
[vip web4]
address = 198.51.100.10
port = 80
mode = dsr-feedback
announce = bgp
{fb_backends}
; issue 17: the other recovering modes, as in test_e2e.py: each places
; a new flow on one of its 2 candidates, where a moved flow is sought
[vip rr4]
address = 198.51.100.12
port = 82
mode = round-robin
candidates = 2
announce = bgp
{fb_backends}
[vip rnd4]
address = 198.51.100.12
port = 83
mode = random
candidates = 2
announce = bgp
{fb_backends}
[vip lat4]
address = 198.51.100.12
port = 84
mode = latency-feedback
candidates = 2
announce = bgp
{fb_backends}
[vip pol4]
address = 198.51.100.12
port = 85
mode = polling
candidates = 2
announce = bgp
{fb_backends}
; IPv6 across both appliances: recovery offers in header 253
[vip web6]
address = 2001:db8:100::10
port = 80
mode = dsr-feedback
announce = bgp
{fb6_backends}
; the other modes over IPv6, as test_e2e.py's mag6/rr6/rnd6/lat6
[vip mag6]
address = 2001:db8:100::12
port = 81
mode = maglev
probe_every = 0
announce = bgp
{fb6_backends}
[vip rr6]
address = 2001:db8:100::12
port = 82
mode = round-robin
candidates = 2
announce = bgp
{fb6_backends}
[vip rnd6]
address = 2001:db8:100::12
port = 83
mode = random
candidates = 2
announce = bgp
{fb6_backends}
[vip lat6]
address = 2001:db8:100::12
port = 84
mode = latency-feedback
candidates = 2
announce = bgp
{fb6_backends}
[vip pol6]
address = 2001:db8:100::12
port = 85
mode = polling
candidates = 2
announce = bgp
{fb6_backends}
; 6LB service hunting over SRv6: a moved flow is recovered by
; recoverStickiness to its 2 candidates, which pin it on the appliance
; whose SID its SRH names
[vip hunt6]
address = 2001:db8:100::20
port = 80
mode = hunt
announce = bgp
{hunt6_backends}"""

BIRD_LB = """
router id {lan};
log "{work}/bird-{name}.log" all;
protocol device {{ scan time 1; }}
protocol bfd {{
    interface "klan" {{
        min rx interval 100 ms; min tx interval 100 ms; multiplier 3;
    }};
}}
include "{work}/vips-{name}.conf";
protocol bgp rtr {{
    local {lan} as 65001;
    neighbor 192.0.2.254 as 65000;
    ipv4 {{ import none; export where proto ~ "vip_*"; }};
    # the IPv6 VIPs over the same (IPv4) session, next hop the port's
    # IPv6 address; BFD on the session covers both
    ipv6 {{ import none; export where proto ~ "vip_*";
           next hop address {lan6}; }};
    bfd on;
    connect delay time 1; connect retry time 1; error wait time 1, 2;
}}
"""

BIRD_ROUTER = """
router id 192.0.2.254;
log "{work}/bird-r.log" all;
protocol device {{ scan time 1; }}
protocol kernel {{
    ipv4 {{ import none; export all; }};
    merge paths on;
}}
protocol kernel {{
    ipv6 {{ import none; export all; }};
    merge paths on;
}}
protocol bfd {{
    interface "rc" {{
        min rx interval 100 ms; min tx interval 100 ms; multiplier 3;
    }};
}}
template bgp lbs {{
    local 192.0.2.254 as 65000;
    ipv4 {{ import all; export none; }};
    ipv6 {{ import all; export none; }};
    bfd on;
    connect delay time 1; connect retry time 1; error wait time 1, 2;
}}
protocol bgp lb1 from lbs {{ neighbor 192.0.2.1 as 65001; }}
protocol bgp lb2 from lbs {{ neighbor 192.0.2.3 as 65001; }}
"""


class Bgpbed(t.Testbed):
    def __init__(self):
        super().__init__()
        self.ns.append("lb2")
        self.lbp = {}
        self.logs = []

    def up(self):
        backends = "".join("backend.%s = %s\n" % (n, s[1])
                           for n, s in t.SERVERS.items())
        # the dsr-feedback VIP has every server, s4 behind the router
        # too: its recovery offers carry the offering appliance's farm
        # address, where the pass-back and the pin return (option 158
        # of 12 bytes, docs/wire-format.md "Recovery through a router")
        fb_backends = backends
        fb6_backends = "".join("backend.%s = %s\n" % (n, s[2])
                               for n, s in t.SERVERS.items())
        hunt6_backends = "".join("backend.%s = %s locator=%s\n" %
                                 (n, s[2], s[3])
                                 for n, s in t.SERVERS.items())
        # the base testbed starts lb1 with this file; its router's
        # static routes to the VIPs are replaced by BGP below
        t.LB_INI = LB_INI.replace("{backends}", backends).replace(
            "{fb_backends}", fb_backends).replace(
            "{work}", WORK).replace("{name}", "lb1").replace(
            "{wait}", str(WITHDRAW_WAIT_MS)).replace(
            "{lan}", LBS["lb1"][1]).replace("{farm}", LBS["lb1"][2]).replace(
            "{lan6}", LBS6["lb1"][0]).replace(
            "{farm6}", LBS6["lb1"][1]).replace(
            "{fb6_backends}", fb6_backends).replace(
            "{hunt6_backends}", hunt6_backends).replace(
            "{sid}", SIDS["lb1"])
        super().up()
        self.lbp["lb1"] = self.lb
        self.logs.append(os.path.join(WORK, "dsrlb.log"))
        for cmd in ["ip route del 198.51.100.0/24 via 192.0.2.1",
                    "ip -6 route del 2001:db8:100::/48 via 2001:db8:c::1",
                    # The router's ECMP hash: the L4 tuple of the
                    # packet's headers (policy 3, fields 0x37: addresses,
                    # protocol, ports), as a router in front of remote
                    # clients computes it. Policy 1 takes a forwarded
                    # packet's skb->hash when it carries an L4 hash, and
                    # here the client's packets cross only veths, which
                    # keep the hash of the client's socket: Linux draws
                    # it anew when a SYN times out (net.core.txrehash),
                    # so a retransmitted SYN took the other appliance.
                    # Seen in s3_drain (about one run in three): the
                    # first SYN-ACK went to the client through lb1, whose
                    # first packet to the client became its ARP request
                    # (tx_neigh_request); the SYN sent again 1 s later
                    # reached the other appliance and another server;
                    # when the drain moved the flow back, the first
                    # appliance still held the flow on the first server,
                    # whose kernel reset it (curl exit 56).
                    "sysctl -qw net.ipv4.fib_multipath_hash_policy=3",
                    "sysctl -qw net.ipv4.fib_multipath_hash_fields=0x37",
                    # IPv6 alike, without the flow label (the client's
                    # socket redraws it with its hash)
                    "sysctl -qw net.ipv6.fib_multipath_hash_policy=3",
                    "sysctl -qw net.ipv6.fib_multipath_hash_fields=0x37",
                    # the appliances share the clients' segment: an ICMP
                    # redirect would send a client straight to one of
                    # them, around the router's ECMP (and its withdrawals)
                    "sysctl -qw net.ipv4.conf.rc.send_redirects=0",
                    # lb2's SRv6 locator (lb1's: t.Testbed.up)
                    "ip -6 route add %s/64 via %s" % (SIDS["lb2"],
                                                      LBS6["lb2"][1])]:
            nsx("r", cmd)
        nsx("c", "sysctl -qw net.ipv4.conf.all.accept_redirects=0")
        nsx("c", "sysctl -qw net.ipv4.conf.c0.accept_redirects=0")
        # the second appliance
        ns, lan, farm, lmac, fmac = LBS["lb2"]
        self.veth(ns, "lan", "sw", "swlan2", lmac)
        self.veth(ns, "farm", "sw", "swfarm2", fmac, t.JUMBO)
        nsx("sw", "ip link set swlan2 master brc")
        nsx("sw", "ip link set swfarm2 master brs")
        for i in ("lan", "farm"):
            nsx(ns, "sysctl -qw net.ipv6.conf.%s.disable_ipv6=1" % i)
            nsx(ns, "ip link set %s arp off" % i)
        ini = LB_INI.format(work=WORK, name="lb2", wait=WITHDRAW_WAIT_MS,
                            lan=lan, farm=farm, backends=backends,
                            fb_backends=fb_backends,
                            fb6_backends=fb6_backends,
                            hunt6_backends=hunt6_backends, sid=SIDS["lb2"],
                            lan6=LBS6["lb2"][0], farm6=LBS6["lb2"][1])
        if t.BREAK == "seed":
            # on purpose: lb2's tables are not lb1's (see the docstring)
            ini = ini.replace("chash_seed = 0x5eed", "chash_seed = 0xbad")
        with open(os.path.join(WORK, "lb2.ini"), "w") as f:
            f.write(ini)
        self.start_lb2("dsrlb2")
        # the kernels' side and a BIRD beside each appliance
        for name in ("lb1", "lb2"):
            self.kernel_side(name)
            ini = os.path.join(WORK, "%s.ini" % ("lb" if name == "lb1"
                                                  else name))
            r = sh("%s --bird-conf %s" % (t.DSRLB, ini))
            with open(os.path.join(WORK, "vips-%s.conf" % name), "w") as f:
                f.write(r.stdout)
            with open(os.path.join(WORK, "bird-%s.conf" % name), "w") as f:
                f.write(BIRD_LB.format(lan=LBS[name][1], work=WORK,
                                       name=name, lan6=LBS6[name][0]))
            self.spawn(LBS[name][0], "bird-" + name,
                       "bird -f -c %s/bird-%s.conf -s %s/bird-%s.ctl "
                       "-P %s/bird-%s.pid" % (WORK, name, WORK, name, WORK,
                                              name))
        with open(os.path.join(WORK, "bird-r.conf"), "w") as f:
            f.write(BIRD_ROUTER.format(work=WORK))
        self.spawn("r", "bird-r", "bird -f -c %s/bird-r.conf -s "
                   "%s/bird-r.ctl -P %s/bird-r.pid" % (WORK, WORK, WORK))

    def start_lb2(self, tag):
        self.lbp["lb2"] = self.spawn(
            "lb2", tag,
            "%s %s --no-pci -l 0 --file-prefix %slb2 "
            "--log-level=lib.eal:warning "
            "--vdev net_af_packet0,iface=lan --vdev net_af_packet1,iface=farm "
            "-- --config %s/lb2.ini --ctl-socket %s/lb2.sock" %
            (t.DSRLB, self.mem(256), P, WORK, WORK))
        self.lb2_log = os.path.join(WORK, tag + ".log")
        self.logs.append(self.lb2_log)
        for _ in range(100):
            if os.path.exists("%s/lb2.sock" % WORK):
                break
            time.sleep(0.1)

    def kernel_side(self, name):
        ns, lan = LBS[name][0], LBS[name][1]
        for _ in range(100):
            if nsx(ns, "ip link show klan", check=False).returncode == 0:
                break
            time.sleep(0.1)
        nsx(ns, "sysctl -qw net.ipv6.conf.klan.disable_ipv6=1", check=False)
        nsx(ns, "ethtool -K klan tx off", check=False)
        nsx(ns, "ip addr add %s/24 dev klan" % lan)
        nsx(ns, "ip link set klan up")
        # the farm port's exception path, as t.Testbed.farm_kernel gives
        # lb1 (IPv4), and IPv6: the polls of pol4 and pol6 leave from the
        # port's addresses
        farm, farm6 = LBS[name][2], LBS6[name][1]
        for _ in range(100):
            if nsx(ns, "ip link show kfarm", check=False).returncode == 0:
                break
            time.sleep(0.1)
        nsx(ns, "sysctl -qw net.ipv6.conf.kfarm.disable_ipv6=0")
        nsx(ns, "ethtool -K kfarm tx off", check=False)
        for cmd in ["ip addr add %s/24 dev kfarm" % farm,
                    "ip -6 addr add %s/64 dev kfarm nodad" % farm6,
                    "ip link set kfarm up",
                    "ip route add 10.2.0.0/16 via 10.0.0.254 dev kfarm",
                    "ip -6 route add 2001:db8:2::/48 via 2001:db8::fe "
                    "dev kfarm"]:
            # lb1's IPv4 side is there already (farm_kernel)
            nsx(ns, cmd, check=name != "lb1" or "-6" in cmd)

    def sockpath(self, name):
        return os.path.join(WORK, "lb.sock" if name == "lb1" else
                            "%s.sock" % name)

    def lctl(self, name, cmd):
        r = sh("%s -s %s %s" % (t.CTL, self.sockpath(name), cmd), check=False)
        return r.returncode, r.stdout

    def counters(self, name):
        rc, out = self.lctl(name, "show counters all")
        c = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) >= 2 and f[1].isdigit():
                c[f[0]] = int(f[1])
        return c

    def announce(self, name):
        """VIP -> (state, why, digest) from "show announce"."""
        rc, out = self.lctl(name, "show announce")
        a = {}
        for line in out.splitlines():
            f = line.split()
            if len(f) == 6 and f[0] == "mag4":
                a[f[0]] = (f[3], f[4], f[5])
        return a


def vias(tb, vip=MAG4):
    r = nsx("r", "ip %sroute show %s" % ("-6 " if ":" in vip else "", vip),
            check=False)
    return set(re.findall(r"via (\S+)", r.stdout))


def lan_of(name, vip):
    """Appliance @name's lan address of @vip's family."""
    return LBS6[name][0] if ":" in vip else LBS[name][1]


def wait_vias(tb, want, timeout, vips=(MAG4,)):
    """Seconds until the route of each of @vips goes through exactly the
    appliances @want (lan addresses of MAG4's family, or names)."""
    t0 = time.time()
    names = [n for n in LBS if n in want or LBS[n][1] in want]
    while time.time() - t0 < timeout:
        if all(vias(tb, v) == {lan_of(n, v) for n in names} for v in vips):
            return time.time() - t0
        time.sleep(0.05)
    return None


def downloads(n, url=URL):
    # "code size exit-code local-port": a failure says how and which flow
    return [subprocess.Popen(
        "ip netns exec %sc curl -s -m 60 -o /dev/null -w '%%{http_code} "
        "%%{size_download} %%{exitcode} %%{local_port}' %sbig.bin" %
        (P, url), shell=True, stdout=subprocess.PIPE, text=True)
        for _ in range(n)]


def finish(dls):
    """"code size" of each download, and the failed ones in full."""
    out = [d.communicate(timeout=120)[0].strip() for d in dls]
    bad = [o for o in out if not o.startswith("200 %d " % BIG)]
    if bad:
        print("# failed downloads (code size curl-exit local-port): %s" %
              bad, flush=True)
    return [" ".join(o.split()[:2]) for o in out]


# issue 17: long downloads through every mode, IPv4 and IPv6, each with
# its client port chosen so that the router sends it through a given
# appliance (the one the scenario drains or kills) or the other
MODES = (("dsr-feedback", t.VIP4, 80), ("maglev", MAG4, 81),
         ("round-robin", t.RR4, 82), ("random", t.RR4, 83),
         ("latency-feedback", t.RR4, 84), ("polling", t.RR4, 85),
         ("IPv6 dsr-feedback", t.VIP6, 80), ("IPv6 maglev", t.RR6, 81),
         ("IPv6 round-robin", t.RR6, 82), ("IPv6 random", t.RR6, 83),
         ("IPv6 latency-feedback", t.RR6, 84), ("IPv6 polling", t.RR6, 85),
         ("IPv6 hunt", t.HUNT6, 80))
MODE = dict((m, (a, p)) for m, a, p in MODES)


def client_of(vip):
    return "2001:db8:c::2" if ":" in vip else "192.0.2.2"

WANT_SUM = hashlib.sha256(b"\0" * BIG).hexdigest()   # big.bin: zeros
mode_port = [62000]
mode_started = {}     # client port: when its download started


def next_hop(vip, dport, sport):
    """The appliance the router's ECMP picks for the client's flow from
    @sport to @vip:@dport."""
    r = nsx("r", "ip %sroute get %s from %s iif rc ipproto tcp sport %d "
            "dport %d" % ("-6 " if ":" in vip else "", vip, client_of(vip),
                          sport, dport), check=False)
    m = re.search(r"via (\S+)", r.stdout)
    name = [n for n in LBS if m and lan_of(n, vip) == m.group(1)]
    return name[0] if name else None


def flow_where(tb, vip, dport, sport):
    """The appliance whose flow table holds the client's flow from
    @sport to @vip:@dport (in any state), if exactly one does."""
    where = []
    for n in LBS:
        rc, txt = tb.lctl(n, "show flow %s %d %s %d" %
                          (client_of(vip), sport, vip, dport))
        if rc == 0 and txt.split()[:1] == ["lcore"]:
            where.append(n)
    return where[0] if len(where) == 1 else None


def start_download(vip, dport, sport):
    mode_started[sport] = time.time()
    return subprocess.Popen(
        "exec ip netns exec %sc sh -c \"curl -s -g -m 90 --local-port %d "
        "-o - -w '%%{stderr}%%{http_code} %%{size_download} "
        "%%{exitcode}' http://%s:%d/long.bin | sha256sum\"" %
        (P, sport, "[%s]" % vip if ":" in vip else vip, dport),
        shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, start_new_session=True)


def stop_downloads(ps):
    """Stop the downloads @ps (curl and sha256sum) and reap them."""
    for p in ps:
        os.killpg(p.pid, 15)
    for p in ps:
        p.communicate(timeout=30)


def mode_downloads(tb, through, n_through, n_other):
    """For each mode of MODES, @n_through downloads of big.bin whose
    flows the router sends through appliance @through and @n_other
    through the other; each checks its flow on its appliance ("show
    flow") and pipes the body into sha256sum. @return [(mode, appliance,
    port, its server there or None, Popen)].

    IPv4: "ip route get" with the tuple names the router's choice. IPv6:
    its multipath choice does not match the router's forwarding (Linux
    6.18: 18 of 30 tuples in a trial, IPv4 30 of 30), so downloads start
    in batches (twice as many per mode as still wanted), each one's
    appliance is read with "show flow", and those not wanted there are
    stopped (their client ports are not used again). The IPv6 ones start
    first, so that the placement does not age the IPv4 ones: each
    download lasts about 33 s (nginx paces long.bin at 1 500 KiB/s), and
    placing them took 8 to 18 s on a busy machine (printed)."""
    other = [n for n in LBS if n != through][0]
    t_place = time.time()
    want = dict((m, [through] * n_through + [other] * n_other)
                for m, _, _ in MODES)
    out = []
    for _ in range(8):
        batch = []
        for mode, vip, dport in MODES:
            for _ in range(2 * len(want[mode]) if ":" in vip else 0):
                sport = mode_port[0]
                mode_port[0] += 1
                batch.append((mode, vip, dport, sport,
                              start_download(vip, dport, sport)))
        if not batch:
            break
        stop, t0 = [], time.time()
        while batch and time.time() - t0 < 3.0:
            time.sleep(0.1)
            for b in list(batch):
                mode, vip, dport, sport, p = b
                name = flow_where(tb, vip, dport, sport)
                if name is None:
                    continue
                batch.remove(b)
                if name in want[mode]:
                    want[mode].remove(name)
                    out.append([mode, name, sport, None, p])
                else:
                    stop.append(p)
        stop_downloads(stop + [b[4] for b in batch])
    for mode, vip, dport in MODES:
        while want[mode] and ":" not in vip:
            sport = mode_port[0]
            mode_port[0] += 1
            name = next_hop(vip, dport, sport)
            if name not in want[mode]:
                continue
            want[mode].remove(name)
            out.append([mode, name, sport, None,
                        start_download(vip, dport, sport)])
    # established on its appliance before the move (a SYN-ACK can be
    # lost: an appliance's first packet to the client becomes its ARP or
    # ND request, and the client sends its SYN again after 1 s)
    t0 = time.time()
    time.sleep(1.0)
    for d in out:
        while True:
            d[3] = flow_server(tb, d[1], d[2], d[0], True)
            if d[3] is not None or time.time() - t0 > 8.0:
                break
            time.sleep(0.1)
        if d[3] is None:
            flow_server(tb, d[1], d[2], d[0])
            flow_server(tb, [n for n in LBS if n != d[1]][0], d[2], d[0])
    print("# %d mode downloads placed in %.1f s, checked in %.1f s" %
          (len(out), t0 - t_place, time.time() - t0), flush=True)
    return out


def flow_server(tb, name, sport, mode, quiet=False,
                states=("established",)):
    """The server appliance @name holds the client's flow from @sport to
    @mode's VIP on, if it is there in one of @states."""
    vip, dport = MODE[mode]
    if mode.endswith("hunt"):
        # 6LB: a pinned flow is STEER(s) (docs/wire-format.md "The 6LB
        # leg")
        states = tuple("steer" if s == "established" else s
                       for s in states)
    rc, txt = tb.lctl(name, "show flow %s %d %s %d" %
                      (client_of(vip), sport, vip, dport))
    f = txt.split()
    # "lcore N client -> vip tcp BACKEND STATE AGE"
    if rc == 0 and len(f) > 7 and f[7] in states:
        return f[6]
    if not quiet:
        print("# %s: show flow %d (%s): %s" % (name, sport, mode,
                                                txt.strip()))
    return None


def mode_moved(tb, dls, gone, survivor):
    """After @gone stopped serving: for each flow that crossed it, the
    server @survivor holds it on once recovered (within 6 s: the flow
    resumes after the client's or the server's retransmission timeout;
    closing: it completed), to compare with @gone's."""
    t0 = time.time()
    moved = dict(((d[0], d[2]), None) for d in dls if d[1] == gone)
    # each lasts about 33 s: one that ended before the move would show
    # as moved elsewhere (None)
    age = [t0 - mode_started[sport] for _, sport in moved]
    print("# %s gone: its %d mode downloads had run %.1f to %.1f s" %
          (gone, len(age), min(age), max(age)), flush=True)
    while time.time() - t0 < 6.0 and None in moved.values():
        for mode, sport in [k for k, v in moved.items() if v is None]:
            moved[(mode, sport)] = flow_server(
                tb, survivor, sport, mode, True, ("established", "closing"))
        time.sleep(0.1)
    for mode, sport in [k for k, v in moved.items() if v is None]:
        flow_server(tb, survivor, sport, mode)
    return moved


def mode_finish(dls, moved):
    """Per mode: the appliances that showed the flows, those of the
    moved ones (@moved: mode_moved) held on another server than before,
    and the broken downloads ("appliance:port curl-result")."""
    res = {}
    for mode, name, sport, known, p in dls:
        h, w = p.communicate(timeout=120)
        ok = w.strip() == "200 %d 0" % BIG and h.split()[:1] == [WANT_SUM]
        r = res.setdefault(mode, {"n": 0, "seen": [], "bad": [],
                                  "lost": []})
        if (mode, sport) in moved and moved[(mode, sport)] != known:
            r["lost"].append("%d: %s, then %s" % (sport, known,
                                                  moved[(mode, sport)]))
        r["n"] += 1
        if known:
            r["seen"].append(name)
            r.setdefault("on", []).append("%s/%s" % (name, known))
        if not ok:
            r["bad"].append("%s:%d %s" % (name, sport, w.strip()))
    return res


def load(seconds, c=8):
    return subprocess.Popen(
        "ip netns exec %sc hey -z %ds -c %d -t 20 %s" % (P, seconds, c, URL),
        shell=True, stdout=subprocess.PIPE, text=True)


def load_result(p):
    out, _ = p.communicate(timeout=120)
    codes = dict((int(a), int(b)) for a, b in
                 re.findall(r"\[(\d+)\]\s+(\d+) responses", out))
    errs = re.search(r"Error distribution:(.*)", out, re.S)
    return codes, (errs.group(1).strip() if errs else ""), out


BOTH = {LBS["lb1"][1], LBS["lb2"][1]}


ALL_VIPS = (MAG4, t.VIP4, t.RR4, t.VIP6, t.RR6, t.HUNT6)


def s1_routes(tb):
    dt = wait_vias(tb, BOTH, 60, ALL_VIPS)
    tap(dt is not None, "bgp: the router has a multipath route to each "
        "VIP address (maglev, dsr-feedback, round-robin/random/latency-"
        "feedback/polling, IPv6 dsr-feedback, IPv6 maglev/round-robin/"
        "random/latency-feedback/polling, IPv6 hunt) over both appliances "
        "(%s)" %
        [sorted(vias(tb, v)) for v in ALL_VIPS],
        nsx("r", "birdc -s %s/bird-r.ctl show protocols" % WORK,
            check=False).stdout)
    # Warm-up, printed, not asserted. Seen without it (IPv6, 3 runs of
    # 10, captured once): lb2's metric answers reach lb1 (the server-side
    # router routes the VIPs to lb1's farm port), so lb2's passive health
    # calls its backends down (health_lost; docs/architecture.md
    # "Recovery", known limits). A flow through lb2 to s2: s2's SYN-ACK
    # carrying the answer went to lb1, whose first packet to the client
    # became its neighbour solicitation; the client sent its SYN again,
    # lb2 moved it off the "down" s2 to s1 (health_resteer), s2's own
    # retransmitted SYN-ACK reached the client, and s1 reset the ACK
    # (curl exit 56, 0 bytes). Short requests through both dsr-feedback
    # VIPs first let each appliance resolve the client, so no answer is
    # lost that way; the cause itself (answers to the wrong appliance)
    # is a product limit, not hidden here: see the counters printed.
    out = []
    for url in ("http://%s/" % t.VIP4, "http://[%s]/" % t.VIP6) * 8:
        r = nsx("c", "curl -s -g -m 5 -o /dev/null -w '%%{http_code}:"
                "%%{exitcode}' %s" % url, check=False)
        out.append(r.stdout.strip())
    c = {n: tb.counters(n) for n in LBS}
    print("# warm-up: 16 requests through the dsr-feedback VIPs: %s; "
          "health_lost, health_resteer, answer_accepted: %s" %
          (out, {n: (c[n].get("health_lost", 0),
                     c[n].get("health_resteer", 0),
                     c[n].get("answer_accepted", 0)) for n in LBS}),
          flush=True)
    a1, a2 = tb.announce("lb1"), tb.announce("lb2")
    tap(a1.get("mag4", ("",))[0] == "announced" and
        a2.get("mag4", ("",))[0] == "announced" and
        a1["mag4"][2] == a2["mag4"][2],
        "bgp: both appliances announce mag4 with the same chash digest "
        "(%s)" % (a1.get("mag4", ("", "", "?"))[2]), str((a1, a2)))
    # the polling VIPs' scores come from polls: each appliance's own,
    # from its farm port's kernel interface (kfarm), answered by the agents
    t0, heard = time.time(), {}
    while time.time() - t0 < 5.0:
        heard = dict(("%s %s" % (n, v), polled(tb, n, v)) for n in LBS
                     for v in ("pol4", "pol6"))
        if all(len(v) == len(t.SERVERS) for v in heard.values()):
            break
        time.sleep(0.2)
    tap(all(len(v) == len(t.SERVERS) for v in heard.values()),
        "bgp: each appliance polls the 4 servers of pol4 and pol6 and hears "
        "their loads (%s)" % heard,
        "\n".join(tb.lctl(n, "show poll")[1] for n in LBS))


def polled(tb, name, vip):
    """The servers of @vip whose polled load appliance @name knows."""
    rc, out = tb.lctl(name, "show poll %s" % vip)
    return sorted(f[0] for f in (line.split() for line in out.splitlines())
                  if len(f) >= 3 and f[0] in t.SERVERS and f[2] != "-")


def s2_spread(tb):
    c0 = {n: tb.counters(n) for n in LBS}
    codes, errs, out = t.hey(tb, URL, 2000, 20)
    c1 = {n: tb.counters(n) for n in LBS}
    got = {n: c1[n].get("flow_new", 0) - c0[n].get("flow_new", 0)
           for n in LBS}
    tap(codes.get(200) == 2000 and not errs,
        "bgp: 2000 requests through the ECMP router, all 200", out[-600:])
    # Linux's L4 multipath hash over one client's ports is uneven: each
    # appliance gets a share, not a half
    tap(all(v >= 100 for v in got.values()),
        "bgp: ECMP spreads the flows over both appliances (new flows %s)" %
        got)
    k = {n: c1[n].get("to_kernel", 0) for n in LBS}
    tap(all(v > 0 for v in k.values()),
        "bgp: BGP and BFD reach each kernel through the exception path "
        "(to_kernel %s)" % k)


TRACE = os.environ.get("DSRLB_BGP_TRACE", "")
TRACE_POINTS = [("c", "c0"), ("r", "rc"), ("r", "rs"), ("r", "rf"),
                ("lb", "lan"), ("lb", "farm"), ("lb2", "lan"),
                ("lb2", "farm"), ("s1", "e1"), ("s2", "e1"), ("s3", "e1"),
                ("s4", "e1"), ("s1", "dtap0"), ("s2", "dtap0"),
                ("s3", "dtap0"), ("s4", "dtap0")]


def trace_start(tag):
    """DSRLB_BGP_TRACE=1: tcpdump on every hop of the dsr-feedback VIP's
    flows (dumpcap; a debugging aid, not run by default)."""
    if not TRACE:
        return []
    ps = []
    for ns, dev in TRACE_POINTS:
        f = os.path.join(WORK, "tr-%s-%s-%s.pcapng" % (tag, ns, dev))
        ps.append(subprocess.Popen(
            "exec ip netns exec %s%s dumpcap -q -s 160 -B 16 -i %s "
            "-w %s -f 'not tcp port 81 and not tcp port 8079 and not tcp port "
            "179 and not udp'" % (P, ns, dev, f), shell=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    time.sleep(1.0)
    return ps


def trace_stop(ps):
    for p in ps:
        p.send_signal(2)
    for p in ps:
        p.wait(timeout=10)


def s3_drain(tb):
    for i in range(int(os.environ.get("DSRLB_BGP_DRAIN_N", "1"))):
        trs = trace_start("drain%d" % i)
        try:
            s3_drain_once(tb)
        finally:
            trace_stop(trs)
        if TRACE:
            for n in LBS:
                for cmd in ("show counters all", "show flows 0"):
                    rc, out = tb.lctl(n, cmd)
                    with open(os.path.join(WORK, "tr-drain%d-%s-%s.txt" %
                                           (i, n, cmd.split()[1])), "w") as f:
                        f.write(out)


def mode_tap(what, res, through, n_through, n_other):
    for mode, _, _ in MODES:
        r = res.get(mode, {"n": 0, "seen": [], "bad": ["none started"],
                           "lost": []})
        tap(not r["bad"] and not r["lost"] and
            r["seen"].count(through) == n_through and
            len(r["seen"]) == n_through + n_other,
            "%s: the %s downloads (%d through %s, %d through the other, "
            "each seen there by 'show flow') complete with the right "
            "sha256, the moved ones recovered on their server "
            "(appliance/server %s; broken: %s; moved elsewhere: %s)" %
            (what, mode, n_through, through, n_other, r.get("on"), r["bad"],
             r["lost"]), str(r))


def s3_drain_once(tb):
    wait_vias(tb, BOTH, 15, ALL_VIPS)
    # the mode downloads last (placing them takes 8 to 18 s, and each
    # lasts about 33 s; the age at the move is printed)
    dls = downloads(4)
    fb = downloads(4, URL_FB)
    ld = load(10)
    md = mode_downloads(tb, "lb1", 1, 1)
    time.sleep(0.5)
    rc, out = tb.lctl("lb1", "appliance drain")
    dt = wait_vias(tb, {LBS["lb2"][1]}, 10)
    tap(rc == 0 and dt is not None,
        "drain: 'appliance drain' on lb1 withdraws its route in %.2f s" %
        (dt or -1), out)
    time.sleep(0.5)
    c0 = tb.counters("lb1")
    moved = mode_moved(tb, md, "lb1", "lb2")
    time.sleep(2.0)
    c1 = tb.counters("lb1")
    res = finish(dls)
    res_fb = finish(fb)
    res_md = mode_finish(md, moved)
    codes, errs, lout = load_result(ld)
    c2 = tb.counters("lb2")
    keys = ("recover_offer", "recover_pinned", "recover_bounce",
            "recover_silent", "drop_recover_none", "recover_pin_bad",
            "recover_return", "answer_unsolicited", "drop_forged",
            "flow_midstream", "hunt_recover", "stick_create")
    c1b = tb.counters("lb1")
    print("# drain: dsr-feedback downloads %s; lb2 %s; lb1 %s" %
          (res_fb, {k: c2.get(k, 0) for k in keys if c2.get(k, 0)},
           {k: c1b.get(k, 0) for k in keys if c1b.get(k, 0)}), flush=True)
    tap(c1.get("flow_new", 0) == c0.get("flow_new", 0),
        "drain: no new flow reaches lb1 after the withdrawal (%d)" %
        (c1.get("flow_new", 0) - c0.get("flow_new", 0)))
    tap(all(r == "200 %d" % BIG for r in res),
        "drain: every 48 MiB download completes intact across the move "
        "(%s)" % res)
    tap(all(r == "200 %d" % BIG for r in res_fb),
        "drain: every 48 MiB dsr-feedback download completes intact across "
        "the move (those that crossed lb1 recovered on lb2) (%s)" % res_fb)
    mode_tap("drain", res_md, "lb1", 1, 1)
    tap(sum(codes.values()) > 0 and set(codes) == {200} and not errs,
        "drain: the load during the drain: %s, 0 failed" % codes, lout[-600:])
    a = tb.announce("lb1")
    tap(a.get("mag4", ("", ""))[:2] == ("withdrawn", "appliance_drained"),
        "drain: lb1 shows mag4 withdrawn, why appliance_drained", str(a))
    rc, out = tb.lctl("lb1", "appliance serve")
    dt = wait_vias(tb, BOTH, 15, ALL_VIPS)
    tap(rc == 0 and dt is not None,
        "drain: 'appliance serve' announces it again (%.2f s)" % (dt or -1))


def s4_sigterm(tb):
    trs = trace_start("sigterm")
    try:
        s4_sigterm_once(tb)
    finally:
        trace_stop(trs)


def s4_sigterm_once(tb):
    wait_vias(tb, BOTH, 15, ALL_VIPS)
    ld = load(8)
    dls = downloads(4)
    # every mode, as the drain and SIGKILL: the flows through lb2 move
    # to lb1 when it withdraws, and lb1 recovers them
    md = mode_downloads(tb, "lb2", 1, 1)
    time.sleep(0.5)
    t0 = time.time()
    tb.lbp["lb2"].send_signal(15)
    dt = wait_vias(tb, {LBS["lb1"][1]}, 5)
    moved = mode_moved(tb, md, "lb2", "lb1")
    try:
        rc = tb.lbp["lb2"].wait(timeout=30)
    except subprocess.TimeoutExpired:
        rc = None
    t_exit = time.time() - t0
    res = finish(dls)
    mode_tap("sigterm", mode_finish(md, moved), "lb2", 1, 1)
    c = tb.counters("lb1")
    print("# sigterm: lb1 %s" % {k: c.get(k, 0) for k in (
        "recover_offer", "recover_bounce", "recover_pinned",
        "recover_silent", "drop_recover_none", "recover_return",
        "recover_pin_bad", "answer_unsolicited", "hunt_recover")},
        flush=True)
    codes, errs, lout = load_result(ld)
    tap(dt is not None and dt < WITHDRAW_WAIT_MS / 1000.0,
        "sigterm: lb2 withdraws at once (route gone in %.2f s)" % (dt or -1))
    tap(rc == 0 and t_exit >= WITHDRAW_WAIT_MS / 1000.0,
        "sigterm: lb2 stops cleanly after withdraw_wait_ms (rc %s, %.1f s)"
        % (rc, t_exit))
    tap(all(r == "200 %d" % BIG for r in res) and set(codes) == {200} and
        not errs,
        "sigterm: downloads intact (%s), load %s, 0 failed" % (res, codes),
        lout[-600:])
    # back in service for the next scenario
    tb.start_lb2("dsrlb2-restart")
    tb.kernel_side("lb2")
    dt = wait_vias(tb, BOTH, 60)
    tap(dt is not None, "sigterm: lb2 restarted is announced again "
        "(%.1f s)" % (dt or -1))


def s5_sigkill(tb):
    wait_vias(tb, BOTH, 15, ALL_VIPS)
    dls = downloads(4)
    fb = downloads(4, URL_FB)
    md = mode_downloads(tb, "lb2", 1, 1)    # last, as in s3_drain_once
    time.sleep(0.5)
    before = vias(tb)
    t0 = time.time()
    tb.lbp["lb2"].kill()
    gone = None
    while time.time() - t0 < 10:
        if LBS["lb2"][1] not in vias(tb):
            gone = time.time() - t0
            break
        time.sleep(0.005)
    tb.lbp["lb2"].wait(timeout=10)
    moved = mode_moved(tb, md, "lb2", "lb1")
    print("# SIGKILL of lb2: the router dropped it from the multipath "
          "route after %.3f s (BFD 100 ms x 3)" % (gone or -1), flush=True)
    tap(before == BOTH and gone is not None and gone <= 1.0,
        "sigkill: the router stops using lb2 within 1 s (%.3f s)" %
        (gone or -1))
    res = finish(dls)
    tap(all(r == "200 %d" % BIG for r in res),
        "sigkill: the downloads that crossed lb2 complete on lb1 (maglev, "
        "same table) (%s)" % res)
    res_fb = finish(fb)
    c = tb.counters("lb1")
    tap(all(r == "200 %d" % BIG for r in res_fb),
        "sigkill: the dsr-feedback downloads that crossed lb2 complete on "
        "lb1, recovered (%s; lb1 recover_offer %d, recover_pinned %d)" %
        (res_fb, c.get("recover_offer", 0), c.get("recover_pinned", 0)))
    mode_tap("sigkill", mode_finish(md, moved), "lb2", 1, 1)
    c = tb.counters("lb1")
    print("# sigkill: lb1 recover_offer %d, recover_bounce %d, "
          "recover_pinned %d, drop_recover_none %d, hunt_recover %d" %
          (c.get("recover_offer", 0), c.get("recover_bounce", 0),
           c.get("recover_pinned", 0), c.get("drop_recover_none", 0),
           c.get("hunt_recover", 0)))
    # killed: no counters, no pool check
    tb.logs.remove(tb.lb2_log)


def s0_shipped(tb):
    """config/: the appliance file loads, and BIRD parses both shipped
    BIRD files with the fragment dsrlb generates."""
    cfg = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                       "..", "config")
    ini = os.path.join(cfg, "dsrlb-bgp.ini")
    r = sh("%s --bird-conf %s" % (t.DSRLB, ini), check=False)
    frag = os.path.join(WORK, "shipped-vips.conf")
    with open(frag, "w") as f:
        f.write(r.stdout)
    with open(os.path.join(cfg, "bird-dsrlb.conf")) as f:
        text = f.read().replace("/etc/bird/dsrlb-vips.conf", frag)
    conf = os.path.join(WORK, "shipped-bird.conf")
    with open(conf, "w") as f:
        f.write(text)
    a = sh("bird -p -c %s" % conf, check=False)
    b = sh("bird -p -c %s" % os.path.join(cfg, "bird-router-example.conf"),
           check=False)
    tap(r.returncode == 0 and "protocol static vip_web_tls" in r.stdout and
        a.returncode == 0 and b.returncode == 0,
        "shipped: config/dsrlb-bgp.ini gives BIRD statics, and BIRD parses "
        "bird-dsrlb.conf and bird-router-example.conf",
        r.stderr + a.stdout + a.stderr + b.stdout + b.stderr)


SCENARIOS = [s0_shipped, s1_routes, s2_spread, s3_drain, s4_sigterm, s5_sigkill]


def main():
    t.need(("ip", "nginx", "hey", "curl", "ethtool", "bird", "birdc"))
    tb = Bgpbed()
    return t.run(tb, "router with BIRD, two appliances with BIRD, 4 servers "
                 "with agents", SCENARIOS,
                 lambda: [(log, "%s: " % os.path.basename(log))
                          for log in tb.logs])


if __name__ == "__main__":
    sys.exit(main())
