#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""Mode polling changed live, against the real dsrlb binary (issue 22).

The appliance starts without a polling VIP. Through its control socket
(dsrlb-ctl) a polling VIP and its backends are added, then a reload
brings another one from the file: the poller must poll their servers
from the next round on (before, only a restart did), publish their
scores to the workers, and `show poll` must show what it heard: each
server's last polled load, the age of that answer, the poll outstanding
and the timeouts of a server that stopped answering.

The servers are UDP sockets on loopback addresses answering fixed
scores (the poller uses the kernel's sockets), as in test_lb_pcap.py's
polling scenario; the agent's side is tests/agent's poll scenario.

usage: test_poll_console.py DSRLB DSRLB_CTL EAL_MEM_ARGS_SH WORKDIR
Prints TAP.
"""
import os
import re
import socket
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from tap import check, plan  # noqa: E402
from lbtest import v4  # noqa: E402
from scapy.all import TCP, Ether, wrpcap  # noqa: E402

DSRLB, CTL, MEMARGS, WORK = sys.argv[1:5]

# loopback addresses of the polled servers (none other test uses them)
S1, S2, S3 = "127.0.0.41", "127.0.0.42", "127.0.0.43"
POLL_PORT = 7399
MAGIC = 0x44535250

CONFIG = """
[general]
flow_capacity = 8192
idle_sleep_us = 1000
poll_interval_ms = 5
auth_key = 0123456789abcdef0123456789abcdef

[port wire]
dev = net_pcap0
role = both
ipv4 = 10.0.0.1/24

[neighbours]
10.0.0.2 = 02:00:00:00:00:02
10.0.0.11 = 02:00:00:00:00:11

[routes]
127.0.0.0/24 = 10.0.0.2

[vip mg]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11
"""

# what the reload adds
RELOADED = """
[vip pf]
address = 10.0.0.102
port = 8080
mode = polling
auth = no
backend.f3 = %s
""" % S3


def ctl(sock, *cmd):
    r = subprocess.run([CTL, "-s", sock] + list(cmd), capture_output=True,
                       text=True, timeout=30)
    return r.returncode, r.stdout


class Server:
    """A server's poll answerer: answers every well-formed request with
    a fixed score; counts requests (and malformed ones)."""

    def __init__(self, addr, score):
        self.addr, self.score = addr, score
        self.nonces, self.bad = [], 0
        self.stop = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((addr, POLL_PORT))
        self.sock.settimeout(0.05)
        self.th = threading.Thread(target=self.serve)
        self.th.start()

    def serve(self):
        while not self.stop.is_set():
            try:
                b, src = self.sock.recvfrom(64)
            except socket.timeout:
                continue
            if len(b) != 16:
                self.bad += 1
                continue
            magic, ver, typ, sc, nonce = struct.unpack("!IBBHQ", b)
            if magic != MAGIC or ver != 1 or typ != 1 or sc != 0:
                self.bad += 1
                continue
            self.nonces.append(nonce)
            self.sock.sendto(struct.pack("!IBBHQ", MAGIC, 1, 2, self.score,
                                         nonce), src)

    def close(self):
        self.stop.set()
        self.th.join()
        self.sock.close()


def poll_rows(out):
    """show poll's backend rows: name -> (address, load, age, outstanding,
    timeouts)."""
    rows = {}
    for line in out.splitlines():
        m = re.match(r"^  (\S+)\s+(\S+)\s+(\S+)\s+(-|[0-9.]+ ms)\s+(\d+)\s+"
                     r"(\d+)$", line)
        if m and m.group(1) != "backend":
            rows[m.group(1)] = (m.group(2), m.group(3), m.group(4),
                                int(m.group(5)), int(m.group(6)))
    return rows


def snapshot(out, vip):
    m = re.search(r"^vip %s: published snapshot (\d+)$" % vip, out, re.M)
    return int(m.group(1)) if m else -1


def main():
    d = os.path.join(WORK, "poll_live")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG)
    inp = os.path.join(d, "in.pcap")
    wrpcap(inp, [Ether(v4("10.0.0.2", "10.0.0.100",
                          TCP(sport=20000, dport=80, flags="S"), smac=2))])
    sock = os.path.join(d, "ctl.sock")
    prefix = "dsrlbpoll%d" % os.getpid()
    mem = subprocess.run([MEMARGS, "256"], capture_output=True,
                         text=True).stdout.split()
    servers = {a: Server(a, sc) for a, sc in ((S1, 40), (S2, 7), (S3, 9))}
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([DSRLB] + mem + [
        "--file-prefix", prefix, "--no-pci", "-l", "0",
        "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=/dev/null" % inp, "--",
        "--config", cfg, "--ctl-socket", sock],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(300):
            if os.path.exists(sock) or p.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(0.2)
        rc, out = ctl(sock, "show poll")
        check(rc == 0 and "no VIP in mode polling" in out,
              "show poll without a polling VIP says so", out)
        time.sleep(0.1)
        check(all(not s.nonces for s in servers.values()),
              "nobody is polled without a polling VIP")

        # a polling VIP and its backends, added live (back to back: two
        # changes between two rounds)
        for cmd in ("vip add pl 10.0.0.101 80 tcp polling",
                    "vip set pl auth off",
                    "backend add pl s1 %s" % S1,
                    "backend add pl s2 %s" % S2):
            rc, out = ctl(sock, cmd)
            check(rc == 0 and not out.startswith("error"),
                  "live: %s" % cmd, out)
        time.sleep(0.3)
        n1, n2 = len(servers[S1].nonces), len(servers[S2].nonces)
        check(n1 >= 10 and n2 >= 10,
              "live: the added VIP's servers are polled without a restart "
              "(%d and %d polls in 0.3 s at 5 ms)" % (n1, n2))
        check(all(len(set(s.nonces)) == len(s.nonces) and s.bad == 0
                  for s in servers.values()),
              "live: well-formed polls, a new nonce every round")
        check(not servers[S3].nonces, "live: a server of no polling VIP "
              "is not polled")
        rc, out = ctl(sock, "show poll pl")
        rows = poll_rows(out)
        check(rc == 0 and rows.get("s1", ("",))[:2] == (S1, "40") and
              rows.get("s2", ("",))[:2] == (S2, "7"),
              "show poll pl: the last polled load of each server", out)
        # (a busy machine may delay a Python answer past its round)
        check(len(rows) == 2 and
              all(r[2] != "-" and float(r[2].split()[0]) < 100.0 and
                  r[3] in (0, 1) and r[4] <= 3 for r in rows.values()),
              "show poll pl: answers younger than 100 ms, at most one poll "
              "outstanding, hardly a timeout", out)
        g1 = snapshot(out, "pl")
        time.sleep(0.1)
        rc, out = ctl(sock, "show poll pl")
        g2 = snapshot(out, "pl")
        check(0 < g1 < g2, "show poll pl: the scores are published to the "
              "workers every round (snapshot %d, then %d)" % (g1, g2), out)
        rc, out = ctl(sock, "show poll mg")
        check(rc == 1 and out.strip() ==
              "error: show poll: vip mg is not in mode polling",
              "show poll of a VIP in another mode: one clear error", out)
        rc, out = ctl(sock, "show poll nosuch")
        check(rc == 1 and out.startswith("error: no VIP named 'nosuch'"),
              "show poll of no VIP: one clear error", out)

        # a server stops answering: its polls time out, its load is
        # forgotten after LB_POLL_MISSED_MAX rounds
        rc, out = ctl(sock, "show poll pl")
        before = poll_rows(out)
        servers[S2].close()
        time.sleep(0.2)
        rc, out = ctl(sock, "show poll pl")
        rows = poll_rows(out)
        s2 = rows.get("s2", ("", "", "", 0, 0))
        # Timeouts over the same 0.2 s, the two servers side by side: a
        # busy machine (the ASan build beside other tests) delays a
        # Python answer past its round now and then (11 of 242 rounds in
        # a clean-clone run, over a fixed 1 in 25), but the live server
        # must still time out at most a quarter as often as the silent
        # one, which times out every round.
        d1 = (rows.get("s1", ("", "", "", 0, 99))[4] -
              before.get("s1", ("", "", "", 0, 0))[4])
        d2 = s2[4] - before.get("s2", ("", "", "", 0, 0))[4]
        check(s2[1] == "-" and d2 >= 10 and 4 * d1 <= d2,
              "show poll pl: a silent server's polls time out and its "
              "load is forgotten; the other one hardly ever (%d and %d "
              "timeouts in 0.2 s)" % (d2, d1), out)

        # reload: the file's polling VIP replaces the console's
        with open(cfg, "a") as f:
            f.write(RELOADED)
        rc, out = ctl(sock, "reload")
        check(rc == 0 and not out.startswith("error"), "reload", out)
        n1 = len(servers[S1].nonces)
        time.sleep(0.3)
        n3 = len(servers[S3].nonces)
        check(n3 >= 10, "reload: the new polling VIP's server is polled "
              "(%d polls in 0.3 s)" % n3)
        check(len(servers[S1].nonces) - n1 <= 2,
              "reload: the removed VIP's server is no longer polled")
        rc, out = ctl(sock, "show poll")
        rows = poll_rows(out)
        check(rc == 0 and rows.get("f3", ("",))[:2] == (S3, "9") and
              "vip pl:" not in out and snapshot(out, "pf") > 0,
              "show poll after the reload: pf's server and its load", out)

        # the interval changes live, both ways
        rc, out = ctl(sock, "set poll_interval_ms 60000")
        check(rc == 0 and not out.startswith("error"),
              "set poll_interval_ms 60000", out)
        time.sleep(0.15)
        n3 = len(servers[S3].nonces)
        time.sleep(0.4)
        check(len(servers[S3].nonces) - n3 <= 1,
              "a longer interval takes effect (%d polls in 0.4 s)" %
              (len(servers[S3].nonces) - n3))
        rc, out = ctl(sock, "set poll_interval_ms 5")
        n3 = len(servers[S3].nonces)
        time.sleep(0.4)
        check(len(servers[S3].nonces) - n3 >= 10,
              "a shorter one too, without waiting out the long one (%d "
              "polls in 0.4 s)" % (len(servers[S3].nonces) - n3))
    finally:
        p.send_signal(2)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -1
        log.close()
        for s in servers.values():
            if not s.stop.is_set():
                s.close()
    text = open(os.path.join(d, "log")).read()
    check(rc == 0, "dsrlb stops cleanly on SIGINT", text[-1500:])
    check(re.search(r"dsrlb: poller: rounds [1-9]", text) is not None,
          "the poller's counters at exit", text[-1500:])


main()
sys.exit(plan())
