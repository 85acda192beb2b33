#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Write a small capture for config/dsrlb.ini: what the appliance's one
port would receive from clients and servers. TCP connections to the
dsr-feedback VIPs (IPv4 and IPv6) with the servers' metric answers, 6LB
connections to the hunt VIP with createStickiness from the servers, Maglev
connections, ARP and neighbour solicitations for the VIPs.

usage: demo-traffic.py OUT.pcap [CONNECTIONS_PER_VIP]
Built with scapy, independently of dsrlb's own codecs.
"""
import socket
import struct
import sys

from scapy.all import (ARP, IP, TCP, Ether, ICMPv6ND_NS,
                       ICMPv6NDOptSrcLLAddr, IPOption, IPv6,
                       IPv6ExtHdrSegmentRouting, Raw, wrpcap)

LB = "02:70:63:61:70:00"          # net_pcap0
CMAC = "02:00:00:00:00:02"


def mac(n):
    return "02:00:00:00:00:%02x" % n


def sid(loc, code):
    a = bytearray(socket.inet_pton(socket.AF_INET6, loc))
    a[8:10] = struct.pack("!H", code)
    return socket.inet_ntop(socket.AF_INET6, bytes(a))


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    pk = []
    t = [1.0]

    def add(p):
        t[0] += 0.0005
        p.time = t[0]
        pk.append(p)

    add(Ether(src=CMAC, dst="ff:ff:ff:ff:ff:ff") /
        ARP(op=1, hwsrc=CMAC, psrc="10.0.0.2", pdst="10.0.0.100"))
    add(Ether(src=CMAC, dst="33:33:ff:00:01:00") /
        IPv6(src="2001:db8::2", dst="ff02::1:ff00:100", hlim=255) /
        ICMPv6ND_NS(tgt="2001:db8::100") /
        ICMPv6NDOptSrcLLAddr(lladdr=CMAC))
    req = b"GET / HTTP/1.1\r\nHost: vip\r\n\r\n"
    for i in range(n):
        port = 20000 + i
        # dynamic DSR over IPv4: handshake and request; both servers
        # answer (only the one that was asked counts)
        for l4 in (TCP(sport=port, dport=80, flags="S", seq=1),
                   TCP(sport=port, dport=80, flags="A", seq=2, ack=2),
                   TCP(sport=port, dport=80, flags="PA", seq=2, ack=2) /
                   Raw(req)):
            add(Ether(src=CMAC, dst=LB) /
                IP(src="10.0.0.2", dst="10.0.0.100") / l4)
        for s, score in ((11, i % 7), (12, (i * 3) % 5)):
            add(Ether(src=mac(s), dst=LB) /
                IP(src="10.0.0.%d" % s, dst="10.0.0.100", options=[
                    IPOption(b"\x9b\x08" + socket.inet_aton("10.0.0.2") +
                             struct.pack("!H", port)),
                    IPOption(b"\x7d\x04" + struct.pack("!H", score))]) /
                TCP(sport=80, dport=port, flags="PA", seq=2, ack=2 +
                    len(req)) / Raw(b"HTTP/1.1 200 OK\r\n\r\n"))
        # dynamic DSR over IPv6
        for l4 in (TCP(sport=port, dport=80, flags="S", seq=1),
                   TCP(sport=port, dport=80, flags="A", seq=2, ack=2)):
            add(Ether(src=CMAC, dst=LB) /
                IPv6(src="2001:db8::2", dst="2001:db8::100") / l4)
        # 6LB: offer, createStickiness from s2, then steered data
        add(Ether(src=CMAC, dst=LB) /
            IPv6(src="2001:db8::2", dst="2001:db8::200") /
            TCP(sport=port, dport=80, flags="S", seq=1))
        add(Ether(src=mac(0x22), dst=LB) /
            IPv6(src="2001:db8::200", dst=sid("2001:db8:ff::", 3)) /
            IPv6ExtHdrSegmentRouting(
                addresses=["2001:db8::2", sid("2001:db8:ff::", 3),
                           "2001:db8:a2::"], segleft=1, lastentry=2) /
            TCP(sport=80, dport=port, flags="SA", seq=1, ack=2))
        add(Ether(src=CMAC, dst=LB) /
            IPv6(src="2001:db8::2", dst="2001:db8::200") /
            TCP(sport=port, dport=80, flags="PA", seq=2, ack=2) / Raw(req))
        # Maglev
        add(Ether(src=CMAC, dst=LB) /
            IP(src="10.0.0.2", dst="10.0.0.101") /
            TCP(sport=port, dport=8080, flags="S", seq=1))
    wrpcap(out, pk)
    print("%s: %d frames" % (out, len(pk)))


if __name__ == "__main__":
    main()
