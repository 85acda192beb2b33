#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""End-to-end: the agent on DPDK's net_af_xdp with its own XDP filter
(issue 16, docs/agent.md "The wire port on net_af_xdp").

test_e2e.py's testbed (client, router, the real appliance) with one
server, s1, whose agent takes its veth e1 through net_af_xdp and the
filter src/agent/xdp/agent_xdp.bpf.c (devarg xdp_prog=): the kernel
keeps e1 with the server's own addresses; only the VIP traffic, the leg
address's VIP ports and dsrlb messages reach the agent, which hands them
to the kernel on its tap (dtap0, where the VIPs live). The scenario:

1. HTTP through the IPv4 dsr-feedback VIP (curl, hey) and the IPv6 one
   (curl), the application seeing the client and the VIP; metric
   answers reach the appliance;
   an ordinary service of the server (nginx on 10.0.0.11:8081, behind no
   VIP) answers the client directly, through XDP_PASS (filter counters);
2. SIGKILL the agent (a crash): the ordinary service still answers; the
   VIP does not (its addresses lived on the tap, gone);
3. the agent restarts over its stale filter and serves the VIP again;
4. SIGTERM: the PMD detaches the filter; the ordinary service answers.

usage: test_xdp.py DSRLB AGENT DSRLB_CTL SLOWSERVER DSRLB_BUSY MEMARGS WORK
       XDP_OBJ
With DSRLB_XDP_MEASURE=N, instead of the checks: the same testbed once
with the agent on net_af_packet (the whole NIC, test_e2e.py's set-up)
and once on net_af_xdp, N runs of hey each against the VIP and against
the server's own service; prints the requests per second (docs/agent.md
"Footprint").
Prints TAP; skips (exit 77) when not root or a tool is missing. Run it
holding the netns lock (flock /tmp/dsrlb-netns.lock).
"""
import os
import re
import shutil
import signal
import sys
import time

XDP_OBJ = sys.argv.pop(8)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e as t  # noqa: E402  (reads the same arguments)

t.P = "xd" + t.ID                  # our own namespace prefix
tap, nsx = t.tap, t.nsx
WORK = t.WORK
VIP4 = t.VIP4
VIP6s = (t.VIP6, t.HUNT6)
VIP4s = (t.VIP4, t.MAG4, t.RR4, t.SLOW4)
# one server, on the appliance's server segment
t.SERVERS = {"s1": t.SERVERS["s1"]}
S1 = "10.0.0.11"
DIRECT = "http://%s:8081/" % S1
# A umem frame is one page (kernel), so the agent's mbufs must fit in
# one: MTU 1500 on its ports; e1's MTU stays under veth's native-XDP
# limit (about 3500 without multi-buffer programs) while taking what the
# appliance adds to full-size packets.
E1_MTU = 3000
RS_LL = "fe80::ff:fe00:fe02"      # the router's rs, from 02:00:00:00:fe:02

NGINX = """
user root;
worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log;
daemon on;
events {{ worker_connections 2048; }}
http {{
    log_format e2e '$remote_addr $remote_port $server_addr $server_port '
                   '$status $request_uri';
    access_log {d}/access.log e2e;
    keepalive_timeout 0;
    server {{
        listen 198.51.100.10:80;
        listen 198.51.100.11:81;
        listen 198.51.100.12:82;
        listen [2001:db8:100::10]:80;
        listen [2001:db8:100::20]:80;
        root {d}/www;
    }}
    # the server's own service, behind no VIP
    server {{
        listen 10.0.0.11:8081;
        location / {{ return 200 "direct s1\\n"; }}
    }}
}}
"""


class PacketTestbed(t.Testbed):
    """test_e2e.py's server: af_packet on e1, every address on dtap0."""

    def start_kernel(self, name):
        t.NGINX = NGINX
        t.Testbed.start_kernel(self, name)


class XdpTestbed(t.Testbed):
    def start_agent(self, name):
        ns, v4, v6, loc, seg = t.SERVERS[name]
        d = os.path.join(WORK, name)
        ini = os.path.join(d, "agent.ini")
        with open(ini) as f:
            text = f.read()
        text = text.replace("dev = net_af_packet0\nmtu = 9000",
                            "dev = net_af_xdp0\nmtu = 1500")
        with open(ini, "w") as f:
            f.write(text)
        # veth refuses native XDP while its peer's MTU is larger than
        # a page can hold
        nsx("sw", "ip link set sw%s mtu %d" % (name, E1_MTU))
        # The kernel keeps e1: its addresses, ARP and ND there.
        for cmd in ["ip link set e1 mtu %d" % E1_MTU,
                    "ip link set e1 arp on",
                    "sysctl -qw net.ipv6.conf.e1.disable_ipv6=0",
                    "sysctl -qw net.ipv4.conf.all.rp_filter=0",
                    "sysctl -qw net.ipv4.conf.e1.rp_filter=0"]:
            nsx(ns, cmd)
        if nsx(ns, "ip -4 addr show dev e1").stdout.find(v4) < 0:
            nsx(ns, "ip addr add %s/24 dev e1" % v4)
            nsx(ns, "ip -6 addr add %s/64 dev e1 nodad" % v6)
            nsx(ns, "ip route add default via 10.0.0.254 dev e1")
            nsx(ns, "ip -6 route add default via 2001:db8::fe dev e1")
        self.agents[name] = self.spawn(
            ns, "agent-" + name,
            "%s %s --no-pci -l 0 --file-prefix %sa%s "
            "--log-level=lib.eal:warning "
            "--vdev net_af_xdp0,iface=e1,start_queue=0,queue_count=1,"
            "busy_budget=0,xdp_prog=%s --vdev net_tap0,iface=dtap0 "
            "-- --config %s --stats-file %s/agent.stats" %
            (t.AGENT, self.mem(192), t.P, name, XDP_OBJ, ini, d))

    def start_kernel(self, name):
        """dtap0 carries the VIPs only; replies from a VIP leave through
        it (policy routing), so the agent sees them (metric answers)."""
        ns, v4, v6, loc, seg = t.SERVERS[name]
        for _ in range(100):
            if nsx(ns, "ip link show dtap0", check=False).returncode == 0:
                break
            time.sleep(0.1)
        nsx(ns, "ethtool -K dtap0 tx off", check=False)
        cmds = ["ip link set dtap0 up",
                "sysctl -qw net.ipv4.conf.dtap0.rp_filter=0",
                "ip route replace default via 10.0.0.254 dev dtap0 onlink "
                "table 200",
                # the router's MAC: ARP answers reach e1, not the tap
                "ip neigh replace 10.0.0.254 lladdr %s dev dtap0 nud "
                "permanent" % t.MAC["rs"],
                # IPv6: the router's link-local address (EUI-64 of its
                # MAC), as iproute2 refuses a gateway of e1's prefix here
                "ip -6 route replace default via %s dev dtap0 table 200" %
                RS_LL,
                "ip -6 neigh replace %s lladdr %s dev dtap0 nud permanent" %
                (RS_LL, t.MAC["rs"])]
        cmds += ["ip addr add %s/32 dev dtap0" % a for a in VIP4s]
        cmds += ["ip -6 addr add %s/128 dev dtap0 nodad" % a for a in VIP6s]
        for a in VIP4s:
            if nsx(ns, "ip rule show").stdout.find("from %s " % a) < 0:
                nsx(ns, "ip rule add from %s lookup 200" % a)
        for a in VIP6s:
            if nsx(ns, "ip -6 rule show").stdout.find("from %s " % a) < 0:
                nsx(ns, "ip -6 rule add from %s lookup 200" % a)
        for cmd in cmds:
            nsx(ns, cmd)
        d = os.path.join(WORK, name)
        if not os.path.exists(os.path.join(d, "nginx.pid")):
            with open(os.path.join(d, "nginx.conf"), "w") as f:
                f.write(NGINX.format(d=d))
            nsx(ns, "nginx -c %s/nginx.conf -e %s/error.log" % (d, d))


def xdp_prog_id():
    out = nsx("s1", "ip -d link show e1").stdout
    m = re.search(r"prog/xdp\w* id (\d+)", out) or \
        re.search(r"xdp\w*\s.*?id (\d+)", out, re.S)
    return int(m.group(1)) if m else 0


def direct_ok(tb):
    r = tb.client("curl -s -m 5 %s" % DIRECT)
    return r.returncode == 0 and r.stdout == "direct s1\n", r


def vip_ok(tb):
    r = tb.client("curl -s -m 5 http://%s/" % VIP4)
    return r.returncode == 0 and r.stdout == "hello from s1\n", r


def wait_until(fn, secs):
    end = time.time() + secs
    while time.time() < end:
        if fn():
            return True
        time.sleep(0.5)
    return fn()


def scenario(tb):
    log = open(os.path.join(WORK, "agent-s1.log")).read()
    m = re.search(r"XDP filter \(program (\d+)\) with (\d+) destinations, "
                  r"(\d+) locator", log)
    # one destination per VIP (address, port) and per leg address of a
    # VIP, as the testbed's agent configuration lists them
    # (the SRv6-transport VIPs are filled in for {srv6}, without legs)
    n_vip = t.AGENT_INI.count("[vip ") + len(t.SR6_VIPS)
    n_leg = t.AGENT_INI.count("leg_address = ")
    tap(m is not None and int(m.group(2)) == n_vip + n_leg and
        m.group(3) == "1",
        "agent: wire on net_af_xdp, its filter holds %d VIPs + %d legs and "
        "the locator" % (n_vip, n_leg), log[-1500:])
    pid = xdp_prog_id()
    tap(pid != 0 and m is not None and pid == int(m.group(1)),
        "e1 carries the agent's XDP program (id %d)" % pid,
        nsx("s1", "ip -d link show e1").stdout)

    # 1. the VIP through the appliance, the server's own service directly
    ok, r = vip_ok(tb)
    tap(ok, "vip: curl through the appliance gets s1's page",
        r.stdout + r.stderr)
    codes, errs, out = t.hey(tb, "http://%s/" % VIP4, 2000, 10)
    tap(codes == {200: 2000} and not errs,
        "vip: hey 2000 requests, all 200 (%s)" %
        re.search(r"Requests/sec:\s+\S+", out).group(0)
        if "Requests/sec" in out else "", out[-1200:])
    seen = [ln for ln in t.access_lines("s1")
            if ln.startswith("192.0.2.2 ") and " %s 80 " % VIP4 in ln]
    tap(len(seen) >= 2000, "vip: nginx saw the client 192.0.2.2 and the "
        "VIP (%d lines)" % len(seen))
    b = tb.backends("web4").get("s1", {})
    tap(b.get("answers", 0) > 0, "vip: s1's metric answers reach the "
        "appliance through the tap and the AF_XDP socket (%s)" %
        b.get("answers"), b)
    r = tb.client("curl -s -m 5 http://[%s]/" % t.VIP6)
    tap(r.returncode == 0 and r.stdout == "hello from s1\n",
        "vip6: curl through the appliance's IPv6 VIP (header 27 to the "
        "leg address) gets s1's page", r.stdout + r.stderr)
    ok, r = direct_ok(tb)
    tap(ok, "direct: 10.0.0.11:8081 (no VIP) answers while the agent runs",
        r.stdout + r.stderr)
    c0 = tb.agent_stats("s1")
    for _ in range(50):
        direct_ok(tb)
    c1 = tb.agent_stats("s1")
    tap(c1.get("xdp.pass", 0) - c0.get("xdp.pass", 0) >= 50 * 5 and
        c1.get("rx", 0) - c0.get("rx", 0) < 20,
        "direct: 50 connections pass in the kernel (xdp.pass +%d), the "
        "agent sees almost none of it (rx +%d)" %
        (c1.get("xdp.pass", 0) - c0.get("xdp.pass", 0),
         c1.get("rx", 0) - c0.get("rx", 0)))
    tap(c1.get("xdp.dst", 0) >= 2000 * 3 and c1.get("xdp.ip4_opt", 0) > 0,
        "filter: VIP traffic to the agent (xdp.dst %d), dsrlb options too "
        "(xdp.ip4_opt %d)" % (c1.get("xdp.dst", 0),
                              c1.get("xdp.ip4_opt", 0)),
        {k: v for k, v in c1.items() if k.startswith("xdp.")})

    # 2. a crash: the kernel keeps the NIC
    a = tb.agents["s1"]
    a.send_signal(signal.SIGKILL)
    a.wait(timeout=20)
    time.sleep(0.5)
    ok, r = direct_ok(tb)
    tap(ok, "after SIGKILL: the ordinary service still answers",
        r.stdout + r.stderr)
    tap(xdp_prog_id() != 0, "after SIGKILL: the filter stays attached "
        "and passes everything (its socket left xsks_map)")
    ok, r = vip_ok(tb)
    tap(not ok, "after SIGKILL: the VIP is not served (dtap0 and its "
        "addresses died with the agent)", r.stdout + r.stderr)

    # 3. the agent comes back over its stale filter
    old = xdp_prog_id()
    tb.start_agent("s1")
    tb.start_kernel("s1")
    tap(wait_until(lambda: vip_ok(tb)[0], 20),
        "restart: the VIP is served again")
    log = open(os.path.join(WORK, "agent-s1.log")).read()
    tap("stale agent XDP program %d detached" % old in log and
        xdp_prog_id() not in (0, old),
        "restart: the stale filter was replaced", log[-1200:])
    ok, r = direct_ok(tb)
    tap(ok, "restart: the ordinary service answers", r.stdout + r.stderr)

    # 4. a clean stop detaches the filter
    a = tb.agents["s1"]
    a.send_signal(signal.SIGTERM)
    rc = a.wait(timeout=30)
    log = open(os.path.join(WORK, "agent-s1.log")).read()
    tap(rc == 0 and "LEAK" not in log, "SIGTERM: the agent stops cleanly, "
        "no mbuf leaked", log[-1200:])
    tap(xdp_prog_id() == 0, "SIGTERM: the PMD detached the filter",
        nsx("s1", "ip -d link show e1").stdout)
    ok, r = direct_ok(tb)
    tap(ok, "SIGTERM: the ordinary service answers", r.stdout + r.stderr)


def measure(runs):
    for cls in (PacketTestbed, XdpTestbed):
        tb = cls()
        try:
            tb.up()
            time.sleep(1.0)
            for url in ("http://%s/" % VIP4, DIRECT):
                rates = []
                for _ in range(runs):
                    codes, errs, out = t.hey(tb, url, 5000, 20)
                    m = re.search(r"Requests/sec:\s+(\S+)", out)
                    ok = codes == {200: 5000} and not errs
                    rates.append(float(m.group(1)) if m and ok else 0.0)
                print("# %s %s: hey -n 5000 -c 20, req/s %s" %
                      (cls.__name__, url,
                       " ".join("%.0f" % r for r in rates)), flush=True)
            c = tb.agent_stats("s1")
            print("# %s agent counters: rx %d, xdp.pass %d, xdp.dst %d" %
                  (cls.__name__, c.get("rx", 0), c.get("xdp.pass", 0),
                   c.get("xdp.dst", 0)), flush=True)
        finally:
            tb.down()
    return 0


def main():
    if os.environ.get("DSRLB_XDP_MEASURE"):
        return measure(int(os.environ["DSRLB_XDP_MEASURE"]))
    if os.geteuid() != 0:
        t.skip("not root")
    for tool in ("ip", "nginx", "hey", "curl", "ethtool"):
        if shutil.which(tool) is None:
            t.skip("%s missing" % tool)
    if not os.path.exists(XDP_OBJ):
        tap(False, "the XDP object %s was built" % XDP_OBJ)
        return t.plan()
    tb = XdpTestbed()
    t0 = time.time()
    try:
        tb.up()
        tap(True, "testbed up: client, router, appliance, s1 with its "
            "agent on net_af_xdp (%.1f s)" % (time.time() - t0))
        scenario(tb)
    except Exception as e:  # a broken step fails loudly
        tap(False, "xdp scenario raised %r" % e)
    finally:
        tb.down()
    return t.plan()


if __name__ == "__main__":
    sys.exit(main())
