#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Pcap tests of the real dsrlb-agent: two net_pcap ports (0 = the wire,
1 = the kernel), crafted wire traffic (what the appliance sends) and
crafted application traffic (what the kernel sends), compared frame by
frame with frames built independently by scapy (tests/lb/lbtest.py).
The agent merges both ports' inputs in capture-time order (--clock pcap).

Scenarios: dsr4, dsr6 (both families, answers with and without nonce,
the l2 leg, a translated client restored from its tuple), hunt (every
transition of 6LB Table III), other (traffic that is not the agent's
passes untouched; malformed traffic is counted and dropped).

usage: test_agent_pcap.py DSRLB_AGENT EAL_MEM_ARGS_SH WORKDIR [SCENARIO...]
Prints TAP.
"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lb"))

from scapy.all import ARP, IP, IPv6, TCP, UDP, Ether, Raw  # noqa: E402

from lbtest import (AS, CA, CF, CS, RMS, RS, Runner, ext27,  # noqa: E402
                    ext28, ext29, ext253, do_msgs, mac, opt124, opt125, opt155, opt158,
                    opt158a,
                    sid, srh, v4, v6)

W = "02:70:63:61:70:00"       # net_pcap0: the wire port
K = "02:70:63:61:70:01"       # net_pcap1: the kernel port
GW = mac(0xfe)                # [wire] gateway_mac: the appliance / router

CONFIG = """
[general]
flow_capacity = 64
timeout_new_ms = 5000
timeout_established_s = 300
timeout_closing_ms = 10000
idle_sleep_us = 100
busy = connections
workers = 4
accept = sr_c
c = 1

[srv6]
locator = 2001:db8:1::

[port wire]
dev = net_pcap0

[port kernel]
dev = net_pcap1

[wire]
gateway_mac = 02:00:00:00:00:fe
appliance_mac = 02:00:00:00:00:fe 02:00:00:00:00:fd
appliance_locator = 2001:db8:ff:: 2001:db8:fe::

[vip web4]
address = 10.0.0.100
port = 80
leg_address = 10.0.0.11

[vip l2v4]
address = 10.0.0.103
port = 80

[vip web6]
address = 2001:db8::100
port = 80
leg_address = 2001:db8::11
"""

VIP4, LEG4, L2V4 = "10.0.0.100", "10.0.0.11", "10.0.0.103"
VIP6, LEG6 = "2001:db8::100", "2001:db8::11"
C1, C2, C3 = "10.0.0.2", "10.0.0.3", "10.0.0.4"
D1, D2, D3, D4, D5 = ("2001:db8::2", "2001:db8::3", "2001:db8::4",
                      "2001:db8::5", "2001:db8::6")
S1, S2 = "2001:db8:1::", "2001:db8:2::"
LB, LB2 = "2001:db8:ff::", "2001:db8:fe::"


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


class Scn:
    """Frames in on the wire (port 0) and from the kernel (port 1), and
    the frames expected out of each."""
    def __init__(self):
        self.t = Clock()
        self.fi = {0: [], 1: []}
        self.ex = {0: [], 1: []}

    def wire(self, frame, dt=0.001):
        self.fi[0].append((self.t(dt), frame))

    def app(self, frame, dt=0.001):
        self.fi[1].append((self.t(dt), frame))

    def to_wire(self, frame):
        self.ex[0].append(frame)

    def to_kernel(self, frame):
        self.ex[1].append(frame)


def dsr4(r):
    s = Scn()
    syn = tcp(40000, 80, "S")
    # 1. SYN on the routed leg with the client tuple: tuple removed,
    #    destination := VIP, to the kernel (the application sees the true
    #    client and the VIP).
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    # 2. The SYN-ACK: no answer due, straight to the client, untouched.
    sa = v4(VIP4, C1, tcp(80, 40000, "SA", 7000, 1001), smac=K, dmac=GW)
    s.app(sa)
    s.to_wire(sa)
    # 3. Data with a metric request (124, no nonce).
    d = tcp(40000, 80, "PA", 1001, 7001, b"GET /")
    s.wire(v4(C1, LEG4, d, [opt124()], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, d, smac=GW, dmac=K))
    # 4. The next reply becomes the answer: leg address -> VIP, client
    #    tuple + 125 with the score (1 open connection), to the gateway.
    rep = tcp(80, 40000, "PA", 7001, 1006, b"200 OK")
    s.app(v4(VIP4, C1, rep, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, VIP4, rep, [opt155(C1, 40000), opt125(1)],
                 smac=W, dmac=GW))
    # 5. The reply after it goes direct again.
    rep2 = v4(VIP4, C1, tcp(80, 40000, "PA", 7007, 1006, b"more"),
              smac=K, dmac=GW)
    s.app(rep2)
    s.to_wire(rep2)
    # 6. A request with a nonce (124 of 8 bytes): the answer echoes it.
    d2 = tcp(40000, 80, "A", 1006, 7011)
    s.wire(v4(C1, LEG4, d2, [opt124(0xdeadbeef)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, d2, smac=GW, dmac=K))
    rep3 = tcp(80, 40000, "PA", 7011, 1006, b"tail")
    s.app(v4(VIP4, C1, rep3, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, VIP4, rep3,
                 [opt155(C1, 40000), opt125(1, 0xdeadbeef)],
                 smac=W, dmac=GW))
    # 7. A second client on the l2 leg (destination already the VIP).
    syn2 = tcp(40001, 80, "S", 5000)
    s.wire(v4(C2, L2V4, syn2, [opt155(C2, 40001)], smac=GW, dmac=W))
    s.to_kernel(v4(C2, L2V4, syn2, smac=GW, dmac=K))
    # 8. A translated client (the paper's NAT leg): the tuple restores
    #    the true source address and port.
    syn3 = tcp(5555, 80, "S", 9000)
    s.wire(v4("10.0.0.250", LEG4, syn3, [opt155(C3, 41000)], smac=GW,
              dmac=W))
    s.to_kernel(v4(C3, VIP4, tcp(41000, 80, "S", 9000), smac=GW, dmac=K))
    # 9. FIN from client 1 closes its connection; later packets without
    #    state still reach the kernel with the VIP restored.
    fin = tcp(40000, 80, "FA", 1006, 7015)
    s.wire(v4(C1, LEG4, fin, smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, fin, smac=GW, dmac=K))
    fa = v4(VIP4, C1, tcp(80, 40000, "FA", 7015, 1007), smac=K, dmac=GW)
    s.app(fa)
    s.to_wire(fa)
    last = tcp(40000, 80, "A", 1007, 7016)
    s.wire(v4(C1, LEG4, last, smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, last, smac=GW, dmac=K))
    # 10. RST from the application closes client 2's connection.
    rst = v4(L2V4, C2, tcp(80, 40001, "R", 0, 5001), smac=K, dmac=GW)
    s.app(rst)
    s.to_wire(rst)
    r.run("dsr4", CONFIG, s.fi, s.ex, counters={
        "tx_kernel_dsr": 7, "tx_wire_answer": 2, "tx_wire_direct": 4,
        "msgs_stripped": 5, "request_seen": 2, "tuple_restored": 1,
        "conn_open": 3, "conn_close": 2, "conn_established": 1,
        # client 3 has only sent its SYN: half-open, not busy (issue 16)
        "connections": 0, "half_open": 1,
        "flow_closed": 2, "busy": 0, "score": 0})


def recover(r):
    """Issue 17, the agent's side of recovery: an offer (158) for a
    connection this server holds is delivered and pinned by the next
    reply, sent to the appliance the offer came from; one for a
    connection it does not hold goes back to that appliance."""
    s = Scn()
    lb2 = mac(0xfd)             # another appliance (a configured MAC)
    syn = tcp(40000, 80, "S")
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    # 1. the offer of a connection this server holds: delivered
    a = tcp(40000, 80, "A", 1001, 7001)
    s.wire(v4(C1, LEG4, a, [opt155(C1, 40000), opt158(1, 2, 0x5eed1234)],
              smac=lb2, dmac=W))
    s.to_kernel(v4(C1, VIP4, a, smac=lb2, dmac=K))
    # 2. the next reply pins it: answer echoing the cookie, to lb2
    rep = tcp(80, 40000, "PA", 7001, 1001, b"data")
    s.app(v4(VIP4, C1, rep, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, VIP4, rep, [opt155(C1, 40000),
                                   opt125(1, 0x5eed1234)],
                 smac=W, dmac=lb2))
    # 3. later replies go straight to the client again
    rep2 = v4(VIP4, C1, tcp(80, 40000, "PA", 7005, 1001, b"more"),
              smac=K, dmac=GW)
    s.app(rep2)
    s.to_wire(rep2)
    # 4. the offer of a connection this server does not hold: back to the
    #    appliance it came from, as (leg -> VIP), tuple and marker kept
    b = tcp(40001, 80, "PA", 5001, 9001, b"x")
    s.wire(v4(C2, LEG4, b, [opt155(C2, 40001), opt158(0, 2, 0xabcdef01)],
              smac=lb2, dmac=W))
    s.to_wire(v4(LEG4, VIP4, b, [opt155(C2, 40001),
                                 opt158(0, 2, 0xabcdef01)],
                 smac=W, dmac=lb2))
    # 5. on a VIP without leg address there is no way back: dropped
    s.wire(v4(C2, L2V4, b, [opt155(C2, 40001), opt158(0, 2, 1)],
              smac=lb2, dmac=W))
    r.run("recover", CONFIG, s.fi, s.ex, counters={
        "recover_take": 1, "tx_wire_recover_pass": 1,
        "drop_recover_no_leg": 1, "tx_wire_answer": 1,
        "tx_kernel_dsr": 2, "tx_wire_direct": 1})


def recover_stale(r):
    """Issue 17, known limit 1: the entry of a connection that broke
    unseen must not take the offers of a new connection on its tuple
    (the kernel holds no socket for it): an offer whose TCP numbers do
    not fit what the server sent is passed back; the held connection's
    own segments are still taken; a SYN after the handshake replaces
    the entry."""
    s = Scn()
    lb2 = mac(0xfd)
    syn = tcp(40010, 80, "S", 5000)
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40010)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    sa = v4(VIP4, C1, tcp(80, 40010, "SA", 9000, 5001), smac=K, dmac=GW)
    s.app(sa)
    s.to_wire(sa)
    d = v4(VIP4, C1, tcp(80, 40010, "PA", 9001, 5001, b"abc"),
           smac=K, dmac=GW)
    s.app(d)
    s.to_wire(d)
    # 1. a new connection on the tuple (its own numbers): passed back
    n = tcp(40010, 80, "A", 0x7777777, 0x12345678, b"x")
    s.wire(v4(C1, LEG4, n, [opt155(C1, 40010), opt158(0, 2, 0x0badcafe)],
              smac=lb2, dmac=W))
    s.to_wire(v4(LEG4, VIP4, n, [opt155(C1, 40010),
                                 opt158(0, 2, 0x0badcafe)],
                 smac=W, dmac=lb2))
    # 2. the held connection's own segment: delivered
    a = tcp(40010, 80, "A", 5001, 9004)
    s.wire(v4(C1, LEG4, a, [opt155(C1, 40010), opt158(0, 2, 0x0badcafe)],
              smac=lb2, dmac=W))
    s.to_kernel(v4(C1, VIP4, a, smac=lb2, dmac=K))
    # 3. a SYN on the tuple after the handshake: a new connection
    syn2 = tcp(40010, 80, "S", 0x40000000)
    s.wire(v4(C1, LEG4, syn2, [opt155(C1, 40010)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn2, smac=GW, dmac=K))
    sa2 = v4(VIP4, C1, tcp(80, 40010, "SA", 0x80000000, 0x40000001),
             smac=K, dmac=GW)
    s.app(sa2)
    s.to_wire(sa2)
    # 4. its segment is taken, the old connection's is passed back
    n2 = tcp(40010, 80, "A", 0x40000001, 0x80000001)
    s.wire(v4(C1, LEG4, n2, [opt155(C1, 40010), opt158(1, 2, 0x5eed)],
              smac=lb2, dmac=W))
    s.to_kernel(v4(C1, VIP4, n2, smac=lb2, dmac=K))
    s.wire(v4(C1, LEG4, a, [opt155(C1, 40010), opt158(1, 2, 0x5eed)],
              smac=lb2, dmac=W))
    s.to_wire(v4(LEG4, VIP4, a, [opt155(C1, 40010), opt158(1, 2, 0x5eed)],
                 smac=W, dmac=lb2))
    r.run("recover_stale", CONFIG, s.fi, s.ex, counters={
        "recover_take": 2, "recover_stale": 2, "flow_replaced": 1,
        "tx_wire_recover_pass": 2, "tx_kernel_dsr": 4})


def recover_return(r):
    """Issue 17, known limit 2: an offer whose marker carries a return
    address (the appliance behind a router): the pin and the pass-back go
    to that address (via the MAC the offer came from), the marker naming
    the VIP."""
    s = Scn()
    ME = "10.0.0.1"
    syn = tcp(40030, 80, "S")
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40030)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    a = tcp(40030, 80, "A", 1001, 7001)
    s.wire(v4(C1, LEG4, a, [opt155(C1, 40030),
                            opt158a(1, 2, 0x5eed1234, ME)],
              smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, a, smac=GW, dmac=K))
    rep = tcp(80, 40030, "PA", 7001, 1001, b"data")
    s.app(v4(VIP4, C1, rep, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, ME, rep, [opt155(C1, 40030), opt125(1, 0x5eed1234),
                                 opt158a(1, 2, 0x5eed1234, VIP4)],
                 smac=W, dmac=GW))
    b = tcp(40031, 80, "PA", 5001, 9001, b"x")
    s.wire(v4(C2, LEG4, b, [opt155(C2, 40031),
                            opt158a(0, 2, 0xabcdef01, ME)],
              smac=GW, dmac=W))
    s.to_wire(v4(LEG4, ME, b, [opt155(C2, 40031),
                               opt158a(0, 2, 0xabcdef01, VIP4)],
                 smac=W, dmac=GW))
    r.run("recover_return", CONFIG, s.fi, s.ex, counters={
        "recover_take": 1, "recover_return": 2, "tx_wire_recover_pass": 1,
        "tx_wire_answer": 1, "tx_kernel_dsr": 2})


def recover6(r):
    """Issue 17 over IPv6 (web6): offers in both encodings (header 253,
    option 0x1E sub-type 4). One for a connection this server holds is
    delivered stripped and pinned by the next reply, in the encoding of
    the offer, to the appliance it came from; one it does not hold goes
    back to that appliance (leg -> VIP, tuple and marker kept)."""
    s = Scn()
    lb2 = mac(0xfd)
    for n, (cl, p, enc) in enumerate(((D1, 40000, "paper"),
                                      (D2, 40001, "dstopt"))):
        def msgs(c, port, idx, cookie):
            if enc == "paper":
                return [ext27(c, port), ext253(idx, 2, cookie)]
            return [(60, do_msgs(c, port, 4, idx, 2, cookie))]

        def pin(c, port, score, cookie):
            if enc == "paper":
                return [ext27(c, port), ext29(score, cookie)]
            return [(60, do_msgs(c, port, 3, score >> 8, score & 0xff,
                                 cookie))]

        syn = tcp(p, 80, "S")
        s.wire(v6(cl, LEG6, syn, [ext27(cl, p)], smac=GW, dmac=W))
        s.to_kernel(v6(cl, VIP6, syn, smac=GW, dmac=K))
        # 1. the offer of a connection this server holds: delivered
        k = 0x5eed1234 + n
        a = tcp(p, 80, "A", 1001, 7001)
        s.wire(v6(cl, LEG6, a, msgs(cl, p, 1, k), smac=lb2, dmac=W))
        s.to_kernel(v6(cl, VIP6, a, smac=lb2, dmac=K))
        # 2. the next reply pins it (score: established connections)
        rep = tcp(80, p, "PA", 7001, 1001, b"data")
        s.app(v6(VIP6, cl, rep, smac=K, dmac=GW))
        s.to_wire(v6(LEG6, VIP6, rep, pin(cl, p, n + 1, k), smac=W,
                     dmac=lb2))
        # 3. later replies go straight to the client
        rep2 = v6(VIP6, cl, tcp(80, p, "PA", 7005, 1001, b"more"),
                  smac=K, dmac=GW)
        s.app(rep2)
        s.to_wire(rep2)
        # 4. a connection it does not hold: passed back
        q = p + 100
        b = tcp(q, 80, "PA", 5001, 9001, b"x")
        s.wire(v6(D3, LEG6, b, msgs(D3, q, 0, 0xabcdef01), smac=lb2,
                  dmac=W))
        s.to_wire(v6(LEG6, VIP6, b, msgs(D3, q, 0, 0xabcdef01), smac=W,
                     dmac=lb2))
    r.run("recover6", CONFIG, s.fi, s.ex, counters={
        "recover_take": 2, "tx_wire_recover_pass": 2,
        "tx_wire_answer": 2, "tx_kernel_dsr": 4, "tx_wire_direct": 2})


def dsr6(r):
    s = Scn()
    syn = tcp(40000, 80, "S")
    s.wire(v6(D1, LEG6, syn, [ext27(D1, 40000)], final_dst=LEG6, smac=GW,
              dmac=W))
    s.to_kernel(v6(D1, VIP6, syn, smac=GW, dmac=K))
    d = tcp(40000, 80, "PA", 1001, 7001, b"GET /")
    s.wire(v6(D1, LEG6, d, [ext28()], final_dst=LEG6, smac=GW, dmac=W))
    s.to_kernel(v6(D1, VIP6, d, smac=GW, dmac=K))
    rep = tcp(80, 40000, "PA", 7001, 1006, b"200 OK")
    s.app(v6(VIP6, D1, rep, smac=K, dmac=GW))
    s.to_wire(v6(LEG6, VIP6, rep, [ext27(D1, 40000), ext29(1)],
                 final_dst=VIP6, smac=W, dmac=GW))
    # request with a nonce (28 with a nonzero nonce), answered with it
    d2 = tcp(40000, 80, "A", 1006, 7007)
    s.wire(v6(D1, LEG6, d2, [ext28(0x01020304)], final_dst=LEG6,
              smac=GW, dmac=W))
    s.to_kernel(v6(D1, VIP6, d2, smac=GW, dmac=K))
    rep2 = tcp(80, 40000, "PA", 7007, 1006, b"x")
    s.app(v6(VIP6, D1, rep2, smac=K, dmac=GW))
    s.to_wire(v6(LEG6, VIP6, rep2, [ext27(D1, 40000), ext29(1, 0x01020304)],
                 final_dst=VIP6, smac=W, dmac=GW))
    # direct reply, FIN from the application closes the connection
    fin = v6(VIP6, D1, tcp(80, 40000, "FA", 7008, 1006), smac=K, dmac=GW)
    s.app(fin)
    s.to_wire(fin)
    # UDP to the VIP port is not the VIP (tcp): passed untouched
    u = v6(D2, LEG6, UDP(sport=5353, dport=80) / Raw(b"q"), smac=GW,
           dmac=W)
    s.wire(u)
    s.to_kernel(u)
    r.run("dsr6", CONFIG, s.fi, s.ex, counters={
        "tx_kernel_dsr": 3, "tx_wire_answer": 2, "tx_wire_direct": 1,
        "tx_kernel_pass": 1, "conn_open": 1, "conn_close": 1,
        "connections": 0, "flow_closed": 1})


def hunt(r):
    s = Scn()
    s1ca, s1cf, s1as, s1rs = (sid(S1, CA), sid(S1, CF), sid(S1, AS),
                              sid(S1, RS))
    s2ca, s2cf, s2rs = sid(S2, CA), sid(S2, CF), sid(S2, RS)
    lbcs, lbrms = sid(LB, CS), sid(LB, RMS)
    lb2cs, lb2rms = sid(LB2, CS), sid(LB2, RMS)

    def w6(src, segs, l4, first=1, **kw):
        n = len(segs)
        dst = segs[first]
        return v6(src, dst, l4, [srh(segs, first)], final_dst=segs[-1],
                  smac=GW, dmac=W, **kw)

    # LISTEN, connectAvail (available: 0 busy < c = 1) -> WAIT(lb)
    syn1 = tcp(40000, 80, "S")
    s.wire(w6(D1, [LB, s1ca, s2cf, VIP6], syn1))
    s.to_kernel(v6(D1, VIP6, syn1, smac=GW, dmac=K))
    # WAIT(lb), data from app -> lb.createStickiness(s)
    sa1 = tcp(80, 40000, "SA", 7000, 1001)
    s.app(v6(VIP6, D1, sa1, smac=K, dmac=GW))
    s.to_wire(v6(VIP6, lbcs, sa1, [srh([S1, lbcs, D1], 1)], final_dst=D1,
                 smac=W, dmac=GW))
    # WAIT(lb), connectAvail again (SYN retransmitted) -> WAIT(lb)
    s.wire(w6(D1, [LB, s1ca, s2cf, VIP6], syn1))
    s.to_kernel(v6(D1, VIP6, syn1, smac=GW, dmac=K))
    # WAIT(lb), ackStickiness -> DIRECT(lb)
    a1 = tcp(40000, 80, "A", 1001, 7001)
    s.wire(w6(D1, [LB, s1as, VIP6], a1))
    s.to_kernel(v6(D1, VIP6, a1, smac=GW, dmac=K))
    # DIRECT, data from app -> direct return to the client
    r1 = v6(VIP6, D1, tcp(80, 40000, "PA", 7001, 1001, b"hi"), smac=K,
            dmac=GW)
    s.app(r1)
    s.to_wire(r1)
    # DIRECT, ackStickiness -> DIRECT
    a2 = tcp(40000, 80, "PA", 1001, 7003, b"more")
    s.wire(w6(D1, [LB, s1as, VIP6], a2))
    s.to_kernel(v6(D1, VIP6, a2, smac=GW, dmac=K))
    # LISTEN, connectAvail (busy: 1 open connection, c = 1) -> forward
    syn2 = tcp(40001, 80, "S", 5000)
    s.wire(w6(D2, [LB, s1ca, s2cf, VIP6], syn2))
    s.to_wire(v6(D2, s2cf, syn2, [srh([LB, s1ca, s2cf, VIP6], 2)],
                 final_dst=VIP6, smac=W, dmac=GW,
                 hlim=63))
    # LISTEN, connectForce -> WAIT(lb)
    syn3 = tcp(40002, 80, "S", 6000)
    s.wire(w6(D3, [LB, s2ca, s1cf, VIP6], syn3, first=2))
    s.to_kernel(v6(D3, VIP6, syn3, smac=GW, dmac=K))
    # DIRECT(lb), recoverStickiness(lb2) (local) -> WAIT(lb2)
    d1 = tcp(40000, 80, "PA", 1005, 7003, b"x")
    s.wire(w6(D1, [LB2, s1rs, s2rs, VIP6], d1))
    s.to_kernel(v6(D1, VIP6, d1, smac=GW, dmac=K))
    # ... and announces itself to lb2 with createStickiness
    r2 = tcp(80, 40000, "PA", 7003, 1006, b"y")
    s.app(v6(VIP6, D1, r2, smac=K, dmac=GW))
    s.to_wire(v6(VIP6, lb2cs, r2, [srh([S1, lb2cs, D1], 1)], final_dst=D1,
                 smac=W, dmac=GW))
    s.wire(w6(D1, [LB2, s1as, VIP6], tcp(40000, 80, "A", 1006, 7004)))
    s.to_kernel(v6(D1, VIP6, tcp(40000, 80, "A", 1006, 7004), smac=GW,
                   dmac=K))
    # LISTEN, recoverStickiness (not local) -> forward
    d4 = tcp(40003, 80, "A", 1, 1)
    s.wire(w6(D4, [LB, s1rs, s2rs, VIP6], d4))
    s.to_wire(v6(D4, s2rs, d4, [srh([LB, s1rs, s2rs, VIP6], 2)],
                 final_dst=VIP6, smac=W, dmac=GW,
                 hlim=63))
    # recoverStickiness, not local, last candidate: taken (documented)
    d5 = tcp(40004, 80, "A", 1, 1)
    s.wire(w6(D5, [LB, s2rs, s1rs, VIP6], d5, first=2))
    s.to_kernel(v6(D5, VIP6, d5, smac=GW, dmac=K))
    # DIRECT(lb2), FIN from app -> lb2.removeStickiness(s), LISTEN 10 s
    # later
    f1 = tcp(80, 40000, "FA", 7004, 1006)
    s.app(v6(VIP6, D1, f1, smac=K, dmac=GW))
    s.to_wire(v6(VIP6, lb2rms, f1, [srh([S1, lb2rms, D1], 1)],
                 final_dst=D1, smac=W, dmac=GW))
    # closing: the application's last packets go direct ...
    f2 = v6(VIP6, D1, tcp(80, 40000, "A", 7005, 1007), smac=K, dmac=GW)
    s.app(f2)
    s.to_wire(f2)
    # ... and the appliance's ackStickiness still reaches the kernel
    a3 = tcp(40000, 80, "FA", 1006, 7005)
    s.wire(w6(D1, [LB2, s1as, VIP6], a3))
    s.to_kernel(v6(D1, VIP6, a3, smac=GW, dmac=K))
    # 11 s later the flow is forgotten: recoverStickiness is passed on
    # (and client 3's flow, a SYN only, has passed timeout_new_ms: its
    # connection is no longer counted)
    d6 = tcp(40000, 80, "A", 1007, 7006)
    s.wire(w6(D1, [LB, s1rs, s2rs, VIP6], d6), dt=11.0)
    s.to_wire(v6(D1, s2rs, d6, [srh([LB, s1rs, s2rs, VIP6], 2)],
                 final_dst=VIP6, smac=W, dmac=GW,
                 hlim=63))
    # createStickiness is the appliance's function, not a server's
    s.wire(w6(D2, [LB, sid(S1, CS), VIP6], tcp(40001, 80, "A")))
    # hop limit 1: to be passed on (hunt_recover_pass), but may not
    # leave (RFC 8200 section 3)
    s.wire(w6(D5, [LB, s1rs, s2rs, VIP6], tcp(40009, 80, "A"), hlim=1))
    r.run("hunt", CONFIG, s.fi, s.ex, counters={
        "drop_hop_limit": 1,
        "hunt_accept": 1, "hunt_pass": 1, "hunt_force": 1,
        "hunt_again": 1, "hunt_ack": 4, "hunt_recover_local": 1,
        "hunt_recover_pass": 3, "hunt_recover_last": 1,
        "tx_wire_stick_create": 2, "tx_wire_stick_remove": 1,
        "tx_wire_hunt_pass": 3, "tx_kernel_hunt": 9,
        "drop_sid_function": 1, "conn_open": 2, "conn_close": 2,
        "flow_expired": 2, "accept.accepted": 1, "accept.passed": 1,
        "accept.forced": 1})


def other(r):
    s = Scn()
    # ARP both ways, untouched
    req = bytes(Ether(src=GW, dst="ff:ff:ff:ff:ff:ff") /
                ARP(op=1, hwsrc=GW, psrc="10.0.0.254", pdst=LEG4))
    s.wire(req)
    s.to_kernel(req)
    rep = bytes(Ether(src=K, dst=GW) /
                ARP(op=2, hwsrc=K, psrc=LEG4, hwdst=GW, pdst="10.0.0.254"))
    s.app(rep)
    s.to_wire(rep)
    # SSH to the server's own address (the leg address, port 22), both
    # ways, IPv4 and IPv6
    for src, dst in ((C1, LEG4), (D1, LEG6)):
        mk = v4 if src == C1 else v6
        a = mk(src, dst, tcp(50000, 22, "PA", 1, 1, b"SSH-2.0"), smac=GW,
               dmac=W)
        s.wire(a)
        s.to_kernel(a)
        b = mk(dst, src, tcp(22, 50000, "PA", 1, 8, b"SSH-2.0"), smac=K,
               dmac=GW)
        s.app(b)
        s.to_wire(b)
    # the server's own outgoing connection (from its address, not a VIP)
    o = v4(LEG4, "192.0.2.9", tcp(33000, 443, "S"), smac=K, dmac=GW)
    s.app(o)
    s.to_wire(o)
    # malformed 155 (length 6) to the leg: counted and dropped
    bad = bytearray(v4(C1, LEG4, tcp(40000, 80, "S"),
                       [opt155(C1, 40000)], smac=GW, dmac=W))
    bad[14 + 21] = 6
    s.wire(bytes(bad))
    # the same malformed option to an address that is not ours: passed
    bad2 = bytearray(v4(C1, "10.0.0.99", tcp(40000, 80, "S"),
                        [opt155(C1, 40000)], smac=GW, dmac=W))
    bad2[14 + 21] = 6
    s.wire(bytes(bad2))
    s.to_kernel(bytes(bad2))
    # a wrong IPv4 header checksum on VIP traffic: dropped
    bc = bytearray(v4(C1, LEG4, tcp(40000, 80, "S"), smac=GW, dmac=W))
    bc[14 + 10] ^= 0x55
    s.wire(bytes(bc))
    # an SRH with Segments Left > Last Entry + 1 to our SID: dropped
    s1ca = sid(S1, CA)
    sr = bytearray(v6(D1, s1ca, tcp(40000, 80, "S"),
                      [srh([LB, s1ca, VIP6], 1)], final_dst=VIP6,
                      smac=GW, dmac=W))
    sr[14 + 40 + 3] = 9
    s.wire(bytes(sr))
    # our SID without any SRH: dropped
    s.wire(v6(D1, s1ca, tcp(40000, 80, "S"), smac=GW, dmac=W))
    # a hunt for a VIP we do not serve: dropped
    s.wire(v6(D1, s1ca, tcp(40000, 80, "S"),
              [srh([LB, s1ca, "2001:db8::999"], 1)],
              final_dst="2001:db8::999", smac=GW, dmac=W))
    # a truncated IPv6 header chain to the leg address: dropped
    tr = bytearray(v6(D1, LEG6, tcp(40000, 80, "S"), [ext27(D1, 40000)],
                      final_dst=LEG6, smac=GW, dmac=W))
    tr[14 + 41] = 7        # 27's length byte: 64 bytes, past the end
    s.wire(bytes(tr))
    r.run("other", CONFIG, s.fi, s.ex, counters={
        "tx_kernel_pass": 4, "tx_wire_pass": 4, "drop_malformed": 4,
        "drop_ipv4_csum": 1, "drop_unknown_vip": 1,
        "wire.ERR_IPV4_OPT_FORMAT": 1, "wire.ERR_SRH_SEGLEFT": 1,
        "wire.ERR_NOT_FOUND": 1, "flows.live": 0, "connections": 0})


def trust(r):
    """Issue 16: the agent acts only on frames addressed to it, takes
    dsrlb messages only from [wire] appliance_mac, and never gives the
    kernel a tuple no client can have; a client's own metric request
    makes no answer due."""
    s = Scn()
    syn = tcp(40000, 80, "S")
    # another backend's l2-leg frame, flooded to us: not taken
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=GW,
              dmac=mac(0x33)))
    # a client sends the appliance's messages itself (its own MAC):
    # a tuple that would rewrite its source, a metric request
    s.wire(v4(C1, LEG4, syn, [opt155("192.0.2.77", 1234), opt124()],
              smac=2, dmac=W))
    s.wire(v4(C1, LEG4, tcp(40000, 80, "A", 1001, 1), [opt124()],
              smac=2, dmac=K))
    s.wire(v6(D1, LEG6, syn, [ext27(D1, 40000), ext28()], smac=2, dmac=W))
    # so the application's reply is not an answer: it goes direct
    rep = v4(VIP4, C1, tcp(80, 40000, "SA", 7000, 1001), smac=K, dmac=GW)
    s.app(rep)
    s.to_wire(rep)
    # tuples no client can have, even from the appliance (or the second
    # configured MAC): never handed to the kernel
    for a, p, sm in (("0.0.0.0", 40000, GW), ("127.0.0.1", 40000, GW),
                     ("224.0.0.1", 40000, mac(0xfd)), (C1, 0, GW),
                     ("255.255.255.255", 40000, GW)):
        s.wire(v4(C1, LEG4, syn, [opt155(a, p)], smac=sm, dmac=W))
    for a in ("::", "::1", "ff02::1"):
        s.wire(v6(D1, LEG6, syn, [ext27(a, 40000)], smac=GW, dmac=W))
    # a 6LB offer from an appliance nobody configured (its lb segment):
    # not accepted, so no createStickiness ever goes to it
    segs = ["2001:db8:99::", sid(S1, CA), VIP6]
    s.wire(v6(D1, segs[1], syn, [srh(segs, 1)], final_dst=VIP6, smac=GW,
              dmac=W))
    # the genuine article still works, from either configured MAC
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=mac(0xfd), dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=mac(0xfd), dmac=K))
    r.run("trust", CONFIG, s.fi, s.ex, counters={
        "drop_l2_other": 1, "drop_untrusted_mac": 3, "drop_martian": 8,
        "drop_untrusted_lb": 1, "hunt_accept": 0,
        "request_seen": 0, "tx_wire_answer": 0, "tx_wire_direct": 1,
        "tx_kernel_dsr": 1, "connections": 0, "half_open": 1})


def syn_flood(r):
    """Issue 16: with busy = connections a SYN burst leaves the server's
    score alone (half-open connections are their own gauge); the one
    client that completes its handshake counts, and the answer to its
    request reports 1."""
    s = Scn()
    for i in range(50):
        c = "10.8.0.%d" % (i + 1)
        syn = tcp(40000, 80, "S")
        s.wire(v4(c, LEG4, syn, [opt155(c, 40000)], smac=GW, dmac=W))
        s.to_kernel(v4(c, VIP4, syn, smac=GW, dmac=K))
    ack = tcp(40000, 80, "A", 1001, 7001)
    s.wire(v4("10.8.0.1", LEG4, ack, [opt124()], smac=GW, dmac=W))
    s.to_kernel(v4("10.8.0.1", VIP4, ack, smac=GW, dmac=K))
    rep = tcp(80, 40000, "PA", 7001, 1001, b"ok")
    s.app(v4(VIP4, "10.8.0.1", rep, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, VIP4, rep, [opt155("10.8.0.1", 40000), opt125(1)],
                 smac=W, dmac=GW))
    r.run("syn_flood", CONFIG, s.fi, s.ex, counters={
        "conn_open": 50, "conn_established": 1, "half_open": 49,
        "connections": 1, "busy": 1, "score": 1, "tx_wire_answer": 1})


def bad_configs(r):
    """The agent refuses to start half-configured, naming file:line."""
    import subprocess
    cases = [
        ("no_gateway", CONFIG.replace("gateway_mac = 02:00:00:00:00:fe",
                                      ""), "gateway_mac"),
        ("no_appliance", CONFIG.replace(
            "appliance_mac = 02:00:00:00:00:fe 02:00:00:00:00:fd\n", ""),
         "[wire] appliance_mac is required"),
        ("bad_locator", CONFIG.replace(
            "appliance_locator = 2001:db8:ff::",
            "appliance_locator = 10.0.0.1"),
         "[wire] appliance_locator: '10.0.0.1 2001:db8:fe::' is not"),
        ("bad_appliance", CONFIG.replace(
            "appliance_mac = 02:00:00:00:00:fe", "appliance_mac = 02:00:zz"),
         "[wire] appliance_mac: '02:00:zz 02:00:00:00:00:fd' is not"),
        ("bad_key", CONFIG.replace("c = 1", "c = 1\nbogus = 2"),
         ":12: [general] bogus: unknown key"),
        ("bad_busy", CONFIG.replace("busy = connections", "busy = cpu"),
         ":8: [general] busy"),
        ("bad_leg", CONFIG.replace("leg_address = 10.0.0.11",
                                   "leg_address = 2001:db8::11"),
         "leg_address: not of the VIP's family"),
        # cfg_num.h: one number rule everywhere; "010" was 8 here
        ("leading_zero", CONFIG.replace("flow_capacity = 64",
                                        "flow_capacity = 064"),
         "[general] flow_capacity: '064' is not a decimal number "
         "without a leading zero"),
    ]
    example = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "..", "..", "config", "dsrlb-agent.ini")
    cases.append(("example", open(example).read(),
                  "port wire: no ethdev 'net_af_packet0'"))
    for name, cfg, want in cases:
        d = os.path.join(r.workdir, "cfg_" + name)
        os.makedirs(d, exist_ok=True)
        p = os.path.join(d, "agent.ini")
        with open(p, "w") as f:
            f.write(cfg)
        mem = subprocess.run([r.memargs, "64"], capture_output=True,
                             text=True).stdout.split()
        res = subprocess.run([r.dsrlb] + mem + [
            "--no-pci", "-l", "0", "--log-level=lib.eal:warning",
            "--", "--config", p], capture_output=True, text=True,
            timeout=60)
        out = res.stdout + res.stderr
        r.check(res.returncode != 0 and want in out,
                "config %s: stops with '%s'" % (name, want))
        if want not in out:
            print("# " + out.replace("\n", "\n# "))


def busy_shm(r):
    """Busy count published through shared memory (dsrlb-busy --shm):
    the answer's score, and SR_c passes connectAvail (7 busy >= c)."""
    import subprocess
    tool = os.environ.get("DSRLB_BUSY")
    if not tool:
        r.check(True, "# SKIP busy_shm: DSRLB_BUSY not set")
        return
    d = os.path.join(r.workdir, "busy_shm")
    os.makedirs(d, exist_ok=True)
    shm = os.path.join(d, "busy")
    if os.path.exists(shm):
        os.unlink(shm)
    res = subprocess.run([tool, "--shm", shm, "--total", "32", "7"])
    r.check(res.returncode == 0, "dsrlb-busy --shm publishes 7")
    cfg = CONFIG.replace("busy = connections", "busy = shm:" + shm)
    s = Scn()
    d1 = tcp(40000, 80, "A", 1001, 7001)
    s.wire(v4(C1, LEG4, d1, [opt124()], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, d1, smac=GW, dmac=K))
    rep = tcp(80, 40000, "PA", 7001, 1001, b"ok")
    s.app(v4(VIP4, C1, rep, smac=K, dmac=GW))
    s.to_wire(v4(LEG4, VIP4, rep, [opt155(C1, 40000), opt125(7)],
                 smac=W, dmac=GW))
    s1ca, s2cf = sid(S1, CA), sid(S2, CF)
    syn = tcp(40001, 80, "S")
    s.wire(v6(D1, s1ca, syn, [srh([LB, s1ca, s2cf, VIP6], 1)],
              final_dst=VIP6, smac=GW, dmac=W))
    s.to_wire(v6(D1, s2cf, syn, [srh([LB, s1ca, s2cf, VIP6], 2)],
                 final_dst=VIP6, smac=W, dmac=GW,
                 hlim=63))
    r.run("busy_shm", cfg, s.fi, s.ex, counters={
        "busy": 7, "score": 7, "busy_total": 32, "connections": 0,
        "tx_wire_answer": 1, "hunt_pass": 1})


def poll_msg(typ, score, nonce):
    return Raw(struct.pack("!IBBHQ", 0x44535250, 1, typ, score, nonce))


def polls(r, name="polls", cfg=CONFIG, score=0):
    """Mode polling (issue 22): the appliance's UDP poll to port 7399 of a
    leg address is answered by the agent itself, from the busyness its
    in-band answers carry (never reaching the kernel); polls from an
    untrusted MAC and datagrams that are no request are dropped."""
    s = Scn()
    q = UDP(sport=40000, dport=7399) / poll_msg(1, 0, 0x1122334455667788)
    a = UDP(sport=7399, dport=40000) / poll_msg(2, score,
                                                0x1122334455667788)
    s.wire(v4("10.0.0.1", LEG4, q, smac=GW, dmac=W, ttl=63))
    s.to_wire(v4(LEG4, "10.0.0.1", a, smac=W, dmac=GW, ttl=64))
    s.wire(v6("2001:db8::1", LEG6, q, smac=GW, dmac=W, hlim=60))
    s.to_wire(v6(LEG6, "2001:db8::1", a, smac=W, dmac=GW, hlim=64))
    # from a MAC that is no appliance_mac; an answer sent to the agent
    s.wire(v4("10.0.0.1", LEG4, q, smac=mac(0x33), dmac=W))
    s.wire(v4("10.0.0.1", LEG4, UDP(sport=40000, dport=7399) /
              poll_msg(2, 3, 1), smac=GW, dmac=W))
    r.run(name, cfg, s.fi, s.ex, counters={
        "tx_wire_poll": 2, "drop_poll": 2, "score": score,
        "tx_kernel_pass": 0})


def poll_shm(r):
    """A poll answers the busy count published through shared memory."""
    import subprocess
    tool = os.environ.get("DSRLB_BUSY")
    if not tool:
        r.check(True, "# SKIP poll_shm: DSRLB_BUSY not set")
        return
    d = os.path.join(r.workdir, "poll_shm")
    os.makedirs(d, exist_ok=True)
    shm = os.path.join(d, "busy")
    if os.path.exists(shm):
        os.unlink(shm)
    res = subprocess.run([tool, "--shm", shm, "--total", "32", "11"])
    r.check(res.returncode == 0, "dsrlb-busy --shm publishes 11")
    polls(r, "poll_shm", CONFIG.replace("busy = connections",
                                        "busy = shm:" + shm), 11)


def busy_socket(r):
    """Busy count sent to the agent's Unix datagram socket."""
    import subprocess
    import time
    tool = os.environ.get("DSRLB_BUSY")
    if not tool:
        r.check(True, "# SKIP busy_socket: DSRLB_BUSY not set")
        return
    d = os.path.join(r.workdir, "busy_socket")
    os.makedirs(d, exist_ok=True)
    sock = os.path.join(d, "agent.sock")
    cfg_path = os.path.join(d, "agent.ini")
    stats = os.path.join(d, "stats")
    empty = os.path.join(d, "empty.pcap")
    with open(empty, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    with open(cfg_path, "w") as f:
        f.write(CONFIG.replace("busy = connections", "busy = socket:" +
                               sock))
    for p in (sock, stats):
        if os.path.exists(p):
            os.unlink(p)
    mem = subprocess.run([r.memargs, "256"], capture_output=True,
                         text=True).stdout.split()
    cmd = [r.dsrlb] + mem + ["--no-pci", "-l", "0",
                             "--log-level=lib.eal:warning"]
    for i in range(2):
        cmd += ["--vdev", "net_pcap%d,rx_pcap=%s,tx_pcap=%s" %
                (i, empty, os.path.join(d, "out%d.pcap" % i))]
    cmd += ["--", "--config", cfg_path, "--stats-file", stats]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True)
    sent = False
    for _ in range(200):
        if os.path.exists(sock) and subprocess.run(
                [tool, "--socket", sock, "--total", "16", "9"],
                stderr=subprocess.DEVNULL).returncode == 0:
            sent = True
            break
        time.sleep(0.05)
    time.sleep(0.3)
    p.send_signal(2)
    out = p.communicate(timeout=60)[0]
    r.check(sent, "dsrlb-busy --socket reached the agent")
    r.check(p.returncode == 0, "busy_socket: SIGINT, clean exit 0")
    st = {}
    if os.path.exists(stats):
        for line in open(stats):
            k, v = line.split()
            st[k] = int(v)
    ok = st.get("busy") == 9 and st.get("score") == 9 and \
        st.get("busy_total") == 16 and st.get("busy_updates") == 1
    if not r.check(ok, "busy_socket: busy 9, score 9, total 16"):
        print("# " + out.replace("\n", "\n# "))


def full_mtu(r):
    """Issue 15: an answer never costs a packet. A full-size reply (1500
    bytes at the wire MTU 1500) has no room for the tuple and the answer:
    it goes straight to the client, and the answer waits for the next
    reply with room."""
    s = Scn()
    n_full = 40
    for fam in (4, 6):
        if fam == 4:
            def w(l4, opts):
                return v4(C1, LEG4, l4, opts, smac=GW, dmac=W)

            def k(l4):
                return v4(C1, VIP4, l4, smac=GW, dmac=K)

            def app(l4):
                return v4(VIP4, C1, l4, smac=K, dmac=GW)

            def ans(l4):
                return v4(LEG4, VIP4, l4, [opt155(C1, 40000), opt125(1)],
                          smac=W, dmac=GW)
            tup, req, seg = [opt155(C1, 40000)], [opt124()], 1460
        else:
            def w(l4, opts):
                return v6(D1, LEG6, l4, opts, final_dst=LEG6, smac=GW,
                          dmac=W)

            def k(l4):
                return v6(D1, VIP6, l4, smac=GW, dmac=K)

            def app(l4):
                return v6(VIP6, D1, l4, smac=K, dmac=GW)

            def ans(l4):
                return v6(LEG6, VIP6, l4, [ext27(D1, 40000), ext29(1)],
                          final_dst=VIP6, smac=W, dmac=GW)
            tup, req, seg = [ext27(D1, 40000)], [ext28()], 1440
        syn = tcp(40000, 80, "S")
        s.wire(w(syn, tup))
        s.to_kernel(k(syn))
        d = tcp(40000, 80, "PA", 1001, 7001, b"GET /")
        s.wire(w(d, req))
        s.to_kernel(k(d))
        # full-size replies: no room, sent direct, untouched
        for i in range(n_full):
            full = app(tcp(80, 40000, "A", 7001 + i * seg, 1006,
                           b"x" * seg))
            s.app(full)
            s.to_wire(full)
        # the first reply with room carries the answer
        small = tcp(80, 40000, "PA", 7001 + n_full * seg, 1006, b"end")
        s.app(app(small))
        s.to_wire(ans(small))
        # and the one after it goes direct again
        nxt = app(tcp(80, 40000, "A", 7004 + n_full * seg, 1006, b"x"))
        s.app(nxt)
        s.to_wire(nxt)
        fin = app(tcp(80, 40000, "FA", 7005 + n_full * seg, 1006))
        s.app(fin)
        s.to_wire(fin)
    r.run("full_mtu", CONFIG, s.fi, s.ex, counters={
        "tx_kernel_dsr": 4, "tx_wire_answer": 2,
        "tx_wire_direct": 2 * (n_full + 2), "answer_deferred": 2 * n_full,
        "drop_insert": 0, "request_seen": 2})


def icmp(r):
    """Issue 15: the appliance sends an ICMP error about a VIP flow to the
    flow's server at its leg address (IPv4) or address (IPv6); the agent
    hands it to the kernel as it came, where the quote (VIP:port ->
    client:port) finds the connection and its path MTU."""
    from scapy.all import ICMP, IP, IPv6, ICMPv6PacketTooBig
    s = Scn()
    q4 = IP(src=VIP4, dst=C1) / tcp(80, 40000, "PA", 7001, 1001, b"r" * 8)
    e4 = bytes(Ether(src=GW, dst=W) / IP(src="10.0.0.254", dst=LEG4) /
               ICMP(type=3, code=4, nexthopmtu=1400) / Raw(bytes(q4)))
    s.wire(e4)
    s.to_kernel(e4)
    q6 = IPv6(src=VIP6, dst=D1) / tcp(80, 40000, "PA", 7001, 1001, b"r")
    e6 = bytes(Ether(src=GW, dst=W) / IPv6(src="2001:db8::fe", dst=LEG6) /
               ICMPv6PacketTooBig(mtu=1400) / Raw(bytes(q6)))
    s.wire(e6)
    s.to_kernel(e6)
    r.run("icmp", CONFIG, s.fi, s.ex, counters={"tx_kernel_pass": 2})


def atomic_frag(r):
    """Issue 15: an IPv6 atomic fragment (RFC 6946) is a whole packet:
    its tuple is removed and the VIP restored like any other's."""
    s = Scn()
    fr = (44, b"\0" + struct.pack("!HI", 0, 0x1234))
    syn = tcp(40000, 80, "S")
    s.wire(v6(D1, LEG6, syn, [fr, ext27(D1, 40000)], final_dst=LEG6,
              smac=GW, dmac=W))
    s.to_kernel(v6(D1, VIP6, syn, [fr], smac=GW, dmac=K))
    # fragments (issue 15): the first like a packet (VIP restored, TCP
    # checksum adjusted), later ones with the VIP put back as destination
    # (IPv4 header checksum only), for the kernel to reassemble
    first = IP(src=C2, dst=LEG4, id=0x55, flags="MF") / \
        tcp(40001, 80, "S") / Raw(b"z" * 16)
    s.wire(bytes(Ether(src=GW, dst=W) / first))
    s.to_kernel(bytes(Ether(src=GW, dst=K) /
                      IP(src=C2, dst=VIP4, id=0x55, flags="MF") /
                      tcp(40001, 80, "S") / Raw(b"z" * 16)))
    s.wire(bytes(Ether(src=GW, dst=W) /
                 IP(src=C2, dst=LEG4, id=0x55, frag=3, proto=6) /
                 Raw(b"w" * 16)))
    s.to_kernel(bytes(Ether(src=GW, dst=K) /
                      IP(src=C2, dst=VIP4, id=0x55, frag=3, proto=6) /
                      Raw(b"w" * 16)))
    later6 = bytes([6]) + b"\0" + struct.pack("!HI", 3 << 3, 7) + \
        b"x" * 16
    s.wire(bytes(Ether(src=GW, dst=W) /
                 IPv6(src=D2, dst=LEG6, nh=44, plen=24)) + later6)
    s.to_kernel(bytes(Ether(src=GW, dst=K) /
                      IPv6(src=D2, dst=VIP6, nh=44, plen=24)) + later6)
    r.run("atomic_frag", CONFIG, s.fi, s.ex, counters={
        "tx_kernel_dsr": 2, "tx_kernel_frag": 2, "drop_fragment": 0,
        "conn_open": 2})


def martians(r):
    """Issue 15: the agent drops martian and land clients (also when the
    client tuple names them) and source port 0 before its kernel sees
    them."""
    s = Scn()
    syn = tcp(40000, 80, "S")
    for src in ("0.0.0.0", "127.0.0.1", "224.0.0.5", VIP4, LEG4):
        s.wire(v4(src, LEG4, syn, [opt155(src, 40000)], smac=GW, dmac=W))
    s.wire(v4(C1, LEG4, tcp(0, 80, "S"), [opt155(C1, 0)], smac=GW, dmac=W))
    s.wire(v4("10.0.0.250", LEG4, syn, [opt155("0.0.0.0", 40000)],
              smac=GW, dmac=W))
    for src in ("::", "::1", "ff02::1", VIP6):
        s.wire(v6(src, LEG6, syn, [ext27(src, 40000)], final_dst=LEG6,
                  smac=GW, dmac=W))
    # a good one still goes through
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    r.run("martians", CONFIG, s.fi, s.ex, counters={
        "drop_martian": 11, "tx_kernel_dsr": 1, "conn_open": 1})


def jumbo(r):
    """Issue 15: wire MTU 9000: jumbo frames fit one mbuf and go through
    (no drop_chained)."""
    s = Scn()
    syn = tcp(40000, 80, "S", 1, 0, b"s" * 8000)
    s.wire(v4(C1, LEG4, syn, [opt155(C1, 40000)], smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, syn, smac=GW, dmac=K))
    big = tcp(40000, 80, "A", 8002, 1, b"j" * 8960)
    s.wire(v4(C1, LEG4, big, smac=GW, dmac=W))
    s.to_kernel(v4(C1, VIP4, big, smac=GW, dmac=K))
    cfg = CONFIG.replace("[port wire]\ndev = net_pcap0\n",
                         "[port wire]\ndev = net_pcap0\nmtu = 9000\n")
    r.run("jumbo", cfg, s.fi, s.ex, counters={
        "tx_kernel_dsr": 2, "drop_chained": 0})


SCENARIOS = {"trust": trust, "syn_flood": syn_flood, "jumbo": jumbo, "martians": martians, "full_mtu": full_mtu, "icmp": icmp, "atomic_frag": atomic_frag, "dsr4": dsr4, "dsr6": dsr6, "hunt": hunt, "other": other,
             "busy_shm": busy_shm, "busy_socket": busy_socket,
             "polls": polls, "poll_shm": poll_shm,
             "bad_configs": bad_configs, "recover": recover,
             "recover6": recover6, "recover_stale": recover_stale,
             "recover_return": recover_return}


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    r = Runner(sys.argv[1], sys.argv[2], sys.argv[3])
    names = sys.argv[4:] or list(SCENARIOS)
    for n in names:
        SCENARIOS[n](r)
    print("1..%d" % r.n)
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
