#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The agent's XDP filter (src/agent/xdp/agent_xdp.bpf.c) classifying
frames built by scapy, run by the kernel (BPF_PROG_TEST_RUN through
bpftool): the kernel's verifier accepts the object as built, and each
frame lands in the counter of its rule (xdp.dst, xdp.ip4_opt,
xdp.ip6_ext, xdp.sid, or xdp.pass for the kernel). The maps are filled
as dsrlb-agent fills them (src/agent/agent_xdp.c): VIPs and leg
addresses with the VIP's port and protocol, the locator as an LPM
prefix. With no AF_XDP socket in xsks_map every verdict is XDP_PASS (the
fallback a dead agent leaves), which is checked too.

usage: test_agent_xdp.py XDP_OBJ WORKDIR
Prints TAP; skips (exit 77) when not root or bpftool is missing.
"""
import ipaddress
import json
import os
import shutil
import socket
import struct
import subprocess
import sys

from scapy.all import (ARP, Dot1Q, Ether, IP, IPv6, IPv6ExtHdrDestOpt,
                       IPv6ExtHdrFragment, IPv6ExtHdrHopByHop,
                       IPv6ExtHdrSegmentRouting, Raw, TCP, UDP)
from scapy.layers.inet import IPOption

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from tap import check, plan  # noqa: E402

OBJ, WORK = sys.argv[1:3]
CNT = ["pass", "dst", "ip4_opt", "ip6_ext", "sid"]   # agent_xdp.h order

VIP4, LEG4, VIP6, LEG6 = "198.51.100.10", "10.0.0.11", "2001:db8:100::10", \
    "2001:db8::11"
LOC = ("2001:db8:a1::", 64)



def bpftool(*args, check_rc=True):
    r = subprocess.run(["bpftool"] + list(args), capture_output=True,
                       text=True, timeout=60)
    if check_rc and r.returncode != 0:
        raise RuntimeError("bpftool %s: %s%s" % (" ".join(args), r.stdout,
                                                r.stderr))
    return r


def hexargs(b):
    return ["%02x" % x for x in b]


def dst_key(family, addr, port, proto):
    a = socket.inet_pton(socket.AF_INET if family == 4 else socket.AF_INET6,
                         addr).ljust(16, b"\0")
    return a + struct.pack("!H", port) + bytes([proto, family])


def main():
    if os.geteuid() != 0:
        print("1..0 # SKIP not root (loading BPF programs)")
        return 77
    if shutil.which("bpftool") is None:
        print("1..0 # SKIP bpftool missing")
        return 77
    os.makedirs(WORK, exist_ok=True)
    pin = "/sys/fs/bpf/dsrlb-xdp-test-%d" % os.getpid()
    maps = pin + "-maps"
    r = bpftool("prog", "load", OBJ, pin, "type", "xdp", "pinmaps", maps,
                check_rc=False)
    try:
        check(r.returncode == 0, "the kernel's verifier accepts %s" %
              os.path.basename(OBJ), r.stderr[-3000:])
        if r.returncode != 0:
            return 1
        run_cases(pin, maps)
    finally:
        subprocess.run(["rm", "-rf", pin, maps])
    return 0


def counters(maps):
    out = json.loads(bpftool("-j", "map", "dump", "pinned",
                             maps + "/dsrlb_xdp_cnt").stdout)
    c = {}
    for e in out:
        k = e.get("key")
        if isinstance(k, list):
            k = int(k[0], 16) if isinstance(k[0], str) else k[0]
        tot = 0
        for v in e.get("values", []):
            val = v.get("value")
            if isinstance(val, list):
                val = int.from_bytes(bytes(int(x, 16) for x in val),
                                     "little")
            tot += int(val)
        c[CNT[k]] = tot
    return c


def run_cases(pin, maps):
    # the agent's configuration: web4 (with leg), web6 (with leg), a
    # locator
    for fam, addr, port in ((4, VIP4, 80), (4, LEG4, 80), (6, VIP6, 80),
                            (6, LEG6, 80)):
        bpftool("map", "update", "pinned", maps + "/dsrlb_dst", "key",
                "hex", *hexargs(dst_key(fam, addr, port, 6)), "value",
                "hex", "01")
    lk = struct.pack("<I", LOC[1]) + \
        ipaddress.IPv6Address(LOC[0]).packed
    bpftool("map", "update", "pinned", maps + "/dsrlb_loc", "key", "hex",
            *hexargs(lk), "value", "hex", "01")

    e = Ether(src="02:00:00:00:01:02", dst="02:00:00:00:00:11")
    opt155 = IPOption(b"\x9b\x08" + b"\xc0\x00\x02\x02" + b"\x4e\x20")
    cases = [
        ("TCP to the VIP's port", "dst",
         e / IP(src="192.0.2.2", dst=VIP4) / TCP(dport=80)),
        ("TCP to the leg address and the VIP's port", "dst",
         e / IP(src="192.0.2.2", dst=LEG4) / TCP(dport=80)),
        ("SSH to the leg address (the server's own)", "pass",
         e / IP(src="192.0.2.2", dst=LEG4) / TCP(dport=22)),
        ("TCP to the VIP, another port", "pass",
         e / IP(src="192.0.2.2", dst=VIP4) / TCP(dport=81)),
        ("UDP to the VIP's TCP port", "pass",
         e / IP(src="192.0.2.2", dst=VIP4) / UDP(dport=80)),
        ("IPv4 with option 155 to another port", "ip4_opt",
         e / IP(src="192.0.2.2", dst=LEG4, options=[opt155]) /
         TCP(dport=22)),
        ("IPv4 with any option (router alert)", "ip4_opt",
         e / IP(src="192.0.2.2", dst=LEG4,
                options=[IPOption(b"\x94\x04\x00\x00")]) / TCP(dport=22)),
        ("IPv4 later fragment to the VIP", "pass",
         e / IP(src="192.0.2.2", dst=VIP4, frag=100, proto=6) /
         Raw(b"x" * 20)),
        ("802.1Q-tagged TCP to the VIP", "dst",
         e / Dot1Q(vlan=5) / IP(src="192.0.2.2", dst=VIP4) / TCP(dport=80)),
        ("ARP", "pass",
         Ether(dst="ff:ff:ff:ff:ff:ff") / ARP(pdst=LEG4)),
        ("IPv6 TCP to the VIP", "dst",
         e / IPv6(src="2001:db8:c::2", dst=VIP6) / TCP(dport=80)),
        ("IPv6 TCP to the leg address", "dst",
         e / IPv6(src="2001:db8:c::2", dst=LEG6) / TCP(dport=80)),
        ("IPv6 SSH to the leg address", "pass",
         e / IPv6(src="2001:db8:c::2", dst=LEG6) / TCP(dport=22)),
        ("IPv6 Hop-by-Hop, then TCP to the VIP", "dst",
         e / IPv6(src="2001:db8:c::2", dst=VIP6) / IPv6ExtHdrHopByHop() /
         TCP(dport=80)),
        ("IPv6 first fragment to the VIP", "dst",
         e / IPv6(src="2001:db8:c::2", dst=VIP6) /
         IPv6ExtHdrFragment(offset=0, m=1) / TCP(dport=80)),
        ("IPv6 later fragment to the VIP", "pass",
         e / IPv6(src="2001:db8:c::2", dst=VIP6) /
         IPv6ExtHdrFragment(offset=100, nh=6) / Raw(b"x" * 24)),
        ("IPv6 header 27 (client tuple) to another port", "ip6_ext",
         e / IPv6(src="2001:db8:c::2", dst=LEG6, nh=27) /
         Raw(bytes([6, 2]) + bytes(22)) / TCP(dport=22)),
        ("IPv6 header 28 (metric request)", "ip6_ext",
         e / IPv6(src="2001:db8:c::2", dst=LEG6, nh=28) /
         Raw(bytes([6, 0]) + bytes(6)) / TCP(dport=22)),
        ("IPv6 Destination Options (encoding 2)", "ip6_ext",
         e / IPv6(src="2001:db8:c::2", dst=LEG6) / IPv6ExtHdrDestOpt() /
         TCP(dport=22)),
        ("SRv6 to a SID of the locator", "sid",
         e / IPv6(src="2001:db8:ff::", dst="2001:db8:a1::5") /
         IPv6ExtHdrSegmentRouting(addresses=["2001:db8:100::20",
                                             "2001:db8:a1::5"],
                                  segleft=1) / TCP(dport=80)),
        ("IPv6 to another locator", "pass",
         e / IPv6(src="2001:db8:ff::", dst="2001:db8:a2::5") /
         TCP(dport=80)),
        ("truncated IPv4 header", "pass",
         Ether(bytes(e / IP(src="192.0.2.2", dst=VIP4) / TCP(dport=80))[:24])),
        ("truncated TCP header to the VIP", "pass",
         Ether(bytes(e / IP(src="192.0.2.2", dst=VIP4) / TCP(dport=80))[:35])),
    ]
    for i, (what, want, frame) in enumerate(cases):
        path = os.path.join(WORK, "case%d.bin" % i)
        raw = bytes(frame)
        with open(path, "wb") as f:
            f.write(raw)
        before = counters(maps)
        r = bpftool("prog", "run", "pinned", pin, "data_in", path,
                    check_rc=False)
        after = counters(maps)
        moved = [k for k in CNT if after.get(k, 0) != before.get(k, 0)]
        check(moved == [want] and "Return value: 2" in r.stdout + r.stderr,
              "%s: %s, XDP_PASS without a socket" % (what, want),
              "moved %s; %s%s" % (moved, r.stdout, r.stderr))


if __name__ == "__main__":
    rc = main()
    if rc != 77:
        sys.exit(plan(rc != 0))
    sys.exit(77)
