#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pcap tests of the real dsrlb binary: every mode, every transition of
6LB's Table II, IPv4 and IPv6, recovery, timer expiry, the trust rules,
malformed traffic and a SYN flood. Output is compared frame by frame with
frames built independently by scapy (tests/lb/lbtest.py).

usage: test_lb_pcap.py DSRLB EAL_MEM_ARGS_SH WORKDIR [SCENARIO...]
Prints TAP.
"""
import os
import socket
import struct
import sys

from scapy.all import ARP, TCP, UDP, Ether, ICMPv6ND_NS, IPv6, \
    ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr, ICMPv6NDOptDstLLAddr, IP, \
    IPOption, Raw

from lbtest import (AS, AUTH_KEY, AUTH_KEY2, CA, CF, CS, LB_MAC, RMS, RS,
                    Alt, Masked, Runner, auth_nonce, do_msgs,
                    ext27, ext28, ext29, ext253, mac, opt124, opt125,
                    opt155, opt158, opt158a, sid,
                    srh, v4, v6)

GENERAL = """
[general]
flow_capacity = {cap}
timeout_new_ms = 5000
timeout_established_s = {est}
timeout_closing_ms = 10000
idle_sleep_us = 100
chash_seed = 7
score_max_age_ms = 600000
auth_key = {key}
; the golden frames pin the paper's probing; passive health adds a
; metric request to SYNs (tests/unit/test_lb_health.c covers it)
health = no
; and the ARP/ND exchanges of each scenario (scenario `solicit` has the
; requests sent ahead of traffic)
neigh_solicit = off

[srv6]
lb_sid = 2001:db8:ff::

[port wire]
dev = net_pcap0
role = both
ipv4 = 10.0.0.1/24
ipv6 = 2001:db8::1/64

[routes]
10.9.0.0/16 = 10.0.0.254

[neighbours]
10.0.0.2 = 02:00:00:00:00:02
10.0.0.3 = 02:00:00:00:00:03
10.0.0.11 = 02:00:00:00:00:11
10.0.0.12 = 02:00:00:00:00:12
10.0.0.31 = 02:00:00:00:00:11
10.0.0.254 = 02:00:00:00:00:fe
2001:db8::2 = 02:00:00:00:00:02
2001:db8::3 = 02:00:00:00:00:03
2001:db8::11 = 02:00:00:00:00:11
2001:db8::12 = 02:00:00:00:00:12
2001:db8::21 = 02:00:00:00:00:21
2001:db8::22 = 02:00:00:00:00:22
"""


def general(cap=1024, est=300, neigh=""):
    return GENERAL.format(cap=cap, est=est, key=AUTH_KEY) + neigh


C1, C2 = "10.0.0.2", "10.0.0.3"
VIP4 = "10.0.0.100"
S1, S2 = "10.0.0.11", "10.0.0.12"


def tcp(sport, dport, flags, seq=1000, ack=0, data=b""):
    t = TCP(sport=sport, dport=dport, flags=flags, seq=seq, ack=ack,
            window=8192)
    return t / Raw(data) if data else t


class Clock:
    def __init__(self, t=1.0):
        self.t = t

    def __call__(self, dt=0.001):
        self.t += dt
        return self.t


def dsr4(r):
    cfg = general() + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 2
backend.s1 = 10.0.0.11

[vip web4b]
address = 10.0.0.101
port = 80
mode = dsr-feedback
auth = no
backend.s1b = 10.0.0.31

[vip far4]
address = 10.0.0.102
port = 80
mode = dsr-feedback
auth = no
backend.far = 10.9.0.11

[vip l2v]
address = 10.0.0.103
port = 80
mode = dsr-feedback
auth = no
leg = l2
backend.s2 = 10.0.0.12
"""
    t = Clock()
    fi, ex = [], []

    def cin(src, smac, l4, dst=VIP4, options=None):
        fi.append((t(), v4(src, dst, l4, options, smac=smac)))

    def out_be(src, l4, dst=S1, dmac=mac(0x11), options=None):
        ex.append(v4(src, dst, l4, options, smac=LB_MAC, dmac=dmac))

    syn1, syn2 = tcp(40000, 80, "S"), tcp(40000, 80, "S", seq=5000)
    ack1 = tcp(40000, 80, "A", 1001, 7001)
    data1 = tcp(40000, 80, "PA", 1001, 7001, b"GET / HTTP/1.0\r\n\r\n")
    # 1. SYN of C1: the client tuple (VIP packet 1 of N = 2: no probe)
    cin(C1, 2, syn1)
    out_be(C1, syn1, options=[opt155(C1, 40000)])
    # 2. SYN of C2, same source port (never collides: C2's own tuple),
    #    VIP packet 2: a metric request
    cin(C2, 3, syn2)
    out_be(C2, syn2, options=[opt155(C2, 40000), opt124()])
    # 3. C1's ACK: nothing added, destination rewritten
    cin(C1, 2, ack1)
    out_be(C1, ack1)
    # 4. C1's data: a probe is due but s1 still owes C2's answer
    cin(C1, 2, data1)
    out_be(C1, data1)
    # 5. s1 answers C2's request: score 7; stripped, restored, to C2
    ans = tcp(80, 40000, "SA", 9000, 5001)
    fi.append((t(), v4(S1, VIP4, ans, [opt155(C2, 40000), opt125(7)],
                       smac=0x11)))
    ex.append(v4(VIP4, C2, ans, smac=LB_MAC, dmac=mac(3)))
    # 6. C2's ACK: the due probe goes out now
    ack2 = tcp(40000, 80, "A", 5001, 9001)
    cin(C2, 3, ack2)
    out_be(C2, ack2, options=[opt124()])
    # 7. an answer for C1, whose flow has no request: forwarded, ignored
    r1 = tcp(80, 40000, "PA", 7001, 1019, b"HTTP/1.0 200 OK\r\n")
    fi.append((t(), v4(S1, VIP4, r1, [opt155(C1, 40000), opt125(1)],
                       smac=0x11)))
    ex.append(v4(VIP4, C1, r1, smac=LB_MAC, dmac=mac(2)))
    # 8. s1 answers C2's second request: score 9
    r2 = tcp(80, 40000, "A", 9001, 5001)
    fi.append((t(), v4(S1, VIP4, r2, [opt155(C2, 40000), opt125(9)],
                       smac=0x11)))
    ex.append(v4(VIP4, C2, r2, smac=LB_MAC, dmac=mac(3)))
    # 9. forged feedback from an address that is no backend: dropped
    fi.append((t(), v4("10.0.0.99", VIP4, r2,
                       [opt155(C1, 40000), opt125(0)], smac=0x99)))
    # 10. a client that sends the protocol's options itself: stripped
    data2 = tcp(40000, 80, "PA", 1019, 7020, b"more")
    cin(C1, 2, data2, options=[opt155("6.6.6.6", 1), opt124()])
    out_be(C1, data2)
    # 11. C1's FIN: probe due again (s1 answered), flow closing
    fin = tcp(40000, 80, "FA", 1023, 7020)
    cin(C1, 2, fin)
    out_be(C1, fin, options=[opt124()])
    # 12. a server serving several VIPs: 10.0.0.31 is s1's address for
    #     web4b (same MAC)
    cin(C1, 2, syn1, dst="10.0.0.101")
    out_be(C1, syn1, dst="10.0.0.31", options=[opt155(C1, 40000)])
    #     its answers are restored with web4b's address ...
    fi.append((t(), v4("10.0.0.31", "10.0.0.101", r1,
                       [opt155(C1, 40000), opt125(3)], smac=0x11)))
    ex.append(v4("10.0.0.101", C1, r1, smac=LB_MAC, dmac=mac(2)))
    #     ... and it cannot answer for web4 with that address
    fi.append((t(), v4("10.0.0.31", VIP4, r1,
                       [opt155(C1, 40000), opt125(3)], smac=0x11)))
    # 13. a routed leg: the backend sits behind router 10.0.0.254
    cin(C1, 2, syn1, dst="10.0.0.102")
    out_be(C1, syn1, dst="10.9.0.11", dmac=mac(0xfe),
           options=[opt155(C1, 40000)])
    # 14. the L2 leg: IP untouched, to the backend's MAC
    cin(C1, 2, syn1, dst="10.0.0.103")
    out_be(C1, syn1, dst="10.0.0.103", dmac=mac(0x12),
           options=[opt155(C1, 40000)])
    # 15. ARP for a VIP, for our address, for somebody else
    for target in (VIP4, "10.0.0.1", "10.0.0.50"):
        fi.append((t(), bytes(Ether(src=mac(2), dst="ff:ff:ff:ff:ff:ff") /
                              ARP(op=1, hwsrc=mac(2), psrc=C1,
                                  pdst=target))))
    for target in (VIP4, "10.0.0.1"):
        ex.append(bytes(Ether(src=LB_MAC, dst=mac(2)) /
                        ARP(op=2, hwsrc=LB_MAC, psrc=target, hwdst=mac(2),
                            pdst=C1)))
    # 16. no VIP on that port; no VIP at that address
    cin(C1, 2, UDP(sport=5353, dport=53) / Raw(b"q"))
    cin(C1, 2, syn1, dst="10.0.0.77")
    r.run("dsr4", cfg, fi, ex, {
        "tx_backend": 10, "tx_client": 4, "tx_neigh": 2,
        "drop_forged": 2, "drop_neigh_other": 1, "drop_unknown_vip": 1,
        "drop_not_for_us": 1, "answer_accepted": 2,
        "answer_unsolicited": 2, "probe_sent": 3,
        "client_msgs_stripped": 2, "flow_closing": 1, "flow_new": 5,
        "vip.web4.backend.s1.score": 9, "vip.web4.backend.s1.answers": 2})


def dsr6(r):
    cfg = general() + """
[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
auth = no
probe_every = 2
backend.s1 = 2001:db8::11

[vip opt6]
address = 2001:db8::101
port = 80
mode = dsr-feedback
auth = no
encoding = dstopt
probe_every = 1
backend.s2 = 2001:db8::12
"""
    t = Clock()
    fi, ex = [], []
    c, vip, s1 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    syn, ack = tcp(40000, 80, "S"), tcp(40000, 80, "A", 1001, 7001)
    fi.append((t(), v6(c, vip, syn, smac=2)))
    ex.append(v6(c, s1, syn, [ext27(c, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    fi.append((t(), v6(c, vip, ack, smac=2)))
    ex.append(v6(c, s1, ack, [ext28()], smac=LB_MAC, dmac=mac(0x11)))
    ans = tcp(80, 40000, "PA", 7001, 1001, b"hello")
    fi.append((t(), v6(s1, vip, ans, [ext27(c, 40000), ext29(5)],
                       smac=0x11)))
    ex.append(v6(vip, c, ans, smac=LB_MAC, dmac=mac(2)))
    # forged answer from a non-backend
    fi.append((t(), v6("2001:db8::99", vip, ans,
                       [ext27(c, 40000), ext29(0)], smac=0x99)))
    # a client sending header 27 itself: removed
    fi.append((t(), v6(c, vip, ack, [ext27("2001:db8::66", 1)], smac=2)))
    ex.append(v6(c, s1, ack, smac=LB_MAC, dmac=mac(0x11)))
    # neighbour solicitation for the VIP (from the solicited-node group)
    ns = IPv6(src=c, dst="ff02::1:ff00:100", hlim=255) / \
        ICMPv6ND_NS(tgt=vip) / ICMPv6NDOptSrcLLAddr(lladdr=mac(2))
    fi.append((t(), bytes(Ether(src=mac(2), dst="33:33:ff:00:01:00") / ns)))
    na = IPv6(src=vip, dst=c, hlim=255) / \
        ICMPv6ND_NA(tgt=vip, R=0, S=1, O=1) / \
        ICMPv6NDOptDstLLAddr(lladdr=LB_MAC)
    ex.append(bytes(Ether(src=LB_MAC, dst=mac(2)) / na))
    # the standards-clean encoding: option 0x1E in Destination Options
    # (sub-type 1 client tuple, then sub-type 2 request, one header)
    syn2 = tcp(40001, 80, "S")
    fi.append((t(), v6(c, "2001:db8::101", syn2, smac=2)))
    import socket
    import struct
    # (the request is aligned 4n + 2 so that its nonce is 4-aligned:
    # PadN of 0 before it, PadN of 2 after; docs/wire-format.md)
    do = bytes([4, 0x1e, 20, 1, 0]) + struct.pack("!H", 40001) + \
        socket.inet_pton(socket.AF_INET6, c) + bytes([1, 0]) + \
        bytes([0x1e, 8, 2, 0, 0, 0, 0, 0, 0, 0]) + bytes([1, 2, 0, 0])
    ex.append(v6(c, "2001:db8::12", syn2, [(60, do)], smac=LB_MAC,
                 dmac=mac(0x12)))
    r.run("dsr6", cfg, fi, ex, {
        "tx_backend": 4, "tx_client": 1, "tx_neigh": 1, "drop_forged": 1,
        "answer_accepted": 1, "client_msgs_stripped": 1, "probe_sent": 2,
        "vip.web6.backend.s1.score": 5})


def busy(r):
    """New flows go to the backend with the lowest score the answers
    reported, and move when that score rises (the dynamic-DSR paper's
    selector). The first picks are ties (unknown scores), so the test
    accepts either backend there and checks the steady state."""
    cfg = general() + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
"""
    t = Clock()
    fi, ex = [], []

    def flow(k, score1, score2):
        p = 44000 + k
        syn = tcp(p, 80, "S")
        fi.append((t(), v4(C1, VIP4, syn, smac=2)))
        ex.append(Alt("f%d" % k, {
            b: v4(C1, d, syn, [opt155(C1, p), opt124()], smac=LB_MAC,
                  dmac=mac(0x10 + b)) for b, d in ((1, S1), (2, S2))}))
        # both servers answer; only the asked one counts
        sa = tcp(80, p, "SA", 5000, 1001)
        for src, sm, sc in ((S1, 0x11, score1), (S2, 0x12, score2)):
            fi.append((t(), v4(src, VIP4, sa, [opt155(C1, p), opt125(sc)],
                               smac=sm)))
            ex.append(v4(VIP4, C1, sa, smac=LB_MAC, dmac=mac(2)))
    for k in range(30):
        flow(k, 50, 10)
    for k in range(30, 36):
        flow(k, 50, 90)
    groups, st = r.run("busy", cfg, fi, ex, {"answer_accepted": 36,
                                             "answer_unsolicited": 36})
    first = [groups.get("f%d" % k) for k in range(30)]
    r.check(1 in first and 2 in first,
            "busy: both backends were tried while scores were unknown")
    r.check(all(g == 2 for g in first[20:]),
            "busy: with s1 at 50 and s2 at 10, new flows go to s2 (%s)" %
            first[20:])
    late = [groups.get("f%d" % k) for k in range(30, 36)]
    r.check(late[0] == 2 and all(g == 1 for g in late[1:]),
            "busy: once s2 reports 90, new flows go to s1 (%s)" % late)


def polling(r):
    """Mode polling (issue 22): the appliance polls every server out of
    band (UDP to port 7399, lib/wire/poll.c) and new flows go to the
    lowest polled score; no in-band metric request is ever added. The
    servers here are real UDP sockets on loopback addresses (the
    appliance's poller uses the kernel's sockets) answering fixed
    scores; the agent's side is tests/agent's poll scenario."""
    import threading
    cfg = general() + """
[vip web4]
address = 10.0.0.100
port = 80
mode = polling
auth = no
probe_every = 1
backend.s1 = 127.0.0.21
backend.s2 = 127.0.0.22
"""
    cfg = cfg.replace("[general]\n", "[general]\npoll_interval_ms = 5\n", 1)
    # the servers' data path: behind the router (their polls take the
    # kernel's loopback route)
    cfg = cfg.replace("[routes]\n", "[routes]\n127.0.0.0/24 = 10.0.0.254\n",
                      1)
    addrs = ("127.0.0.21", "127.0.0.22")

    def serve(sock, score, stop, seen):
        sock.settimeout(0.05)
        while not stop.is_set():
            try:
                b, src = sock.recvfrom(64)
            except socket.timeout:
                continue
            magic, ver, typ, sc, nonce = struct.unpack("!IBBHQ", b)
            if magic != 0x44535250 or ver != 1 or typ != 1 or sc != 0:
                seen.append("bad")
                continue
            seen.append(nonce)
            sock.sendto(struct.pack("!IBBHQ", magic, 1, 2, score, nonce),
                        src)

    for name, scores, want in (("polling", (50, 5), 2),
                               ("polling_swap", (5, 50), 1)):
        stop, seen, th = threading.Event(), {a: [] for a in addrs}, []
        for a, sc in zip(addrs, scores):
            so = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            so.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            so.bind((a, 7399))
            t = threading.Thread(target=serve, args=(so, sc, stop, seen[a]))
            t.start()
            th.append((t, so))
        t = Clock()
        fi, ex = [], []
        for k in range(12):
            p = 45000 + k
            syn = tcp(p, 80, "S")
            fi.append((t(), v4(C1, VIP4, syn, smac=2)))
            ex.append(Alt("f%d" % k, {
                b: v4(C1, d, syn, [opt155(C1, p)], smac=LB_MAC,
                      dmac=mac(0xfe))
                for b, d in ((1, addrs[0]), (2, addrs[1]))}))
        groups, st = r.run(name, cfg, fi, ex, {"probe_sent": 0})
        stop.set()
        for th_, so in th:
            th_.join()
            so.close()
        got = [groups.get("f%d" % k) for k in range(12)]
        r.check(all(g == want for g in got),
                "%s: scores s1 %d, s2 %d: every new flow goes to s%d (%s)"
                % (name, scores[0], scores[1], want, got))
        r.check(all(len(seen[a]) >= 1 and "bad" not in seen[a]
                    for a in addrs),
                "%s: every server was polled with a well-formed request "
                "(%s)" % (name, {a: len(v) for a, v in seen.items()}))
        r.check(all(len(set(v)) == len(v) for v in seen.values()),
                "%s: a new nonce every round" % name)


def dsr_auth(r):
    """Authenticated requests (the default): a nonce keyed with
    [general] auth_key that the answer must echo; during a rotation the
    previous key still verifies answers (issue 16)."""
    cfg = general().replace("auth_key = %s\n" % AUTH_KEY,
                            "auth_key = %s\nauth_key_previous = %s\n" %
                            (AUTH_KEY2, AUTH_KEY)) + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 1
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
probe_every = 1
backend.s1 = 2001:db8::11
"""
    t = Clock()
    fi, ex = [], []

    def request(p):
        syn = tcp(p, 80, "S")
        fi.append((t(), v4(C1, VIP4, syn, smac=2)))
        ex.append(v4(C1, S1, syn, [opt155(C1, p), opt124(
            auth_nonce(AUTH_KEY2, C1, p, VIP4, 80, 0))], smac=LB_MAC,
            dmac=mac(0x11)))

    def answer(p, nonce):
        a = tcp(80, p, "SA", 9000, 1001)
        fi.append((t(), v4(S1, VIP4, a, [opt155(C1, p)] + (
            [opt125(3)] if nonce is None else [opt125(3, nonce)]),
            smac=0x11)))
        ex.append(v4(VIP4, C1, a, smac=LB_MAC, dmac=mac(2)))

    # IPv4: the request carries the nonce of the current key; without
    # the nonce, with a wrong one, with another flow's: ignored, forwarded
    request(40000)
    answer(40000, None)
    answer(40000, 0x12345678)
    answer(40000, auth_nonce(AUTH_KEY2, C1, 40001, VIP4, 80, 0))
    # the right one (current key)
    answer(40000, auth_nonce(AUTH_KEY2, C1, 40000, VIP4, 80, 0))
    # the previous key's nonce (a request sent before the rotation)
    request(40001)
    answer(40001, auth_nonce(AUTH_KEY, C1, 40001, VIP4, 80, 0))
    # a key nobody configured
    request(40002)
    answer(40002, auth_nonce("11" * 16, C1, 40002, VIP4, 80, 0))
    # IPv6 (header 28 / 29 with the nonce)
    c6, s6, vip6 = "2001:db8::2", "2001:db8::11", "2001:db8::100"
    syn = tcp(41000, 80, "S")
    n6 = auth_nonce(AUTH_KEY2, c6, 41000, vip6, 80, 0)
    fi.append((t(), v6(c6, vip6, syn, smac=2)))
    ex.append(v6(c6, s6, syn, [ext27(c6, 41000), ext28(n6)], smac=LB_MAC,
                 dmac=mac(0x11)))
    a6 = tcp(80, 41000, "SA", 9000, 1001)
    fi.append((t(), v6(s6, vip6, a6, [ext27(c6, 41000), ext29(4, n6 ^ 2)],
                       smac=0x11)))
    fi.append((t(), v6(s6, vip6, a6, [ext27(c6, 41000), ext29(4, n6)],
                       smac=0x11)))
    ex += [v6(vip6, c6, a6, smac=LB_MAC, dmac=mac(2))] * 2
    r.run("dsr_auth", cfg, fi, ex, {"answer_bad_nonce": 5,
                                    "answer_accepted": 3,
                                    "answer_prev_key": 1,
                                    "probe_sent": 4})


# A 6LB VIP of two servers, its client, our SID's locator, the servers'
# locators and MACs (scenarios hunt, workers_sticky).
HUNT6 = """
[vip hunt6]
address = 2001:db8::200
port = 80
mode = hunt
backend.s1 = 2001:db8::21 locator=2001:db8:a1::
backend.s2 = 2001:db8::22 locator=2001:db8:a2::
"""
HUNT6_NAMES = ("2001:db8::2", "2001:db8::200", "2001:db8:ff::",
               {1: "2001:db8:a1::", 2: "2001:db8:a2::"}, {1: 0x21, 2: 0x22})


def hunt(r):
    cfg = general() + HUNT6
    c, vip, lb, loc, smac = HUNT6_NAMES
    t = Clock()
    fi, ex = [], []

    def offer(l4, order, funcs, client=c):
        a, b = order
        segs = [lb, sid(loc[a], funcs[0]), sid(loc[b], funcs[1]), vip]
        return v6(client, segs[1], l4, [srh(segs)], final_dst=vip,
                  smac=LB_MAC, dmac=mac(smac[a]))

    def steer(l4, s):
        segs = [lb, sid(loc[s], AS), vip]
        return v6(c, segs[1], l4, [srh(segs)], final_dst=vip,
                  smac=LB_MAC, dmac=mac(smac[s]))

    def from_server(s, func, l4):
        segs = [loc[s], sid(lb, func), c]
        return v6(vip, segs[1], l4, [srh(segs)], final_dst=c,
                  smac=smac[s])

    syn = tcp(50000, 80, "S")
    both = {(1, 2): None, (2, 1): None}
    # LB_LISTEN + SYN -> (lb, s1::ca, s2::cf, VIP), HUNTING
    fi.append((t(), v6(c, vip, syn, smac=2)))
    ex.append(Alt("h", {o: offer(syn, o, (CA, CF)) for o in both}))
    # HUNTING + SYN (retransmission) -> the same offer
    fi.append((t(0.5), v6(c, vip, syn, smac=2)))
    ex.append(Alt("h", {o: offer(syn, o, (CA, CF)) for o in both}))
    # HUNTING + createStickiness(s2) -> SRH removed, to the client; STEER
    sa = tcp(80, 50000, "SA", 9000, 1001)
    fi.append((t(), from_server(2, CS, sa)))
    ex.append(v6(vip, c, sa, smac=LB_MAC, dmac=mac(2)))
    # STEER(s2) + data from client -> (lb, s2::as, VIP)
    ack = tcp(50000, 80, "A", 1001, 9001)
    data = tcp(50000, 80, "PA", 1001, 9001, b"GET /")
    for l4 in (ack, data):
        fi.append((t(), v6(c, vip, l4, smac=2)))
        ex.append(steer(l4, 2))
    # STEER(s2) + removeStickiness(s2) -> to the client; 10 s timer
    fin = tcp(80, 50000, "FA", 9001, 1006)
    fi.append((t(0.5), from_server(2, RMS, fin)))
    ex.append(v6(vip, c, fin, smac=LB_MAC, dmac=mac(2)))
    t_rms = t.t
    # still steered 4 s later (the timer does not restart)
    ack2 = tcp(50000, 80, "A", 1006, 9002)
    fi.append((t(4.0), v6(c, vip, ack2, smac=2)))
    ex.append(steer(ack2, 2))
    # a SYN on the closing flow: a new connection reusing the client's
    # port hunts again (LB_LISTEN + SYN), it does not follow the old one
    fi.append((t(1.0), v6(c, vip, syn, smac=2)))
    ex.append(Alt("h", {o: offer(syn, o, (CA, CF)) for o in both}))
    # past the timer: the flow is unknown -> recoverStickiness to both
    # candidates, in the order of the consistent-hash table
    t.t = t_rms + 12.5
    fi.append((t(), v6(c, vip, ack2, smac=2)))
    ex.append(Alt("h", {o: offer(ack2, o, (RS, RS)) for o in both}))
    # s2 had the flow: it re-enters WAIT and sends createStickiness
    fi.append((t(), from_server(2, CS, tcp(80, 50000, "A", 9002, 1006))))
    ex.append(v6(vip, c, tcp(80, 50000, "A", 9002, 1006), smac=LB_MAC,
                 dmac=mac(2)))
    fi.append((t(), v6(c, vip, data, smac=2)))
    ex.append(steer(data, 2))
    # a second appliance's flow: data of an unknown flow is recovered,
    # then pinned by s1's createStickiness
    d2 = tcp(50001, 80, "PA", 77, 88, b"x")
    fi.append((t(), v6(c, vip, d2, smac=2)))
    ex.append(Alt("h2", {o: offer(d2, o, (RS, RS)) for o in both}))
    cs1 = tcp(80, 50001, "A", 88, 78)
    fi.append((t(), from_server(1, CS, cs1)))
    ex.append(v6(vip, c, cs1, smac=LB_MAC, dmac=mac(2)))
    fi.append((t(), v6(c, vip, d2, smac=2)))
    segs = [lb, sid(loc[1], AS), vip]
    ex.append(v6(c, segs[1], d2, [srh(segs)], final_dst=vip, smac=LB_MAC,
                 dmac=mac(0x21)))
    # forged createStickiness from a locator that is no backend
    segs = ["2001:db8:a9::", sid(lb, CS), c]
    fi.append((t(), v6(vip, segs[1], sa, [srh(segs)], final_dst=c,
                       smac=0x29)))
    # a function the appliance does not serve (connectAvail at lb)
    segs = [loc[1], sid(lb, CA), c]
    fi.append((t(), v6(vip, segs[1], sa, [srh(segs)], final_dst=c,
                       smac=0x21)))
    # a client packet that already carries an SRH
    segs = ["2001:db8::2", vip]
    fi.append((t(), v6(c, vip, syn, [srh(segs, first=1)], smac=2)))
    r.run("hunt", cfg, fi, ex, {
        "hunt_offer": 3, "hunt_recover": 2, "hunt_steer": 5,
        "stick_create": 3, "stick_remove": 1, "tx_client": 4,
        "drop_forged": 1, "drop_sid_function": 1, "drop_client_srh": 1,
        "flow_midstream": 2, "vip.hunt6.backend.s2.pinned": 2,
        "vip.hunt6.backend.s1.pinned": 1})


def baselines(r):
    cfg = general(neigh="""10.0.0.21 = 02:00:00:00:00:21
10.0.0.22 = 02:00:00:00:00:22
10.0.0.32 = 02:00:00:00:00:32
10.0.0.41 = 02:00:00:00:00:41
10.0.0.42 = 02:00:00:00:00:42
""") + """
[vip mg4]
address = 10.0.0.110
port = 80
mode = maglev
auth = no
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12

[vip rr4]
address = 10.0.0.111
port = 80
mode = round-robin
auth = no
backend.s1 = 10.0.0.21
backend.s2 = 10.0.0.22

[vip rnd4]
address = 10.0.0.112
port = 80
mode = random
auth = no
backend.s1 = 10.0.0.31
backend.s2 = 10.0.0.32

[vip lat4]
address = 10.0.0.113
port = 80
mode = latency-feedback
auth = no
backend.s1 = 10.0.0.41
backend.s2 = 10.0.0.42

[vip mg6]
address = 2001:db8::120
port = 80
mode = maglev
auth = no
transport = srv6
backend.s1 = 2001:db8::21 locator=2001:db8:a1::
backend.s2 = 2001:db8::22 locator=2001:db8:a2::
"""
    cfg = cfg.replace("10.0.0.31 = 02:00:00:00:00:11",
                      "10.0.0.31 = 02:00:00:00:00:31")
    t = Clock()
    fi, ex = [], []
    bes = {"mg4": ("10.0.0.110", {1: S1, 2: S2}),
           "rr4": ("10.0.0.111", {1: "10.0.0.21", 2: "10.0.0.22"}),
           "rnd4": ("10.0.0.112", {1: "10.0.0.31", 2: "10.0.0.32"}),
           "lat4": ("10.0.0.113", {1: "10.0.0.41", 2: "10.0.0.42"})}

    def macof(a):
        return mac(int(a.split(".")[3], 16))

    for name, (vip, be) in bes.items():
        for k in range(4):
            port = 41000 + k
            syn = tcp(port, 80, "S")
            ack = tcp(port, 80, "A", 1001, 1)
            fi.append((t(), v4(C1, vip, syn, smac=2)))
            if name == "rr4":
                b = be[1 + k % 2]
                ex.append(v4(C1, b, syn, [opt155(C1, port)], smac=LB_MAC,
                             dmac=macof(b)))
            else:
                ex.append(Alt("%s%d" % (name, k), {
                    i: v4(C1, b, syn, [opt155(C1, port)], smac=LB_MAC,
                          dmac=macof(b)) for i, b in be.items()}))
            # the flow stays where it went; the VIP's 8th packet carries
            # a metric request (probe_every = 8 by default: the same
            # transport as dsr-feedback, only the policy differs)
            fi.append((t(), v4(C1, vip, ack, smac=2)))
            opts = [opt124()] if k == 3 else None
            if name == "rr4":
                ex.append(v4(C1, be[1 + k % 2], ack, opts, smac=LB_MAC,
                             dmac=macof(be[1 + k % 2])))
            else:
                ex.append(Alt("%s%d" % (name, k), {
                    i: v4(C1, b, ack, opts, smac=LB_MAC, dmac=macof(b))
                    for i, b in be.items()}))
    # Maglev over the SRv6 transport: one candidate, connectForce
    c, vip, lb = "2001:db8::2", "2001:db8::120", "2001:db8:ff::"
    loc = {1: "2001:db8:a1::", 2: "2001:db8:a2::"}
    syn = tcp(50000, 80, "S")
    fi.append((t(), v6(c, vip, syn, smac=2)))
    ex.append(Alt("mg6", {
        s: v6(c, sid(loc[s], CF), syn,
              [srh([lb, sid(loc[s], CF), vip])], final_dst=vip,
              smac=LB_MAC, dmac=mac(0x20 + s)) for s in (1, 2)}))
    r.run("baselines", cfg, fi, ex, {"tx_backend": 33, "flow_new": 17,
                                     "hunt_offer": 1, "probe_sent": 4})


def lat_srv6(r):
    """latency-feedback over the SRv6 transport (issue 22): the flow is
    offered with connectForce, pinned by createStickiness, and every
    steered client packet is a latency sample candidate, as on the DSR
    leg (client_hit() used to return before sampling)."""
    cfg = general() + """
[vip lat6]
address = 2001:db8::130
port = 80
mode = latency-feedback
transport = srv6
backend.s1 = 2001:db8::21 locator=2001:db8:a1::
backend.s2 = 2001:db8::22 locator=2001:db8:a2::
"""
    c, vip, lb = "2001:db8::2", "2001:db8::130", "2001:db8:ff::"
    loc = {1: "2001:db8:a1::", 2: "2001:db8:a2::"}
    t = Clock()
    fi, ex = [], []
    syn = tcp(50000, 80, "S")
    fi.append((t(), v6(c, vip, syn, smac=2)))
    ex.append(Alt("l", {
        s: v6(c, sid(loc[s], CF), syn,
              [srh([lb, sid(loc[s], CF), vip])], final_dst=vip,
              smac=LB_MAC, dmac=mac(0x20 + s)) for s in (1, 2)}))
    # s2 takes it (createStickiness): the flow is pinned to s2
    sa = tcp(80, 50000, "SA", 9000, 1001)
    segs = [loc[2], sid(lb, CS), c]
    fi.append((t(), v6(vip, segs[1], sa, [srh(segs)], final_dst=c,
                       smac=0x22)))
    ex.append(v6(vip, c, sa, smac=LB_MAC, dmac=mac(2)))
    # 200 ms of requests, one every 2 ms (the server's response time)
    for k in range(100):
        d = tcp(50000, 80, "PA", 1001 + k, 9001 + k, b"x")
        fi.append((t(0.002), v6(c, vip, d, smac=2)))
        segs = [lb, sid(loc[2], AS), vip]
        ex.append(v6(c, segs[1], d, [srh(segs)], final_dst=vip,
                     smac=LB_MAC, dmac=mac(0x22)))
    _, st = r.run("lat_srv6", cfg, fi, ex, {
        "hunt_offer": 1, "stick_create": 1, "hunt_steer": 100,
        "vip.lat6.backend.s2.pinned": 1})
    r.check(st.get("lat_samples", 0) > 0,
            "lat_srv6: latency samples taken over SRv6 (%d)" %
            st.get("lat_samples", 0))


def quic(r):
    """QUIC VIPs (docs/quic.md): a client Initial is a new connection
    chosen by the VIP's mode; a packet whose Destination Connection ID
    carries a QUIC-LB server ID goes to that server, whatever its 4-tuple
    (client migration, another appliance's flow); no server ID: the
    4-tuple's flow, else consistent hashing."""
    cfg = general() + """
[vip q4]
address = 10.0.0.140
port = 443
proto = quic
mode = dsr-feedback
probe_every = 0
quic_lb_config_id = 0
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 10.0.0.11 quic_sid=0a01
backend.s2 = 10.0.0.12 quic_sid=0a02

[vip q6]
address = 2001:db8::140
port = 443
proto = quic
mode = hunt
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 2001:db8::21 locator=2001:db8:a1:: quic_sid=0b01
backend.s2 = 2001:db8::22 locator=2001:db8:a2:: quic_sid=0b02
"""
    vip4, be4 = "10.0.0.140", {1: S1, 2: S2}
    c6, vip6, lb = "2001:db8::2", "2001:db8::140", "2001:db8:ff::"
    loc = {1: "2001:db8:a1::", 2: "2001:db8:a2::"}
    t = Clock()
    fi, ex = [], []

    def cid(sid, cr=0):
        # draft-ietf-quic-load-balancers-19 §5.2: CR bits, length - 1,
        # server ID, nonce
        return bytes([cr << 5 | 8]) + sid + bytes([1, 2, 3, 4, 5, 6])

    def initial(dcid, size=1200):
        h = bytes([0xc3]) + (1).to_bytes(4, "big") + bytes([len(dcid)]) + \
            dcid + bytes([0])
        return h + bytes(size - len(h))

    def short(dcid, n=40):
        return bytes([0x41]) + dcid + b"q" * n

    def u(sport, payload):
        return UDP(sport=sport, dport=443) / Raw(payload)

    def to4(sport, payload, s, tuple_=True):
        return v4(C1, be4[s], u(sport, payload),
                  [opt155(C1, sport)] if tuple_ else None, smac=LB_MAC,
                  dmac=mac(0x10 + s))

    rnd = bytes([0xe7, 9, 8, 7, 6, 5, 4, 3])    # CR 7: unroutable
    # 1. a client Initial (1200 bytes): a new connection, by busyness
    fi.append((t(), v4(C1, vip4, u(50000, initial(rnd)), smac=2)))
    ex.append(Alt("q", {s: to4(50000, initial(rnd), s) for s in (1, 2)}))
    # 2. an Initial under 1200 bytes is dropped (RFC 9000 §14.1)
    fi.append((t(), v4(C1, vip4, u(50001, initial(rnd, 1100)), smac=2)))
    # 3. the server's CID names s2: the same 4-tuple now goes to s2
    #    (with the tuple again when the Initial had gone to s1)
    sp = short(cid(bytes([0x0a, 0x02])))
    fi.append((t(), v4(C1, vip4, u(50000, sp), smac=2)))
    ex.append(Alt("q", {1: to4(50000, sp, 2), 2: to4(50000, sp, 2, False)}))
    # 4. the client migrated (new port): its CID still names s1
    sp1 = short(cid(bytes([0x0a, 0x01])))
    fi.append((t(), v4(C1, vip4, u(50002, sp1), smac=2)))
    ex.append(to4(50002, sp1, 1))
    fi.append((t(), v4(C1, vip4, u(50002, sp1), smac=2)))
    ex.append(to4(50002, sp1, 1, False))
    # 5. a Handshake packet to s2's CID from yet another port
    hs = bytes([0xe0]) + (1).to_bytes(4, "big") + bytes([9]) + \
        cid(bytes([0x0a, 0x02])) + bytes([0]) + b"h" * 30
    fi.append((t(), v4(C1, vip4, u(50003, hs), smac=2)))
    ex.append(to4(50003, hs, 2))
    # 6. unroutable CID and a server ID of nobody: consistent hashing
    for port, d in ((50004, short(rnd + b"\0")),
                    (50005, short(cid(bytes([0x0f, 0xff]))))):
        fi.append((t(), v4(C1, vip4, u(port, d), smac=2)))
        ex.append(Alt("m%d" % port, {s: to4(port, d, s) for s in (1, 2)}))
    # 7. a short header shorter than its connection ID: dropped
    fi.append((t(), v4(C1, vip4, u(50006, bytes([0x41, 8, 0x0a])),
                       smac=2)))
    # 8. IPv6, hunt: the Initial is offered like a SYN (connectAvail to
    #    the first candidate, connectForce to the second) ...
    def offer(l4, order):
        a, b = order
        segs = [lb, sid(loc[a], CA), sid(loc[b], CF), vip6]
        return v6(c6, segs[1], l4, [srh(segs)], final_dst=vip6,
                  smac=LB_MAC, dmac=mac(0x20 + a))

    ini6 = u(50010, initial(rnd))
    fi.append((t(), v6(c6, vip6, ini6, smac=2)))
    ex.append(Alt("q6", {o: offer(ini6, o) for o in ((1, 2), (2, 1))}))
    # ... and a migrated client's packet to s1's CID is steered to s1
    sp6 = u(50011, short(cid(bytes([0x0b, 0x01]))))
    segs = [lb, sid(loc[1], AS), vip6]
    fi.append((t(), v6(c6, vip6, sp6, smac=2)))
    ex.append(v6(c6, segs[1], sp6, [srh(segs)], final_dst=vip6,
                 smac=LB_MAC, dmac=mac(0x21)))
    r.run("quic", cfg, fi, ex, {
        "quic_sid_routed": 5, "quic_sid_unknown": 1, "flow_midstream": 2,
        "wire.ERR_QUIC_INITIAL_SIZE": 1, "wire.ERR_QUIC_SHORT": 1,
        "hunt_offer": 1, "hunt_steer": 1})


def quic_mtu(r):
    """Issue 21, path MTU of a QUIC VIP (docs/quic.md "Path MTU"): the
    server side at MTU 1500, a metric request due on every packet
    (probe_every = 1). A 1200-byte Initial takes the tuple and the
    request; a full-size packet that needs only the request goes out
    unchanged (the request deferred to the next packet with room); a
    full-size packet that must carry the tuple (an Initial, the first
    packet of a migrated client) is answered with fragmentation needed /
    packet too big for the MTU that leaves room, and the next smaller
    packet of that 4-tuple carries the tuple; so does the next packet of
    a flow a connection ID moves to another server (VIPs q4m, q6m).
    IPv4 and IPv6."""
    from scapy.all import ICMP, ICMPv6PacketTooBig
    cfg = general() + """
[vip q4]
address = 10.0.0.140
port = 443
proto = quic
mode = dsr-feedback
auth = no
probe_every = 1
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 10.0.0.11 quic_sid=0a01

[vip q6]
address = 2001:db8::140
port = 443
proto = quic
mode = dsr-feedback
auth = no
probe_every = 1
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 2001:db8::21 quic_sid=0a01

[vip q4m]
address = 10.0.0.141
port = 443
proto = quic
mode = dsr-feedback
auth = no
probe_every = 1
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 10.0.0.31 quic_sid=0a01
backend.s2 = 10.0.0.12 quic_sid=0a02

[vip q6m]
address = 2001:db8::141
port = 443
proto = quic
mode = dsr-feedback
auth = no
probe_every = 1
quic_lb_server_id_len = 2
quic_lb_nonce_len = 6
quic_lb_encode_len = yes
backend.s1 = 2001:db8::11 quic_sid=0a01
backend.s2 = 2001:db8::22 quic_sid=0a02
"""
    c6, vip6, s16 = "2001:db8::2", "2001:db8::140", "2001:db8::21"
    vip4 = "10.0.0.140"
    t = Clock()
    fi, ex = [], []
    # QUIC-LB connection IDs naming s1 and s2
    cids = {s: bytes([8, 0x0a, s, 1, 2, 3, 4, 5, 6]) for s in (1, 2)}
    rnd = bytes([0xe7, 9, 8, 7, 6, 5, 4, 3])         # CR 7: unroutable

    def initial(size):
        h = bytes([0xc3]) + (1).to_bytes(4, "big") + bytes([len(rnd)]) + \
            rnd + bytes([0])
        return h + bytes(size - len(h))

    def short(size, s=1):
        return bytes([0x41]) + cids[s] + b"q" * (size - 1 - len(cids[s]))

    def cu(sport, payload):
        return UDP(sport=sport, dport=443) / Raw(payload)

    for fam in (4, 6):
        if fam == 4:
            # UDP payload that fills IP 1500: 1500 - 20 - 8
            full = 1472

            def cin(l4, vip=vip4):
                f = v4(C1, vip, l4, smac=2)
                fi.append((t(), f))
                return f

            def out(l4, opts=None, be=(S1, 0x11)):
                ex.append(v4(C1, be[0], l4, opts, smac=LB_MAC,
                             dmac=mac(be[1])))

            def tup(p):
                return [opt155(C1, p)]
            req = [opt124()]

            def answer(p, payload):
                a = UDP(sport=443, dport=p) / Raw(payload)
                fi.append((t(), v4(S1, vip4, a, [opt155(C1, p), opt125(5)],
                                   smac=0x11)))
                ex.append(v4(vip4, C1, a, smac=LB_MAC, dmac=mac(2)))

            vipm = "10.0.0.141"
            bem = {1: ("10.0.0.31", 0x11), 2: (S2, 0x12)}

            def too_big(f, vip=vip4):
                # next-hop MTU 1500 - 8 (option 155), the quote cut to
                # a 576-byte error
                ex.append(bytes(Ether(src=LB_MAC, dst=mac(2)) /
                                IP(src=vip, dst=C1, tos=0xc0, ttl=64,
                                   id=0) /
                                ICMP(type=3, code=4, nexthopmtu=1492) /
                                Raw(f[14:14 + 548])))
        else:
            # 1500 - 40 - 8
            full = 1452

            def cin(l4, vip=vip6):
                f = v6(c6, vip, l4, smac=2)
                fi.append((t(), f))
                return f

            def out(l4, opts=(), be=(s16, 0x21)):
                ex.append(v6(c6, be[0], l4, opts or (), smac=LB_MAC,
                             dmac=mac(be[1])))

            def tup(p):
                return [ext27(c6, p)]
            req = [ext28()]

            def answer(p, payload):
                a = UDP(sport=443, dport=p) / Raw(payload)
                fi.append((t(), v6(s16, vip6, a, [ext27(c6, p), ext29(5)],
                                   smac=0x21)))
                ex.append(v6(vip6, c6, a, smac=LB_MAC, dmac=mac(2)))

            vipm = "2001:db8::141"
            bem = {1: ("2001:db8::11", 0x11), 2: ("2001:db8::22", 0x22)}

            def too_big(f, vip=vip6):
                # MTU 1500 - 24 (header 27), quoting 1232 bytes
                ex.append(bytes(Ether(src=LB_MAC, dst=mac(2)) /
                                IPv6(src=vip, dst=c6, hlim=64) /
                                ICMPv6PacketTooBig(mtu=1476) /
                                Raw(f[14:14 + 1232])))
        # 1. a 1200-byte Initial: the tuple and the request fit
        d = cu(50000, initial(1200))
        cin(d)
        out(d, tup(50000) + req)
        answer(50000, bytes([0xc0]) + b"s" * 100)
        # 2. a short header filling the MTU, the request due: it goes
        #    out unchanged, the request waits (probe_deferred) ...
        d = cu(50000, short(full))
        cin(d)
        out(d)
        # ... and rides on the next packet with room
        d = cu(50000, short(100))
        cin(d)
        out(d, req)
        answer(50000, short(60))
        # 3. an Initial filling the MTU: no room for the tuple, the client
        #    hears the MTU that leaves room; its 1200-byte retransmission
        #    carries the tuple (and the request)
        big = cu(50001, initial(full))
        too_big(cin(big))
        d = cu(50001, initial(1200))
        cin(d)
        out(d, tup(50001) + req)
        answer(50001, bytes([0xc0]) + b"s" * 100)
        # 4. the client migrated (new port) and its first packet fills
        #    the MTU: its connection ID names s1, the tuple must go with
        #    it and cannot; the next, smaller packet of that 4-tuple
        #    carries the tuple (and the request), the one after neither
        big = cu(50002, short(full))
        too_big(cin(big))
        d = cu(50002, short(1200))
        cin(d)
        out(d, tup(50002) + req)
        d = cu(50002, short(300))
        cin(d)
        out(d)
        # 5. (VIP q4m / q6m, s1 and s2) a flow at s1 by its connection
        #    ID; a full-size packet to s2's ID moves it and must carry the
        #    tuple: too big, and the move is not kept; the next, smaller
        #    packet to s2's ID moves it with the tuple (and a request)
        d = cu(50003, short(100))
        cin(d, vipm)
        out(d, tup(50003) + req, bem[1])
        big = cu(50003, short(full, 2))
        too_big(cin(big, vipm), vipm)
        d = cu(50003, short(1200, 2))
        cin(d, vipm)
        out(d, tup(50003) + req, bem[2])
        d = cu(50003, short(300, 2))
        cin(d, vipm)
        out(d, be=bem[2])
    r.run("quic_mtu", cfg, fi, ex, {
        "tx_icmp_too_big": 6, "drop_mtu": 0, "probe_deferred": 2,
        "probe_sent": 12, "answer_accepted": 6, "tx_backend": 18,
        "quic_sid_routed": 18, "flow_new": 10})


def quic_learn(r):
    """Servers whose connection IDs carry no QUIC-LB server ID
    (quic_cid_len, docs/quic.md): a client Initial carries a metric
    request; the agent's answer rides on the server's Initial, whose
    Source Connection ID the appliance learns; a short header to that CID
    from any 4-tuple (NAT rebinding) then goes to that server. Learned
    only from an accepted answer (trust rules, nonce); IPv4 and IPv6."""
    cfg = general() + """
[vip q4]
address = 10.0.0.140
port = 443
proto = quic
mode = round-robin
probe_every = 0
quic_cid_len = 8
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12

[vip q6]
address = 2001:db8::140
port = 443
proto = quic
mode = round-robin
probe_every = 0
quic_cid_len = 8
backend.s1 = 2001:db8::21
backend.s2 = 2001:db8::22
"""
    vip4, be4 = "10.0.0.140", {1: S1, 2: S2}
    c6, vip6 = "2001:db8::2", "2001:db8::140"
    be6 = {1: "2001:db8::21", 2: "2001:db8::22"}
    t = Clock()
    fi, ex = [], []
    rnd = bytes([0x3c, 9, 8, 7, 6, 5, 4, 3])
    ccid = bytes([0xcc, 1, 2, 3])
    scid = {1: bytes([0x51] * 8), 2: bytes([0x52] * 8),
            3: bytes([0x53] * 8), 4: bytes([0x54] * 8)}

    def long_(first, dcid, scid_, size):
        h = bytes([first]) + (1).to_bytes(4, "big") + bytes([len(dcid)]) + \
            dcid + bytes([len(scid_)]) + scid_
        return h + bytes(size - len(h))

    def short(dcid, n=40):
        return bytes([0x41]) + dcid + b"q" * n

    def cu(sport, payload):
        return UDP(sport=sport, dport=443) / Raw(payload)

    def su(dport, payload):
        return UDP(sport=443, dport=dport) / Raw(payload)

    def n4(p, b):
        return auth_nonce(AUTH_KEY, C1, p, vip4, 443, b, proto=17)

    def n6(p, b):
        return auth_nonce(AUTH_KEY, c6, p, vip6, 443, b, proto=17)

    def initial4(p, s):
        # round-robin: s1, s2, s1, ... (ties to the lowest index)
        d = cu(p, long_(0xc3, rnd, ccid, 1200))
        fi.append((t(), v4(C1, vip4, d, smac=2)))
        ex.append(v4(C1, be4[s], d, [opt155(C1, p), opt124(n4(p, s - 1))],
                     smac=LB_MAC, dmac=mac(0x10 + s)))

    def answer4(p, s, payload, nonce, src=None, smac=None):
        a = su(p, payload)
        fi.append((t(), v4(src or be4[s], vip4, a,
                           [opt155(C1, p), opt125(7, nonce)],
                           smac=smac or 0x10 + s)))
        if src is None:
            ex.append(v4(vip4, C1, a, smac=LB_MAC, dmac=mac(2)))

    def short4(p, dcid, s, tuple_=True):
        d = cu(p, short(dcid))
        fi.append((t(), v4(C1, vip4, d, smac=2)))
        ex.append(v4(C1, be4[s], d, [opt155(C1, p)] if tuple_ else None,
                     smac=LB_MAC, dmac=mac(0x10 + s)))

    # 1. two connections: s1 (port 50000), s2 (50001); their Initials
    #    carry the client tuple and a metric request with its nonce
    initial4(50000, 1)
    initial4(50001, 2)
    # 2. each server's Initial comes back with the answer: its SCID is
    #    learned, the packet goes on to the client without the messages
    answer4(50000, 1, long_(0xc0, ccid, scid[1], 100), n4(50000, 0))
    answer4(50001, 2, long_(0xe0, ccid, scid[2], 100), n4(50001, 1))
    # 3. the client's NAT rebinds: short headers to each learned CID from
    #    four new ports go to their server (a hash would split them),
    #    the first packet of each new tuple with the client tuple
    for k in range(4):
        short4(50010 + k, scid[1], 1)
        short4(50020 + k, scid[2], 2)
    short4(50010, scid[1], 1, False)
    # 4. not learned: a wrong nonce (answer_bad_nonce, forwarded), the
    #    same answer from another host's address (drop_forged), and an
    #    accepted answer riding on a short header (nothing to learn)
    initial4(50002, 1)
    answer4(50002, 1, long_(0xc0, ccid, scid[3], 100), n4(50002, 0) ^ 4)
    answer4(50002, 1, long_(0xc0, ccid, scid[3], 100), n4(50002, 0),
            src="10.0.0.3", smac=3)
    initial4(50003, 2)
    answer4(50003, 2, short(ccid), n4(50003, 1))

    # 5. IPv6: the same exchange (headers 27/28/29)
    def initial6(p, s):
        d = cu(p, long_(0xc3, rnd, ccid, 1200))
        fi.append((t(), v6(c6, vip6, d, smac=2)))
        ex.append(v6(c6, be6[s], d, [ext27(c6, p), ext28(n6(p, s - 1))],
                     smac=LB_MAC, dmac=mac(0x20 + s)))

    initial6(51000, 1)
    initial6(51001, 2)
    for p, s, c in ((51000, 1, 1), (51001, 2, 4)):
        a = su(p, long_(0xc0, ccid, scid[c], 100))
        fi.append((t(), v6(be6[s], vip6, a,
                           [ext27(c6, p), ext29(7, n6(p, s - 1))],
                           smac=0x20 + s)))
        ex.append(v6(vip6, c6, a, smac=LB_MAC, dmac=mac(2)))
    for k in range(4):
        for s, c in ((1, 1), (2, 4)):
            d = cu(51010 + 10 * s + k, short(scid[c]))
            fi.append((t(), v6(c6, vip6, d, smac=2)))
            ex.append(v6(c6, be6[s], d, [ext27(c6, 51010 + 10 * s + k)],
                         smac=LB_MAC, dmac=mac(0x20 + s)))
    r.run("quic_learn", cfg, fi, ex, {
        "quic_cid_learned": 4, "quic_cid_routed": 17,
        "quic_sid_routed": 17, "quic_cid_not_learned": 1,
        "answer_accepted": 5, "answer_bad_nonce": 1, "drop_forged": 1,
        "probe_sent": 6})


def quic_crypt(r):
    """Encrypted QUIC-LB connection IDs (quic_lb_key; the draft's test
    vectors): short headers to an encrypted CID reach the server whose
    ID it hides, from any 4-tuple; IPv4 with 7 octets (odd, 3 passes of
    the four-pass decryption), IPv6 with a 10-octet server ID and a
    5-octet nonce (the fourth pass); a flipped bit names no backend."""
    key = "8f95f09245765f80256934e50c66207f"
    cfg = general() + """
[vip qe4]
address = 10.0.0.141
port = 443
proto = quic
mode = maglev
probe_every = 0
quic_lb_config_id = 0
quic_lb_server_id_len = 3
quic_lb_nonce_len = 4
quic_lb_encode_len = yes
quic_lb_key = %s
backend.s1 = 10.0.0.11 quic_sid=ed793a
backend.s2 = 10.0.0.12 quic_sid=000001

[vip qe6]
address = 2001:db8::141
port = 443
proto = quic
mode = maglev
probe_every = 0
quic_lb_config_id = 1
quic_lb_server_id_len = 10
quic_lb_nonce_len = 5
quic_lb_encode_len = yes
quic_lb_key = %s
backend.s1 = 2001:db8::21 quic_sid=000000000000000000aa
backend.s2 = 2001:db8::22 quic_sid=ed793a51d49b8f5fab65
""" % (key, key)
    vip4, vip6, c6 = "10.0.0.141", "2001:db8::141", "2001:db8::2"
    cid4 = bytes.fromhex("0720b1d07b359d3c")       # sid ed793a: s1
    cid6 = bytes.fromhex("2fcc381bc74cb4fbad2823a3d1f8fed2")   # s2
    t = Clock()
    fi, ex = [], []

    def short(dcid, n=40):
        return bytes([0x41]) + dcid + b"q" * n

    def cu(sport, payload):
        return UDP(sport=sport, dport=443) / Raw(payload)

    for k in range(4):
        d = cu(50100 + k, short(cid4))
        fi.append((t(), v4(C1, vip4, d, smac=2)))
        ex.append(v4(C1, S1, d, [opt155(C1, 50100 + k)], smac=LB_MAC,
                     dmac=mac(0x11)))
        d = cu(50200 + k, short(cid6))
        fi.append((t(), v6(c6, vip6, d, smac=2)))
        ex.append(v6(c6, "2001:db8::22", d, [ext27(c6, 50200 + k)],
                     smac=LB_MAC, dmac=mac(0x22)))
    # the second packet of a tuple: its flow, no tuple option
    d = cu(50100, short(cid4))
    fi.append((t(), v4(C1, vip4, d, smac=2)))
    ex.append(v4(C1, S1, d, smac=LB_MAC, dmac=mac(0x11)))
    # one ciphertext bit flipped: another server ID, of no backend
    bad = bytearray(cid4)
    bad[3] ^= 0x10
    d = cu(50110, short(bytes(bad)))
    fi.append((t(), v4(C1, vip4, d, smac=2)))
    ex.append(Alt("bad", {s: v4(C1, {1: S1, 2: S2}[s], d,
                                [opt155(C1, 50110)], smac=LB_MAC,
                                dmac=mac(0x10 + s)) for s in (1, 2)}))
    r.run("quic_crypt", cfg, fi, ex, {
        "quic_sid_routed": 9, "quic_sid_unknown": 1})


def expiry_and_flood(r):
    """Timeouts follow the capture's clock; a SYN flood past the table's
    capacity neither evicts nor moves an established flow."""
    cfg = general(cap=32, est=2) + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
"""
    t = Clock()
    fi, ex = [], []

    def alt(g, src, port, l4, opts):
        return Alt(g, {b: v4(src, d, l4, opts, smac=LB_MAC,
                             dmac=mac(0x10 + b))
                       for b, d in ((1, S1), (2, S2))})
    # eight established flows
    for k in range(8):
        p = 42000 + k
        fi.append((t(), v4(C1, VIP4, tcp(p, 80, "S"), smac=2)))
        ex.append(alt("e%d" % k, C1, p, tcp(p, 80, "S"), [opt155(C1, p)]))
        fi.append((t(), v4(C1, VIP4, tcp(p, 80, "A", 1001, 1), smac=2)))
        ex.append(alt("e%d" % k, C1, p, tcp(p, 80, "A", 1001, 1), None))
    # a flood of SYNs from one client: 24 fit, the rest go statelessly
    # (consistent hashing, with the tuple on every packet)
    for k in range(120):
        p = 10000 + k
        fi.append((t(0.0001), v4(C2, VIP4, tcp(p, 80, "S"), smac=3)))
        ex.append(alt("f%d" % k, C2, p, tcp(p, 80, "S"), [opt155(C2, p)]))
    # the established flows, 1.5 s later: hits (no tuple), same backend
    t.t += 1.5
    for k in range(8):
        p = 42000 + k
        d = tcp(p, 80, "PA", 1001, 1, b"data")
        fi.append((t(), v4(C1, VIP4, d, smac=2)))
        ex.append(alt("e%d" % k, C1, p, d, None))
    # after the flood's NEW entries are past the 1 s minimum age, new
    # flows evict them
    for k in range(4):
        p = 30000 + k
        fi.append((t(), v4(C2, VIP4, tcp(p, 80, "S"), smac=3)))
        ex.append(alt("n%d" % k, C2, p, tcp(p, 80, "S"), [opt155(C2, p)]))
    # 3 s idle: the established timeout (2 s) has passed, so the next
    # packet is a flow the table does not know: it is offered to its
    # first candidate with the tuple and the recover marker (issue 17;
    # the cookie, and so the header checksum, are the appliance's)
    t.t += 3.0
    d = tcp(42000, 80, "PA", 1005, 1, b"late")
    fi.append((t(), v4(C1, VIP4, d, smac=2)))
    ex.append(Alt("late", {b: Masked(v4(C1, dd, d, [opt155(C1, 42000),
                                                     opt158(0, 2)],
                                        smac=LB_MAC, dmac=mac(0x10 + b)),
                                     [(24, 2), (46, 4)])
                           for b, dd in ((1, S1), (2, S2))}))
    groups, st = r.run("expiry_and_flood", cfg, fi, ex, {
        "flow_midstream": 1, "tx_backend": len(fi)})
    r.check(st.get("flow_table_full", 0) >= 80,
            "expiry_and_flood: the flood filled the table and went on "
            "statelessly (%d)" % st.get("flow_table_full", 0))
    r.check(st.get("flows.evictions_new", 0) >= 4,
            "expiry_and_flood: new flows evict old SYN-only entries (%d)" %
            st.get("flows.evictions_new", 0))


def malformed(r):
    cfg = general() + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
backend.s1 = 2001:db8::11
"""
    t = Clock()
    fi = []
    good = v4(C1, VIP4, tcp(40000, 80, "S"), smac=2)
    # truncated IPv4 header; truncated TCP header
    fi.append((t(), good[:14 + 12]))
    fi.append((t(), good[:14 + 20 + 8]))
    # an option with length 1; option 155 of the wrong length
    bad = bytearray(v4(C1, VIP4, tcp(40000, 80, "S"),
                       [IP().options or opt124()], smac=2))
    bad[14 + 21] = 1
    fi.append((t(), bytes(bad)))
    fi.append((t(), v4(C1, VIP4, tcp(40000, 80, "S"),
                       [__import__("scapy.all").all.IPOption(
                           b"\x9b\x04\x01\x02")], smac=2)))
    # a wrong IPv4 header checksum
    bad = bytearray(good)
    bad[14 + 10] ^= 0xff
    fi.append((t(), bytes(bad)))
    # fragments: a first fragment and a later one are forwarded (the
    # later one where the first went: scenario fragments)
    fi.append((t(), bytes(Ether(src=mac(2), dst=LB_MAC) /
                          IP(src=C1, dst=VIP4, flags="MF") /
                          tcp(40000, 80, "S") / Raw(b"x" * 16))))
    fi.append((t(), bytes(Ether(src=mac(2), dst=LB_MAC) /
                          IP(src=C1, dst=VIP4, frag=3, proto=6) /
                          Raw(b"x" * 16))))
    frag_out = [bytes(Ether(src=LB_MAC, dst=mac(0x11)) /
                      IP(src=C1, dst=S1, flags="MF") /
                      tcp(40000, 80, "S") / Raw(b"x" * 16)),
                bytes(Ether(src=LB_MAC, dst=mac(0x11)) /
                      IP(src=C1, dst=S1, frag=3, proto=6) /
                      Raw(b"x" * 16))]
    # IPv6: SRH with Segments Left beyond Last Entry
    c, vip = "2001:db8::2", "2001:db8::100"
    bad = bytearray(v6(c, vip, tcp(40000, 80, "S"),
                       [srh([c, vip], first=1)], smac=2))
    bad[14 + 40 + 3] = 5
    fi.append((t(), bytes(bad)))
    # IPv6 payload length past the frame
    bad = bytearray(v6(c, vip, tcp(40000, 80, "S"), smac=2))
    bad[14 + 5] = 200
    fi.append((t(), bytes(bad)))
    # header 27 of the wrong length
    fi.append((t(), v6(c, vip, tcp(40000, 80, "S"),
                       [(27, bytes([0]) + b"\0" * 5)], smac=2)))
    # not IP at all; unicast for another MAC
    fi.append((t(), bytes(Ether(src=mac(2), dst=LB_MAC, type=0x88cc) /
                          Raw(b"\0" * 46))))
    fi.append((t(), v4(C1, VIP4, tcp(40000, 80, "S"), smac=2,
                       dmac="02:00:00:00:00:77")))
    # a good packet still goes through after all that
    fi.append((t(), good))
    ex = frag_out + [v4(C1, S1, tcp(40000, 80, "S"), [opt155(C1, 40000)],
                        smac=LB_MAC, dmac=mac(0x11))]
    r.run("malformed", cfg, fi, ex, {
        "drop_malformed": 7, "drop_ipv4_csum": 1, "drop_fragment": 0,
        "drop_not_ip": 1, "drop_l2_other": 1, "tx_backend": 3,
        "frag_first": 1, "frag_cached": 1,
        "wire.ERR_TRUNCATED": 1, "wire.ERR_IPV4_TOTAL_LEN": 1,
        "wire.ERR_IPV4_OPT_LEN": 1,
        "wire.ERR_IPV4_OPT_FORMAT": 1,
        "wire.ERR_SRH_SEGLEFT": 1, "wire.ERR_IPV6_PAYLOAD_LEN": 1,
        "wire.ERR_IP6EXT_FORMAT": 1})


def ports_config():
    return general().replace("""[port wire]
dev = net_pcap0
role = both
ipv4 = 10.0.0.1/24
ipv6 = 2001:db8::1/64
""", """[port lan]
dev = net_pcap0
role = client
ipv4 = 192.0.2.1/24
ipv6 = 2001:db8:c::1/64

[port srv]
dev = net_pcap1
role = server
ipv4 = 10.0.0.1/24
ipv6 = 2001:db8::1/64
""").replace("[neighbours]\n", "[neighbours]\n192.0.2.7 = 02:00:00:00:00:07\n"
             "2001:db8:c::7 = 02:00:00:00:00:07\n")


def ports(r):
    """Trust by port role: feedback and stickiness only from the server
    side, client traffic only from the client side."""
    cfg = ports_config() + """
[vip web4]
address = 192.0.2.100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s1 = 10.0.0.11
"""
    c, vip = "192.0.2.7", "192.0.2.100"
    syn = tcp(40000, 80, "S")
    lan = [(1.0, v4(c, vip, syn, smac=7)),
           # an answer arriving from the client side: forged
           (1.1, v4(S1, vip, syn, [opt155(c, 40000), opt125(0)], smac=7)),
           # a stickiness message from the client side
           (1.2, v6("2001:db8:c::7", sid("2001:db8:ff::", CS), syn,
                    [srh(["2001:db8:a1::", sid("2001:db8:ff::", CS),
                          "2001:db8:c::7"])], final_dst="2001:db8:c::7",
                    smac=7))]
    srv = [  # a plain client packet to the VIP from the server side
           (1.0, v4(c, vip, syn, smac=0x11, dmac="02:70:63:61:70:01"))]
    exp = {1: [v4(c, S1, syn, [opt155(c, 40000)], smac="02:70:63:61:70:01",
                  dmac=mac(0x11))]}
    r.run("ports", cfg.replace("LB_MAC", LB_MAC), {0: lan, 1: srv}, exp, {
        "tx_backend": 1, "drop_forged": 1, "drop_wrong_port": 1,
        "drop_server_plain": 1})


def server_router(r):
    """Two-armed: on a server-only port a backend's answer may also come
    through a router of that side (a static route's next hop: servers
    send towards the VIP through their default router), never from any
    other host of the segment (issue 16)."""
    cfg = ports_config() + """
[vip web4]
address = 192.0.2.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.s1 = 10.0.0.11
"""
    c, vip, srv_mac = "192.0.2.7", "192.0.2.100", "02:70:63:61:70:01"
    syn = tcp(40000, 80, "S")
    sa = tcp(80, 40000, "SA", 9000, 1001)
    ack = tcp(40000, 80, "A", 1001, 9001)
    lan = [(1.0, v4(c, vip, syn, smac=7)), (1.3, v4(c, vip, ack, smac=7))]
    srv = [  # from another host of the server segment: refused
           (1.1, v4(S1, vip, sa, [opt155(c, 40000), opt125(1)], smac=0x99,
                    dmac=srv_mac)),
           # through router 10.0.0.254 (static route next hop): taken
           (1.2, v4(S1, vip, sa, [opt155(c, 40000), opt125(5)], smac=0xfe,
                    dmac=srv_mac))]
    exp = {0: [v4(vip, c, sa, smac=LB_MAC, dmac=mac(7))],
           1: [v4(c, S1, syn, [opt155(c, 40000), opt124()], smac=srv_mac,
                  dmac=mac(0x11)),
               v4(c, S1, ack, [opt124()], smac=srv_mac, dmac=mac(0x11))]}
    r.run("server_router", cfg, {0: lan, 1: srv}, exp, {
        "drop_forged_mac": 1, "answer_accepted": 1})


def resolve(r):
    """Next hops without a static entry: the packet that needs one is held
    (RFC 4861 §7.2.2) while the ARP request / neighbour solicitation goes
    out in a buffer of its own (at most one per next hop per 200 ms); the
    answer is learned and the held packets leave first, in order, then
    the next ones. A next hop that never answers is asked again every
    200 ms while packets wait, and they are dropped after 1 s."""
    cfg = general().replace("10.0.0.11 = 02:00:00:00:00:11\n", "") \
        .replace("2001:db8::11 = 02:00:00:00:00:11\n", "") + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s1 = 10.0.0.11

[vip dead4]
address = 10.0.0.100
port = 81
mode = dsr-feedback
probe_every = 0
backend.s3 = 10.0.0.13

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s1 = 2001:db8::11
"""

    def arp_req(ip):
        req = bytes(Ether(src=LB_MAC, dst="ff:ff:ff:ff:ff:ff") /
                    ARP(op=1, hwsrc=LB_MAC, psrc="10.0.0.1",
                        hwdst="00:00:00:00:00:00", pdst=ip))
        return req + b"\0" * (60 - len(req))

    t = Clock()
    fi, ex = [], []
    syn = tcp(40000, 80, "S")
    to_s1 = v4(C1, S1, syn, [opt155(C1, 40000)], smac=LB_MAC,
               dmac=mac(0x11))
    fi.append((t(), v4(C1, VIP4, syn, smac=2)))           # held
    ex.append(arp_req(S1))
    fi.append((t(0.1), v4(C1, VIP4, syn, smac=2)))       # held, no request
    fi.append((t(), bytes(Ether(src=mac(0x11), dst=LB_MAC) /
                          ARP(op=2, hwsrc=mac(0x11), psrc=S1,
                              hwdst=LB_MAC, pdst="10.0.0.1"))))
    ex += [to_s1, to_s1]                                  # both held, sent
    fi.append((t(), v4(C1, VIP4, syn, smac=2)))
    ex.append(to_s1)
    c6, s6, vip6 = "2001:db8::2", "2001:db8::11", "2001:db8::100"
    to_s6 = v6(c6, s6, syn, [ext27(c6, 40000)], smac=LB_MAC,
               dmac=mac(0x11))
    fi.append((t(), v6(c6, vip6, syn, smac=2)))
    ex.append(bytes(Ether(src=LB_MAC, dst="33:33:ff:00:00:11") /
                    IPv6(src="2001:db8::1", dst="ff02::1:ff00:11",
                         hlim=255) /
                    ICMPv6ND_NS(tgt=s6) /
                    ICMPv6NDOptSrcLLAddr(lladdr=LB_MAC)))
    fi.append((t(), bytes(Ether(src=mac(0x11), dst=LB_MAC) /
                          IPv6(src=s6, dst="2001:db8::1", hlim=255) /
                          ICMPv6ND_NA(tgt=s6, R=0, S=1, O=1) /
                          ICMPv6NDOptDstLLAddr(lladdr=mac(0x11)))))
    ex.append(to_s6)
    fi.append((t(), v6(c6, vip6, syn, smac=2)))
    ex.append(to_s6)
    # s3 never answers: asked at once and again 300 ms later (its
    # packets still held); 1.5 s later both are dropped, unresolved
    syn81 = tcp(40001, 81, "S")
    fi.append((t(0.1), v4(C1, VIP4, syn81, smac=2)))
    ex.append(arp_req("10.0.0.13"))
    fi.append((t(0.3), v4(C1, VIP4, syn81, smac=2)))
    ex.append(arp_req("10.0.0.13"))
    fi.append((t(1.5), v4(C1, VIP4, syn, smac=2)))
    ex.append(to_s1)
    r.run("resolve", cfg, fi, ex, {
        "neigh_request_sent": 4, "neigh_held": 5, "neigh_hold_sent": 3,
        "drop_neigh_unresolved": 2, "neigh_consumed": 2,
        "tx_backend": 6})


def solicit(r):
    """Issue 15, item 7: with neigh_solicit (the default), worker 0
    resolves every next hop ahead of traffic, so that the first SYN to a
    backend after a start is not the packet turned into the ARP request
    (scenario `resolve`: what happens to it without the answer). Here the
    one frame in (a client resolving the port's address) starts the
    capture's clock, and the request for s1 follows it unasked."""
    cfg = general().replace("10.0.0.11 = 02:00:00:00:00:11\n", "") \
        .replace("neigh_solicit = off", "neigh_solicit = on") + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s1 = 10.0.0.11
"""
    t = Clock()
    fi, ex = [], []
    fi.append((t(), bytes(Ether(src=mac(2), dst="ff:ff:ff:ff:ff:ff") /
                          ARP(op=1, hwsrc=mac(2), psrc=C1,
                              pdst="10.0.0.1"))))
    ex.append(bytes(Ether(src=LB_MAC, dst=mac(2)) /
                    ARP(op=2, hwsrc=LB_MAC, psrc="10.0.0.1", hwdst=mac(2),
                        pdst=C1)))
    req = bytes(Ether(src=LB_MAC, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=1, hwsrc=LB_MAC, psrc="10.0.0.1",
                    hwdst="00:00:00:00:00:00", pdst=S1))
    ex.append(req + b"\0" * (60 - len(req)))
    r.run("solicit", cfg, fi, ex, {
        "neigh_solicit_sent": 1, "neigh_request_sent": 0, "tx_neigh": 1})


# A DSR VIP of one server, no metric requests (scenarios workers,
# workers_answers).
WEB4_S1 = """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 10.0.0.11
"""
# Two workers on lcores 0 and 1 (the main lcore shares 0).
TWO_WORKERS = ("--lcores", "0@0,1@1,2@0")


def interleave(per_q):
    """Frames for a port of two queues: frame i goes to queue i % 2, so
    queue q gets per_q[q] (the lists are as long)."""
    return [f for pair in zip(per_q[0], per_q[1]) for f in pair]


def workers(r):
    """Two workers on a port with two queues and no RSS: each computes the
    owner of a flow with the same Toeplitz hash (rte_thash), and packets
    of a flow owned by the other lcore go through its hand-off ring.
    Every flow is whole in one queue; outputs are compared as a set."""
    cfg = general() + WEB4_S1
    t = Clock()
    per_q = {0: [], 1: []}
    ex = []
    for k in range(40):
        p = 43000 + k
        for l4, opts in ((tcp(p, 80, "S"), [opt155(C1, p)]),
                         (tcp(p, 80, "A", 1001, 1), None),
                         (tcp(p, 80, "PA", 1001, 1, b"x" * 10), None)):
            per_q[k % 2].append((t(), v4(C1, VIP4, l4, smac=2)))
            ex.append(v4(C1, S1, l4, opts, smac=LB_MAC, dmac=mac(0x11)))
    fi = interleave(per_q)
    _, st = r.run("workers", cfg, fi, ex, {"flow_new": 40,
                                           "flow_midstream": 0,
                                           "flows.live": 40},
                  queues=2, lcores=TWO_WORKERS)
    r.check(st.get("handoff", 0) > 0,
            "workers: flows owned by the other lcore were handed over "
            "(%d packets)" % st.get("handoff", 0))


def workers_answers(r):
    """Issue 19: two workers, metric answers that reach the lcore that
    does not own their client's flow (queues as in `workers`, no RSS).
    That lcore checks the answer and sends it on to the client itself;
    the owner gets only a note (msg_noted), through its ring,
    and counts the answer there: with no request outstanding
    (probe_every = 0) every answer is unsolicited, whichever lcore got
    it, and only client frames are handed over. (Notes that meet a
    request: tests/unit test_answer_note_to_owner.)"""
    cfg = general() + WEB4_S1
    t = Clock()
    per_q = {0: [], 1: []}
    ex = []
    for k in range(40):
        p = 43000 + k
        syn = tcp(p, 80, "S")
        per_q[k % 2].append((t(), v4(C1, VIP4, syn, smac=2)))
        ex.append(v4(C1, S1, syn, [opt155(C1, p)], smac=LB_MAC,
                     dmac=mac(0x11)))
        ans = tcp(80, p, "SA", 9000, 1001)
        per_q[k % 2].append((t(), v4(S1, VIP4, ans,
                                     [opt155(C1, p), opt125(5)],
                                     smac=0x11)))
        ex.append(v4(VIP4, C1, ans, smac=LB_MAC, dmac=mac(2)))
    fi = interleave(per_q)
    _, st = r.run("workers_answers", cfg, fi, ex,
                  {"flow_new": 40, "tx_backend": 40, "tx_client": 40,
                   "answer_unsolicited": 40, "answer_accepted": 0},
                  queues=2, lcores=TWO_WORKERS)
    r.check(st.get("msg_noted", 0) > 0,
            "workers_answers: answers for the other lcore's flows were "
            "noted to it (%d)" % st.get("msg_noted", 0))
    r.check(st.get("handoff", 0) <= 40,
            "workers_answers: only client frames handed over (%d)" %
            st.get("handoff", 0))


def workers_sticky(r):
    """Issue 19: two workers, 6LB createStickiness messages that reach
    the lcore that does not own their client's flow (queues as in
    `workers`, no RSS). That lcore checks the message and sends it on to
    the client, SRH removed; the owner gets a note (msg_noted) and pins
    the flow. The client's next packet, in the same queue, follows the
    note through the same ring: it is steered to the server the message
    named, whichever lcore got the message."""
    cfg = general() + HUNT6
    c, vip, lb, loc, smac = HUNT6_NAMES
    t = Clock()
    per_q = {0: [], 1: []}
    ex = []
    for k in range(40):
        p, srv = 44000 + k, 1 + (k // 2) % 2
        sa = tcp(80, p, "SA", 9000, 1001)
        segs = [loc[srv], sid(lb, CS), c]
        per_q[k % 2].append((t(), v6(vip, segs[1], sa, [srh(segs)],
                                     final_dst=c, smac=smac[srv])))
        ex.append(v6(vip, c, sa, smac=LB_MAC, dmac=mac(2)))
        data = tcp(p, 80, "PA", 1001, 9001, b"GET /")
        per_q[k % 2].append((t(), v6(c, vip, data, smac=2)))
        segs = [lb, sid(loc[srv], AS), vip]
        ex.append(v6(c, segs[1], data, [srh(segs)], final_dst=vip,
                     smac=LB_MAC, dmac=mac(smac[srv])))
    fi = interleave(per_q)
    _, st = r.run("workers_sticky", cfg, fi, ex,
                  {"stick_create": 40, "hunt_steer": 40, "tx_client": 40,
                   "hunt_recover": 0, "flow_midstream": 0,
                   "vip.hunt6.backend.s1.pinned": 20,
                   "vip.hunt6.backend.s2.pinned": 20},
                  queues=2, lcores=TWO_WORKERS)
    r.check(st.get("msg_noted", 0) > 0,
            "workers_sticky: messages for the other lcore's flows were "
            "noted to it (%d)" % st.get("msg_noted", 0))


def idle_busy(r):
    """Issue 19: idle_sleep_us = 0 is busy polling. The same two frames
    and the same idle time before --idle-exit-ms ends the run: with the
    default back-off the worker sleeps (idle_sleeps > 0), with 0 it never
    does."""
    vip = """
[vip web4]
address = 10.0.0.100
port = 80
mode = maglev
backend.s1 = 10.0.0.11
"""
    frames, ex = [], []
    for k, flags in enumerate(("S", "A")):
        l4 = tcp(45000, 80, flags, 1000 + k, k)
        frames.append((1.0 + k * 0.001, v4(C1, VIP4, l4, smac=2)))
        ex.append(v4(C1, S1, l4, [opt155(C1, 45000)], smac=LB_MAC,
                     dmac=mac(0x11)) if flags == "S" else
                  v4(C1, S1, l4, smac=LB_MAC, dmac=mac(0x11)))
    slept = {}
    for us in (100, 0):
        cfg = general().replace("idle_sleep_us = 100",
                                "idle_sleep_us = %d" % us) + vip
        _, st = r.run("idle_busy_%d" % us, cfg, frames, ex,
                      {"flow_new": 1})
        slept[us] = st.get("idle_sleeps", -1)
    r.check(slept[100] > 0,
            "idle_busy: idle_sleep_us = 100 sleeps when idle (%d sleeps)"
            % slept[100])
    r.check(slept[0] == 0,
            "idle_busy: idle_sleep_us = 0 never sleeps (%d sleeps)"
            % slept[0])


def spoof(r):
    """Issue 16: a client of the one-armed default configuration forges
    answers with a backend's source address, its own tuple and score
    65535, from its own MAC; a server message must come from the port
    and the next-hop MAC of the backend it claims (l2 leg: the backend,
    routed leg: its router), or it is dropped and counted by reason."""
    cfg = general() + """
[port side]
dev = net_pcap1
role = both
ipv4 = 10.1.0.1/24

[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.s1 = 10.0.0.11

[vip far4]
address = 10.0.0.102
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.far = 10.9.0.11

[vip dark4]
address = 10.0.0.104
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s3 = 10.0.0.13

[vip hunt6]
address = 2001:db8::200
port = 80
mode = hunt
backend.s1 = 2001:db8::21 locator=2001:db8:a1::
"""
    t = Clock()
    fi, ex = [], []
    side = [(1.5, v4(S1, VIP4, tcp(80, 40001, "SA", 9000, 1001),
                     [opt155(C1, 40001), opt125(65535)], smac=0x11,
                     dmac="02:70:63:61:70:01"))]
    sa = tcp(80, 40000, "SA", 9000, 1001)
    for vip, be, nh, legit in ((VIP4, S1, 0x11, 7), ("10.0.0.102",
                                                      "10.9.0.11", 0xfe, 8)):
        syn = tcp(40000, 80, "S")
        fi.append((t(), v4(C1, vip, syn, smac=2)))
        ex.append(v4(C1, S1 if vip == VIP4 else be, syn,
                     [opt155(C1, 40000), opt124()], smac=LB_MAC,
                     dmac=mac(nh)))
        # the attack: three answers from the client's own MAC
        for _ in range(3):
            fi.append((t(), v4(be, vip, sa,
                               [opt155(C1, 40000), opt125(65535)],
                               smac=2)))
        # the backend's MAC where its router's is expected (routed), or
        # another host's: refused as well
        fi.append((t(), v4(be, vip, sa, [opt155(C1, 40000),
                                         opt125(65535)],
                           smac=0x11 if nh == 0xfe else 0x12)))
        # the real answer still counts
        fi.append((t(), v4(be, vip, sa, [opt155(C1, 40000),
                                         opt125(legit)], smac=nh)))
        ex.append(v4(vip, C1, sa, smac=LB_MAC, dmac=mac(2)))
    # a backend whose next hop is unresolved cannot be vouched for
    fi.append((t(), v4("10.0.0.13", "10.0.0.104", sa,
                       [opt155(C1, 40000), opt125(1)], smac=0x13)))
    # createStickiness with s1's locator from a client's MAC
    c6, vip6, lb = "2001:db8::2", "2001:db8::200", "2001:db8:ff::"
    segs = ["2001:db8:a1::", sid(lb, CS), c6]
    fi.append((t(), v6(vip6, segs[1], tcp(80, 50000, "SA", 1, 1),
                       [srh(segs)], final_dst=c6, smac=2)))
    _, st = r.run("spoof", cfg, {0: fi, 1: side}, {0: ex, 1: []}, {
        "answer_accepted": 2, "answer_unsolicited": 0, "drop_forged_mac": 9,
        "drop_forged_port": 1, "drop_forged_nh": 1, "stick_create": 0})


def full_mtu(r):
    """Issue 15: a probe never costs a packet. A probe on every packet
    (probe_every = 1) and 1500-byte segments at MTU 1500 (the default):
    segments with no room for the request go out as they are, the probe
    stays due and the next packet with room carries it."""
    cfg = general() + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1
backend.s1 = 2001:db8::11
"""
    t = Clock()
    fi, ex = [], []
    c6, vip6, s16 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    n_full = 40
    for fam in (4, 6):
        if fam == 4:
            def cin(l4):
                fi.append((t(), v4(C1, VIP4, l4, smac=2)))

            def out(l4, opts=None):
                ex.append(v4(C1, S1, l4, opts, smac=LB_MAC,
                             dmac=mac(0x11)))
            tup, req, seg = [opt155(C1, 40000)], [opt124()], 1460
            ans = v4(S1, VIP4, tcp(80, 40000, "SA", 7000, 1001),
                     [opt155(C1, 40000), opt125(5)], smac=0x11)
            back = v4(VIP4, C1, tcp(80, 40000, "SA", 7000, 1001),
                      smac=LB_MAC, dmac=mac(2))
        else:
            def cin(l4):
                fi.append((t(), v6(c6, vip6, l4, smac=2)))

            def out(l4, opts=()):
                ex.append(v6(c6, s16, l4, opts or (), smac=LB_MAC,
                             dmac=mac(0x11)))
            tup, req, seg = [ext27(c6, 40000)], [ext28()], 1440
            ans = v6(s16, vip6, tcp(80, 40000, "SA", 7000, 1001),
                     [ext27(c6, 40000), ext29(5)], smac=0x11)
            back = v6(vip6, c6, tcp(80, 40000, "SA", 7000, 1001),
                      smac=LB_MAC, dmac=mac(2))
        # SYN: the tuple and a request; the answer comes back
        syn = tcp(40000, 80, "S")
        cin(syn)
        out(syn, tup + req)
        fi.append((t(), ans))
        ex.append(back)
        # 1500-byte segments (IP total length = the MTU): a probe is due
        # on each, none has room; every one goes out, unchanged
        for k in range(n_full):
            d = tcp(40000, 80, "A", 1001 + k * seg, 7001, b"x" * seg)
            cin(d)
            out(d)
        # the first packet with room takes the due probe
        a = tcp(40000, 80, "A", 1001 + n_full * seg, 7001, b"y" * 10)
        cin(a)
        out(a, req)
        # the backend owes that answer: the next full-size segments are
        # held back by the scheduler (one outstanding probe), not by room
        for k in range(3):
            d = tcp(40000, 80, "A", 1011 + (n_full + k) * seg, 7001,
                    b"z" * seg)
            cin(d)
            out(d)
    r.run("full_mtu", cfg, fi, ex, {
        "tx_backend": 2 * (n_full + 5), "tx_client": 2, "drop_mtu": 0,
        "probe_sent": 4, "probe_deferred": 2 * n_full,
        "answer_accepted": 2, "vip.web4.backend.s1.probes": 2,
        "vip.web6.backend.s1.probes": 2})


def icmp(r):
    """Issue 15, ICMP: echo requests to our addresses answered (to VIPs
    only with icmp_echo_vip); errors quoting a VIP flow sent on to the
    flow's server (routed by the quote, reversed); client packets our
    addition would take past the MTU answered with fragmentation needed /
    packet too big announcing the MTU that leaves room (rate-limited)."""
    from scapy.all import ICMP, ICMPv6EchoRequest, ICMPv6EchoReply, \
        ICMPv6PacketTooBig
    vips = """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 2001:db8::11

[vip l2v]
address = 10.0.0.103
port = 80
mode = dsr-feedback
auth = no
leg = l2
probe_every = 0
backend.s2 = 10.0.0.12

[vip hunt6]
address = 2001:db8::200
port = 80
mode = hunt
backend.s1 = 2001:db8::21 locator=2001:db8:a1::
backend.s2 = 2001:db8::22 locator=2001:db8:a2::
"""
    c6, vip6, s16 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    R4, R6 = "10.0.0.254", "2001:db8::fe"

    def eth(dmac, smac):
        return Ether(src=smac, dst=dmac)

    t = Clock()
    fi, ex = [], []
    # 1. echo to our port address (v4, v6): answered to the sender
    e4 = IP(src=C1, dst="10.0.0.1", ttl=5, id=77) / \
        ICMP(type=8, id=9, seq=1) / Raw(b"ping4")
    fi.append((t(), bytes(eth(LB_MAC, mac(2)) / e4)))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IP(src="10.0.0.1", dst=C1, ttl=64, id=77) /
                    ICMP(type=0, id=9, seq=1) / Raw(b"ping4")))
    e6 = IPv6(src=c6, dst="2001:db8::1", hlim=5) / \
        ICMPv6EchoRequest(id=9, seq=2, data=b"ping6")
    fi.append((t(), bytes(eth(LB_MAC, mac(2)) / e6)))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IPv6(src="2001:db8::1", dst=c6, hlim=64) /
                    ICMPv6EchoReply(id=9, seq=2, data=b"ping6")))
    # 2. echo to a VIP: not answered (icmp_echo_vip = no)
    fi.append((t(), bytes(eth(LB_MAC, mac(2)) /
                          IP(src=C1, dst=VIP4) / ICMP(type=8))))
    # 3. flows of C1 (v4) and c6 (v6), then a router on the client side
    #    reports the servers' replies too big: the errors go to s1, to its
    #    address for the VIP (routed leg), the quote untouched
    syn = tcp(40000, 80, "S")
    fi.append((t(), v4(C1, VIP4, syn, smac=2)))
    ex.append(v4(C1, S1, syn, [opt155(C1, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    fi.append((t(), v6(c6, vip6, syn, smac=2)))
    ex.append(v6(c6, s16, syn, [ext27(c6, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    q4 = IP(src=VIP4, dst=C1, flags="DF", id=5) / \
        tcp(80, 40000, "PA", 7001, 1001, b"r" * 40)
    err4 = IP(src=R4, dst=VIP4, ttl=60, id=3) / \
        ICMP(type=3, code=4, nexthopmtu=1400) / Raw(bytes(q4)[:48])
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) / err4)))
    ex.append(bytes(eth(mac(0x11), LB_MAC) /
                    IP(src=R4, dst=S1, ttl=60, id=3) /
                    ICMP(type=3, code=4, nexthopmtu=1400) /
                    Raw(bytes(q4)[:48])))
    q6 = IPv6(src=vip6, dst=c6) / tcp(80, 40000, "PA", 7001, 1001,
                                      b"r" * 40)
    err6 = IPv6(src=R6, dst=vip6, hlim=60) / \
        ICMPv6PacketTooBig(mtu=1400) / Raw(bytes(q6))
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) / err6)))
    ex.append(bytes(eth(mac(0x11), LB_MAC) /
                    IPv6(src=R6, dst=s16, hlim=60) /
                    ICMPv6PacketTooBig(mtu=1400) / Raw(bytes(q6))))
    # 4. an error about a flow not in the table: by consistent hashing,
    #    where its packets would go (one backend: s1)
    q4b = IP(src=VIP4, dst=C2) / tcp(80, 41000, "A", 1, 1)
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) /
                          IP(src=R4, dst=VIP4, id=4) /
                          ICMP(type=11, code=0) / Raw(bytes(q4b)[:28]))))
    ex.append(bytes(eth(mac(0x11), LB_MAC) / IP(src=R4, dst=S1, id=4) /
                    ICMP(type=11, code=0) / Raw(bytes(q4b)[:28])))
    # 5. the L2 leg: the VIP is kept, to the backend's MAC
    q4c = IP(src="10.0.0.103", dst=C1) / tcp(80, 40000, "A", 1, 1)
    l2e = IP(src=R4, dst="10.0.0.103", id=6) / \
        ICMP(type=3, code=4, nexthopmtu=1300) / Raw(bytes(q4c)[:28])
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) / l2e)))
    ex.append(bytes(eth(mac(0x12), LB_MAC) / l2e))
    # 6. errors that quote no VIP flow: the quote's source is not the
    #    VIP the error is sent to; the quote stops before the ports
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) /
                          IP(src=R4, dst=VIP4) / ICMP(type=3, code=1) /
                          Raw(bytes(IP(src=C2, dst=C1) /
                                    tcp(80, 1, "A"))[:28]))))
    fi.append((t(), bytes(eth(LB_MAC, mac(0xfe)) /
                          IP(src=R4, dst=VIP4) / ICMP(type=3, code=1) /
                          Raw(bytes(q4)[:22]))))
    # 7. a 1500-byte SYN with DF (TCP Fast Open data): no room for the
    #    tuple; a fragmentation needed for MTU 1500 - 8 comes back from
    #    the VIP, quoting the SYN as it came (576 bytes in all)
    big = tcp(40001, 80, "S", 1, 0, b"d" * 1460)
    bsyn = v4(C1, VIP4, big, smac=2)
    fi.append((t(), bsyn))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IP(src=VIP4, dst=C1, tos=0xc0, ttl=64, id=0) /
                    ICMP(type=3, code=4, nexthopmtu=1492) /
                    Raw(bsyn[14:14 + 548])))
    #    without DF: dropped (we do not fragment)
    nodf = bytes(Ether(src=mac(2), dst=LB_MAC) /
                 IP(src=C1, dst=VIP4, ttl=64, id=1) /
                 tcp(40002, 80, "S", 1, 0, b"d" * 1460))
    fi.append((t(), nodf))
    # 8. IPv6: packet too big for 1500 - 24, quoting 1232 bytes
    bsyn6 = v6(c6, vip6, tcp(40001, 80, "S", 1, 0, b"d" * 1440), smac=2)
    fi.append((t(), bsyn6))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IPv6(src=vip6, dst=c6, hlim=64) /
                    ICMPv6PacketTooBig(mtu=1476) /
                    Raw(bsyn6[14:14 + 1232])))
    # 9. hunt (SRv6): room for the longest SRH, 72 bytes
    hvip = "2001:db8::200"
    hsyn = v6(c6, hvip, tcp(40003, 80, "S", 1, 0, b"d" * 1440), smac=2)
    fi.append((t(), hsyn))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IPv6(src=hvip, dst=c6, hlim=64) /
                    ICMPv6PacketTooBig(mtu=1428) /
                    Raw(hsyn[14:14 + 1232])))
    # 10. the same SYN again at once: the bucket (icmp_rate = 30: 3 at
    #     once) is empty; dropped and counted
    fi.append((t(0.0001), bsyn))
    fi.append((t(0.0001), bsyn))
    cfg = general().replace("[general]\n",
                            "[general]\nicmp_rate = 30\n") + vips
    r.run("icmp", cfg, fi, ex, {
        "tx_icmp_echo": 2, "tx_icmp_backend": 4, "tx_icmp_too_big": 3,
        "drop_icmp": 3, "drop_mtu": 3, "icmp_rate_limited": 2,
        "icmp_stateless": 2, "tx_backend": 2})
    # icmp_echo_vip = yes: VIPs answer pings
    t = Clock()
    fi, ex = [], []
    fi.append((t(), bytes(eth(LB_MAC, mac(2)) /
                          IP(src=C1, dst=VIP4, id=8) / ICMP(type=8, id=1))))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IP(src=VIP4, dst=C1, ttl=64, id=8) /
                    ICMP(type=0, id=1)))
    fi.append((t(), bytes(eth(LB_MAC, mac(2)) / IPv6(src=c6, dst=vip6) /
                          ICMPv6EchoRequest(id=3, data=b"x"))))
    ex.append(bytes(eth(mac(2), LB_MAC) / IPv6(src=vip6, dst=c6) /
                    ICMPv6EchoReply(id=3, data=b"x")))
    cfg = general().replace("[general]\n",
                            "[general]\nicmp_echo_vip = yes\n") + vips
    r.run("icmp_echo_vip", cfg, fi, ex, {"tx_icmp_echo": 2})
    # the path MTU shrinks inside the farm (port mtu 1400): a client
    # packet too big as it is gets the router's answer, MTU 1400
    t = Clock()
    fi, ex = [], []
    fi.append((t(), v4(C1, VIP4, syn, smac=2)))
    ex.append(v4(C1, S1, syn, [opt155(C1, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    d = v4(C1, VIP4, tcp(40000, 80, "A", 1001, 1, b"q" * 1410), smac=2)
    fi.append((t(), d))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IP(src=VIP4, dst=C1, tos=0xc0, ttl=64, id=0) /
                    ICMP(type=3, code=4, nexthopmtu=1400) /
                    Raw(d[14:14 + 548])))
    ok = tcp(40000, 80, "A", 1001, 1, b"q" * 1360)
    fi.append((t(), v4(C1, VIP4, ok, smac=2)))
    ex.append(v4(C1, S1, ok, smac=LB_MAC, dmac=mac(0x11)))
    d6 = v6(c6, vip6, tcp(40000, 80, "S", 1, 0, b"q" * 1400), smac=2)
    fi.append((t(), d6))
    ex.append(bytes(eth(mac(2), LB_MAC) /
                    IPv6(src=vip6, dst=c6, hlim=64) /
                    ICMPv6PacketTooBig(mtu=1400) / Raw(d6[14:14 + 1232])))
    cfg = general().replace("role = both\n", "role = both\nmtu = 1400\n") \
        + vips
    r.run("icmp_small_mtu", cfg, fi, ex, {"tx_icmp_too_big": 2,
                                          "tx_backend": 2})


def fragments(r):
    """Issue 15, fragments (IPv4, IPv6) forwarded without reassembly: the
    first by its flow (no tuple: it cannot grow), later ones where the
    first went (a per-lcore cache keyed by source, destination, protocol
    and identification), or by a (source, destination, protocol) hash
    when the first was not seen; an IPv6 atomic fragment (RFC 6946) is a
    whole packet (the tuple after the Fragment header)."""
    cfg = general() + """
[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 2001:db8::11

[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
"""
    c, vip, s1 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    t = Clock()
    fi, ex = [], []

    def frag(off=0, m=0, ident=0x1234):
        return (44, b"\0" + struct.pack("!HI", off << 3 | m, ident))

    # IPv6 atomic fragment: a whole packet
    syn = tcp(40000, 80, "S")
    fi.append((t(), v6(c, vip, syn, [frag()], smac=2)))
    ex.append(v6(c, s1, syn, [frag(), ext27(c, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    # IPv6: first fragment (M = 1) with its flow, then a later one
    syn2 = tcp(40001, 80, "S") / Raw(b"y" * 16)
    fi.append((t(), v6(c, vip, syn2, [frag(0, 1, 7)], smac=2)))
    ex.append(v6(c, s1, syn2, [frag(0, 1, 7)], smac=LB_MAC,
                 dmac=mac(0x11)))
    later6 = bytes([6]) + b"\0" + struct.pack("!HI", 3 << 3, 7) + \
        b"x" * 16

    def v6raw(src, dst, body, smac, dmac):
        return bytes(Ether(src=smac, dst=dmac) /
                     IPv6(src=src, dst=dst, nh=44, plen=len(body))) + body
    fi.append((t(), v6raw(c, vip, later6, mac(2), LB_MAC)))
    ex.append(v6raw(c, s1, later6, LB_MAC, mac(0x11)))
    # IPv4: the first fragment picks a backend (two: whichever), the
    # later one follows it
    first = IP(src=C1, dst=VIP4, id=0x55, flags="MF") / \
        tcp(40002, 80, "S") / Raw(b"z" * 16)
    fi.append((t(), bytes(Ether(src=mac(2), dst=LB_MAC) / first)))
    choice = {}
    later = {}
    for n, (sa, ma) in {1: (S1, 0x11), 2: (S2, 0x12)}.items():
        choice[n] = bytes(Ether(src=LB_MAC, dst=mac(ma)) /
                          IP(src=C1, dst=sa, id=0x55, flags="MF") /
                          tcp(40002, 80, "S") / Raw(b"z" * 16))
        later[n] = bytes(Ether(src=LB_MAC, dst=mac(ma)) /
                         IP(src=C1, dst=sa, id=0x55, frag=3, proto=6) /
                         Raw(b"w" * 16))
    ex.append(Alt("f4", choice))
    fi.append((t(), bytes(Ether(src=mac(2), dst=LB_MAC) /
                          IP(src=C1, dst=VIP4, id=0x55, frag=3, proto=6) /
                          Raw(b"w" * 16))))
    ex.append(Alt("f4", later))
    # a later fragment whose first was not seen: by the 3-tuple hash
    # (either backend, then the same one for the next such fragment)
    orphan = {}
    for n, (sa, ma) in {1: (S1, 0x11), 2: (S2, 0x12)}.items():
        orphan[n] = bytes(Ether(src=LB_MAC, dst=mac(ma)) /
                          IP(src=C2, dst=sa, id=0x99, frag=9, proto=6) /
                          Raw(b"v" * 8))
    for _ in range(2):
        fi.append((t(), bytes(Ether(src=mac(3), dst=LB_MAC) /
                              IP(src=C2, dst=VIP4, id=0x99, frag=9,
                                 proto=6) / Raw(b"v" * 8))))
        ex.append(Alt("orphan", orphan))
    # a later fragment of a protocol no VIP of that address serves
    fi.append((t(), bytes(Ether(src=mac(3), dst=LB_MAC) /
                          IP(src=C2, dst=VIP4, id=0x98, frag=9,
                             proto=17) / Raw(b"v" * 8))))
    r.run("fragments", cfg, fi, ex, {
        "tx_backend": 7, "drop_fragment": 1, "drop_malformed": 0,
        "frag_first": 2, "frag_cached": 2, "frag_3tuple": 2})


def martians(r):
    """Issue 15: martian sources (RFC 1812 5.3.7), land packets (source =
    the VIP) and source port 0 are dropped and counted, IPv4 and IPv6;
    a SYN on a tuple held as ESTABLISHED (after a mid-stream ACK) carries
    the client tuple."""
    cfg = general() + """
; maglev: a mid-stream packet of an unknown flow goes by the hash
; (dsr-feedback would offer it for recovery, issue 17)
[vip web4]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = maglev
auth = no
probe_every = 0
backend.s1 = 2001:db8::11
"""
    c6, vip6, s16 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    t = Clock()
    fi, ex = [], []
    syn = tcp(40000, 80, "S")
    for src in ("0.0.0.0", "127.0.0.1", "224.0.0.5", "255.255.255.255",
                VIP4):
        fi.append((t(), v4(src, VIP4, syn, smac=2)))
    fi.append((t(), v4(C1, VIP4, tcp(0, 80, "S"), smac=2)))
    for src in ("::", "::1", "ff02::1", "::ffff:10.0.0.2", vip6):
        fi.append((t(), v6(src, vip6, syn, smac=2)))
    # a mid-stream ACK of an unknown flow (tuple: first packet seen),
    # then a SYN on that tuple: the tuple again
    ack = tcp(40005, 80, "A", 100, 200)
    fi.append((t(), v4(C1, VIP4, ack, smac=2)))
    ex.append(v4(C1, S1, ack, [opt155(C1, 40005)], smac=LB_MAC,
                 dmac=mac(0x11)))
    ack2 = tcp(40005, 80, "A", 100, 300)
    fi.append((t(), v4(C1, VIP4, ack2, smac=2)))
    ex.append(v4(C1, S1, ack2, smac=LB_MAC, dmac=mac(0x11)))
    syn5 = tcp(40005, 80, "S", 5000)
    fi.append((t(), v4(C1, VIP4, syn5, smac=2)))
    ex.append(v4(C1, S1, syn5, [opt155(C1, 40005)], smac=LB_MAC,
                 dmac=mac(0x11)))
    fi.append((t(), v6(c6, vip6, ack, smac=2)))
    ex.append(v6(c6, s16, ack, [ext27(c6, 40005)], smac=LB_MAC,
                 dmac=mac(0x11)))
    fi.append((t(), v6(c6, vip6, syn5, smac=2)))
    ex.append(v6(c6, s16, syn5, [ext27(c6, 40005)], smac=LB_MAC,
                 dmac=mac(0x11)))
    r.run("martians", cfg, fi, ex, {
        "drop_martian": 11, "tx_backend": 5, "flow_new": 2})


def options_full(r):
    """Issue 15: a client whose IPv4 options area is full (Record Route,
    40 bytes) has no room for the client tuple: its SYN is refused and
    counted, and no flow is kept, so its next packet is a first packet
    again (with the tuple), never one sent without it."""
    cfg = general() + """
; maglev: a mid-stream packet of an unknown flow goes by the hash
; (dsr-feedback would offer it for recovery, issue 17)
[vip web4]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11
"""
    t = Clock()
    fi, ex = [], []
    rr = IPOption(b"\x07\x27\x04" + b"\0" * 36 + b"\0")
    syn = tcp(40000, 80, "S")
    fi.append((t(), v4(C1, VIP4, syn, [rr], smac=2)))
    fi.append((t(), v4(C1, VIP4, syn, [rr], smac=2)))
    ack = tcp(40000, 80, "A", 1001, 1)
    fi.append((t(), v4(C1, VIP4, ack, smac=2)))
    ex.append(v4(C1, S1, ack, [opt155(C1, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    r.run("options_full", cfg, fi, ex, {
        "drop_tuple_full": 2, "wire.ERR_IPV4_OPT_FULL": 2,
        "drop_malformed": 0, "flow_midstream": 1, "flows.live": 1,
        "tx_backend": 1})


def jumbo(r):
    """Issue 15: with a port MTU of 9000 the mbufs hold a whole jumbo
    frame (no chains, which the data path refuses as drop_chained): a
    9000-byte segment and an 8040-byte SYN that gets the tuple go
    through, IPv4 and IPv6."""
    cfg = general().replace("role = both\n", "role = both\nmtu = 9000\n") \
        + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 10.0.0.11

[vip web6]
address = 2001:db8::100
port = 80
mode = dsr-feedback
auth = no
probe_every = 0
backend.s1 = 2001:db8::11
"""
    c6, vip6, s16 = "2001:db8::2", "2001:db8::100", "2001:db8::11"
    t = Clock()
    fi, ex = [], []
    syn = tcp(40000, 80, "S", 1, 0, b"s" * 8000)
    fi.append((t(), v4(C1, VIP4, syn, smac=2)))
    ex.append(v4(C1, S1, syn, [opt155(C1, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    big = tcp(40000, 80, "A", 8002, 1, b"j" * 8960)
    fi.append((t(), v4(C1, VIP4, big, smac=2)))
    ex.append(v4(C1, S1, big, smac=LB_MAC, dmac=mac(0x11)))
    fi.append((t(), v6(c6, vip6, syn, smac=2)))
    ex.append(v6(c6, s16, syn, [ext27(c6, 40000)], smac=LB_MAC,
                 dmac=mac(0x11)))
    big6 = tcp(40000, 80, "A", 8002, 1, b"j" * 8940)
    fi.append((t(), v6(c6, vip6, big6, smac=2)))
    ex.append(v6(c6, s16, big6, smac=LB_MAC, dmac=mac(0x11)))
    r.run("jumbo", cfg, fi, ex, {"tx_backend": 4, "drop_chained": 0,
                                 "drop_mtu": 0})


def flow_memory(r):
    """Issue 19: each worker's flow table comes from the EAL's memory on
    its lcore's NUMA node; a table the EAL cannot hold (5 M flows, 300 MB,
    with a fixed 256 MB: --no-huge -m 256) goes on ordinary pages, the
    start-up says so, and the appliance forwards as with any table. The
    port line names who checks IPv4 header checksums (net_pcap offers no
    such offload: dsrlb)."""
    vip = """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
auth = no
probe_every = 1000
backend.s1 = 10.0.0.11
"""
    syn, ack = tcp(40000, 80, "S"), tcp(40000, 80, "A", 1001, 7001)
    fi = [(1.001, v4(C1, VIP4, syn, smac=2)),
          (1.002, v4(C1, VIP4, ack, smac=2))]
    ex = [v4(C1, S1, syn, [opt155(C1, 40000)], smac=LB_MAC,
             dmac=mac(0x11)),
          v4(C1, S1, ack, smac=LB_MAC, dmac=mac(0x11))]
    fixed = ["--no-huge", "--no-shconf", "-m", "256"]
    for name, cap, big in (("flow_memory_eal", 1024, False),
                           ("flow_memory_big", 5000000, True)):
        r.run(name, general(cap=cap) + vip, fi, ex,
              counters={"flow_new": 1, "tx_backend": 2},
              mem=fixed if big else None)
        with open(os.path.join(r.workdir, name, "log")) as f:
            log = f.read()
        said = "no %d bytes of EAL memory" % (cap * 60) in log
        r.check(said == big, "%s: %d flows: the table %s" %
                (name, cap, "on ordinary pages, and the start-up says so"
                 if big else "in the EAL's memory (nothing said)"))
        r.check("IPv4 checksums checked by dsrlb" in log,
                "%s: the port line: IPv4 checksums checked by dsrlb" % name)


def recover_marker(frame):
    """(destination, index, count, cookie) of an offer (option 158)."""
    ihl = (frame[14] & 0x0f) * 4
    i = 14 + 20
    while i < 14 + ihl:
        kind = frame[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if kind == 0x9e:
            return (socket.inet_ntoa(frame[30:34]), frame[i + 2],
                    frame[i + 3], struct.unpack("!I", frame[i + 4:i + 8])[0])
        i += frame[i + 1]
    return None


def recover(r):
    """Issue 17: a mid-stream packet of a flow the appliance does not
    know is offered to the flow's d = 2 candidates in turn (option 158);
    a candidate passes it back or pins the flow with an answer echoing
    the cookie; a silent candidate loses its turn; no holder: dropped and
    counted; forged passes and pins are refused; new flows choose among
    their candidates only."""
    S3 = "10.0.0.13"
    cfg = general(neigh="10.0.0.13 = 02:00:00:00:00:13\n").replace(
        "[general]\n", "[general]\nrecover_secret = 0x5ec2e7\n") + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 0
candidates = 2
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
backend.s3 = 10.0.0.13
"""
    bmac = {S1: 0x11, S2: 0x12, S3: 0x13}
    ports = {"f1": 41000, "f2": 41001, "f3": 41002, "f4": 41003}
    news = [43000 + k for k in range(8)]

    def ack(p, seq=1001):
        return tcp(p, 80, "A", seq, 7001)

    def offer(p, l4, be, idx, cookie):
        return v4(C1, be, l4, [opt155(C1, p), opt158(idx, 2, cookie)],
                  smac=LB_MAC, dmac=mac(bmac[be]))

    def bounce(p, l4, be, idx, cookie):
        return v4(be, VIP4, l4, [opt155(C1, p), opt158(idx, 2, cookie)],
                  smac=bmac[be])

    # learning runs (same secret): each flow's candidates and cookies
    t = Clock()
    learn = [(t(), v4(C1, VIP4, ack(p), smac=2))
             for p in list(ports.values()) + news]
    got = {}
    r.run("recover_learn1", cfg, learn, [], collect=got)
    first = [recover_marker(g) for g in got.get(0, [])]
    if not r.check(len(first) == len(learn) and all(first),
                   "recover: every unknown flow offered to a candidate"):
        return
    t2 = Clock()
    learn2 = [(t2(), fr) for _, fr in learn]
    for (p, (be, idx, cnt, ck)) in zip(list(ports.values()) + news, first):
        learn2.append((t2(), bounce(p, ack(p), be, idx, ck)))
    got = {}
    r.run("recover_learn2", cfg, learn2, [], collect=got)
    second = [recover_marker(g) for g in got.get(0, [])[len(learn):]]
    if not r.check(len(second) == len(learn) and all(second),
                   "recover: a passed-back offer goes to the next "
                   "candidate"):
        return
    cand = {}
    for (p, a, b) in zip(list(ports.values()) + news, first, second):
        r.check(a[1] == 0 and b[1] == 1 and a[2] == 2 and b[2] == 2 and
                a[0] != b[0], "recover: flow %d: candidates %s, %s" %
                (p, a[0], b[0]))
        cand[p] = ((a[0], a[3]), (b[0], b[3]))

    t = Clock()
    fi, ex = [], []
    # F1: candidate 0 passes back, candidate 1 too: dropped, counted
    p = ports["f1"]
    (b0, k0), (b1, k1) = cand[p]
    fi.append((t(), v4(C1, VIP4, ack(p), smac=2)))
    ex.append(offer(p, ack(p), b0, 0, k0))
    fi.append((t(), bounce(p, ack(p), b0, 0, k0)))
    ex.append(offer(p, ack(p), b1, 1, k1))
    #     the next packet starts at candidate 1
    d = tcp(p, 80, "PA", 1001, 7001, b"more")
    fi.append((t(), v4(C1, VIP4, d, smac=2)))
    ex.append(offer(p, d, b1, 1, k1))
    fi.append((t(), bounce(p, d, b1, 1, k1)))
    # F2: candidate 0 holds it and pins it with its next reply
    p = ports["f2"]
    (b0, k0), (b1, k1) = cand[p]
    fi.append((t(), v4(C1, VIP4, ack(p), smac=2)))
    ex.append(offer(p, ack(p), b0, 0, k0))
    rep = tcp(80, p, "PA", 7001, 1001, b"data")
    fi.append((t(), v4(b0, VIP4, rep, [opt155(C1, p), opt125(5, k0)],
                       smac=bmac[b0])))
    ex.append(v4(VIP4, C1, rep, smac=LB_MAC, dmac=mac(2)))
    #     pinned: plain DSR to candidate 0 from now on; a client that
    #     sends 158 itself has it removed
    fi.append((t(), v4(C1, VIP4, ack(p, 1002), smac=2)))
    ex.append(v4(C1, b0, ack(p, 1002), smac=LB_MAC, dmac=mac(bmac[b0])))
    fi.append((t(), v4(C1, VIP4, ack(p, 1003), [opt158(1, 2, 7)],
                       smac=2)))
    ex.append(v4(C1, b0, ack(p, 1003), smac=LB_MAC, dmac=mac(bmac[b0])))
    # F3: candidate 0 is silent (down): 0.4 s later, candidate 1's turn
    p = ports["f3"]
    (b0, k0), (b1, k1) = cand[p]
    fi.append((t(), v4(C1, VIP4, ack(p), smac=2)))
    ex.append(offer(p, ack(p), b0, 0, k0))
    fi.append((t(0.4), v4(C1, VIP4, ack(p, 1002), smac=2)))
    ex.append(offer(p, ack(p, 1002), b1, 1, k1))
    #     a pin with the wrong cookie is only forwarded
    fi.append((t(), v4(b1, VIP4, rep, [opt155(C1, p), opt125(5, k1 ^ 1)],
                       smac=bmac[b1])))
    ex.append(v4(VIP4, C1, rep, smac=LB_MAC, dmac=mac(2)))
    # F4: forged passes: wrong candidate index, wrong cookie
    p = ports["f4"]
    (b0, k0), (b1, k1) = cand[p]
    fi.append((t(), bounce(p, ack(p), b1, 0, k0)))
    fi.append((t(), bounce(p, ack(p), b0, 0, k0 ^ 0x100)))
    # new flows choose among their own two candidates
    for q in news:
        s = tcp(q, 80, "S")
        fi.append((t(), v4(C1, VIP4, s, smac=2)))
        ex.append(Alt("n%d" % q, {
            i: v4(C1, cand[q][i][0], s, [opt155(C1, q)], smac=LB_MAC,
                  dmac=mac(bmac[cand[q][i][0]])) for i in (0, 1)}))
    r.run("recover", cfg, fi, ex, {
        "recover_offer": 6, "recover_bounce": 2, "drop_recover_none": 1,
        "recover_pinned": 1, "recover_silent": 1, "recover_pin_bad": 1,
        "recover_bad_cookie": 2, "drop_forged": 2, "flow_midstream": 3,
        "client_msgs_stripped": 1, "flow_new": 8})


def recover_router(r):
    """Issue 17, known limit 2: a candidate behind a router (10.9.0.14 via
    10.0.0.254) gets the offer with the appliance's port address (158 of
    12 bytes); its pass-back and its pin come to that address, the marker
    naming the VIP, and count as if sent to the VIP."""
    S9 = "10.9.0.14"
    ME = "10.0.0.1"
    RT = 0xfe
    cfg = general().replace(
        "[general]\n", "[general]\nrecover_secret = 0x5ec2e7\n") + """
[vip web4]
address = 10.0.0.100
port = 80
mode = dsr-feedback
probe_every = 0
backend.s9 = 10.9.0.14
"""

    def ack(p, seq=1001):
        return tcp(p, 80, "A", seq, 7001)

    t = Clock()
    learn = [(t(), v4(C1, VIP4, ack(p), smac=2)) for p in (41100, 41101)]
    got = {}
    r.run("recover_router_learn", cfg, learn, [], collect=got)
    ck = [recover_marker(g) for g in got.get(0, [])]
    if not r.check(len(ck) == 2 and all(ck),
                   "recover_router: the unknown flows are offered"):
        return
    k0, k1 = ck[0][3], ck[1][3]
    t = Clock()
    fi, ex = [], []
    # F1: offered with the return address; passed back to 10.0.0.1: no
    #     candidate left
    p = 41100
    fi.append((t(), v4(C1, VIP4, ack(p), smac=2)))
    ex.append(v4(C1, S9, ack(p), [opt155(C1, p), opt158a(0, 1, k0, ME)],
                 smac=LB_MAC, dmac=mac(RT)))
    fi.append((t(), v4(S9, ME, ack(p), [opt155(C1, p),
                                        opt158a(0, 1, k0, VIP4)],
                       smac=RT)))
    # F2: pinned by a pin sent to 10.0.0.1
    p = 41101
    fi.append((t(), v4(C1, VIP4, ack(p), smac=2)))
    ex.append(v4(C1, S9, ack(p), [opt155(C1, p), opt158a(0, 1, k1, ME)],
                 smac=LB_MAC, dmac=mac(RT)))
    rep = tcp(80, p, "PA", 7001, 1001, b"data")
    fi.append((t(), v4(S9, ME, rep, [opt155(C1, p), opt125(5, k1),
                                     opt158a(0, 1, k1, VIP4)], smac=RT)))
    ex.append(v4(VIP4, C1, rep, smac=LB_MAC, dmac=mac(2)))
    #     plain DSR to s9 (through the router) from now on
    fi.append((t(), v4(C1, VIP4, ack(p, 1002), smac=2)))
    ex.append(v4(C1, S9, ack(p, 1002), smac=LB_MAC, dmac=mac(RT)))
    r.run("recover_router", cfg, fi, ex, {
        "recover_offer": 2, "recover_bounce": 1, "drop_recover_none": 1,
        "recover_pinned": 1, "recover_return": 2, "flow_midstream": 2})


def recover6_marker(frame):
    """(destination, index, count, cookie, client port) of an IPv6 offer:
    header 253 or option 0x1E sub-type 4 (docs/wire-format.md)."""
    nh, pos = frame[20], 54
    dst = socket.inet_ntop(socket.AF_INET6, frame[38:54])
    while nh in (27, 28, 29, 253, 60):
        hlen = (frame[pos + 1] + 1) * 8
        if nh == 253:
            return (dst, frame[pos + 2], frame[pos + 3],
                    struct.unpack("!I", frame[pos + 4:pos + 8])[0])
        if nh == 60:
            i = pos + 2
            while i < pos + hlen:
                if frame[i] == 0:
                    i += 1
                    continue
                if frame[i] == 0x1e and frame[i + 2] == 4:
                    return (dst, frame[i + 4], frame[i + 5],
                            struct.unpack("!I", frame[i + 6:i + 10])[0])
                i += 2 + frame[i + 1]
        nh, pos = frame[pos], pos + hlen
    return None


def recover6(r):
    """Issue 17 over IPv6, in both encodings (header 253 for web6,
    option 0x1E sub-type 4 for opt6): an unknown mid-stream packet is
    offered to candidate 0 with the client tuple and the marker; a
    pass-back moves it to candidate 1; the last pass-back leaves no
    holder: dropped and counted; a pin (answer echoing the cookie)
    makes the flow plain DSR; a pass-back with a wrong cookie or from
    the wrong candidate is forged; a silent candidate loses its turn."""
    c = "2001:db8::2"
    sa = ["2001:db8::11", "2001:db8::12", "2001:db8::13"]
    bmac = {sa[0]: 0x11, sa[1]: 0x12, sa[2]: 0x13}
    for vname, vip, enc in (("web6", "2001:db8::100", "paper"),
                            ("opt6", "2001:db8::101", "dstopt")):
        cfg = general(neigh="2001:db8::13 = 02:00:00:00:00:13\n").replace(
            "[general]\n", "[general]\nrecover_secret = 0x5ec2e7\n") + """
[vip %s]
address = %s
port = 80
mode = dsr-feedback
encoding = %s
probe_every = 0
candidates = 2
backend.s1 = %s
backend.s2 = %s
backend.s3 = %s
""" % (vname, vip, enc, sa[0], sa[1], sa[2])
        ports = [42000, 42001, 42002, 42003]

        def ack(p, seq=1001):
            return tcp(p, 80, "A", seq, 7001)

        def msgs(p, idx, cookie):
            if enc == "paper":
                return [ext27(c, p), ext253(idx, 2, cookie)]
            return [(60, do_msgs(c, p, 4, idx, 2, cookie))]

        def pin_msgs(p, cookie):
            if enc == "paper":
                return [ext27(c, p), ext29(5, cookie)]
            return [(60, do_msgs(c, p, 3, 0, 5, cookie))]

        def offer(p, l4, be, idx, cookie):
            return v6(c, be, l4, msgs(p, idx, cookie), smac=LB_MAC,
                      dmac=mac(bmac[be]))

        def bounce(p, l4, be, idx, cookie):
            return v6(be, vip, l4, msgs(p, idx, cookie), smac=bmac[be])

        # learning runs (same secret): candidates and cookies
        t = Clock()
        learn = [(t(), v6(c, vip, ack(p), smac=2)) for p in ports]
        got = {}
        r.run("recover6_%s_learn1" % enc, cfg, learn, [], collect=got)
        first = [recover6_marker(g) for g in got.get(0, [])]
        if not r.check(len(first) == len(learn) and all(first),
                       "recover6 %s: every unknown flow offered" % enc):
            return
        t2 = Clock()
        learn2 = [(t2(), fr) for _, fr in learn]
        for p, (be, idx, cnt, ck) in zip(ports, first):
            learn2.append((t2(), bounce(p, ack(p), be, idx, ck)))
        got = {}
        r.run("recover6_%s_learn2" % enc, cfg, learn2, [], collect=got)
        second = [recover6_marker(g) for g in got.get(0, [])[len(learn):]]
        if not r.check(len(second) == len(learn) and all(second),
                       "recover6 %s: a passed-back offer goes to the next "
                       "candidate" % enc):
            return
        cand = {}
        for p, a, b in zip(ports, first, second):
            r.check(a[1] == 0 and b[1] == 1 and a[2] == 2 and b[2] == 2 and
                    a[0] != b[0], "recover6 %s: flow %d: candidates %s, %s"
                    % (enc, p, a[0], b[0]))
            cand[p] = ((a[0], a[3]), (b[0], b[3]))

        t = Clock()
        fi, ex = [], []
        # F1: candidate 0 passes back, then candidate 1: none left
        p = ports[0]
        (b0, k0), (b1, k1) = cand[p]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(offer(p, ack(p), b0, 0, k0))
        fi.append((t(), bounce(p, ack(p), b0, 0, k0)))
        ex.append(offer(p, ack(p), b1, 1, k1))
        d = tcp(p, 80, "PA", 1001, 7001, b"more")
        fi.append((t(), v6(c, vip, d, smac=2)))
        ex.append(offer(p, d, b1, 1, k1))
        fi.append((t(), bounce(p, d, b1, 1, k1)))
        # F2: candidate 0 holds it and pins it with its next reply
        p = ports[1]
        (b0, k0), (b1, k1) = cand[p]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(offer(p, ack(p), b0, 0, k0))
        rep = tcp(80, p, "PA", 7001, 1001, b"data")
        fi.append((t(), v6(b0, vip, rep, pin_msgs(p, k0), smac=bmac[b0])))
        ex.append(v6(vip, c, rep, smac=LB_MAC, dmac=mac(2)))
        #     pinned: plain DSR to candidate 0; a client's own marker
        #     is removed
        fi.append((t(), v6(c, vip, ack(p, 1002), smac=2)))
        ex.append(v6(c, b0, ack(p, 1002), smac=LB_MAC, dmac=mac(bmac[b0])))
        fi.append((t(), v6(c, vip, ack(p, 1003), [ext253(1, 2, 7)],
                           smac=2)))
        ex.append(v6(c, b0, ack(p, 1003), smac=LB_MAC, dmac=mac(bmac[b0])))
        # F3: candidate 0 silent: 0.4 s later candidate 1's turn; a pin
        #     with the wrong cookie is only forwarded
        p = ports[2]
        (b0, k0), (b1, k1) = cand[p]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(offer(p, ack(p), b0, 0, k0))
        fi.append((t(0.4), v6(c, vip, ack(p, 1002), smac=2)))
        ex.append(offer(p, ack(p, 1002), b1, 1, k1))
        fi.append((t(), v6(b1, vip, rep, pin_msgs(p, k1 ^ 1),
                           smac=bmac[b1])))
        ex.append(v6(vip, c, rep, smac=LB_MAC, dmac=mac(2)))
        # F4: forged pass-backs: wrong candidate, wrong cookie
        p = ports[3]
        (b0, k0), (b1, k1) = cand[p]
        fi.append((t(), bounce(p, ack(p), b1, 0, k0)))
        fi.append((t(), bounce(p, ack(p), b0, 0, k0 ^ 0x100)))
        r.run("recover6_%s" % enc, cfg, fi, ex, {
            "recover_offer": 6, "recover_bounce": 2,
            "drop_recover_none": 1, "recover_pinned": 1,
            "recover_silent": 1, "recover_pin_bad": 1,
            "recover_bad_cookie": 2, "drop_forged": 2,
            "flow_midstream": 3, "client_msgs_stripped": 1})


def srh_reading(frame):
    """6LB reading order of the SRH of an IPv6 frame (header 43 right
    after the IPv6 header), or None."""
    if len(frame) < 62 or frame[20] != 43:
        return None
    last = frame[58]
    segs = [socket.inet_ntop(socket.AF_INET6, frame[62 + 16 * i:78 + 16 * i])
            for i in range(last + 1)]
    return list(reversed(segs))


def recover_srv6(r):
    """Issue 17 over the SRv6 transport, in maglev, round-robin, random
    and latency-feedback: a mid-stream packet of a flow the appliance
    does not know goes with (lb, c0::recoverStickiness,
    c1::recoverStickiness, VIP) to the flow's two candidates of the
    C = 2 table, again while it hunts; the candidate that holds it pins
    it (createStickiness: SRH removed, to the client), and the flow is
    steered there (ackStickiness); new flows are offered (connectForce)
    to one of their two candidates only. A drained candidate stays in the
    table and is asked (its connections are what recovery is for), but
    gets no new flow; with every backend drained, the packet is dropped
    and counted (drop_no_backend), never sent to a random server."""
    c, vip, lb = "2001:db8::2", "2001:db8::140", "2001:db8:ff::"
    loc = {1: "2001:db8:a1::", 2: "2001:db8:a2::", 3: "2001:db8:a3::"}
    bmac = {1: 0x21, 2: 0x22, 3: 0x23}
    by_loc = {loc[s][:12]: s for s in loc}
    ports = [44000 + k for k in range(16)]

    def conf(mode, weights=(1, 1, 1)):
        return general(neigh="2001:db8::23 = 02:00:00:00:00:23\n") + """
[vip sr6]
address = %s
port = 80
mode = %s
transport = srv6
""" % (vip, mode) + "".join(
            "backend.s%d = 2001:db8::2%d locator=%s weight=%d\n" %
            (s, s, loc[s], w) for s, w in zip((1, 2, 3), weights))

    def ack(p, seq=1001):
        return tcp(p, 80, "A", seq, 7001)

    def to_be(l4, segs, s):
        return v6(c, segs[1], l4, [srh(segs)], final_dst=vip,
                  smac=LB_MAC, dmac=mac(bmac[s]))

    def recov(l4, cands):
        return to_be(l4, [lb] + [sid(loc[s], RS) for s in cands] + [vip],
                     cands[0])

    def stick(s, l4):
        segs = [loc[s], sid(lb, CS), c]
        return v6(vip, segs[1], l4, [srh(segs)], final_dst=c,
                  smac=bmac[s])

    for mode in ("maglev", "round-robin", "random", "latency-feedback"):
        cfg = conf(mode)
        # learning run: each flow's candidates, in the table's order
        t = Clock()
        learn = [(t(), v6(c, vip, ack(p), smac=2)) for p in ports]
        got = {}
        r.run("recover_srv6_%s_learn" % mode, cfg, learn, [], collect=got)
        seen = [srh_reading(g) for g in got.get(0, [])]
        if not r.check(len(seen) == len(ports) and
                       all(x is not None and len(x) == 4 for x in seen),
                       "recover_srv6 %s: every unknown flow gets an SRH of "
                       "two candidates" % mode):
            continue
        cand = {p: [by_loc.get(x[i][:12]) for i in (1, 2)]
                for p, x in zip(ports, seen)}
        r.check(all(a is not None and b is not None and a != b and
                    x[0] == lb and x[3] == vip and
                    x[1] == sid(loc[a], RS) and x[2] == sid(loc[b], RS)
                    for (a, b), x in zip(cand.values(), seen)),
                "recover_srv6 %s: (lb, c0::rs, c1::rs, VIP), two distinct "
                "backends (%s)" % (mode, sorted(set(
                    tuple(v) for v in cand.values()))))
        t = Clock()
        fi, ex = [], []
        # F1: unknown -> recoverStickiness to both; again while HUNTING;
        #     the second candidate holds it: createStickiness pins it
        p = ports[0]
        c0, c1 = cand[p]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(recov(ack(p), (c0, c1)))
        d = tcp(p, 80, "PA", 1001, 7001, b"more")
        fi.append((t(), v6(c, vip, d, smac=2)))
        ex.append(recov(d, (c0, c1)))
        rep = tcp(80, p, "A", 7001, 1005)
        fi.append((t(), stick(c1, rep)))
        ex.append(v6(vip, c, rep, smac=LB_MAC, dmac=mac(2)))
        #     STEER(c1): ackStickiness to c1 from now on
        d2 = tcp(p, 80, "PA", 1005, 7001, b"again")
        fi.append((t(), v6(c, vip, d2, smac=2)))
        ex.append(to_be(d2, [lb, sid(loc[c1], AS), vip], c1))
        # F2: the first candidate holds it
        p = ports[1]
        c0, c1 = cand[p]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(recov(ack(p), (c0, c1)))
        rep = tcp(80, p, "A", 7001, 1001)
        fi.append((t(), stick(c0, rep)))
        ex.append(v6(vip, c, rep, smac=LB_MAC, dmac=mac(2)))
        fi.append((t(), v6(c, vip, ack(p, 1002), smac=2)))
        ex.append(to_be(ack(p, 1002), [lb, sid(loc[c0], AS), vip], c0))
        # new flows (SYN) on the other tuples: connectForce to one of
        # their own two candidates
        for q in ports[2:]:
            syn = tcp(q, 80, "S")
            fi.append((t(), v6(c, vip, syn, smac=2)))
            ex.append(Alt("n%d" % q, {
                s: to_be(syn, [lb, sid(loc[s], CF), vip], s)
                for s in cand[q]}))
        pinned = {}
        for s in (cand[ports[0]][1], cand[ports[1]][0]):
            k = "vip.sr6.backend.s%d.pinned" % s
            pinned[k] = pinned.get(k, 0) + 1
        r.run("recover_srv6_%s" % mode, cfg, fi, ex, dict({
            "hunt_recover": 3, "stick_create": 2, "hunt_steer": 2,
            "tx_client": 2, "flow_midstream": 2, "hunt_offer": 14},
            **pinned))
        # s2 and s3 drained: an unknown flow is still sought on both
        # its candidates (a drained server keeps its connections, so
        # the table keeps it); a new flow goes to s1 alone
        t = Clock()
        fi, ex = [], []
        p, q = ports[0], ports[2]
        fi.append((t(), v6(c, vip, ack(p), smac=2)))
        ex.append(recov(ack(p), cand[p]))
        syn = tcp(q, 80, "S")
        fi.append((t(), v6(c, vip, syn, smac=2)))
        ex.append(to_be(syn, [lb, sid(loc[1], CF), vip], 1))
        r.run("recover_srv6_%s_one" % mode, conf(mode, (1, 0, 0)), fi, ex,
              {"hunt_recover": 1, "hunt_offer": 1, "flow_midstream": 1})
        # every backend drained: no candidate, dropped and counted
        t = Clock()
        fi = [(t(), v6(c, vip, ack(p), smac=2)),
              (t(), v6(c, vip, syn, smac=2))]
        r.run("recover_srv6_%s_none" % mode, conf(mode, (0, 0, 0)), fi, [],
              {"drop_no_backend": 2, "hunt_recover": 0, "hunt_offer": 0})


SCENARIOS = [jumbo, full_mtu, icmp, fragments, martians, options_full, spoof, server_router, dsr4, dsr6, busy, polling, dsr_auth, hunt, lat_srv6, quic,
             quic_mtu, quic_learn, quic_crypt,
             baselines, expiry_and_flood,
             malformed, ports, resolve, solicit, workers, workers_answers,
             workers_sticky, recover, recover6, recover_router,
             recover_srv6,
             idle_busy, flow_memory]


def main():
    r = Runner(sys.argv[1], sys.argv[2], sys.argv[3])
    names = sys.argv[4:]
    for s in SCENARIOS:
        if not names or s.__name__ in names:
            s(r)
    print("1..%d" % r.n)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
