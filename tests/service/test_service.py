#!/usr/bin/python3
# SPDX-License-Identifier: BSD-3-Clause
"""dsrlb and dsrlb-agent as systemd services (docs/operations.md).

1. The unit templates (config/systemd/*.service.in), filled with this
   build's paths, pass `systemd-analyze verify` without a word.
2. The sd_notify(3) protocol of the real programs: with NOTIFY_SOCKET and
   WATCHDOG_USEC set as systemd sets them for Type=notify, each program
   says READY=1 (with a STATUS) once it runs, pings WATCHDOG=1 at half
   the interval while it runs, and says STOPPING=1 on SIGTERM, then
   exits 0.

usage: test_service.py SRCDIR DSRLB DSRLB_AGENT EAL_MEM_ARGS_SH WORKDIR
Prints TAP.
"""
import os
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                ".."))
from tap import check, plan  # noqa: E402

SRC, DSRLB, AGENT, MEMARGS, WORK = sys.argv[1:6]


LB_INI = """
[general]
auth_key = 0123456789abcdef0123456789abcdef
flow_capacity = 1024
idle_sleep_us = 200

[port wire]
dev = net_null0
role = both
ipv4 = 10.0.0.1/24

[neighbours]
10.0.0.11 = 02:00:00:00:00:11

[vip mg]
address = 10.0.0.100
port = 80
mode = maglev
probe_every = 0
backend.s1 = 10.0.0.11
"""

AGENT_INI = """
[general]
flow_capacity = 1024
idle_sleep_us = 200
busy = connections

[srv6]
locator = 2001:db8:1::

[port wire]
dev = net_null0

[port kernel]
dev = net_null1

[wire]
gateway_mac = 02:00:00:00:00:fe
appliance_mac = 02:00:00:00:00:aa

[vip web4]
address = 10.0.0.100
port = 80
"""


def verify_units():
    d = os.path.join(WORK, "units")
    os.makedirs(d, exist_ok=True)
    bindir = os.path.join(d, "bin")
    os.makedirs(bindir, exist_ok=True)
    for exe in (DSRLB, AGENT):
        link = os.path.join(bindir, os.path.basename(exe))
        if os.path.lexists(link):
            os.unlink(link)
        os.symlink(os.path.abspath(exe), link)
    units = []
    for u in ("dsrlb", "dsrlb-agent"):
        t = open(os.path.join(SRC, "config", "systemd",
                              u + ".service.in")).read()
        t = (t.replace("@BINDIR@", bindir)
             .replace("@LIBEXECDIR@/dsrlb", os.path.join(SRC, "scripts"))
             .replace("@SYSCONFDIR@", "/etc")
             .replace("@DOCDIR@", "/usr/share/doc/dsrlb"))
        check("@" not in t, "unit %s: every placeholder filled" % u)
        p = os.path.join(d, u + ".service")
        with open(p, "w") as f:
            f.write(t)
        units.append(p)
    r = subprocess.run(["systemd-analyze", "verify"] + units,
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and not r.stdout.strip() and
          not r.stderr.strip(),
          "systemd-analyze verify dsrlb.service dsrlb-agent.service is "
          "silent", r.stdout + r.stderr)
    # verify is not a rubber stamp: a misspelt key is reported
    bad = os.path.join(d, "bad.service")
    with open(bad, "w") as f:
        f.write(open(units[0]).read().replace("WatchdogSec", "WatchdgSec"))
    r = subprocess.run(["systemd-analyze", "verify", bad],
                       capture_output=True, text=True, timeout=60)
    check("WatchdgSec" in r.stderr, "systemd-analyze verify reports a "
          "misspelt key", r.stderr)


def notify(name, argv, ini_text):
    d = os.path.join(WORK, name)
    os.makedirs(d, exist_ok=True)
    ini = os.path.join(d, "config.ini")
    with open(ini, "w") as f:
        f.write(ini_text)
    sp = os.path.join(d, "notify.sock")
    if os.path.exists(sp):
        os.unlink(sp)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(sp)
    s.settimeout(0.2)
    env = dict(os.environ, NOTIFY_SOCKET=sp, WATCHDOG_USEC="200000")
    env.pop("WATCHDOG_PID", None)
    mem = subprocess.run([MEMARGS, "128"], capture_output=True,
                         text=True).stdout.split()
    log = open(os.path.join(d, "log"), "w")
    p = subprocess.Popen(argv(mem, ini), env=env, stdout=log,
                         stderr=subprocess.STDOUT)
    msgs = []
    t_ready = None
    deadline = time.time() + 30
    try:
        while time.time() < deadline:
            try:
                m = s.recv(4096).decode()
            except socket.timeout:
                if p.poll() is not None:
                    break
                continue
            msgs.append((time.time(), m))
            if "READY=1" in m and t_ready is None:
                t_ready = time.time()
            if t_ready is not None and time.time() - t_ready > 1.0:
                break
        ready = [m for _, m in msgs if "READY=1" in m]
        check(len(ready) == 1 and "STATUS=" in ready[0],
              "%s: READY=1 with a STATUS, once" % name,
              str(msgs[:5]) + open(os.path.join(d, "log")).read()[-800:])
        wd = [t for t, m in msgs if "WATCHDOG=1" in m]
        # 200 ms interval: a ping every 100 ms, ~10 in the second after
        # (the median gap shows the schedule; a single late ping on a
        # loaded test machine, ASan builds included, is tolerated up to
        # 1.5 intervals)
        gaps = sorted(b - a for a, b in zip(wd, wd[1:]))
        check(len(wd) >= 5 and gaps[len(gaps) // 2] < 0.15 and
              gaps[-1] < 0.3,
              "%s: WATCHDOG=1 at half the interval (%d pings)" %
              (name, len(wd)), str([round(b - a, 3) for a, b in
                                    zip(wd, wd[1:])]))
        p.send_signal(15)
        rc = p.wait(timeout=30)
        stop = []
        while True:
            try:
                stop.append(s.recv(4096).decode())
            except socket.timeout:
                break
        check(any("STOPPING=1" in m for m in stop) and rc == 0,
              "%s: STOPPING=1 on SIGTERM, exit 0 (rc %d)" % (name, rc),
              str(stop[-3:]))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        log.close()
        s.close()


verify_units()
notify("dsrlb", lambda mem, ini: [DSRLB] + mem + [
    "--no-pci", "-l", "0", "--file-prefix", "svc%d" % os.getpid(),
    "--log-level=lib.eal:warning", "--vdev", "net_null0", "--",
    "--config", ini, "--ctl-socket", "none", "--quiet"], LB_INI)
# a worker lcore beside the main one: the main lcore pings while the
# worker's loop turns (issue 20)
notify("dsrlb-2-lcores", lambda mem, ini: [DSRLB] + mem + [
    "--no-pci", "-l", "0,1", "--file-prefix", "svc2%d" % os.getpid(),
    "--log-level=lib.eal:warning", "--vdev", "net_null0", "--",
    "--config", ini, "--ctl-socket", "none", "--quiet"], LB_INI)
notify("dsrlb-agent", lambda mem, ini: [AGENT] + mem + [
    "--no-pci", "-l", "0", "--file-prefix", "svca%d" % os.getpid(),
    "--log-level=lib.eal:warning", "--vdev", "net_null0", "--vdev",
    "net_null1", "--", "--config", ini], AGENT_INI)
sys.exit(plan())
