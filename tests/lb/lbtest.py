# SPDX-License-Identifier: BSD-3-Clause
"""Harness of the appliance's pcap tests.

A scenario is a configuration, a list of input frames with their capture
times, and the frames the appliance must send, in order, byte for byte.
The real dsrlb binary runs on DPDK's net_pcap device (rx_pcap = the input,
tx_pcap = its output) with the pcap clock, so timers follow the capture.
Expected frames are built here with scapy, an implementation independent
of lib/: checksums, lengths and header chains are scapy's, not ours.

An expected entry is either bytes or Alt(group, {choice: bytes}): the
appliance chose (a random or hashed backend); every Alt of one group must
take the same choice, so later frames check that a flow did not move.
"""
import os
import socket
import struct
import subprocess
import sys

from scapy.all import (ARP, IP, TCP, UDP, Ether, IPOption, IPv6,  # noqa
                       ICMPv6ND_NS, ICMPv6ND_NA, ICMPv6NDOptSrcLLAddr,
                       Raw, rdpcap, wrpcap)

# How long the appliance waits after the last frame before it exits;
# sanitizer builds (scripts/test.sh's TSan stage) start their lcores and
# read the captures several times slower and raise it.
IDLE_EXIT_MS = os.environ.get("DSRLB_TEST_IDLE_EXIT_MS", "300")

LB_MAC = "02:70:63:61:70:00"          # net_pcap0's MAC
PKT_MSG_COUNTERS_END = ("tx_", "drop_", "handoff", "neigh_consumed",
                        "to_kernel")


# [general] auth_key of the tests, and a second one for rotations
AUTH_KEY = "000102030405060708090a0b0c0d0e0f"
AUTH_KEY2 = "f0e1d2c3b4a5968778695a4b3c2d1e0f"


def siphash24(key, data):
    """SipHash-2-4 (Aumasson & Bernstein 2012), written independently of
    lib/policy/auth_key.c to check it."""
    M = (1 << 64) - 1

    def rotl(x, b):
        return ((x << b) | (x >> (64 - b))) & M

    def rnd(v):
        v[0] = (v[0] + v[1]) & M; v[1] = rotl(v[1], 13); v[1] ^= v[0]
        v[0] = rotl(v[0], 32)
        v[2] = (v[2] + v[3]) & M; v[3] = rotl(v[3], 16); v[3] ^= v[2]
        v[0] = (v[0] + v[3]) & M; v[3] = rotl(v[3], 21); v[3] ^= v[0]
        v[2] = (v[2] + v[1]) & M; v[1] = rotl(v[1], 17); v[1] ^= v[2]
        v[2] = rotl(v[2], 32)

    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:], "little")
    v = [k0 ^ 0x736f6d6570736575, k1 ^ 0x646f72616e646f6d,
         k0 ^ 0x6c7967656e657261, k1 ^ 0x7465646279746573]
    tail = len(data) % 8
    for i in range(0, len(data) - tail, 8):
        m = int.from_bytes(data[i:i + 8], "little")
        v[3] ^= m
        rnd(v)
        rnd(v)
        v[0] ^= m
    b = (len(data) & 0xff) << 56 | int.from_bytes(
        data[len(data) - tail:] + b"\0" * (8 - tail), "little")
    v[3] ^= b
    rnd(v)
    rnd(v)
    v[0] ^= b
    v[2] ^= 0xff
    for _ in range(4):
        rnd(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def auth_nonce(key_hex, client, cport, vip, vport, be, proto=6):
    """The appliance's nonce of a request to backend index @be."""
    fam = 6 if ":" in vip else 4
    a = socket.inet_pton(socket.AF_INET6 if fam == 6 else socket.AF_INET,
                         client)
    d = socket.inet_pton(socket.AF_INET6 if fam == 6 else socket.AF_INET,
                         vip)
    m = bytes([fam, proto]) + a.ljust(16, b"\0") + d.ljust(16, b"\0") + \
        struct.pack(">HHI", cport, vport, be)
    h = siphash24(bytes.fromhex(key_hex), m)
    return ((h ^ (h >> 32)) & 0xffffffff) | 1


def mac(n):
    return "02:00:00:00:00:%02x" % n


class Alt:
    def __init__(self, group, choices):
        self.group = group
        self.choices = choices


class Masked:
    """Expected bytes except the @spans (offset, length) the appliance
    fills unpredictably (a nonce)."""
    def __init__(self, data, spans):
        self.data = data
        self.spans = spans

    def matches(self, got):
        if len(got) != len(self.data):
            return False
        a, b = bytearray(got), bytearray(self.data)
        for off, n in self.spans:
            a[off:off + n] = b"\0" * n
            b[off:off + n] = b"\0" * n
        return a == b


# ---- IPv4 options and IPv6 headers, written from the formats in
# ---- docs/wire-format.md (not with lib/) ----------------------------

def opt155(addr, port):
    return IPOption(b"\x9b\x08" + socket.inet_aton(addr) +
                    struct.pack("!H", port))


def opt124(nonce=None):
    if nonce is None:
        return IPOption(b"\x7c\x04\x00\x00")
    return IPOption(b"\x7c\x08\x00\x00" + struct.pack("!I", nonce))


def opt125(score, nonce=None):
    if nonce is None:
        return IPOption(b"\x7d\x04" + struct.pack("!H", score))
    return IPOption(b"\x7d\x08" + struct.pack("!HI", score, nonce))


def opt158(index, count, cookie=0):
    """Recover marker (issue 17): candidate index, d, cookie."""
    return IPOption(bytes([0x9e, 8, index, count]) +
                    struct.pack("!I", cookie))


def opt158a(index, count, cookie, addr):
    """Recover marker with an address (issue 17, "Recovery through a
    router"): the return address in an offer, the VIP on the way back."""
    return IPOption(bytes([0x9e, 12, index, count]) +
                    struct.pack("!I", cookie) + socket.inet_aton(addr))


def v4(src, dst, l4, options=None, smac=1, dmac=LB_MAC, ttl=64, ipid=1):
    ip = IP(src=src, dst=dst, ttl=ttl, id=ipid, flags="DF")
    if options:
        ip.options = options
    return bytes(Ether(src=mac(smac) if isinstance(smac, int) else smac,
                       dst=dmac) / ip / l4)


def ext27(addr, port):
    """Client tuple header body (without the Next Header byte)."""
    return (27, bytes([2]) + struct.pack("!H", port) + b"\0" * 4 +
            socket.inet_pton(socket.AF_INET6, addr))


def ext28(nonce=0):
    return (28, b"\0\0\0" + struct.pack("!I", nonce))


def ext29(score, nonce=0):
    return (29, b"\0" + struct.pack("!HI", score, nonce))


def do_msgs(c, port, sub, b4, b5, word):
    """Destination Options body (without Next Header) holding the client
    tuple (sub-type 1) and one 8-byte dsrlb option of sub-type @sub
    (4: recover marker, index @b4, d @b5, cookie @word; 3: answer, score
    @b4 << 8 | @b5, nonce @word), as the engine appends them: PadN 0
    before the second option, PadN 2 after (docs/wire-format.md)."""
    return bytes([4, 0x1e, 20, 1, 0]) + struct.pack("!H", port) + \
        socket.inet_pton(socket.AF_INET6, c) + bytes([1, 0]) + \
        bytes([0x1e, 8, sub, 0, b4, b5]) + struct.pack("!I", word) + \
        bytes([1, 2, 0, 0])


def ext253(index, count, cookie):
    """Recover marker header 253 (body without Next Header)."""
    return (253, bytes([0, index, count]) + struct.pack("!I", cookie))


def srh(segs_reading_order, first=1):
    """SRH body (without Next Header) from 6LB reading order."""
    n = len(segs_reading_order)
    body = bytes([2 * n, 4, n - 1 - first, n - 1, 0, 0, 0])
    for s in reversed(segs_reading_order):
        body += socket.inet_pton(socket.AF_INET6, s)
    return (43, body)


def v6(src, dst, l4, exts=(), final_dst=None, smac=1, dmac=LB_MAC, hlim=64):
    """IPv6 frame with extension headers @exts (type, body-without-NH)
    between the header and @l4; the transport checksum is scapy's over
    @final_dst (RFC 8200 8.1)."""
    seg = bytes(IPv6(src=src, dst=final_dst or dst, hlim=hlim) / l4)[40:]
    proto = 6 if TCP in l4 else 17
    chain = b""
    types = [t for t, _ in exts] + [proto]
    for i, (_, body) in enumerate(exts):
        chain += bytes([types[i + 1]]) + body
    hdr = IPv6(src=src, dst=dst, hlim=hlim, nh=types[0],
               plen=len(chain) + len(seg))
    return bytes(Ether(src=mac(smac) if isinstance(smac, int) else smac,
                       dst=dmac, type=0x86dd)) + bytes(hdr)[:40] + chain + \
        seg


def sid(locator_prefix, code):
    """SID of a /64 locator with a 16-bit function code (the default
    layout): prefix::code:0:0:0."""
    a = bytearray(socket.inet_pton(socket.AF_INET6, locator_prefix))
    a[8:10] = struct.pack("!H", code)
    return socket.inet_ntop(socket.AF_INET6, bytes(a))


CA, CF, CS, AS, RMS, RS = 1, 2, 3, 4, 5, 6


# ---- running ----------------------------------------------------------

class Runner:
    def __init__(self, dsrlb, memargs, workdir):
        self.dsrlb = dsrlb
        self.memargs = memargs
        self.workdir = workdir
        self.failed = 0
        self.n = 0

    def check(self, ok, what):
        self.n += 1
        print("%s %d - %s" % ("ok" if ok else "not ok", self.n, what))
        if not ok:
            self.failed += 1
        return ok

    def run(self, name, config, frames, expect, counters=None, want_rc=0,
            queues=1, lcores=("-l", "0"), collect=None, mem=None):
        """@frames: list of (time_s, bytes), or {port: list} for several
        net_pcap ports (net_pcap0, net_pcap1, ...); @expect likewise.
        @mem: EAL memory arguments (default: eal-mem-args.sh's for 256 MB).
        Returns (groups, stats)."""
        d = os.path.join(self.workdir, name)
        os.makedirs(d, exist_ok=True)
        cfg = os.path.join(d, "dsrlb.ini")
        stats = os.path.join(d, "stats")
        with open(cfg, "w") as f:
            f.write(config)
        if not isinstance(frames, dict):
            frames, expect = {0: frames}, {0: expect}
        vdevs, outs, n_in = [], {}, 0
        for port, fl in sorted(frames.items()):
            # @queues > 1: frame i goes to queue (file) i % queues, in
            # whole groups when the list holds lists (one per flow)
            args, outs[port] = [], []
            for q in range(queues):
                inp = os.path.join(d, "in%d-%d.pcap" % (port, q))
                out = os.path.join(d, "out%d-%d.pcap" % (port, q))
                pk = []
                for t, b in fl[q::queues]:
                    p = Ether(b)
                    p.time = t
                    pk.append(p)
                n_in += len(pk)
                wrpcap(inp, pk)
                if os.path.exists(out):
                    os.unlink(out)
                outs[port].append(out)
                args.append("rx_pcap=%s,tx_pcap=%s" % (inp, out))
            vdevs += ["--vdev", "net_pcap%d,%s" % (port, ",".join(args))]
        if os.path.exists(stats):
            os.unlink(stats)
        if mem is None:
            mem = subprocess.run([self.memargs, "256"], capture_output=True,
                                 text=True).stdout.split()
        cmd = [self.dsrlb] + mem + [
            "--no-pci"] + list(lcores) + ["--log-level=lib.eal:warning"] + \
            vdevs + [
            "--", "--config", cfg, "--clock", "pcap",
            "--idle-exit-ms", IDLE_EXIT_MS, "--stats-file", stats]
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        with open(os.path.join(d, "log"), "w") as f:
            f.write(r.stdout + r.stderr)
        if not self.check(r.returncode == want_rc,
                          "%s: dsrlb exits %d (every mbuf back in its pool)"
                          % (name, want_rc)):
            print(r.stdout + r.stderr)
            return {}, {}
        st = {}
        with open(stats) as f:
            for line in f:
                k, v = line.split()
                st[k] = int(v)
        groups = {}
        for port, files in sorted(outs.items()):
            got = []
            for out in files:
                if os.path.exists(out) and os.path.getsize(out) > 24:
                    got += [bytes(p) for p in rdpcap(out)]
            if collect is not None:
                # a learning run: hand the frames back, compare nothing
                collect[port] = got
                continue
            want = expect.get(port, [])
            if queues > 1:
                # several lcores: the order across queues is theirs
                got, want = sorted(got), sorted(want)
            groups.update(self.compare("%s port %d" % (name, port), got,
                                       want, groups))
        # Every frame is accounted for by exactly one final counter.
        ends = sum(v for k, v in st.items()
                   if k.startswith(PKT_MSG_COUNTERS_END) and
                   k not in ("tx_queue_full", "handoff_ring_full"))
        # (a frame handed to another lcore is processed, and counted,
        # twice: "handoff" by the first lcore, its fate by the owner)
        passes = n_in + st.get("handoff", 0)
        self.check(st.get("rx", 0) == passes and ends == passes,
                   "%s: %d frames in, %d passes, rx %d, accounted %d" %
                   (name, n_in, passes, st.get("rx", 0), ends))
        for k, v in (counters or {}).items():
            self.check(st.get(k, 0) == v, "%s: counter %s = %d (got %d)" %
                       (name, k, v, st.get(k, 0)))
        return groups, st

    def compare(self, name, got, expect, groups=None):
        groups = dict(groups or {})
        ok = self.check(len(got) == len(expect),
                        "%s: %d frames out (expected %d)" %
                        (name, len(got), len(expect)))
        for i, (g, e) in enumerate(zip(got, expect)):
            if isinstance(e, Alt):
                if e.group in groups:
                    want = e.choices[groups[e.group]]
                    match = (want.matches(g) if isinstance(want, Masked)
                             else g == want)
                    if isinstance(want, Masked):
                        want = want.data
                else:
                    match = False
                    for k, b in e.choices.items():
                        if (b.matches(g) if isinstance(b, Masked)
                                else g == b):
                            groups[e.group] = k
                            match = True
                            break
                    want = list(e.choices.values())[0]
                    if isinstance(want, Masked):
                        want = want.data
            elif isinstance(e, Masked):
                want = e.data
                match = e.matches(g)
            else:
                want = e
                match = g == e
            if not self.check(match, "%s: frame %d as expected" %
                              (name, i + 1)):
                print("# got:")
                Ether(g).show2()
                print("# expected:")
                Ether(want).show2()
                ok = False
        if not ok and len(got) != len(expect):
            for g in got:
                print("# out: " + Ether(g).summary())
        return groups
