#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""The operator console against the real dsrlb binary.

1. A scripted session (--cmdline-file) on a pcap: answers and errors.
2. A control-socket session (dsrlb-ctl) on a running appliance: answers,
   errors that change nothing, telemetry endpoints through DPDK's
   telemetry socket.
3. Live changes under load: while net_pcap replays established flows
   forever, backends are added, drained and removed through dsrlb-ctl; no
   pinned flow moves (the new backend gets no packet of them), no packet
   is lost (every received frame is forwarded), nothing is re-learned
   mid-stream, and a pcapng capture of the port is written meanwhile.

usage: test_console.py DSRLB DSRLB_CTL EAL_MEM_ARGS_SH WORKDIR
Prints TAP.
"""
import json
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from tap import check, plan  # noqa: E402
from lbtest import v4  # noqa: E402
from scapy.all import TCP, Ether, wrpcap  # noqa: E402

DSRLB, CTL, MEMARGS, WORK = sys.argv[1:5]
# Frames the live test must see forwarded in its ~2 s; sanitizer builds
# (scripts/test.sh's TSan stage) run several times slower and lower it.
MIN_FRAMES = int(os.environ.get("DSRLB_TEST_MIN_FRAMES", "100000"))


CONFIG = """
[general]
flow_capacity = 8192
idle_sleep_us = 200
chash_seed = 7
auth_key = 0123456789abcdef0123456789abcdef

[srv6]
lb_sid = 2001:db8:ff::

[port wire]
dev = {dev}
role = both
ipv4 = 10.0.0.1/24
ipv6 = 2001:db8::1/64

[neighbours]
10.0.0.2 = 02:00:00:00:00:02
10.0.0.11 = 02:00:00:00:00:11
10.0.0.12 = 02:00:00:00:00:12
10.0.0.13 = 02:00:00:00:00:13

[vip mg]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11
backend.s2 = 10.0.0.12
"""


def memargs(mb=256):
    return subprocess.run([MEMARGS, str(mb)], capture_output=True,
                          text=True).stdout.split()


def flows_pcap(path, n):
    """n established flows: SYN then ACK, client 10.0.0.2."""
    pk = []
    for k in range(n):
        for flags in ("S", "A"):
            pk.append(Ether(v4("10.0.0.2", "10.0.0.100",
                               TCP(sport=20000 + k, dport=80, flags=flags,
                                   seq=1), smac=2)))
    wrpcap(path, pk)


def scripted():
    d = os.path.join(WORK, "scripted")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(dev="net_pcap0"))
    inp, out = os.path.join(d, "in.pcap"), os.path.join(d, "out.pcap")
    flows_pcap(inp, 20)
    cmds = os.path.join(d, "cmds")
    with open(cmds, "w") as f:
        f.write("""# comments and blank lines are skipped

help backend
show vips
show backends mg
backend add mg s3 10.0.0.13 weight 2
show chash mg
vip add web6 2001:db8::100 80 tcp hunt
backend add web6 h1 2001:db8::21 locator 2001:db8:a1::
vip set web6 c 1
show vip web6
vip add rr4 10.0.0.104 81 tcp round-robin
backend add rr4 r1 10.0.0.11
backend add rr4 r2 10.0.0.12
backend add rr4 r3 10.0.0.13
show vip rr4
vip set rr4 candidates 2
show vip rr4
vip set mg probe_every 70000
vip set mg probe_every 010
vip set mg window 4
vip set mg probe_adaptive maybe
backend weight mg s1 1001
backend add mg s4 10.0.0.300
backend drain mg nosuch
show backends nosuch
vip add web6 2001:db8::101 80 tcp hunt
vip add web9 10.0.0.109 80 sctp maglev
backend add web6 h2 2001:db8::22
frobnicate
show flow 10.0.0.2 20003 10.0.0.100 80
set idle_sleep_us 150
auth forget
auth key 0123456789abcdef
auth key fedcba9876543210fedcba9876543210
auth forget
""")
    r = subprocess.run([DSRLB] + memargs() + [
        "--no-pci", "-l", "0", "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,tx_pcap=%s" % (inp, out), "--",
        "--config", cfg, "--cmdline-file", cmds, "--ctl-socket", "none",
        "--idle-exit-ms", "1500"], capture_output=True, text=True,
        timeout=60)
    o = r.stdout
    with open(os.path.join(d, "log"), "w") as f:
        f.write(o + r.stderr)
    check(r.returncode == 0, "scripted: dsrlb exits 0", r.stderr[-2000:])
    for want in [
        "dsrlb> help backend",
        "backend add VIP NAME ADDRESS [weight W] [locator IPV6]",
        "  mg           10.0.0.100:80                  tcp   maglev",
        "vip mg: backend s3 added",
        "  s3           10.0.0.13                       2     50.00%",
        "vip web6 added (no backend yet)",
        "vip web6: backend h1 added",
        "vip web6: c = 1",
        "  candidates 1",
        # recovery's d in effect: round-robin's default 8, at most its
        # 3 backends; then the key (issue 17)
        "  recovery: 3 candidates per flow",
        "vip rr4: candidates = 2",
        "  recovery: 2 candidates per flow",
        "error: vip set: probe_every: '70000' is not in 0..65535",
        "error: vip set: probe_every: '010' is not a decimal number "
        "without a leading zero in 0..65535",
        "vip mg: window = 4",
        "error: vip set: probe_adaptive: 'maybe' is not on or off (yes "
        "or no)",
        "error: backend weight: '1001' is not 0..1000",
        "error: backend add: '10.0.0.300' is not an address",
        "error: vip mg has no backend named 'nosuch' (show backends mg)",
        "error: no VIP named 'nosuch' (show vips lists them)",
        "error: vip add: a VIP named 'web6' exists",
        "error: vip add: 'sctp' is neither tcp nor udp",
        "error: vip web6: backend h2: the srv6 transport needs "
        "locator=IPV6",
        "error: unknown command 'frobnicate' (help lists the commands)",
        "idle_sleep_us = 150",
        "error: auth forget: no previous key",
        "error: auth key: not 32 hex digits, or all zero",
        "auth key replaced (the previous one still verifies answers "
        "until 'auth forget')",
        "previous auth key forgotten",
        "cmdline-file %s: 35 commands, 13 errors" % cmds,
    ]:
        check(want in o, "scripted: output has %r" % want)
    # the flow was looked up by its tuple
    check(any(l.strip().startswith("lcore 0") and "10.0.0.2:20003" in l
              and "established" in l for l in o.splitlines()),
          "scripted: show flow finds the flow by its tuple")


def ctl(sock, *cmd):
    r = subprocess.run([CTL, "-s", sock] + list(cmd), capture_output=True,
                       text=True, timeout=30)
    return r.returncode, r.stdout


def telemetry(prefix, cmd):
    path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(path)
    s.recv(1024)          # greeting
    s.send(cmd.encode())
    data = json.loads(s.recv(1 << 16).decode())
    s.close()
    return data


def counters(sock):
    rc, out = ctl(sock, "show counters all")
    c = {}
    for line in out.splitlines():
        f = line.split()
        if len(f) >= 2 and f[1].isdigit():
            c[f[0]] = int(f[1])
    return c


def backend_packets(sock, vip):
    rc, out = ctl(sock, "show backends", vip)
    p = {}
    for line in out.splitlines()[1:]:
        f = line.split()
        if len(f) >= 8:
            p[f[0]] = (f[3], int(f[6]), int(f[7]))   # state, flows, pkts
    return p


def live():
    d = os.path.join(WORK, "live")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(dev="net_pcap0"))
    inp = os.path.join(d, "in.pcap")
    flows_pcap(inp, 200)
    sock = os.path.join(d, "ctl.sock")
    cap = os.path.join(d, "capture.pcapng")
    prefix = "dsrlbtest%d" % os.getpid()
    mem = [a for a in memargs(512) if a not in ("--no-shconf",)]
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen([DSRLB] + mem + [
        "--file-prefix", prefix, "--no-pci", "-l", "0",
        "--log-level=lib.eal:warning",
        "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1,tx_pcap=/dev/null" %
        inp, "--", "--config", cfg, "--ctl-socket", sock],
        stdout=log, stderr=subprocess.STDOUT)
    try:
        # (slow under ASan on a busy machine: up to 30 s, unless it died)
        for _ in range(300):
            if os.path.exists(sock) or p.poll() is not None:
                break
            time.sleep(0.1)
        time.sleep(0.5)
        before = backend_packets(sock, "mg")
        check(set(before) == {"s1", "s2"} and
              before["s1"][1] + before["s2"][1] == 200,
              "live: 200 flows pinned to s1 and s2", str(before))
        rc, out = ctl(sock, "capture start wire %s 128" % cap)
        check(rc == 0 and "capturing port wire" in out,
              "live: capture starts", out)
        rc, out = ctl(sock, "backend add mg s3 10.0.0.13")
        check(rc == 0 and "backend s3 added" in out, "live: s3 added", out)
        time.sleep(0.2)
        rc, out = ctl(sock, "capture stop")
        check(rc == 0 and "packets written" in out, "live: capture stops",
              out)
        rc, out = ctl(sock, "backend drain mg s1")
        check(rc == 0 and "drained" in out, "live: s1 drained", out)
        time.sleep(0.3)
        rc, out = ctl(sock, "backend del mg s2")
        check(rc == 0 and "removed" in out, "live: s2 removed", out)
        time.sleep(0.3)
        # errors change nothing
        rc, out = ctl(sock, "backend del mg s2")
        check(rc == 1 and out.startswith("error: vip mg has no backend "
                                         "named 's2'"),
              "live: removing it twice is one clear error", out)
        rc, out = ctl(sock, "backend weight mg s3 abc")
        check(rc == 1 and out.strip() == "error: backend weight: 'abc' "
              "is not 0..1000", "live: a bad weight is one clear error",
              out)
        mid = backend_packets(sock, "mg")
        time.sleep(0.5)
        after = backend_packets(sock, "mg")
        check(after.get("s3", ("", 0, 0))[2] == 0 and
              after["s3"][1] == 0,
              "live: no pinned flow moved to the new backend s3",
              str(after))
        check(after["s1"][2] > mid["s1"][2] and after["s1"][0] == "drained",
              "live: the drained backend keeps its pinned flows",
              "%s -> %s" % (mid, after))
        check(after["s2"][2] > mid["s2"][2] and after["s2"][0] == "removed",
              "live: the removed backend's pinned flows go on until they "
              "end", "%s -> %s" % (mid, after))
        c = counters(sock)
        drops = {k: v for k, v in c.items()
                 if k.startswith("drop_") and v}
        check(not drops and c.get("flow_midstream", 0) == 0 and
              c.get("tx_backend", 0) > MIN_FRAMES and
              c.get("flow_new", 0) == 200,
              "live: %d frames forwarded, none dropped, no flow re-learned"
              % c.get("tx_backend", 0), str(c))
        # telemetry
        t = telemetry(prefix, "/dsrlb/vips")
        check(t.get("/dsrlb/vips") == ["mg"], "telemetry: /dsrlb/vips",
              str(t))
        t = telemetry(prefix, "/dsrlb/backends,mg")
        b = t.get("/dsrlb/backends", {})
        check(set(b) == {"s1", "s3"} and b["s1"]["state"] == "drained" and
              b["s3"]["packets"] == 0,
              "telemetry: /dsrlb/backends,mg", str(t))
        t = telemetry(prefix, "/dsrlb/counters")
        check(t.get("/dsrlb/counters", {}).get("rx", 0) > MIN_FRAMES,
              "telemetry: /dsrlb/counters", str(t)[:300])
        t = telemetry(prefix, "/dsrlb/vip,mg")
        check(t.get("/dsrlb/vip", {}).get("mode") == "maglev",
              "telemetry: /dsrlb/vip,mg", str(t))
        rc, out = ctl(sock, "quit")
        check(rc == 0, "live: a control session ends with quit")
    finally:
        p.send_signal(2)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = -1
        log.close()
    check(rc == 0, "live: dsrlb stops cleanly on SIGINT, pool full",
          open(os.path.join(d, "log")).read()[-1500:])
    # the capture is a pcapng file tshark can read
    r = subprocess.run(["tshark", "-r", cap, "-c", "2000", "-T", "fields",
                        "-e", "ip.dst"], capture_output=True, text=True)
    dsts = set(r.stdout.split())
    check(r.returncode == 0 and "10.0.0.100" in dsts and
          ("10.0.0.11" in dsts or "10.0.0.12" in dsts),
          "live: tshark reads the pcapng capture: frames received (to the "
          "VIP) and sent (to a backend)", str(dsts) + r.stderr[-300:])


def terminal():
    """-i: rte_cmdline on a terminal, with completion of the keywords."""
    import pty
    import select
    d = os.path.join(WORK, "terminal")
    os.makedirs(d, exist_ok=True)
    cfg = os.path.join(d, "dsrlb.ini")
    with open(cfg, "w") as f:
        f.write(CONFIG.format(dev="net_null0"))
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(DSRLB, [DSRLB] + memargs() + [
            "--no-pci", "-l", "0", "--log-level=lib.eal:warning",
            "--vdev", "net_null0", "--", "--config", cfg, "-i",
            "--ctl-socket", "none"])
    out = b""

    def read_until(token, timeout=10.0):
        nonlocal out
        end = time.time() + timeout
        while token not in out and time.time() < end:
            r, _, _ = select.select([fd], [], [], 0.2)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    break
        return token in out

    # EAL's set-up comes first: on a loaded machine it took over 10 s
    ok = read_until(b"dsrlb> ", 60.0)
    check(ok, "terminal: the console prompts", out.decode(errors="replace"))
    os.write(fd, b"sh\t")           # completes to "show "
    check(read_until(b"show "), "terminal: tab completes 'sh' to 'show'")
    os.write(fd, b"vip\t")          # "vip" is ambiguous: vip, vips
    os.write(fd, b"s\n")
    check(read_until(b"mg           10.0.0.100:80"),
          "terminal: 'show vips' answers",
          out.decode(errors="replace")[-800:])
    os.write(fd, b"backend weight mg s1 x\n")
    check(read_until(b"error: backend weight: 'x' is not 0..1000"),
          "terminal: an error is one line")
    # the grammar comes from lib's command and key tables
    os.write(fd, b"set idle_s\t")   # completes to "idle_sleep_us "
    os.write(fd, b"20\n")
    check(read_until(b"idle_sleep_us = 20"),
          "terminal: 'set idle_s' completes from the key table",
          out.decode(errors="replace")[-800:])
    os.write(fd, b"set flow_capacity 5\n")
    check(read_until(b"error: set: flow_capacity is not settable live"),
          "terminal: a key that cannot change live says why",
          out.decode(errors="replace")[-800:])
    os.write(fd, b"quit\n")
    _, status = os.waitpid(pid, 0)
    check(os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0,
          "terminal: quit stops the appliance cleanly",
          out.decode(errors="replace")[-1500:])


scripted()
terminal()
live()
sys.exit(plan())
